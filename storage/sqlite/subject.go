package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// SubjectStore keeps OCOP subjects and their sales channels.
type SubjectStore struct{ db *DB }

// NewSubjectStore returns the subject repository of db.
func NewSubjectStore(db *DB) *SubjectStore { return &SubjectStore{db: db} }

// Create stores a new subject with its sales channels and sets its ID,
// CreatedAt and UpdatedAt.
func (s *SubjectStore) Create(ctx context.Context, sub *domain.Subject) error {
	const op = "sqlite.SubjectStore.Create"
	now := millis(s.db.now())
	const insert = `INSERT INTO subjects
	(kind, name, representative, phone, phone_verified, commune_code, business_reg_no, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{sub.Kind, sub.Name, sub.Representative, sub.Phone, sub.PhoneVerified, sub.CommuneCode, sub.BusinessRegNo, now, now}
	var id int64
	var err error
	if len(sub.SalesChannels) == 0 {
		// One statement, kept prepared: a transaction prepared it anew, with
		// its BEGIN and COMMIT (most registrations skip the channels).
		var res sql.Result
		if res, err = s.db.db.ExecContext(ctx, insert, args...); err == nil {
			id, err = res.LastInsertId()
		}
	} else {
		err = s.db.inTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, insert, args...)
			if err != nil {
				return err
			}
			if id, err = res.LastInsertId(); err != nil {
				return err
			}
			return insertChannels(ctx, tx, id, sub.SalesChannels)
		})
	}
	if err != nil {
		return dbError(op, err)
	}
	sub.ID, sub.CreatedAt, sub.UpdatedAt = id, fromMillis(now), fromMillis(now)
	return nil
}

// Update stores every field of an existing subject, replacing its sales
// channels, and sets UpdatedAt.
func (s *SubjectStore) Update(ctx context.Context, sub *domain.Subject) error {
	const op = "sqlite.SubjectStore.Update"
	now := millis(s.db.now())
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := affected(tx.ExecContext(ctx, `UPDATE subjects SET
	kind = ?, name = ?, representative = ?, phone = ?, phone_verified = ?, commune_code = ?, business_reg_no = ?, updated_at = ?
WHERE id = ?`,
			sub.Kind, sub.Name, sub.Representative, sub.Phone, sub.PhoneVerified, sub.CommuneCode, sub.BusinessRegNo, now, sub.ID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM subject_sales_channels WHERE subject_id = ?`, sub.ID); err != nil {
			return err
		}
		return insertChannels(ctx, tx, sub.ID, sub.SalesChannels)
	})
	if err != nil {
		return dbError(op, err)
	}
	sub.UpdatedAt = fromMillis(now)
	return nil
}

func insertChannels(ctx context.Context, tx *sql.Tx, subjectID int64, channels []domain.SalesChannel) error {
	for _, c := range channels {
		if _, err := tx.ExecContext(ctx, `INSERT INTO subject_sales_channels (subject_id, channel) VALUES (?, ?)
ON CONFLICT DO NOTHING`, subjectID, c); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the subject with the id, or an error wrapping domain.ErrNotFound.
func (s *SubjectStore) Get(ctx context.Context, id int64) (domain.Subject, error) {
	return s.load(ctx, "sqlite.SubjectStore.Get", `SELECT `+subjectColumns+`, `+subjectChannels+` FROM subjects WHERE id = ?`, id)
}

// FindByPhone returns the (first registered) subject with the E.164 phone.
func (s *SubjectStore) FindByPhone(ctx context.Context, e164 string) (domain.Subject, error) {
	const op = "sqlite.SubjectStore.FindByPhone"
	if e164 == "" {
		return domain.Subject{}, notFound(op)
	}
	return s.load(ctx, op, `SELECT `+subjectColumns+`, `+subjectChannels+` FROM subjects WHERE phone = ? ORDER BY id LIMIT 1`, e164)
}

const subjectColumns = `id, kind, name, representative, phone, phone_verified, commune_code, business_reg_no, created_at, updated_at`

// load reads one subject selected by query, with its sales channels, in
// one statement (so both come from the same snapshot) that is prepared
// once and kept: a read transaction of two statements prepared the
// statements anew on every call (see BENCHMARKS.md). query selects
// subjectColumns and the channels as subjectChannels.
func (s *SubjectStore) load(ctx context.Context, op, query string, arg any) (domain.Subject, error) {
	var (
		sub              domain.Subject
		created, updated int64
		channels         string
	)
	err := s.db.db.QueryRowContext(ctx, query, arg).Scan(&sub.ID, &sub.Kind, &sub.Name, &sub.Representative, &sub.Phone,
		&sub.PhoneVerified, &sub.CommuneCode, &sub.BusinessRegNo, &created, &updated, &channels)
	if err != nil {
		return domain.Subject{}, dbError(op, err)
	}
	sub.CreatedAt, sub.UpdatedAt = fromMillis(created), fromMillis(updated)
	for c := range strings.SplitSeq(channels, ",") {
		if c != "" {
			sub.SalesChannels = append(sub.SalesChannels, domain.SalesChannel(c))
		}
	}
	return sub, nil
}

// subjectChannels selects a subject's sales channels in the order they
// were given, as one text for load.
const subjectChannels = `coalesce((SELECT group_concat(channel, ',' ORDER BY rowid) FROM subject_sales_channels c WHERE c.subject_id = subjects.id), '')`
