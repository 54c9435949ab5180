// Package pipeline runs the bot's conversation pipeline in one process,
// without a network: the engine (de-duplication, middleware, sessions,
// forms) and the handlers wired as cmd/ocopbot wires them, over a real
// SQLite file, with a Sender that only remembers the last buttons sent to
// each chat. Its benchmark gives the CPU time, allocations and bytes per
// update of everything but the Telegram transport.
package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/handlers"
	"github.com/ocop-tayninh/ocopbot/locales"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// channel is the channel name the updates carry.
const channel = "telegram"

// Pipeline is the engine and handlers over one SQLite file.
type Pipeline struct {
	Engine *bot.Engine
	db     *sqlite.DB
	sender *Sender
	kv     *countingKV
}

// countingKV counts the calls to the store of sessions and marks: each is
// one round trip to Redis when the bot runs with it (a batch is one).
type countingKV struct {
	*sqlite.KV
	trips atomic.Int64
}

func (k *countingKV) Get(ctx context.Context, key string) ([]byte, bool, error) {
	k.trips.Add(1)
	return k.KV.Get(ctx, key)
}

func (k *countingKV) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	k.trips.Add(1)
	return k.KV.Set(ctx, key, v, ttl)
}

func (k *countingKV) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	k.trips.Add(1)
	return k.KV.SetNX(ctx, key, v, ttl)
}

func (k *countingKV) Del(ctx context.Context, key string) error {
	k.trips.Add(1)
	return k.KV.Del(ctx, key)
}

func (k *countingKV) Batch(ctx context.Context, ops []*domain.KVOp) error {
	k.trips.Add(1)
	return k.KV.Batch(ctx, ops)
}

// New wires the pipeline with its database in dir.
func New(ctx context.Context, dir string) (*Pipeline, error) {
	places, err := domain.DefaultPlaces()
	if err != nil {
		return nil, err
	}
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "ocop.db"), time.Now)
	if err != nil {
		return nil, err
	}
	users, kv := sqlite.NewUserStore(db), &countingKV{KV: sqlite.NewKV(db)}
	e := bot.New(bot.Config{
		Users: users, Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv),
		Translator: tr, Now: time.Now,
	})
	if err := handlers.Register(e, handlers.Deps{Users: users, Subjects: sqlite.NewSubjectStore(db), Places: places}); err != nil {
		db.Close()
		return nil, err
	}
	p := &Pipeline{Engine: e, db: db, sender: newSender(), kv: kv}
	e.SetSender(channel, p.sender)
	return p, nil
}

// Close closes the database.
func (p *Pipeline) Close() error { return p.db.Close() }

// Sender records how many messages each chat got and the buttons of the
// last message with buttons; it sends nothing.
type Sender struct {
	next  atomic.Int64
	chats map[string]*chat // written by one goroutine at a time (see Driver)
}

type chat struct {
	sent    int
	last    string // text of the last message
	buttons [][]bot.Button
	msgID   string
}

func newSender() *Sender { return &Sender{chats: map[string]*chat{}} }

// Send implements bot.Sender.
func (s *Sender) Send(_ context.Context, chatID string, r bot.Reply) (string, error) {
	c := s.chats[chatID]
	if c == nil {
		c = &chat{}
		s.chats[chatID] = c
	}
	id := r.Edit
	if id == "" {
		id = strconv.FormatInt(s.next.Add(1), 10)
		c.sent++
		c.last = r.Text
	}
	if len(r.Buttons) > 0 {
		c.buttons, c.msgID = r.Buttons, id
	}
	return id, nil
}

// AnswerCallback implements bot.Sender.
func (s *Sender) AnswerCallback(context.Context, string, string, bool) error { return nil }

// Driver plays users through a script, one update per call of Next: each
// user does every step, then the next user starts. Not safe for concurrent
// use.
type Driver struct {
	p      *Pipeline
	steps  []script.Step
	first  int64
	user   int64 // current user id
	userID string
	step   int
	update int64
}

// NewDriver returns a driver whose users have ids from first on.
func (p *Pipeline) NewDriver(steps []script.Step, first int64) *Driver {
	return &Driver{p: p, steps: steps, first: first, user: first - 1, step: len(steps)}
}

// Next handles the next update and checks that the bot answered it with as
// many messages as the script expects.
func (d *Driver) Next(ctx context.Context) error {
	if d.step == len(d.steps) {
		d.user++
		d.userID = strconv.FormatInt(d.user, 10)
		d.step = 0
	}
	st := d.steps[d.step]
	d.step++
	d.update++
	u := &bot.Update{Channel: channel, ID: d.update, UserID: d.userID, ChatID: d.userID, Private: true, Name: "Người dùng"}
	c := d.p.sender.chats[d.userID]
	switch st.Action {
	case script.Text:
		u.Text = st.TextFor(d.user)
		if cmd, args := bot.ParseCommand(u.Text); cmd != "" {
			u.Kind, u.Command, u.Args = bot.KindCommand, cmd, args
		} else {
			u.Kind = bot.KindText
		}
	case script.Contact:
		u.Kind = bot.KindContact
		u.Contact = &bot.Contact{Phone: st.TextFor(d.user), Own: true}
	case script.Press:
		data, ok := "", false
		if c != nil {
			data, ok = findButton(c.buttons, st.Arg)
		}
		if !ok {
			return fmt.Errorf("pipeline: user %d: no button %q", d.user, st.Arg)
		}
		u.Kind = bot.KindCallback
		u.Callback = &bot.Callback{ID: "cb", Data: data, MessageID: c.msgID}
	}
	before := 0
	if c != nil {
		before = c.sent
	}
	if err := d.p.Engine.Handle(ctx, u); err != nil {
		return fmt.Errorf("pipeline: user %d, step %d: %w", d.user, d.step, err)
	}
	c = d.p.sender.chats[d.userID]
	if got := c.sent - before; got != len(st.Expect) {
		return fmt.Errorf("pipeline: user %d, step %d: %d messages, want %d (%v); last: %q", d.user, d.step, got, len(st.Expect), st.Expect, c.last)
	}
	return nil
}

func findButton(rows [][]bot.Button, label string) (string, bool) {
	for _, row := range rows {
		for _, b := range row {
			if b.Data != "" && strings.Contains(b.Label, label) {
				return b.Data, true
			}
		}
	}
	return "", false
}

// Trips is the number of calls made to the store of sessions and marks
// (round trips to Redis, with it), and Messages the messages sent.
func (p *Pipeline) Trips() int64 { return p.kv.trips.Load() }

// Messages is the number of messages sent (edits not counted).
func (p *Pipeline) Messages() int64 { return p.sender.next.Load() }

// Benchmark runs b.N updates of full registrations (11 updates a user)
// through a new pipeline in a temporary directory: ns/op, B/op and
// allocs/op are per update, and so are kv-trips/op (round trips to the
// store of sessions: Redis, in production) and msgs/op.
func Benchmark(b *testing.B) {
	ctx := context.Background()
	p, err := New(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	d := p.NewDriver(script.Registration(), 1)
	b.ReportAllocs()
	b.ResetTimer()
	trips, msgs := p.Trips(), p.Messages()
	for i := 0; i < b.N; i++ {
		if err := d.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.Trips()-trips)/float64(b.N), "kv-trips/op")
	b.ReportMetric(float64(p.Messages()-msgs)/float64(b.N), "msgs/op")
}
