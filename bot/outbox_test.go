package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
)

// memOutbox is an in-memory Outbox that records what became of each notice.
type memOutbox struct {
	mu        sync.Mutex
	queue     []bot.Outgoing
	marks     []string
	retryAt   map[int64]time.Time
	recovered int
}

func (o *memOutbox) Claim(_ context.Context, _ time.Time, limit int) ([]bot.Outgoing, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := min(limit, len(o.queue))
	out := o.queue[:n]
	o.queue = o.queue[n:]
	return out, nil
}

func (o *memOutbox) mark(s string) error {
	o.mu.Lock()
	o.marks = append(o.marks, s)
	o.mu.Unlock()
	return nil
}

func (o *memOutbox) MarkSent(_ context.Context, id int64) error {
	return o.mark(fmt.Sprint(id, " sent"))
}
func (o *memOutbox) MarkBlocked(_ context.Context, id int64) error {
	return o.mark(fmt.Sprint(id, " blocked"))
}
func (o *memOutbox) MarkWaiting(_ context.Context, id int64) error {
	return o.mark(fmt.Sprint(id, " waiting"))
}

func (o *memOutbox) MarkFailed(_ context.Context, id int64, _ string, retryAt time.Time, final bool) error {
	o.mu.Lock()
	if o.retryAt == nil {
		o.retryAt = map[int64]time.Time{}
	}
	o.retryAt[id] = retryAt
	o.mu.Unlock()
	return o.mark(fmt.Sprint(id, " failed final=", final))
}

func (o *memOutbox) Recover(context.Context) (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.recovered++
	return 1, nil
}

func (o *memOutbox) sorted() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.marks)
	slices.Sort(out)
	return out
}

// A queued notice is rendered in its language and sent; one to a user who
// blocked the bot, or who is outside the reply window, is set aside; a
// failed send is tried again later, and no more after the last attempt; a
// notice that cannot be read is dropped.
func TestOutboxRound(t *testing.T) {
	h := bottest.New(t)
	h.Sender.FailTo("blocked", bot.ErrBlocked)
	h.Sender.FailTo("away", bot.ErrOutsideWindow)
	h.Sender.FailTo("down", errors.New("502"))
	notice := func(id int64, chat string, attempts int, payload string) bot.Outgoing {
		return bot.Outgoing{ID: id, Channel: bottest.Channel, ChatID: chat, Attempts: attempts, Payload: []byte(payload)}
	}
	ob := &memOutbox{queue: []bot.Outgoing{
		notice(1, "ok", 0, `{"msg":"form.cancelled","data":{"Title":"Hồ sơ <1>"}}`),
		notice(2, "ok", 0, `{"msg":"form.cancelled","data":{"Title":"Dossier"},"lang":"en"}`),
		notice(3, "blocked", 0, `{"msg":"common.done"}`),
		notice(4, "away", 0, `{"msg":"common.done"}`),
		notice(5, "down", 0, `{"msg":"common.done"}`),
		notice(6, "down", 4, `{"msg":"common.done"}`),
		notice(7, "ok", 0, `{"data":{}}`),
		notice(8, "ok", 0, `not json`),
	}}
	var scheduled []time.Time
	// Round called directly needs what Run would default (a nil Log panics
	// on the first failed send).
	w := &bot.OutboxWorker{Outbox: ob, Engine: h.Engine, Now: h.Clock.Now, MaxAttempts: 5, Log: slog.New(slog.DiscardHandler), Schedule: func(_ context.Context, now time.Time) error {
		scheduled = append(scheduled, now)
		return nil
	}}
	if err := w.Round(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{"1 sent", "2 sent", "3 blocked", "4 waiting", "5 failed final=false", "6 failed final=true", "7 failed final=true", "8 failed final=true"}
	if got := ob.sorted(); !slices.Equal(got, want) {
		t.Fatalf("marks %q\nwant  %q", got, want)
	}
	if got, want := ob.retryAt[5], h.Clock.Now().Add(30*time.Second); !got.Equal(want) {
		t.Errorf("first retry at %v, want %v", got, want)
	}
	sent := h.Sender.Sent()
	if len(sent) != 2 || !h.Matches(sent[0].Text, "form.cancelled") || !h.MatchesIn(sent[1].Text, "en", "form.cancelled") {
		t.Fatalf("sent %+v", sent)
	}
	if want := "Hồ sơ &lt;1&gt;"; !strings.Contains(sent[0].Text, want) {
		t.Errorf("the notice's data was not escaped: %q", sent[0].Text)
	}
	if len(scheduled) != 1 || !scheduled[0].Equal(bottest.Epoch) {
		t.Errorf("scheduled at %v", scheduled)
	}
	w.Schedule = func(context.Context, time.Time) error { return errors.New("db down") }
	if err := w.Round(t.Context()); err == nil {
		t.Error("a failing schedule was not reported")
	}
}

// fakeLease is held by whoever asks first.
type fakeLease struct {
	mu       sync.Mutex
	holder   string
	released bool
}

func (l *fakeLease) Acquire(_ context.Context, _, holder string, _ time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == "" {
		l.holder = holder
	}
	return l.holder == holder, nil
}

func (l *fakeLease) Release(_ context.Context, _, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == holder {
		l.holder, l.released = "", true
	}
	return nil
}

// The worker holding the lease recovers the outbox once and sends what is
// queued, at once when woken; a second worker waits; the lease is released
// at the end.
func TestOutboxWorkerRun(t *testing.T) {
	h := bottest.New(t)
	ob := &memOutbox{}
	lease := &fakeLease{}
	ctx, cancel := context.WithCancel(t.Context())
	w := &bot.OutboxWorker{Outbox: ob, Lease: lease, Engine: h.Engine, Holder: "a", Interval: time.Hour}
	other := &bot.OutboxWorker{Outbox: ob, Lease: lease, Engine: h.Engine, Holder: "b", Interval: time.Hour}
	done := make(chan error, 2)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lease.mu.Lock()
		held := lease.holder == "a"
		lease.mu.Unlock()
		if held {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease was never taken")
		}
		time.Sleep(time.Millisecond)
	}
	go func() { done <- other.Run(ctx) }()
	ob.mu.Lock()
	ob.queue = append(ob.queue, bot.Outgoing{ID: 1, Channel: bottest.Channel, ChatID: "u1", Payload: []byte(`{"msg":"common.done"}`)})
	ob.mu.Unlock()
	w.Wake()
	for len(ob.sorted()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the woken worker sent nothing")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := ob.sorted(); !slices.Equal(got, []string{"1 sent"}) || ob.recovered != 1 || !lease.released {
		t.Fatalf("marks %q, recovered %d times, released %v", got, ob.recovered, lease.released)
	}
}
