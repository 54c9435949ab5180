package telegramtest

import (
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/internal/fakewait"
)

// signal is a broadcast notification of a change of the Server's state
// (fakewait.Signal), used with Server.mu held.
type signal = fakewait.Signal

// WaitFor waits until cond returns true or timeout elapses and reports
// whether cond became true. cond is evaluated without any lock held (it may
// call the Server's methods) after every change of the Server's state, and
// at least every few milliseconds so that it may also depend on state
// outside the Server. It returns cond's final value if the Server is closed.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	return fakewait.For(&s.mu, &s.changed, s.closed, timeout, cond)
}

// waitLocked waits until check, called with s.mu held, returns true or the
// timeout elapses. It returns check's last result.
func (s *Server) waitLocked(timeout time.Duration, check func() bool) bool {
	return fakewait.Locked(&s.mu, func() *signal { return &s.changed }, s.closed, timeout, check)
}
