package sqlite_test

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// A transaction whose function panics is rolled back: the write lock is
// free for the next one at once, and nothing of it stays.
func TestTransactionRolledBackOnPanic(t *testing.T) {
	db, _ := open(t, newClock())
	ctx := t.Context()
	func() {
		defer func() { _ = recover() }()
		_ = db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO kv (key, value, expires_at) VALUES ('x', 'y', NULL)`); err != nil {
				t.Fatal(err)
			}
			panic("boom")
		})
	}()
	quick, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := db.InTx(quick, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(quick, `SELECT count(*) FROM kv WHERE key = 'x'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("after the panic: %d rows, %v", n, err)
		}
		return nil
	}); err != nil {
		t.Fatalf("the next transaction: %v", err)
	}
}
