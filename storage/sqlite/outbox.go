package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// The states of an outbox message.
const (
	OutboxPending = "pending" // waiting for its time
	OutboxSending = "sending" // claimed by the sender
	OutboxSent    = "sent"
	OutboxFailed  = "failed"  // given up
	OutboxBlocked = "blocked" // the user blocked the bot
	OutboxWaiting = "waiting" // outside the messenger's reply window: sent when the user writes again
)

// OutboxMessage is one message to send.
type OutboxMessage struct {
	ID int64
	// Key names the message uniquely (e.g. "remind:filing-14d:42:2026-04");
	// enqueuing the same key again does nothing.
	Key       string
	Kind      string // what it is, for logs and metrics: "reminder", "stage", ...
	Channel   string // "telegram", "zalo"...
	ChatID    string
	Payload   []byte    // the message to send, JSON
	NotBefore time.Time // not sent before; zero means at once
	State     string    // one of OutboxPending... (set by the outbox)
	Attempts  int       // failed attempts so far
	LastError string
	CreatedAt time.Time
	SentAt    time.Time // zero until sent
}

// Outbox is a durable queue of messages: a message is written before it is
// sent and marked after, so that a restart neither skips nor repeats one,
// except a message in flight at the moment of a crash, which may be sent
// twice. One sender at a time should claim messages (see Leases).
//
// A message goes pending → sending (Claim) → sent (MarkSent), failed or
// blocked, or back to pending for a retry (MarkFailed, Recover).
type Outbox struct{ db *DB }

// NewOutbox returns the outbox of db.
func NewOutbox(db *DB) *Outbox { return &Outbox{db: db} }

// Enqueue adds a pending message and reports whether it did: a message with
// the same key, whatever its state, makes it a no-op returning false. ID,
// State, Attempts, LastError and the times of m are ignored; a zero
// NotBefore means now.
func (o *Outbox) Enqueue(ctx context.Context, m OutboxMessage) (bool, error) {
	const op = "sqlite.Outbox.Enqueue"
	if m.Key == "" || m.Channel == "" || m.ChatID == "" {
		return false, domain.E(op, domain.KindInvalid, errors.New("empty key, channel or chat id"))
	}
	now := millis(o.db.now())
	notBefore := now
	if !m.NotBefore.IsZero() {
		notBefore = millis(m.NotBefore)
	}
	res, err := o.db.db.ExecContext(ctx, `INSERT INTO outbox (key, kind, channel, chat_id, payload, not_before, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		m.Key, m.Kind, m.Channel, m.ChatID, blob(m.Payload), notBefore, now)
	if err != nil {
		return false, dbError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbError(op, err)
	}
	return n == 1, nil
}

// Has reports whether a message with the key was ever enqueued.
func (o *Outbox) Has(ctx context.Context, key string) (bool, error) {
	var n int
	if err := o.db.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE key = ?`, key).Scan(&n); err != nil {
		return false, dbError("sqlite.Outbox.Has", err)
	}
	return n > 0, nil
}

const outboxColumns = `id, key, kind, channel, chat_id, payload, not_before, state, attempts, last_error, created_at, sent_at`

func scanOutbox(row interface{ Scan(...any) error }) (OutboxMessage, error) {
	var (
		m                  OutboxMessage
		notBefore, created int64
		sent               sql.NullInt64
	)
	err := row.Scan(&m.ID, &m.Key, &m.Kind, &m.Channel, &m.ChatID, &m.Payload, &notBefore, &m.State, &m.Attempts,
		&m.LastError, &created, &sent)
	if err != nil {
		return OutboxMessage{}, err
	}
	m.NotBefore, m.CreatedAt, m.SentAt = fromMillis(notBefore), fromMillis(created), fromNullMillis(sent)
	return m, nil
}

// Get returns the message with the id.
func (o *Outbox) Get(ctx context.Context, id int64) (OutboxMessage, error) {
	m, err := scanOutbox(o.db.db.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id))
	if err != nil {
		return OutboxMessage{}, dbError("sqlite.Outbox.Get", err)
	}
	return m, nil
}

