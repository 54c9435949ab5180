// Package telegramtest is an in-process fake of the Telegram Bot API built on
// net/http/httptest, for end-to-end tests and benchmarks of the bot.
//
// A Server speaks the same wire protocol as api.telegram.org: point
// github.com/go-telegram/bot at it with bot.WithServerURL(s.URL()) (or set
// TELEGRAM_API_URL to s.URL()) and use s.Token() as the bot token.
//
// Tests play the users' side by queueing updates (SendText, PressButton,
// ShareContact, ...) that the bot receives through getUpdates, or by posting
// UpdateJSON to the bot's webhook. They observe the bot's side through the
// messages it sent (Messages, LastMessage, WaitMessages), its answers to
// callback queries (CallbackAnswer, WaitCallbackAnswer) and the raw call log
// (Calls, CallCount). Faults can be injected with FailNext, BlockChat and the
// rate limiting options.
//
// The fake validates requests like Telegram where that is cheap, most
// importantly parse_mode=HTML text, so that unescaped user input in the
// bot's replies fails tests the way it would fail in production (it is even
// stricter than Telegram about a bare '&'). Markdown and MarkdownV2 texts are
// accepted without validation. Methods the fake does not implement answer
// 404 "Not Found: method not found" unless a test installs a handler for
// them with Handle.
//
// All methods are safe for concurrent use.
package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// Default identity of the fake bot.
const (
	DefaultToken       = "123456:TEST-token"
	DefaultBotUsername = "ocop_test_bot"
	DefaultBotName     = "OCOP Test Bot"
	// DefaultFirstUpdateID is the update_id given to the first queued update.
	DefaultFirstUpdateID int64 = 1000
)

// maxRequestBody bounds request bodies (Telegram accepts uploads up to 50 MB).
const maxRequestBody = 64 << 20

// Option configures a Server.
type Option func(*config)

type config struct {
	token          string
	username       string
	name           string
	firstUpdateID  int64
	globalRate     int
	perChatRate    int
	recordCalls    bool
	recordBodies   bool
	validateFileID bool
}

// WithToken sets the bot token the server accepts. The bot id reported by
// getMe is the numeric part before ':'.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithBotUsername sets the username reported by getMe (without '@').
func WithBotUsername(username string) Option {
	return func(c *config) { c.username = strings.TrimPrefix(username, "@") }
}

// WithBotName sets the first name reported by getMe.
func WithBotName(name string) Option { return func(c *config) { c.name = name } }

// WithFirstUpdateID sets the update_id assigned to the first queued update.
func WithFirstUpdateID(id int64) Option { return func(c *config) { c.firstUpdateID = id } }

// WithRateLimit limits message sending methods (send*, except sendChatAction,
// edit*, copyMessage, forwardMessage) to perSecond calls per second over all
// chats, using a token bucket with a burst of perSecond. Calls beyond the
// limit are answered 429 with retry_after=1. Zero disables the limit.
func WithRateLimit(perSecond int) Option { return func(c *config) { c.globalRate = perSecond } }

// WithPerChatLimit is like WithRateLimit but with one bucket per chat_id.
func WithPerChatLimit(perSecond int) Option { return func(c *config) { c.perChatRate = perSecond } }

// WithoutCallBodies keeps the call log (Calls) but without the parameters
// and uploaded files of each call, to save memory in benchmarks.
func WithoutCallBodies() Option { return func(c *config) { c.recordBodies = false } }

// WithoutCallLog disables the call log entirely: Calls returns nil while
// CallCount keeps counting. Use it in long benchmarks.
func WithoutCallLog() Option { return func(c *config) { c.recordCalls = false } }

// WithLenientFileIDs makes send methods accept file_id strings the fake does
// not know. By default an unknown file_id is answered 400 "Bad Request:
// wrong file identifier/HTTP URL specified" like Telegram (http(s) URLs are
// always accepted).
func WithLenientFileIDs() Option { return func(c *config) { c.validateFileID = false } }

// Server is a fake Telegram Bot API server. Create it with NewServer or New.
type Server struct {
	cfg     config
	ts      *httptest.Server
	botUser models.User

	closed    chan struct{}
	closeOnce sync.Once

	mu sync.Mutex
	// changed is signalled on every state change; updatesChanged only when
	// the update queue or the webhook changes (wakes long polls).
	changed        signal
	updatesChanged signal

	// update queue
	nextUpdateID int64
	queue        []queuedUpdate
	confirmed    int64

	webhook  WebhookConfig
	commands map[string][]models.BotCommand

	chats map[int64]*chatState
	users map[int64]User

	nextCallback int64
	callbacks    map[string]*callbackState

	nextFile  int64
	files     map[string]*fileEntry // by file_id
	filePaths map[string]*fileEntry // by file_path

	calls    map[string][]Call // by lower-case method name
	counts   map[string]int    // received calls
	answered map[string]int    // answered calls

	faults    map[string][]*fault // by lower-case method name
	blocked   map[int64]bool
	global    bucket
	perChat   map[int64]*bucket
	throttled int
	custom    map[string]HandlerFunc // by lower-case method name
}

