// Package zalotest is an in-process fake of the Zalo Official Account (OA)
// platform, built on net/http/httptest, for end-to-end tests and benchmarks
// of the bot's Zalo channel.
//
// One Server plays both of Zalo's hosts: the OpenAPI (URL, given to the bot
// as ZALO_API_URL) and the OAuth server (OAuthURL, given as
// ZALO_OAUTH_URL). Its identity (AppID, AppSecret, OAID, OASecret) and the
// first refresh token (RefreshToken) are what the bot is configured with.
// It plays:
//
//   - the token endpoint, POST /oauth/v4/oa/access_token: refresh tokens are
//     single use and rotate on every refresh; access tokens last 25 hours
//     (WithAccessTokenTTL) or until ExpireAccessTokens. See Refreshes,
//     CurrentRefreshToken, SetRefreshDelay and FailRefresh.
//   - the consultation-message endpoint, POST /v3.0/oa/message/cs: text,
//     text with buttons, request_user_info forms, images and files, checked
//     against Zalo's limits (2,000 characters, 5 buttons, ...). Accepted
//     sends are recorded as Messages (Messages, LastMessage, WaitMessages).
//   - the upload endpoints, POST /v2.0/oa/upload/image (jpg/png, 1 MB) and
//     POST /v2.0/oa/upload/file (pdf/doc/docx/csv, 5 MB); see Uploads.
//   - the user side: events posted to the bot's webhook (SetWebhook) and
//     signed with X-ZEvent-Signature like Zalo's: SendText, Press,
//     SendImage, SendFile, SubmitInfo, Follow, ... The media an event points
//     at is served by the fake itself (ServeFile, FileFetches, SlowFile).
//   - faults on demand: the 7-day reply window (OutsideWindow), users who
//     do not follow the OA (Blocked), invalid tokens (InvalidTokenOnce),
//     rate limiting (RateLimit) and failing servers (ServerError), counted by
//     Rejected.
//
// Errors are answered like Zalo's: HTTP 200 with {"error":<negative code>,
// "message":"..."}; the codes are Zalo's (see the Code constants), the
// messages are the fake's own and say what was wrong. A send is checked in
// this order, and the first check that fails answers: ServerError, the
// access_token header, InvalidTokenOnce, RateLimit, the body, the
// recipient and the uploads it names, Blocked, OutsideWindow.
//
// What it does not play: the authorization-code grant and the consent page;
// ZNS/ZBS templates, promotion and transaction messages; the list template,
// GIFs and reactions; the quota and user-detail endpoints (a test may
// install its own with Handle); the expiry of uploads (-100); Zalo's clock
// for the reply window (OutsideWindow is switched by hand, and any event
// from the user reopens the window); webhook retries and their num_retry
// header (Replay posts an event again by hand); X-RateLimit headers;
// appsecret_proof; group chats. Events are posted synchronously, one HTTP
// request per call, and nothing is posted unless a test asks for it.
//
// Where ZALO.md marks the platform's behaviour as uncertain, the fake is
// strict, so that a bot that passes against it is likely to work on Zalo:
// ids are JSON strings, message.text is refused on forms and files (only
// plain text, buttons and images carry it), templates other than buttons,
// request_user_info and media are refused, and a file upload must be of
// the type its name says.
//
// All methods are safe for concurrent use, also while the bot runs.
package zalotest

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default identity of the fake OA and its app.
const (
	DefaultAppID     = "360846524940903967"
	DefaultAppSecret = "zalotest-app-secret-key"
	DefaultOAID      = "388613280878808645"
	DefaultOASecret  = "zalotest-oa-secret-key"
	// DefaultAccessTokenTTL is the lifetime of an access token
	// ("expires_in":"90000").
	DefaultAccessTokenTTL = 25 * time.Hour
	// DefaultWebhookTimeout bounds each post to the bot's webhook.
	DefaultWebhookTimeout = 10 * time.Second
)

// Paths served by the fake, relative to URL.
const (
	PathToken       = "/oauth/v4/oa/access_token"
	PathSend        = "/v3.0/oa/message/cs"
	PathUploadImage = "/v2.0/oa/upload/image"
	PathUploadFile  = "/v2.0/oa/upload/file"
	// PathFiles prefixes the URLs of files served with ServeFile.
	PathFiles = "/files/"
)

