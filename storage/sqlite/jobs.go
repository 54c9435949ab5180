package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Recipient states of a job.
const (
	RecipientPending = "pending"
	RecipientSending = "sending"
	RecipientSent    = "sent"
	RecipientBlocked = "blocked"
	RecipientFailed  = "failed"
	RecipientSkipped = "skipped" // the job was cancelled before it was sent
	// RecipientWaiting: outside the reply window of the user's channel
	// (Zalo); sent when the user next writes, if still current.
	RecipientWaiting = "waiting"
	RecipientExpired = "expired" // waited until the message was no longer current
)

// Why a recipient waits or expired (last_error).
const (
	errOutsideWindow = "outside the reply window"
	errNotCurrent    = "no longer current"
)

// JobStore keeps bulk jobs (announcements, invitations, reminders) with one
// row per recipient, so that a restart resumes a job without skipping or
// repeating anyone (only a message in flight at a crash may go twice). One
// sender at a time should claim recipients (see Leases).
//
// A recipient goes pending → sending (Claim) → sent, blocked or failed, or
// back to pending for a retry (MarkFailed, Recover); pending → skipped when
// the job is cancelled.
//
// On a channel with a reply window (Zalo, domain.OutsideWindow) a recipient
// whose user has not written for too long goes pending → waiting (Claim,
// or sending → waiting when the messenger refuses anyway: MarkWaiting). A
// job does not wait for them: it is done, and reported, when nothing is
// pending or sending. When the user writes again, UserStore.Touch puts
// their waiting rows back to pending and Claim sends them, even of a done
// job, if the job is still current (domain.Job.StillCurrent), else they
// are expired; ExpireWaiting expires those whose job went out of date
// while they waited. Cancel skips the waiting as it skips the pending.
type JobStore struct{ db *DB }

// NewJobStore returns the job store of db.
func NewJobStore(db *DB) *JobStore { return &JobStore{db: db} }

// audienceSQL returns the condition on users u (and its arguments) that
// selects an audience: people who consented, have not blocked the bot and
// did not opt out of topic, except the person of user exclude. A person
// on two channels is selected once, at the channel they used last (the
// invited and those going, chosen by user, are taken as they are).
func audienceSQL(a domain.Audience, topic domain.Topic, exclude int64) (string, []any, error) {
	where := []string{`u.consent = ?`, `u.blocked = 0`,
		`NOT EXISTS (SELECT 1 FROM users x WHERE x.id = ? AND COALESCE(x.person_id, x.id) = COALESCE(u.person_id, u.id))`,
		`NOT EXISTS (SELECT 1 FROM user_optouts o WHERE o.user_id = u.id AND o.topic = ?)`}
	args := []any{domain.ConsentGiven, exclude, topic}
	if a.Kind != domain.AudienceInvited && a.Kind != domain.AudienceGoing {
		where = append(where, reachable)
	}
	switch a.Kind {
	case domain.AudienceAll:
	case domain.AudienceCommunes:
		if len(a.Communes) == 0 {
			return "", nil, errors.New("audience: no commune")
		}
		where = append(where, `u.subject_id IN (SELECT id FROM subjects WHERE commune_code IN (`+marks(len(a.Communes))+`))`)
		for _, c := range a.Communes {
			args = append(args, c)
		}
	case domain.AudienceGroups:
		if len(a.Sets) == 0 {
			return "", nil, errors.New("audience: no product set")
		}
		where = append(where, `u.subject_id IN (SELECT subject_id FROM products WHERE set_id IN (`+marks(len(a.Sets))+`))`)
		for _, s := range a.Sets {
			args = append(args, s)
		}
	case domain.AudienceStage:
		where = append(where, `u.subject_id IN (SELECT subject_id FROM products WHERE stage = ?)`)
		args = append(args, a.Stage)
	case domain.AudienceInvited:
		where = append(where, `(u.id IN (SELECT r.user_id FROM job_recipients r JOIN jobs j ON j.id = r.job_id
	WHERE j.event_id = ? AND j.kind = ? AND r.state IN (?, ?, ?, ?))
	OR u.id IN (SELECT user_id FROM event_rsvps WHERE event_id = ?))`)
		// Those waiting for the invitation get it when they write again,
		// and then what followed it (a change).
		args = append(args, a.EventID, domain.JobInvitation, RecipientPending, RecipientSending, RecipientSent, RecipientWaiting, a.EventID)
	case domain.AudienceGoing:
		where = append(where, `u.id IN (SELECT user_id FROM event_rsvps WHERE event_id = ? AND answer = 'yes')`)
		args = append(args, a.EventID)
	default:
		return "", nil, fmt.Errorf("audience: unknown kind %q", a.Kind)
	}
	return strings.Join(where, " AND "), args, nil
}

