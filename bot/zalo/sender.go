package zalo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/internal/jsonenc"
)

// Limits of the consultation-message API (ZALO.md §2).
const (
	MaxText        = 2000    // characters of one message
	MaxButtons     = 5       // buttons of one message
	MaxButtonTitle = 100     // characters of a button's title
	MaxPayload     = 1000    // characters of an oa.query button's payload
	MaxImage       = 1 << 20 // bytes of an uploaded image
	MaxFile        = 5 << 20 // bytes of an uploaded file
)

// A button's payload is ButtonPrefix and its data, which is ASCII
// (bot.ButtonData): it always fits (this does not compile otherwise).
var _ [MaxPayload - len(ButtonPrefix) - bot.MaxButtonData]struct{}

// Paths of the API, under the API base.
const (
	PathSend        = "/v3.0/oa/message/cs"
	PathUploadImage = "/v2.0/oa/upload/image"
	PathUploadFile  = "/v2.0/oa/upload/file"
)

// TokenSource gives the OA access token (see Tokens).
type TokenSource interface {
	Access(ctx context.Context) (string, error)
	// Invalid is told the API refused token used; it returns a new one.
	Invalid(ctx context.Context, used string) (string, error)
}

// BlockMarker records that a user blocked (or unfollowed) the OA.
type BlockMarker interface {
	SetBlocked(ctx context.Context, channel, channelID string, blocked bool) error
}

// Pacer holds sends to the OA's budget (bot.Pacer).
type Pacer interface {
	Wait(ctx context.Context, chatID string) error
	Pause(d time.Duration)
}

// Links makes a download link for a file the API cannot carry (the .xlsx
// report): valid for a while, for this chat only.
type Links interface {
	Link(ctx context.Context, chatID, name string, data []byte) (string, error)
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	APIURL string // "https://openapi.zalo.me" or a fake
	Tokens TokenSource
	Users  BlockMarker
	Pacer  Pacer // nil: no pacing
	Links  Links // nil: no PUBLIC_URL, files that cannot be uploaded are refused
	// Texts of the adapter's own lines, already localized by the wiring:
	// DownloadLine(url) introduces a link to a file; NoLinks says that
	// the file cannot be sent without PUBLIC_URL; ShareTitle and
	// ShareSubtitle are the phone-number form's.
	DownloadLine  func(url string) string
	NoLinks       string
	ShareTitle    string
	ShareSubtitle string
	ShareImageURL string // the form's picture (optional)
	HTTP          *http.Client
	Log           *slog.Logger
	// FetchTimeout bounds the download of a file a user sent; 0: 60 s.
	FetchTimeout time.Duration
	// Retries of a send after a server error, a dropped connection or a
	// rate limit (-32); 0: 4. Backoff is the first wait, doubled each
	// time (a rate limit pauses the pacer four times as long); 0: 250 ms.
	Retries int
	Backoff time.Duration
}

// Sender sends every outgoing message of the Zalo channel.
type Sender struct {
	cfg  SenderConfig
	http *http.Client
	log  *slog.Logger

	// uploaded keeps the ids of recent uploads by their content, so that an
	// announcement's picture is uploaded once, not for every recipient.
	upMu     sync.Mutex
	uploaded map[string]uploadedID
	upFlight sync.Mutex // one upload at a time
}

type uploadedID struct {
	id string
	at time.Time
}

// uploadReuse is how long an upload's id is used again; Zalo lets them
// expire (about a week, ZALO.md §2.3), and -100 makes it upload again.
const (
	uploadReuse = time.Hour
	uploadKeep  = 64 // ids kept at most
)

// NewSender returns a sender.
func NewSender(cfg SenderConfig) *Sender {
	s := &Sender{cfg: cfg, http: cfg.HTTP, log: cfg.Log}
	if s.http == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 128, 128
		s.http = &http.Client{Timeout: 60 * time.Second, Transport: tr}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cfg.FetchTimeout <= 0 {
		s.cfg.FetchTimeout = 60 * time.Second
	}
	if s.cfg.Retries <= 0 {
		s.cfg.Retries = 4
	}
	if s.cfg.Backoff <= 0 {
		s.cfg.Backoff = 250 * time.Millisecond
	}
	s.cfg.APIURL = strings.TrimRight(s.cfg.APIURL, "/")
	return s
}

var (
	_ bot.Sender     = (*Sender)(nil)
	_ bot.Downloader = (*Sender)(nil)
	_ bot.Limited    = (*Sender)(nil)
)

// Limits tells the engine what Zalo cannot show.
func (s *Sender) Limits() bot.Limits {
	return bot.Limits{MaxButtons: MaxButtons, NoEdit: true, PlainText: true, NoToast: true, NoKeyboard: true}
}

