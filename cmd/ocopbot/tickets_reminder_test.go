package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/telegram"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// TestUnansweredQuestionsAreFollowedUp drives the scheduler with an
// injected clock: a question unanswered after 2 working days reminds the
// commune's officer, after 5 the province's officer is told and sees it in
// /hoidap; each once, across a restart.
func TestUnansweredQuestionsAreFollowedUp(t *testing.T) {
	ctx := context.Background()
	api := telegramtest.New(t)
	dbPath := t.TempDir() + "/ocop.db"
	clock := &fakeClock{}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	asked := time.Date(2026, 12, 3, 10, 0, 0, 0, loc) // a Thursday
	clock.Set(asked)

	start := func() *app {
		t.Helper()
		cfg, err := parseConfig("serve", nil, env(map[string]string{
			"TELEGRAM_BOT_TOKEN": api.Token(), "TELEGRAM_API_URL": api.URL(), "DB_PATH": dbPath,
		}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg.now = clock.Now
		a, err := build(ctx, cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		ch, err := telegram.Dial(ctx, telegram.Config{Token: api.Token(), APIURL: api.URL()}, a.users)
		if err != nil {
			t.Fatal(err)
		}
		a.engine.SetSender(telegram.ChannelName, ch.Sender)
		return a
	}
	a := start()
	users := a.users
	admin, _ := users.Touch(ctx, "telegram", "820", "", "Quản trị")
	commune, _ := users.Touch(ctx, "telegram", "821", "", "Cán bộ xã")
	province, _ := users.Touch(ctx, "telegram", "822", "", "Cán bộ tỉnh")
	other, _ := users.Touch(ctx, "telegram", "823", "", "Cán bộ xã khác")
	asker, _ := users.Touch(ctx, "telegram", "824", "", "Nông dân")
	if err := users.Grant(ctx, admin.ID, commune.ID, domain.RoleCommuneOfficer, []string{"25480"}); err != nil {
		t.Fatal(err)
	}
	if err := users.Grant(ctx, admin.ID, province.ID, domain.RoleProvinceOfficer, nil); err != nil {
		t.Fatal(err)
	}
	if err := users.Grant(ctx, admin.ID, other.ID, domain.RoleCommuneOfficer, []string{"25459"}); err != nil {
		t.Fatal(err)
	}
	tk := domain.Ticket{UserID: asker.ID, Commune: "25480", Question: "Bao giờ có đợt đánh giá?"}
	if err := sqlite.NewTicketStore(a.db).Create(ctx, &tk); err != nil {
		t.Fatal(err)
	}
	round := func() {
		t.Helper()
		if err := a.outboxWorker().Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	count := func(id int64, msg string) int {
		n := 0
		for _, m := range api.Messages(id) {
			if matchesTemplate(t, a.engine.Translator(), m.Text, "vi", msg) {
				n++
			}
		}
		return n
	}
	check := func(when string, communeRemind, provinceEscalated int) {
		t.Helper()
		if n := count(821, "qa.remind"); n != communeRemind {
			t.Errorf("%s: the commune officer got %d reminders, want %d", when, n, communeRemind)
		}
		if n := count(822, "qa.escalated"); n != provinceEscalated {
			t.Errorf("%s: the province officer got %d notices, want %d", when, n, provinceEscalated)
		}
		if n := len(api.Messages(823)) + len(api.Messages(824)); n != 0 {
			t.Errorf("%s: %d messages to people it is not for", when, n)
		}
	}

	clock.Set(time.Date(2026, 12, 7, 9, 59, 0, 0, loc)) // Monday, before 2 working days
	round()
	check("after 1 working day", 0, 0)
	clock.Set(time.Date(2026, 12, 7, 10, 0, 0, 0, loc))
	round()
	check("after 2 working days", 1, 0)
	round()
	a.close() // restart
	a = start()
	round()
	check("again after a restart", 1, 0)

	// The province officer does not see it in /hoidap yet.
	visible := func() bool {
		t.Helper()
		open, err := sqlite.NewTicketStore(a.db).Open(ctx)
		u, _ := a.users.GetByID(ctx, province.ID)
		cal, _ := domain.DefaultCalendar()
		if err != nil || len(open) != 1 {
			t.Fatalf("open questions: %+v, %v", open, err)
		}
		return open[0].VisibleTo(u, cal, clock.Now())
	}
	if visible() {
		t.Error("the province sees the question before 5 working days")
	}
	clock.Set(time.Date(2026, 12, 10, 10, 0, 0, 0, loc)) // Thursday: 5 working days
	round()
	check("after 5 working days", 1, 1)
	round()
	check("once", 1, 1)
	if !visible() {
		t.Error("the province does not see the question after 5 working days")
	}
	a.close()
}
