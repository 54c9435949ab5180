package zalo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// Every token and secret in these tests contains "SECRET", so that a
// leak into a log or an error is easy to find (tokCheckNoSecrets).
const (
	tokAppID     = "app-123"
	tokAppSecret = "app-SECRET-key"
	tokSeed      = "ref-SECRET-seed"
)

// tokClock is a fake clock, safe for concurrent use.
type tokClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTokClock() *tokClock {
	return &tokClock{t: time.Date(2025, 7, 1, 8, 30, 0, 0, time.UTC)}
}

func (c *tokClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *tokClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// tokEndpoint is a token endpoint that rotates like Zalo's: every refresh
// token it issued (and the seed) works once.
type tokEndpoint struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	live      map[string]bool // refresh tokens not yet spent
	issued    int
	used      []string // refresh tokens presented, in order
	expiresIn string   // the expires_in JSON value; default "\"90000\""
	delay     time.Duration
	respond   func(w http.ResponseWriter) bool // when set and it returns true, it answered instead
}

func newTokEndpoint(t *testing.T, live ...string) *tokEndpoint {
	e := &tokEndpoint{t: t, live: map[string]bool{}, expiresIn: `"90000"`}
	for _, r := range live {
		e.live[r] = true
	}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *tokEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	t := e.t
	if r.Method != http.MethodPost || r.URL.Path != "/v4/oa/access_token" {
		t.Errorf("token endpoint got %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("secret_key"); got != tokAppSecret {
		t.Errorf("secret_key header = %q", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", got)
	}
	if err := r.ParseForm(); err != nil {
		t.Errorf("form: %v", err)
	}
	if r.PostForm.Get("app_id") != tokAppID || r.PostForm.Get("grant_type") != "refresh_token" || len(r.URL.Query()) != 0 {
		t.Errorf("form = %v, query %q; want app_id and grant_type=refresh_token in the body", r.PostForm, r.URL.RawQuery)
	}
	refresh := r.PostForm.Get("refresh_token")
	e.mu.Lock()
	e.used = append(e.used, refresh)
	delay, respond := e.delay, e.respond
	e.mu.Unlock()
	time.Sleep(delay)
	if respond != nil && respond(w) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.live[refresh] {
		// Zalo's description may quote the token: it must not reach logs.
		fmt.Fprintf(w, `{"error":-14014,"error_name":"Invalid refresh token","error_description":"refresh token %s is invalid or was used"}`, refresh)
		return
	}
	delete(e.live, refresh)
	e.issued++
	n := e.issued
	e.live[fmt.Sprintf("ref-SECRET-%d", n)] = true
	fmt.Fprintf(w, `{"access_token":"acc-SECRET-%d","refresh_token":"ref-SECRET-%d","expires_in":%s}`, n, n, e.expiresIn)
}

// calls returns how many refreshes were asked for.
func (e *tokEndpoint) calls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.used)
}

func (e *tokEndpoint) presented() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.used...)
}

func (e *tokEndpoint) set(f func(e *tokEndpoint)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(e)
}

// tokMemStore is an in-memory TokenStore; hooks let a test interleave.
type tokMemStore struct {
	mu      sync.Mutex
	p       zalo.TokenPair
	ok      bool
	loads   int
	saves   int
	saveErr error
	onSave  func(p zalo.TokenPair) // runs before the save, outside the lock
}

func (s *tokMemStore) LoadTokens(ctx context.Context) (zalo.TokenPair, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads++
	return s.p, s.ok, nil
}

