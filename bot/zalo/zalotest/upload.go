package zalotest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Upload is a file the bot uploaded and the fake accepted.
type Upload struct {
	// Kind is KindImage (POST /v2.0/oa/upload/image) or KindFile
	// (POST /v2.0/oa/upload/file).
	Kind string
	// ID is the attachment_id of an image or the token of a file.
	ID string
	// Name is the file name of the multipart part.
	Name string
	// ContentType is the type the fake found: image/jpeg or image/png for
	// images; for files the type of the extension (application/pdf, ...).
	ContentType string
	Size        int
	// Data is the uploaded content. It must not be modified.
	Data []byte
	At   time.Time
}

// fileTypes are the document types the file upload takes, by extension.
var fileTypes = map[string]string{
	"pdf":  "application/pdf",
	"doc":  "application/msword",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"csv":  "text/csv",
}

// serveUpload serves the image and file uploads: a multipart form whose
// part "file" holds the content, and a valid access_token header.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool, kind string) {
	now := time.Now()
	s.mu.Lock()
	valid := s.validAccessLocked(r.Header.Get("access_token"), now)
	s.mu.Unlock()
	if !valid {
		s.writeResult(w, reject(CodeInvalidToken, "Access token is invalid"))
		return
	}
	if tooLarge {
		s.writeResult(w, reject(CodeFileTooLarge, "File size exceeds limit"))
		return
	}
	name, data, err := filePart(r, body)
	if err != nil {
		s.writeResult(w, reject(CodeInvalidParam, "Invalid parameter: %v", err))
		return
	}
	limit := MaxImageUploadSize
	if kind == KindFile {
		limit = MaxFileUploadSize
	}
	if len(data) > limit {
		s.writeResult(w, reject(CodeFileTooLarge, "File size exceeds limit (%d bytes, at most %d)", len(data), limit))
		return
	}
	if len(data) == 0 {
		s.writeResult(w, reject(CodeInvalidParam, "Invalid parameter: the file is empty"))
		return
	}
	var ctype string
	if kind == KindImage {
		ctype = http.DetectContentType(data)
		if ctype != "image/jpeg" && ctype != "image/png" {
			s.writeResult(w, reject(CodeInvalidParam, "Invalid parameter: an image must be jpg or png, got %s", ctype))
			return
		}
	} else if ctype, err = checkDocument(name, data); err != nil {
		s.writeResult(w, reject(CodeInvalidParam, "Invalid parameter: %v", err))
		return
	}

	s.mu.Lock()
	id := randHex(16)
	s.uploadIndex[id] = len(s.uploads)
	s.uploads = append(s.uploads, Upload{Kind: kind, ID: id, Name: name, ContentType: ctype, Size: len(data), Data: data, At: now})
	s.changed.Notify()
	s.mu.Unlock()

	if kind == KindImage {
		s.writeResult(w, result{data: map[string]string{"attachment_id": id}})
	} else {
		s.writeResult(w, result{data: map[string]string{"token": id}})
	}
}

// filePart returns the name and content of the multipart part "file".
func filePart(r *http.Request, body []byte) (string, []byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", nil, errors.New("the body must be multipart/form-data")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, errors.New(`the form has no part "file"`)
		}
		if err != nil {
			return "", nil, fmt.Errorf("can't parse the multipart body: %v", err)
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return "", nil, fmt.Errorf("can't parse the multipart body: %v", err)
		}
		return part.FileName(), data, nil
	}
}

// checkDocument checks that a file upload is a PDF, DOC, DOCX or CSV file
// whose content agrees with its extension (or, without one, is one of
// them), and returns its content type.
func checkDocument(name string, data []byte) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	sniffed := sniffDocument(data)
	if ext == "" {
		ext = sniffed
	}
	ctype, ok := fileTypes[ext]
	if !ok {
		return "", fmt.Errorf("file type %q is not allowed (pdf, doc, docx or csv)", ext)
	}
	if sniffed != ext {
		return "", fmt.Errorf("the content of %q is not a %s file", name, ext)
	}
	return ctype, nil
}

// sniffDocument tells which of the allowed types data looks like, "" if
// none. DOCX is recognised as a zip file, CSV as UTF-8 text.
func sniffDocument(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return "doc"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "docx"
	case utf8.Valid(data) && bytes.IndexByte(data, 0) < 0:
		return "csv"
	}
	return ""
}

func (s *Server) uploadedLocked(id, kind string) bool {
	i, ok := s.uploadIndex[id]
	return ok && s.uploads[i].Kind == kind
}

// Uploads returns the accepted uploads, oldest first.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// UploadByID returns the upload with an attachment_id or file token.
func (s *Server) UploadByID(id string) (Upload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.uploadIndex[id]; ok {
		return s.uploads[i], true
	}
	return Upload{}, false
}

// servedFile is a file served with ServeFile.
type servedFile struct {
	data        []byte
	contentType string
}

// ServeFile makes the fake serve data at a new URL, as Zalo's CDN serves the
// media of an event, and returns that URL. An empty contentType is detected
// from data. SendImage and SendFile use it.
func (s *Server) ServeFile(data []byte, contentType string) string {
	data = bytes.Clone(data)
	if contentType == "" {
		contentType = http.DetectContentType(data)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveFileLocked(data, contentType)
}

func (s *Server) serveFileLocked(data []byte, contentType string) string {
	id := randHex(12)
	s.files[id] = servedFile{data: data, contentType: contentType}
	return s.ts.URL + PathFiles + id
}

// serveFile serves GET and HEAD of a URL returned by ServeFile.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	f, ok := s.files[id]
	if ok {
		s.fileFetches++
	}
	delay := s.fileDelay
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.sleep(r, delay)
	if r.Context().Err() != nil {
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	if r.Method == http.MethodGet {
		_, _ = w.Write(f.data)
	}
}

// FileFetches returns how many requests for the URLs returned by ServeFile
// (and used in events) found their file.
func (s *Server) FileFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fileFetches
}

// SlowFile makes the fake wait d before answering each request for a file
// it serves (0 restores the default), to test the bot's download timeout.
func (s *Server) SlowFile(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fileDelay = d
}