// Claim moves at most limit pending messages that are due at now to sending,
// in one transaction, and returns them, earliest first.
func (o *Outbox) Claim(ctx context.Context, now time.Time, limit int) ([]OutboxMessage, error) {
	const op = "sqlite.Outbox.Claim"
	if limit <= 0 {
		return nil, domain.E(op, domain.KindInvalid, fmt.Errorf("limit %d", limit))
	}
	var ms []OutboxMessage
	err := o.db.inTx(ctx, func(tx *sql.Tx) error {
		// Not to users who blocked the bot; not yet to Zalo users outside
		// the reply window (UserStore.Touch gives them back).
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?
WHERE state = ? AND not_before <= ? AND EXISTS (SELECT 1 FROM users u
	WHERE u.channel = outbox.channel AND u.channel_id = outbox.chat_id AND u.blocked = 1)`, OutboxBlocked, OutboxPending, millis(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?
WHERE state = ? AND channel = ? AND not_before <= ? AND EXISTS (SELECT 1 FROM users u
	WHERE u.channel = outbox.channel AND u.channel_id = outbox.chat_id AND COALESCE(u.last_seen_at, 0) < ?)`,
			OutboxWaiting, OutboxPending, domain.ChannelZalo, millis(now), millis(now.Add(-domain.ReplyWindow))); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET state = ? WHERE id IN (
	SELECT id FROM outbox WHERE state = ? AND not_before <= ? ORDER BY not_before, id LIMIT ?
) RETURNING `+outboxColumns, OutboxSending, OutboxPending, millis(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanOutbox(rows)
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	// RETURNING promises no order.
	slices.SortFunc(ms, func(a, b OutboxMessage) int {
		if c := a.NotBefore.Compare(b.NotBefore); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return ms, nil
}

// MarkSent records that the claimed message was sent. Marking it again is
// harmless.
func (o *Outbox) MarkSent(ctx context.Context, id int64) error {
	return o.mark(ctx, "sqlite.Outbox.MarkSent", id, []string{OutboxSending, OutboxSent},
		`UPDATE outbox SET state = ?, sent_at = coalesce(sent_at, ?) WHERE id = ? AND state IN (?, ?)`,
		OutboxSent, millis(o.db.now()), id, OutboxSending, OutboxSent)
}

// MarkFailed records a failed attempt to send the claimed message: final
// gives up (failed), otherwise it is pending again from retryAt. Either way
// attempts grows by one and the error is kept.
func (o *Outbox) MarkFailed(ctx context.Context, id int64, errText string, retryAt time.Time, final bool) error {
	const op = "sqlite.Outbox.MarkFailed"
	if final {
		return o.mark(ctx, op, id, []string{OutboxSending},
			`UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND state = ?`,
			OutboxFailed, errText, id, OutboxSending)
	}
	return o.mark(ctx, op, id, []string{OutboxSending},
		`UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, not_before = ? WHERE id = ? AND state = ?`,
		OutboxPending, errText, millis(retryAt), id, OutboxSending)
}

// MarkBlocked records that the claimed message cannot be sent because its
// user blocked the bot; it is never retried.
func (o *Outbox) MarkBlocked(ctx context.Context, id int64) error {
	return o.mark(ctx, "sqlite.Outbox.MarkBlocked", id, []string{OutboxSending},
		`UPDATE outbox SET state = ? WHERE id = ? AND state = ?`, OutboxBlocked, id, OutboxSending)
}

// MarkWaiting records that the messenger refused the claimed message, the
// user being outside its reply window: it waits until they write again.
func (o *Outbox) MarkWaiting(ctx context.Context, id int64) error {
	return o.mark(ctx, "sqlite.Outbox.MarkWaiting", id, []string{OutboxSending},
		`UPDATE outbox SET state = ? WHERE id = ? AND state = ?`, OutboxWaiting, id, OutboxSending)
}

// Recover puts back to pending the messages left sending by a sender that
// stopped (a crash), and returns how many. Call it at start, holding the
// sender's lease. A message in flight at the moment of the crash is thus
// sent again.
func (o *Outbox) Recover(ctx context.Context) (int64, error) {
	const op = "sqlite.Outbox.Recover"
	res, err := o.db.db.ExecContext(ctx, `UPDATE outbox SET state = ? WHERE state = ?`, OutboxPending, OutboxSending)
	if err != nil {
		return 0, dbError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, dbError(op, err)
	}
	return n, nil
}

// mark runs an UPDATE of one message allowed only from the states from. A
// message that does not exist is KindNotFound; one in another state is
// KindConflict.
func (o *Outbox) mark(ctx context.Context, op string, id int64, from []string, query string, args ...any) error {
	err := o.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM outbox WHERE id = ?`, id).Scan(&state); err != nil {
			return err
		}
		return domain.E(op, domain.KindConflict, fmt.Errorf("message %d is %s, not %v", id, state, from))
	})
	if err != nil {
		return dbError(op, err)
	}
	return nil
}