// NewServer starts a fake Telegram Bot API server. The caller must Close it.
func NewServer(opts ...Option) *Server {
	cfg := config{
		token:          DefaultToken,
		username:       DefaultBotUsername,
		name:           DefaultBotName,
		firstUpdateID:  DefaultFirstUpdateID,
		recordCalls:    true,
		recordBodies:   true,
		validateFileID: true,
	}
	for _, o := range opts {
		o(&cfg)
	}
	botID, _ := strconv.ParseInt(strings.SplitN(cfg.token, ":", 2)[0], 10, 64)
	if botID <= 0 {
		botID = 123456
	}
	s := &Server{
		cfg: cfg,
		botUser: models.User{
			ID:            botID,
			IsBot:         true,
			FirstName:     cfg.name,
			Username:      cfg.username,
			CanJoinGroups: true,
		},
		closed:       make(chan struct{}),
		nextUpdateID: cfg.firstUpdateID,
		commands:     make(map[string][]models.BotCommand),
		chats:        make(map[int64]*chatState),
		users:        make(map[int64]User),
		callbacks:    make(map[string]*callbackState),
		files:        make(map[string]*fileEntry),
		filePaths:    make(map[string]*fileEntry),
		calls:        make(map[string][]Call),
		counts:       make(map[string]int),
		answered:     make(map[string]int),
		faults:       make(map[string][]*fault),
		blocked:      make(map[int64]bool),
		perChat:      make(map[int64]*bucket),
		custom:       make(map[string]HandlerFunc),
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// New starts a fake server that is closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server. Pending long polls return immediately with an
// empty result; Close waits for all in-flight requests to finish.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.ts.Close()
	})
}

// URL returns the base URL of the fake API (without a trailing slash), to be
// used as bot.WithServerURL or TELEGRAM_API_URL.
func (s *Server) URL() string { return s.ts.URL }

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.cfg.token }

// BotUsername returns the bot's username (without '@').
func (s *Server) BotUsername() string { return s.cfg.username }

// BotUser returns the bot's user as reported by getMe.
func (s *Server) BotUser() models.User { return s.botUser }

// HTTPClient returns an HTTP client configured for the server.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// APIError is an error answer of the API ({"ok":false,...}). Custom method
// handlers may return it to choose the error code.
type APIError struct {
	Code        int
	Description string
	// RetryAfter is sent as parameters.retry_after when non-zero.
	RetryAfter int
}

func (e *APIError) Error() string { return fmt.Sprintf("telegram: %d %s", e.Code, e.Description) }

