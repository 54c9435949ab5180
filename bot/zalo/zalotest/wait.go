package zalotest

import (
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/internal/fakewait"
)

// signal is a broadcast notification of a change of state (the Server's,
// or one user's), used with Server.mu held.
type signal = fakewait.Signal

// WaitFor waits until cond returns true or timeout elapses and reports
// whether cond became true. cond is evaluated without any lock held (it may
// call the Server's methods) after every change of the Server's state, and
// at least every few milliseconds so that it may also depend on state
// outside the Server. It returns cond's final value if the Server is closed.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	return fakewait.For(&s.mu, &s.changed, s.closed, timeout, cond)
}

// waitLocked waits until check returns true or the timeout elapses, and
// returns check's last result. check is called with s.mu held, first at
// once and then each time the signal returned by sig (also called with s.mu
// held) is notified.
func (s *Server) waitLocked(timeout time.Duration, sig func() *signal, check func() bool) bool {
	return fakewait.Locked(&s.mu, sig, s.closed, timeout, check)
}