func (s *tokMemStore) SaveTokens(ctx context.Context, p zalo.TokenPair) error {
	s.mu.Lock()
	hook := s.onSave
	s.mu.Unlock()
	if hook != nil {
		hook(p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves++
	if s.saveErr != nil {
		return s.saveErr
	}
	s.p, s.ok = p, true
	return nil
}

func (s *tokMemStore) get() (zalo.TokenPair, bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p, s.ok, s.saves
}

// tokSQLStore adapts storage/sqlite.ZaloTokens, as cmd/ocopbot does.
type tokSQLStore struct {
	z   *sqlite.ZaloTokens
	key string
}

func (s tokSQLStore) LoadTokens(ctx context.Context) (zalo.TokenPair, bool, error) {
	p, ok, err := s.z.Load(ctx, s.key)
	return zalo.TokenPair(p), ok, err
}

func (s tokSQLStore) SaveTokens(ctx context.Context, p zalo.TokenPair) error {
	return s.z.Save(ctx, s.key, sqlite.ZaloTokenPair(p))
}

// tokHookStore runs after(n) after the n-th load (from 1) returned.
type tokHookStore struct {
	zalo.TokenStore
	mu    sync.Mutex
	n     int
	after func(n int)
}

func (s *tokHookStore) LoadTokens(ctx context.Context) (zalo.TokenPair, bool, error) {
	p, ok, err := s.TokenStore.LoadTokens(ctx)
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	if s.after != nil {
		s.after(n)
	}
	return p, ok, err
}

func (s *tokHookStore) loads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// tokProcess is one process's database handle on a shared file.
type tokProcess struct {
	store  tokSQLStore
	leases *sqlite.Leases
}

func openTokProcess(t *testing.T, path string, c *tokClock) tokProcess {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path, c.Now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return tokProcess{store: tokSQLStore{z: sqlite.NewZaloTokens(db), key: tokAppID}, leases: sqlite.NewLeases(db)}
}

// tokLog collects log records; the test fails if a secret reaches them.
type tokLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *tokLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *tokLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// tokFailures records OnFailure calls.
type tokFailures struct {
	mu   sync.Mutex
	errs []error
}

func (f *tokFailures) add(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, err)
}

func (f *tokFailures) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.errs)
}

// newTestTokens fills the test defaults into cfg (endpoint, app, clock,
// log, OnFailure recorder) and checks at the end that no secret reached
// the log, the failures or Health.
func newTestTokens(t *testing.T, e *tokEndpoint, c *tokClock, cfg zalo.TokenConfig) (*zalo.Tokens, *tokLog, *tokFailures) {
	t.Helper()
	log, fails := &tokLog{}, &tokFailures{}
	cfg.AppID, cfg.AppSecret, cfg.OAuthURL = tokAppID, tokAppSecret, e.srv.URL
	cfg.HTTP = e.srv.Client()
	cfg.Now = c.Now
	cfg.Log = slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.OnFailure = fails.add
	tk := zalo.NewTokens(cfg)
	t.Cleanup(func() {
		tokCheckNoSecrets(t, "log", log.String())
		for _, err := range fails.errs {
			tokCheckNoSecrets(t, "OnFailure error", err.Error())
		}
		if err := tk.Health(); err != nil {
			tokCheckNoSecrets(t, "Health", err.Error())
		}
	})
	return tk, log, fails
}

func tokCheckNoSecrets(t *testing.T, where, s string) {
	t.Helper()
	if strings.Contains(s, "SECRET") {
		t.Errorf("a secret leaked into the %s:\n%s", where, s)
	}
}

func tokAccess(t *testing.T, tk *zalo.Tokens) string {
	t.Helper()
	tok, err := tk.Access(t.Context())
	if err != nil {
		t.Fatalf("Access: %v", err)
	}
	return tok
}

// An expired pair in the store, whose refresh token the endpoint accepts.
func tokExpiredPair(c *tokClock) zalo.TokenPair {
	return zalo.TokenPair{Access: "acc-SECRET-0", Refresh: "ref-SECRET-0",
		AccessExpires: c.Now().Add(-time.Hour), RefreshIssued: c.Now().Add(-26 * time.Hour)}
}

func TestTokensSeedAndRequest(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, tokSeed)
	store := &tokMemStore{}
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: store})

	if err := tk.Health(); err != nil {
		t.Fatalf("Health before any use = %v", err)
	}
	if got := tokAccess(t, tk); got != "acc-SECRET-1" {
		t.Fatalf("Access = %q, want acc-SECRET-1", got)
	}
	if got := e.presented(); len(got) != 1 || got[0] != tokSeed {
		t.Fatalf("refresh tokens presented = %q, want the seed once", got)
	}
	p, ok, saves := store.get()
	want := zalo.TokenPair{Access: "acc-SECRET-1", Refresh: "ref-SECRET-1",
		AccessExpires: c.Now().Add(90000 * time.Second), RefreshIssued: c.Now(), Seed: zalo.SeedFingerprint(tokSeed)}
	if !ok || saves != 1 || p != want {
		t.Fatalf("stored %v (refresh %v), %v after %d saves; want %v", p, p.Refresh == want.Refresh, ok, saves, want)
	}
	// The token is kept: no second refresh.
	if got := tokAccess(t, tk); got != "acc-SECRET-1" || e.calls() != 1 {
		t.Fatalf("second Access = %q after %d calls; want the same token, 1 call", got, e.calls())
	}
	if err := tk.Health(); err != nil {
		t.Errorf("Health = %v", err)
	}
}

