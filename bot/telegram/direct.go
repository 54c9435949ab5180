package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	tgbot "github.com/go-telegram/bot"
)

// direct makes the calls of every update (sendMessage, editMessageText,
// answerCallbackQuery) as small JSON bodies, and decodes only what the
// sender uses of the answer. go-telegram/bot builds a multipart form by
// reflection in a goroutine for every call and decodes the whole Message
// returned: a quarter of the bot's time per update (issue 16, see
// BENCHMARKS.md). Its types are kept (the parameters marshal to the Bot
// API's JSON as they are), and so are its errors, so that the retry and
// block rules of Sender.call read both alike. Everything else (files,
// commands, polling) still goes through the library.
type direct struct {
	base   string // the server URL + "/bot" + token + "/"
	token  string
	client *http.Client
}

func newDirect(serverURL, token string, client *http.Client) *direct {
	return &direct{base: strings.TrimRight(serverURL, "/") + "/bot" + token + "/", token: token, client: client}
}

// answer is the Bot API's envelope, with the result decoded into what
// the caller passed.
type answer struct {
	OK          bool   `json:"ok"`
	Result      any    `json:"result,omitempty"`
	Description string `json:"description,omitempty"`
	ErrorCode   int    `json:"error_code,omitempty"`
	Parameters  struct {
		RetryAfter int `json:"retry_after,omitempty"`
	} `json:"parameters,omitempty"`
}

// call posts params as JSON to method and decodes the result into dest
// (nil: not read). Its errors are go-telegram/bot's for the same answers.
func (d *direct) call(ctx context.Context, method string, params, dest any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("error encode request for method %s, %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("error create request for method %s, %w", method, errors.New(redact(err.Error(), d.token)))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			uerr.URL = redact(uerr.URL, d.token)
		}
		return fmt.Errorf("error do request for method %s, %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("error read response body for method %s, %w", method, err)
	}
	a := answer{Result: dest}
	if dest == nil {
		a.Result = &json.RawMessage{}
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		// The envelope alone, in case the result is not what dest holds.
		a = answer{Result: &json.RawMessage{}}
		if json.Unmarshal(raw, &a) != nil || a.OK {
			return fmt.Errorf("error decode response body for method %s, %w", method, err)
		}
	}
	if a.OK {
		return nil
	}
	switch a.ErrorCode {
	case http.StatusForbidden:
		return fmt.Errorf("%w, %s", tgbot.ErrorForbidden, a.Description)
	case http.StatusBadRequest:
		return fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, a.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w, %s", tgbot.ErrorUnauthorized, a.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%w, %s", tgbot.ErrorNotFound, a.Description)
	case http.StatusConflict:
		return fmt.Errorf("%w, %s", tgbot.ErrorConflict, a.Description)
	case http.StatusTooManyRequests:
		return &tgbot.TooManyRequestsError{Message: fmt.Sprintf("%s, %s", tgbot.ErrorTooManyRequests, a.Description), RetryAfter: a.Parameters.RetryAfter}
	}
	return fmt.Errorf("error response from telegram for method %s, %d %s", method, a.ErrorCode, a.Description)
}

// sentMessage is what the sender reads of a Message sent or edited.
type sentMessage struct {
	ID int `json:"message_id"`
}