// APIError is an error the API answered (with HTTP 200 and a negative
// "error"), or an HTTP status.
type APIError struct {
	Code    int    // Zalo's error code, or 0 for an HTTP failure
	Status  int    // HTTP status
	Message string // Zalo's message (no token in it)
}

func (e *APIError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("zalo: error %d: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("zalo: HTTP %d", e.Status)
}

// Is makes the window and block codes match the engine's errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case bot.ErrOutsideWindow:
		return e.Code == -230 || e.Code == -232
	case bot.ErrBlocked:
		return e.Code == -213 || e.Code == -244
	}
	return false
}

func invalidToken(code int) bool { return code == -216 || code == -220 || code == -124 }

// Send sends r to a user: a picture or a file first, then the
// phone-number form if asked for, then the text as plain text in parts of
// at most 2,000 characters, the buttons (at most 5; the engine numbers
// more) on the last part. An edit is sent as a new message. It returns the last message's id.
func (s *Sender) Send(ctx context.Context, userID string, r bot.Reply) (string, error) {
	r, _ = r.Degrade(s.Limits())
	text := strings.TrimSpace(bot.PlainText(r.Text))
	var last string
	if att := r.Photo; att != nil {
		caption := text
		if len(r.Buttons) > 0 {
			// A picture carries no buttons: the text goes after it with them.
			caption = ""
		}
		id, rest, err := s.sendImage(ctx, userID, att, caption)
		if caption == "" {
			rest = text
		}
		if err != nil {
			return "", err
		}
		last, text = id, rest
	}
	if att := r.Document; att != nil {
		id, rest, err := s.sendDocument(ctx, userID, att, text)
		if err != nil {
			return "", err
		}
		last, text = id, rest
	}
	if r.Contact != "" {
		// The phone-number form goes just above the question, which stays
		// the last thing on the screen with its buttons.
		id, err := s.send(ctx, userID, map[string]any{"attachment": map[string]any{"type": "template", "payload": map[string]any{
			"template_type": "request_user_info", "elements": []map[string]any{s.shareElement(r.Contact)}}}})
		if err != nil {
			return "", err
		}
		last = id
	}
	buttons := s.buttons(r)
	if text != "" {
		parts := bot.SplitText(text, MaxText)
		for i, p := range parts {
			msg := textMessage{Text: p}
			if i == len(parts)-1 && len(buttons) > 0 {
				msg.Attachment = &buttonsAttachment{Type: "template", Payload: buttonsPayload{Buttons: buttons}}
			}
			id, err := s.send(ctx, userID, msg)
			if err != nil {
				return "", err
			}
			last = id
		}
	}
	return last, nil
}

func (s *Sender) shareElement(label string) map[string]any {
	title := s.cfg.ShareTitle
	if title == "" {
		title = bot.PlainText(label)
	}
	el := map[string]any{"title": clip(title, MaxButtonTitle), "subtitle": s.cfg.ShareSubtitle}
	if s.cfg.ShareImageURL != "" {
		el["image_url"] = s.cfg.ShareImageURL
	}
	return el
}

// buttons are the reply's buttons as Zalo's: a choice is an
// oa.query.hide button whose payload comes back as the user's text; a
// word of a reply keyboard is sent back as that word.
func (s *Sender) buttons(r bot.Reply) []button {
	var out []button
	for _, row := range r.Buttons {
		for _, b := range row {
			title := clip(b.Label, MaxButtonTitle) // labels are plain text
			if b.URL != "" {
				out = append(out, button{Title: title, Type: "oa.open.url", Payload: urlPayload{URL: b.URL}})
				continue
			}
			out = append(out, button{Title: title, Type: "oa.query.hide", Payload: ButtonPrefix + b.Data})
		}
	}
	if r.Contact != "" || r.PickUser != "" {
		for _, k := range r.Keys {
			out = append(out, button{Title: clip(k, MaxButtonTitle), Type: "oa.query.hide", Payload: k})
		}
	}
	if len(out) > MaxButtons {
		out = out[:MaxButtons]
	}
	return out
}

// The shapes of a text message, as structs: encoding a message of maps
// cost more than the rest of its send (see BENCHMARKS.md).
type (
	sendBody struct {
		Recipient recipient `json:"recipient"`
		Message   any       `json:"message"`
	}
	recipient struct {
		UserID string `json:"user_id"`
	}
	textMessage struct {
		Text       string             `json:"text"`
		Attachment *buttonsAttachment `json:"attachment,omitempty"`
	}
	buttonsAttachment struct {
		Type    string         `json:"type"`
		Payload buttonsPayload `json:"payload"`
	}
	buttonsPayload struct {
		Buttons []button `json:"buttons"`
	}
	button struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Payload any    `json:"payload"` // a string, or urlPayload
	}
	urlPayload struct {
		URL string `json:"url"`
	}
)

