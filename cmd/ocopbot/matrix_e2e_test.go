package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// The scripted conversations below run on every channel of the matrix:
// the same script, the same message ids, through the real Telegram client
// against the fake Bot API and through the real Zalo adapter against the
// fake Zalo.

func TestMatrixRegistration(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(601, "Tư")
			p.consent()
			p.Press("Đăng ký")
			p.Expect("form.header", "register.ask_kind")
			p.Send("hop tac xa")
			p.Expect("register.ask_name")
			p.Send("HTX Bánh tráng Tư Hải & con")
			p.Expect("register.ask_rep")
			p.Send("Nguyen Van Tu")
			m := p.Expect("register.ask_phone")
			if m.ReplyKeyboard == nil || !m.ReplyKeyboard.Rows[0][0].RequestContact {
				t.Fatalf("the phone step offers no way to share the phone: %+v", m)
			}
			p.Share("84912000601", true)
			p.Expect("form.noted")
			p.Expect("register.ask_commune")
			p.Send("binh minh")
			p.Expect("register.ask_regno")
			p.Press("Bỏ qua")
			m = p.Expect("register.ask_channels")
			if _, ok := m.FindButton("Siêu thị"); !ok {
				t.Fatalf("no sales channel to pick: %+v", m.Buttons())
			}
			p.Press("Siêu thị")
			p.Expect("register.ask_channels")
			p.Press("Xong")
			m = p.Expect("form.confirm_title")
			if !strings.Contains(m.Text, "Điện thoại: +84 912 000 601 (đã xác thực)") {
				t.Fatalf("the shared phone is not shown verified:\n%s", m.Text)
			}
			p.Press("Xác nhận")
			p.Expect("register.done")

			db := h.openDB()
			id := "601"
			if p.zu != nil {
				id = p.zu.ID
			}
			u, err := sqlite.NewUserStore(db).Get(context.Background(), ch, id)
			if err != nil || u.SubjectID == 0 {
				t.Fatalf("the %s user is not linked to a subject: %+v, %v", ch, u, err)
			}
			s, err := sqlite.NewSubjectStore(db).Get(context.Background(), u.SubjectID)
			if err != nil || s.Phone != "+84912000601" || !s.PhoneVerified || s.Name != "HTX Bánh tráng Tư Hải & con" {
				t.Fatalf("subject: %+v, %v", s, err)
			}
		})
	}
}