func TestTokensExpiresIn(t *testing.T) {
	for name, tc := range map[string]struct {
		json string
		want time.Duration
	}{
		"string":  {`"90000"`, 90000 * time.Second},
		"number":  {`90000`, 90000 * time.Second},
		"short":   {`"3600"`, time.Hour},
		"missing": {`null`, 25 * time.Hour}, // the pair is kept all the same: the old refresh token is spent
		"empty":   {`""`, 25 * time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			c := newTokClock()
			e := newTokEndpoint(t, tokSeed)
			e.expiresIn = tc.json
			store := &tokMemStore{}
			tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: store})
			tokAccess(t, tk)
			if p, _, _ := store.get(); !p.AccessExpires.Equal(c.Now().Add(tc.want)) {
				t.Errorf("expires %v, want %v", p.AccessExpires, c.Now().Add(tc.want))
			}
		})
	}
}

// The access token is renewed 5 h before its expiry by default: at 20 h of 25 h.
func TestTokensRefreshAhead(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, tokSeed)
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: &tokMemStore{}})
	tokAccess(t, tk)
	c.Advance(20*time.Hour - time.Minute)
	if got := tokAccess(t, tk); got != "acc-SECRET-1" || e.calls() != 1 {
		t.Fatalf("at 19h59 Access = %q after %d calls; want acc-SECRET-1 without a refresh", got, e.calls())
	}
	c.Advance(2 * time.Minute)
	if got := tokAccess(t, tk); got != "acc-SECRET-2" || e.calls() != 2 {
		t.Fatalf("at 20h01 Access = %q after %d calls; want acc-SECRET-2 after a refresh", got, e.calls())
	}
}

// A lifetime shorter than RefreshBefore does not make every Access refresh.
func TestTokensShortLifetime(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, tokSeed)
	e.expiresIn = `"3600"`
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: &tokMemStore{}})
	tokAccess(t, tk)
	if got := tokAccess(t, tk); got != "acc-SECRET-1" || e.calls() != 1 {
		t.Fatalf("Access = %q after %d calls; want acc-SECRET-1, 1 call", got, e.calls())
	}
	c.Advance(50 * time.Minute) // a fifth of the hour is left: due
	if got := tokAccess(t, tk); got != "acc-SECRET-2" || e.calls() != 2 {
		t.Fatalf("after 50 min Access = %q after %d calls; want acc-SECRET-2", got, e.calls())
	}
}

func TestTokensRefreshFailures(t *testing.T) {
	for name, tc := range map[string]struct {
		status      int
		body        string
		code        int // the RefreshError's code; -1: no RefreshError expected
		reauthorize bool
	}{
		"refused":          {200, `{"error":-14014,"error_name":"Invalid refresh token","error_description":"ref-SECRET-seed is used"}`, -14014, true},
		"refused string":   {200, `{"error":"-118","error_name":"","error_description":"app-SECRET-key mismatch"}`, -118, true},
		"rate limited":     {200, `{"error":-32,"error_name":"","error_description":"limit"}`, -32, false},
		"server error":     {502, `<html>bad gateway</html>`, 0, false},
		"error with 400":   {400, `{"error":-14002,"error_description":"bad request"}`, -14002, true},
		"bad JSON":         {200, `{"access_token":"acc-SECRET-9","refresh_token":`, -1, false},
		"wrong types":      {200, `{"access_token":9,"refresh_token":"ref-SECRET-9","expires_in":"90000"}`, -1, false},
		"no refresh token": {200, `{"access_token":"acc-SECRET-9","expires_in":"90000"}`, -1, false},
		"empty":            {200, ``, -1, false},
	} {
		t.Run(name, func(t *testing.T) {
			c := newTokClock()
			e := newTokEndpoint(t, tokSeed)
			e.respond = func(w http.ResponseWriter) bool {
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
				return true
			}
			store := &tokMemStore{}
			tk, _, fails := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: store})
			tok, err := tk.Access(t.Context())
			if err == nil || tok != "" {
				t.Fatalf("Access = %q, %v; want an error", tok, err)
			}
			tokCheckNoSecrets(t, "Access error", err.Error())
			if herr := tk.Health(); herr == nil {
				t.Error("Health = nil after a failed refresh")
			}
			if fails.count() != 1 {
				t.Errorf("OnFailure called %d times, want 1", fails.count())
			}
			if _, ok, saves := store.get(); ok || saves != 0 {
				t.Errorf("a pair was stored (%d saves) after a failed refresh", saves)
			}
			var re *zalo.RefreshError
			switch {
			case tc.code == -1 && errors.As(err, &re):
				t.Errorf("error %v is a RefreshError", err)
			case tc.code != -1 && !errors.As(err, &re):
				t.Errorf("error %v is not a RefreshError", err)
			case tc.code != -1 && (re.Code != tc.code || re.Status != tc.status || re.Reauthorize() != tc.reauthorize):
				t.Errorf("RefreshError %+v: want code %d, status %d, Reauthorize %v", re, tc.code, tc.status, tc.reauthorize)
			}
		})
	}
}

