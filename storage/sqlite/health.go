package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	sqlitedrv "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// CheckWrite writes the health row in a transaction: it fails when the
// database cannot record anything (a full disk, a read-only file).
func (db *DB) CheckWrite(ctx context.Context) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO health (id, checked_at) VALUES (1, ?)
ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, millis(db.now()))
		return err
	})
	return dbError("sqlite.CheckWrite", err)
}

// Errors counts the errors SQLite returned since the database was opened:
// statements, transactions and commits that failed for another reason than
// a constraint (an expected conflict), a missing row or a cancelled
// context (a full disk, an I/O error, a busy timeout...).
func (db *DB) Errors() uint64 { return db.db.errs.Load() }

// count adds err to the errors when it is one of SQLite's own.
func (p *pool) count(err error) {
	if err == nil || errors.Is(err, sql.ErrNoRows) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	var se *sqlitedrv.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return
	}
	p.errs.Add(1)
}

// Backlog is the work waiting in a queue: how many rows and since when
// the oldest waits (zero when none).
type Backlog struct {
	Count  int64
	Oldest time.Time
}

// Backlogs returns the notices not yet sent (outbox: pending or being
// sent) and the bulk messages not yet sent (job recipients pending or
// being sent). The inbox's is Inbox.Backlog.
func (db *DB) Backlogs(ctx context.Context) (outbox, bulk Backlog, err error) {
	const op = "sqlite.Backlogs"
	read := func(q string, b *Backlog) error {
		var oldest sql.NullInt64
		if err := db.db.QueryRowContext(ctx, q).Scan(&b.Count, &oldest); err != nil {
			db.db.count(err)
			return dbError(op, err)
		}
		if oldest.Valid {
			b.Oldest = fromMillis(oldest.Int64)
		}
		return nil
	}
	if err = read(`SELECT count(*), min(created_at) FROM outbox WHERE state IN ('pending', 'sending')`, &outbox); err != nil {
		return
	}
	err = read(`SELECT count(*), min(j.created_at) FROM job_recipients r JOIN jobs j ON j.id = r.job_id
WHERE r.state IN ('pending', 'sending')`, &bulk)
	return
}
