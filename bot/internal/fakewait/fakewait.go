// Package fakewait is the waiting both in-process fakes (telegramtest,
// zalotest) do: a broadcast signal of state changes, and waits for a
// condition on the fake's state or on anything else.
package fakewait

import (
	"sync"
	"time"
)

// RecheckInterval bounds how long WaitFor may miss a condition that
// depends on state outside the fake.
const RecheckInterval = 5 * time.Millisecond

// Signal is a broadcast notification: Wait returns a channel that is
// closed by the next Notify. The channel is only allocated when somebody
// waits, so Notify is free when nobody does. Both must be called with the
// fake's lock held.
type Signal struct {
	ch chan struct{}
}

// Wait returns the channel the next Notify closes.
func (sg *Signal) Wait() <-chan struct{} {
	if sg.ch == nil {
		sg.ch = make(chan struct{})
	}
	return sg.ch
}

// Notify wakes every waiter.
func (sg *Signal) Notify() {
	if sg.ch != nil {
		close(sg.ch)
		sg.ch = nil
	}
}

// For waits until cond returns true or timeout elapses and reports whether
// cond became true. cond is evaluated without mu held (it may call the
// fake's methods) after every notification of sig, and at least every
// RecheckInterval so that it may also depend on state outside the fake.
// It returns cond's final value once closed is closed.
func For(mu sync.Locker, sig *Signal, closed <-chan struct{}, timeout time.Duration, cond func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var ticker *time.Ticker
	for {
		mu.Lock()
		ch := sig.Wait()
		mu.Unlock()
		if cond() {
			return true
		}
		if ticker == nil {
			ticker = time.NewTicker(RecheckInterval)
			defer ticker.Stop()
		}
		select {
		case <-ch:
		case <-ticker.C:
		case <-timer.C:
			return cond()
		case <-closed:
			return cond()
		}
	}
}

// Locked waits until check returns true or the timeout elapses, and
// returns check's last result. check is called with mu held, first at once
// and then each time the signal returned by sig (also called with mu held)
// is notified.
func Locked(mu sync.Locker, sig func() *Signal, closed <-chan struct{}, timeout time.Duration, check func() bool) bool {
	mu.Lock()
	if check() {
		mu.Unlock()
		return true
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		ch := sig().Wait()
		mu.Unlock()
		final := false
		select {
		case <-ch:
		case <-timer.C:
			final = true
		case <-closed:
			final = true
		}
		mu.Lock()
		ok := check()
		if ok || final {
			mu.Unlock()
			return ok
		}
	}
}
