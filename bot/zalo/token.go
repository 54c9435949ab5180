package zalo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// TokenPair is an OA access token and the refresh token that renews it.
// The refresh token is single-use: every refresh spends it and returns a
// new pair. String and LogValue hide both tokens.
type TokenPair struct {
	Access, Refresh string
	AccessExpires   time.Time // when the access token stops working
	RefreshIssued   time.Time // when the pair was issued (the refresh token lasts three months)
	// Seed is the fingerprint (SeedFingerprint) of the ZALO_REFRESH_TOKEN
	// the pair descends from: when another one is configured, an admin
	// granted access again and the new seed is used. "" when unknown.
	Seed string
}

// SeedFingerprint identifies a seed without keeping it.
func SeedFingerprint(seed string) string {
	if seed == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:8])
}

// String shows the expiry only, so that a pair printed by mistake shows no secret.
func (p TokenPair) String() string {
	return "zalo.TokenPair{access expires " + p.AccessExpires.Format(time.RFC3339) + "}"
}

// GoString is String, for %#v.
func (p TokenPair) GoString() string { return p.String() }

// LogValue shows the times only.
func (p TokenPair) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("access_expires", p.AccessExpires), slog.Time("refresh_issued", p.RefreshIssued))
}

// TokenStore persists the pair (storage/sqlite.ZaloTokens through an adapter).
type TokenStore interface {
	LoadTokens(ctx context.Context) (TokenPair, bool, error)
	SaveTokens(ctx context.Context, p TokenPair) error
}

// Lease is a named, expiring lock shared by processes (bot.Lease,
// storage/sqlite.Leases): Acquire succeeds when the lease is free,
// expired or already held by holder.
type Lease interface {
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, name, holder string) error
}

// TokenLeaseName is the lease held while refreshing the tokens.
const TokenLeaseName = "zalo-token"

// DefaultOAuthURL is Zalo's OAuth server.
const DefaultOAuthURL = "https://oauth.zaloapp.com"

// ErrNoRefreshToken is returned when the store holds no pair and no seed
// is configured.
var ErrNoRefreshToken = errors.New("no Zalo refresh token: set ZALO_REFRESH_TOKEN (issued by the API Explorer) to seed the token store")

// TokenConfig configures Tokens. Zero values get the defaults noted.
type TokenConfig struct {
	AppID     string
	AppSecret string // sent as the secret_key header
	OAuthURL  string // DefaultOAuthURL or a fake; the endpoint is OAuthURL+"/v4/oa/access_token"
	// Seed is ZALO_REFRESH_TOKEN: used while the store holds no pair, or
	// holds one that descends from another seed (an admin granted access
	// again and gave the new refresh token). A seed once used is spent and
	// never sent again.
	Seed  string
	Store TokenStore // required
	Lease Lease      // nil: this process is the only one using the store
	// Holder names this process in the lease; unique per process
	// (default: pid and start time).
	Holder string
	HTTP   *http.Client     // default: a client with a 30 s timeout
	Now    func() time.Time // default: time.Now
	Log    *slog.Logger     // default: discard
	// RefreshBefore is how long before its expiry the access token is
	// renewed (default 5 h: at 20 h of 25 h). For a token issued for less
	// than twice that, a fifth of its life is used instead, so that a short
	// lifetime does not make every call refresh.
	RefreshBefore time.Duration
	// OnFailure is called with the error when a refresh fails, once per
	// streak of failures (again only after a success): the app tells the
	// admins. It runs before the callers waiting for that refresh get the
	// error; it may call Access, Invalid and Health, which do not wait for
	// a refresh then, and should not block for long.
	OnFailure func(err error)
}

const (
	leaseTTL       = 30 * time.Second       // longer than a refresh takes: callTimeout + the save
	leasePoll      = 200 * time.Millisecond // reading the store while another process refreshes
	leaseWait      = 40 * time.Second       // longer than leaseTTL: a dead holder's lease runs out
	callTimeout    = 15 * time.Second
	flightTimeout  = leaseWait + callTimeout + 5*time.Second
	saveAttempts   = 3
	savePause      = 200 * time.Millisecond
	saveTimeout    = 8 * time.Second
	expirySlack    = time.Minute // a token this close to expiry is not handed out
	firstBackoff   = 15 * time.Second
	maxBackoff     = 15 * time.Minute
	checkEvery     = time.Minute
	defaultLife    = 90000 * time.Second // 25 h, when the answer has no expires_in
	maxAnswerBytes = 64 << 10
)