// appendTextBody appends the send body of a text message (with its
// buttons) as json.Marshal writes sendBody, without reflection: every
// question of a form is one, and encoding/json was a fifth of the send
// (BENCHMARKS.md). TestTextBodyAsMarshal compares the bytes.
func appendTextBody(b []byte, userID string, m textMessage) []byte {
	b = append(b, `{"recipient":{"user_id":`...)
	b = jsonenc.AppendString(b, userID)
	b = append(b, `},"message":{"text":`...)
	b = jsonenc.AppendString(b, m.Text)
	if a := m.Attachment; a != nil {
		b = append(b, `,"attachment":{"type":`...)
		b = jsonenc.AppendString(b, a.Type)
		b = append(b, `,"payload":{"buttons":`...)
		if a.Payload.Buttons == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, bt := range a.Payload.Buttons {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"title":`...)
				b = jsonenc.AppendString(b, bt.Title)
				b = append(b, `,"type":`...)
				b = jsonenc.AppendString(b, bt.Type)
				b = append(b, `,"payload":`...)
				switch p := bt.Payload.(type) {
				case string:
					b = jsonenc.AppendString(b, p)
				case urlPayload:
					b = append(b, `{"url":`...)
					b = jsonenc.AppendString(b, p.URL)
					b = append(b, '}')
				default:
					raw, _ := json.Marshal(p) // no payload of another kind is made
					b = append(b, raw...)
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, "}}"...)
	}
	return append(b, "}}"...)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// AnswerCallback: Zalo has no button answers; a notice that Telegram
// shows as a toast is sent as a message.
func (s *Sender) AnswerCallback(ctx context.Context, userID, text string, _ bool) error {
	text = strings.TrimSpace(bot.PlainText(text))
	if text == "" || userID == "" {
		return nil
	}
	_, err := s.send(ctx, userID, textMessage{Text: clip(text, MaxText)})
	return err
}

// send posts one message and returns its id.
func (s *Sender) send(ctx context.Context, userID string, msg any) (string, error) {
	var body []byte
	if m, ok := msg.(textMessage); ok {
		body = appendTextBody(make([]byte, 0, 256+len(m.Text)), userID, m)
	} else {
		var err error
		if body, err = json.Marshal(sendBody{Recipient: recipient{UserID: userID}, Message: msg}); err != nil {
			return "", err
		}
	}
	var out struct {
		MessageID string `json:"message_id"`
	}
	err := s.call(ctx, userID, PathSend, func() (io.Reader, string) { return bytes.NewReader(body), "application/json" }, &out)
	return out.MessageID, err
}

// call makes one API call with the error rules of DESIGN §3b: an invalid
// token is refreshed and the call tried once more; a rate limit pauses and
// tries again; a server error or a dropped connection is tried again a few
// times; outside the reply window and blocked are the engine's errors.
func (s *Sender) call(ctx context.Context, userID, p string, body func() (io.Reader, string), out any) error {
	token, err := s.cfg.Tokens.Access(ctx)
	if err != nil {
		return fmt.Errorf("zalo: access token: %w", err)
	}
	refreshed := false
	backoff := s.cfg.Backoff
	for attempt := 0; ; attempt++ {
		if s.cfg.Pacer != nil && p == PathSend {
			if err := s.cfg.Pacer.Wait(ctx, userID); err != nil {
				return err
			}
		}
		rd, ctype := body()
		apiErr, err := s.post(ctx, p, token, rd, ctype, out)
		switch {
		case err == nil && apiErr == nil:
			return nil
		case err != nil || apiErr.Status >= 500:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if attempt >= s.cfg.Retries {
				if err == nil {
					err = apiErr
				}
				return err
			}
			s.log.Warn("zalo: call failed, retrying", "path", p, "attempt", attempt+1, "err", errText(err, apiErr))
		case invalidToken(apiErr.Code) && !refreshed:
			refreshed = true
			if token, err = s.cfg.Tokens.Invalid(ctx, token); err != nil {
				return fmt.Errorf("zalo: refresh after %d: %w", apiErr.Code, err)
			}
			continue
		case apiErr.Code == -32 && attempt < s.cfg.Retries:
			s.log.Warn("zalo: rate limited, pausing", "path", p)
			if s.cfg.Pacer != nil {
				s.cfg.Pacer.Pause(backoff * 4)
				backoff *= 2
				continue
			}
		case errors.Is(apiErr, bot.ErrBlocked):
			if s.cfg.Users != nil && userID != "" {
				if merr := s.cfg.Users.SetBlocked(context.WithoutCancel(ctx), ChannelName, userID, true); merr != nil {
					s.log.Error("zalo: mark user blocked", "user", userID, "err", merr)
				}
			}
			return fmt.Errorf("%w: %w", bot.ErrBlocked, apiErr)
		default:
			return apiErr
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func errText(err error, apiErr *APIError) string {
	if err != nil {
		return err.Error()
	}
	return apiErr.Error()
}

// post makes one HTTP call; a transport error is err, an error the API
// answered is apiErr.
func (s *Sender) post(ctx context.Context, p, token string, body io.Reader, ctype string, out any) (*APIError, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.APIURL+p, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("access_token", token)
	req.Header.Set("Content-Type", ctype)
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("zalo: %s: %w", p, scrub(err, token))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("zalo: %s: %w", p, err)
	}
	if resp.StatusCode != http.StatusOK {
		return &APIError{Status: resp.StatusCode}, nil
	}
	// One pass: the data is decoded into out along with the error code.
	r := struct {
		Error   int    `json:"error"`
		Message string `json:"message"`
		Data    any    `json:"data"`
	}{Data: out}
	if out == nil {
		r.Data = &json.RawMessage{}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		var probe struct {
			Error   int    `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(raw, &probe) != nil {
			return &APIError{Status: http.StatusBadGateway, Message: "unreadable answer"}, nil
		}
		if probe.Error != 0 {
			return &APIError{Code: probe.Error, Status: resp.StatusCode, Message: probe.Message}, nil
		}
		return nil, fmt.Errorf("zalo: %s: %w", p, err)
	}
	if r.Error != 0 {
		return &APIError{Code: r.Error, Status: resp.StatusCode, Message: r.Message}, nil
	}
	return nil, nil
}

// scrub keeps the token out of an error's text.
func scrub(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "***"))
}

