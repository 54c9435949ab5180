package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// UserStore keeps users: one row per person per channel.
type UserStore struct{ db *DB }

// NewUserStore returns the user repository of db.
func NewUserStore(db *DB) *UserStore { return &UserStore{db: db} }

const userColumns = `id, channel, channel_id, username, name, role, locale, consent, consent_at,
	blocked, subject_id, start_payload, last_seen_at, created_at, updated_at, open_forms`

func scanUser(row interface{ Scan(...any) error }) (domain.User, error) {
	var (
		u                              domain.User
		consentAt, subjectID, lastSeen sql.NullInt64
		created, updated               int64
		forms                          string
	)
	err := row.Scan(&u.ID, &u.Channel, &u.ChannelID, &u.Username, &u.Name, &u.Role, &u.Locale, &u.Consent, &consentAt,
		&u.Blocked, &subjectID, &u.StartPayload, &lastSeen, &created, &updated, &forms)
	if err != nil {
		return domain.User{}, err
	}
	if forms != "" {
		u.OpenForms = strings.Split(forms, ",")
	}
	u.ConsentAt, u.LastSeen = fromNullMillis(consentAt), fromNullMillis(lastSeen)
	u.SubjectID = subjectID.Int64
	u.CreatedAt, u.UpdatedAt = fromMillis(created), fromMillis(updated)
	return u, nil
}

// lastSeenEvery is how often Touch records that a user wrote: the reply
// window (7 days) needs no finer time, and most updates then write nothing.
const lastSeenEvery = time.Hour

// Touch returns the user of (channel, channelID), creating it on first
// contact. It records a changed username or name and clears Blocked: a user
// who writes again has unblocked the bot. It records when the user wrote
// (LastSeen) when the stored time is lastSeenEvery old or more, and then
// gives back to the bulk sender what waited for them to write again (the
// reply window is open once more): their waiting job recipients and
// notices are pending again, in the same transaction.
func (s *UserStore) Touch(ctx context.Context, channel, channelID, username, name string) (_ domain.User, err error) {
	const op = "sqlite.UserStore.Touch"
	if channel == "" || channelID == "" {
		return domain.User{}, domain.E(op, domain.KindInvalid, errors.New("empty channel or channel id"))
	}
	u, cached, gen := s.db.users.get(channel, channelID)
	if !cached {
		u, err = s.Get(ctx, channel, channelID)
	}
	now := s.db.now()
	switch {
	case err == nil && u.Username == username && u.Name == name && !u.Blocked && now.Sub(u.LastSeen) < lastSeenEvery:
		if !cached && s.db.db.joined(ctx) == nil {
			// (Not what an open Atomic read: it may yet be rolled back.)
			s.db.users.put(u, gen)
		}
		return u, nil // the common case needs no write
	case err != nil && !errors.Is(err, domain.ErrNotFound):
		return domain.User{}, err
	}
	// Once written, the row the write returns is what the user's next
	// update reads (a SELECT less on a new user's second message), unless
	// another write of the user came meanwhile or an open transaction may
	// yet roll it back.
	defer func() {
		if err == nil && s.db.db.joined(ctx) == nil {
			s.db.users.wrote(u, gen)
		} else {
			s.db.channelUserChanged(ctx, channel, channelID)
		}
	}()
	ts := millis(now)
	// updated_at tells when the row changed: not when only last_seen_at did.
	const upsert = `INSERT INTO users (channel, channel_id, username, name, last_seen_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (channel, channel_id) DO UPDATE SET
	username = excluded.username, name = excluded.name, blocked = 0, last_seen_at = excluded.last_seen_at,
	updated_at = CASE WHEN users.username <> excluded.username OR users.name <> excluded.name OR users.blocked <> 0
		THEN excluded.updated_at ELSE users.updated_at END
RETURNING ` + userColumns
	if err != nil || channel != domain.ChannelZalo {
		// A new user, or one of a channel without a reply window: nothing
		// waits for them, one statement does.
		err = s.db.grouped(ctx, func(tx *sql.Tx) (err error) {
			u, err = scanUser(s.db.db.txQueryRow(ctx, tx, upsert, channel, channelID, username, name, ts, ts, ts))
			return err
		})
		if err != nil {
			return domain.User{}, dbError(op, err)
		}
		return u, nil
	}
	err = s.db.grouped(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(s.db.db.txQueryRow(ctx, tx, upsert, channel, channelID, username, name, ts, ts, ts))
		if err != nil {
			return err
		}
		// Literal states, so that the partial indexes serve the lookups.
		if _, err = s.db.db.txExec(ctx, tx, `UPDATE job_recipients SET state = 'pending' WHERE user_id = ? AND state = 'waiting'`, u.ID); err != nil {
			return err
		}
		_, err = s.db.db.txExec(ctx, tx, `UPDATE outbox SET state = 'pending' WHERE channel = ? AND chat_id = ? AND state = 'waiting'`,
			channel, channelID)
		return err
	})
	if err != nil {
		return domain.User{}, dbError(op, err)
	}
	return u, nil
}

