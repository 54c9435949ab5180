package zalotest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
)

const wait = 5 * time.Second

var (
	alice = zalotest.User{ID: "246845883529197922", Name: "Nguyễn Thị Lan"}
	bob   = zalotest.User{ID: "552177279717587730", Name: "Trần Văn Bình"}
)

// answer is the generic answer of the OpenAPI.
type answer struct {
	Data struct {
		MessageID    string `json:"message_id"`
		UserID       string `json:"user_id"`
		SentTime     string `json:"sent_time"`
		AttachmentID string `json:"attachment_id"`
		Token        string `json:"token"`
	} `json:"data"`
	Error   *int   `json:"error"`
	Message string `json:"message"`
}

func (a answer) code() int {
	if a.Error == nil {
		return 1 // absent: never a valid answer
	}
	return *a.Error
}

// do sends a raw request to the fake and returns the status and body.
func do(t testing.TB, s *zalotest.Server, method, path string, header map[string]string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

func decode(t testing.TB, data []byte) answer {
	t.Helper()
	var a answer
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatalf("answer %q is not JSON: %v", data, err)
	}
	return a
}

// send posts a send body with an access token and returns Zalo's answer,
// failing the test unless the HTTP status is 200.
func send(t testing.TB, s *zalotest.Server, token, body string) answer {
	t.Helper()
	status, data := do(t, s, http.MethodPost, zalotest.PathSend,
		map[string]string{"access_token": token, "Content-Type": "application/json"}, []byte(body))
	if status != http.StatusOK {
		t.Fatalf("send: HTTP %d %s", status, data)
	}
	return decode(t, data)
}

func mustSend(t testing.TB, s *zalotest.Server, token, body string) answer {
	t.Helper()
	a := send(t, s, token, body)
	if a.code() != 0 || a.Message != "Success" {
		t.Fatalf("send %s: error %d %q", body, a.code(), a.Message)
	}
	return a
}

func wantCode(t testing.TB, a answer, code int) {
	t.Helper()
	if a.code() != code {
		t.Fatalf("error = %d (%q), want %d", a.code(), a.Message, code)
	}
}

func jsonString(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func textBody(userID, text string) string {
	return `{"recipient":{"user_id":` + jsonString(userID) + `},"message":{"text":` + jsonString(text) + `}}`
}

func buttonsBody(userID, text, buttons string) string {
	return `{"recipient":{"user_id":` + jsonString(userID) + `},"message":{"text":` + jsonString(text) +
		`,"attachment":{"type":"template","payload":{"buttons":` + buttons + `}}}}`
}

type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    any    `json:"expires_in"`
	Error        int    `json:"error"`
	ErrorName    string `json:"error_name"`
	Description  string `json:"error_description"`
}

// refreshWith calls the token endpoint like the bot should.
func refreshWith(t testing.TB, s *zalotest.Server, refreshToken, appID, secret string) tokenAnswer {
	t.Helper()
	form := url.Values{"refresh_token": {refreshToken}, "app_id": {appID}, "grant_type": {"refresh_token"}}
	req, err := http.NewRequest(http.MethodPost, s.OAuthURL()+"/v4/oa/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", secret)
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Error(err)
		return tokenAnswer{}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("token endpoint: HTTP %d", resp.StatusCode)
	}
	var a tokenAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Error(err)
	}
	return a
}

func refresh(t testing.TB, s *zalotest.Server, refreshToken string) tokenAnswer {
	t.Helper()
	return refreshWith(t, s, refreshToken, s.AppID(), s.AppSecret())
}

// upload posts a multipart upload with the part "file".
func upload(t testing.TB, s *zalotest.Server, token, path, name string, data []byte) answer {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	status, body := do(t, s, http.MethodPost, path,
		map[string]string{"access_token": token, "Content-Type": mw.FormDataContentType()}, buf.Bytes())
	if status != http.StatusOK {
		t.Fatalf("upload: HTTP %d %s", status, body)
	}
	return decode(t, body)
}

func pngBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// received is one request the test webhook got.
type received struct {
	body   []byte
	sig    string
	hasSig bool
	ctype  string
}

// hook is a stand-in for the bot's webhook: it records what the fake posts.
type hook struct {
	mu     sync.Mutex
	got    []received
	status atomic.Int32
}

func newHook(t testing.TB, s *zalotest.Server) *hook {
	t.Helper()
	h := &hook{}
	h.status.Store(http.StatusOK)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/zalo/webhook" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		sig, has := r.Header["X-Zevent-Signature"]
		rec := received{body: body, hasSig: has, ctype: r.Header.Get("Content-Type")}
		if has {
			rec.sig = sig[0]
		}
		h.mu.Lock()
		h.got = append(h.got, rec)
		h.mu.Unlock()
		w.WriteHeader(int(h.status.Load()))
	}))
	t.Cleanup(ts.Close)
	s.SetWebhook(ts.URL + "/zalo/webhook")
	return h
}

func (h *hook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

func (h *hook) last(t testing.TB) received {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.got) == 0 {
		t.Fatal("the webhook got nothing")
	}
	return h.got[len(h.got)-1]
}

// event is the union of the event shapes, as a test reads them.
type event struct {
	AppID       string               `json:"app_id"`
	OAID        string               `json:"oa_id"`
	Sender      *struct{ ID string } `json:"sender"`
	Recipient   *struct{ ID string } `json:"recipient"`
	Follower    *struct{ ID string } `json:"follower"`
	UserIDByApp string               `json:"user_id_by_app"`
	EventName   string               `json:"event_name"`
	Source      string               `json:"source"`
	Message     *struct {
		Text        *string `json:"text"`
		MsgID       string  `json:"msg_id"`
		Attachments []struct {
			Type    string                     `json:"type"`
			Payload map[string]json.RawMessage `json:"payload"`
		} `json:"attachments"`
	} `json:"message"`
	Info      map[string]json.RawMessage `json:"info"`
	Timestamp string                     `json:"timestamp"`
}

func parseEvent(t testing.TB, raw []byte) event {
	t.Helper()
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("event %s: %v", raw, err)
	}
	return ev
}

func payloadString(t testing.TB, p map[string]json.RawMessage, key string) string {
	t.Helper()
	var v string
	if err := json.Unmarshal(p[key], &v); err != nil {
		t.Fatalf("payload %s is not a string: %s", key, p[key])
	}
	return v
}

// mac computes the signature independently of the fake.
func mac(appID string, raw []byte, timestamp, secret string) string {
	sum := sha256.Sum256([]byte(appID + string(raw) + timestamp + secret))
	return "mac=" + hex.EncodeToString(sum[:])
}