// Error codes the fake answers (in the "error" field, with HTTP 200).
const (
	CodeRateLimited         = -32    // RateLimit: too many requests
	CodeInvalidParam        = -201   // the request is malformed or breaks a limit
	CodeFileTooLarge        = -210   // an upload is over its size limit
	CodeNotFollower         = -213   // Blocked: the user does not follow the OA
	CodeInvalidToken        = -216   // the access token is unknown, expired or InvalidTokenOnce
	CodeOutsideWindow       = -230   // OutsideWindow: no interaction in the past 7 days
	CodeInvalidParamOAuth   = -14001 // the token endpoint got a bad grant_type
	CodeInvalidApp          = -14002 // wrong secret_key header or app_id
	CodeInvalidRefreshToken = -14014 // a used or unknown refresh token, or FailRefresh
)

// ServerErrorStatus is the HTTP status of the answers injected by
// ServerError; Rejected counts them under this number.
const ServerErrorStatus = http.StatusBadGateway

// Limits the fake checks.
const (
	MaxTextLength      = 2000    // characters of message.text
	MaxButtons         = 5       // buttons of one message
	MaxButtonTitle     = 100     // characters of a button title
	MaxButtonPayload   = 1000    // characters of an oa.query.* payload
	MaxImageUploadSize = 1 << 20 // bytes
	MaxFileUploadSize  = 5 << 20 // bytes
)

// maxRequestBody bounds what the fake reads of a request.
const maxRequestBody = 16 << 20

// Option configures a Server.
type Option func(*config)

type config struct {
	appID          string
	appSecret      string
	oaID           string
	oaSecret       string
	refreshToken   string
	accessTTL      time.Duration
	recordBodies   bool
	keepMessages   bool
	webhookTimeout time.Duration
}

// WithAppID sets the app id (ZALO_APP_ID) the token endpoint expects and the
// events carry as app_id.
func WithAppID(id string) Option { return func(c *config) { c.appID = id } }

// WithAppSecret sets the app secret key (ZALO_APP_SECRET) the token endpoint
// expects in its secret_key header.
func WithAppSecret(secret string) Option { return func(c *config) { c.appSecret = secret } }

// WithOAID sets the id of the Official Account.
func WithOAID(id string) Option { return func(c *config) { c.oaID = id } }

// WithOASecret sets the OA secret key (ZALO_OA_SECRET) the events are signed
// with.
func WithOASecret(secret string) Option { return func(c *config) { c.oaSecret = secret } }

// WithRefreshToken sets the first valid refresh token (ZALO_REFRESH_TOKEN)
// instead of a random one.
func WithRefreshToken(token string) Option { return func(c *config) { c.refreshToken = token } }

// WithAccessTokenTTL sets the lifetime of the access tokens the fake issues
// (25 hours by default); expires_in reports it in whole seconds.
func WithAccessTokenTTL(d time.Duration) Option { return func(c *config) { c.accessTTL = d } }

// WithoutRequestBodies keeps counting calls (Calls) but does not keep the
// raw request bodies (Requests returns nil), to save memory in long
// benchmarks. Messages and uploads are recorded either way.
func WithoutRequestBodies() Option { return func(c *config) { c.recordBodies = false } }

// WithoutMessages hands every accepted message to the observers (Observe)
// and counts it (SentCount) but does not keep it: Messages, LastMessage,
// AllMessages and WaitMessages find none, and PressButton finds no button.
// For load generators, which follow the messages as they come and would
// otherwise pay for a record that grows by every message of the run
// (copied as it grows, under the Server's lock, and scanned by every
// collection).
func WithoutMessages() Option { return func(c *config) { c.keepMessages = false } }

// WithWebhookTimeout bounds each post to the bot's webhook (10 seconds by
// default). Zalo itself expects an answer within about 2 seconds.
func WithWebhookTimeout(d time.Duration) Option { return func(c *config) { c.webhookTimeout = d } }

