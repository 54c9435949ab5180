package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Saves records what a user's confirming steps saved, by the step's
// instance (see bot.Saves): Record is written inside the Atomic of the
// save (Begin), so that the record and what the step saved are one
// transaction.
type Saves struct{ db *DB }

// NewSaves returns the saves of db.
func NewSaves(db *DB) *Saves { return &Saves{db: db} }

// Saved returns what the step key of the user (channel and channel id)
// saved, when it did.
func (s *Saves) Saved(ctx context.Context, channel, user, key string) (flow, ref string, ok bool, err error) {
	err = s.db.db.QueryRowContext(ctx, `SELECT flow, ref FROM saves WHERE channel = ? AND user_id = ? AND key = ?`,
		channel, user, key).Scan(&flow, &ref)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", "", false, nil
	case err != nil:
		return "", "", false, dbError("sqlite.Saves.Saved", err)
	}
	return flow, ref, true, nil
}

// Record records that the step key of the user saved ref; a step recorded
// before is a KindConflict error. Call it with the context of the save's
// Atomic.
func (s *Saves) Record(ctx context.Context, channel, user, key, flow, ref string) error {
	_, err := s.db.db.ExecContext(ctx, `INSERT INTO saves (channel, user_id, key, flow, ref, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		channel, user, key, flow, ref, millis(s.db.now()))
	return dbError("sqlite.Saves.Record", err)
}

// Purge deletes the records made before the time; it returns how many.
func (s *Saves) Purge(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.db.ExecContext(ctx, `DELETE FROM saves WHERE created_at < ?`, millis(before))
	if err != nil {
		return 0, dbError("sqlite.Saves.Purge", err)
	}
	n, err := res.RowsAffected()
	return n, dbError("sqlite.Saves.Purge", err)
}
