package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// registerToConfirm takes a consented person through the registration
// form, a typed phone, up to its confirmation screen.
func (p *person) registerToConfirm(name string) {
	p.h.t.Helper()
	p.Send("/dangky")
	p.Expect("register.ask_kind")
	p.Send("1")
	p.Expect("register.ask_name")
	p.Send(name)
	p.Expect("register.ask_rep")
	p.Send("Nguyễn Văn Bình")
	p.Expect("register.ask_phone")
	p.Send(fmt.Sprintf("09%08d", p.u.ID))
	p.Expect("form.noted")
	p.Expect("register.ask_commune")
	p.Send("binh minh")
	p.Expect("register.ask_regno")
	p.Press("Bỏ qua")
	p.Expect("register.ask_channels")
	p.Press("Bỏ qua")
	p.Expect("form.confirm_title")
}

// subjectsNamed counts the subjects of that name.
func subjectsNamed(t *testing.T, db *sqlite.DB, name string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM subjects WHERE name = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// failReplies makes the bot's next reply fail after all its tries (a 5xx
// storm on its way to the person).
func (p *person) failReplies() {
	if p.zu != nil {
		p.h.zl.ServerError(5) // 1 + 4 tries (bot/zalo.Sender)
		return
	}
	p.h.api.FailNext("sendMessage", 4, http.StatusBadGateway, "", 0) // 1 + 3 tries
}

// TestMatrixConfirmAgainAfterAFailedReply: the reply to "Xác nhận" is lost
// in a 5xx storm after the registration was saved. The person is not told
// that nothing was saved; pressing "Xác nhận" again tells them it is saved
// already, with what was saved, and there is one subject. On Telegram the
// old button pressed once more says the same.
func TestMatrixConfirmAgainAfterAFailedReply(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(681, "Sáu").consent()
			name := "HTX Bánh tét Sáu " + ch
			p.registerToConfirm(name)
			screen := p.last()
			confirm, hasButton := screen.FindButton("Xác nhận")

			p.failReplies()
			p.Press("Xác nhận")
			p.Press("Xác nhận")
			m := p.Expect("form.already_saved")
			if !strings.Contains(m.Text, name) {
				t.Fatalf("the answer does not show what was saved:\n%s", m.Text)
			}
			db := h.openDB()
			if n := subjectsNamed(t, db, name); n != 1 {
				t.Fatalf("%d subjects after confirming twice, want 1", n)
			}
			if got := p.stored(db).SubjectID; got == 0 {
				t.Fatal("the person is not linked to the subject saved")
			}
			if p.zu == nil && hasButton {
				// The same old button once more: still saved once.
				p.PressData(screen.ID, confirm.Data)
				p.Expect("form.already_saved")
				if n := subjectsNamed(t, db, name); n != 1 {
					t.Fatalf("%d subjects after the old button, want 1", n)
				}
			}
			if p.count("error.unavailable") != 0 {
				t.Error("the person was told that nothing was saved")
			}
			p.Quiet()
		})
	}
}

// TestMatrixConfirmReplayedAfterACrash: the process is killed after the
// registration was saved, while it sends the answer. After the restart the
// update is handed out again: the person hears that it is saved, with what
// was saved, never that nothing was, and there is one subject.
func TestMatrixConfirmReplayedAfterACrash(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			p := h.user(682, "Bảy")
			child := h.startReadyChild()
			p.consent()
			name := "HTX Nem Bảy " + ch
			p.registerToConfirm(name)

			// The answer to "Xác nhận" is held on its way, and the bot is
			// killed there.
			held, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			if p.zu != nil {
				h.zl.Handle(zalo.PathSend, func(w http.ResponseWriter, _ *http.Request) {
					once.Do(func() { close(held) })
					<-release
					w.WriteHeader(http.StatusBadGateway)
				})
			} else {
				h.api.Handle("sendMessage", func(telegramtest.Call) (any, error) {
					once.Do(func() { close(held) })
					<-release
					return nil, fmt.Errorf("the bot crashed before this answer")
				})
			}
			p.Press("Xác nhận")
			child.waitFor(held)
			child.kill()
			if p.zu != nil {
				h.zl.Handle(zalo.PathSend, nil)
			} else {
				h.api.Handle("sendMessage", nil)
			}
			close(release)
			db := h.openDB()
			if n := subjectsNamed(t, db, name); n != 1 {
				t.Fatalf("%d subjects saved before the crash, want 1", n)
			}

			h.start()
			t.Cleanup(func() {
				if t.Failed() {
					t.Log(h.log.tail(60))
				}
			})
			m := p.Expect("form.already_saved")
			if !strings.Contains(m.Text, name) {
				t.Fatalf("the answer does not show what was saved:\n%s", m.Text)
			}
			if n := subjectsNamed(t, db, name); n != 1 {
				t.Fatalf("%d subjects after the restart, want 1", n)
			}
			if p.count("error.unavailable") != 0 || p.count("error.internal") != 0 {
				t.Error("the person was told that something failed")
			}
			p.Send("/trangthai")
			p.Expect("status.profile")
			p.Quiet()
		})
	}
}

// startReadyChild starts the bot as a child process and waits until it
// takes updates on every channel of the harness.
func (h *harness) startReadyChild() *child {
	h.t.Helper()
	before := h.api.CallCount("getUpdates")
	c := h.startChild()
	if !h.api.WaitFor(wait, func() bool { return h.api.CallCount("getUpdates") > before }) {
		c.cmd.Process.Kill()
		c.cmd.Wait()
		h.t.Fatalf("the child did not start polling:\n%s", c.out.String())
	}
	if h.zl != nil {
		waitHTTP(h.t, h.env["HTTP_ADDR"])
	}
	return c
}