// posted returns a check that an event was posted and answered 200:
// posted(t)(s.SendText(u, "x")).
func posted(t testing.TB) func(status int, err error) {
	return func(status int, err error) {
		t.Helper()
		if err != nil || status != http.StatusOK {
			t.Fatalf("post: status %d, err %v", status, err)
		}
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	if s.AppID() != zalotest.DefaultAppID || s.OAID() != zalotest.DefaultOAID ||
		s.AppSecret() != zalotest.DefaultAppSecret || s.OASecret() != zalotest.DefaultOASecret {
		t.Fatalf("identity = %s %s %s %s", s.AppID(), s.OAID(), s.AppSecret(), s.OASecret())
	}
	if s.AppID() != "360846524940903967" || s.OAID() != "388613280878808645" {
		t.Fatal("default ids changed")
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || strings.HasSuffix(s.URL(), "/") {
		t.Fatalf("URL = %q", s.URL())
	}
	if s.OAuthURL() != s.URL()+"/oauth" {
		t.Fatalf("OAuthURL = %q", s.OAuthURL())
	}
	if s.RefreshToken() == "" || s.RefreshToken() != s.CurrentRefreshToken() {
		t.Fatalf("RefreshToken = %q, current %q", s.RefreshToken(), s.CurrentRefreshToken())
	}
	if zalotest.New(t).RefreshToken() == s.RefreshToken() {
		t.Fatal("two servers got the same random refresh token")
	}

	o := zalotest.New(t, zalotest.WithAppID("1"), zalotest.WithAppSecret("as"), zalotest.WithOAID("2"),
		zalotest.WithOASecret("os"), zalotest.WithRefreshToken("rt"))
	if o.AppID() != "1" || o.AppSecret() != "as" || o.OAID() != "2" || o.OASecret() != "os" || o.RefreshToken() != "rt" {
		t.Fatalf("options not applied: %s %s %s %s %s", o.AppID(), o.AppSecret(), o.OAID(), o.OASecret(), o.RefreshToken())
	}
	a := refresh(t, o, "rt")
	if a.Error != 0 || a.AccessToken == "" {
		t.Fatalf("refresh with the options' identity: %+v", a)
	}
}

func TestTokenRotation(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	first := s.RefreshToken()

	a1 := refresh(t, s, first)
	if a1.Error != 0 || a1.AccessToken == "" || a1.RefreshToken == "" || a1.RefreshToken == first {
		t.Fatalf("first refresh: %+v", a1)
	}
	if a1.ExpiresIn != "90000" {
		t.Fatalf("expires_in = %#v, want the string \"90000\"", a1.ExpiresIn)
	}
	if s.CurrentRefreshToken() != a1.RefreshToken || s.RefreshToken() != first {
		t.Fatalf("current %q, first %q", s.CurrentRefreshToken(), s.RefreshToken())
	}
	if s.LastAccessToken() != a1.AccessToken || !s.ValidAccessToken(a1.AccessToken) {
		t.Fatal("the new access token is not the valid last one")
	}

	// The used refresh token is refused forever, and refusing it rotates nothing.
	for range 2 {
		used := refresh(t, s, first)
		if used.Error != zalotest.CodeInvalidRefreshToken || used.ErrorName != "Invalid refresh token" ||
			used.AccessToken != "" || used.Description == "" {
			t.Fatalf("used refresh token: %+v", used)
		}
	}
	if unknown := refresh(t, s, "nope"); unknown.Error != zalotest.CodeInvalidRefreshToken {
		t.Fatalf("unknown refresh token: %+v", unknown)
	}
	if s.CurrentRefreshToken() != a1.RefreshToken {
		t.Fatal("a refused refresh rotated the token")
	}

	a2 := refresh(t, s, a1.RefreshToken)
	if a2.Error != 0 || a2.AccessToken == a1.AccessToken || a2.RefreshToken == a1.RefreshToken {
		t.Fatalf("second refresh: %+v", a2)
	}
	if again := refresh(t, s, a1.RefreshToken); again.Error != zalotest.CodeInvalidRefreshToken {
		t.Fatalf("second use of a rotated token: %+v", again)
	}
	if s.Refreshes() != 2 || s.RefreshAttempts() != 6 || s.Rejected(zalotest.CodeInvalidRefreshToken) != 4 {
		t.Fatalf("refreshes %d, attempts %d, rejected %d", s.Refreshes(), s.RefreshAttempts(), s.Rejected(zalotest.CodeInvalidRefreshToken))
	}
	// Older access tokens stay valid until they expire.
	mustSend(t, s, a1.AccessToken, textBody(alice.ID, "cũ"))
	mustSend(t, s, a2.AccessToken, textBody(alice.ID, "mới"))
	msgs := s.Messages(alice.ID)
	if len(msgs) != 2 || msgs[0].AccessToken != a1.AccessToken || msgs[1].AccessToken != a2.AccessToken {
		t.Fatalf("messages %+v", msgs)
	}
	if s.Calls(zalotest.PathToken) != 6 {
		t.Fatalf("Calls(token) = %d", s.Calls(zalotest.PathToken))
	}
}

func TestTokenEndpointRefusesBadRequests(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	rt := s.RefreshToken()
	if a := refreshWith(t, s, rt, s.AppID(), "wrong"); a.Error != zalotest.CodeInvalidApp || a.ErrorName != "Invalid app" {
		t.Fatalf("wrong secret: %+v", a)
	}
	if a := refreshWith(t, s, rt, "123", s.AppSecret()); a.Error != zalotest.CodeInvalidApp {
		t.Fatalf("wrong app id: %+v", a)
	}
	// The app secret as a form field or a JSON body is not how Zalo takes it.
	form := url.Values{"refresh_token": {rt}, "app_id": {s.AppID()}, "grant_type": {"refresh_token"}, "secret_key": {s.AppSecret()}}
	_, data := do(t, s, http.MethodPost, zalotest.PathToken,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form.Encode()))
	if a := decode(t, data); a.code() != zalotest.CodeInvalidApp {
		t.Fatalf("secret in the form: %s", data)
	}
	js, _ := json.Marshal(map[string]string{"refresh_token": rt, "app_id": s.AppID(), "grant_type": "refresh_token"})
	_, data = do(t, s, http.MethodPost, zalotest.PathToken,
		map[string]string{"Content-Type": "application/json", "secret_key": s.AppSecret()}, js)
	if a := decode(t, data); a.code() != zalotest.CodeInvalidApp {
		t.Fatalf("JSON body: %s", data)
	}
	form = url.Values{"code": {"x"}, "app_id": {s.AppID()}, "grant_type": {"authorization_code"}}
	_, data = do(t, s, http.MethodPost, zalotest.PathToken,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "secret_key": s.AppSecret()}, []byte(form.Encode()))
	if a := decode(t, data); a.code() != zalotest.CodeInvalidParamOAuth {
		t.Fatalf("authorization_code grant: %s", data)
	}
	if status, _ := do(t, s, http.MethodGet, zalotest.PathToken, nil, nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("GET token endpoint: %d", status)
	}
	if s.Refreshes() != 0 || s.CurrentRefreshToken() != rt || s.RefreshAttempts() != 5 {
		t.Fatalf("refreshes %d, attempts %d", s.Refreshes(), s.RefreshAttempts())
	}
	if a := refresh(t, s, rt); a.Error != 0 {
		t.Fatalf("the refresh token was spoiled by bad requests: %+v", a)
	}
}

func TestFailRefresh(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	rt := s.RefreshToken()
	s.FailRefresh(true)
	for range 3 {
		if a := refresh(t, s, rt); a.Error != zalotest.CodeInvalidRefreshToken {
			t.Fatalf("FailRefresh: %+v", a)
		}
	}
	s.FailRefresh(false)
	if a := refresh(t, s, rt); a.Error != 0 {
		t.Fatalf("after FailRefresh(false): %+v", a)
	}
	if s.Refreshes() != 1 || s.RefreshAttempts() != 4 || s.Rejected(zalotest.CodeInvalidRefreshToken) != 3 {
		t.Fatalf("refreshes %d, attempts %d", s.Refreshes(), s.RefreshAttempts())
	}
}

func TestConcurrentRefreshOnlyOneWins(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	s.SetRefreshDelay(100 * time.Millisecond)
	rt := s.RefreshToken()
	const n = 4
	answers := make([]tokenAnswer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = refresh(t, s, rt) })
	}
	wg.Wait()
	wins := 0
	for _, a := range answers {
		switch a.Error {
		case 0:
			wins++
			if a.RefreshToken != s.CurrentRefreshToken() {
				t.Errorf("the winner's refresh token %q is not the current one", a.RefreshToken)
			}
		case zalotest.CodeInvalidRefreshToken:
		default:
			t.Errorf("unexpected answer %+v", a)
		}
	}
	if wins != 1 || s.Refreshes() != 1 || s.RefreshAttempts() != n {
		t.Fatalf("wins %d, refreshes %d, attempts %d", wins, s.Refreshes(), s.RefreshAttempts())
	}
}

func TestExpireAccessTokens(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := refresh(t, s, s.RefreshToken()).AccessToken
	other := s.IssueAccessToken()
	mustSend(t, s, tok, textBody(alice.ID, "trước"))
	mustSend(t, s, other, textBody(alice.ID, "trước"))

	s.ExpireAccessTokens()
	for _, tk := range []string{tok, other} {
		a := send(t, s, tk, textBody(alice.ID, "sau"))
		wantCode(t, a, zalotest.CodeInvalidToken)
		if a.Message != "Access token is invalid" {
			t.Fatalf("message %q", a.Message)
		}
		if s.ValidAccessToken(tk) {
			t.Fatal("expired token still valid")
		}
	}
	if s.Rejected(zalotest.CodeInvalidToken) != 2 || s.SentCount(alice.ID) != 2 {
		t.Fatalf("rejected %d, sent %d", s.Rejected(zalotest.CodeInvalidToken), s.SentCount(alice.ID))
	}
	// The refresh token survives; new tokens work.
	mustSend(t, s, refresh(t, s, s.CurrentRefreshToken()).AccessToken, textBody(alice.ID, "mới"))
	mustSend(t, s, s.IssueAccessToken(), textBody(alice.ID, "mới"))
	if s.Refreshes() != 2 {
		t.Fatalf("IssueAccessToken counted as a refresh: %d", s.Refreshes())
	}
}

func TestAccessTokenTTL(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t, zalotest.WithAccessTokenTTL(time.Hour))
	if a := refresh(t, s, s.RefreshToken()); a.ExpiresIn != "3600" {
		t.Fatalf("expires_in = %#v", a.ExpiresIn)
	}
	short := zalotest.New(t, zalotest.WithAccessTokenTTL(10*time.Millisecond))
	tok := short.IssueAccessToken()
	time.Sleep(30 * time.Millisecond)
	wantCode(t, send(t, short, tok, textBody(alice.ID, "x")), zalotest.CodeInvalidToken)
}