// marks returns n placeholders: "?, ?, ?".
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// CountAudience returns how many users an audience reaches now.
func (s *JobStore) CountAudience(ctx context.Context, a domain.Audience, topic domain.Topic, exclude int64) (int, error) {
	const op = "sqlite.JobStore.CountAudience"
	where, args, err := audienceSQL(a, topic, exclude)
	if err != nil {
		return 0, domain.E(op, domain.KindInvalid, err)
	}
	var n int
	if err := s.db.db.QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+where, args...).Scan(&n); err != nil {
		return 0, dbError(op, err)
	}
	return n, nil
}

// CountWaiting returns how many users of an audience (as CountAudience)
// are outside the reply window of their channel at now
// (domain.OutsideWindow): Zalo users who have not written for more than
// domain.ReplyWindow. A job would not send to them until they write again.
func (s *JobStore) CountWaiting(ctx context.Context, a domain.Audience, topic domain.Topic, exclude int64, now time.Time) (int, error) {
	const op = "sqlite.JobStore.CountWaiting"
	where, args, err := audienceSQL(a, topic, exclude)
	if err != nil {
		return 0, domain.E(op, domain.KindInvalid, err)
	}
	// domain.OutsideWindow in SQL: a last_seen_at older than the window
	// (strictly), or none.
	args = append(args, domain.ChannelZalo, millis(now.Add(-domain.ReplyWindow)))
	var n int
	if err := s.db.db.QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+where+`
	AND u.channel = ? AND (u.last_seen_at IS NULL OR u.last_seen_at < ?)`, args...).Scan(&n); err != nil {
		return 0, dbError(op, err)
	}
	return n, nil
}

// CreateJob stores a job and one pending row per recipient of the
// audience, in one transaction, and sets j.ID, j.State, j.Total and
// j.CreatedAt. A job whose key exists already is left as it is: created is
// false and j is filled from the stored one. An audience that reaches
// nobody creates nothing (created false, j.ID 0).
func (s *JobStore) CreateJob(ctx context.Context, j *domain.Job, a domain.Audience, exclude int64) (created bool, err error) {
	const op = "sqlite.JobStore.CreateJob"
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		created, err = createJobTx(ctx, tx, s.db.now(), j, a, exclude)
		return err
	})
	return created, dbError(op, err)
}

func createJobTx(ctx context.Context, tx *sql.Tx, now time.Time, j *domain.Job, a domain.Audience, exclude int64) (bool, error) {
	if j.Key == "" || j.Kind == "" || !j.Topic.Valid() {
		return false, domain.E("sqlite.createJob", domain.KindInvalid, errors.New("job without key, kind or topic"))
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM jobs WHERE key = ?`, j.Key).Scan(&id)
	switch {
	case err == nil:
		stored, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
		if err != nil {
			return false, err
		}
		*j = stored
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	where, args, err := audienceSQL(a, j.Topic, exclude)
	if err != nil {
		return false, domain.E("sqlite.createJob", domain.KindInvalid, err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+where, args...).Scan(&n); err != nil {
		return false, err
	}
	if n == 0 {
		j.ID, j.Total = 0, 0
		return false, nil
	}
	ts := millis(now)
	var eventID sql.NullInt64
	if j.EventID != 0 {
		eventID = sql.NullInt64{Int64: j.EventID, Valid: true}
	}
	if j.Lang == "" {
		j.Lang = domain.LocaleVI
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO jobs (key, kind, topic, event_id, created_by, channel, chat_id, lang, progress_msg, payload, total, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, j.Key, j.Kind, j.Topic, eventID, j.CreatedBy, j.Channel, j.ChatID, j.Lang, j.ProgressMsg,
		blob(j.Payload), n, ts)
	if err != nil {
		return false, err
	}
	if id, err = res.LastInsertId(); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO job_recipients (job_id, user_id, channel, chat_id, lang)
SELECT ?, u.id, u.channel, u.channel_id, u.locale FROM users u WHERE `+where, append([]any{id}, args...)...); err != nil {
		return false, err
	}
	j.ID, j.Total, j.State, j.CreatedAt = id, n, domain.JobRunning, fromMillis(ts)
	return true, nil
}

