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
)

// JobStore keeps bulk jobs (announcements, invitations, reminders) with one
// row per recipient, so that a restart resumes a job without skipping or
// repeating anyone (only a message in flight at a crash may go twice). One
// sender at a time should claim recipients (see Leases).
//
// A recipient goes pending → sending (Claim) → sent, blocked or failed, or
// back to pending for a retry (MarkFailed, Recover); pending → skipped when
// the job is cancelled.
type JobStore struct{ db *DB }

// NewJobStore returns the job store of db.
func NewJobStore(db *DB) *JobStore { return &JobStore{db: db} }

// audienceSQL returns the condition on users u (and its arguments) that
// selects an audience: people who consented, have not blocked the bot and
// did not opt out of topic, except the user exclude.
func audienceSQL(a domain.Audience, topic domain.Topic, exclude int64) (string, []any, error) {
	where := []string{`u.consent = ?`, `u.blocked = 0`, `u.id <> ?`,
		`NOT EXISTS (SELECT 1 FROM user_optouts o WHERE o.user_id = u.id AND o.topic = ?)`}
	args := []any{domain.ConsentGiven, exclude, topic}
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
	WHERE j.event_id = ? AND j.kind = ? AND r.state IN (?, ?, ?))
	OR u.id IN (SELECT user_id FROM event_rsvps WHERE event_id = ?))`)
		args = append(args, a.EventID, domain.JobInvitation, RecipientPending, RecipientSending, RecipientSent, a.EventID)
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

// Cancel stops a running job: its pending recipients are skipped (those in
// flight finish). It reports whether the job was running.
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
		_, err = tx.ExecContext(ctx, `UPDATE job_recipients SET state = ? WHERE job_id = ? AND state = ?`,
			RecipientSkipped, jobID, RecipientPending)
		return err
	})
	return ok, dbError(op, err)
}

// Complete marks a running job done when no recipient is left, and reports
// whether the job is over (done or cancelled) with nothing in flight.
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

// Claim moves at most limit due recipients of running jobs to sending, in
// one transaction, and returns them, oldest job first. Recipients who have
// blocked the bot since the job was made are marked blocked instead.
func (s *JobStore) Claim(ctx context.Context, now time.Time, limit int) ([]domain.Delivery, error) {
	const op = "sqlite.JobStore.Claim"
	if limit <= 0 {
		return nil, domain.E(op, domain.KindInvalid, fmt.Errorf("limit %d", limit))
	}
	var out []domain.Delivery
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE job_recipients SET state = ?
WHERE state = ? AND user_id IN (SELECT id FROM users WHERE blocked = 1)`, RecipientBlocked, RecipientPending); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT r.job_id, r.user_id, j.kind, r.channel, r.chat_id, r.lang, r.attempts, j.payload
FROM job_recipients r JOIN jobs j ON j.id = r.job_id
WHERE r.state = ? AND r.not_before <= ? AND j.state = ?
ORDER BY r.job_id, r.not_before, r.user_id LIMIT ?`, RecipientPending, millis(now), domain.JobRunning, limit)
		if err != nil {
			return err
		}
		payloads := map[int64][]byte{}
		for rows.Next() {
			var d domain.Delivery
			var payload []byte
			if err := rows.Scan(&d.JobID, &d.UserID, &d.Kind, &d.Channel, &d.ChatID, &d.Lang, &d.Attempts, &payload); err != nil {
				rows.Close()
				return err
			}
			if p, ok := payloads[d.JobID]; ok {
				d.Payload = p
			} else {
				payloads[d.JobID], d.Payload = payload, payload
			}
			out = append(out, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE job_recipients SET state = ? WHERE job_id = ? AND user_id = ?`,
				RecipientSending, d.JobID, d.UserID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
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