func TestSendTokenMustBeInAccessTokenHeader(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	for name, h := range map[string]map[string]string{
		"bearer":  {"Authorization": "Bearer " + tok},
		"missing": {},
		"unknown": {"access_token": "nope"},
	} {
		_, data := do(t, s, http.MethodPost, zalotest.PathSend, h, []byte(textBody(alice.ID, "x")))
		if a := decode(t, data); a.code() != zalotest.CodeInvalidToken {
			t.Fatalf("%s: %s", name, data)
		}
	}
	_, data := do(t, s, http.MethodPost, zalotest.PathSend+"?access_token="+tok, nil, []byte(textBody(alice.ID, "x")))
	if a := decode(t, data); a.code() != zalotest.CodeInvalidToken {
		t.Fatalf("token in the query: %s", data)
	}
}

func TestSendText(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	body := textBody(alice.ID, "Xin chào! Hồ sơ của bạn đã đủ.")
	before := time.Now()
	status, data := do(t, s, http.MethodPost, zalotest.PathSend,
		map[string]string{"access_token": tok, "Content-Type": "application/json"}, []byte(body))
	if status != http.StatusOK {
		t.Fatal(status)
	}
	// The exact shape of the success answer.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["error"]) != "0" || string(raw["message"]) != `"Success"` {
		t.Fatalf("answer %s", data)
	}
	var d map[string]any
	_ = json.Unmarshal(raw["data"], &d)
	id, _ := d["message_id"].(string)
	sent, _ := d["sent_time"].(string)
	if d["user_id"] != alice.ID || len(id) != 20 || sent == "" {
		t.Fatalf("data %s", raw["data"])
	}
	if ms, err := strconv.ParseInt(sent, 10, 64); err != nil || ms < before.UnixMilli() {
		t.Fatalf("sent_time %q", sent)
	}

	m, ok := s.LastMessage(alice.ID)
	if !ok || m.ID != id || m.UserID != alice.ID || m.Kind != zalotest.KindText ||
		m.Text != "Xin chào! Hồ sơ của bạn đã đủ." || string(m.Raw) != body || m.At.Before(before) || m.ReplyTo != "" {
		t.Fatalf("message %+v", m)
	}
	if s.SentCount(alice.ID) != 1 || s.SentCount(bob.ID) != 0 || len(s.Messages(bob.ID)) != 0 {
		t.Fatal("counts")
	}
	if _, ok := s.LastMessage(bob.ID); ok {
		t.Fatal("bob has a message")
	}
	mustSend(t, s, tok, textBody(bob.ID, "b"))
	mustSend(t, s, tok, textBody(alice.ID, "a2"))
	all := s.AllMessages()
	if len(all) != 3 || all[0].Text != "Xin chào! Hồ sơ của bạn đã đủ." || all[1].UserID != bob.ID || all[2].Text != "a2" {
		t.Fatalf("all %+v", all)
	}
	reqs := s.Requests(zalotest.PathSend)
	if s.Calls(zalotest.PathSend) != 3 || len(reqs) != 3 || string(reqs[0]) != body {
		t.Fatalf("calls %d, requests %q", s.Calls(zalotest.PathSend), reqs)
	}
}

func TestSendTextLimits(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	long := strings.Repeat("ạ", zalotest.MaxTextLength) // 2,000 characters, 6,000 bytes
	mustSend(t, s, tok, textBody(alice.ID, long))
	mustSend(t, s, tok, `{"recipient":{"user_id":"1"},"message":{"text":"trích","quote_message_id":"abc"}}`)
	if m, _ := s.LastMessage("1"); m.QuoteID != "abc" {
		t.Fatalf("quote %q", m.QuoteID)
	}
	bad := map[string]string{
		"too long":         textBody(alice.ID, long+"a"),
		"empty text":       textBody(alice.ID, ""),
		"no text":          `{"recipient":{"user_id":"1"},"message":{}}`,
		"no message":       `{"recipient":{"user_id":"1"}}`,
		"no recipient":     `{"message":{"text":"x"}}`,
		"empty recipient":  `{"recipient":{},"message":{"text":"x"}}`,
		"numeric user_id":  `{"recipient":{"user_id":246845883529197922},"message":{"text":"x"}}`,
		"both recipients":  `{"recipient":{"user_id":"1","message_id":"2"},"message":{"text":"x"}}`,
		"not json":         `recipient=1`,
		"trailing garbage": textBody(alice.ID, "x") + "}",
		"invalid utf-8":    "{\"recipient\":{\"user_id\":\"1\"},\"message\":{\"text\":\"\xff\"}}",
		"unknown type":     `{"recipient":{"user_id":"1"},"message":{"text":"x","attachment":{"type":"sticker","payload":{}}}}`,
		"list template":    `{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"list","elements":[{"title":"a"}]}}}}`,
	}
	for name, body := range bad {
		a := send(t, s, tok, body)
		if a.code() != zalotest.CodeInvalidParam || a.Message == "" {
			t.Errorf("%s: error %d %q", name, a.code(), a.Message)
		}
	}
	if s.Rejected(zalotest.CodeInvalidParam) != len(bad) || s.SentCount(alice.ID) != 1 {
		t.Fatalf("rejected %d, sent %d", s.Rejected(zalotest.CodeInvalidParam), s.SentCount(alice.ID))
	}
}

func TestSendButtons(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	buttons := `[
		{"title":"Giá lúa hôm nay","type":"oa.query.hide","payload":"#b:price:rice"},
		{"title":"Hướng dẫn","type":"oa.query.show","payload":"Hướng dẫn"},
		{"title":"Mở web","type":"oa.open.url","payload":{"url":"https://ocop.example/vn"}},
		{"title":"Gọi hỗ trợ","type":"oa.open.phone","payload":{"phone_code":"0901234567"}},
		{"title":"Nhắn SMS","type":"oa.open.sms","payload":{"phone_code":"0901234567","content":"OCOP"}}]`
	mustSend(t, s, tok, buttonsBody(alice.ID, "Bạn muốn xem gì?", buttons))
	m, _ := s.LastMessage(alice.ID)
	want := []zalotest.Button{
		{Title: "Giá lúa hôm nay", Type: zalotest.ButtonQueryHide, Payload: "#b:price:rice"},
		{Title: "Hướng dẫn", Type: zalotest.ButtonQueryShow, Payload: "Hướng dẫn"},
		{Title: "Mở web", Type: zalotest.ButtonOpenURL, Payload: "https://ocop.example/vn"},
		{Title: "Gọi hỗ trợ", Type: zalotest.ButtonOpenPhone, Payload: "0901234567"},
		{Title: "Nhắn SMS", Type: zalotest.ButtonOpenSMS, Payload: "0901234567"},
	}
	if m.Kind != zalotest.KindButtons || m.Text != "Bạn muốn xem gì?" || fmt.Sprint(m.Buttons) != fmt.Sprint(want) {
		t.Fatalf("message %+v", m)
	}
	if b, ok := m.FindButton("lúa"); !ok || b.Payload != "#b:price:rice" || !b.IsQuery() {
		t.Fatalf("FindButton: %+v %v", b, ok)
	}
	if b, ok := m.FindButton("web"); !ok || b.IsQuery() {
		t.Fatalf("FindButton(web): %+v %v", b, ok)
	}
	if _, ok := m.FindButton("không có"); ok {
		t.Fatal("found a missing button")
	}
	// The returned buttons are copies.
	m.Buttons[0].Title = "changed"
	if again, _ := s.LastMessage(alice.ID); again.Buttons[0].Title != "Giá lúa hôm nay" {
		t.Fatal("Messages shares its buttons")
	}

	q := func(title, payload string) string {
		return `{"title":` + jsonString(title) + `,"type":"oa.query.hide","payload":` + jsonString(payload) + `}`
	}
	ok1 := q("a", "p")
	mustSend(t, s, tok, buttonsBody(alice.ID, "x", "["+strings.Repeat(ok1+",", 4)+ok1+"]"))
	mustSend(t, s, tok, buttonsBody(alice.ID, "x", "["+q(strings.Repeat("ê", 100), strings.Repeat("ô", 1000))+"]"))
	bad := map[string]string{
		"6 buttons":         buttonsBody(alice.ID, "x", "["+strings.Repeat(ok1+",", 5)+ok1+"]"),
		"no buttons":        buttonsBody(alice.ID, "x", "[]"),
		"buttons not array": buttonsBody(alice.ID, "x", "{}"),
		"no text":           `{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"buttons":[` + ok1 + `]}}}}`,
		"empty title":       buttonsBody(alice.ID, "x", "["+q(" ", "p")+"]"),
		"long title":        buttonsBody(alice.ID, "x", "["+q(strings.Repeat("ê", 101), "p")+"]"),
		"long payload":      buttonsBody(alice.ID, "x", "["+q("a", strings.Repeat("ô", 1001))+"]"),
		"empty payload":     buttonsBody(alice.ID, "x", "["+q("a", "")+"]"),
		"object payload":    buttonsBody(alice.ID, "x", `[{"title":"a","type":"oa.query.hide","payload":{"x":1}}]`),
		"bad type":          buttonsBody(alice.ID, "x", `[{"title":"a","type":"oa.query.click","payload":"p"}]`),
		"url as string":     buttonsBody(alice.ID, "x", `[{"title":"a","type":"oa.open.url","payload":"https://x.vn"}]`),
		"url not http":      buttonsBody(alice.ID, "x", `[{"title":"a","type":"oa.open.url","payload":{"url":"javascript:1"}}]`),
		"phone missing":     buttonsBody(alice.ID, "x", `[{"title":"a","type":"oa.open.phone","payload":{}}]`),
		"text too long":     buttonsBody(alice.ID, strings.Repeat("x", 2001), "["+ok1+"]"),
	}
	for name, body := range bad {
		if a := send(t, s, tok, body); a.code() != zalotest.CodeInvalidParam {
			t.Errorf("%s: error %d %q", name, a.code(), a.Message)
		}
	}
	if s.SentCount(alice.ID) != 3 {
		t.Fatalf("sent %d", s.SentCount(alice.ID))
	}
}

