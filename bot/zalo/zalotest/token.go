package zalotest

import (
	"net/http"
	"strconv"
	"time"
)

// tokenAnswer is a success of the token endpoint.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    string `json:"expires_in"`
}

// oauthError is an error of the token endpoint (HTTP 200).
type oauthError struct {
	Error       int    `json:"error"`
	Name        string `json:"error_name"`
	Description string `json:"error_description"`
}

// serveToken serves POST /oauth/v4/oa/access_token with
// grant_type=refresh_token. The parameters are read from the form-encoded
// body only, the app secret from the secret_key header only.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.refreshAttempts++
	s.mu.Unlock()

	_ = r.ParseForm() // an unreadable form leaves PostForm empty
	form := r.PostForm
	if r.Header.Get("secret_key") != s.cfg.appSecret || form.Get("app_id") != s.cfg.appID {
		s.writeOAuthError(w, CodeInvalidApp, "Invalid app",
			"app_id or the secret_key header is wrong (the secret_key header must hold the app secret)")
		return
	}
	if gt := form.Get("grant_type"); gt != "refresh_token" {
		s.writeOAuthError(w, CodeInvalidParamOAuth, "Invalid parameter",
			"grant_type must be refresh_token (the fake does not play the authorization-code grant), got "+strconv.Quote(gt))
		return
	}
	token := form.Get("refresh_token")

	s.mu.Lock()
	var answer tokenAnswer
	desc := ""
	_, used := s.usedRefresh[token]
	switch {
	case s.failRefresh:
		desc = "refresh failed (FailRefresh)"
	case token == "":
		desc = "refresh_token is missing"
	case token != s.refresh && used:
		desc = "refresh token was already used"
	case token != s.refresh:
		desc = "refresh token is unknown"
	default:
		s.usedRefresh[token] = struct{}{}
		s.refresh = randHex(24)
		s.refreshes++
		answer = tokenAnswer{
			AccessToken:  s.issueAccessLocked(time.Now()),
			RefreshToken: s.refresh,
			ExpiresIn:    strconv.FormatInt(int64(s.cfg.accessTTL/time.Second), 10),
		}
	}
	delay := s.refreshDelay
	s.changed.Notify()
	s.mu.Unlock()

	if desc != "" {
		s.writeOAuthError(w, CodeInvalidRefreshToken, "Invalid refresh token", desc)
		return
	}
	// The pair has been rotated already: a caller that gives up during the
	// delay has lost it, as on Zalo.
	s.sleep(r, delay)
	writeJSON(w, answer)
}

func (s *Server) writeOAuthError(w http.ResponseWriter, code int, name, desc string) {
	s.mu.Lock()
	s.rejected[code]++
	s.changed.Notify()
	s.mu.Unlock()
	writeJSON(w, oauthError{Error: code, Name: name, Description: desc})
}

func (s *Server) issueAccessLocked(now time.Time) string {
	tok := randHex(32)
	s.access[tok] = now.Add(s.cfg.accessTTL)
	s.lastAccess = tok
	return tok
}

// validAccessLocked reports whether tok is an access token that has been
// issued, has not expired and was not revoked by ExpireAccessTokens.
func (s *Server) validAccessLocked(tok string, now time.Time) bool {
	exp, ok := s.access[tok]
	return ok && now.Before(exp)
}

// IssueAccessToken returns a new valid access token without a refresh, for
// tests that call the API directly. It does not count as a refresh.
func (s *Server) IssueAccessToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueAccessLocked(time.Now())
}

// ValidAccessToken reports whether tok would be accepted by the API now.
func (s *Server) ValidAccessToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.validAccessLocked(tok, time.Now())
}

// LastAccessToken returns the access token issued last (by a refresh or
// IssueAccessToken), "" if none.
func (s *Server) LastAccessToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAccess
}

// ExpireAccessTokens invalidates every access token issued so far: calls
// with them are answered CodeInvalidToken (-216). Tokens issued later are
// valid. The current refresh token stays valid.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
	s.changed.Notify()
}

// Refreshes returns how many refreshes succeeded.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// RefreshAttempts returns how many requests the token endpoint received,
// whatever their answer.
func (s *Server) RefreshAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshAttempts
}

// CurrentRefreshToken returns the only refresh token that is valid now: the
// one returned by the last successful refresh, or RefreshToken before the
// first.
func (s *Server) CurrentRefreshToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refresh
}

// SetRefreshDelay makes the token endpoint wait d after rotating the pair
// and before answering, so that concurrent refreshes overlap (the second
// one, with the same refresh token, is then refused).
func (s *Server) SetRefreshDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshDelay = d
}

// FailRefresh makes the token endpoint refuse every refresh with
// CodeInvalidRefreshToken (-14014) while on, without rotating anything: the
// current refresh token works again once it is off.
func (s *Server) FailRefresh(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRefresh = on
}
