package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// PrivacyStore reads, withdraws and erases the personal data of a person
// (all the accounts joined as one person), and keeps the audit of those
// requests.
type PrivacyStore struct{ db *DB }

// NewPrivacyStore returns the personal-data repository of db.
func NewPrivacyStore(db *DB) *PrivacyStore { return &PrivacyStore{db: db} }

// personIDs selects the ids of every account of the person of user ?.
const personIDs = `SELECT id FROM users WHERE COALESCE(person_id, id) =
	(SELECT COALESCE(person_id, id) FROM users WHERE id = ?)`

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func accountsOf(ctx context.Context, q querier, userID int64) ([]domain.User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE id IN (`+personIDs+`) ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func idList(us []domain.User) (marks string, args []any) {
	for _, u := range us {
		args = append(args, u.ID)
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(args)), ","), args
}

// Collect returns everything kept about the person of userID.
func (s *PrivacyStore) Collect(ctx context.Context, userID int64) (domain.PersonalData, error) {
	const op = "sqlite.PrivacyStore.Collect"
	var d domain.PersonalData
	var err error
	d.Accounts, err = accountsOf(ctx, s.db.db, userID)
	if err != nil {
		return d, dbError(op, err)
	}
	if len(d.Accounts) == 0 {
		return d, domain.E(op, domain.KindNotFound, domain.ErrNotFound)
	}
	marks, ids := idList(d.Accounts)
	var subjectID int64
	for _, u := range d.Accounts {
		if u.SubjectID != 0 {
			subjectID = u.SubjectID
			break
		}
	}
	if subjectID != 0 {
		d.Subject, err = NewSubjectStore(s.db).Get(ctx, subjectID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) && domain.ErrorKind(err) != domain.KindNotFound {
			return d, err
		}
		if err := s.db.db.QueryRowContext(ctx, `SELECT count(DISTINCT COALESCE(person_id, id)) FROM users
	WHERE subject_id = ? AND id NOT IN (`+marks+`)`, append([]any{subjectID}, ids...)...).Scan(&d.SharedWith); err != nil {
			return d, dbError(op, err)
		}
		d.Products, err = NewProductStore(s.db).ListBySubject(ctx, subjectID)
		if err != nil {
			return d, err
		}
		rows, err := s.db.db.QueryContext(ctx, `SELECT p.code, f.item_id, f.name, f.mime, f.size, f.created_at
	FROM item_files f JOIN products p ON p.id = f.product_id WHERE p.subject_id = ? ORDER BY f.id`, subjectID)
		if err != nil {
			return d, dbError(op, err)
		}
		for rows.Next() {
			var f domain.PersonalFile
			var at int64
			if err := rows.Scan(&f.ProductCode, &f.Item, &f.Name, &f.Mime, &f.Size, &at); err != nil {
				rows.Close()
				return d, dbError(op, err)
			}
			f.At = fromMillis(at)
			d.Files = append(d.Files, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return d, dbError(op, err)
		}
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT e.title, e.starts_at,
	COALESCE((SELECT r.answer FROM event_rsvps r WHERE r.event_id = e.id AND r.user_id IN (`+marks+`) LIMIT 1), ''),
	EXISTS (SELECT 1 FROM event_attendance a WHERE a.event_id = e.id AND a.user_id IN (`+marks+`))
	FROM events e WHERE e.id IN (SELECT event_id FROM event_rsvps WHERE user_id IN (`+marks+`)
		UNION SELECT event_id FROM event_attendance WHERE user_id IN (`+marks+`))
	ORDER BY e.starts_at`, append(append(append(append([]any{}, ids...), ids...), ids...), ids...)...)
	if err != nil {
		return d, dbError(op, err)
	}
	for rows.Next() {
		var e domain.PersonalEvent
		var at int64
		if err := rows.Scan(&e.Title, &at, &e.Answer, &e.Attended); err != nil {
			rows.Close()
			return d, dbError(op, err)
		}
		e.StartsAt = fromMillis(at)
		d.Events = append(d.Events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, dbError(op, err)
	}
	rows, err = s.db.db.QueryContext(ctx, `SELECT question, answer, asked_at, answered_at FROM tickets WHERE user_id IN (`+marks+`) ORDER BY asked_at, id`, ids...)
	if err != nil {
		return d, dbError(op, err)
	}
	for rows.Next() {
		var (
			q        domain.PersonalQuestion
			asked    int64
			answered sql.NullInt64
		)
		if err := rows.Scan(&q.Question, &q.Answer, &asked, &answered); err != nil {
			rows.Close()
			return d, dbError(op, err)
		}
		q.AskedAt, q.AnsweredAt = fromMillis(asked), fromNullMillis(answered)
		d.Questions = append(d.Questions, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, dbError(op, err)
	}
	rows, err = s.db.db.QueryContext(ctx, `SELECT DISTINCT topic FROM user_optouts WHERE user_id IN (`+marks+`) ORDER BY topic`, ids...)
	if err != nil {
		return d, dbError(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var t domain.Topic
		if err := rows.Scan(&t); err != nil {
			return d, dbError(op, err)
		}
		d.Optouts = append(d.Optouts, t)
	}
	return d, dbError(op, rows.Err())
}

// Audit records a request of kind by userID: the kind and the time only.
func (s *PrivacyStore) Audit(ctx context.Context, userID int64, kind string) error {
	_, err := s.db.db.ExecContext(ctx, `INSERT INTO privacy_requests (user_id, kind, at) VALUES (?, ?, ?)`, userID, kind, millis(s.db.now()))
	return dbError("sqlite.PrivacyStore.Audit", err)
}

// Withdraw records that the person of userID withdrew their consent, on
// every account: no announcement reaches them any more.
func (s *PrivacyStore) Withdraw(ctx context.Context, userID int64) error {
	const op = "sqlite.PrivacyStore.Withdraw"
	var ids []int64
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		us, err := accountsOf(ctx, tx, userID)
		if err != nil {
			return err
		}
		now := millis(s.db.now())
		for _, u := range us {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET consent = ?, consent_at = ?, updated_at = ? WHERE id = ?`,
				domain.ConsentDeclined, now, now, u.ID); err != nil {
				return err
			}
			ids = append(ids, u.ID)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO privacy_requests (user_id, kind, at) VALUES (?, ?, ?)`, userID, domain.PrivacyWithdraw, now)
		return err
	})
	for _, id := range ids {
		s.db.userChanged(ctx, id)
	}
	return dbError(op, err)
}

// Erase removes the personal data of the person of userID, in one
// transaction: their accounts and what hangs on them (answers to events,
// attendance, settings, pending messages); the subject they act for when
// nobody else does: deleted, or, when a certificate was issued for one of
// its products (domain.Product.MustKeep), kept without personal details
// with those products and their stage history; the other products with
// their dossiers and history; every dossier file of the subject. The
// returned Blobs are the stored files nothing refers to any more. kind is
// the audit's (domain.PrivacyErase or domain.PrivacyExpired).
func (s *PrivacyStore) Erase(ctx context.Context, userID int64, kind string) (domain.Erasure, error) {
	const op = "sqlite.PrivacyStore.Erase"
	var (
		r   domain.Erasure
		us  []domain.User
		now = millis(s.db.now())
	)
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		r = domain.Erasure{}
		us, err = accountsOf(ctx, tx, userID)
		if err != nil || len(us) == 0 {
			return err
		}
		r.Accounts = len(us)
		marks, ids := idList(us)
		var subjectID int64
		for _, u := range us {
			if u.SubjectID != 0 {
				subjectID = u.SubjectID
			}
		}
		if subjectID != 0 {
			if err := eraseSubject(ctx, tx, subjectID, marks, ids, now, &r); err != nil {
				return err
			}
		}
		// The questions they asked the officers (Hỏi cán bộ), with their
		// photos: kept nowhere else.
		sums, err := ticketBlobs(ctx, tx, marks, ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tickets WHERE user_id IN (`+marks+`)`, ids...); err != nil {
			return err
		}
		r.Questions = len(sums.tickets)
		for _, sum := range sums.blobs {
			var used bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM item_files WHERE blob = ?)
	OR EXISTS (SELECT 1 FROM download_files WHERE sum = ?) OR EXISTS (SELECT 1 FROM ticket_files WHERE blob = ?)`, sum, sum, sum).Scan(&used); err != nil {
				return err
			}
			if !used {
				r.Blobs = append(r.Blobs, sum)
			}
		}
		for _, q := range []string{
			`DELETE FROM event_rsvps WHERE user_id IN (` + marks + `)`,
			`DELETE FROM event_attendance WHERE user_id IN (` + marks + `)`,
			`DELETE FROM user_optouts WHERE user_id IN (` + marks + `)`,
			`DELETE FROM user_communes WHERE user_id IN (` + marks + `)`,
			`DELETE FROM job_recipients WHERE user_id IN (` + marks + `)`,
		} {
			if _, err := tx.ExecContext(ctx, q, ids...); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		for _, u := range us {
			// Messages still waiting for their chat, and the files made
			// for their download links (exports, on Zalo).
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE channel = ? AND chat_id = ?`, u.Channel, u.ChannelID); err != nil {
				return err
			}
			// Which of their forms were saved (ids only, but theirs).
			if _, err := tx.ExecContext(ctx, `DELETE FROM saves WHERE channel = ? AND user_id = ?`, u.Channel, u.ChannelID); err != nil {
				return err
			}
			sums, err := dropDownloads(ctx, tx, `channel = ? AND chat_id = ?`, u.Channel, u.ChannelID)
			if err != nil {
				return err
			}
			r.Blobs = append(r.Blobs, sums...)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET person_id = NULL WHERE person_id IN (`+marks+`)`, ids...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id IN (`+marks+`)`, ids...); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO privacy_requests (user_id, kind, at) VALUES (?, ?, ?)`, userID, kind, now)
		return err
	})
	for _, u := range us {
		s.db.userChanged(ctx, u.ID)
		s.db.channelUserChanged(ctx, u.Channel, u.ChannelID)
	}
	return r, dbError(op, err)
}

// eraseSubject erases the subject of an erasure (see Erase).
func eraseSubject(ctx context.Context, tx *sql.Tx, subjectID int64, marks string, ids []any, now int64, r *domain.Erasure) error {
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE subject_id = ? AND id NOT IN (`+marks+`)`,
		append([]any{subjectID}, ids...)...).Scan(&others); err != nil {
		return err
	}
	if others > 0 {
		// Other people act for the establishment: it stays theirs.
		r.SubjectKept = domain.SubjectShared
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+productColumns+` FROM products WHERE subject_id = ? ORDER BY id`, subjectID)
	if err != nil {
		return err
	}
	var products []domain.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			rows.Close()
			return err
		}
		products = append(products, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// The files of the subject's dossiers: their rows go, and the stored
	// copies that nothing else refers to.
	blobs, err := tx.QueryContext(ctx, `SELECT DISTINCT blob FROM item_files WHERE product_id IN (SELECT id FROM products WHERE subject_id = ?)`, subjectID)
	if err != nil {
		return err
	}
	var sums []string
	for blobs.Next() {
		var sum string
		if err := blobs.Scan(&sum); err != nil {
			blobs.Close()
			return err
		}
		sums = append(sums, sum)
	}
	blobs.Close()
	if err := blobs.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM item_files WHERE product_id IN (SELECT id FROM products WHERE subject_id = ?)`, subjectID); err != nil {
		return err
	}
	for _, p := range products {
		if p.MustKeep() {
			r.KeptProducts = append(r.KeptProducts, p.Code)
			// The dossier's notes may quote the producer: states stay, words go.
			if _, err := tx.ExecContext(ctx, `UPDATE dossier_items SET reason = '' WHERE product_id = ?`, p.ID); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM products WHERE id = ?`, p.ID); err != nil {
			return err
		}
		r.DeletedProducts++
	}
	for _, sum := range sums {
		var used bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM item_files WHERE blob = ?)
	OR EXISTS (SELECT 1 FROM download_files WHERE sum = ?) OR EXISTS (SELECT 1 FROM ticket_files WHERE blob = ?)`, sum, sum, sum).Scan(&used); err != nil {
			return err
		}
		if !used {
			r.Blobs = append(r.Blobs, sum)
		}
	}
	if len(r.KeptProducts) == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET subject_id = NULL WHERE subject_id = ?`, subjectID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM subjects WHERE id = ?`, subjectID); err != nil {
			return err
		}
		r.SubjectKept = domain.SubjectDeleted
		return nil
	}
	// Kept for the register of certificates: its kind and commune, not
	// who they are or how to reach them.
	if _, err := tx.ExecContext(ctx, `UPDATE subjects SET name = '', representative = '', phone = '', phone_verified = 0,
	business_reg_no = '', public_contact = 0, updated_at = ? WHERE id = ?`, now, subjectID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM subject_sales_channels WHERE subject_id = ?`, subjectID); err != nil {
		return err
	}
	r.SubjectKept = domain.SubjectAnonymised
	return nil
}