const jobColumns = `id, key, kind, topic, coalesce(event_id, 0), created_by, channel, chat_id, lang, progress_msg, payload, state, total, created_at, finished_at`

func scanJob(row interface{ Scan(...any) error }) (domain.Job, error) {
	var (
		j        domain.Job
		created  int64
		finished sql.NullInt64
	)
	err := row.Scan(&j.ID, &j.Key, &j.Kind, &j.Topic, &j.EventID, &j.CreatedBy, &j.Channel, &j.ChatID, &j.Lang, &j.ProgressMsg,
		&j.Payload, &j.State, &j.Total, &created, &finished)
	if err != nil {
		return domain.Job{}, err
	}
	j.CreatedAt, j.FinishedAt = fromMillis(created), fromNullMillis(finished)
	return j, nil
}

// Job returns the job with the id.
func (s *JobStore) Job(ctx context.Context, id int64) (domain.Job, error) {
	j, err := scanJob(s.db.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if err != nil {
		return domain.Job{}, dbError("sqlite.JobStore.Job", err)
	}
	return j, nil
}

// Unreported returns the jobs whose final summary was not given yet: the
// running ones and those just finished or cancelled, oldest first.
func (s *JobStore) Unreported(ctx context.Context) ([]domain.Job, error) {
	const op = "sqlite.JobStore.Unreported"
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE reported_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []domain.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, j)
	}
	return out, dbError(op, rows.Err())
}

// Stats counts the recipients of a job by state.
func (s *JobStore) Stats(ctx context.Context, jobID int64) (domain.JobStats, error) {
	const op = "sqlite.JobStore.Stats"
	rows, err := s.db.db.QueryContext(ctx, `SELECT state, count(*) FROM job_recipients WHERE job_id = ? GROUP BY state`, jobID)
	if err != nil {
		return domain.JobStats{}, dbError(op, err)
	}
	defer rows.Close()
	var st domain.JobStats
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return domain.JobStats{}, dbError(op, err)
		}
		switch state {
		case RecipientPending:
			st.Pending = n
		case RecipientSending:
			st.Sending = n
		case RecipientSent:
			st.Sent = n
		case RecipientBlocked:
			st.Blocked = n
		case RecipientFailed:
			st.Failed = n
		case RecipientSkipped:
			st.Skipped = n
		case RecipientWaiting:
			st.Waiting = n
		case RecipientExpired:
			st.Expired = n
		}
	}
	return st, dbError(op, rows.Err())
}

// SetProgress records the id of the job's progress message.
func (s *JobStore) SetProgress(ctx context.Context, jobID int64, msgID string) error {
	if err := affected(s.db.db.ExecContext(ctx, `UPDATE jobs SET progress_msg = ? WHERE id = ?`, msgID, jobID)); err != nil {
		return dbError("sqlite.JobStore.SetProgress", err)
	}
	return nil
}

