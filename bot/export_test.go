package bot

import "time"

// SetRetryPauses shortens the dispatcher's pauses before trying an update
// again, for tests.
func (d *Dispatcher) SetRetryPauses(first, last time.Duration) {
	d.mu.Lock()
	d.first, d.last = first, last
	d.mu.Unlock()
}

// DropCopies forgets the sessions this process holds, as a restart does.
func (s *SessionStore) DropCopies() {
	s.mu.Lock()
	s.saved = nil
	s.mu.Unlock()
}