// Inactive returns the users past the retention limit
// (domain.RetentionDue) on every account of their person, at most limit.
func (s *PrivacyStore) Inactive(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	const op = "sqlite.PrivacyStore.Inactive"
	before := millis(now.Add(-domain.InactiveRetention))
	rows, err := s.db.db.QueryContext(ctx, `SELECT id FROM users WHERE role = ? AND subject_id IS NULL
	AND COALESCE(last_seen_at, updated_at) < ?
	AND id NOT IN (SELECT target_id FROM role_changes) ORDER BY id LIMIT ?`, domain.RoleProducer, before, limit)
	if err != nil {
		return nil, dbError(op, err)
	}
	var cands []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, dbError(op, err)
		}
		cands = append(cands, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	var out []int64
	for _, id := range cands {
		us, err := accountsOf(ctx, s.db.db, id)
		if err != nil {
			return nil, dbError(op, err)
		}
		due := len(us) > 0
		for _, u := range us {
			due = due && domain.RetentionDue(u, now)
		}
		if due {
			out = append(out, id)
		}
	}
	return out, nil
}

// askedFiles are the questions of an erasure and the stored photos sent
// with them.
type askedFiles struct {
	tickets []int64
	blobs   []string
}

// ticketBlobs lists the questions the accounts asked and their photos.
func ticketBlobs(ctx context.Context, tx *sql.Tx, marks string, ids []any) (askedFiles, error) {
	var out askedFiles
	rows, err := tx.QueryContext(ctx, `SELECT t.id, coalesce(f.blob, '') FROM tickets t LEFT JOIN ticket_files f ON f.ticket_id = t.id
WHERE t.user_id IN (`+marks+`) ORDER BY t.id`, ids...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var (
			id   int64
			blob string
		)
		if err := rows.Scan(&id, &blob); err != nil {
			return out, err
		}
		if !seen[id] {
			seen[id] = true
			out.tickets = append(out.tickets, id)
		}
		if blob != "" {
			out.blobs = append(out.blobs, blob)
		}
	}
	return out, rows.Err()
}
