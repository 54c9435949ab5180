package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/locales"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// recorder is a Sender that keeps what it was asked to send.
type recorder struct {
	mu      sync.Mutex
	texts   []string
	answers []string
}

func (r *recorder) Send(_ context.Context, _ string, rep bot.Reply) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.texts = append(r.texts, rep.Text)
	return "1", nil
}

func (r *recorder) AnswerCallback(_ context.Context, _, text string, _ bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = append(r.answers, text)
	return nil
}

// A handler that fails or panics leaves the user with a clear answer, and
// the update is not handed back for another try (it got its answer).
func TestFailuresAreAnsweredOnce(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	kv := sqlite.NewKV(db)
	e := bot.New(bot.Config{Users: sqlite.NewUserStore(db), Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv), Translator: tr})
	e.Command(bot.Command{Name: "/loi", Access: bot.Anyone, Handle: func(context.Context, *bot.Ctx) error {
		return domain.E("test", domain.KindInternal, errors.New("boom"))
	}})
	e.Command(bot.Command{Name: "/ban", Access: bot.Anyone, Handle: func(context.Context, *bot.Ctx) error {
		return domain.E("test", domain.KindUnavailable, errors.New("redis down"))
	}})
	e.Command(bot.Command{Name: "/panic", Access: bot.Anyone, Handle: func(context.Context, *bot.Ctx) error { panic("oops") }})
	rec := &recorder{}
	e.SetSender("t", rec)
	internal, _ := tr.Template("vi", "error.internal")
	unavailable, _ := tr.Template("vi", "error.unavailable")
	for i, tc := range []struct{ cmd, want string }{{"/loi", internal}, {"/ban", unavailable}, {"/panic", internal}} {
		u := &bot.Update{Channel: "t", ID: int64(i + 1), UserID: "7", ChatID: "7", Private: true, Kind: bot.KindCommand, Command: tc.cmd}
		if err := e.Handle(context.Background(), u); err != nil {
			t.Fatalf("%s: Handle = %v, want nil (answered, not to be retried)", tc.cmd, err)
		}
		rec.mu.Lock()
		got := rec.texts[len(rec.texts)-1]
		rec.mu.Unlock()
		if !strings.Contains(got, strings.SplitN(tc.want, ".", 2)[0]) {
			t.Errorf("%s answered %q, want %q", tc.cmd, got, tc.want)
		}
	}
	if len(rec.texts) != 3 {
		t.Fatalf("%d answers for 3 failures: %q", len(rec.texts), rec.texts)
	}
}

// countingKV counts the round trips to a batching store.
type countingKV struct {
	*sqlite.KV
	mu    sync.Mutex
	trips int
}

func (k *countingKV) trip() { k.mu.Lock(); k.trips++; k.mu.Unlock() }

func (k *countingKV) Get(ctx context.Context, key string) ([]byte, bool, error) {
	k.trip()
	return k.KV.Get(ctx, key)
}

func (k *countingKV) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	k.trip()
	return k.KV.Set(ctx, key, v, ttl)
}

func (k *countingKV) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	k.trip()
	return k.KV.SetNX(ctx, key, v, ttl)
}

func (k *countingKV) Del(ctx context.Context, key string) error {
	k.trip()
	return k.KV.Del(ctx, key)
}

func (k *countingKV) Batch(ctx context.Context, ops []*domain.KVOp) error {
	k.trip()
	return k.KV.Batch(ctx, ops)
}

