package main

import (
	"net/http"
	"testing"
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

	before := h.api.CallCount("sendMessage")
	h.api.FailNext("sendMessage", 50, http.StatusServiceUnavailable, "", 0)
	p.Send("/huy")
	h.api.WaitFor(wait, func() bool { return h.api.CallCount("sendMessage")-before >= 4 })
	p.Quiet()
	if n := h.api.CallCount("sendMessage") - before; n != 4 {
		t.Errorf("a reply under a 5xx storm was tried %d times, want 1 + 3", n)
	}
}
