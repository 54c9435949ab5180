package main

import (
	"strings"
	"testing"
)

// TestMatrixPhoneSquatting (issue 13, finding 1): someone who types
// another person's phone number at /dangky gets a subject with it; when
// the number's owner later shares it with the channel's button (or
// Zalo's form), the owner is not linked to that subject, whose holder
// keeps their own details: the owner gets a subject of their own, is
// told, and the officers are asked to sort it out.
func TestMatrixPhoneSquatting(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			off := h.admin(900, "Quản trị", ch)
			h.start()
			off.Send("/start")
			off.Expect("start.welcome_officer")

			const phone = "0912 345 699"
			squatter := h.user(661, "Kẻ")
			squatter.consent()
			squatter.Send("/dangky")
			squatter.Expect("register.ask_kind")
			squatter.Send("1")
			squatter.Expect("register.ask_name")
			squatter.Send("HTX Mạo Danh")
			squatter.Expect("register.ask_rep")
			squatter.Send("Kẻ Mạo Danh")
			squatter.Expect("register.ask_phone")
			squatter.Send(phone) // not theirs
			squatter.Expect("form.noted")
			squatter.Expect("register.ask_commune")
			squatter.Send("binh minh")
			squatter.Expect("register.ask_regno")
			squatter.Press("Bỏ qua")
			squatter.Expect("register.ask_channels")
			squatter.Press("Bỏ qua")
			squatter.Expect("form.confirm_title")
			squatter.Press("Xác nhận")
			squatter.Expect("register.done")

			owner := h.user(662, "Chủ")
			owner.consent()
			owner.Send("/dangky")
			owner.Expect("register.ask_kind")
			owner.Send("1")
			owner.Expect("register.ask_name")
			owner.Send("HTX Bánh tráng Chính Chủ")
			owner.Expect("register.ask_rep")
			owner.Send("Trần Văn Chủ")
			owner.Expect("register.ask_phone")
			owner.Share("+84912345699", true)
			owner.Expect("form.noted")
			owner.Expect("register.ask_commune")
			owner.Send("binh minh")
			owner.Expect("register.ask_regno")
			owner.Press("Bỏ qua")
			owner.Expect("register.ask_channels")
			owner.Press("Bỏ qua")
			owner.Expect("form.confirm_title")
			owner.Press("Xác nhận")
			m := owner.Expect("register.phone_conflict")
			if !strings.Contains(m.PlainText, "HTX Bánh tráng Chính Chủ") {
				t.Fatalf("the owner's own record is not shown:\n%s", m.PlainText)
			}
			n := off.Expect("notice.officer_phone_conflict")
			if !strings.Contains(n.PlainText, "HTX Mạo Danh") || !strings.Contains(n.PlainText, "HTX Bánh tráng Chính Chủ") {
				t.Fatalf("the officers are not told which two records clash:\n%s", n.PlainText)
			}

			// The squatter's record keeps the squatter's details, and the
			// two accounts are not linked to one subject.
			db := h.openDB()
			s, o := squatter.stored(db), owner.stored(db)
			if s.SubjectID == 0 || o.SubjectID == 0 || s.SubjectID == o.SubjectID {
				t.Fatalf("subjects: squatter %d, owner %d", s.SubjectID, o.SubjectID)
			}
			squatter.Send("/trangthai")
			m = squatter.Expect("status.profile")
			if strings.Contains(m.PlainText, "Chính Chủ") || strings.Contains(m.PlainText, "Trần Văn Chủ") {
				t.Fatalf("the squatter sees the owner's details:\n%s", m.PlainText)
			}
		})
	}
}