// upload sends a file to an upload endpoint and returns the id it gives.
func (s *Sender) upload(ctx context.Context, userID, p, name string, data []byte) (string, error) {
	var out struct {
		AttachmentID string `json:"attachment_id"`
		Token        string `json:"token"`
	}
	body := func() (io.Reader, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		return &b, mw.FormDataContentType()
	}
	if err := s.call(ctx, userID, p, body, &out); err != nil {
		return "", err
	}
	if out.AttachmentID != "" {
		return out.AttachmentID, nil
	}
	if out.Token != "" {
		return out.Token, nil
	}
	return "", fmt.Errorf("zalo: %s: no id in the answer", p)
}

// sendImage uploads a picture (re-encoded when over 1 MB) and sends it
// with as much of text as a caption takes; it returns the rest of text.
func (s *Sender) sendImage(ctx context.Context, userID string, att *bot.Attachment, text string) (string, string, error) {
	el := map[string]any{"media_type": "image"}
	switch {
	case len(att.Data) > 0:
	case isURL(att.FileID):
		el["url"] = att.FileID
	default:
		// A file of another channel (a Telegram file id) without its bytes:
		// the text alone.
		s.log.Warn("zalo: picture without bytes or URL not sent")
		return "", text, nil
	}
	rest := text
	build := func(id string) map[string]any {
		if id != "" {
			el["attachment_id"] = id
		}
		msg := map[string]any{"attachment": map[string]any{"type": "template", "payload": map[string]any{
			"template_type": "media", "elements": []map[string]any{el}}}}
		if text != "" && utf8.RuneCountInString(text) <= MaxText {
			msg["text"], rest = text, ""
		}
		return msg
	}
	if len(att.Data) == 0 {
		id, err := s.send(ctx, userID, build(""))
		return id, rest, err
	}
	id, err := s.sendUploaded(ctx, userID, PathUploadImage, att.Data, func() (string, []byte, error) {
		data, name, err := FitImage(att.Data, att.Name, MaxImage)
		return name, data, err
	}, build)
	return id, rest, err
}

// sendUploaded sends the message build makes with the id of an upload of
// content (made by prepare, or taken from an upload of the same content
// less than uploadReuse ago); an id Zalo says expired (-100) is uploaded
// again, once.
func (s *Sender) sendUploaded(ctx context.Context, userID, p string, content []byte,
	prepare func() (name string, data []byte, err error), build func(id string) map[string]any) (string, error) {
	sum := sha256.Sum256(content)
	key := p + ":" + hex.EncodeToString(sum[:])
	for attempt := 0; ; attempt++ {
		id, err := s.uploadOnce(ctx, userID, p, key, prepare)
		if err != nil {
			return "", err
		}
		mid, err := s.send(ctx, userID, build(id))
		var ae *APIError
		if attempt == 0 && errors.As(err, &ae) && ae.Code == -100 {
			s.forget(key)
			continue
		}
		return mid, err
	}
}