// Get returns the user of (channel, channelID) or an error wrapping
// domain.ErrNotFound.
func (s *UserStore) Get(ctx context.Context, channel, channelID string) (domain.User, error) {
	u, err := scanUser(s.db.db.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE channel = ? AND channel_id = ?`, channel, channelID))
	if err != nil {
		return domain.User{}, dbError("sqlite.UserStore.Get", err)
	}
	return u, nil
}

// GetByID returns the user with our id.
func (s *UserStore) GetByID(ctx context.Context, id int64) (domain.User, error) {
	u, err := scanUser(s.db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return domain.User{}, dbError("sqlite.UserStore.GetByID", err)
	}
	return u, nil
}

// FindByUsername returns the user whose username matches, ignoring case and a
// leading "@". When several channels' users share it, the one seen last wins.
func (s *UserStore) FindByUsername(ctx context.Context, username string) (domain.User, error) {
	const op = "sqlite.UserStore.FindByUsername"
	username = strings.TrimPrefix(username, "@")
	if username == "" {
		return domain.User{}, notFound(op)
	}
	u, err := scanUser(s.db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users
WHERE lower(username) = lower(?) ORDER BY updated_at DESC, id DESC LIMIT 1`, username))
	if err != nil {
		return domain.User{}, dbError(op, err)
	}
	return u, nil
}

// SetLocale records the language the user chose.
func (s *UserStore) SetLocale(ctx context.Context, id int64, locale string) error {
	return s.updateByID(ctx, "sqlite.UserStore.SetLocale", id,
		`UPDATE users SET locale = ?, updated_at = ? WHERE id = ?`, locale, millis(s.db.now()), id)
}

// SetConsent records the user's answer and when it was given; ConsentUnknown
// clears both.
func (s *UserStore) SetConsent(ctx context.Context, id int64, c domain.Consent) error {
	now := millis(s.db.now())
	at := sql.NullInt64{Int64: now, Valid: c != domain.ConsentUnknown}
	return s.updateByID(ctx, "sqlite.UserStore.SetConsent", id,
		`UPDATE users SET consent = ?, consent_at = ?, updated_at = ? WHERE id = ?`, c, at, now, id)
}

// SetBlocked marks whether the user of (channel, channelID) blocked the bot.
func (s *UserStore) SetBlocked(ctx context.Context, channel, channelID string, blocked bool) error {
	defer s.db.channelUserChanged(ctx, channel, channelID)
	return s.update(ctx, "sqlite.UserStore.SetBlocked",
		`UPDATE users SET blocked = ?, updated_at = ? WHERE channel = ? AND channel_id = ?`,
		blocked, millis(s.db.now()), channel, channelID)
}

