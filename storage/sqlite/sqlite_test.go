package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// clock is a fake clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 7, 1, 8, 30, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// open opens a database in a fresh directory (a missing one, to check that Open
// creates it) and closes it at the end of the test.
func open(t *testing.T, c *clock) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "ocop.db")
	return reopen(t, path, c), path
}

func reopen(t *testing.T, path string, c *clock) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path, c.Now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func wantKind(t *testing.T, err error, want domain.Kind) {
	t.Helper()
	if got := domain.ErrorKind(err); got != want {
		t.Fatalf("error %v has kind %v, want %v", err, got, want)
	}
}

func TestOpenPragmasAndMigrations(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, path := open(t, c)
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}

	var mode string
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	// Every pooled connection has the pragmas: check several at once.
	conns := make([]interface{ Close() error }, 0, 4)
	for range 4 {
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		var fk, busy, sync int
		if err := conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
		}
		if err := conn.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil || busy != 5000 {
			t.Errorf("busy_timeout = %d, %v; want 5000", busy, err)
		}
		if err := conn.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil || sync != 1 {
			t.Errorf("synchronous = %d, %v; want 1 (NORMAL)", sync, err)
		}
	}
	for _, conn := range conns {
		conn.Close()
	}

	countMigrations := func(db *sqlite.DB) int {
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := countMigrations(db)
	if first == 0 {
		t.Fatal("no migration recorded")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening applies nothing again and keeps the data.
	db2 := reopen(t, path, c)
	if n := countMigrations(db2); n != first {
		t.Errorf("after reopen %d migrations recorded, want %d", n, first)
	}
	if _, err := db2.SQL().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := db2.Close(); err != nil {
		t.Fatal(err)
	}

	// A schema newer than the binary is refused, clearly.
	_, err := sqlite.Open(ctx, path, c.Now)
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("Open of a newer schema: %v; want a 'newer than this binary' error", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), "", nil); domain.ErrorKind(err) != domain.KindInvalid {
		t.Errorf("Open(\"\") = %v, want KindInvalid", err)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	users := sqlite.NewUserStore(db)
	u, err := users.Touch(ctx, "telegram", "1", "", "An")
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, users.LinkSubject(ctx, u.ID, 424242), domain.KindConflict)
	if got, _ := users.GetByID(ctx, u.ID); got.SubjectID != 0 {
		t.Errorf("SubjectID = %d after a failed link, want 0", got.SubjectID)
	}
}
