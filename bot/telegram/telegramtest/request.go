package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

var errTooLarge = &APIError{Code: http.StatusRequestEntityTooLarge, Description: "Request Entity Too Large"}

// parseRequest extracts the call parameters from the query string and from
// a multipart/form-data, application/json or
// application/x-www-form-urlencoded body. Object values are kept as JSON text,
// which is how go-telegram/bot sends them in multipart forms.
func parseRequest(r *http.Request) (map[string]string, map[string]FileUpload, error) {
	params := make(map[string]string)
	var files map[string]FileUpload
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	if r.Body == nil {
		return params, nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return params, nil, fmt.Errorf("can't read request body: %v", err)
	}
	if len(body) > maxRequestBody {
		return params, nil, errTooLarge
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil, nil
	}

	mediaType, mtParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), mtParams["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return params, files, fmt.Errorf("can't parse multipart body: %v", err)
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return params, files, fmt.Errorf("can't parse multipart body: %v", err)
			}
			name := part.FormName()
			if isFilePart(part) {
				if files == nil {
					files = make(map[string]FileUpload)
				}
				files[name] = FileUpload{
					FieldName:   name,
					FileName:    part.FileName(),
					ContentType: part.Header.Get("Content-Type"),
					Content:     data,
				}
				continue
			}
			params[name] = string(data)
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return params, nil, fmt.Errorf("can't parse JSON request body: %v", err)
		}
		for k, v := range m {
			switch {
			case len(v) == 0 || string(v) == "null":
			case v[0] == '"':
				var str string
				if err := json.Unmarshal(v, &str); err != nil {
					return params, nil, fmt.Errorf("can't parse JSON request body: %v", err)
				}
				params[k] = str
			default:
				params[k] = string(v)
			}
		}
	case "application/x-www-form-urlencoded", "":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return params, nil, fmt.Errorf("can't parse form body: %v", err)
		}
		for k, v := range values {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
	default:
		return params, nil, fmt.Errorf("unsupported Content-Type %q", mediaType)
	}
	return params, files, nil
}

func isFilePart(p *multipart.Part) bool {
	_, dp, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return false
	}
	_, ok := dp["filename"]
	return ok
}

// paramInt parses an integer parameter; ok is false if it is absent.
func paramInt(params map[string]string, name string) (v int64, ok bool, e *APIError) {
	raw, present := params[name]
	if !present || raw == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		return 0, false, badRequest("field \"%s\" must be a valid Number", name)
	}
	return v, true, nil
}

// paramBool parses a boolean parameter ("true", "1", ...).
func paramBool(params map[string]string, name string) bool {
	v, _ := strconv.ParseBool(strings.TrimSpace(params[name]))
	return v
}

// chatIDParam returns the numeric chat_id of a call.
func chatIDParam(params map[string]string) (int64, *APIError) {
	raw := strings.TrimSpace(params["chat_id"])
	if raw == "" {
		return 0, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

// messageIDParam returns the message_id of a call.
func messageIDParam(params map[string]string) (int, *APIError) {
	id, ok, e := paramInt(params, "message_id")
	if e != nil {
		return 0, e
	}
	if !ok {
		return 0, badRequest("message_id is empty")
	}
	return int(id), nil
}
