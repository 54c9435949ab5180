package main

import (
	"net/http"
	"testing"
	"time"
)

// TestRepliesSurviveTransientTelegramErrors: a reply whose send is
// answered 502, then 500, then has its connection dropped still reaches
// the user, once; a storm of 5xx is tried a bounded number of times.
func TestRepliesSurviveTransientTelegramErrors(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(661, "Ngân")
	h.api.FailNext("sendMessage", 1, http.StatusBadGateway, "", 0)
	h.api.FailNext("sendMessage", 1, http.StatusInternalServerError, "", 0)
	h.api.DropNext("sendMessage", 1)
	p.Send("/trogiup")
	p.Expect("help.text")
	p.Quiet()

	before := len(h.api.Calls("sendMessage"))
	h.api.FailNext("sendMessage", 50, http.StatusServiceUnavailable, "", 0)
	p.Send("/huy")
	// The reply is tried 1 + 3 times; then the engine tries to say that
	// something went wrong, which the storm refuses too: count the reply's.
	reply, _ := h.tr.Template("vi", "cancel.nothing")
	tries := func() int {
		n := 0
		for _, c := range h.api.Calls("sendMessage")[before:] {
			if c.Params["text"] == reply {
				n++
			}
		}
		return n
	}
	h.api.WaitFor(wait, func() bool { return tries() >= 4 })
	time.Sleep(3 * time.Second) // longer than the last backoff: a fifth try would be there
	p.Quiet()
	if n := tries(); n != 4 {
		t.Errorf("a reply under a 5xx storm was tried %d times, want 1 + 3", n)
	}
}