func TestTokensNoRefreshToken(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t)
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: &tokMemStore{}})
	if _, err := tk.Access(t.Context()); !errors.Is(err, zalo.ErrNoRefreshToken) {
		t.Errorf("Access without a stored pair or a seed: %v; want ErrNoRefreshToken", err)
	}
	if e.calls() != 0 {
		t.Errorf("%d calls to the endpoint", e.calls())
	}
}

// The new pair is stored before Access hands out its access token.
func TestTokensWriteBeforeUse(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, tokSeed)
	saving, release := make(chan struct{}), make(chan struct{})
	store := &tokMemStore{onSave: func(zalo.TokenPair) {
		close(saving)
		<-release
	}}
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: store})
	got := make(chan string, 1)
	go func() {
		tok, _ := tk.Access(context.Background())
		got <- tok
	}()
	<-saving
	select {
	case tok := <-got:
		t.Fatalf("Access returned %q while the pair was being stored", tok)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if tok := <-got; tok != "acc-SECRET-1" {
		t.Fatalf("Access = %q", tok)
	}
	if p, ok, _ := store.get(); !ok || p.Access != "acc-SECRET-1" {
		t.Fatalf("stored %v, %v", p, ok)
	}
}

// When the new pair cannot be stored its access token is not used, and
// the failure is loud.
func TestTokensSaveFails(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, "ref-SECRET-0")
	store := &tokMemStore{p: tokExpiredPair(c), ok: true, saveErr: errors.New("disk I/O error")}
	tk, log, fails := newTestTokens(t, e, c, zalo.TokenConfig{Store: store})

	tok, err := tk.Access(t.Context())
	if err == nil || tok != "" {
		t.Fatalf("Access = %q, %v; want no token and an error", tok, err)
	}
	if !strings.Contains(err.Error(), "disk I/O error") {
		t.Errorf("error %q does not say why", err)
	}
	if tk.Health() == nil || fails.count() != 1 {
		t.Errorf("Health = %v, OnFailure called %d times; want the error, once", tk.Health(), fails.count())
	}
	if !strings.Contains(log.String(), `"level":"ERROR"`) {
		t.Errorf("no error logged:\n%s", log)
	}
	if p, _, _ := store.get(); p.Access != "acc-SECRET-0" {
		t.Errorf("stored pair changed: %v", p)
	}
	// Invalid does not hand out the unsaved token either.
	if tok, err := tk.Invalid(t.Context(), "acc-SECRET-0"); err == nil || tok != "" {
		t.Errorf("Invalid = %q, %v; want no token and an error", tok, err)
	}
}