// uploadOnce returns the id of an upload of key's content, uploading it
// when none is recent; sends of one announcement in parallel wait for the
// one upload (uploads are few: one at a time).
func (s *Sender) uploadOnce(ctx context.Context, userID, p, key string, prepare func() (string, []byte, error)) (string, error) {
	s.upFlight.Lock()
	defer s.upFlight.Unlock()
	if id, ok := s.reuse(key); ok {
		return id, nil
	}
	name, data, err := prepare()
	if err != nil {
		return "", err
	}
	id, err := s.upload(ctx, userID, p, name, data)
	if err != nil {
		return "", err
	}
	s.keep(key, id)
	return id, nil
}

func (s *Sender) reuse(key string) (string, bool) {
	s.upMu.Lock()
	defer s.upMu.Unlock()
	u, ok := s.uploaded[key]
	if !ok || time.Since(u.at) > uploadReuse {
		return "", false
	}
	return u.id, true
}

func (s *Sender) keep(key, id string) {
	s.upMu.Lock()
	defer s.upMu.Unlock()
	if s.uploaded == nil {
		s.uploaded = map[string]uploadedID{}
	}
	if len(s.uploaded) >= uploadKeep {
		for k, u := range s.uploaded {
			if time.Since(u.at) > uploadReuse || len(s.uploaded) >= uploadKeep {
				delete(s.uploaded, k)
			}
		}
	}
	s.uploaded[key] = uploadedID{id: id, at: time.Now()}
}

func (s *Sender) forget(key string) {
	s.upMu.Lock()
	defer s.upMu.Unlock()
	delete(s.uploaded, key)
}

// fileTypes are the documents the upload API takes.
var fileTypes = map[string]bool{".pdf": true, ".doc": true, ".docx": true, ".csv": true}

// sendDocument uploads a document Zalo takes (PDF, DOC, DOCX, CSV up to
// 5 MB); anything else goes as a download link under PUBLIC_URL. The
// text is returned to go after it (a file message has no caption).
func (s *Sender) sendDocument(ctx context.Context, userID string, att *bot.Attachment, text string) (string, string, error) {
	ext := strings.ToLower(path.Ext(att.Name))
	if len(att.Data) == 0 {
		if isURL(att.FileID) && s.cfg.DownloadLine != nil {
			return "", joinText(text, s.cfg.DownloadLine(att.FileID)), nil
		}
		s.log.Warn("zalo: document without bytes or URL not sent")
		return "", text, nil
	}
	if fileTypes[ext] && len(att.Data) <= MaxFile {
		id, err := s.sendUploaded(ctx, userID, PathUploadFile, att.Data, func() (string, []byte, error) {
			return att.Name, att.Data, nil
		}, func(token string) map[string]any {
			return map[string]any{"attachment": map[string]any{"type": "file", "payload": map[string]any{"token": token}}}
		})
		return id, text, err
	}
	if s.cfg.Links == nil {
		return "", joinText(text, s.cfg.NoLinks), nil
	}
	url, err := s.cfg.Links.Link(ctx, userID, att.Name, att.Data)
	if err != nil {
		return "", text, err
	}
	line := url
	if s.cfg.DownloadLine != nil {
		line = s.cfg.DownloadLine(url)
	}
	return "", joinText(text, line), nil
}

func joinText(a, b string) string {
	switch {
	case b == "":
		return a
	case a == "":
		return b
	}
	return a + "\n\n" + b
}

func isURL(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") }

// Download fetches a file a user sent from its URL, refusing files over
// max bytes before and while reading, within the fetch timeout.
func (s *Sender) Download(ctx context.Context, fileURL string, max int64) (io.ReadCloser, error) {
	if !isURL(fileURL) {
		return nil, fmt.Errorf("zalo: not a file URL")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.FetchTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fileURL, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("zalo: download: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("zalo: download: status %d", resp.StatusCode)
	}
	if resp.ContentLength > max {
		resp.Body.Close()
		cancel()
		return nil, bot.ErrTooLarge
	}
	return bot.LimitBody(resp.Body, max, cancel), nil
}

// ParseUserID checks a Zalo user id (digits, as text: ids exceed 2^53).
func ParseUserID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return "", false
	}
	if _, err := strconv.ParseUint(s, 10, 64); err != nil {
		return "", false
	}
	return s, true
}
