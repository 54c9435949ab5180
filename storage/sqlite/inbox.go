package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// InboxItem is one incoming update as received from a channel.
type InboxItem struct {
	Channel    string
	UpdateID   int64
	UserKey    string // the sender, for handling one user's updates in order
	Payload    []byte // the update as the channel sent it
	ReceivedAt time.Time
}

// Inbox records incoming updates before they are acknowledged, so that none
// is lost in a crash and none is handled twice (at-least-once intake).
type Inbox struct{ db *DB }

// NewInbox returns the inbox of db: a database opened with OpenInboxDB,
// as the bot runs it, or the main database, whose inbox table holds what
// an older version recorded (and serves the tests of both).
func NewInbox(db *DB) *Inbox { return &Inbox{db: db} }

// OpenInboxDB opens (creating when missing) the database file at path
// that holds the inbox alone (see InboxPath). Every update is written to
// the inbox twice, when it comes and when it is handled: in the main
// file those writes made the page cache of every other connection stale
// for its next read (SQLite drops a connection's cache when another wrote
// the file) and took the main file's write turn from the handlers' own
// writes. In a file of its own they cost the bot a fifth less CPU per
// Zalo event (BENCHMARKS.md). Durability is the same: WAL,
// synchronous(NORMAL), checkpointed every second.
func OpenInboxDB(ctx context.Context, path string, now func() time.Time) (*DB, error) {
	return open(ctx, path, now, 0, inboxSchema)
}

// InboxPath is where the inbox of the database at dbPath lives: beside
// it, "ocop.db" → "ocop-inbox.db".
func InboxPath(dbPath string) string {
	return strings.TrimSuffix(dbPath, ".db") + "-inbox.db"
}

