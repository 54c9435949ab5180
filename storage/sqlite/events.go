package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// EventStore keeps events (trainings, fairs...), the answers to their
// invitations and their attendance. Creating, changing or cancelling an
// event writes the job that tells its audience in the same transaction.
type EventStore struct{ db *DB }

// NewEventStore returns the event store of db.
func NewEventStore(db *DB) *EventStore { return &EventStore{db: db} }

const eventColumns = `id, kind, title, place, description, starts_at, ends_at, audience, capacity, cancelled, checkin_code,
	created_by, created_at, updated_at`

func scanEvent(row interface{ Scan(...any) error }) (domain.Event, error) {
	var (
		e                              domain.Event
		starts, ends, created, updated int64
		audience                       string
	)
	err := row.Scan(&e.ID, &e.Kind, &e.Title, &e.Place, &e.Description, &starts, &ends, &audience, &e.Capacity, &e.Cancelled,
		&e.CheckinCode, &e.CreatedBy, &created, &updated)
	if err != nil {
		return domain.Event{}, err
	}
	if err := json.Unmarshal([]byte(audience), &e.Audience); err != nil {
		return domain.Event{}, err
	}
	e.StartsAt, e.EndsAt, e.CreatedAt, e.UpdatedAt = fromMillis(starts), fromMillis(ends), fromMillis(created), fromMillis(updated)
	return e, nil
}

// CreateEvent stores a new event and sets its ID and times; when invite is
// not nil, the invitation job it returns for the stored event is created in
// the same transaction, to the event's audience (its key and event id are
// set here). The job is returned, with ID 0 when the audience reached
// nobody; nil when there was none.
func (s *EventStore) CreateEvent(ctx context.Context, e *domain.Event, invite func(domain.Event) *domain.Job) (*domain.Job, error) {
	const op = "sqlite.EventStore.CreateEvent"
	if !e.Kind.Valid() || e.Title == "" || e.CheckinCode == "" {
		return nil, domain.E(op, domain.KindInvalid, errors.New("event without kind, title or check-in code"))
	}
	aud, err := marshalAudience(e.Audience)
	if err != nil {
		return nil, domain.E(op, domain.KindInternal, err)
	}
	now := s.db.now()
	var job *domain.Job
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO events (kind, title, place, description, starts_at, ends_at, audience, capacity,
	checkin_code, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Kind, e.Title, e.Place, e.Description, millis(e.StartsAt), millis(e.EndsAt), aud, e.Capacity, e.CheckinCode,
			e.CreatedBy, millis(now), millis(now))
		if err != nil {
			return err
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		e.CreatedAt, e.UpdatedAt = fromMillis(millis(now)), fromMillis(millis(now))
		if invite == nil {
			return nil
		}
		if job = invite(*e); job == nil {
			return nil
		}
		job.EventID = e.ID
		job.Key = "invite:" + strconv.FormatInt(e.ID, 10)
		_, err = createJobTx(ctx, tx, now, job, e.Audience, e.CreatedBy)
		return err
	})
	if err != nil {
		e.ID = 0
		return nil, dbError(op, err)
	}
	return job, nil
}