func requestInfoBody(userID, elements string) string {
	return `{"recipient":{"user_id":` + jsonString(userID) + `},"message":{"attachment":{"type":"template",` +
		`"payload":{"template_type":"request_user_info","elements":` + elements + `}}}}`
}

func TestSendRequestUserInfo(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	mustSend(t, s, tok, requestInfoBody(alice.ID,
		`[{"title":"OCOP Tây Ninh","subtitle":"Xin số điện thoại","image_url":"https://ocop.example/banner.png"}]`))
	m, _ := s.LastMessage(alice.ID)
	if m.Kind != zalotest.KindRequestUserInfo || m.Title != "OCOP Tây Ninh" || m.Subtitle != "Xin số điện thoại" ||
		m.ImageURL != "https://ocop.example/banner.png" || m.Text != "" {
		t.Fatalf("message %+v", m)
	}
	for name, body := range map[string]string{
		"no element":    requestInfoBody(alice.ID, `[]`),
		"two elements":  requestInfoBody(alice.ID, `[{"title":"a"},{"title":"b"}]`),
		"no title":      requestInfoBody(alice.ID, `[{"subtitle":"a"}]`),
		"no elements":   `{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"request_user_info"}}}}`,
		"with text":     `{"recipient":{"user_id":"1"},"message":{"text":"x","attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":"a"}]}}}}`,
		"with buttons":  `{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":"a"}],"buttons":[{"title":"a","type":"oa.query.hide","payload":"p"}]}}}}`,
		"payload array": `{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":[]}}}`,
	} {
		if a := send(t, s, tok, body); a.code() != zalotest.CodeInvalidParam {
			t.Errorf("%s: error %d %q", name, a.code(), a.Message)
		}
	}
}

func imageBody(userID, caption, element string) string {
	text := ""
	if caption != "" {
		text = `"text":` + jsonString(caption) + `,`
	}
	return `{"recipient":{"user_id":` + jsonString(userID) + `},"message":{` + text +
		`"attachment":{"type":"template","payload":{"template_type":"media","elements":[` + element + `]}}}}`
}

func fileBody(userID, token string) string {
	return `{"recipient":{"user_id":` + jsonString(userID) + `},"message":{"attachment":{"type":"file","payload":{"token":` + jsonString(token) + `}}}}`
}

func TestUploadAndSendImage(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	img := pngBytes(t)
	a := upload(t, s, tok, zalotest.PathUploadImage, "bieu-do.png", img)
	if a.code() != 0 || a.Data.AttachmentID == "" || a.Message != "Success" {
		t.Fatalf("upload: %+v", a)
	}
	id := a.Data.AttachmentID
	if j := upload(t, s, tok, zalotest.PathUploadImage, "qr.jpg", jpegBytes(t)); j.code() != 0 || j.Data.AttachmentID == id {
		t.Fatalf("jpeg upload: %+v", j)
	}
	ups := s.Uploads()
	if len(ups) != 2 || ups[0].Kind != zalotest.KindImage || ups[0].ID != id || ups[0].Name != "bieu-do.png" ||
		ups[0].Size != len(img) || !bytes.Equal(ups[0].Data, img) || ups[0].ContentType != "image/png" || ups[1].ContentType != "image/jpeg" {
		t.Fatalf("uploads %+v", ups)
	}
	if u, ok := s.UploadByID(id); !ok || u.Name != "bieu-do.png" {
		t.Fatalf("UploadByID %+v %v", u, ok)
	}

	mustSend(t, s, tok, imageBody(alice.ID, "Biểu đồ tháng 5", `{"media_type":"image","attachment_id":`+jsonString(id)+`}`))
	m, _ := s.LastMessage(alice.ID)
	if m.Kind != zalotest.KindImage || m.AttachmentID != id || m.Text != "Biểu đồ tháng 5" || m.ImageURL != "" {
		t.Fatalf("message %+v", m)
	}
	mustSend(t, s, tok, imageBody(alice.ID, "", `{"media_type":"image","url":"https://ocop.example/qr.png"}`))
	if m, _ := s.LastMessage(alice.ID); m.ImageURL != "https://ocop.example/qr.png" || m.AttachmentID != "" || m.Text != "" {
		t.Fatalf("by url %+v", m)
	}

	fileTok := upload(t, s, tok, zalotest.PathUploadFile, "a.pdf", []byte("%PDF-1.4 x")).Data.Token
	for name, body := range map[string]string{
		"unknown id":    imageBody(alice.ID, "", `{"media_type":"image","attachment_id":"deadbeef"}`),
		"file token":    imageBody(alice.ID, "", `{"media_type":"image","attachment_id":`+jsonString(fileTok)+`}`),
		"both":          imageBody(alice.ID, "", `{"media_type":"image","attachment_id":`+jsonString(id)+`,"url":"https://x.vn/a.png"}`),
		"neither":       imageBody(alice.ID, "", `{"media_type":"image"}`),
		"gif":           imageBody(alice.ID, "", `{"media_type":"gif","url":"https://x.vn/a.gif"}`),
		"two elements":  imageBody(alice.ID, "", `{"media_type":"image","url":"https://x.vn/a.png"},{"media_type":"image","url":"https://x.vn/b.png"}`),
		"long caption":  imageBody(alice.ID, strings.Repeat("x", 2001), `{"media_type":"image","url":"https://x.vn/a.png"}`),
		"not http":      imageBody(alice.ID, "", `{"media_type":"image","url":"file:///etc/passwd"}`),
		"image as file": fileBody(alice.ID, id),
	} {
		if a := send(t, s, tok, body); a.code() != zalotest.CodeInvalidParam {
			t.Errorf("%s: error %d %q", name, a.code(), a.Message)
		}
	}
}