// A crash between receiving the new pair and storing it: the restarted
// process holds the spent refresh token, the endpoint refuses it, and the
// failure is reported (Health, OnFailure once) without a panic or a loop.
func TestTokensCrashBeforeSave(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, "ref-SECRET-0")
	disk := &tokMemStore{p: tokExpiredPair(c), ok: true}

	// The first process gets the new pair and dies before storing it.
	crashing := &tokMemStore{p: tokExpiredPair(c), ok: true, saveErr: errors.New("killed")}
	first, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: crashing, Holder: "pid-1"})
	if _, err := first.Access(t.Context()); err == nil {
		t.Fatal("Access succeeded without storing the pair")
	}
	if e.calls() != 1 {
		t.Fatalf("%d calls, want 1", e.calls())
	}

	// The restarted process.
	second, _, fails := newTestTokens(t, e, c, zalo.TokenConfig{Store: disk, Holder: "pid-2", Seed: tokSeed})
	for i := range 5 {
		tok, err := second.Access(t.Context())
		var re *zalo.RefreshError
		if tok != "" || !errors.As(err, &re) || !re.Reauthorize() {
			t.Fatalf("Access %d after the crash = %q, %v; want a RefreshError asking to re-authorize", i, tok, err)
		}
	}
	if e.calls() != 2 {
		t.Errorf("%d calls to the endpoint after 5 Access; want 1 more (no retry loop)", e.calls()-1)
	}
	if got := e.presented(); got[1] != "ref-SECRET-0" {
		t.Errorf("the restarted process presented %q; want the stored (spent) token, not the seed", got[1])
	}
	var re *zalo.RefreshError
	if err := second.Health(); !errors.As(err, &re) {
		t.Errorf("Health = %v; want the refusal", err)
	}
	if fails.count() != 1 {
		t.Errorf("OnFailure called %d times, want 1", fails.count())
	}
	// Later attempts (after the back-off) are the same streak: no new alert.
	c.Advance(time.Minute)
	if _, err := second.Access(t.Context()); err == nil {
		t.Error("Access succeeded")
	}
	if e.calls() != 3 || fails.count() != 1 {
		t.Errorf("after the back-off: %d calls, %d alerts; want 3 calls, 1 alert", e.calls(), fails.count())
	}
}

// A refresh that fails while the access token still works: the token is
// still handed out, the failure is reported once per streak, and a later
// success clears it.
func TestTokensFailureStreak(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t) // refuses everything at first
	pair := zalo.TokenPair{Access: "acc-SECRET-0", Refresh: "ref-SECRET-0",
		AccessExpires: c.Now().Add(4 * time.Hour), RefreshIssued: c.Now().Add(-21 * time.Hour)}
	store := &tokMemStore{p: pair, ok: true}
	tk, _, fails := newTestTokens(t, e, c, zalo.TokenConfig{Store: store})

	if got := tokAccess(t, tk); got != "acc-SECRET-0" {
		t.Fatalf("Access = %q; want the token that still works", got)
	}
	if tk.Health() == nil || fails.count() != 1 || e.calls() != 1 {
		t.Fatalf("Health %v, %d alerts, %d calls; want an error, 1, 1", tk.Health(), fails.count(), e.calls())
	}
	if got := tokAccess(t, tk); got != "acc-SECRET-0" || e.calls() != 1 {
		t.Fatalf("Access during the back-off = %q after %d calls; want no new call", got, e.calls())
	}
	c.Advance(20 * time.Second)
	tokAccess(t, tk)
	if e.calls() != 2 || fails.count() != 1 {
		t.Fatalf("second failure: %d calls, %d alerts; want 2, 1", e.calls(), fails.count())
	}

	e.set(func(e *tokEndpoint) { e.live["ref-SECRET-0"] = true })
	c.Advance(time.Minute)
	if got := tokAccess(t, tk); got != "acc-SECRET-1" {
		t.Fatalf("Access after the endpoint recovered = %q", got)
	}
	if err := tk.Health(); err != nil {
		t.Fatalf("Health after a success = %v", err)
	}

	e.set(func(e *tokEndpoint) { e.live = map[string]bool{} })
	c.Advance(21 * time.Hour)
	if got := tokAccess(t, tk); got != "acc-SECRET-1" {
		t.Fatalf("Access = %q; want the token that still works", got)
	}
	if fails.count() != 2 {
		t.Errorf("a new streak: %d alerts, want 2", fails.count())
	}
}

// Ten goroutines asking at once with an expired token: one refresh.
func TestTokensSingleFlight(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, "ref-SECRET-0")
	e.delay = 50 * time.Millisecond
	store := &tokMemStore{p: tokExpiredPair(c), ok: true}
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: store})

	toks := tokConcurrently(t, 10, func(int) (string, error) { return tk.Access(t.Context()) })
	for i, tok := range toks {
		if tok != "acc-SECRET-1" {
			t.Errorf("goroutine %d got %q", i, tok)
		}
	}
	if _, _, saves := store.get(); e.calls() != 1 || saves != 1 {
		t.Errorf("%d refreshes, %d saves; want 1, 1", e.calls(), saves)
	}
}