// Event returns the event with the id.
func (s *EventStore) Event(ctx context.Context, id int64) (domain.Event, error) {
	e, err := scanEvent(s.db.db.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ?`, id))
	if err != nil {
		return domain.Event{}, dbError("sqlite.EventStore.Event", err)
	}
	return e, nil
}

// Upcoming returns the events not cancelled that end after now, soonest first.
func (s *EventStore) Upcoming(ctx context.Context, now time.Time) ([]domain.Event, error) {
	return s.list(ctx, "sqlite.EventStore.Upcoming", `SELECT `+eventColumns+` FROM events
WHERE cancelled = 0 AND ends_at > ? ORDER BY starts_at, id`, millis(now))
}

// Recent returns the events, cancelled or not, that end after since,
// soonest first (the officers' list).
func (s *EventStore) Recent(ctx context.Context, since time.Time) ([]domain.Event, error) {
	return s.list(ctx, "sqlite.EventStore.Recent", `SELECT `+eventColumns+` FROM events
WHERE ends_at > ? ORDER BY starts_at, id`, millis(since))
}

func (s *EventStore) list(ctx context.Context, op, query string, args ...any) ([]domain.Event, error) {
	rows, err := s.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []domain.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, e)
	}
	return out, dbError(op, rows.Err())
}

// UpdateEvent stores the title, place, description and times of an event
// and, when change is not nil, creates the job that tells those invited
// (its key and event id are set here).
func (s *EventStore) UpdateEvent(ctx context.Context, e *domain.Event, change *domain.Job) error {
	const op = "sqlite.EventStore.UpdateEvent"
	now := s.db.now()
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := affected(tx.ExecContext(ctx, `UPDATE events SET title = ?, place = ?, description = ?, starts_at = ?, ends_at = ?,
	updated_at = ? WHERE id = ? AND cancelled = 0`, e.Title, e.Place, e.Description, millis(e.StartsAt), millis(e.EndsAt), millis(now), e.ID))
		if err != nil {
			return err
		}
		if change == nil {
			return nil
		}
		change.EventID = e.ID
		change.Key = "change:" + strconv.FormatInt(e.ID, 10) + ":" + strconv.FormatInt(millis(now), 10)
		_, err = createJobTx(ctx, tx, now, change, domain.Audience{Kind: domain.AudienceInvited, EventID: e.ID}, change.CreatedBy)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return domain.E(op, domain.KindConflict, errors.New("event cancelled or gone"))
	}
	e.UpdatedAt = fromMillis(millis(now))
	return dbError(op, err)
}

// CancelEvent cancels an event, stops its invitation and reminder jobs and,
// when notice is not nil, creates the job that tells those invited. It
// reports whether the event was not cancelled before. Those still waiting
// for the invitation (outside Zalo's reply window) never had it: they are
// skipped before the notice is made, and are told only if they answered
// (from the list of events).
func (s *EventStore) CancelEvent(ctx context.Context, id int64, notice *domain.Job) (bool, error) {
	const op = "sqlite.EventStore.CancelEvent"
	now := s.db.now()
	var done bool
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE events SET cancelled = 1, updated_at = ? WHERE id = ? AND cancelled = 0`, millis(now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		done = true
		if _, err := tx.ExecContext(ctx, `UPDATE job_recipients SET state = ? WHERE state = ? AND job_id IN
	(SELECT id FROM jobs WHERE event_id = ? AND kind IN (?, ?, ?))`,
			RecipientSkipped, RecipientWaiting, id, domain.JobInvitation, domain.JobReminder, domain.JobEventChange); err != nil {
			return err
		}
		if notice != nil {
			notice.EventID = id
			notice.Key = "cancel:" + strconv.FormatInt(id, 10)
			if _, err := createJobTx(ctx, tx, now, notice, domain.Audience{Kind: domain.AudienceInvited, EventID: id}, notice.CreatedBy); err != nil {
				return err
			}
		}
		// Whoever was not invited yet need not hear of it at all.
		_, err = tx.ExecContext(ctx, `UPDATE job_recipients SET state = ? WHERE state = ? AND job_id IN
	(SELECT id FROM jobs WHERE event_id = ? AND kind IN (?, ?, ?))`,
			RecipientSkipped, RecipientPending, id, domain.JobInvitation, domain.JobReminder, domain.JobEventChange)
		return err
	})
	return done, dbError(op, err)
}