// Tokens hands out the OA access token and renews it. The refresh token
// is single-use, so a renewal writes the new pair to the store before the
// new access token is used, and one renewal runs at a time: in this
// process (one flight that every caller waits for) and across processes
// (the TokenLeaseName lease; the store is read again once it is held).
type Tokens struct {
	cfg TokenConfig

	mu      sync.Mutex
	cur     TokenPair // the newest pair known; Access "" before the first load
	refused string    // an access token the API refused (Invalid): never handed out again
	flight  *flight   // the renewal running, if any
	err     error     // the last failure; nil after a success
	fails   int       // failures in a row
	retryAt time.Time // after a failure, no renewal is tried before this
}

// flight is one renewal; done is closed when it has ended and the state
// of Tokens shows its outcome.
type flight struct{ done chan struct{} }

// NewTokens returns a token source; nothing is read or sent before the
// first Access, Invalid or Run.
func NewTokens(cfg TokenConfig) *Tokens {
	if cfg.OAuthURL == "" {
		cfg.OAuthURL = DefaultOAuthURL
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.RefreshBefore <= 0 {
		cfg.RefreshBefore = 5 * time.Hour
	}
	if cfg.Holder == "" {
		cfg.Holder = fmt.Sprintf("zalo-%d-%d", os.Getpid(), time.Now().UnixNano())
	}
	return &Tokens{cfg: cfg}
}

// Access returns a usable access token, refreshing first when there is none
// or it is about to expire. When the renewal fails but the token in hand
// still works, that token is returned (Health reports the failure).
func (t *Tokens) Access(ctx context.Context) (string, error) {
	return t.await(ctx, "zalo.Tokens.Access", func(now time.Time) bool { return t.fresh(t.cur, now) })
}

// Invalid is called after the API refused token used (-216, -220): it
// renews once, unless another caller already replaced used, and returns
// the new token. used is never handed out again.
func (t *Tokens) Invalid(ctx context.Context, used string) (string, error) {
	return t.await(ctx, "zalo.Tokens.Invalid", func(now time.Time) bool {
		if used != "" && (used == t.cur.Access || t.cur.Access == "") {
			t.refused = used
		}
		return t.valid(t.cur, now)
	})
}

// await returns the current token once good (called with t.mu held) says
// it will do, joining or starting one renewal at most; after a failed or
// backed-off renewal it falls back to the token in hand, if it works.
func (t *Tokens) await(ctx context.Context, op string, good func(now time.Time) bool) (string, error) {
	started := false
	for {
		t.mu.Lock()
		now := t.cfg.Now()
		if good(now) {
			tok := t.cur.Access
			t.mu.Unlock()
			return tok, nil
		}
		f := t.flight
		if f == nil {
			if started || now.Before(t.retryAt) {
				tok, err := t.fallback(op, now)
				t.mu.Unlock()
				return tok, err
			}
			f, started = t.start(), true
		}
		t.mu.Unlock()
		if err := f.wait(ctx); err != nil {
			return "", domain.E(op, domain.KindUnavailable, err)
		}
	}
}

// Health returns nil while the tokens work, or the error of the last
// renewal when it failed (for /healthz "zalo: down").
func (t *Tokens) Health() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Run renews the token ahead of its expiry until ctx ends, checking every
// minute (in memory: the store is read only when a renewal is due). On
// return no renewal of this process is running, so that a rotated pair is
// never lost to a clean stop.
func (t *Tokens) Run(ctx context.Context) {
	tick := time.NewTicker(checkEvery)
	defer tick.Stop()
	for {
		t.mu.Lock()
		now := t.cfg.Now()
		f := t.flight
		if f == nil && !t.fresh(t.cur, now) && !now.Before(t.retryAt) {
			f = t.start()
		}
		t.mu.Unlock()
		if f != nil {
			_ = f.wait(ctx)
		}
		select {
		case <-ctx.Done():
			t.mu.Lock()
			f := t.flight
			t.mu.Unlock()
			if f != nil {
				<-f.done // bounded by flightTimeout and the save's timeout
			}
			return
		case <-tick.C:
		}
	}
}

// valid reports whether p's access token may be handed out: it works for
// a while yet and the API did not refuse it. t.mu is held.
func (t *Tokens) valid(p TokenPair, now time.Time) bool {
	return p.Access != "" && p.Access != t.refused && now.Before(p.AccessExpires.Add(-expirySlack))
}

// fresh reports whether p is valid and not yet due for renewal. t.mu is held.
func (t *Tokens) fresh(p TokenPair, now time.Time) bool {
	return t.valid(p, now) && now.Before(t.renewAt(p))
}

// good reports whether p, read from the store, can be used without a
// renewal: its access token is not bad and not due for renewal.
func (t *Tokens) good(p TokenPair, bad string) bool {
	return p.Access != "" && p.Access != bad && t.cfg.Now().Before(t.renewAt(p))
}

// renewAt is when p is due for renewal.
func (t *Tokens) renewAt(p TokenPair) time.Time {
	ahead := t.cfg.RefreshBefore
	if life := p.AccessExpires.Sub(p.RefreshIssued); life > 0 && ahead > life/2 {
		ahead = life / 5
	}
	return p.AccessExpires.Add(-ahead)
}

// fallback is the answer when no renewal is to be tried now: the token in
// hand while it works, or the last failure. t.mu is held.
func (t *Tokens) fallback(op string, now time.Time) (string, error) {
	if t.valid(t.cur, now) {
		return t.cur.Access, nil
	}
	if t.err != nil {
		return "", t.err
	}
	return "", domain.E(op, domain.KindUnavailable, errors.New("no usable Zalo access token"))
}

// start starts a renewal. t.mu is held and no flight is running.
func (t *Tokens) start() *flight {
	f := &flight{done: make(chan struct{})}
	t.flight = f
	go t.fly(f, t.refused)
	return f
}

// wait waits for the flight to end or ctx to.
func (f *flight) wait(ctx context.Context) error {
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fly runs a renewal and records its outcome.
func (t *Tokens) fly(f *flight, bad string) {
	p, ok, err := t.renew(bad)
	t.mu.Lock()
	if ok {
		t.cur = p
	}
	first := false
	if err == nil {
		if t.err != nil {
			t.cfg.Log.Info("zalo: tokens work again", "failures", t.fails)
		}
		t.err, t.fails, t.retryAt = nil, 0, time.Time{}
	} else {
		t.err = err
		t.fails++
		first = t.fails == 1
		t.retryAt = t.cfg.Now().Add(backoff(t.fails))
		t.cfg.Log.Warn("zalo: token refresh failed", "err", err, "failures", t.fails, "retry_at", t.retryAt)
	}
	t.flight = nil
	t.mu.Unlock()
	if first && t.cfg.OnFailure != nil {
		t.cfg.OnFailure(err)
	}
	close(f.done)
}

// backoff is the pause after the n-th failure in a row.
func backoff(n int) time.Duration {
	d := firstBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// renew makes the stored pair usable and returns it: the stored one when
// it is good (another process renewed it), else a new one from the token
// endpoint, stored before it is returned. bad is an access token the API
// refused. ok reports whether p is meaningful (it may be, with err: the
// stored pair when the renewal failed).
//
// It runs detached from the callers that asked: once the endpoint has
// spent the refresh token, the new pair must be stored whatever happens to
// them.
func (t *Tokens) renew(bad string) (p TokenPair, ok bool, err error) {
	const op = "zalo.Tokens.refresh"
	if t.cfg.Store == nil {
		return TokenPair{}, false, domain.E(op, domain.KindInternal, errors.New("no token store configured"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), flightTimeout)
	defer cancel()

	stored, found, err := t.load(ctx, op)
	if err != nil || (found && t.good(stored, bad)) {
		return stored, found, err
	}
	if t.cfg.Lease != nil {
		held, adopted, err := t.lease(ctx, op, bad)
		if err != nil {
			return stored, found, err
		}
		if !held {
			return adopted, true, nil
		}
		defer func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := t.cfg.Lease.Release(rctx, TokenLeaseName, t.cfg.Holder); err != nil {
				t.cfg.Log.Warn("zalo: release the token lease", "err", err)
			}
		}()
		// Another process may have renewed since the read above: read again
		// now that no other can, and never spend a refresh token twice.
		stored, found, err = t.load(ctx, op)
		if err != nil || (found && t.good(stored, bad)) {
			return stored, found, err
		}
	}

	// The seed counts while the store is empty, or when it is not the seed
	// the stored pair descends from (a new grant); otherwise it has been
	// spent and the stored refresh token renews.
	fp := SeedFingerprint(t.cfg.Seed)
	fromSeed := !found || (fp != "" && stored.Seed != "" && stored.Seed != fp)
	refresh, lineage := t.cfg.Seed, fp
	if !fromSeed {
		refresh, lineage = stored.Refresh, stored.Seed
	}
	if refresh == "" {
		return stored, found, domain.E(op, domain.KindUnavailable, ErrNoRefreshToken)
	}
	np, err := t.call(ctx, op, refresh)
	if err != nil {
		return stored, found, err
	}
	np.Seed = lineage
	// Write before use: the old refresh token is spent, the new one exists
	// only in np until it is stored.
	if err := t.save(ctx, np); err != nil {
		t.cfg.Log.Error("zalo: THE NEW TOKEN PAIR COULD NOT BE STORED; the rotated refresh token is lost and an OA admin may have to grant access again (a new ZALO_REFRESH_TOKEN from the API Explorer, then a restart)",
			"err", err, "access_expires", np.AccessExpires)
		return stored, found, domain.E(op, domain.KindInternal, fmt.Errorf("store the new token pair: %w", err))
	}
	t.cfg.Log.Info("zalo: access token refreshed", "access_expires", np.AccessExpires, "from_seed", fromSeed)
	return np, true, nil
}

func (t *Tokens) load(ctx context.Context, op string) (TokenPair, bool, error) {
	p, found, err := t.cfg.Store.LoadTokens(ctx)
	if err != nil {
		return TokenPair{}, false, domain.E(op, domain.KindUnavailable, fmt.Errorf("load the token pair: %w", err))
	}
	return p, found, nil
}

// save stores p, trying again briefly (a busy database must not cost the
// rotated refresh token).
func (t *Tokens) save(ctx context.Context, p TokenPair) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	var err error
	for i := range saveAttempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(savePause):
			}
		}
		if err = t.cfg.Store.SaveTokens(ctx, p); err == nil {
			return nil
		}
	}
	return err
}