func TestUploadAndSendFile(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	pdf := []byte("%PDF-1.7\n...")
	a := upload(t, s, tok, zalotest.PathUploadFile, "giay-chung-nhan.pdf", pdf)
	if a.code() != 0 || a.Data.Token == "" || a.Data.AttachmentID != "" {
		t.Fatalf("upload: %+v", a)
	}
	mustSend(t, s, tok, fileBody(alice.ID, a.Data.Token))
	m, _ := s.LastMessage(alice.ID)
	if m.Kind != zalotest.KindFile || m.FileToken != a.Data.Token || m.Text != "" {
		t.Fatalf("message %+v", m)
	}
	if u, _ := s.UploadByID(a.Data.Token); u.Kind != zalotest.KindFile || u.ContentType != "application/pdf" || !bytes.Equal(u.Data, pdf) {
		t.Fatalf("upload %+v", u)
	}
	for name, tc := range map[string]struct {
		name string
		data []byte
	}{
		"doc":             {"bien-ban.doc", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest")},
		"docx":            {"bien-ban.DOCX", []byte("PK\x03\x04rest")},
		"csv":             {"danh-sach.csv", []byte("ten,sdt\nLan,0912\n")},
		"pdf without ext": {"giay", []byte("%PDF-1.4")},
	} {
		if a := upload(t, s, tok, zalotest.PathUploadFile, tc.name, tc.data); a.code() != 0 {
			t.Errorf("%s: error %d %q", name, a.code(), a.Message)
		}
	}
	for name, tc := range map[string]struct {
		name string
		data []byte
	}{
		"xlsx":           {"bao-cao.xlsx", []byte("PK\x03\x04rest")},
		"pdf named csv":  {"a.csv", []byte("%PDF-1.4\x00")},
		"text named pdf": {"a.pdf", []byte("hello")},
		"png":            {"a.png", pngBytes(t)},
		"empty":          {"a.pdf", nil},
	} {
		if a := upload(t, s, tok, zalotest.PathUploadFile, tc.name, tc.data); a.code() != zalotest.CodeInvalidParam {
			t.Errorf("%s: error %d %q", name, a.code(), a.Message)
		}
	}
	if a := send(t, s, tok, fileBody(alice.ID, "unknown")); a.code() != zalotest.CodeInvalidParam {
		t.Fatalf("unknown token: %+v", a)
	}
	withText := `{"recipient":{"user_id":"1"},"message":{"text":"x","attachment":{"type":"file","payload":{"token":` + jsonString(a.Data.Token) + `}}}}`
	if a := send(t, s, tok, withText); a.code() != zalotest.CodeInvalidParam {
		t.Fatalf("file with text: %+v", a)
	}
}

func TestUploadLimits(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	jpegOfSize := func(n int) []byte {
		b := make([]byte, n)
		copy(b, "\xFF\xD8\xFF\xE0")
		return b
	}
	if a := upload(t, s, tok, zalotest.PathUploadImage, "a.jpg", jpegOfSize(zalotest.MaxImageUploadSize)); a.code() != 0 {
		t.Fatalf("1 MB image: %+v", a)
	}
	a := upload(t, s, tok, zalotest.PathUploadImage, "a.jpg", jpegOfSize(zalotest.MaxImageUploadSize+1))
	if a.code() != zalotest.CodeFileTooLarge || !strings.HasPrefix(a.Message, "File size exceeds limit") {
		t.Fatalf("1 MB + 1 image: %+v", a)
	}
	if a := upload(t, s, tok, zalotest.PathUploadImage, "a.gif", []byte("GIF89a....")); a.code() != zalotest.CodeInvalidParam {
		t.Fatalf("gif: %+v", a)
	}
	if a := upload(t, s, tok, zalotest.PathUploadImage, "a.png", []byte("not an image")); a.code() != zalotest.CodeInvalidParam {
		t.Fatalf("text as png: %+v", a)
	}
	pdfOfSize := func(n int) []byte {
		b := bytes.Repeat([]byte("x"), n)
		copy(b, "%PDF-")
		return b
	}
	if a := upload(t, s, tok, zalotest.PathUploadFile, "a.pdf", pdfOfSize(zalotest.MaxFileUploadSize)); a.code() != 0 {
		t.Fatalf("5 MB file: %+v", a)
	}
	if a := upload(t, s, tok, zalotest.PathUploadFile, "a.pdf", pdfOfSize(zalotest.MaxFileUploadSize+1)); a.code() != zalotest.CodeFileTooLarge {
		t.Fatalf("5 MB + 1 file: %+v", a)
	}
	if a := upload(t, s, "bad", zalotest.PathUploadImage, "a.png", pngBytes(t)); a.code() != zalotest.CodeInvalidToken {
		t.Fatalf("bad token: %+v", a)
	}
	s.ExpireAccessTokens()
	if a := upload(t, s, tok, zalotest.PathUploadFile, "a.pdf", pdfOfSize(10)); a.code() != zalotest.CodeInvalidToken {
		t.Fatalf("expired token: %+v", a)
	}
	tok = s.IssueAccessToken()
	_, data := do(t, s, http.MethodPost, zalotest.PathUploadImage, map[string]string{"access_token": tok, "Content-Type": "image/png"}, pngBytes(t))
	if a := decode(t, data); a.code() != zalotest.CodeInvalidParam {
		t.Fatalf("not multipart: %s", data)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("image", "a.png")
	_, _ = fw.Write(pngBytes(t))
	_ = mw.Close()
	_, data = do(t, s, http.MethodPost, zalotest.PathUploadImage, map[string]string{"access_token": tok, "Content-Type": mw.FormDataContentType()}, buf.Bytes())
	if a := decode(t, data); a.code() != zalotest.CodeInvalidParam {
		t.Fatalf("no part file: %s", data)
	}
	if n := len(s.Uploads()); n != 2 {
		t.Fatalf("%d uploads accepted", n)
	}
	if s.Rejected(zalotest.CodeFileTooLarge) != 2 || s.Calls(zalotest.PathUploadImage) != 7 || s.Calls(zalotest.PathUploadFile) != 3 {
		t.Fatalf("rejected %d, calls %d %d", s.Rejected(zalotest.CodeFileTooLarge), s.Calls(zalotest.PathUploadImage), s.Calls(zalotest.PathUploadFile))
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	h := newHook(t, s)
	tok := s.IssueAccessToken()

	s.OutsideWindow(alice.ID, true)
	a := send(t, s, tok, textBody(alice.ID, "x"))
	wantCode(t, a, zalotest.CodeOutsideWindow)
	if a.Message != "User has not interacted with OA in the past 7 days" || !s.IsOutsideWindow(alice.ID) {
		t.Fatalf("message %q", a.Message)
	}
	mustSend(t, s, tok, textBody(bob.ID, "bob is inside"))
	// Neither the OA's echo nor an unfollow reopens the window; a text does.
	posted(t)(s.EchoOA(alice, "x"))
	posted(t)(s.Unfollow(alice))
	wantCode(t, send(t, s, tok, textBody(alice.ID, "x")), zalotest.CodeOutsideWindow)
	posted(t)(s.SendText(alice, "em chào anh"))
	mustSend(t, s, tok, textBody(alice.ID, "reopened"))
	s.OutsideWindow(alice.ID, true)
	posted(t)(s.Follow(alice))
	mustSend(t, s, tok, textBody(alice.ID, "follow reopens"))
	s.OutsideWindow(alice.ID, true)
	s.OutsideWindow(alice.ID, false)
	mustSend(t, s, tok, textBody(alice.ID, "switched off"))

	s.Blocked(bob.ID, true)
	wantCode(t, send(t, s, tok, textBody(bob.ID, "x")), zalotest.CodeNotFollower)
	posted(t)(s.SendText(bob, "hi"))
	wantCode(t, send(t, s, tok, textBody(bob.ID, "x")), zalotest.CodeNotFollower)
	s.Blocked(bob.ID, false)
	mustSend(t, s, tok, textBody(bob.ID, "unblocked"))

	s.InvalidTokenOnce()
	wantCode(t, send(t, s, tok, textBody(alice.ID, "x")), zalotest.CodeInvalidToken)
	mustSend(t, s, tok, textBody(alice.ID, "token ok again"))

	s.RateLimit(2)
	wantCode(t, send(t, s, tok, textBody(alice.ID, "x")), zalotest.CodeRateLimited)
	wantCode(t, send(t, s, tok, textBody(bob.ID, "x")), zalotest.CodeRateLimited)
	mustSend(t, s, tok, textBody(alice.ID, "rate ok"))

	s.ServerError(2)
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+zalotest.PathSend, strings.NewReader(textBody(alice.ID, "x")))
		req.Header.Set("access_token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != zalotest.ServerErrorStatus || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(body), "502 Bad Gateway") {
			t.Fatalf("server error: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	mustSend(t, s, tok, textBody(alice.ID, "server ok"))

	for code, n := range map[int]int{
		zalotest.CodeOutsideWindow: 2, zalotest.CodeNotFollower: 2, zalotest.CodeInvalidToken: 1,
		zalotest.CodeRateLimited: 2, zalotest.ServerErrorStatus: 2, zalotest.CodeInvalidParam: 0,
	} {
		if got := s.Rejected(code); got != n {
			t.Errorf("Rejected(%d) = %d, want %d", code, got, n)
		}
	}
	if s.SentCount(alice.ID) != 6 || s.SentCount(bob.ID) != 2 || h.count() != 5 {
		t.Fatalf("sent %d %d, events %d", s.SentCount(alice.ID), s.SentCount(bob.ID), h.count())
	}
}

func TestFaultOrder(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	// A bad token is refused before a pending rate limit is used up...
	s.RateLimit(1)
	wantCode(t, send(t, s, "bad", textBody(alice.ID, "x")), zalotest.CodeInvalidToken)
	// ...and the rate limit before the body is checked.
	wantCode(t, send(t, s, tok, textBody(alice.ID, "")), zalotest.CodeRateLimited)
	// A server error comes first of all.
	s.ServerError(1)
	s.InvalidTokenOnce()
	status, _ := do(t, s, http.MethodPost, zalotest.PathSend, map[string]string{"access_token": "bad"}, []byte("{}"))
	if status != zalotest.ServerErrorStatus {
		t.Fatalf("status %d", status)
	}
	wantCode(t, send(t, s, tok, textBody(alice.ID, "x")), zalotest.CodeInvalidToken)
	// A malformed body is refused before the recipient's state is looked at.
	s.Blocked(alice.ID, true)
	wantCode(t, send(t, s, tok, textBody(alice.ID, "")), zalotest.CodeInvalidParam)
	s.OutsideWindow(alice.ID, true)
	wantCode(t, send(t, s, tok, textBody(alice.ID, "x")), zalotest.CodeNotFollower)
	s.Blocked(alice.ID, false)
	wantCode(t, send(t, s, tok, textBody(alice.ID, "x")), zalotest.CodeOutsideWindow)
	if s.SentCount(alice.ID) != 0 {
		t.Fatal("a refused send was recorded")
	}
}

func TestRecipientMessageID(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	h := newHook(t, s)
	tok := s.IssueAccessToken()
	posted(t)(s.SendText(alice, "giá lúa?"))
	ev := parseEvent(t, h.last(t).body)
	msgID := ev.Message.MsgID
	a := mustSend(t, s, tok, `{"recipient":{"message_id":`+jsonString(msgID)+`},"message":{"text":"trả lời"}}`)
	if a.Data.UserID != alice.ID {
		t.Fatalf("user_id %q", a.Data.UserID)
	}
	m, _ := s.LastMessage(alice.ID)
	if m.ReplyTo != msgID || m.UserID != alice.ID {
		t.Fatalf("message %+v", m)
	}
	wantCode(t, send(t, s, tok, `{"recipient":{"message_id":"unknown"},"message":{"text":"x"}}`), zalotest.CodeInvalidParam)
	// The msg_id of an EventJSON body resolves too.
	var raw event
	_ = json.Unmarshal(s.EventJSON(bob, "x"), &raw)
	if a := mustSend(t, s, tok, `{"recipient":{"message_id":`+jsonString(raw.Message.MsgID)+`},"message":{"text":"y"}}`); a.Data.UserID != bob.ID {
		t.Fatalf("EventJSON msg_id resolved to %q", a.Data.UserID)
	}
}

func TestWaitMessages(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	tok := s.IssueAccessToken()
	go func() {
		for i := range 3 {
			time.Sleep(5 * time.Millisecond)
			mustSend(t, s, tok, textBody(bob.ID, fmt.Sprintf("bob %d", i)))
			mustSend(t, s, tok, textBody(alice.ID, fmt.Sprintf("alice %d", i)))
		}
	}()
	msgs, err := s.WaitMessages(wait, alice.ID, 3)
	if err != nil || len(msgs) != 3 || msgs[0].Text != "alice 0" || msgs[2].Text != "alice 2" {
		t.Fatalf("WaitMessages: %v %+v", err, msgs)
	}
	// Already there: returns at once, with all of them.
	msgs, err = s.WaitMessages(time.Millisecond, alice.ID, 1)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("WaitMessages(1): %v %d", err, len(msgs))
	}
	start := time.Now()
	msgs, err = s.WaitMessages(30*time.Millisecond, alice.ID, 4)
	if err == nil || len(msgs) != 3 || !strings.Contains(err.Error(), `"alice 2"`) || time.Since(start) > wait {
		t.Fatalf("timeout: %v %d", err, len(msgs))
	}
	if _, err := s.WaitMessages(10*time.Millisecond, "nobody", 1); err == nil {
		t.Fatal("no error for a user without messages")
	}
	if !s.WaitFor(wait, func() bool { return s.SentCount(bob.ID) == 3 }) {
		t.Fatal("WaitFor")
	}
	if err := s.WaitCalls(wait, zalotest.PathSend, 6); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitCalls(10*time.Millisecond, zalotest.PathSend, 7); err == nil {
		t.Fatal("WaitCalls did not time out")
	}
}

func TestWaitEndsOnClose(t *testing.T) {
	t.Parallel()
	s := zalotest.NewServer()
	done := make(chan error, 1)
	go func() {
		_, err := s.WaitMessages(time.Minute, alice.ID, 1)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("no error")
		}
	case <-time.After(wait):
		t.Fatal("WaitMessages did not end on Close")
	}
	s.Close() // twice is fine
}

func TestSignedTextEvent(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t, zalotest.WithOASecret("oa-secret"), zalotest.WithAppSecret("app-secret"))
	h := newHook(t, s)
	if s.Webhook() == "" {
		t.Fatal("Webhook")
	}
	before := time.Now().UnixMilli()
	posted(t)(s.SendText(alice, "Xin chào, tôi muốn đăng ký OCOP"))
	got := h.last(t)
	if got.ctype != "application/json" || !got.hasSig {
		t.Fatalf("headers: %+v", got)
	}
	ev := parseEvent(t, got.body)
	if ev.AppID != s.AppID() || ev.Sender.ID != alice.ID || ev.Recipient.ID != s.OAID() || ev.EventName != "user_send_text" ||
		ev.Message == nil || *ev.Message.Text != "Xin chào, tôi muốn đăng ký OCOP" || len(ev.Message.MsgID) != 20 {
		t.Fatalf("event %s", got.body)
	}
	if ev.UserIDByApp != s.AppUserID(alice.ID) || len(ev.UserIDByApp) != 18 || ev.UserIDByApp == alice.ID {
		t.Fatalf("user_id_by_app %q", ev.UserIDByApp)
	}
	ts, err := strconv.ParseInt(ev.Timestamp, 10, 64)
	if err != nil || ts < before || ts > time.Now().UnixMilli()+1000 {
		t.Fatalf("timestamp %q", ev.Timestamp)
	}
	// Every id is a JSON string.
	for _, field := range []string{`"app_id":"`, `"sender":{"id":"`, `"recipient":{"id":"`, `"user_id_by_app":"`, `"timestamp":"`, `"msg_id":"`} {
		if !bytes.Contains(got.body, []byte(field)) {
			t.Errorf("body lacks %s: %s", field, got.body)
		}
	}
	// The signature, recomputed independently: plain SHA-256 with the OA secret.
	want := mac(s.AppID(), got.body, ev.Timestamp, "oa-secret")
	if got.sig != want || s.Sign(got.body) != want {
		t.Fatalf("signature %q, Sign %q, want %q", got.sig, s.Sign(got.body), want)
	}
	if got.sig == mac(s.AppID(), got.body, ev.Timestamp, "app-secret") || got.sig == mac(s.OAID(), got.body, ev.Timestamp, "oa-secret") {
		t.Fatal("signed with the wrong key or id")
	}
	if !bytes.Equal(s.LastEvent(), got.body) {
		t.Fatal("LastEvent")
	}
	// Sign reads the timestamp from the body, also a numeric one.
	if sig := s.Sign([]byte(`{"timestamp":123}`)); sig != mac(s.AppID(), []byte(`{"timestamp":123}`), "123", "oa-secret") {
		t.Fatalf("numeric timestamp: %s", sig)
	}
	if sig := s.Sign([]byte(`{}`)); sig != mac(s.AppID(), []byte(`{}`), "", "oa-secret") {
		t.Fatalf("no timestamp: %s", sig)
	}
	// Texts are not HTML-escaped, and the body has no trailing newline.
	posted(t)(s.SendText(alice, "<b>Giá</b> & lúa"))
	if got := h.last(t).body; !bytes.Contains(got, []byte(`"text":"<b>Giá</b> & lúa"`)) || bytes.HasSuffix(got, []byte("\n")) {
		t.Fatalf("body %q", got)
	}
	// The status the bot answers is passed back.
	h.status.Store(http.StatusUnauthorized)
	if status, err := s.SendText(alice, "x"); err != nil || status != http.StatusUnauthorized {
		t.Fatalf("status %d, err %v", status, err)
	}
}

func TestTimestampsIncreaseAndIDsAreUnique(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	seen := make(map[string]bool)
	var last int64
	for i := range 2000 {
		ev := parseEvent(t, s.EventJSON(alice, fmt.Sprint(i)))
		ts, err := strconv.ParseInt(ev.Timestamp, 10, 64)
		if err != nil || ts <= last {
			t.Fatalf("event %d: timestamp %q after %d", i, ev.Timestamp, last)
		}
		last = ts
		if seen[ev.Message.MsgID] {
			t.Fatalf("msg_id %s twice", ev.Message.MsgID)
		}
		seen[ev.Message.MsgID] = true
	}
	if s.LastEvent() != nil {
		t.Fatal("EventJSON counts as posted")
	}
}

func TestEventJSONForLoadGenerators(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	h := newHook(t, s)
	raw := s.EventJSON(bob, "/start")
	ev := parseEvent(t, raw)
	if ev.EventName != "user_send_text" || *ev.Message.Text != "/start" || ev.Sender.ID != bob.ID {
		t.Fatalf("event %s", raw)
	}
	req, _ := http.NewRequest(http.MethodPost, s.Webhook(), bytes.NewReader(raw))
	req.Header.Set("X-ZEvent-Signature", s.Sign(raw))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := h.last(t); got.sig != mac(s.AppID(), raw, ev.Timestamp, s.OASecret()) || !bytes.Equal(got.body, raw) {
		t.Fatalf("got %+v", got)
	}

	// Signed with the body: what Sign would give.
	raw, sig := s.SignedEventJSON(bob, "Đồng ý")
	if ev := parseEvent(t, raw); *ev.Message.Text != "Đồng ý" || sig != s.Sign(raw) || sig != mac(s.AppID(), raw, ev.Timestamp, s.OASecret()) {
		t.Fatalf("SignedEventJSON: %s with %s", raw, sig)
	}
}

func TestPostUnsignedForgedAndReplay(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	if _, err := s.SendText(alice, "x"); err == nil {
		t.Fatal("posted without a webhook")
	}
	if _, err := s.Post([]byte("{}"), false); err == nil {
		t.Fatal("posted without a webhook")
	}
	h := newHook(t, s)
	posted(t)(s.Post([]byte("{}"), false))
	if got := h.last(t); got.hasSig || string(got.body) != "{}" {
		t.Fatalf("probe %+v", got)
	}
	posted(t)(s.SendText(alice, "một lần"))
	first := h.last(t)
	posted(t)(s.Replay(s.LastEvent()))
	again := h.last(t)
	if !bytes.Equal(first.body, again.body) || first.sig != again.sig || !again.hasSig {
		t.Fatalf("replay differs: %s %s / %s %s", first.body, first.sig, again.body, again.sig)
	}
	posted(t)(s.PostWithSignature(first.body, "mac=00"))
	if got := h.last(t); got.sig != "mac=00" || !bytes.Equal(got.body, first.body) {
		t.Fatalf("forged %+v", got)
	}
	posted(t)(s.PostWithSignature(first.body, ""))
	if got := h.last(t); !got.hasSig || got.sig != "" {
		t.Fatalf("empty signature %+v", got)
	}
	raw := []byte(`{"app_id":"1","timestamp":"5"}`)
	posted(t)(s.Post(raw, true))
	raw[0] = 'x' // the fake keeps its own copy
	if got := h.last(t); got.sig != mac(s.AppID(), []byte(`{"app_id":"1","timestamp":"5"}`), "5", s.OASecret()) ||
		string(s.LastEvent()) != `{"app_id":"1","timestamp":"5"}` {
		t.Fatalf("Post signed %+v", got)
	}
	if h.count() != 6 {
		t.Fatalf("%d posts", h.count())
	}
}

func TestPress(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	h := newHook(t, s)
	tok := s.IssueAccessToken()
	if _, err := s.Press(alice, "Giá"); err == nil {
		t.Fatal("pressed without any message")
	}
	mustSend(t, s, tok, buttonsBody(alice.ID, "Chọn", `[
		{"title":"Giá lúa hôm nay","type":"oa.query.hide","payload":"#b:price:rice"},
		{"title":"Hướng dẫn","type":"oa.query.show","payload":"Hướng dẫn sử dụng"},
		{"title":"Mở web","type":"oa.open.url","payload":{"url":"https://ocop.example"}}]`))
	mustSend(t, s, tok, textBody(alice.ID, "a message without buttons"))
	mustSend(t, s, tok, buttonsBody(bob.ID, "Chọn", `[{"title":"Giá lúa hôm nay","type":"oa.query.hide","payload":"#b:bob"}]`))

	pressed := func(want string) {
		t.Helper()
		ev := parseEvent(t, h.last(t).body)
		if ev.EventName != "user_send_text" || ev.Sender.ID != alice.ID || *ev.Message.Text != want {
			t.Fatalf("event %s, want text %q", h.last(t).body, want)
		}
	}
	posted(t)(s.Press(alice, "Giá lúa"))
	pressed("#b:price:rice")
	posted(t)(s.Press(alice, "dẫn"))
	pressed("Hướng dẫn sử dụng")

	// The newest message with a matching button wins.
	mustSend(t, s, tok, buttonsBody(alice.ID, "Lại", `[{"title":"Giá lúa mới","type":"oa.query.hide","payload":"#b:price:new"}]`))
	posted(t)(s.Press(alice, "Giá lúa"))
	pressed("#b:price:new")
	// An older message still answers for a title only it has.
	posted(t)(s.Press(alice, "Hướng dẫn"))
	pressed("Hướng dẫn sử dụng")

	if _, err := s.Press(alice, "Mở web"); err == nil || !strings.Contains(err.Error(), "oa.open.url") {
		t.Fatalf("url button: %v", err)
	}
	if _, err := s.Press(alice, "không có"); err == nil {
		t.Fatal("pressed a missing button")
	}
	posted(t)(s.PressPayload(alice, "#b:forged"))
	pressed("#b:forged")
	if h.count() != 5 {
		t.Fatalf("%d events", h.count())
	}
}

func TestSubmitInfoShapes(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	h := newHook(t, s)

	posted(t)(s.SubmitInfo(alice, "84912345678", false))
	flat := parseEvent(t, h.last(t).body)
	if flat.EventName != "user_submit_info" || flat.Sender.ID != alice.ID || flat.Recipient.ID != s.OAID() ||
		flat.Message != nil || flat.Timestamp == "" || flat.AppID != s.AppID() {
		t.Fatalf("event %s", h.last(t).body)
	}
	if payloadString(t, flat.Info, "name") != alice.Name || payloadString(t, flat.Info, "phone") != "84912345678" ||
		payloadString(t, flat.Info, "city") == "" || payloadString(t, flat.Info, "district") == "" ||
		payloadString(t, flat.Info, "ward") == "" || payloadString(t, flat.Info, "address") == "" || flat.Info["full_address"] != nil {
		t.Fatalf("flat info %s", h.last(t).body)
	}
	if got := h.last(t); got.sig != mac(s.AppID(), got.body, flat.Timestamp, s.OASecret()) {
		t.Fatal("bad signature")
	}

	posted(t)(s.SubmitInfo(alice, "84987654321", true))
	nested := parseEvent(t, h.last(t).body)
	var full struct {
		City    string `json:"user_city"`
		Ward    string `json:"user_ward"`
		Address string `json:"user_address"`
	}
	if err := json.Unmarshal(nested.Info["full_address"], &full); err != nil || full.City == "" || full.Ward == "" || full.Address == "" {
		t.Fatalf("full_address %s", nested.Info["full_address"])
	}
	if payloadString(t, nested.Info, "phone") != "84987654321" || payloadString(t, nested.Info, "name") != alice.Name ||
		payloadString(t, nested.Info, "user_dob") != "01/01/1980" || payloadString(t, nested.Info, "gender") != "male" ||
		nested.Info["address"] != nil || nested.Info["district"] != nil || nested.Info["city"] != nil {
		t.Fatalf("nested info %s", h.last(t).body)
	}

	posted(t)(s.SubmitInfoWith(bob, zalotest.Info{Name: "B", Phone: "84900000000", City: "Long An", Ward: "Phường 1", Address: "1 A"}, true))
	custom := parseEvent(t, h.last(t).body)
	_ = json.Unmarshal(custom.Info["full_address"], &full)
	if full.City != "Long An" || payloadString(t, custom.Info, "name") != "B" || custom.Sender.ID != bob.ID {
		t.Fatalf("custom %s", h.last(t).body)
	}
}

func TestMediaAndLifecycleEvents(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	h := newHook(t, s)
	client := &http.Client{Timeout: wait}
	fetch := func(u string) ([]byte, string) {
		t.Helper()
		if !strings.HasPrefix(u, s.URL()+zalotest.PathFiles) {
			t.Fatalf("url %q is not served by the fake", u)
		}
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
		return data, resp.Header.Get("Content-Type")
	}

	img := pngBytes(t)
	posted(t)(s.SendImage(alice, img, "Ảnh giấy phép"))
	ev := parseEvent(t, h.last(t).body)
	if ev.EventName != "user_send_image" || *ev.Message.Text != "Ảnh giấy phép" || len(ev.Message.Attachments) != 1 ||
		ev.Message.Attachments[0].Type != "image" || ev.Message.MsgID == "" {
		t.Fatalf("image event %s", h.last(t).body)
	}
	p := ev.Message.Attachments[0].Payload
	if data, ctype := fetch(payloadString(t, p, "url")); !bytes.Equal(data, img) || ctype != "image/png" {
		t.Fatalf("image served as %q", ctype)
	}
	if payloadString(t, p, "thumbnail") == "" || s.FileFetches() != 1 {
		t.Fatalf("thumbnail, fetches %d", s.FileFetches())
	}
	posted(t)(s.SendImage(alice, img, ""))
	if ev := parseEvent(t, h.last(t).body); ev.Message.Text == nil || *ev.Message.Text != "" {
		t.Fatalf("image without caption %s", h.last(t).body)
	}

	pdf := []byte("%PDF-1.4 giấy")
	posted(t)(s.SendFile(alice, pdf, "giay.pdf"))
	ev = parseEvent(t, h.last(t).body)
	p = ev.Message.Attachments[0].Payload
	if ev.EventName != "user_send_file" || ev.Message.Attachments[0].Type != "file" || payloadString(t, p, "name") != "giay.pdf" ||
		payloadString(t, p, "size") != strconv.Itoa(len(pdf)) || payloadString(t, p, "type") != "pdf" {
		t.Fatalf("file event %s", h.last(t).body)
	}
	if data, ctype := fetch(payloadString(t, p, "url")); !bytes.Equal(data, pdf) || ctype != "application/pdf" {
		t.Fatalf("file served as %q", ctype)
	}
	if s.FileFetches() != 2 {
		t.Fatalf("fetches %d", s.FileFetches())
	}

	check := func(name, attType string) map[string]json.RawMessage {
		t.Helper()
		ev := parseEvent(t, h.last(t).body)
		if ev.EventName != name || ev.Sender.ID != alice.ID || ev.Message == nil || ev.Message.MsgID == "" ||
			len(ev.Message.Attachments) != 1 || ev.Message.Attachments[0].Type != attType {
			t.Fatalf("%s event %s", name, h.last(t).body)
		}
		return ev.Message.Attachments[0].Payload
	}
	posted(t)(s.SendSticker(alice))
	if p := check("user_send_sticker", "sticker"); payloadString(t, p, "id") == "" || payloadString(t, p, "url") == "" {
		t.Fatal("sticker payload")
	}
	posted(t)(s.SendLocation(alice))
	var coords struct{ Latitude, Longitude string }
	if err := json.Unmarshal(check("user_send_location", "location")["coordinates"], &coords); err != nil ||
		coords.Latitude == "" || coords.Longitude == "" {
		t.Fatalf("coordinates %s: %v", h.last(t).body, err)
	}
	posted(t)(s.SendAudio(alice))
	check("user_send_audio", "audio")
	posted(t)(s.SendVideo(alice))
	check("user_send_video", "video")
	posted(t)(s.SendLink(alice, "https://ocop.gov.vn"))
	if p := check("user_send_link", "link"); payloadString(t, p, "url") != "https://ocop.gov.vn" {
		t.Fatal("link payload")
	}

	for _, name := range []string{"follow", "unfollow"} {
		if name == "follow" {
			posted(t)(s.Follow(alice))
		} else {
			posted(t)(s.Unfollow(alice))
		}
		got := h.last(t)
		ev := parseEvent(t, got.body)
		if ev.EventName != name || ev.Follower == nil || ev.Follower.ID != alice.ID || ev.OAID != s.OAID() ||
			ev.Source != "oa_profile" || ev.Sender != nil || ev.UserIDByApp == "" || ev.AppID != s.AppID() {
			t.Fatalf("%s event %s", name, got.body)
		}
		if got.sig != mac(s.AppID(), got.body, ev.Timestamp, s.OASecret()) {
			t.Fatalf("%s: bad signature", name)
		}
	}

	posted(t)(s.EchoOA(alice, "Cảm ơn bạn"))
	ev = parseEvent(t, h.last(t).body)
	if ev.EventName != "oa_send_text" || ev.Sender.ID != s.OAID() || ev.Recipient.ID != alice.ID || *ev.Message.Text != "Cảm ơn bạn" {
		t.Fatalf("echo %s", h.last(t).body)
	}
}

func TestServeFileAndSlowFile(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	u := s.ServeFile([]byte("hello"), "")
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(data) != "hello" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("got %q %q", data, resp.Header.Get("Content-Type"))
	}
	if resp, err := http.Get(s.URL() + zalotest.PathFiles + "missing"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("missing file: %v", err)
	} else {
		resp.Body.Close()
	}
	if s.FileFetches() != 1 {
		t.Fatalf("fetches %d", s.FileFetches())
	}

	s.SlowFile(time.Second)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	start := time.Now()
	if resp, err := client.Get(u); err == nil {
		resp.Body.Close()
		t.Fatal("a slow file came within the timeout")
	}
	if time.Since(start) > 900*time.Millisecond {
		t.Fatal("the client's timeout did not apply")
	}
	s.SlowFile(0)
	if resp, err := client.Get(u); err != nil {
		t.Fatalf("after SlowFile(0): %v", err)
	} else {
		resp.Body.Close()
	}
	if s.FileFetches() != 3 {
		t.Fatalf("fetches %d", s.FileFetches())
	}
}