// tokConcurrently runs n calls at once and returns their tokens.
func tokConcurrently(t *testing.T, n int, call func(i int) (string, error)) []string {
	t.Helper()
	toks, errs := make([]string, n), make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			toks[i], errs[i] = call(i)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	return toks
}

// Two processes share one SQLite file (store and lease): one refresh.
func TestTokensTwoProcessesOneRefresh(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, "ref-SECRET-0")
	e.delay = 100 * time.Millisecond
	path := filepath.Join(t.TempDir(), "ocop.db")
	a, b := openTokProcess(t, path, c), openTokProcess(t, path, c)
	if err := a.store.SaveTokens(t.Context(), tokExpiredPair(c)); err != nil {
		t.Fatal(err)
	}
	ta, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: a.store, Lease: a.leases, Holder: "pid-1"})
	tb, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: b.store, Lease: b.leases, Holder: "pid-2"})

	toks := tokConcurrently(t, 10, func(i int) (string, error) {
		if i%2 == 0 {
			return ta.Access(t.Context())
		}
		return tb.Access(t.Context())
	})
	for i, tok := range toks {
		if tok != "acc-SECRET-1" {
			t.Errorf("caller %d got %q", i, tok)
		}
	}
	if e.calls() != 1 {
		t.Errorf("%d refreshes, want 1 (presented %q)", e.calls(), e.presented())
	}
	if p, ok, err := b.store.LoadTokens(t.Context()); err != nil || !ok || p.Refresh != "ref-SECRET-1" {
		t.Errorf("stored %v, %v, %v; want the new pair", p, ok, err)
	}
	if ta.Health() != nil || tb.Health() != nil {
		t.Errorf("Health = %v, %v", ta.Health(), tb.Health())
	}
}

// After taking the lease a process reads the store again: another process
// may have refreshed between its first read and the lease.
func TestTokensReadAgainUnderLease(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, "ref-SECRET-0")
	path := filepath.Join(t.TempDir(), "ocop.db")
	a, b := openTokProcess(t, path, c), openTokProcess(t, path, c)
	if err := a.store.SaveTokens(t.Context(), tokExpiredPair(c)); err != nil {
		t.Fatal(err)
	}
	ta, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: a.store, Lease: a.leases, Holder: "pid-1"})
	// b's first read sees the expired pair; a refreshes right after it,
	// before b asks for the lease.
	hooked := &tokHookStore{TokenStore: b.store, after: func(n int) {
		if n == 1 {
			if _, err := ta.Access(context.Background()); err != nil {
				t.Errorf("a's Access: %v", err)
			}
		}
	}}
	tb, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: hooked, Lease: b.leases, Holder: "pid-2"})
	if got := tokAccess(t, tb); got != "acc-SECRET-1" {
		t.Errorf("b's Access = %q, want a's new token", got)
	}
	if e.calls() != 1 {
		t.Errorf("%d refreshes, want 1 (presented %q)", e.calls(), e.presented())
	}
}

// A process that finds the lease taken waits and reads the store until the
// other process's new pair is there, instead of spending the refresh
// token again.
func TestTokensWaitForOtherProcess(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, "ref-SECRET-0")
	path := filepath.Join(t.TempDir(), "ocop.db")
	other, p := openTokProcess(t, path, c), openTokProcess(t, path, c)
	ctx := t.Context()
	if err := other.store.SaveTokens(ctx, tokExpiredPair(c)); err != nil {
		t.Fatal(err)
	}
	if ok, err := other.leases.Acquire(ctx, zalo.TokenLeaseName, "pid-other", 30*time.Second); err != nil || !ok {
		t.Fatalf("Acquire = %v, %v", ok, err)
	}
	hooked := &tokHookStore{TokenStore: p.store}
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: hooked, Lease: p.leases, Holder: "pid-1"})
	got := make(chan string, 1)
	go func() {
		tok, err := tk.Access(ctx)
		if err != nil {
			t.Errorf("Access: %v", err)
		}
		got <- tok
	}()
	for hooked.loads() < 3 { // waiting under the other's lease
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case tok := <-got:
		t.Fatalf("Access returned %q while the other process held the lease", tok)
	default:
	}
	// The other process stores its new pair (and still holds the lease).
	newPair := zalo.TokenPair{Access: "acc-SECRET-other", Refresh: "ref-SECRET-other",
		AccessExpires: c.Now().Add(25 * time.Hour), RefreshIssued: c.Now()}
	if err := other.store.SaveTokens(ctx, newPair); err != nil {
		t.Fatal(err)
	}
	select {
	case tok := <-got:
		if tok != "acc-SECRET-other" {
			t.Errorf("Access = %q, want the other process's token", tok)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Access did not return after the other process stored its pair")
	}
	if e.calls() != 0 {
		t.Errorf("%d refreshes, want none", e.calls())
	}
}

