package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// ref is how an officer names a person in /lienket: "<channel>:<id>".
func (p *person) ref() string { return p.channel() + ":" + p.chatID() }

// seedOfficer makes a consented commune officer of communes.
func seedOfficer(t *testing.T, db *sqlite.DB, p *person, communes ...string) {
	t.Helper()
	ctx := context.Background()
	users := sqlite.NewUserStore(db)
	u, err := users.Touch(ctx, p.channel(), p.chatID(), "", "Cán bộ")
	if err == nil {
		err = users.SetConsent(ctx, u.ID, domain.ConsentGiven)
	}
	if err == nil {
		err = users.Grant(ctx, 0, u.ID, domain.RoleCommuneOfficer, communes)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestMatrixOfficerScopeOnOthersRecords: a commune officer cannot take a
// person away from a producer of another commune with /lienket, cannot
// register a producer in another commune with /thaymat moi, and cannot
// tell "registered elsewhere" from "not registered"; the person moved is
// told, on the channel they use.
func TestMatrixOfficerScopeOnOthersRecords(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			db := h.openDB()
			ctx := context.Background()
			users, subjects := sqlite.NewUserStore(db), sqlite.NewSubjectStore(db)
			off := h.user(970, "Cán bộ xã")
			seedOfficer(t, db, off, "25480")
			lan := h.user(971, "Lan")
			seedPerson(t, db, lan, "Lan", "25480", 0)
			hoa := h.user(972, "Hoa") // another commune
			seedPerson(t, db, hoa, "Hoa", "25645", 0)
			binh := h.user(973, "Bình") // the officer's commune
			seedPerson(t, db, binh, "Bình", "25480", 0)
			h.start()
			lanSubject := lan.stored(db).SubjectID
			hoaSubject := hoa.stored(db).SubjectID
			hoaPhone := "+84912000972"
			if s, err := subjects.Get(ctx, hoaSubject); err != nil || s.Phone != hoaPhone {
				t.Fatalf("seeded subject: %+v, %v", s, err)
			}
			tu := h.user(974, "Tư") // no subject yet
			tu.Send("/start")
			tu.Expect("start.welcome")
			tu.Expect("consent.ask")

			// Hoa belongs to a producer of another commune: she stays there.
			off.Send("/lienket " + hoa.ref() + " 0912000971")
			off.Expect("trust.person_not_yours")
			if got := hoa.stored(db).SubjectID; got != hoaSubject {
				t.Fatalf("the officer moved a person of another commune to subject %d", got)
			}
			// A phone registered elsewhere and a phone nobody has read alike.
			off.Send("/thaymat 0912000972")
			off.Expect("trust.not_found_here")
			off.Send("/thaymat 0912999999")
			off.Expect("trust.not_found_here")
			off.Send("/lienket " + tu.ref() + " 0912000972")
			off.Expect("trust.not_found_here")
			if got := tu.stored(db).SubjectID; got != 0 {
				t.Fatalf("linked to a subject of another commune: %d", got)
			}

			// Someone without a subject, and someone of the officer's own
			// commune, may be linked; each is told.
			off.Send("/lienket " + tu.ref() + " 0912000971")
			off.Expect("behalf.linked")
			tu.Expect("behalf.linked_you")
			off.Send("/lienket " + binh.ref() + " 0912000971")
			// The officer hears that Bình left «HTX Bình», as Bình does.
			if m := off.Expect("behalf.linked_moved"); !strings.Contains(m.PlainText, "«HTX Bình»") {
				t.Errorf("the officer is not told whom Bình was moved from:\n%s", m.PlainText)
			}
			binh.Expect("trust.moved_you")
			for _, p := range []*person{tu, binh} {
				if got := p.stored(db).SubjectID; got != lanSubject {
					t.Errorf("%s: linked to %d, want %d", p.ref(), got, lanSubject)
				}
			}

			// /thaymat moi: only the officer's communes.
			off.Send("/thaymat moi")
			off.Expect("behalf.register_new")
			off.Expect("register.ask_kind")
			off.Send("ho")
			off.Expect("register.ask_name")
			off.Send("Hộ bà Chín làm bánh")
			off.Expect("register.ask_rep")
			off.Send("Lê Thị Chín")
			off.Expect("register.ask_phone")
			off.Send("0977 123 974")
			off.Expect("form.noted")
			off.Expect("register.ask_commune")
			off.Send("cau khoi")
			off.Expect("trust.commune_not_yours")
			off.Send("binh minh")
			off.Expect("register.ask_regno")
			off.Press("Bỏ qua")
			off.Expect("register.ask_channels")
			off.Press("Bỏ qua")
			off.Expect("form.confirm_title")
			off.Press("Xác nhận")
			off.Expect("behalf.registered")
			s, err := subjects.FindByPhone(ctx, "+84977123974")
			if err != nil || s.CommuneCode != "25480" {
				t.Fatalf("the subject registered for: %+v, %v", s, err)
			}
			if _, err := users.Get(ctx, off.channel(), off.chatID()); err != nil {
				t.Fatal(err)
			}
			off.Quiet()
			tu.Quiet()
			binh.Quiet()
			hoa.Quiet()
		})
	}
}