func TestCallLogAndHandle(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t, zalotest.WithoutRequestBodies())
	tok := s.IssueAccessToken()
	mustSend(t, s, tok, textBody(alice.ID, "x"))
	if s.Calls(zalotest.PathSend) != 1 || s.Requests(zalotest.PathSend) != nil {
		t.Fatalf("calls %d, requests %q", s.Calls(zalotest.PathSend), s.Requests(zalotest.PathSend))
	}
	if m, _ := s.LastMessage(alice.ID); string(m.Raw) != textBody(alice.ID, "x") {
		t.Fatal("Raw is kept without request bodies too")
	}
	if status, _ := do(t, s, http.MethodGet, zalotest.PathSend, nil, nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("GET send: %d", status)
	}
	if status, _ := do(t, s, http.MethodPost, "/v2.0/oa/message", nil, []byte("{}")); status != http.StatusNotFound {
		t.Fatalf("unknown path: %d", status)
	}
	if s.Calls("/v2.0/oa/message") != 1 {
		t.Fatal("unknown paths are not counted")
	}

	const quota = "/v3.0/oa/quota/message"
	s.Handle(quota, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":{"echo":%s},"error":0,"message":"Success"}`, body)
	})
	status, data := do(t, s, http.MethodPost, quota, nil, []byte(`{"user_id":"1"}`))
	if status != http.StatusOK || !strings.Contains(string(data), `"echo":{"user_id":"1"}`) || s.Calls(quota) != 1 {
		t.Fatalf("custom handler: %d %s", status, data)
	}

	// A handler that holds one kind of send passes the others on to the
	// fake, which records them as its own; nil restores the fake.
	s.Handle(zalotest.PathSend, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte("held")) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"error":-32,"message":"held"}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.Default(w, r)
	})
	wantCode(t, send(t, s, tok, textBody(alice.ID, "held")), zalotest.CodeRateLimited)
	mustSend(t, s, tok, textBody(alice.ID, "passed"))
	if m, _ := s.LastMessage(alice.ID); m.Text != "passed" {
		t.Fatalf("last message %q, want the one passed through", m.Text)
	}
	if status, _ := do(t, s, http.MethodGet, zalotest.PathSend, nil, nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("GET send passed through: %d", status)
	}
	s.Handle(zalotest.PathSend, nil)
	mustSend(t, s, tok, textBody(alice.ID, "held"))
}

