package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
)

// memInbox is an in-memory Inbox: recorded items stay pending until marked.
type memInbox struct {
	mu      sync.Mutex
	pending []bot.InboxItem
	done    []int64
}

func (m *memInbox) RecordBatch(_ context.Context, _ string, items []bot.InboxItem) ([]bot.InboxItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, items...)
	return items, nil
}

func (m *memInbox) MarkDone(_ context.Context, _ string, ids ...int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done = append(m.done, ids...)
	return nil
}

func (m *memInbox) Pending(context.Context, string) ([]bot.InboxItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []bot.InboxItem
	for _, it := range m.pending {
		if !slices.Contains(m.done, it.UpdateID) {
			out = append(out, it)
		}
	}
	return out, nil
}

func (m *memInbox) NextOffset(context.Context, string) (int64, error) { return 0, nil }

func (m *memInbox) marked() []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.done)
	slices.Sort(out)
	return out
}

// After a restart the updates recorded but not marked are handed out
// again: one whose de-duplication mark says it was handled is only marked,
// one claimed by the process that died (or not claimed) is handled, once,
// as recovered, whether the channel decoded it or not; an update that
// decodes to nothing is marked.
func TestIntakeRecover(t *testing.T) {
	h := bottest.New(t)
	var mu sync.Mutex
	var handled []string
	h.Engine.Command(bot.Command{Name: "/dem", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		mu.Lock()
		handled = append(handled, c.Update.Args+map[bool]string{true: "(recovered)"}[c.Update.Recovered])
		mu.Unlock()
		return c.Say(ctx, "common.done")
	}})
	ctx := t.Context()
	dedup := bot.NewDeduper(h.KV)
	// Update 1 was handled before the stop, 2 was being handled.
	if err := dedup.Finish(ctx, bottest.Channel, 1); err != nil {
		t.Fatal(err)
	}
	if ok, err := dedup.Begin(ctx, bottest.Channel, 2); !ok || err != nil {
		t.Fatalf("Begin = %v, %v", ok, err)
	}
	update := func(id int64, arg string) *bot.Update {
		return &bot.Update{Channel: bottest.Channel, ID: id, UserID: "u1", ChatID: "u1", Private: true, Kind: bot.KindCommand, Command: "/dem", Args: arg}
	}
	payload := func(u *bot.Update) []byte {
		b, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	inbox := &memInbox{pending: []bot.InboxItem{
		{Channel: bottest.Channel, UpdateID: 1, Decoded: true, Update: update(1, "a")},
		{Channel: bottest.Channel, UpdateID: 2, Decoded: true, Update: update(2, "b")},
		{Channel: bottest.Channel, UpdateID: 3, Payload: payload(update(3, "c"))},
		{Channel: bottest.Channel, UpdateID: 4, Payload: []byte("null")},
	}}
	d := bot.NewDispatcher(ctx, h.Engine.Handle, 2, nil)
	in := &bot.Intake{Channel: bottest.Channel, Inbox: inbox, Dedup: dedup, Dispatcher: d, Decode: func(p []byte) (*bot.Update, error) {
		var u *bot.Update
		return u, json.Unmarshal(p, &u)
	}}
	n, err := in.Recover(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Recover = %d, %v; want 3 handed out", n, err)
	}
	d.Wait()
	in.Flush()
	if want := []string{"b(recovered)", "c(recovered)"}; !slices.Equal(handled, want) {
		t.Fatalf("handled %q, want %q", handled, want)
	}
	if got := inbox.marked(); !slices.Equal(got, []int64{1, 2, 3, 4}) {
		t.Fatalf("marked %v, want all four", got)
	}
	// A second start finds nothing to do.
	if n, err := in.Recover(ctx); n != 0 || err != nil {
		t.Fatalf("second Recover = %d, %v", n, err)
	}
	// New updates go through Accept and are handled in order.
	if err := in.Accept(ctx, []bot.InboxItem{{UpdateID: 5, Payload: payload(update(5, "d"))}, {UpdateID: 6, Decoded: true, Update: update(6, "e")}}); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	in.Flush()
	if want := []string{"b(recovered)", "c(recovered)", "d", "e"}; !slices.Equal(handled, want) {
		t.Fatalf("handled %q, want %q", handled, want)
	}
}

// Recover stops at a store that fails, and says so.
func TestIntakeRecoverFails(t *testing.T) {
	h := bottest.New(t)
	inbox := &memInbox{pending: []bot.InboxItem{{UpdateID: 1, Payload: []byte("null")}}}
	d := bot.NewDispatcher(t.Context(), h.Engine.Handle, 1, nil)
	in := &bot.Intake{Channel: bottest.Channel, Inbox: inbox, Dedup: bot.NewDeduper(h.KV), Dispatcher: d,
		Decode: func([]byte) (*bot.Update, error) { return nil, nil }}
	h.KV.Fail(1)
	if n, err := in.Recover(t.Context()); err == nil || n != 0 {
		t.Fatalf("Recover over a failing store = %d, %v", n, err)
	}
}

// An update whose store was unavailable is tried again a little later;
// one still failing when the dispatcher stops is left to the next start.
func TestDispatcherRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	tries := map[int64]int{}
	down := errors.New("store down")
	d := bot.NewDispatcher(ctx, func(_ context.Context, u *bot.Update) error {
		mu.Lock()
		defer mu.Unlock()
		tries[u.ID]++
		if u.ID == 1 && tries[u.ID] == 1 || u.ID == 2 {
			return down
		}
		return nil
	}, 2, nil)
	results := make(chan error, 2)
	start := time.Now()
	d.Dispatch(&bot.Update{Channel: "t", ID: 1, UserID: "a"}, func(err error) { results <- err })
	if err := <-results; err != nil || tries[1] != 2 {
		t.Fatalf("update 1: %v after %d tries, want handled at the second", err, tries[1])
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Fatalf("tried again after %v, want a pause", el)
	}
	d.Dispatch(&bot.Update{Channel: "t", ID: 2, UserID: "b"}, func(err error) { results <- err })
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-results; err == nil {
		t.Fatal("an update failing until the stop was reported handled")
	}
	d.Wait()
}