// RSVP records a user's answer. A "yes" to a full event (capacity reached
// by others) is a KindConflict error with message id "ev.full"; to a
// cancelled event, KindConflict with "ev.rsvp_cancelled".
func (s *EventStore) RSVP(ctx context.Context, eventID, userID int64, yes bool) error {
	const op = "sqlite.EventStore.RSVP"
	answer := "no"
	if yes {
		answer = "yes"
	}
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var capacity int
		var cancelled bool
		if err := tx.QueryRowContext(ctx, `SELECT capacity, cancelled FROM events WHERE id = ?`, eventID).Scan(&capacity, &cancelled); err != nil {
			return err
		}
		if cancelled {
			return &domain.Error{Op: op, Kind: domain.KindConflict, MsgID: "ev.rsvp_cancelled"}
		}
		if yes && capacity > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM event_rsvps WHERE event_id = ? AND answer = 'yes' AND user_id <> ?`,
				eventID, userID).Scan(&n); err != nil {
				return err
			}
			if n >= capacity {
				return &domain.Error{Op: op, Kind: domain.KindConflict, MsgID: "ev.full"}
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO event_rsvps (event_id, user_id, answer, at) VALUES (?, ?, ?, ?)
ON CONFLICT (event_id, user_id) DO UPDATE SET answer = excluded.answer, at = excluded.at`, eventID, userID, answer, millis(s.db.now()))
		return err
	})
	return dbError(op, err)
}

// RSVPOf returns the user's answer: "yes", "no" or "".
func (s *EventStore) RSVPOf(ctx context.Context, eventID, userID int64) (string, error) {
	var a string
	err := s.db.db.QueryRowContext(ctx, `SELECT answer FROM event_rsvps WHERE event_id = ? AND user_id = ?`, eventID, userID).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return a, dbError("sqlite.EventStore.RSVPOf", err)
}

// Invited reports whether a user was sent (or is waiting for) the
// invitation to an event, or already answered it: who may see and answer
// an event besides its audience of today.
func (s *EventStore) Invited(ctx context.Context, eventID, userID int64) (bool, error) {
	var n int
	err := s.db.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM job_recipients r JOIN jobs j ON j.id = r.job_id
	WHERE j.event_id = ? AND j.kind = ? AND r.user_id = ? AND r.state IN (?, ?, ?, ?))
	OR EXISTS (SELECT 1 FROM event_rsvps WHERE event_id = ? AND user_id = ?)`,
		eventID, domain.JobInvitation, userID, RecipientPending, RecipientSending, RecipientSent, RecipientWaiting, eventID, userID).Scan(&n)
	return n == 1, dbError("sqlite.EventStore.Invited", err)
}

// Counts returns the answers and the attendance of an event.
func (s *EventStore) Counts(ctx context.Context, eventID int64) (domain.RSVPCounts, error) {
	var c domain.RSVPCounts
	err := s.db.db.QueryRowContext(ctx, `SELECT
	(SELECT count(*) FROM event_rsvps WHERE event_id = ? AND answer = 'yes'),
	(SELECT count(*) FROM event_rsvps WHERE event_id = ? AND answer = 'no'),
	(SELECT count(*) FROM event_attendance WHERE event_id = ?)`, eventID, eventID, eventID).Scan(&c.Yes, &c.No, &c.Attended)
	return c, dbError("sqlite.EventStore.Counts", err)
}

// People lists those who answered the invitation or attended, with their
// subjects: those attending first, then by name.
func (s *EventStore) People(ctx context.Context, eventID int64) ([]domain.EventPerson, error) {
	const op = "sqlite.EventStore.People"
	rows, err := s.db.db.QueryContext(ctx, `SELECT u.id, u.name, u.username, coalesce(sj.id, 0), coalesce(sj.name, ''),
	coalesce(sj.commune_code, ''), coalesce(sj.phone, ''), coalesce(r.answer, ''), a.at, coalesce(a.method, '')