// MoveFrom moves into this inbox what an older version recorded in the
// inbox table of from (the main database): the updates, pending and done,
// and the channels' offsets, then empties from's tables. It is run at the
// start, before any update is taken. A stop between the copy and the
// emptying leaves both; the next start copies again, and what is here
// already stays as it is. It returns how many updates it moved.
func (in *Inbox) MoveFrom(ctx context.Context, from *DB) (int64, error) {
	const op = "sqlite.Inbox.MoveFrom"
	if from == nil || from == in.db {
		return 0, nil
	}
	var rows, offsets int64
	err := from.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM inbox), (SELECT count(*) FROM channel_offsets)`).Scan(&rows, &offsets)
	if err != nil {
		return 0, dbError(op, err)
	}
	if rows == 0 && offsets == 0 {
		return 0, nil
	}
	err = in.db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := from.db.QueryContext(ctx, `SELECT channel, update_id, user_key, payload, received_at, state, done_at FROM inbox`)
		if err != nil {
			return err
		}
		defer old.Close()
		// Prepared once: an older inbox holds every update of 7 days.
		ins, err := tx.PrepareContext(ctx, `INSERT INTO inbox (channel, update_id, user_key, payload, received_at, state, done_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, update_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for old.Next() {
			var channel, user, state string
			var id, received int64
			var payload []byte
			var done sql.NullInt64
			if err := old.Scan(&channel, &id, &user, &payload, &received, &state, &done); err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, channel, id, user, blob(payload), received, state, done); err != nil {
				return err
			}
		}
		if err := old.Err(); err != nil {
			return err
		}
		offs, err := from.db.QueryContext(ctx, `SELECT channel, max_update_id FROM channel_offsets`)
		if err != nil {
			return err
		}
		defer offs.Close()
		for offs.Next() {
			var channel string
			var maxID int64
			if err := offs.Scan(&channel, &maxID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO channel_offsets (channel, max_update_id) VALUES (?, ?)
ON CONFLICT (channel) DO UPDATE SET max_update_id = max(max_update_id, excluded.max_update_id)`, channel, maxID); err != nil {
				return err
			}
		}
		return offs.Err()
	})
	if err != nil {
		return 0, dbError(op, err)
	}
	err = from.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM inbox`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM channel_offsets`)
		return err
	})
	if err != nil {
		return 0, dbError(op, err)
	}
	return rows, nil
}

// Backlog returns the updates recorded and not yet handled.
func (in *Inbox) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	var oldest sql.NullInt64
	err := in.db.db.QueryRowContext(ctx, `SELECT count(*), min(received_at) FROM inbox WHERE state = 'pending'`).Scan(&b.Count, &oldest)
	if err != nil {
		in.db.db.count(err)
		return Backlog{}, dbError("sqlite.Inbox.Backlog", err)
	}
	if oldest.Valid {
		b.Oldest = fromMillis(oldest.Int64)
	}
	return b, nil
}

// Record stores an update as pending. isNew is false when the update was
// recorded before; then nothing changes.
func (in *Inbox) Record(ctx context.Context, channel string, updateID int64, userKey string, payload []byte) (isNew bool, err error) {
	newOnes, err := in.RecordBatch(ctx, channel, []InboxItem{{UpdateID: updateID, UserKey: userKey, Payload: payload}})
	return len(newOnes) == 1, err
}

// RecordBatch stores updates of one channel as pending in one transaction and
// returns those not recorded before, with Channel and ReceivedAt set. Items
// may leave Channel empty; a different one is an error.
func (in *Inbox) RecordBatch(ctx context.Context, channel string, items []InboxItem) (newOnes []InboxItem, err error) {
	const op = "sqlite.Inbox.RecordBatch"
	if channel == "" {
		return nil, domain.E(op, domain.KindInvalid, errors.New("empty channel"))
	}
	for _, it := range items {
		if it.Channel != "" && it.Channel != channel {
			return nil, domain.E(op, domain.KindInvalid, fmt.Errorf("item of channel %q in a batch of %q", it.Channel, channel))
		}
	}
	if len(items) == 0 {
		return nil, nil
	}
	now := millis(in.db.now())
	// One statement for the whole batch (up to insertChunk rows), without a
	// transaction around it: the rows it returns are those recorded now.
	// The channel's highest update id needs no write of its own (see
	// NextOffset). A transaction cost a BEGIN and a COMMIT prepared anew on each
	// webhook call, and a statement per row (see BENCHMARKS.md).
	// A batch larger than one statement (a page of long polling) is one
	// transaction, so that it is recorded whole or not at all.
	if len(items) <= insertChunk {
		func() {
			defer in.db.db.lockWrite(ctx)() // given back even if the insert panics
			// A statement of a moment: see brief.
			newOnes, err = in.insert(brief(ctx), in.db.db.QueryContext, channel, items, now)
		}()
	} else {
		err = in.db.inTx(ctx, func(tx *sql.Tx) error {
			newOnes = newOnes[:0]
			for chunk := range slices.Chunk(items, insertChunk) {
				fresh, err := in.insert(ctx, tx.QueryContext, channel, chunk, now)
				if err != nil {
					return err
				}
				newOnes = append(newOnes, fresh...)
			}
			return nil
		})
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	return newOnes, nil
}

// insertChunk bounds the rows of one insert (5 parameters each).
const insertChunk = 64

// insert records items in one statement and returns those it recorded,
// with Channel and ReceivedAt set: an update recorded before, or twice in
// items, is recorded once.
func (in *Inbox) insert(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error),
	channel string, items []InboxItem, now int64) ([]InboxItem, error) {
	var q strings.Builder
	q.WriteString(`INSERT INTO inbox (channel, update_id, user_key, payload, received_at) VALUES `)
	args := make([]any, 0, 5*len(items))
	for i, it := range items {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, channel, it.UpdateID, it.UserKey, blob(it.Payload), now)
	}
	q.WriteString(` ON CONFLICT (channel, update_id) DO NOTHING RETURNING update_id`)
	rows, err := query(ctx, q.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	recorded := make(map[int64]bool, len(items))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		recorded[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var fresh []InboxItem
	for _, it := range items {
		if !recorded[it.UpdateID] {
			continue
		}
		recorded[it.UpdateID] = false // a second copy in items is not new
		it.Channel, it.ReceivedAt = channel, fromMillis(now)
		fresh = append(fresh, it)
	}
	return fresh, nil
}

// MarkDone records that the updates were handled, in one statement, and
// clears their raw bodies: what a user wrote or shared stays in the inbox
// only until it is handled. Marking one again is harmless; an id never
// recorded is an error wrapping domain.ErrNotFound (the others are marked
// all the same).
func (in *Inbox) MarkDone(ctx context.Context, channel string, updateIDs ...int64) error {
	const op = "sqlite.Inbox.MarkDone"
	if len(updateIDs) == 0 {
		return nil
	}
	ids := slices.Clone(updateIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	list, err := json.Marshal(ids)
	if err != nil {
		return domain.E(op, domain.KindInternal, err)
	}
	res, err := func() (sql.Result, error) {
		defer in.db.db.lockWrite(ctx)()
		return in.db.db.ExecContext(ctx, `UPDATE inbox SET state = 'done', done_at = coalesce(done_at, ?), payload = x''
WHERE channel = ? AND update_id IN (SELECT value FROM json_each(?))`, millis(in.db.now()), channel, string(list))
	}()
	if err != nil {
		return dbError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbError(op, err)
	}
	if n < int64(len(ids)) {
		return notFound(op)
	}
	return nil
}

// Pending returns the channel's updates not yet marked done, oldest first.
func (in *Inbox) Pending(ctx context.Context, channel string) ([]InboxItem, error) {
	const op = "sqlite.Inbox.Pending"
	rows, err := in.db.db.QueryContext(ctx, `SELECT update_id, user_key, payload, received_at FROM inbox
WHERE channel = ? AND state = 'pending' ORDER BY update_id`, channel)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var items []InboxItem
	for rows.Next() {
		it := InboxItem{Channel: channel}
		var received int64
		if err := rows.Scan(&it.UpdateID, &it.UserKey, &it.Payload, &received); err != nil {
			return nil, dbError(op, err)
		}
		it.ReceivedAt = fromMillis(received)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return items, nil
}

// NextOffset returns one more than the highest update id ever recorded for the
// channel, or 0 when none was. Pruning does not lower it: it keeps the
// highest of the rows it deletes.
func (in *Inbox) NextOffset(ctx context.Context, channel string) (int64, error) {
	var maxID int64
	err := in.db.db.QueryRowContext(ctx, `SELECT max(
	coalesce((SELECT max(update_id) FROM inbox WHERE channel = ?1), -1),
	coalesce((SELECT max_update_id FROM channel_offsets WHERE channel = ?1), -1))`, channel).Scan(&maxID)
	switch {
	case err != nil:
		return 0, dbError("sqlite.Inbox.NextOffset", err)
	case maxID < 0:
		return 0, nil
	}
	return maxID + 1, nil
}

// Prune deletes the done updates received before the time and returns how
// many it deleted. Pending ones are kept whatever their age. The highest
// update id of each channel among those deleted is kept (NextOffset).
func (in *Inbox) Prune(ctx context.Context, before time.Time) (int64, error) {
	const op = "sqlite.Inbox.Prune"
	var n int64
	err := in.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO channel_offsets (channel, max_update_id)
SELECT channel, max(update_id) FROM inbox WHERE state = 'done' AND received_at < ?1 GROUP BY channel
ON CONFLICT (channel) DO UPDATE SET max_update_id = max(max_update_id, excluded.max_update_id)`, millis(before)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE state = 'done' AND received_at < ?`, millis(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, dbError(op, err)
	}
	return n, nil
}