// TestConcurrentUse drives every part of the fake at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t)
	h := newHook(t, s)
	tok := s.IssueAccessToken()
	const users, perUser = 8, 25
	var wg sync.WaitGroup
	var refused atomic.Int64
	for i := range users {
		u := zalotest.User{ID: fmt.Sprintf("10000000000000000%d", i), Name: "U"}
		wg.Go(func() {
			for j := range perUser {
				a := send(t, s, tok, textBody(u.ID, fmt.Sprintf("%d", j)))
				if a.code() != 0 {
					refused.Add(1)
				}
				if _, err := s.SendText(u, "hi"); err != nil {
					t.Error(err)
				}
				_ = s.Messages(u.ID)
				_, _ = s.LastMessage(u.ID)
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			s.RateLimit(1)
			s.OutsideWindow("nobody", true)
			s.Blocked("nobody", false)
			_ = s.AllMessages()
			_ = s.Rejected(zalotest.CodeRateLimited)
		}
	})
	wg.Go(func() {
		rt := s.RefreshToken()
		for range 5 {
			a := refresh(t, s, rt)
			if a.Error != 0 {
				t.Errorf("refresh: %+v", a)
				return
			}
			rt = a.RefreshToken
		}
	})
	wg.Go(func() {
		if _, err := s.WaitMessages(wait, "10000000000000000"+"0", perUser-20); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	total := 0
	for i := range users {
		total += s.SentCount(fmt.Sprintf("10000000000000000%d", i))
	}
	if int64(total)+refused.Load() != users*perUser || refused.Load() != int64(s.Rejected(zalotest.CodeRateLimited)) || refused.Load() > 20 {
		t.Fatalf("sent %d, refused %d, rate limited %d", total, refused.Load(), s.Rejected(zalotest.CodeRateLimited))
	}
	if len(s.AllMessages()) != total || h.count() != users*perUser || s.Refreshes() != 5 {
		t.Fatalf("all %d, events %d, refreshes %d", len(s.AllMessages()), h.count(), s.Refreshes())
	}
}

func TestNewServerNeedsClose(t *testing.T) {
	t.Parallel()
	s := zalotest.NewServer()
	u := s.URL()
	s.Close()
	if _, err := http.Get(u + zalotest.PathSend); err == nil {
		t.Fatal("the server still answers after Close")
	}
}

func BenchmarkSendText(b *testing.B) {
	s := zalotest.New(b, zalotest.WithoutRequestBodies())
	tok := s.IssueAccessToken()
	client := s.HTTPClient()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			req, _ := http.NewRequest(http.MethodPost, s.URL()+zalotest.PathSend, strings.NewReader(textBody(strconv.Itoa(i%100), "xin chào")))
			req.Header.Set("access_token", tok)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func BenchmarkPostEvent(b *testing.B) {
	s := zalotest.New(b)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(ts.Close)
	s.SetWebhook(ts.URL)
	u := zalotest.User{ID: "1"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.SendText(u, "xin chào"); err != nil {
			b.Fatal(err)
		}
	}
}
