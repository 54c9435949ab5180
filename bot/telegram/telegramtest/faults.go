package telegramtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type fault struct {
	remaining int
	err       APIError
}

// FailNext makes the next n calls of method (case-insensitive) fail with the
// given error code, description and, when non-zero, parameters.retry_after.
// An empty description gets Telegram's usual text for the code, e.g.
// "Too Many Requests: retry after N" for 429 and "Forbidden: bot was
// blocked by the user" for 403; a 429 without retryAfter uses 1 second.
// Successive FailNext calls for the same method queue up in order.
func (s *Server) FailNext(method string, n int, code int, description string, retryAfter int) {
	if n <= 0 {
		return
	}
	if code == http.StatusTooManyRequests && retryAfter <= 0 {
		retryAfter = 1
	}
	if description == "" {
		description = defaultDescription(code, retryAfter)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	s.faults[key] = append(s.faults[key], &fault{remaining: n, err: APIError{Code: code, Description: description, RetryAfter: retryAfter}})
}

// dropCode marks a fault that closes the connection without an answer.
const dropCode = -1

// DropNext makes the next n calls of method (case-insensitive) end with the
// connection closed before any answer, as when the network drops it; they
// queue up with FailNext's faults in order.
func (s *Server) DropNext(method string, n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	s.faults[key] = append(s.faults[key], &fault{remaining: n, err: APIError{Code: dropCode, Description: "connection dropped"}})
}

// drop closes the connection of w without answering.
func drop(w http.ResponseWriter) int {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return writeError(w, &APIError{Code: http.StatusBadGateway, Description: "Bad Gateway"})
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
	return 0
}

func defaultDescription(code, retryAfter int) string {
	switch code {
	case http.StatusBadRequest:
		return "Bad Request"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return errBlocked.Description
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusConflict:
		return "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	case http.StatusTooManyRequests:
		return "Too Many Requests: retry after " + strconv.Itoa(retryAfter)
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return fmt.Sprintf("Error %d", code)
}

// BlockChat makes every call addressed to chatID (any method with that
// chat_id) fail with 403 "Forbidden: bot was blocked by the user", as when
// the user blocked the bot.
func (s *Server) BlockChat(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// UnblockChat undoes BlockChat.
func (s *Server) UnblockChat(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// TooManyRequests returns how many calls were answered 429, by the rate
// limits or by FailNext.
func (s *Server) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// isRateLimited reports whether a method counts against the send limits.
func isRateLimited(key string) bool {
	switch {
	case key == "sendchataction":
		return false
	case strings.HasPrefix(key, "send"), strings.HasPrefix(key, "edit"):
		return true
	}
	return key == "copymessage" || key == "forwardmessage" || key == "copymessages" || key == "forwardmessages"
}

// preflight applies injected faults, blocked chats and rate limits.
func (s *Server) preflight(key string, params map[string]string) *APIError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.faults[key]; len(q) > 0 {
		f := q[0]
		f.remaining--
		if f.remaining <= 0 {
			q[0] = nil
			if len(q) == 1 {
				delete(s.faults, key)
			} else {
				s.faults[key] = q[1:]
			}
		}
		e := f.err
		if e.Code == http.StatusTooManyRequests {
			s.throttled++
		}
		return &e
	}
	if len(s.blocked) == 0 && s.cfg.globalRate <= 0 && s.cfg.perChatRate <= 0 {
		return nil
	}
	chatID, err := strconv.ParseInt(strings.TrimSpace(params["chat_id"]), 10, 64)
	hasChat := err == nil
	if hasChat && s.blocked[chatID] {
		return errBlocked
	}
	if !isRateLimited(key) {
		return nil
	}
	now := time.Now()
	var chatBucket *bucket
	if s.cfg.perChatRate > 0 && hasChat {
		chatBucket = s.perChat[chatID]
		if chatBucket == nil {
			chatBucket = &bucket{}
			s.perChat[chatID] = chatBucket
		}
		chatBucket.refill(float64(s.cfg.perChatRate), now)
	}
	if s.cfg.globalRate > 0 {
		s.global.refill(float64(s.cfg.globalRate), now)
	}
	// Take a token only when every applicable bucket has one.
	if (chatBucket != nil && chatBucket.tokens < 1) || (s.cfg.globalRate > 0 && s.global.tokens < 1) {
		s.throttled++
		return tooManyRequests(1)
	}
	if chatBucket != nil {
		chatBucket.tokens--
	}
	if s.cfg.globalRate > 0 {
		s.global.tokens--
	}
	return nil
}

func tooManyRequests(retryAfter int) *APIError {
	return &APIError{
		Code:        http.StatusTooManyRequests,
		Description: defaultDescription(http.StatusTooManyRequests, retryAfter),
		RetryAfter:  retryAfter,
	}
}

// bucket is a token bucket refilled at rate tokens per second with a
// capacity of rate tokens.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) refill(rate float64, now time.Time) {
	if b.last.IsZero() {
		b.tokens = rate
	} else {
		b.tokens = min(rate, b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
}
