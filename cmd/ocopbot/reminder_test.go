package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/telegram"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *fakeClock) String() string      { return c.Now().Format(time.RFC3339) }
func at8(day time.Time, h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }

// TestRemindersFireOnceAcrossRestarts drives the scheduler with an injected
// clock: each reminder is sent once, before and after a restart.
func TestRemindersFireOnceAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	api := telegramtest.New(t)
	dbPath := t.TempDir() + "/ocop.db"
	clock := &fakeClock{}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, loc))

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

	// A producer with a dossier in preparation and a certified product.
	subjects, users := sqlite.NewSubjectStore(a.db), a.users
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Muối tôm", Phone: "+84912000111", CommuneCode: "25480"}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	u, _ := users.Touch(ctx, "telegram", "801", "", "Tư")
	if err := users.LinkSubject(ctx, u.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	preparing := domain.Product{SubjectID: s.ID, Name: "Muối tôm", Set: 10, Stage: domain.StagePreparing, Rulebook: "qd26-2026", Year: 2026}
	if err := a.products.Create(ctx, &preparing, "25480", "80"); err != nil {
		t.Fatal(err)
	}
	expiry := time.Date(2027, 12, 20, 0, 0, 0, 0, loc)
	certified := domain.Product{SubjectID: s.ID, Name: "Bánh tráng", Set: 6, Stage: domain.StageRecognised, Rulebook: "qd26-2026", Year: 2026,
		Stars: 4, Score: 75, CertNo: "123/QĐ-UBND", CertIssued: expiry.AddDate(-3, 0, 0), CertExpires: expiry}
	if err := a.products.Create(ctx, &certified, "25480", "80"); err != nil {
		t.Fatal(err)
	}

	rules, _ := domain.DefaultRulebooks()
	cal, _ := domain.DefaultCalendar()
	dl := rules.InForce(clock.Now()).NextDeadline(cal, clock.Now())
	sent := func() []telegramtest.Message { return api.Messages(801) }
	round := func(a *app) {
		t.Helper()
		if err := a.outboxWorker().Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := func(n int, id string) {
		t.Helper()
		msgs := sent()
		if len(msgs) != n {
			t.Fatalf("at %s: %d reminders sent, want %d: %+v", clock, len(msgs), n, msgs)
		}
		if id != "" {
			if !matchesTemplate(t, a.engine.Translator(), msgs[n-1].Text, "vi", id) {
				t.Fatalf("reminder is not %s: %q", id, msgs[n-1].Text)
			}
		}
	}

	round(a)
	want(0, "")
	clock.Set(at8(dl.FileBy.AddDate(0, 0, -14), 9))
	round(a)
	want(1, "reminder.file_by")
	if !strings.Contains(sent()[0].Text, "Muối tôm") || !strings.Contains(sent()[0].Text, dl.FileBy.Format("02/01/2006")) {
		t.Fatalf("reminder text: %q", sent()[0].Text)
	}
	round(a)
	want(1, "")

	a.close() // restart
	a = start()
	round(a)
	want(1, "")
	clock.Set(at8(dl.FileBy.AddDate(0, 0, -3), 8))
	round(a)
	want(2, "reminder.file_by")
	clock.Set(clock.Now().Add(2 * time.Hour))
	round(a)
	want(2, "")

	open, closes := domain.ReevaluationWindow(expiry)
	clock.Set(at8(open, 7)) // before 08:00: not yet
	round(a)
	want(2, "")
	clock.Set(at8(open, 10))
	round(a)
	want(3, "reminder.reeval_open")
	a.close()
	a = start()
	round(a)
	want(3, "")
	clock.Set(at8(closes.AddDate(0, 0, -30), 8))
	round(a)
	want(4, "reminder.reeval_closing")
	round(a)
	want(4, "")
	a.close()
}