// Server is a fake Zalo platform. Create it with New or NewServer.
type Server struct {
	cfg       config
	ts        *httptest.Server
	transport *http.Transport
	client    *http.Client

	closed    chan struct{}
	closeOnce sync.Once

	mu sync.Mutex
	// changed is signalled on every change of the state (see WaitFor).
	changed signal
	webhook string

	// tokens
	firstRefresh    string
	refresh         string
	usedRefresh     map[string]struct{}
	access          map[string]time.Time // token -> expiry
	lastAccess      string
	refreshes       int
	refreshAttempts int
	refreshDelay    time.Duration
	failRefresh     bool

	// sends
	users    map[string]*userState
	all      []Message
	msgOwner map[string]string // msg_id of a posted event -> user id

	// faults
	outside      map[string]bool
	blocked      map[string]bool
	invalidOnce  int
	rateLimit    int
	serverErrors int
	rejected     map[int]int

	// uploads and served files
	uploads     []Upload
	uploadIndex map[string]int // id -> index in uploads
	files       map[string]servedFile
	fileFetches int
	fileDelay   time.Duration

	// call log
	calls    map[string]int
	bodies   map[string][][]byte
	handlers map[string]http.HandlerFunc

	// events
	lastTS    int64
	lastEvent []byte

	// observers see every accepted message (Observe)
	observers []func(Message)
}

// NewServer starts a fake Zalo server. The caller must Close it.
func NewServer(opts ...Option) *Server {
	cfg := config{
		appID:          DefaultAppID,
		appSecret:      DefaultAppSecret,
		oaID:           DefaultOAID,
		oaSecret:       DefaultOASecret,
		accessTTL:      DefaultAccessTokenTTL,
		recordBodies:   true,
		keepMessages:   true,
		webhookTimeout: DefaultWebhookTimeout,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.refreshToken == "" {
		cfg.refreshToken = randHex(24)
	}
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
	s := &Server{
		cfg:          cfg,
		transport:    tr,
		client:       &http.Client{Transport: tr, Timeout: cfg.webhookTimeout},
		closed:       make(chan struct{}),
		firstRefresh: cfg.refreshToken,
		refresh:      cfg.refreshToken,
		usedRefresh:  make(map[string]struct{}),
		access:       make(map[string]time.Time),
		users:        make(map[string]*userState),
		msgOwner:     make(map[string]string),
		outside:      make(map[string]bool),
		blocked:      make(map[string]bool),
		rejected:     make(map[int]int),
		uploadIndex:  make(map[string]int),
		files:        make(map[string]servedFile),
		calls:        make(map[string]int),
		bodies:       make(map[string][][]byte),
		handlers:     make(map[string]http.HandlerFunc),
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// New starts a fake Zalo server that is closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server. Delays injected with SetRefreshDelay and SlowFile
// are cut short; Close waits for the requests in flight to finish.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.ts.Close()
		s.transport.CloseIdleConnections()
	})
}

// URL returns the base of the fake OpenAPI (ZALO_API_URL), without a
// trailing slash, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.ts.URL }

// OAuthURL returns the base of the fake OAuth server (ZALO_OAUTH_URL):
// URL()+"/oauth". The token endpoint is OAuthURL()+"/v4/oa/access_token".
func (s *Server) OAuthURL() string { return s.ts.URL + "/oauth" }

// AppID returns the app id (ZALO_APP_ID).
func (s *Server) AppID() string { return s.cfg.appID }

// AppSecret returns the app secret key (ZALO_APP_SECRET) that the token
// endpoint expects in its secret_key header.
func (s *Server) AppSecret() string { return s.cfg.appSecret }

// OAID returns the id of the Official Account.
func (s *Server) OAID() string { return s.cfg.oaID }

// OASecret returns the OA secret key (ZALO_OA_SECRET) that signs the events.
func (s *Server) OASecret() string { return s.cfg.oaSecret }

// RefreshToken returns the first refresh token (ZALO_REFRESH_TOKEN), the one
// the bot is seeded with. It is valid until its first use.
func (s *Server) RefreshToken() string { return s.firstRefresh }

// HTTPClient returns an HTTP client for the fake.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// SetWebhook sets the URL the events are posted to: the bot's HTTP_ADDR
// followed by its webhook path ("/zalo/webhook").
func (s *Server) SetWebhook(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = url
	s.changed.Notify()
}

// Webhook returns the URL set with SetWebhook.
func (s *Server) Webhook() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// Handle serves path (e.g. "/v3.0/oa/quota/message") with h, replacing the
// fake's own handler if any (h can pass requests on to it with Default).
// Calls and Requests record its calls too; the request body can be read
// again by h. A nil h restores the fake's own handler.
func (s *Server) Handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[path] = h
}

// Calls returns how many requests path (e.g. PathSend) received, whatever
// their answer.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Requests returns the raw bodies of the POST requests path received,
// oldest first, whatever their answer (nil with WithoutRequestBodies), e.g.
// for golden tests of what the bot sends. The bodies must not be modified.
func (s *Server) Requests(path string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies[path]...)
}

