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
