package zalotest

// Observe makes fn see every message the fake accepts (POST
// /v3.0/oa/message/cs answered with success) as it is recorded, before
// the answer is written to the bot. It is meant for load generators that
// time the bot's replies without waiting on the Server (WaitMessages) for
// every user: Message.At is when the send arrived, Message.UserID its
// recipient.
//
// Refused sends (faults, bad bodies, closed reply windows) are not
// observed. Observers stack: each one installed sees every message, in the
// order they were installed. fn runs on the request's goroutine, without
// any lock of the Server held: it must be quick and safe for concurrent
// use, and it must not modify the message (its Buttons and Raw are shared
// with the Server's record).
func (s *Server) Observe(fn func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observers = append(s.observers[:len(s.observers):len(s.observers)], fn)
}
