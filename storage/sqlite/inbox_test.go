package sqlite_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func updateIDs(items []sqlite.InboxItem) []int64 {
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.UpdateID)
	}
	return ids
}

// openInbox opens the inbox in a file of its own, as the bot does.
func openInbox(t *testing.T, c *clock) (*sqlite.DB, string) {
	t.Helper()
	path := sqlite.InboxPath(filepath.Join(t.TempDir(), "data", "ocop.db"))
	return reopenInbox(t, path, c), path
}

func reopenInbox(t *testing.T, path string, c *clock) *sqlite.DB {
	t.Helper()
	db, err := sqlite.OpenInboxDB(t.Context(), path, c.Now)
	if err != nil {
		t.Fatalf("OpenInboxDB: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestInbox(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, path := openInbox(t, c)
	in := sqlite.NewInbox(db)

	if off, err := in.NextOffset(ctx, "telegram"); err != nil || off != 0 {
		t.Fatalf("NextOffset of an empty inbox = %d, %v; want 0", off, err)
	}

	isNew, err := in.Record(ctx, "telegram", 10, "u1", []byte(`{"update_id":10}`))
	if err != nil || !isNew {
		t.Fatalf("Record = %v, %v; want true", isNew, err)
	}
	isNew, err = in.Record(ctx, "telegram", 10, "u1", []byte(`changed`))
	if err != nil || isNew {
		t.Fatalf("Record of a duplicate = %v, %v; want false", isNew, err)
	}

	// A batch with old, new and repeated ids, out of order.
	c.Advance(time.Second)
	batchAt := c.Now()
	newOnes, err := in.RecordBatch(ctx, "telegram", []sqlite.InboxItem{
		{UpdateID: 12, UserKey: "u2", Payload: []byte{0, 1, 2}},
		{UpdateID: 10, UserKey: "u1", Payload: []byte("dup")},
		{UpdateID: 11, UserKey: "u1"},
		{UpdateID: 12, UserKey: "u2", Payload: []byte("dup in batch")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []sqlite.InboxItem{
		{Channel: "telegram", UpdateID: 12, UserKey: "u2", Payload: []byte{0, 1, 2}, ReceivedAt: batchAt},
		{Channel: "telegram", UpdateID: 11, UserKey: "u1", ReceivedAt: batchAt},
	}
	if !reflect.DeepEqual(newOnes, want) {
		t.Fatalf("RecordBatch new ones = %+v\nwant %+v", newOnes, want)
	}
	if _, err := in.RecordBatch(ctx, "telegram", []sqlite.InboxItem{{Channel: "zalo", UpdateID: 1}}); domain.ErrorKind(err) != domain.KindInvalid {
		t.Errorf("RecordBatch with a foreign item: %v, want KindInvalid", err)
	}
	if newOnes, err := in.RecordBatch(ctx, "telegram", nil); err != nil || len(newOnes) != 0 {
		t.Errorf("RecordBatch(nil) = %v, %v", newOnes, err)
	}

	// Another channel has its own ids and offset.
	if _, err := in.Record(ctx, "zalo", 10, "z1", []byte("z")); err != nil {
		t.Fatal(err)
	}

	pending, err := in.Pending(ctx, "telegram")
	if err != nil {
		t.Fatal(err)
	}
	if got := updateIDs(pending); !reflect.DeepEqual(got, []int64{10, 11, 12}) {
		t.Fatalf("Pending = %v, want [10 11 12]", got)
	}
	if string(pending[0].Payload) != `{"update_id":10}` || pending[0].UserKey != "u1" {
		t.Errorf("first pending = %+v: the duplicate changed it", pending[0])
	}
	if off, _ := in.NextOffset(ctx, "telegram"); off != 13 {
		t.Errorf("NextOffset = %d, want 13", off)
	}
	if off, _ := in.NextOffset(ctx, "zalo"); off != 11 {
		t.Errorf("NextOffset(zalo) = %d, want 11", off)
	}

	// Done ones leave Pending; marking twice is fine; a missing one is not found.
	// Several are marked at once, repeated ids and all.
	if err := in.MarkDone(ctx, "telegram", 12, 10, 12); err != nil {
		t.Fatalf("MarkDone(12, 10, 12): %v", err)
	}
	if err := in.MarkDone(ctx, "telegram", 12); err != nil {
		t.Fatalf("MarkDone(12) again: %v", err)
	}
	if err := in.MarkDone(ctx, "telegram", 99); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("MarkDone of a missing update: %v, want ErrNotFound", err)
	}
	if err := in.MarkDone(ctx, "telegram"); err != nil {
		t.Errorf("MarkDone of nothing: %v", err)
	}
	if pending, _ := in.Pending(ctx, "zalo"); !reflect.DeepEqual(updateIDs(pending), []int64{10}) {
		t.Errorf("zalo's update 10 was marked with telegram's: pending %v", updateIDs(pending))
	}
	if pending, _ := in.Pending(ctx, "telegram"); !reflect.DeepEqual(updateIDs(pending), []int64{11}) {
		t.Fatalf("Pending after MarkDone = %v, want [11]", updateIDs(pending))
	}

	// Prune deletes done rows older than the time, never pending ones, and the
	// offset survives it and a reopen.
	if n, err := in.Prune(ctx, batchAt); err != nil || n != 1 {
		t.Fatalf("Prune(batch time) = %d, %v; want 1 (update 10)", n, err)
	}
	c.Advance(time.Hour)
	if n, err := in.Prune(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("Prune(now) = %d, %v; want 1 (update 12)", n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	in = sqlite.NewInbox(reopenInbox(t, path, c))
	if off, err := in.NextOffset(ctx, "telegram"); err != nil || off != 13 {
		t.Fatalf("NextOffset after prune and reopen = %d, %v; want 13", off, err)
	}
	if pending, _ := in.Pending(ctx, "telegram"); !reflect.DeepEqual(updateIDs(pending), []int64{11}) {
		t.Fatalf("Pending after prune and reopen = %v, want [11]", updateIDs(pending))
	}
	// A pruned id delivered again is new again: the offset keeps the channel
	// from sending it, the inbox need not remember it.
	if isNew, err := in.Record(ctx, "telegram", 10, "u1", nil); err != nil || !isNew {
		t.Fatalf("Record of an old id = %v, %v", isNew, err)
	}
	if off, _ := in.NextOffset(ctx, "telegram"); off != 13 {
		t.Errorf("NextOffset went back to %d after an old id", off)
	}
}

// TestInboxConcurrentWriters records from several goroutines at once, as the
// poller, the webhook and the workers marking updates done would.
func TestInboxConcurrentWriters(t *testing.T) {
	ctx := t.Context()
	db, _ := openInbox(t, newClock())
	in := sqlite.NewInbox(db)
	const writers, perWriter = 8, 40

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				id := int64(w*perWriter + i)
				var err error
				if i%2 == 0 {
					_, err = in.Record(ctx, "telegram", id, fmt.Sprint("u", w), []byte("p"))
				} else {
					_, err = in.RecordBatch(ctx, "telegram", []sqlite.InboxItem{{UpdateID: id, UserKey: fmt.Sprint("u", w)}})
				}
				if err == nil && i%4 == 0 {
					err = in.MarkDone(ctx, "telegram", id)
				}
				if err != nil {
					t.Errorf("writer %d, update %d: %v", w, id, err)
					return
				}
			}
		})
	}
	wg.Wait()

	pending, err := in.Pending(ctx, "telegram")
	if err != nil {
		t.Fatal(err)
	}
	if want := writers * perWriter * 3 / 4; len(pending) != want {
		t.Errorf("%d pending, want %d", len(pending), want)
	}
	if off, err := in.NextOffset(ctx, "telegram"); err != nil || off != writers*perWriter {
		t.Errorf("NextOffset = %d, %v; want %d", off, err, writers*perWriter)
	}
}

// A page of long polling larger than one statement is recorded whole, the
// channel's offset follows the highest id, and a page half seen before
// gives back only the new half.
func TestInboxLargeBatch(t *testing.T) {
	ctx := t.Context()
	db, _ := openInbox(t, newClock())
	in := sqlite.NewInbox(db)
	page := func(from, n int64) []sqlite.InboxItem {
		var items []sqlite.InboxItem
		for id := from; id < from+n; id++ {
			items = append(items, sqlite.InboxItem{UpdateID: id, UserKey: fmt.Sprint("u", id%7)})
		}
		return items
	}
	got, err := in.RecordBatch(ctx, "telegram", page(1, 150))
	if err != nil || len(got) != 150 {
		t.Fatalf("150 new updates: %d recorded, %v", len(got), err)
	}
	if off, _ := in.NextOffset(ctx, "telegram"); off != 151 {
		t.Errorf("NextOffset = %d, want 151", off)
	}
	got, err = in.RecordBatch(ctx, "telegram", page(101, 100))
	if err != nil || len(got) != 50 || got[0].UpdateID != 151 {
		t.Fatalf("a page half seen: %d new (first %v), %v", len(got), updateIDs(got)[:min(1, len(got))], err)
	}
	if off, _ := in.NextOffset(ctx, "telegram"); off != 201 {
		t.Errorf("NextOffset = %d, want 201", off)
	}
}

// TestInboxMovesFromTheMainFile: what an older version recorded in the
// main file's inbox (pending and handled updates, the channels' offsets)
// moves to the inbox's own file, once; a stop between the copy and the
// emptying of the main file only makes the next start copy again, which
// changes nothing already there.
func TestInboxMovesFromTheMainFile(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	main, _ := open(t, c)
	idb, _ := openInbox(t, c)
	in := sqlite.NewInbox(idb)
	older := func() {
		t.Helper()
		if _, err := main.SQL().ExecContext(ctx, `INSERT INTO inbox (channel, update_id, user_key, payload, received_at, state, done_at)
VALUES ('telegram', 7, 'u', x'', 1, 'done', 2), ('telegram', 8, 'u', '{"text":"chưa xử lý"}', 3, 'pending', NULL),
	('zalo', 5, 'z', '{"event_name":"user_send_text"}', 4, 'pending', NULL)
ON CONFLICT DO NOTHING;
INSERT INTO channel_offsets (channel, max_update_id) VALUES ('telegram', 20)
ON CONFLICT (channel) DO UPDATE SET max_update_id = 20`); err != nil {
			t.Fatal(err)
		}
	}
	older()
	n, err := in.MoveFrom(ctx, main)
	if err != nil || n != 3 {
		t.Fatalf("MoveFrom = %d, %v; want 3", n, err)
	}
	check := func(when string) {
		t.Helper()
		if p, err := in.Pending(ctx, "zalo"); err != nil || len(p) != 1 || p[0].UpdateID != 5 || string(p[0].Payload) != `{"event_name":"user_send_text"}` {
			t.Errorf("%s: zalo pending %+v, %v", when, p, err)
		}
		if off, err := in.NextOffset(ctx, "telegram"); err != nil || off != 21 {
			t.Errorf("%s: telegram offset %d, %v; want 21 (kept from the main file)", when, off, err)
		}
		var left int
		if err := main.SQL().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM inbox) + (SELECT count(*) FROM channel_offsets)`).Scan(&left); err != nil || left != 0 {
			t.Errorf("%s: %d rows left in the main file, %v", when, left, err)
		}
	}
	check("moved")
	if p, _ := in.Pending(ctx, "telegram"); len(p) != 1 || p[0].UpdateID != 8 || string(p[0].Payload) != `{"text":"chưa xử lý"}` {
		t.Errorf("telegram pending after the move: %+v", p)
	}

	// Update 8 is handled here; then a start finds the main file as a
	// stop before its emptying left it.
	if err := in.MarkDone(ctx, "telegram", 8); err != nil {
		t.Fatal(err)
	}
	older()
	if _, err := in.MoveFrom(ctx, main); err != nil {
		t.Fatal(err)
	}
	check("copied again")
	if p, _ := in.Pending(ctx, "telegram"); len(p) != 0 {
		t.Errorf("update 8, handled, is pending again after the second copy: %+v", p)
	}
	if n, err := in.MoveFrom(ctx, main); err != nil || n != 0 {
		t.Errorf("MoveFrom of an empty main file = %d, %v", n, err)
	}
	if n, err := in.MoveFrom(ctx, idb); err != nil || n != 0 {
		t.Errorf("MoveFrom of itself = %d, %v", n, err)
	}
	if b, err := in.Backlog(ctx); err != nil || b.Count != 1 || !b.Oldest.Equal(time.UnixMilli(4)) {
		t.Errorf("Backlog = %+v, %v; want the zalo update received at 4 ms", b, err)
	}
}