// The seed is used only while the store is empty: a restart with the same
// environment does not present the spent seed.
func TestTokensSeedOnlyOnce(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, tokSeed)
	path := filepath.Join(t.TempDir(), "ocop.db")
	first := openTokProcess(t, path, c)
	t1, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: first.store, Lease: first.leases, Holder: "pid-1"})
	if got := tokAccess(t, t1); got != "acc-SECRET-1" {
		t.Fatalf("Access = %q", got)
	}

	// A restart 21 hours later, with the same ZALO_REFRESH_TOKEN.
	c.Advance(21 * time.Hour)
	again := openTokProcess(t, path, c)
	t2, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: again.store, Lease: again.leases, Holder: "pid-2"})
	if got := tokAccess(t, t2); got != "acc-SECRET-2" {
		t.Fatalf("Access after the restart = %q, want acc-SECRET-2", got)
	}
	if got := e.presented(); len(got) != 2 || got[0] != tokSeed || got[1] != "ref-SECRET-1" {
		t.Errorf("refresh tokens presented: %q; want the seed, then the stored token", got)
	}
}

// After a failure an admin grants access again and restarts with a new
// ZALO_REFRESH_TOKEN: the new seed is used (the stored chain is broken),
// once; a later restart with it goes on with the stored chain.
func TestTokensNewSeedAfterRegrant(t *testing.T) {
	c := newTokClock()
	const newSeed = "ref-SECRET-regrant"
	e := newTokEndpoint(t, tokSeed)
	path := filepath.Join(t.TempDir(), "ocop.db")
	first := openTokProcess(t, path, c)
	t1, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: first.store, Lease: first.leases, Holder: "pid-1"})
	tokAccess(t, t1)
	// The chain breaks (the refresh token is revoked at Zalo), the token expires.
	e.set(func(e *tokEndpoint) { e.live = map[string]bool{newSeed: true} })
	c.Advance(26 * time.Hour)
	again := openTokProcess(t, path, c)
	t2, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: newSeed, Store: again.store, Lease: again.leases, Holder: "pid-2"})
	got := tokAccess(t, t2)
	if p := e.presented(); len(p) != 2 || p[1] != newSeed {
		t.Fatalf("refresh tokens presented: %q; want the new seed second", p)
	}
	c.Advance(21 * time.Hour)
	third := openTokProcess(t, path, c)
	t3, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: newSeed, Store: third.store, Lease: third.leases, Holder: "pid-3"})
	if next := tokAccess(t, t3); next == got {
		t.Fatal("no refresh 21 hours later")
	}
	if p := e.presented(); len(p) != 3 || p[2] == newSeed {
		t.Fatalf("refresh tokens presented: %q; the spent seed was sent again", p)
	}
	if stored, ok, _ := third.store.LoadTokens(t.Context()); !ok || stored.Seed != zalo.SeedFingerprint(newSeed) || strings.Contains(stored.Seed, "SECRET") {
		t.Fatalf("stored lineage %q", stored.Seed)
	}
}

// A restart with a pair stored that is still good uses it without a refresh.
func TestTokensStoredPairUsed(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t)
	store := &tokMemStore{ok: true, p: zalo.TokenPair{Access: "acc-SECRET-0", Refresh: "ref-SECRET-0",
		AccessExpires: c.Now().Add(10 * time.Hour), RefreshIssued: c.Now().Add(-15 * time.Hour)}}
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: store})
	if got := tokAccess(t, tk); got != "acc-SECRET-0" || e.calls() != 0 {
		t.Errorf("Access = %q after %d calls; want the stored token, no call", got, e.calls())
	}
}