// SetRole changes what the user may do.
func (s *UserStore) SetRole(ctx context.Context, id int64, role domain.Role) error {
	return s.updateByID(ctx, "sqlite.UserStore.SetRole", id,
		`UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role, millis(s.db.now()), id)
}

// LinkSubject records that the user represents the subject. A subject that
// does not exist is a KindConflict error (foreign key).
func (s *UserStore) LinkSubject(ctx context.Context, userID, subjectID int64) error {
	return s.updateByID(ctx, "sqlite.UserStore.LinkSubject", userID,
		`UPDATE users SET subject_id = ?, updated_at = ? WHERE id = ?`, subjectID, millis(s.db.now()), userID)
}

// SetOpenForms records which forms each user has open (flow ids, none:
// nil), by user id, apart from their sessions (see domain.User.OpenForms
// and bot.FormMarks), in one write. A user no longer stored is skipped.
// The rows written are kept in the user cache as updateByID keeps one.
func (s *UserStore) SetOpenForms(ctx context.Context, marks map[int64][]string) error {
	const op = "sqlite.UserStore.SetOpenForms"
	if len(marks) == 0 {
		return nil
	}
	type mark struct {
		id     int64
		gen    userGen
		cached bool
		u      domain.User
		found  bool
	}
	if s.db.db.joined(ctx) != nil {
		// Inside an Atomic: the users are forgotten once it commits.
		for _, id := range slices.Sorted(maps.Keys(marks)) {
			s.db.userChanged(ctx, id)
			if _, err := s.db.db.ExecContext(ctx, `UPDATE users SET open_forms = ? WHERE id = ?`, strings.Join(marks[id], ","), id); err != nil {
				return dbError(op, err)
			}
		}
		return nil
	}
	ms := make([]mark, 0, len(marks))
	for _, id := range slices.Sorted(maps.Keys(marks)) {
		gen, cached := s.db.users.genOfID(id)
		ms = append(ms, mark{id: id, gen: gen, cached: cached})
	}
	const query = `UPDATE users SET open_forms = ? WHERE id = ? RETURNING ` + userColumns
	err := s.db.grouped(ctx, func(tx *sql.Tx) error {
		for i := range ms {
			m := &ms[i]
			u, err := scanUser(s.db.db.txQueryRow(ctx, tx, query, strings.Join(marks[m.id], ","), m.id))
			switch {
			case errors.Is(err, sql.ErrNoRows): // erased meanwhile: skipped
			case err != nil:
				return err
			default:
				m.u, m.found = u, true
			}
		}
		return nil
	})
	if err != nil {
		for _, m := range ms {
			s.db.users.forget("", m.id)
		}
		return dbError(op, err)
	}
	var kept []domain.User
	var gens []userGen
	for _, m := range ms {
		switch {
		case !m.found:
		case m.cached:
			kept, gens = append(kept, m.u), append(gens, m.gen)
		default:
			s.db.users.forget(userKey(m.u.Channel, m.u.ChannelID), 0)
		}
	}
	s.db.users.wroteAll(kept, gens)
	return nil
}

// SetStartPayload records the deep-link payload of the user's first /start;
// later payloads are ignored.
func (s *UserStore) SetStartPayload(ctx context.Context, id int64, payload string) error {
	return s.updateByID(ctx, "sqlite.UserStore.SetStartPayload", id, `UPDATE users SET
	start_payload = coalesce(nullif(start_payload, ''), ?),
	updated_at = CASE WHEN start_payload = '' AND ? <> '' THEN ? ELSE updated_at END
WHERE id = ?`, payload, payload, millis(s.db.now()), id)
}

// updateByID runs query, an UPDATE of the user with id (by its last
// argument). Outside a transaction the row it leaves is cached for the
// user's next update (a SELECT less after consent, a form opened or
// closed, the link to a subject), unless another write that may concern
// the user came meanwhile; inside one, the user is only forgotten once it
// commits (it may yet be rolled back). No matching row is
// domain.ErrNotFound.
func (s *UserStore) updateByID(ctx context.Context, op string, id int64, query string, args ...any) error {
	if s.db.db.joined(ctx) != nil {
		defer s.db.userChanged(ctx, id)
		return s.update(ctx, op, query, args...)
	}
	gen, cached := s.db.users.genOfID(id)
	var u domain.User
	err := s.db.grouped(ctx, func(tx *sql.Tx) (err error) {
		u, err = scanUser(s.db.db.txQueryRow(ctx, tx, query+" RETURNING "+userColumns, args...))
		return err
	})
	switch {
	case err != nil:
		s.db.users.forget("", id)
		return dbError(op, err)
	case cached:
		s.db.users.wrote(u, gen)
	default:
		// Not cached before the write: nothing to compare with (a read of
		// them in flight is not kept either); the next update reads them.
		s.db.users.forget(userKey(u.Channel, u.ChannelID), 0)
	}
	return nil
}

// update runs one UPDATE by key; no matching row is domain.ErrNotFound.
func (s *UserStore) update(ctx context.Context, op, query string, args ...any) error {
	if err := affected(s.db.db.ExecContext(ctx, query, args...)); err != nil {
		return dbError(op, err)
	}
	return nil
}
