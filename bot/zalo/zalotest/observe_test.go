package zalotest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
)

func TestObserveSeesAcceptedMessagesOnly(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t, zalotest.WithoutRequestBodies())
	tok := s.IssueAccessToken()
	var (
		mu         sync.Mutex
		first, all []zalotest.Message
	)
	s.Observe(func(m zalotest.Message) { mu.Lock(); first = append(first, m); mu.Unlock() })
	s.Observe(func(m zalotest.Message) { mu.Lock(); all = append(all, m); mu.Unlock() })

	before := time.Now()
	a := mustSend(t, s, tok, buttonsBody(alice.ID, "chọn", `[{"title":"Có","type":"oa.query.hide","payload":"#b:y"}]`))
	wantCode(t, send(t, s, tok, textBody(alice.ID, "")), zalotest.CodeInvalidParam) // refused: not observed
	s.OutsideWindow(bob.ID, true)
	wantCode(t, send(t, s, tok, textBody(bob.ID, "x")), zalotest.CodeOutsideWindow)

	mu.Lock()
	defer mu.Unlock()
	if len(first) != 1 || len(all) != 1 {
		t.Fatalf("observed %d and %d messages, want 1 each", len(first), len(all))
	}
	m := all[0]
	if m.ID != a.Data.MessageID || m.UserID != alice.ID || m.Kind != zalotest.KindButtons || m.Text != "chọn" ||
		len(m.Buttons) != 1 || m.Buttons[0].Payload != "#b:y" || m.At.Before(before) || m.AccessToken != tok {
		t.Fatalf("observed %+v", m)
	}
	if last, _ := s.LastMessage(alice.ID); last.ID != m.ID {
		t.Fatalf("the record has %+v", last)
	}
}

func TestWithoutMessagesObservesAndCountsOnly(t *testing.T) {
	t.Parallel()
	s := zalotest.New(t, zalotest.WithoutRequestBodies(), zalotest.WithoutMessages())
	tok := s.IssueAccessToken()
	var (
		mu  sync.Mutex
		got []zalotest.Message
	)
	s.Observe(func(m zalotest.Message) { mu.Lock(); got = append(got, m); mu.Unlock() })

	a := mustSend(t, s, tok, buttonsBody(alice.ID, "chọn", `[{"title":"Có","type":"oa.query.hide","payload":"#b:y"}]`))
	mustSend(t, s, tok, textBody(alice.ID, "hai"))
	s.OutsideWindow(bob.ID, true)
	wantCode(t, send(t, s, tok, textBody(bob.ID, "x")), zalotest.CodeOutsideWindow)

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].ID != a.Data.MessageID || got[0].Kind != zalotest.KindButtons || got[1].Text != "hai" || got[1].At.IsZero() {
		t.Fatalf("observed %+v", got)
	}
	if s.SentCount(alice.ID) != 2 || s.SentCount(bob.ID) != 0 {
		t.Fatalf("sent %d and %d, want 2 and 0", s.SentCount(alice.ID), s.SentCount(bob.ID))
	}
	if _, ok := s.LastMessage(alice.ID); ok || len(s.Messages(alice.ID)) != 0 || len(s.AllMessages()) != 0 {
		t.Fatal("the messages were kept")
	}
}