FROM users u
LEFT JOIN event_rsvps r ON r.event_id = ? AND r.user_id = u.id
LEFT JOIN event_attendance a ON a.event_id = ? AND a.user_id = u.id
LEFT JOIN subjects sj ON sj.id = coalesce(a.subject_id, u.subject_id)
WHERE r.user_id IS NOT NULL OR a.user_id IS NOT NULL
ORDER BY CASE WHEN a.user_id IS NOT NULL OR r.answer = 'yes' THEN 0 ELSE 1 END, coalesce(sj.name, u.name), u.id`, eventID, eventID)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []domain.EventPerson
	for rows.Next() {
		var (
			p  domain.EventPerson
			at sql.NullInt64
		)
		if err := rows.Scan(&p.UserID, &p.Name, &p.Username, &p.SubjectID, &p.SubjectName, &p.Commune, &p.Phone, &p.RSVP, &at, &p.Method); err != nil {
			return nil, dbError(op, err)
		}
		p.Attended, p.CheckedAt = at.Valid, fromNullMillis(at)
		out = append(out, p)
	}
	return out, dbError(op, rows.Err())
}

// MarkAttended records that the user attended the event (method "qr" or
// "officer"; by is the officer, 0 for a check-in) with the subject the
// user represents now, and reports whether it was not recorded before.
func (s *EventStore) MarkAttended(ctx context.Context, eventID, userID int64, method string, by int64) (bool, error) {
	const op = "sqlite.EventStore.MarkAttended"
	res, err := s.db.db.ExecContext(ctx, `INSERT INTO event_attendance (event_id, user_id, subject_id, method, by_user, at)
SELECT ?, u.id, u.subject_id, ?, ?, ? FROM users u WHERE u.id = ?
ON CONFLICT (event_id, user_id) DO NOTHING`, eventID, method, by, millis(s.db.now()), userID)
	if err != nil {
		return false, dbError(op, err)
	}
	n, err := res.RowsAffected()
	return n == 1, dbError(op, err)
}

// UnmarkAttended removes a user's attendance (an officer's mistake).
func (s *EventStore) UnmarkAttended(ctx context.Context, eventID, userID int64) error {
	_, err := s.db.db.ExecContext(ctx, `DELETE FROM event_attendance WHERE event_id = ? AND user_id = ?`, eventID, userID)
	return dbError("sqlite.EventStore.UnmarkAttended", err)
}

// TrainedSubjects counts the distinct subjects whose representative
// attended at least one training event (kind tap_huan, not cancelled):
// the "trained subjects" figure of /thongke. communes limits the count to
// subjects of those communes (their current commune); nil or empty counts
// the whole province.
func (s *EventStore) TrainedSubjects(ctx context.Context, communes []string) (int, error) {
	query := `SELECT count(DISTINCT a.subject_id) FROM event_attendance a
JOIN events e ON e.id = a.event_id AND e.kind = ? AND e.cancelled = 0
JOIN subjects sj ON sj.id = a.subject_id`
	args := []any{domain.EventTraining}
	if len(communes) > 0 {
		query += ` WHERE sj.commune_code IN (` + marks(len(communes)) + `)`
		for _, c := range communes {
			args = append(args, c)
		}
	}
	var n int
	err := s.db.db.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, dbError("sqlite.EventStore.TrainedSubjects", err)
}

// TrainedOfficers counts the distinct officers (commune or province
// officers, admins) who attended at least one training event. communes
// limits it to commune officers scoped to one of those communes; nil or
// empty counts every officer.
func (s *EventStore) TrainedOfficers(ctx context.Context, communes []string) (int, error) {
	query := `SELECT count(DISTINCT a.user_id) FROM event_attendance a