// With the marks and the sessions in one batching store, the first update
// of a user costs two round trips: the claim with the session's read, then
// the save with the "done" mark. The next one, whose session this process
// wrote, costs only the save; one recovered after a restart is claimed
// again. A second copy of an update is not handled, and the session holds
// what the handler put in it.
func TestUpdateRoundTrips(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	kv := &countingKV{KV: sqlite.NewKV(db)}
	sessions := bot.NewSessionStore(kv)
	e := bot.New(bot.Config{Users: sqlite.NewUserStore(db), Sessions: sessions, Dedup: bot.NewDeduper(kv), Translator: tr})
	var handled int
	e.Command(bot.Command{Name: "/dem", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		handled++
		c.Session.Put("n", strings.Repeat("i", handled))
		return c.Send(ctx, bot.Reply{Text: "ok"})
	}})
	e.SetSender("t", &recorder{})
	want := map[int64]int{1: 2, 2: 1, 3: 2}
	for _, id := range []int64{1, 2, 3} {
		u := &bot.Update{Channel: "t", ID: id, UserID: "7", ChatID: "7", Private: true, Kind: bot.KindCommand, Command: "/dem", Recovered: id == 3}
		kv.mu.Lock()
		kv.trips = 0
		kv.mu.Unlock()
		if err := e.Handle(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		if kv.trips != want[id] {
			t.Errorf("update %d: %d round trips to the store, want %d", id, kv.trips, want[id])
		}
	}
	dup := &bot.Update{Channel: "t", ID: 2, UserID: "7", ChatID: "7", Private: true, Kind: bot.KindCommand, Command: "/dem"}
	if err := e.Handle(context.Background(), dup); err != nil || handled != 3 {
		t.Fatalf("a second copy of update 2: %v, handled %d times in all, want 3", err, handled)
	}
	s, _, err := sessions.Load(context.Background(), "t", "7")
	if err != nil || s.Get("n") != "iii" {
		t.Errorf("session after two updates: %q, %v", s.Get("n"), err)
	}
	if v, ok, _ := kv.KV.Get(context.Background(), "upd:t:2"); !ok || string(v) != "done" {
		t.Errorf("update 2's mark = %q, %v; want done", v, ok)
	}
	// After a restart (a new engine over the same store), update 2 handed
	// out again is found done.
	e2 := bot.New(bot.Config{Users: sqlite.NewUserStore(db), Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv), Translator: tr})
	e2.Command(bot.Command{Name: "/dem", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		handled++
		return nil
	}})
	e2.SetSender("t", &recorder{})
	again := *dup
	again.Recovered = true
	if err := e2.Handle(context.Background(), &again); err != nil || handled != 3 {
		t.Fatalf("update 2 recovered after a restart: %v, handled %d times in all, want 3", err, handled)
	}
}

// The next update of a user takes the session the last one left, without
// decoding it again, unless that one failed: then what the store holds.
func TestSessionHandedToTheNextUpdate(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	kv := sqlite.NewKV(db)
	e := bot.New(bot.Config{Users: sqlite.NewUserStore(db), Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv), Translator: tr})
	var seen []*bot.Session
	var values []string
	e.Command(bot.Command{Name: "/dem", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		seen = append(seen, c.Session)
		values = append(values, c.Session.Get("n"))
		c.Session.Put("n", c.Session.Get("n")+"i")
		if c.Update.Args == "hong" {
			return errors.New("the step failed after changing the session")
		}
		return c.Send(ctx, bot.Reply{Text: "ok"})
	}})
	e.SetSender("t", &recorder{})
	for i, args := range []string{"", "", "hong", ""} {
		u := &bot.Update{Channel: "t", ID: int64(i + 1), UserID: "7", ChatID: "7", Private: true, Kind: bot.KindCommand, Command: "/dem", Args: args}
		_ = e.Handle(context.Background(), u)
	}
	if want := []string{"", "i", "ii", "ii"}; strings.Join(values, ",") != strings.Join(want, ",") {
		t.Errorf("the updates saw %q, want %q (a failed step's changes are not kept)", values, want)
	}
	if seen[1] != seen[0] || seen[2] != seen[1] {
		t.Error("an update after one that ended well did not get its session as it was left")
	}
	if seen[3] == seen[2] {
		t.Error("the update after a failed one got the session the failed one had changed")
	}
}
