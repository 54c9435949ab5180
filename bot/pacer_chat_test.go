package bot

import (
	"testing"
	"time"
)

// TestPacerHoldsOneChatAfterItsOwn429: a 429 for one chat holds that chat
// only, interactive or bulk; the others go at once. Several chats answered
// 429 within a second mean the bot's own limit: every chat is held.
func TestPacerHoldsOneChatAfterItsOwn429(t *testing.T) {
	p, ft := newTestPacer(100, 100)
	p.PauseChat("42", 2*time.Second)
	if d := p.reserve("42", false); d <= time.Second || d > 2*time.Second {
		t.Fatalf("the chat answered 429 waits %s, want up to 2 s", d)
	}
	if d := p.reserve("43", false); d != 0 {
		t.Fatalf("another chat's reply waits %s", d)
	}
	if d := p.reserve("44", true); d != 0 {
		t.Fatalf("another chat's bulk send waits %s", d)
	}
	ft.t = ft.t.Add(2 * time.Second)
	if d := p.reserve("42", false); d != 0 {
		t.Fatalf("after the hold the chat waits %s", d)
	}
	if s := p.Stats(); s.ChatPauses != 1 || s.Pauses != 0 {
		t.Fatalf("stats %+v", s)
	}

	// Three chats within a second: the whole sender.
	p.PauseChat("1", time.Second)
	p.PauseChat("2", time.Second)
	if d := p.reserve("5", false); d != 0 {
		t.Fatalf("two chats held hold a third: %s", d)
	}
	p.PauseChat("3", time.Second)
	if d := p.reserve("5", false); d <= 0 {
		t.Fatal("three chats answered 429 within a second did not hold the others")
	}
	if s := p.Stats(); s.Pauses != 1 {
		t.Fatalf("stats %+v", s)
	}
	// Chats answered 429 a while ago do not count.
	ft.t = ft.t.Add(3 * time.Second)
	p.PauseChat("6", time.Second)
	p.PauseChat("7", time.Second)
	if d := p.reserve("8", false); d != 0 {
		t.Fatalf("old 429s still count: %s", d)
	}
}