// lease takes the renewal lease. While another process holds it, that
// process is renewing: the store is read until its new pair is there
// (held false, p that pair) or the lease is free.
func (t *Tokens) lease(ctx context.Context, op, bad string) (held bool, p TokenPair, err error) {
	giveUp := time.NewTimer(leaseWait)
	defer giveUp.Stop()
	for {
		ok, err := t.cfg.Lease.Acquire(ctx, TokenLeaseName, t.cfg.Holder, leaseTTL)
		if err != nil {
			return false, TokenPair{}, domain.E(op, domain.KindUnavailable, fmt.Errorf("take the %s lease: %w", TokenLeaseName, err))
		}
		if ok {
			return true, TokenPair{}, nil
		}
		select {
		case <-ctx.Done():
			return false, TokenPair{}, domain.E(op, domain.KindUnavailable, ctx.Err())
		case <-giveUp.C:
			return false, TokenPair{}, domain.E(op, domain.KindUnavailable,
				fmt.Errorf("another process has held the %s lease for %s without storing new tokens", TokenLeaseName, leaseWait))
		case <-time.After(leasePoll):
		}
		stored, found, err := t.load(ctx, op)
		if err != nil {
			return false, TokenPair{}, err
		}
		if found && t.good(stored, bad) {
			return false, stored, nil
		}
	}
}

