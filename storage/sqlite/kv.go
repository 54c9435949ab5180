package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// KV is a key-value store with expiry in the database file, standing in for
// Redis when a single instance runs. Expiry is judged by the DB's clock; an
// expired key reads as absent until PurgeExpired deletes it.
type KV struct{ db *DB }

// NewKV returns the key-value store of db.
func NewKV(db *DB) *KV { return &KV{db: db} }

// kvExec is the pool or a transaction.
type kvExec interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Get returns the value of key; ok is false when it is absent or expired.
func (kv *KV) Get(ctx context.Context, key string) (val []byte, ok bool, err error) {
	return kv.get(ctx, kv.db.db, key)
}

func (kv *KV) get(ctx context.Context, q kvExec, key string) (val []byte, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)`,
		key, millis(kv.db.now())).Scan(&val)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, dbError("sqlite.KV.Get", err)
	}
	if val == nil {
		val = []byte{}
	}
	return val, true, nil
}

// Set stores val under key; ttl 0 means it never expires.
func (kv *KV) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	return kv.set(ctx, kv.db.db, key, val, ttl)
}

func (kv *KV) set(ctx context.Context, q kvExec, key string, val []byte, ttl time.Duration) error {
	const op = "sqlite.KV.Set"
	exp, err := kv.expiry(op, ttl)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`, key, blob(val), exp)
	if err != nil {
		return dbError(op, err)
	}
	return nil
}

// SetNX stores val under key only when the key is absent or expired, and
// reports whether it did.
func (kv *KV) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	return kv.setNX(ctx, kv.db.db, key, val, ttl)
}

func (kv *KV) setNX(ctx context.Context, q kvExec, key string, val []byte, ttl time.Duration) (bool, error) {
	const op = "sqlite.KV.SetNX"
	exp, err := kv.expiry(op, ttl)
	if err != nil {
		return false, err
	}
	// One statement, so the check and the write are atomic.
	res, err := q.ExecContext(ctx, `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ?`, key, blob(val), exp, millis(kv.db.now()))
	if err != nil {
		return false, dbError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbError(op, err)
	}
	return n == 1, nil
}

// Del deletes key; an absent key is not an error.
func (kv *KV) Del(ctx context.Context, key string) error {
	return kv.del(ctx, kv.db.db, key)
}

func (kv *KV) del(ctx context.Context, q kvExec, key string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM kv WHERE key = ?`, key); err != nil {
		return dbError("sqlite.KV.Del", err)
	}
	return nil
}

// Batch runs ops in order in one transaction (one write instead of
// several); a failing op rolls them all back.
func (kv *KV) Batch(ctx context.Context, ops []*domain.KVOp) error {
	reads := true
	for _, o := range ops {
		reads = reads && o.Kind == domain.KVGet
	}
	if reads || len(ops) == 1 {
		return kvSequence(ctx, kv, kv.db.db, ops)
	}
	return kv.db.inTx(ctx, func(tx *sql.Tx) error { return kvSequence(ctx, kv, tx, ops) })
}

func kvSequence(ctx context.Context, kv *KV, q kvExec, ops []*domain.KVOp) error {
	for _, o := range ops {
		var err error
		switch o.Kind {
		case domain.KVGet:
			o.Val, o.OK, err = kv.get(ctx, q, o.Key)
		case domain.KVSet:
			err = kv.set(ctx, q, o.Key, o.Val, o.TTL)
		case domain.KVSetNX:
			o.OK, err = kv.setNX(ctx, q, o.Key, o.Val, o.TTL)
		case domain.KVDel:
			err = kv.del(ctx, q, o.Key)
		default:
			err = domain.Errorf("sqlite.KV.Batch", "unknown operation %d", o.Kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var _ domain.KVBatcher = (*KV)(nil)

// PurgeExpired deletes the expired keys and returns how many it deleted.
func (kv *KV) PurgeExpired(ctx context.Context) (int64, error) {
	const op = "sqlite.KV.PurgeExpired"
	res, err := kv.db.db.ExecContext(ctx, `DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?`, millis(kv.db.now()))
	if err != nil {
		return 0, dbError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, dbError(op, err)
	}
	return n, nil
}

// expiry returns the expires_at of a key written now with ttl: NULL for 0,
// otherwise now plus ttl rounded up to the millisecond.
func (kv *KV) expiry(op string, ttl time.Duration) (sql.NullInt64, error) {
	switch {
	case ttl < 0:
		return sql.NullInt64{}, domain.E(op, domain.KindInvalid, errors.New("negative ttl"))
	case ttl == 0:
		return sql.NullInt64{}, nil
	}
	ms := int64((ttl + time.Millisecond - 1) / time.Millisecond)
	return sql.NullInt64{Int64: millis(kv.db.now()) + ms, Valid: true}, nil
}

// blob keeps an empty value from being stored as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
