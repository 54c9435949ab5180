package sqlite_test

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func enqueue(t *testing.T, o *sqlite.Outbox, key string, notBefore time.Time) {
	t.Helper()
	ok, err := o.Enqueue(t.Context(), sqlite.OutboxMessage{Key: key, Kind: "reminder", Channel: "telegram",
		ChatID: "42", Payload: []byte(`{"msg":"remind.filing_14d"}`), NotBefore: notBefore})
	if err != nil || !ok {
		t.Fatalf("Enqueue(%q) = %v, %v; want true", key, ok, err)
	}
}

func claimKeys(t *testing.T, o *sqlite.Outbox, now time.Time, limit int) []string {
	t.Helper()
	ms, err := o.Claim(t.Context(), now, limit)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	keys := []string{}
	for _, m := range ms {
		if m.State != sqlite.OutboxSending {
			t.Errorf("claimed %q in state %q", m.Key, m.State)
		}
		keys = append(keys, m.Key)
	}
	return keys
}

func TestOutboxEnqueueDedup(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, path := open(t, c)
	o := sqlite.NewOutbox(db)

	m := sqlite.OutboxMessage{Key: "remind:filing-14d:7:2026-04", Kind: "reminder", Channel: "telegram", ChatID: "42",
		Payload: []byte(`{"msg":"a","data":{"x":"<b>'; DROP TABLE outbox;--"}}`)}
	if ok, err := o.Enqueue(ctx, m); err != nil || !ok {
		t.Fatalf("Enqueue = %v, %v", ok, err)
	}
	changed := m
	changed.Payload, changed.ChatID = []byte(`{"msg":"b"}`), "43"
	if ok, err := o.Enqueue(ctx, changed); err != nil || ok {
		t.Fatalf("Enqueue of the same key = %v, %v; want false", ok, err)
	}
	if ok, err := o.Has(ctx, m.Key); err != nil || !ok {
		t.Fatalf("Has = %v, %v", ok, err)
	}
	if ok, err := o.Has(ctx, "remind:other"); err != nil || ok {
		t.Fatalf("Has of another key = %v, %v", ok, err)
	}
	ms, err := o.Claim(ctx, c.Now(), 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Claim = %v, %v", ms, err)
	}
	want := m
	want.ID, want.State, want.NotBefore, want.CreatedAt = ms[0].ID, sqlite.OutboxSending, c.Now(), c.Now()
	if !reflect.DeepEqual(ms[0], want) {
		t.Fatalf("claimed %+v\nwant %+v", ms[0], want)
	}

	// Sent, and after a restart: the key is still known.
	if err := o.MarkSent(ctx, ms[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	o = sqlite.NewOutbox(reopen(t, path, c))
	if ok, err := o.Enqueue(ctx, m); err != nil || ok {
		t.Fatalf("Enqueue after a restart = %v, %v; want false", ok, err)
	}

	for _, bad := range []sqlite.OutboxMessage{
		{Channel: "telegram", ChatID: "42"},
		{Key: "k", ChatID: "42"},
		{Key: "k", Channel: "telegram"},
	} {
		_, err := o.Enqueue(ctx, bad)
		wantKind(t, err, domain.KindInvalid)
	}
}

func TestOutboxClaimAndMark(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	o := sqlite.NewOutbox(db)
	now := c.Now()

	enqueue(t, o, "later", now.Add(time.Hour))
	enqueue(t, o, "b", now.Add(-time.Minute))
	enqueue(t, o, "a", now.Add(-time.Hour))
	enqueue(t, o, "now", time.Time{}) // zero: at once
	enqueue(t, o, "c", now.Add(-time.Second))

	if keys := claimKeys(t, o, now, 2); !reflect.DeepEqual(keys, []string{"a", "b"}) {
		t.Fatalf("first claim %v, want [a b] (earliest first, at most 2)", keys)
	}
	if keys := claimKeys(t, o, now, 10); !reflect.DeepEqual(keys, []string{"c", "now"}) {
		t.Fatalf("second claim %v, want [c now]", keys)
	}
	if keys := claimKeys(t, o, now, 10); len(keys) != 0 {
		t.Fatalf("third claim %v, want none (claimed ones are not claimed again)", keys)
	}
	_, err := o.Claim(ctx, now, 0)
	wantKind(t, err, domain.KindInvalid)

	get := func(key string) sqlite.OutboxMessage {
		t.Helper()
		var id int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM outbox WHERE key = ?`, key).Scan(&id); err != nil {
			t.Fatal(err)
		}
		m, err := o.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, cc, n := get("a"), get("b"), get("c"), get("now")

	// Sent: once, harmlessly again.
	c.Advance(time.Second)
	if err := o.MarkSent(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	sentAt := c.Now()
	c.Advance(time.Second)
	if err := o.MarkSent(ctx, a.ID); err != nil {
		t.Fatalf("MarkSent again: %v", err)
	}
	if got := get("a"); got.State != sqlite.OutboxSent || !got.SentAt.Equal(sentAt) {
		t.Fatalf("sent message: state %q, sent at %v; want sent at %v", got.State, got.SentAt, sentAt)
	}

	// A failure to retry: pending again from retryAt, one attempt counted.
	retryAt := now.Add(10 * time.Minute)
	if err := o.MarkFailed(ctx, b.ID, "429 Too Many Requests", retryAt, false); err != nil {
		t.Fatal(err)
	}
	got := get("b")
	if got.State != sqlite.OutboxPending || got.Attempts != 1 || got.LastError != "429 Too Many Requests" || !got.NotBefore.Equal(retryAt) {
		t.Fatalf("after a failure: %+v", got)
	}
	if keys := claimKeys(t, o, retryAt.Add(-time.Millisecond), 10); len(keys) != 0 {
		t.Fatalf("claimed before retryAt: %v", keys)
	}
	if keys := claimKeys(t, o, retryAt, 10); !reflect.DeepEqual(keys, []string{"b"}) {
		t.Fatalf("claim at retryAt = %v, want [b]", keys)
	}
	// A final failure: given up.
	if err := o.MarkFailed(ctx, b.ID, "400 Bad Request", time.Time{}, true); err != nil {
		t.Fatal(err)
	}
	if got := get("b"); got.State != sqlite.OutboxFailed || got.Attempts != 2 || got.LastError != "400 Bad Request" {
		t.Fatalf("after a final failure: %+v", got)
	}

	// Blocked: never retried.
	if err := o.MarkBlocked(ctx, cc.ID); err != nil {
		t.Fatal(err)
	}
	if got := get("c"); got.State != sqlite.OutboxBlocked {
		t.Fatalf("blocked message in state %q", got.State)
	}

	// Marks are allowed only from sending.
	for name, err := range map[string]error{
		"MarkSent of a failed message":     o.MarkSent(ctx, b.ID),
		"MarkFailed of a sent message":     o.MarkFailed(ctx, a.ID, "x", now, false),
		"MarkBlocked of a sent message":    o.MarkBlocked(ctx, a.ID),
		"MarkFailed of a blocked message":  o.MarkFailed(ctx, cc.ID, "x", now, true),
		"MarkSent of a pending message":    o.MarkSent(ctx, get("later").ID),
		"MarkBlocked of a pending message": o.MarkBlocked(ctx, get("later").ID),
		"MarkFailed of a pending message":  o.MarkFailed(ctx, get("later").ID, "x", now, false),
	} {
		if domain.ErrorKind(err) != domain.KindConflict {
			t.Errorf("%s: %v, want KindConflict", name, err)
		}
	}
	wantKind(t, o.MarkSent(ctx, 404), domain.KindNotFound)
	wantKind(t, o.MarkFailed(ctx, 404, "x", now, false), domain.KindNotFound)
	wantKind(t, o.MarkBlocked(ctx, 404), domain.KindNotFound)
	_, err = o.Get(ctx, 404)
	wantKind(t, err, domain.KindNotFound)

	// Nothing else is due; "now" is still sending.
	if keys := claimKeys(t, o, now.Add(2*time.Hour), 10); !reflect.DeepEqual(keys, []string{"later"}) {
		t.Fatalf("claim later = %v, want [later]", keys)
	}
	if got := get("now"); got.ID != n.ID || got.State != sqlite.OutboxSending {
		t.Fatalf("'now' in state %q", got.State)
	}
}

// A crash while sending leaves messages "sending"; Recover at the next start
// makes them pending again, so none is skipped.
func TestOutboxRecoverAfterCrash(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, path := open(t, c)
	o := sqlite.NewOutbox(db)
	for i := range 5 {
		enqueue(t, o, fmt.Sprintf("m%d", i), time.Time{})
	}
	ms, err := o.Claim(ctx, c.Now(), 3)
	if err != nil || len(ms) != 3 {
		t.Fatalf("Claim = %d, %v", len(ms), err)
	}
	if err := o.MarkSent(ctx, ms[0].ID); err != nil {
		t.Fatal(err)
	}
	// The process dies with m1 and m2 in flight.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	o = sqlite.NewOutbox(reopen(t, path, c))
	if n, err := o.Recover(ctx); err != nil || n != 2 {
		t.Fatalf("Recover = %d, %v; want 2", n, err)
	}
	if n, err := o.Recover(ctx); err != nil || n != 0 {
		t.Fatalf("second Recover = %d, %v; want 0", n, err)
	}
	if keys := claimKeys(t, o, c.Now(), 10); !reflect.DeepEqual(keys, []string{"m1", "m2", "m3", "m4"}) {
		t.Fatalf("claim after recovery = %v, want [m1 m2 m3 m4] (m0 sent once)", keys)
	}
}

func TestOutboxConcurrentClaim(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	o := sqlite.NewOutbox(db)
	const n = 60
	for i := range n {
		enqueue(t, o, fmt.Sprintf("m%02d", i), time.Time{})
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		claimed = make(map[string]int)
	)
	for range 6 {
		wg.Go(func() {
			for range n { // bounded, should claims repeat
				ms, err := o.Claim(ctx, c.Now(), 7)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					claimed[m.Key]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != n {
		t.Errorf("%d messages claimed, want %d", len(claimed), n)
	}
	for k, times := range claimed {
		if times != 1 {
			t.Errorf("%s claimed %d times", k, times)
		}
	}
}
