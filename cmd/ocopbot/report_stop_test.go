package main

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
)

// TestReportCutShortBySIGTERMIsSentOnce: an officer's /baocao is on its
// way (the workbook held by Telegram) when the bot gets SIGTERM; the grace
// of the stop ends before the send does, and the bot exits. After the
// restart the report is not built and sent a second time: the workbook
// reached Telegram once.
func TestReportCutShortBySIGTERMIsSentOnce(t *testing.T) {
	h := newHarness(t, "embedded")
	admin := h.admin(991, "Quản trị", "telegram")
	child := h.startReadyChild()
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.api.Handle("sendDocument", func(telegramtest.Call) (any, error) {
		once.Do(func() { close(held) })
		<-release
		return nil, fmt.Errorf("the bot was gone before this answer")
	})
	admin.Send("/baocao")
	admin.Expect("baocao.progress")
	child.waitFor(held)
	child.term()
	h.api.Handle("sendDocument", nil)
	close(release)
	if n := h.api.CallCount("sendDocument"); n != 1 {
		t.Fatalf("the workbook was sent %d times before the stop, want 1", n)
	}

	h.start()
	admin.Send("/huy") // after anything handed out again at the start
	admin.Expect("cancel.nothing")
	if n := h.api.CallCount("sendDocument"); n != 1 {
		t.Fatalf("the workbook was sent %d times in all, want once", n)
	}
	admin.Quiet()
}