func TestTokensInvalid(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, tokSeed)
	e.delay = 20 * time.Millisecond
	store := &tokMemStore{}
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Seed: tokSeed, Store: store})
	tokAccess(t, tk)

	// A token already replaced: the current one, no refresh.
	if got, err := tk.Invalid(t.Context(), "acc-SECRET-old"); err != nil || got != "acc-SECRET-1" || e.calls() != 1 {
		t.Fatalf("Invalid(old) = %q, %v after %d calls; want acc-SECRET-1 without a refresh", got, err, e.calls())
	}
	// The current token refused, by five senders at once: one refresh.
	toks := tokConcurrently(t, 5, func(int) (string, error) { return tk.Invalid(t.Context(), "acc-SECRET-1") })
	for i, tok := range toks {
		if tok != "acc-SECRET-2" {
			t.Errorf("Invalid %d = %q, want acc-SECRET-2", i, tok)
		}
	}
	if e.calls() != 2 {
		t.Errorf("%d calls; want 2 (one refresh for the five)", e.calls())
	}
	if p, _, _ := store.get(); p.Access != "acc-SECRET-2" {
		t.Errorf("stored %v", p)
	}
	// A late sender with the refused token: the new one, no refresh.
	if got, err := tk.Invalid(t.Context(), "acc-SECRET-1"); err != nil || got != "acc-SECRET-2" || e.calls() != 2 {
		t.Errorf("late Invalid = %q, %v after %d calls", got, err, e.calls())
	}
	if got := tokAccess(t, tk); got != "acc-SECRET-2" {
		t.Errorf("Access = %q", got)
	}
}

// Invalid when the refresh fails: the refused token is not handed out again.
func TestTokensInvalidRefreshFails(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t)
	store := &tokMemStore{ok: true, p: zalo.TokenPair{Access: "acc-SECRET-0", Refresh: "ref-SECRET-0",
		AccessExpires: c.Now().Add(20 * time.Hour), RefreshIssued: c.Now().Add(-5 * time.Hour)}}
	tk, _, fails := newTestTokens(t, e, c, zalo.TokenConfig{Store: store})
	tokAccess(t, tk)
	if tok, err := tk.Invalid(t.Context(), "acc-SECRET-0"); err == nil || tok != "" {
		t.Fatalf("Invalid = %q, %v; want an error", tok, err)
	}
	if tok, err := tk.Access(t.Context()); err == nil || tok != "" {
		t.Errorf("Access after the refusal = %q, %v; want an error, not the refused token", tok, err)
	}
	if e.calls() != 1 || fails.count() != 1 {
		t.Errorf("%d calls, %d alerts; want 1, 1", e.calls(), fails.count())
	}
}

func TestTokensRun(t *testing.T) {
	c := newTokClock()
	e := newTokEndpoint(t, "ref-SECRET-0")
	store := &tokMemStore{ok: true, p: zalo.TokenPair{Access: "acc-SECRET-0", Refresh: "ref-SECRET-0",
		AccessExpires: c.Now().Add(4 * time.Hour), RefreshIssued: c.Now().Add(-21 * time.Hour)}}
	tk, _, _ := newTestTokens(t, e, c, zalo.TokenConfig{Store: store})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		tk.Run(ctx)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p, _, _ := store.get(); p.Access == "acc-SECRET-1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not refresh the token due for renewal")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if got := tokAccess(t, tk); got != "acc-SECRET-1" || e.calls() != 1 {
		t.Errorf("Access = %q after %d calls", got, e.calls())
	}
}

// A pair printed or logged by mistake shows no token.
func TestTokenPairHidesTokens(t *testing.T) {
	p := zalo.TokenPair{Access: "acc-SECRET-1", Refresh: "ref-SECRET-1", AccessExpires: time.Unix(0, 0)}
	var log bytes.Buffer
	slog.New(slog.NewTextHandler(&log, nil)).Info("pair", "p", p)
	slog.New(slog.NewJSONHandler(&log, nil)).Info("pair", "p", p)
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%+v %#v %s", p, p, p), log.String(), strconv.Quote(fmt.Sprint(&p))} {
		tokCheckNoSecrets(t, "printed pair", s)
	}
}
