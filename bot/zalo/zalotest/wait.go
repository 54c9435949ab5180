package zalotest

import "time"

// recheckInterval bounds how long WaitFor may miss a condition that depends
// on state outside the Server.
const recheckInterval = 5 * time.Millisecond

// signal is a broadcast notification: wait returns a channel that is closed
// by the next notify. The channel is only allocated when somebody waits, so
// notify is free when nobody does. Both must be called with Server.mu held.
type signal struct {
	ch chan struct{}
}

func (sg *signal) wait() <-chan struct{} {
	if sg.ch == nil {
		sg.ch = make(chan struct{})
	}
	return sg.ch
}

func (sg *signal) notify() {
	if sg.ch != nil {
		close(sg.ch)
		sg.ch = nil
	}
}

// WaitFor waits until cond returns true or timeout elapses and reports
// whether cond became true. cond is evaluated without any lock held (it may
// call the Server's methods) after every change of the Server's state, and
// at least every few milliseconds so that it may also depend on state
// outside the Server. It returns cond's final value if the Server is closed.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var ticker *time.Ticker
	for {
		s.mu.Lock()
		ch := s.changed.wait()
		s.mu.Unlock()
		if cond() {
			return true
		}
		if ticker == nil {
			ticker = time.NewTicker(recheckInterval)
			defer ticker.Stop()
		}
		select {
		case <-ch:
		case <-ticker.C:
		case <-timer.C:
			return cond()
		case <-s.closed:
			return cond()
		}
	}
}

// waitLocked waits until check returns true or the timeout elapses, and
// returns check's last result. check is called with s.mu held, first at
// once and then each time the signal returned by sig (also called with s.mu
// held) is notified.
func (s *Server) waitLocked(timeout time.Duration, sig func() *signal, check func() bool) bool {
	s.mu.Lock()
	if check() {
		s.mu.Unlock()
		return true
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		ch := sig().wait()
		s.mu.Unlock()
		final := false
		select {
		case <-ch:
		case <-timer.C:
			final = true
		case <-s.closed:
			final = true
		}
		s.mu.Lock()
		ok := check()
		if ok || final {
			s.mu.Unlock()
			return ok
		}
	}
}
