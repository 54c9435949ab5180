package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// The writes that come while a group waits for the database are committed
// together in the next one; one that fails leaves the others whole, and one
// whose context ended while it waited is not run.
func TestGroupedWritesCommitTogether(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "ocop.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users := NewUserStore(db)
	var ids []int64
	for _, id := range []string{"1", "2", "3", "4", "5", "6"} {
		u, err := users.Touch(ctx, "telegram", id, "", "Người "+id)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	commits := func() int {
		db.group.mu.Lock()
		defer db.group.mu.Unlock()
		return db.group.commits
	}
	queued := func() int {
		db.group.mu.Lock()
		defer db.group.mu.Unlock()
		return len(db.group.queue)
	}
	before := commits()

	// Another writer holds the database: the first grouped write waits for
	// it, and the others gather behind that one.
	_, hold, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ids)+2)
	write := func(i int, ctx context.Context, id int64) {
		defer wg.Done()
		errs[i] = users.SetLocale(ctx, id, "en")
	}
	wg.Add(1)
	go write(0, ctx, ids[0])
	// The first is taken, and its group waits for the write turn the
	// Atomic holds (not merely the group of the set-up's last write still
	// ending).
	waitFor(t, func() bool { return queued() == 0 && db.db.queued.Load() == 1 })
	cancelled, cancel := context.WithCancel(ctx)
	for i, id := range ids[1:] {
		wg.Add(1)
		go write(i+1, ctx, id)
	}
	wg.Add(2)
	go write(len(ids), ctx, ids[len(ids)-1]+100) // nobody: fails alone
	go write(len(ids)+1, cancelled, ids[0])
	waitFor(t, func() bool { return queued() == len(ids)+1 })
	cancel()
	hold.Rollback()
	wg.Wait()

	for i := range ids {
		if errs[i] != nil {
			t.Errorf("write %d: %v", i, errs[i])
		}
	}
	if !errors.Is(errs[len(ids)], domain.ErrNotFound) {
		t.Errorf("the write of nobody: %v", errs[len(ids)])
	}
	if !errors.Is(errs[len(ids)+1], context.Canceled) {
		t.Errorf("the cancelled write: %v", errs[len(ids)+1])
	}
	if n := commits() - before; n != 2 {
		t.Errorf("%d transactions for %d writes, want 2 (the first, then the group)", n, len(ids)+2)
	}
	var en int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE locale = 'en'`).Scan(&en); err != nil || en != len(ids) {
		t.Fatalf("%d users in English (%v), want %d", en, err, len(ids))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// A writer waits for this process's write turn, held by an open Atomic,
// rather than in SQLite's busy sleeps, and goes on once the Atomic ends;
// the Atomic's own writes, and the stores' calls joined to it, never wait
// for the turn it holds.
func TestWritersTakeTurns(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "ocop.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users := NewUserStore(db)
	u, err := users.Touch(ctx, "telegram", "1", "", "Một")
	if err != nil {
		t.Fatal(err)
	}
	actx, hold, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Joined: no wait.
	if err := users.SetLocale(actx, u.ID, "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := users.Touch(actx, "telegram", "2", "", "Hai"); err != nil {
		t.Fatal(err)
	}
	if n := db.db.queued.Load(); n != 0 {
		t.Fatalf("%d writers of the Atomic waited for its own turn", n)
	}
	done := make(chan error, 1)
	go func() { done <- users.SetConsent(ctx, u.ID, domain.ConsentGiven) }()
	waitFor(t, func() bool { return db.db.queued.Load() == 1 })
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := users.Get(ctx, "telegram", "1")
	if err != nil || got.Locale != "en" || got.Consent != domain.ConsentGiven {
		t.Fatalf("after both writes: %+v %v", got, err)
	}
}

// A write that fails part way leaves nothing of itself, alone in its group
// as inside a larger one.
func TestGroupedWriteThatFailsLeavesNothing(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "ocop.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u, err := NewUserStore(db).Touch(ctx, "telegram", "1", "", "Một")
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("the write's second statement failed")
	err = db.grouped(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET locale = 'en' WHERE id = ?`, u.ID); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	var locale string
	if err := db.SQL().QueryRowContext(ctx, `SELECT locale FROM users WHERE id = ?`, u.ID).Scan(&locale); err != nil || locale == "en" {
		t.Fatalf("the failed write's first statement was kept: locale %q (%v)", locale, err)
	}
}