// Cancel stops a running job: its pending and waiting recipients are
// skipped (those in flight finish). It reports whether the job was running.
func (s *JobStore) Cancel(ctx context.Context, jobID int64) (bool, error) {
	const op = "sqlite.JobStore.Cancel"
	var ok bool
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, finished_at = ? WHERE id = ? AND state = ?`,
			domain.JobCancelled, millis(s.db.now()), jobID, domain.JobRunning)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		ok = true
		_, err = tx.ExecContext(ctx, `UPDATE job_recipients SET state = ? WHERE job_id = ? AND state IN (?, ?)`,
			RecipientSkipped, jobID, RecipientPending, RecipientWaiting)
		return err
	})
	return ok, dbError(op, err)
}

// Complete marks a running job done when no recipient is left (pending or
// sending: those waiting for the user to write again do not hold it), and
// reports whether the job is over (done or cancelled) with nothing in
// flight.
func (s *JobStore) Complete(ctx context.Context, jobID int64) (bool, error) {
	const op = "sqlite.JobStore.Complete"
	var over bool
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM job_recipients WHERE job_id = ? AND state IN (?, ?)`,
			jobID, RecipientPending, RecipientSending).Scan(&left); err != nil {
			return err
		}
		if left > 0 {
			return nil
		}
		over = true
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, finished_at = ? WHERE id = ? AND state = ?`,
			domain.JobDone, millis(s.db.now()), jobID, domain.JobRunning)
		return err
	})
	return over, dbError(op, err)
}

// MarkReported records that the job's final summary was given.
func (s *JobStore) MarkReported(ctx context.Context, jobID int64) error {
	_, err := s.db.db.ExecContext(ctx, `UPDATE jobs SET reported_at = ? WHERE id = ?`, millis(s.db.now()), jobID)
	return dbError("sqlite.JobStore.MarkReported", err)
}

// Claim moves at most limit due recipients of jobs not cancelled (running
// ones, and done ones whose recipients wrote again after waiting) to
// sending, in one transaction, and returns them, oldest job first.
// Recipients who have blocked the bot since the job was made are marked
// blocked instead; those outside the reply window of their channel at now
// (domain.OutsideWindow) waiting; those who waited, when the job is no
// longer current (domain.Job.StillCurrent), expired.
func (s *JobStore) Claim(ctx context.Context, now time.Time, limit int) ([]domain.Delivery, error) {
	const op = "sqlite.JobStore.Claim"
	if limit <= 0 {
		return nil, domain.E(op, domain.KindInvalid, fmt.Errorf("limit %d", limit))
	}
	var out []domain.Delivery
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		out = nil
		if _, err := tx.ExecContext(ctx, `UPDATE job_recipients SET state = ?
WHERE state = ? AND user_id IN (SELECT id FROM users WHERE blocked = 1)`, RecipientBlocked, RecipientPending); err != nil {
			return err
		}
		payloads := map[int64][]byte{}
		// Rows that wait or expire leave room in the batch: take more.
		for len(out) < limit {
			want := limit - len(out)
			cands, err := claimCandidates(ctx, tx, now, want, payloads)
			if err != nil {
				return err
			}
			for _, c := range cands {
				state, why := RecipientSending, ""
				switch {
				case c.waited && !c.job.StillCurrent(now, c.eventStart):
					state, why = RecipientExpired, errNotCurrent
				case domain.OutsideWindow(c.d.Channel, c.lastSeen, now):
					state, why = RecipientWaiting, errOutsideWindow
				}
				if err := claimMark(ctx, tx, c.d, state, why); err != nil {
					return err
				}
				if state == RecipientSending {
					out = append(out, c.d)
				}
			}
			if len(cands) < want {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

// candidate is a due recipient with what Claim decides on.
type candidate struct {
	d          domain.Delivery
	waited     bool
	job        domain.Job // Kind and CreatedAt
	eventStart time.Time  // zero without an event, or when it is cancelled
	lastSeen   time.Time  // the user's
}

// claimCandidates reads at most limit due recipients of jobs not
// cancelled. payloads shares one payload slice per job.
func claimCandidates(ctx context.Context, tx *sql.Tx, now time.Time, limit int, payloads map[int64][]byte) ([]candidate, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.job_id, r.user_id, j.kind, r.channel, r.chat_id, r.lang, r.attempts, j.payload,
	r.waited, j.created_at, CASE WHEN e.cancelled THEN NULL ELSE e.starts_at END, u.last_seen_at
FROM job_recipients r JOIN jobs j ON j.id = r.job_id
LEFT JOIN events e ON e.id = j.event_id
LEFT JOIN users u ON u.id = r.user_id
WHERE r.state = ? AND r.not_before <= ? AND j.state <> ?
ORDER BY r.job_id, r.not_before, r.user_id LIMIT ?`, RecipientPending, millis(now), domain.JobCancelled, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var (
			c                    candidate
			payload              []byte
			created              int64
			eventStart, lastSeen sql.NullInt64
		)
		if err := rows.Scan(&c.d.JobID, &c.d.UserID, &c.d.Kind, &c.d.Channel, &c.d.ChatID, &c.d.Lang, &c.d.Attempts, &payload,
			&c.waited, &created, &eventStart, &lastSeen); err != nil {
			return nil, err
		}
		if p, ok := payloads[c.d.JobID]; ok {
			c.d.Payload = p
		} else {
			payloads[c.d.JobID], c.d.Payload = payload, payload
		}
		c.job = domain.Job{ID: c.d.JobID, Kind: c.d.Kind, CreatedAt: fromMillis(created)}
		c.eventStart, c.lastSeen = fromNullMillis(eventStart), fromNullMillis(lastSeen)
		out = append(out, c)
	}
	return out, rows.Err()
}

