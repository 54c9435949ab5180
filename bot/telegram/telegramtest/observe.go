package telegramtest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Observed is one call seen by an observer installed with Observe.
type Observed struct {
	// Call is the call as received; Params and Files are filled even when
	// the call log is disabled (WithoutCallLog, WithoutCallBodies). At is
	// when the request arrived.
	Call Call
	// Result is what the call answers on success, e.g. the *models.Message
	// of sendMessage, or true; nil on error.
	Result any
	// Err is the error the call answers, or nil.
	Err *APIError
	// Served is when the call had been served, just before its answer is
	// written.
	Served time.Time
}

// Observe makes fn see every call of method (case-insensitive) once it has
// been served, before its answer is written to the client. It is meant for
// load tests that time the bot's replies without polling the Server (see
// WaitFor) and without keeping a call log.
//
// The call is served as before: by the handler installed with Handle, when
// there is one, or by the built-in implementation. Observe is built on
// Handle, so a later Handle or Observe for the same method replaces or
// wraps it: observers stack, the newest one is called first. Calls refused
// before they are served (FailNext faults, blocked chats, rate limits) are
// not observed. fn runs on the request's goroutine: it must be quick and
// safe for concurrent use. An observed getUpdates long poll is not cut
// short when its client goes away (it still ends at its timeout or Close).
func (s *Server) Observe(method string, fn func(Observed)) {
	key := strings.ToLower(method)
	builtin, known := builtinMethods[key]
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.custom[key]
	s.custom[key] = func(call Call) (any, error) {
		var (
			res  any
			aerr *APIError
		)
		switch {
		case prev != nil:
			var err error
			res, err = prev(call)
			if err != nil {
				aerr = asAPIError(err)
				res = nil
			} else if res == nil {
				res = true // what the Server answers for a nil result
			}
		case known:
			res, aerr = builtin.fn(s, &callCtx{ctx: context.Background(), method: builtin.name, params: call.Params, files: call.Files, at: call.At})
			if aerr != nil {
				res = nil
			}
		default:
			aerr = errMethodNotFound
		}
		fn(Observed{Call: call, Result: res, Err: aerr, Served: time.Now()})
		if aerr != nil {
			return nil, aerr // never a typed nil inside a non-nil error
		}
		return res, nil
	}
}

// asAPIError returns err as the *APIError the Server would answer.
func asAPIError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return &APIError{Code: http.StatusInternalServerError, Description: "Internal Server Error: " + err.Error()}
}