// TestOneChatFloodingDelaysNobodyElse: with Telegram's limit per chat (one
// message a second), a user flooding the bot gets 429s on their own chat;
// that chat is held, the others are answered at once, and the flooding
// user is asked to slow down (once), not everybody.
func TestOneChatFloodingDelaysNobodyElse(t *testing.T) {
	h := newEventsHarness(t, "embedded", telegramtest.WithPerChatLimit(1))
	h.env["USER_RATE"] = "12" // 6 at once, then one every 5 s
	h.start()
	flood := h.tgUser(995, "Lũ")
	other := h.tgUser(996, "Khác")
	for range 40 {
		flood.Send("xin chao")
	}
	deadline := time.Now().Add(wait)
	for h.api.TooManyRequests() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h.api.TooManyRequests() == 0 {
		t.Fatal("the flood met no per-chat limit")
	}
	for i := range 3 {
		if i > 0 {
			time.Sleep(1100 * time.Millisecond) // the other's own chat limit
		}
		start := time.Now()
		other.Send("/start")
		other.Expect("start.welcome")
		if d := time.Since(start); d > 700*time.Millisecond {
			t.Errorf("try %d: another user's reply took %v while one chat floods", i+1, d)
		}
		other.Expect("consent.ask")
	}
	if n := flood.countIn("trust.slow_down"); n != 1 {
		t.Errorf("the flooding user was asked to slow down %d times, want once", n)
	}
}

// countIn counts the bot's messages to a Telegram user made of id, waiting
// a moment for those on their way.
func (p *person) countIn(id string) int {
	p.h.t.Helper()
	n := 0
	deadline := time.Now().Add(15 * time.Second)
	for n == 0 && time.Now().Before(deadline) {
		n = 0
		for _, m := range p.h.api.Messages(p.u.ID) {
			if p.h.matches(m.Text, "vi", id) {
				n++
			}
		}
		if n == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return n
}

// TestMatrixFloodingPersonIsAskedToSlowDown: on both channels, one person
// sending faster than USER_RATE is told once to slow down and the rest of
// the flood is not handled; someone else is answered as usual.
func TestMatrixFloodingPersonIsAskedToSlowDown(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.env["USER_RATE"] = "12" // 6 at once, then one every 5 s
			h.start()
			flood, other := h.user(997, "Lũ"), h.user(998, "Khác")
			for range 20 {
				flood.Send("/trogiup")
			}
			other.Send("/start")
			other.Expect("start.welcome")
			other.Expect("consent.ask")
			if !flood.waitUntil(func() bool { return flood.count("trust.slow_down") == 1 }) {
				t.Fatalf("the flooding person was told %d times to slow down, want once", flood.count("trust.slow_down"))
			}
			if n := flood.count("help.text"); n == 0 || n > 6+1 {
				t.Errorf("%d of the flood were handled, want 1 to 7", n)
			}
		})
	}
}