JOIN events e ON e.id = a.event_id AND e.kind = ? AND e.cancelled = 0
JOIN users u ON u.id = a.user_id AND u.role IN (?, ?, ?)`
	args := []any{domain.EventTraining, domain.RoleCommuneOfficer, domain.RoleProvinceOfficer, domain.RoleAdmin}
	if len(communes) > 0 {
		query += ` WHERE u.role = ? AND u.id IN (SELECT user_id FROM user_communes WHERE commune_code IN (` + marks(len(communes)) + `))`
		args = append(args, domain.RoleCommuneOfficer)
		for _, c := range communes {
			args = append(args, c)
		}
	}
	var n int
	err := s.db.db.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, dbError("sqlite.EventStore.TrainedOfficers", err)
}

// EventAttendanceRow is one person on an event's list: invited, answering
// or attending. Kind and RSVP are codes; the workbook puts them in words.
type EventAttendanceRow struct {
	EventID  int64
	Event    string // the event's title
	Kind     domain.EventKind
	Starts   time.Time
	Place    string
	UserID   int64
	Person   string // the channel's display name
	Subject  string // the subject's name; "" without one
	Commune  string // the subject's commune code; "" without a subject
	RSVP     string // "yes", "no" or ""
	Attended bool
	// Invitation is the state of the person's invitation to the event
	// (RecipientPending, RecipientSent, RecipientWaiting...); "" when they
	// were not sent one (they answered from the list of events).
	Invitation string
}

// EventAttendance lists, for the report workbook's events sheet, everyone
// on the list of an event that was not cancelled (a cancelled event did not
// take place, as for the "trained" figures): those invited (recipients of
// its invitation not skipped, blocked or failed, as AudienceInvited, and
// those whose invitation expired while waiting for them to write again),
// those who answered and those who attended, one row each, by the event's
// start, the event and the person's name, with the state of their
// invitation.
//
// A person's subject is the one they represented when attending, else the
// one they represent now (as People), and the row belongs to that
// subject's commune. A person without a subject (an officer, a user not
// registered) has no commune: the row is in a commune area only for a
// commune officer scoped to one of its communes, as TrainedOfficers counts
// them, and otherwise only in the whole province's.
func (s *EventStore) EventAttendance(ctx context.Context, area domain.Area) ([]EventAttendanceRow, error) {
	const op = "sqlite.EventStore.EventAttendance"
	args := []any{domain.JobInvitation, RecipientPending, RecipientSending, RecipientSent, RecipientWaiting, RecipientExpired,
		domain.JobInvitation}
	where := "1"
	if !area.All {
		subject, sargs := areaFilter("sj.commune_code", area)
		officer, oargs := areaFilter("commune_code", area)
		where = `(` + subject + ` OR (sj.id IS NULL AND u.role = ? AND u.id IN (SELECT user_id FROM user_communes WHERE ` + officer + `)))`
		args = append(append(append(args, sargs...), domain.RoleCommuneOfficer), oargs...)
	}
	var out []EventAttendanceRow
	err := eachRow(ctx, s.db.db, `WITH listed (event_id, user_id) AS (
	SELECT j.event_id, r.user_id FROM job_recipients r JOIN jobs j ON j.id = r.job_id
	WHERE j.event_id IS NOT NULL AND j.kind = ? AND r.state IN (?, ?, ?, ?, ?)
	UNION SELECT event_id, user_id FROM event_rsvps
	UNION SELECT event_id, user_id FROM event_attendance
)
SELECT e.id, e.title, e.kind, e.starts_at, e.place, u.id, u.name, coalesce(sj.name, ''), coalesce(sj.commune_code, ''),
	coalesce(r.answer, ''), a.user_id IS NOT NULL,
	coalesce((SELECT ir.state FROM jobs ij JOIN job_recipients ir ON ir.job_id = ij.id AND ir.user_id = l.user_id
		WHERE ij.event_id = l.event_id AND ij.kind = ? ORDER BY ij.id DESC LIMIT 1), '')
FROM listed l
JOIN events e ON e.id = l.event_id AND e.cancelled = 0
JOIN users u ON u.id = l.user_id
LEFT JOIN event_rsvps r ON r.event_id = l.event_id AND r.user_id = l.user_id
LEFT JOIN event_attendance a ON a.event_id = l.event_id AND a.user_id = l.user_id
LEFT JOIN subjects sj ON sj.id = coalesce(a.subject_id, u.subject_id)
WHERE `+where+`
ORDER BY e.starts_at, e.id, u.name, u.id`, args, func(rows *sql.Rows) error {
		var (
			r      EventAttendanceRow
			starts int64
		)
		if err := rows.Scan(&r.EventID, &r.Event, &r.Kind, &starts, &r.Place, &r.UserID, &r.Person, &r.Subject, &r.Commune,
			&r.RSVP, &r.Attended, &r.Invitation); err != nil {
			return err
		}
		r.Starts = fromMillis(starts)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}
