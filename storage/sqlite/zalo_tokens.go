package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// ZaloTokenPair is a Zalo OA access token and the single-use refresh token
// that renews it, as stored. It holds secrets: never log it.
type ZaloTokenPair struct {
	Access, Refresh string
	AccessExpires   time.Time // when the access token stops working
	RefreshIssued   time.Time // when the refresh token was issued (it lasts three months)
	Seed            string    // fingerprint of the configured refresh token the pair descends from
}

// ZaloTokens keeps the token pair of each Zalo OA, one row per key (the
// app id). Every refresh overwrites the row: the old refresh token is spent.
type ZaloTokens struct{ db *DB }

// NewZaloTokens returns the Zalo token store of db.
func NewZaloTokens(db *DB) *ZaloTokens { return &ZaloTokens{db: db} }

// Load returns the pair stored under key; ok is false when there is none.
func (z *ZaloTokens) Load(ctx context.Context, key string) (p ZaloTokenPair, ok bool, err error) {
	var exp, issued int64
	err = z.db.db.QueryRowContext(ctx, `SELECT access_token, refresh_token, access_expires_at, refresh_issued_at, seed
FROM zalo_tokens WHERE key = ?`, key).Scan(&p.Access, &p.Refresh, &exp, &issued, &p.Seed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ZaloTokenPair{}, false, nil
	case err != nil:
		return ZaloTokenPair{}, false, dbError("sqlite.ZaloTokens.Load", err)
	}
	p.AccessExpires, p.RefreshIssued = fromMillis(exp), fromMillis(issued)
	return p, true, nil
}

// Save stores p under key, replacing the pair stored before. A pair
// without a refresh token is refused: storing it would lose the only way
// to renew the access token.
func (z *ZaloTokens) Save(ctx context.Context, key string, p ZaloTokenPair) error {
	const op = "sqlite.ZaloTokens.Save"
	if key == "" {
		return domain.E(op, domain.KindInvalid, errors.New("empty key"))
	}
	if p.Access == "" || p.Refresh == "" {
		return domain.E(op, domain.KindInvalid, errors.New("token pair without an access or a refresh token"))
	}
	_, err := z.db.db.ExecContext(ctx, `INSERT INTO zalo_tokens
	(key, access_token, refresh_token, access_expires_at, refresh_issued_at, seed, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
	access_expires_at = excluded.access_expires_at, refresh_issued_at = excluded.refresh_issued_at,
	seed = excluded.seed, updated_at = excluded.updated_at`,
		key, p.Access, p.Refresh, millis(p.AccessExpires), millis(p.RefreshIssued), p.Seed, millis(z.db.now()))
	if err != nil {
		return dbError(op, err)
	}
	return nil
}