// RefreshError is the token endpoint's refusal of a renewal. It holds no
// token: one quoted by Zalo's description is cut out.
type RefreshError struct {
	Status      int    // HTTP status
	Code        int    // Zalo's error code (negative); 0 when the answer had none
	Name        string // error_name
	Description string // error_description
}

func (e *RefreshError) Error() string {
	s := "zalo token endpoint: HTTP " + strconv.Itoa(e.Status)
	if e.Code != 0 {
		s += ", error " + strconv.Itoa(e.Code)
	}
	if e.Name != "" {
		s += " " + e.Name
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Reauthorize reports whether Zalo refused the refresh token itself, so
// that an OA admin must grant access again: any error code but -32 (the
// rate limit). Zalo documents no code specific to refresh tokens.
func (e *RefreshError) Reauthorize() bool { return e.Code != 0 && e.Code != -32 }

// tokenAnswer is the token endpoint's answer, success or failure.
type tokenAnswer struct {
	AccessToken      string  `json:"access_token"`
	RefreshToken     string  `json:"refresh_token"`
	ExpiresIn        flexInt `json:"expires_in"` // a string of seconds, or a number
	Error            flexInt `json:"error"`
	ErrorName        string  `json:"error_name"`
	ErrorDescription string  `json:"error_description"`
}

// call spends refresh at the token endpoint and returns the new pair.
func (t *Tokens) call(ctx context.Context, op, refresh string) (TokenPair, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	form := url.Values{"refresh_token": {refresh}, "app_id": {t.cfg.AppID}, "grant_type": {"refresh_token"}}
	endpoint := strings.TrimRight(t.cfg.OAuthURL, "/") + "/v4/oa/access_token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return TokenPair{}, domain.E(op, domain.KindInternal, err)
	}
	req.Header.Set("secret_key", t.cfg.AppSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	issued := t.cfg.Now() // before sending: the expiry errs early, never late
	resp, err := t.cfg.HTTP.Do(req)
	if err != nil {
		// The URL is in the error, the tokens are in the body only.
		return TokenPair{}, domain.E(op, domain.KindUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return TokenPair{}, domain.E(op, domain.KindUnavailable, fmt.Errorf("zalo token endpoint: HTTP %d: read the answer: %w", resp.StatusCode, err))
	}
	var a tokenAnswer
	jerr := json.Unmarshal(body, &a)
	secrets := []string{refresh, t.cfg.AppSecret, a.AccessToken, a.RefreshToken}
	if resp.StatusCode != http.StatusOK || (jerr == nil && a.Error != 0) {
		re := &RefreshError{Status: resp.StatusCode}
		if jerr == nil {
			re.Code = int(a.Error)
			re.Name = redactSecrets(a.ErrorName, secrets)
			re.Description = redactSecrets(a.ErrorDescription, secrets)
		}
		return TokenPair{}, domain.E(op, domain.KindUnavailable, re)
	}
	if jerr != nil {
		// Not %w: a syntax error quotes a character of the body, nothing
		// more, but a type error from a future decoder might quote more.
		return TokenPair{}, domain.E(op, domain.KindUnavailable, fmt.Errorf("zalo token endpoint: HTTP 200 with an answer that is not the expected JSON (%d bytes): %s",
			len(body), redactSecrets(jerr.Error(), secrets)))
	}
	if a.AccessToken == "" || a.RefreshToken == "" {
		return TokenPair{}, domain.E(op, domain.KindUnavailable, errors.New("zalo token endpoint: HTTP 200 without an access token or a refresh token"))
	}
	life := time.Duration(a.ExpiresIn) * time.Second
	if life <= 0 {
		// The new pair is kept all the same: the old refresh token is spent.
		t.cfg.Log.Warn("zalo: token answer without a usable expires_in; assuming 25 h")
		life = defaultLife
	}
	return TokenPair{Access: a.AccessToken, Refresh: a.RefreshToken, AccessExpires: issued.Add(life), RefreshIssued: issued}, nil
}

// redactSecrets cuts the non-empty secrets out of s.
func redactSecrets(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
	}
	return s
}

// flexInt is an integer that Zalo sends as a number or as a string.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*n = 0
			return nil
		}
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = flexInt(v)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("not a number")
	}
	*n = flexInt(f)
	return nil
}
