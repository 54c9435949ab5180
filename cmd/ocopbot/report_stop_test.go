package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
)

// TestMatrixReportCutShortBySIGTERMIsSentOnce: an officer's /baocao is on
// its way (the workbook held by the messenger: on Telegram the document, on
// Zalo the message with its download link) when the bot gets SIGTERM; the
// grace of the stop ends before the send does, and the bot exits. After the
// restart the report is not built and sent a second time: the workbook
// reached the messenger once.
func TestMatrixReportCutShortBySIGTERMIsSentOnce(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.env["PUBLIC_URL"] = "http://" + h.env["HTTP_ADDR"]
			admin := h.admin(991, "Quản trị", ch)
			child := h.startReadyChild()

			held, release := make(chan struct{}), make(chan struct{})
			var once, released sync.Once
			free := func() { released.Do(func() { close(release) }) }
			t.Cleanup(free) // a failing test does not leave the fake hanging
			var holding atomic.Bool
			holding.Store(true)
			var sends func() int
			if admin.zu != nil {
				// Only the link message is held; the progress messages
				// pass on to the fake.
				var links atomic.Int32
				h.zl.Handle(zalo.PathSend, func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(r.Body)
					r.Body = io.NopCloser(bytes.NewReader(body))
					if !bytes.Contains(body, []byte("/dl/")) {
						h.zl.Default(w, r)
						return
					}
					links.Add(1)
					if !holding.Load() {
						h.zl.Default(w, r)
						return
					}
					once.Do(func() { close(held) })
					<-release
					w.WriteHeader(http.StatusBadGateway)
				})
				sends = func() int { return int(links.Load()) }
			} else {
				h.api.Handle("sendDocument", func(telegramtest.Call) (any, error) {
					once.Do(func() { close(held) })
					<-release
					return nil, fmt.Errorf("the bot was gone before this answer")
				})
				sends = func() int { return h.api.CallCount("sendDocument") }
			}
			admin.Send("/baocao")
			child.waitFor(held)
			admin.unfinished()
			admin.Expect("baocao.progress")
			child.term()
			holding.Store(false)
			if admin.zu == nil {
				h.api.Handle("sendDocument", nil)
			}
			free()
			if n := sends(); n != 1 {
				t.Fatalf("the workbook was sent %d times before the stop, want 1", n)
			}

			h.start()
			admin.Send("/huy") // after anything handed out again at the start
			admin.Expect("cancel.nothing")
			if n := sends(); n != 1 {
				t.Fatalf("the workbook was sent %d times in all, want once", n)
			}
			admin.Quiet()
		})
	}
}

// unfinished tells the person's script that the update they sent last will
// not be finished (the bot is held in the middle of it and stopped): on Zalo,
// Expect reads what was sent without waiting for the update's end.
func (p *person) unfinished() {
	if p.zu != nil {
		p.zpending = 0
	}
}
