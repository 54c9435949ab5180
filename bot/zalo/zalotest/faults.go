package zalotest

// The faults below apply to sends (POST /v3.0/oa/message/cs) only, in the
// order the package documentation gives. Refusals are counted by Rejected.
// All may be changed while the bot runs.

// OutsideWindow makes sends to userID fail with CodeOutsideWindow (-230),
// "User has not interacted with OA in the past 7 days", while on. The user
// side reopens the window as on Zalo: any event from the user (a text, a
// tap, a follow, a form, ...) turns it off again; unfollow and the OA's
// own echoes do not.
func (s *Server) OutsideWindow(userID string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.outside[userID] = true
	} else {
		delete(s.outside, userID)
	}
}

// IsOutsideWindow reports whether sends to userID are refused with
// CodeOutsideWindow.
func (s *Server) IsOutsideWindow(userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outside[userID]
}

// Blocked makes sends to userID fail with CodeNotFollower (-213) while on,
// as for a user who blocked or does not follow the OA. Unlike
// OutsideWindow, only the test turns it off.
func (s *Server) Blocked(userID string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.blocked[userID] = true
	} else {
		delete(s.blocked, userID)
	}
}

// InvalidTokenOnce makes the next send fail with CodeInvalidToken (-216)
// even with a valid access token, as when Zalo revokes a token early. Each
// call adds one such failure.
func (s *Server) InvalidTokenOnce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidOnce++
}

// RateLimit makes the next n sends fail with CodeRateLimited (-32), with
// HTTP 200 as on Zalo. Calls add up.
func (s *Server) RateLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit += max(n, 0)
}

// ServerError makes the next n sends fail with HTTP ServerErrorStatus (502)
// and an HTML body from the front proxy instead of JSON. Calls add up.
func (s *Server) ServerError(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serverErrors += max(n, 0)
}
