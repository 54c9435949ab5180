package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// registerShared takes a new user through consent and registration with
// the phone shared by the channel's button (Telegram) or form (Zalo).
func (p *person) registerShared(phone string) {
	p.h.t.Helper()
	p.consent()
	p.Send("/dangky")
	p.Expect("register.ask_kind")
	p.Send("1")
	p.Expect("register.ask_name")
	p.Send("HTX Mía đường Tân Châu")
	p.Expect("register.ask_rep")
	p.Send("Trần Thị Tư")
	p.Expect("register.ask_phone")
	p.Share(phone, true)
	p.Expect("form.noted")
	p.Expect("register.ask_commune")
	p.Send("binh minh")
	p.Expect("register.ask_regno")
	p.Press("Bỏ qua")
	p.Expect("register.ask_channels")
	p.Press("Bỏ qua")
	p.Expect("form.confirm_title")
	p.Press("Xác nhận")
	p.Expect("register.done")
}

// A producer registered on Telegram who shares the same phone with Zalo's
// form is the same producer there: the same subject at once, the same
// role, and notices reach the channel they used last.
func TestOnePersonOnTelegramAndZalo(t *testing.T) {
	h := newMatrix(t, "zalo", "embedded")
	h.env["ADMIN_IDS"] = "900"
	h.start()
	tg := h.tgUser(611, "Tư")
	tg.registerShared("+84 912 000 611")

	zl := h.user(611, "Tư")
	zl.consent()
	zl.Send("/dangky")
	zl.Expect("register.ask_kind")
	zl.Send("1")
	zl.Expect("register.ask_name")
	zl.Send("HTX Tư")
	zl.Expect("register.ask_rep")
	zl.Send("Tư")
	zl.Expect("register.ask_phone")
	zl.Share("84912000611", true)
	m := zl.Expect("register.same_person")
	if !containsAll(m.Text, "HTX Mía đường Tân Châu", "Phường Bình Minh") {
		t.Fatalf("the profile of the Telegram registration is not shown:\n%s", m.Text)
	}
	db := h.openDB()
	users := sqlite.NewUserStore(db)
	ctx := context.Background()
	ut, _ := users.Get(ctx, "telegram", "611")
	uz, _ := users.Get(ctx, "zalo", zl.zu.ID)
	if ut.SubjectID == 0 || uz.SubjectID != ut.SubjectID {
		t.Fatalf("subjects: telegram %d, zalo %d", ut.SubjectID, uz.SubjectID)
	}
	if person, err := users.PersonUsers(ctx, ut.ID); err != nil || len(person) != 2 {
		t.Fatalf("not one person: %+v, %v", person, err)
	}
	// The form ended: the next message is no answer to it.
	zl.Send("/trangthai")
	zl.Expect("status.profile")

	// An admin on Telegram makes the person a commune officer: the role
	// holds on Zalo too, and the notice goes to Zalo, used last.
	admin := h.tgUser(900, "Quản trị")
	admin.Send("/capquyen 611 xa 25480")
	admin.Expect("form.confirm_title")
	admin.Press("Xác nhận")
	admin.Expect("officer.granted")
	zl.Expect("officer.granted_you")
	if uz, _ := users.Get(ctx, "zalo", zl.zu.ID); uz.Role != domain.RoleCommuneOfficer {
		t.Fatalf("the Zalo account's role: %s", uz.Role)
	}
	zl.Send("/duyet")
	zl.Expect("review.queue_empty")
	tg.Quiet()

	// An officer links a second Zalo account by hand; a producer cannot.
	other := h.user(612, "Minh")
	other.Send("/start")
	other.Expect("start.welcome")
	other.Expect("consent.ask")
	other.Send("/lienket zalo:" + other.zu.ID + " telegram:611")
	other.Expect("common.officers_only")
	admin.Send("/lienket zalo:" + other.zu.ID + " zalo:" + zl.zu.ID)
	admin.Expect("behalf.link_person_channels")
	admin.Send("/lienket zalo:" + other.zu.ID + " telegram:" + strconv.Itoa(611))
	admin.Expect("behalf.linked_person")
	other.Expect("behalf.linked_person_you")
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