func badRequest(format string, args ...any) *APIError {
	return &APIError{Code: http.StatusBadRequest, Description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

var (
	errUnauthorized   = &APIError{Code: http.StatusUnauthorized, Description: "Unauthorized"}
	errMethodNotFound = &APIError{Code: http.StatusNotFound, Description: "Not Found: method not found"}
	errNotFound       = &APIError{Code: http.StatusNotFound, Description: "Not Found"}
	errBlocked        = &APIError{Code: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}
)

// FileUpload is a file part of a multipart request.
type FileUpload struct {
	FieldName   string
	FileName    string
	ContentType string
	Content     []byte
}

// Call is one recorded API call.
type Call struct {
	// Method is the method name as implemented by the fake (e.g.
	// "sendMessage"), or as requested for unknown methods.
	Method string
	// Params holds the request parameters. Values of object parameters
	// (reply_markup, entities, ...) are their JSON text.
	Params map[string]string
	// Files holds the uploaded files by form field name.
	Files map[string]FileUpload
	// At is when the request arrived.
	At time.Time
	// Status is the HTTP status / error_code answered (200 on success), or 0
	// while the call is still being served (e.g. a long poll).
	Status int
}

// HandlerFunc serves a method call registered with Handle. A non-nil result
// is sent as "result"; an *APIError selects the error answer, any other
// error is answered 500.
type HandlerFunc func(call Call) (result any, err error)

// Handle installs a handler for method, replacing the built-in one if any.
// Fault injection, blocked chats and rate limits still apply before it.
func (s *Server) Handle(method string, h HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.custom[strings.ToLower(method)] = h
}

type apiResponse struct {
	OK          bool                `json:"ok"`
	Result      any                 `json:"result,omitempty"`
	ErrorCode   int                 `json:"error_code,omitempty"`
	Description string              `json:"description,omitempty"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

type responseParameters struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

func writeResult(w http.ResponseWriter, result any) int {
	data, err := json.Marshal(apiResponse{OK: true, Result: result})
	if err != nil {
		return writeError(w, &APIError{Code: http.StatusInternalServerError, Description: "Internal Server Error: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
	return http.StatusOK
}

func writeError(w http.ResponseWriter, e *APIError) int {
	resp := apiResponse{ErrorCode: e.Code, Description: e.Description}
	if e.RetryAfter > 0 {
		resp.Parameters = &responseParameters{RetryAfter: e.RetryAfter}
	}
	data, _ := json.Marshal(resp)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Code)
	_, _ = w.Write(data)
	return e.Code
}

// callCtx is one method invocation as seen by a handler.
type callCtx struct {
	ctx    context.Context
	method string // canonical name
	params map[string]string
	files  map[string]FileUpload
	at     time.Time
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/file/bot"); ok {
		s.serveFile(w, rest)
		return
	}
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		writeError(w, errNotFound)
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || method == "" {
		writeError(w, errNotFound)
		return
	}
	if token != s.cfg.token {
		writeError(w, errUnauthorized)
		return
	}
	method = strings.TrimPrefix(method, "test/") // bot.UseTestEnvironment
	at := time.Now()
	key := strings.ToLower(method)

	params, files, perr := parseRequest(r)
	name := method
	builtin, known := builtinMethods[key]
	if known {
		name = builtin.name
	}
	s.mu.Lock()
	custom := s.custom[key]
	idx := s.recordLocked(key, Call{Method: name, Params: params, Files: files, At: at})
	s.mu.Unlock()

	status := s.serveMethod(w, r, key, name, builtin.fn, custom, params, files, perr, at)

	s.mu.Lock()
	if idx >= 0 {
		s.calls[key][idx].Status = status
	}
	s.answered[key]++
	s.changed.Notify()
	s.mu.Unlock()
}

func (s *Server) serveMethod(w http.ResponseWriter, r *http.Request, key, name string, fn methodFunc, custom HandlerFunc,
	params map[string]string, files map[string]FileUpload, perr error, at time.Time) int {
	if fn == nil && custom == nil {
		return writeError(w, errMethodNotFound)
	}
	if perr != nil {
		var apiErr *APIError
		if errors.As(perr, &apiErr) {
			return writeError(w, apiErr)
		}
		return writeError(w, badRequest("%v", perr))
	}
	if e := s.preflight(key, params); e != nil {
		if e.Code == dropCode {
			return drop(w)
		}
		return writeError(w, e)
	}
	if custom != nil {
		res, err := custom(Call{Method: name, Params: params, Files: files, At: at})
		if err != nil {
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				apiErr = &APIError{Code: http.StatusInternalServerError, Description: "Internal Server Error: " + err.Error()}
			}
			return writeError(w, apiErr)
		}
		if res == nil {
			res = true
		}
		return writeResult(w, res)
	}
	res, e := fn(s, &callCtx{ctx: r.Context(), method: name, params: params, files: files, at: at})
	if e != nil {
		return writeError(w, e)
	}
	return writeResult(w, res)
}

// recordLocked counts the call and, unless disabled, appends it to the call
// log. It returns the index in the log, or -1.
func (s *Server) recordLocked(key string, c Call) int {
	s.counts[key]++
	defer s.changed.Notify()
	if !s.cfg.recordCalls {
		return -1
	}
	if !s.cfg.recordBodies {
		c.Params, c.Files = nil, nil
	}
	s.calls[key] = append(s.calls[key], c)
	return len(s.calls[key]) - 1
}

// Calls returns a copy of the recorded calls of method (case-insensitive),
// oldest first. The returned Params and Files maps must not be modified.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls[strings.ToLower(method)]
	if len(calls) == 0 {
		return nil
	}
	out := make([]Call, len(calls))
	copy(out, calls)
	return out
}

// CallCount returns how many times method (case-insensitive) was called with
// the right token, including calls that were answered with an error.
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[strings.ToLower(method)]
}

// WaitCalls waits until at least n calls of method have been answered and
// returns the recorded calls (nil when the call log is disabled).
func (s *Server) WaitCalls(timeout time.Duration, method string, n int) ([]Call, error) {
	key := strings.ToLower(method)
	if !s.waitLocked(timeout, func() bool { return s.answered[key] >= n }) {
		return s.Calls(method), fmt.Errorf("telegramtest: timed out after %v waiting for %d %s calls, got %d", timeout, n, method, s.CallCount(method))
	}
	return s.Calls(method), nil
}