// claimMark moves a claimed pending recipient to state: sending, waiting
// (waited is set) or expired, with why as its last error.
func claimMark(ctx context.Context, tx *sql.Tx, d domain.Delivery, state, why string) error {
	var err error
	switch state {
	case RecipientSending:
		_, err = tx.ExecContext(ctx, `UPDATE job_recipients SET state = ? WHERE job_id = ? AND user_id = ?`,
			state, d.JobID, d.UserID)
	case RecipientWaiting:
		_, err = tx.ExecContext(ctx, `UPDATE job_recipients SET state = ?, waited = 1, last_error = ? WHERE job_id = ? AND user_id = ?`,
			state, why, d.JobID, d.UserID)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE job_recipients SET state = ?, last_error = ? WHERE job_id = ? AND user_id = ?`,
			state, why, d.JobID, d.UserID)
	}
	return err
}

// MarkSent records that the claimed recipient was sent the message.
func (s *JobStore) MarkSent(ctx context.Context, jobID, userID int64) error {
	return s.markRecipient(ctx, "sqlite.JobStore.MarkSent", `UPDATE job_recipients SET state = ?, sent_at = ?
WHERE job_id = ? AND user_id = ? AND state = ?`, RecipientSent, millis(s.db.now()), jobID, userID, RecipientSending)
}

// MarkBlocked records that the claimed recipient blocked the bot; it is
// never retried.
func (s *JobStore) MarkBlocked(ctx context.Context, jobID, userID int64) error {
	return s.markRecipient(ctx, "sqlite.JobStore.MarkBlocked", `UPDATE job_recipients SET state = ?
WHERE job_id = ? AND user_id = ? AND state = ?`, RecipientBlocked, jobID, userID, RecipientSending)
}

// MarkWaiting records that the messenger refused to send to the claimed
// recipient because they are outside its reply window
// (bot.ErrOutsideWindow): the recipient waits for the user to write again,
// as when Claim finds them outside. It is not an attempt that failed.
func (s *JobStore) MarkWaiting(ctx context.Context, jobID, userID int64) error {
	return s.markRecipient(ctx, "sqlite.JobStore.MarkWaiting", `UPDATE job_recipients SET state = ?, waited = 1, last_error = ?
WHERE job_id = ? AND user_id = ? AND state = ?`, RecipientWaiting, errOutsideWindow, jobID, userID, RecipientSending)
}

// ExpireWaiting closes the waiting recipients of the jobs no longer
// current at now (domain.Job.StillCurrent; an event cancelled or gone has
// no start): they are expired, and will not be sent when their user writes
// again. It returns how many. The bulk sender calls it now and then.
func (s *JobStore) ExpireWaiting(ctx context.Context, now time.Time) (int64, error) {
	const op = "sqlite.JobStore.ExpireWaiting"
	// The waiting rows are read through job_recipients_due (state first).
	var stale []int64
	err := eachRow(ctx, s.db.db, `SELECT j.id, j.kind, j.created_at, CASE WHEN e.cancelled THEN NULL ELSE e.starts_at END
FROM jobs j LEFT JOIN events e ON e.id = j.event_id
WHERE j.id IN (SELECT DISTINCT job_id FROM job_recipients WHERE state = ?)`, []any{RecipientWaiting}, func(rows *sql.Rows) error {
		var (
			j       domain.Job
			created int64
			starts  sql.NullInt64
		)
		if err := rows.Scan(&j.ID, &j.Kind, &created, &starts); err != nil {
			return err
		}
		j.CreatedAt = fromMillis(created)
		if !j.StillCurrent(now, fromNullMillis(starts)) {
			stale = append(stale, j.ID)
		}
		return nil
	})
	if err != nil || len(stale) == 0 {
		return 0, dbError(op, err)
	}
	var n int64
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, id := range stale {
			res, err := tx.ExecContext(ctx, `UPDATE job_recipients SET state = ?, last_error = ? WHERE job_id = ? AND state = ?`,
				RecipientExpired, errNotCurrent, id, RecipientWaiting)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	return n, dbError(op, err)
}

// MarkFailed records a failed attempt: final gives up (failed), otherwise
// the recipient is pending again from retryAt.
func (s *JobStore) MarkFailed(ctx context.Context, jobID, userID int64, errText string, retryAt time.Time, final bool) error {
	state := RecipientPending
	if final {
		state = RecipientFailed
	}
	return s.markRecipient(ctx, "sqlite.JobStore.MarkFailed", `UPDATE job_recipients SET state = ?, attempts = attempts + 1,
	last_error = ?, not_before = ? WHERE job_id = ? AND user_id = ? AND state = ?`,
		state, errText, millis(retryAt), jobID, userID, RecipientSending)
}

// Release puts a claimed recipient back to pending without counting an
// attempt (a send that never started, at a stop).
func (s *JobStore) Release(ctx context.Context, jobID, userID int64) error {
	return s.markRecipient(ctx, "sqlite.JobStore.Release", `UPDATE job_recipients SET state = ?
WHERE job_id = ? AND user_id = ? AND state = ?`, RecipientPending, jobID, userID, RecipientSending)
}

// markRecipient runs an UPDATE of one claimed recipient. A row no longer
// in the expected state (skipped by a cancel, marked already) is left as it
// is: that is not an error.
func (s *JobStore) markRecipient(ctx context.Context, op, query string, args ...any) error {
	if _, err := s.db.db.ExecContext(ctx, query, args...); err != nil {
		return dbError(op, err)
	}
	return nil
}

// Recover puts back to pending the recipients left sending by a sender that
// stopped (a crash) and returns how many. Call it at start, holding the
// sender's lease.
func (s *JobStore) Recover(ctx context.Context) (int64, error) {
	const op = "sqlite.JobStore.Recover"
	res, err := s.db.db.ExecContext(ctx, `UPDATE job_recipients SET state = ? WHERE state = ?`, RecipientPending, RecipientSending)
	if err != nil {
		return 0, dbError(op, err)
	}
	n, err := res.RowsAffected()
	return n, dbError(op, err)
}

// RecipientState returns the state of one recipient of a job, "" when the
// user is not one (for tests and the officers' lists).
func (s *JobStore) RecipientState(ctx context.Context, jobID, userID int64) (string, error) {
	var st string
	err := s.db.db.QueryRowContext(ctx, `SELECT state FROM job_recipients WHERE job_id = ? AND user_id = ?`, jobID, userID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return st, dbError("sqlite.JobStore.RecipientState", err)
}

// Optouts returns the topics the user opted out of.
func (s *JobStore) Optouts(ctx context.Context, userID int64) ([]domain.Topic, error) {
	const op = "sqlite.JobStore.Optouts"
	rows, err := s.db.db.QueryContext(ctx, `SELECT topic FROM user_optouts WHERE user_id = ? ORDER BY topic`, userID)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []domain.Topic
	for rows.Next() {
		var t domain.Topic
		if err := rows.Scan(&t); err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, t)
	}
	return out, dbError(op, rows.Err())
}

// SetOptout records whether the user receives announcements of a topic.
func (s *JobStore) SetOptout(ctx context.Context, userID int64, topic domain.Topic, out bool) error {
	const op = "sqlite.JobStore.SetOptout"
	if !topic.Valid() {
		return domain.E(op, domain.KindInvalid, fmt.Errorf("topic %q", topic))
	}
	var err error
	if out {
		_, err = s.db.db.ExecContext(ctx, `INSERT OR IGNORE INTO user_optouts (user_id, topic) VALUES (?, ?)`, userID, topic)
	} else {
		_, err = s.db.db.ExecContext(ctx, `DELETE FROM user_optouts WHERE user_id = ? AND topic = ?`, userID, topic)
	}
	return dbError(op, err)
}

func marshalAudience(a domain.Audience) (string, error) {
	b, err := json.Marshal(a)
	return string(b), err
}
