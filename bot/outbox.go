package bot

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Notice is a message for one user that is not a reply: a reminder, a
// stage change, an announcement. It is rendered in the user's language
// when it is sent.
type Notice struct {
	Msg  string            `json:"msg"`
	Data map[string]string `json:"data,omitempty"`
	Lang string            `json:"lang,omitempty"`
}

// Outgoing is a queued notice as the outbox hands it out.
type Outgoing struct {
	ID       int64
	Key      string
	Channel  string
	ChatID   string
	Payload  []byte // a JSON Notice
	Attempts int
}

// Outbox is the durable queue of notices: a row is written before
// sending and marked after, so a restart neither skips nor repeats one
// (only a message in flight at a crash may go twice).
type Outbox interface {
	Claim(ctx context.Context, now time.Time, limit int) ([]Outgoing, error)
	MarkSent(ctx context.Context, id int64) error
	MarkFailed(ctx context.Context, id int64, errText string, retryAt time.Time, final bool) error
	MarkBlocked(ctx context.Context, id int64) error
	// MarkWaiting: outside the messenger's reply window; sent when the
	// user writes again.
	MarkWaiting(ctx context.Context, id int64) error
	Recover(ctx context.Context) (int64, error)
}

// Lease lets one process at a time send notices.
type Lease interface {
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, name, holder string) error
}

// OutboxWorker sends queued notices while it holds the lease; a second
// process started by mistake waits instead of doubling them.
type OutboxWorker struct {
	Outbox Outbox
	Lease  Lease
	Engine *Engine
	Holder string // unique per process
	Now    func() time.Time
	// Interval between rounds; Schedule (may be nil) runs at the start of
	// every round while the lease is held, to enqueue what is due.
	Interval    time.Duration
	Schedule    func(ctx context.Context, now time.Time) error
	MaxAttempts int
	Log         *slog.Logger

	wakeOnce sync.Once
	wake     chan struct{}
}

// Wake asks for a round now (something was just queued).
func (w *OutboxWorker) Wake() {
	w.wakeOnce.Do(func() { w.wake = make(chan struct{}, 1) })
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// LeaseName is the lease of the notice sender.
const LeaseName = "outbox-sender"

// Run works until ctx ends, then releases the lease.
func (w *OutboxWorker) Run(ctx context.Context) error {
	if w.Interval <= 0 {
		w.Interval = time.Second
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 5
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	w.wakeOnce.Do(func() { w.wake = make(chan struct{}, 1) })
	recovered := false
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	defer func() { _ = w.Lease.Release(context.WithoutCancel(ctx), LeaseName, w.Holder) }()
	for {
		held, err := w.Lease.Acquire(ctx, LeaseName, w.Holder, 3*w.Interval+10*time.Second)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("outbox: lease", "err", err)
		}
		if held {
			if !recovered {
				if n, err := w.Outbox.Recover(ctx); err != nil {
					w.Log.Warn("outbox: recover", "err", err)
				} else {
					recovered = true
					if n > 0 {
						w.Log.Info("outbox: messages in flight at the last stop queued again", "count", n)
					}
				}
			}
			if err := w.Round(ctx); err != nil && ctx.Err() == nil {
				w.Log.Warn("outbox: round", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.wake:
		}
	}
}

// Round enqueues what is due and sends what is queued. Call it only while
// holding the lease (tests call it directly).
func (w *OutboxWorker) Round(ctx context.Context) error {
	now := w.Now()
	if w.Schedule != nil {
		if err := w.Schedule(ctx, now); err != nil {
			return err
		}
	}
	for {
		batch, err := w.Outbox.Claim(ctx, now, 20)
		if err != nil || len(batch) == 0 {
			return err
		}
		for _, m := range batch {
			w.send(ctx, m)
		}
	}
}

func (w *OutboxWorker) send(ctx context.Context, m Outgoing) {
	var n Notice
	if err := json.Unmarshal(m.Payload, &n); err != nil || n.Msg == "" {
		_ = w.Outbox.MarkFailed(ctx, m.ID, "bad payload", time.Time{}, true)
		return
	}
	data := make(map[string]any, len(n.Data))
	for k, v := range n.Data {
		data[k] = v
	}
	lang := n.Lang
	if lang == "" {
		lang = "vi"
	}
	err := w.Engine.SendTo(ctx, m.Channel, m.ChatID, Reply{Text: w.Engine.T(lang, n.Msg, data)})
	switch {
	case err == nil:
		err = w.Outbox.MarkSent(context.WithoutCancel(ctx), m.ID)
	case errors.Is(err, ErrBlocked):
		err = w.Outbox.MarkBlocked(context.WithoutCancel(ctx), m.ID)
	case errors.Is(err, ErrOutsideWindow):
		err = w.Outbox.MarkWaiting(context.WithoutCancel(ctx), m.ID)
	default:
		final := m.Attempts+1 >= w.MaxAttempts
		retry := w.Now().Add(time.Duration(1<<min(m.Attempts, 10)) * 30 * time.Second)
		w.Log.Warn("outbox: send failed", "id", m.ID, "attempt", m.Attempts+1, "final", final, "err", err)
		err = w.Outbox.MarkFailed(context.WithoutCancel(ctx), m.ID, err.Error(), retry, final)
	}
	if err != nil {
		w.Log.Error("outbox: mark", "id", m.ID, "err", err)
	}
}
