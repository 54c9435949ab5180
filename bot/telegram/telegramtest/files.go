package telegramtest

import (
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"
)

// fileEntry is a file known to the fake: uploaded by the bot, attached to
// an update built by a test, or registered with AddFile.
type fileEntry struct {
	id       string
	uniqueID string
	path     string
	name     string
	mime     string
	size     int64
	content  []byte
}

var fileDirs = map[string]struct{ dir, ext, mime string }{
	KindPhoto:     {"photos", ".jpg", "image/jpeg"},
	KindDocument:  {"documents", "", "application/octet-stream"},
	KindVideo:     {"videos", ".mp4", "video/mp4"},
	KindAudio:     {"music", ".mp3", "audio/mpeg"},
	KindVoice:     {"voice", ".oga", "audio/ogg"},
	KindAnimation: {"animations", ".mp4", "video/mp4"},
	KindSticker:   {"stickers", ".webp", "image/webp"},
}

// newFileLocked registers a new file. An empty id gets a generated one.
func (s *Server) newFileLocked(kind, id, name, mimeType string, content []byte, size int64) *fileEntry {
	s.nextFile++
	n := strconv.FormatInt(s.nextFile, 10)
	d, ok := fileDirs[kind]
	if !ok {
		d = fileDirs[KindDocument]
	}
	ext := path.Ext(name)
	if ext == "" {
		ext = d.ext
	}
	if mimeType == "" || mimeType == "application/octet-stream" {
		if t := mime.TypeByExtension(ext); t != "" {
			mimeType = t
		} else if mimeType == "" {
			mimeType = d.mime
		}
	}
	if id == "" {
		id = "tg-" + kind + "-" + n
	}
	if content != nil {
		size = int64(len(content))
	}
	f := &fileEntry{
		id:       id,
		uniqueID: "uniq-" + n,
		path:     d.dir + "/file_" + n + ext,
		name:     name,
		mime:     mimeType,
		size:     size,
		content:  content,
	}
	s.files[f.id] = f
	s.filePaths[f.path] = f
	return f
}

// AddFile registers a file the bot can fetch with getFile and download from
// the /file endpoint, replacing the content of a known file_id.
func (s *Server) AddFile(fileID string, content []byte) {
	content = append([]byte(nil), content...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.files[fileID]; f != nil {
		f.content, f.size = content, int64(len(content))
		return
	}
	s.newFileLocked(KindDocument, fileID, "", "", content, 0)
}

// FileContent returns the content of a known file, e.g. one uploaded by the
// bot (see Message.FileID).
func (s *Server) FileContent(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[fileID]
	if f == nil {
		return nil, false
	}
	return append([]byte(nil), f.content...), true
}

// resolveInputFile finds the file sent in parameter kind: an uploaded part
// (directly or via "attach://name"), a known file_id or an http(s) URL.
func (s *Server) resolveInputFile(kind string, c *callCtx) (*fileEntry, *APIError) {
	ref := strings.TrimSpace(c.params[kind])
	up, uploaded := c.files[kind]
	if !uploaded {
		if name, ok := strings.CutPrefix(ref, "attach://"); ok {
			if up, uploaded = c.files[name]; !uploaded {
				return nil, badRequest("wrong file identifier/HTTP URL specified")
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case uploaded:
		return s.newFileLocked(kind, "", up.FileName, up.ContentType, up.Content, 0), nil
	case ref == "":
		return nil, badRequest("there is no %s in the request", kind)
	case s.files[ref] != nil:
		return s.files[ref], nil
	case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
		name := ""
		if u, err := url.Parse(ref); err == nil {
			name = path.Base(u.Path)
		}
		return s.newFileLocked(kind, "", name, "", nil, 0), nil
	case !s.cfg.validateFileID:
		return s.newFileLocked(kind, ref, "", "", nil, 0), nil
	default:
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	}
}

func (s *Server) getFile(c *callCtx) (any, *APIError) {
	id := strings.TrimSpace(c.params["file_id"])
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[id]
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	if f.size > maxDownloadSize {
		return nil, badRequest("file is too big")
	}
	return &models.File{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: f.size, FilePath: f.path}, nil
}

// serveFile serves /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, rest string) {
	token, filePath, ok := strings.Cut(rest, "/")
	if !ok {
		writeError(w, errNotFound)
		return
	}
	if token != s.cfg.token {
		writeError(w, errUnauthorized)
		return
	}
	s.mu.Lock()
	f := s.filePaths[filePath]
	var content []byte
	var mimeType string
	if f != nil {
		content, mimeType = f.content, f.mime
	}
	s.mu.Unlock()
	if f == nil {
		writeError(w, errNotFound)
		return
	}
	w.Header().Set("Content-Type", mimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	_, _ = w.Write(content)
}