// WaitCalls waits until path has received at least n requests.
func (s *Server) WaitCalls(timeout time.Duration, path string, n int) error {
	if s.waitLocked(timeout, func() *signal { return &s.changed }, func() bool { return s.calls[path] >= n }) {
		return nil
	}
	return fmt.Errorf("zalotest: timed out after %v waiting for %d calls of %s, got %d", timeout, n, path, s.Calls(path))
}

// Rejected returns how many requests were refused with code: a Zalo error
// code (e.g. CodeInvalidToken, CodeOutsideWindow, CodeInvalidRefreshToken)
// or, for the failures injected with ServerError, ServerErrorStatus.
func (s *Server) Rejected(code int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected[code]
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	var body []byte
	tooLarge := false
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if err != nil {
			http.Error(w, "can't read request body", http.StatusBadRequest)
			return
		}
		if len(body) > maxRequestBody {
			tooLarge = true
			body = nil
		}
	}
	s.mu.Lock()
	s.calls[path]++
	if s.cfg.recordBodies && r.Method == http.MethodPost {
		s.bodies[path] = append(s.bodies[path], body)
	}
	h := s.handlers[path]
	s.changed.Notify()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.changed.Notify()
		s.mu.Unlock()
	}()

	r.Body = io.NopCloser(bytes.NewReader(body))
	if tooLarge {
		r = r.WithContext(context.WithValue(r.Context(), tooLargeKey{}, true))
	}
	if h != nil {
		h(w, r)
		return
	}
	s.serveDefault(w, r, path, body, tooLarge)
}

// tooLargeKey marks, in a request's context, a body over the fake's limit
// (read as empty), so that Default answers it as the fake's own handler does.
type tooLargeKey struct{}

// Default serves r with the fake's own handler for its path, as if no
// handler had been installed with Handle: a handler that only wants to hold
// or observe some requests passes the others through with it. r's body must
// not have been read, or must have been set again to what was received.
func (s *Server) Default(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			http.Error(w, "can't read request body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	tooLarge, _ := r.Context().Value(tooLargeKey{}).(bool)
	s.serveDefault(w, r, r.URL.Path, body, tooLarge)
}

func (s *Server) serveDefault(w http.ResponseWriter, r *http.Request, path string, body []byte, tooLarge bool) {
	if strings.HasPrefix(path, PathFiles) {
		s.serveFile(w, r, strings.TrimPrefix(path, PathFiles))
		return
	}
	switch path {
	case PathToken, PathSend, PathUploadImage, PathUploadFile:
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch path {
	case PathToken:
		s.serveToken(w, r)
	case PathSend:
		s.serveSend(w, r, body, tooLarge)
	case PathUploadImage:
		s.serveUpload(w, r, body, tooLarge, KindImage)
	case PathUploadFile:
		s.serveUpload(w, r, body, tooLarge, KindFile)
	}
}

// result is an answer of the OpenAPI: success data or a Zalo error, or an
// injected server failure.
type result struct {
	data   any
	code   int
	msg    string
	status int // non-zero: HTTP failure (ServerError)
}

func reject(code int, format string, args ...any) result {
	return result{code: code, msg: fmt.Sprintf(format, args...)}
}

type apiAnswer struct {
	Data    any    `json:"data,omitempty"`
	Error   int    `json:"error"`
	Message string `json:"message"`
}

const badGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// writeResult counts a refusal (see Rejected) and writes res.
func (s *Server) writeResult(w http.ResponseWriter, res result) {
	if res.status != 0 || res.code != 0 {
		key := res.code
		if res.status != 0 {
			key = res.status
		}
		s.mu.Lock()
		s.rejected[key]++
		s.changed.Notify()
		s.mu.Unlock()
	}
	if res.status != 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(res.status)
		_, _ = io.WriteString(w, badGatewayHTML)
		return
	}
	if res.code != 0 {
		writeJSON(w, apiAnswer{Error: res.code, Message: res.msg})
		return
	}
	writeJSON(w, apiAnswer{Data: res.data, Message: "Success"})
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

// sleep waits d, or less if ctx ends or the server is closed.
func (s *Server) sleep(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-s.closed:
	}
}

// randHex returns n random bytes in hex.
func randHex(n int) string {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := rand.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b)
}
