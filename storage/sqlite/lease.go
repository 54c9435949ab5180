package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Leases are named, expiring locks in the database file, so that one process
// at a time does a job (such as sending the outbox) when Redis is not
// configured. Expiry is judged by the DB's clock.
type Leases struct{ db *DB }

// NewLeases returns the leases of db.
func NewLeases(db *DB) *Leases { return &Leases{db: db} }

// Acquire takes the lease name for holder for ttl and reports whether it did.
// It succeeds when the lease is free or expired, or already held by holder,
// whose lease it then extends to ttl from now. The holder should renew well
// before ttl passes and stop the job when a renewal fails.
func (l *Leases) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	const op = "sqlite.Leases.Acquire"
	if name == "" || holder == "" {
		return false, domain.E(op, domain.KindInvalid, errors.New("empty lease name or holder"))
	}
	if ttl <= 0 {
		return false, domain.E(op, domain.KindInvalid, errors.New("lease ttl not positive"))
	}
	now := millis(l.db.now())
	exp := now + int64((ttl+time.Millisecond-1)/time.Millisecond)
	// One statement, so the check and the write are atomic.
	res, err := l.db.db.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`, name, holder, exp, now)
	if err != nil {
		return false, dbError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbError(op, err)
	}
	return n == 1, nil
}

// Release gives the lease up if holder holds it; otherwise it does nothing.
func (l *Leases) Release(ctx context.Context, name, holder string) error {
	if _, err := l.db.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return dbError("sqlite.Leases.Release", err)
	}
	return nil
}

// Holder returns who holds the lease name and until when; ok is false when
// nobody does (never taken, released, or expired).
func (l *Leases) Holder(ctx context.Context, name string) (holder string, until time.Time, ok bool, err error) {
	var exp int64
	err = l.db.db.QueryRowContext(ctx, `SELECT holder, expires_at FROM leases WHERE name = ? AND expires_at > ?`,
		name, millis(l.db.now())).Scan(&holder, &exp)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", time.Time{}, false, nil
	case err != nil:
		return "", time.Time{}, false, dbError("sqlite.Leases.Holder", err)
	}
	return holder, fromMillis(exp), true, nil
}

// Takeover gives the lease name to holder for ttl if from still holds it
// (a holder known to be gone), and reports whether it did.
func (l *Leases) Takeover(ctx context.Context, name, from, holder string, ttl time.Duration) (bool, error) {
	const op = "sqlite.Leases.Takeover"
	if from == "" || holder == "" || ttl <= 0 {
		return false, domain.E(op, domain.KindInvalid, errors.New("empty holder or ttl not positive"))
	}
	exp := millis(l.db.now()) + int64((ttl+time.Millisecond-1)/time.Millisecond)
	res, err := l.db.db.ExecContext(ctx, `UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND holder = ?`, holder, exp, name, from)
	if err != nil {
		return false, dbError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbError(op, err)
	}
	return n == 1, nil
}
