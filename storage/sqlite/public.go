package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// PublicStore reads what the public product pages show (/sp) and keeps the
// producer's choice to show a contact there. Its reads are read-only
// queries: the pages face the Internet.
type PublicStore struct{ db *DB }

// NewPublicStore returns the public pages' view of db.
func NewPublicStore(db *DB) *PublicStore { return &PublicStore{db: db} }

// publicSelect reads a product with its producer's name, its phone (when the
// producer shows it) and the time it entered its stage.
const publicSelect = `SELECT p.id, p.subject_id, p.commune_code, p.code, p.name, p.set_id, p.stage, p.rulebook, p.stars,
	p.cert_no, p.cert_issued, p.cert_expires, p.cert_rules, p.valid_until, p.revoke_date, p.public_code, s.name,
	CASE WHEN s.public_contact THEN s.phone ELSE '' END,
	(SELECT max(at) FROM stage_changes c WHERE c.product_id = p.id AND c.to_stage = p.stage)
FROM products p JOIN subjects s ON s.id = p.subject_id`

func scanPublic(row interface{ Scan(...any) error }) (domain.PublicProduct, error) {
	var (
		pp                     domain.PublicProduct
		p                      = &pp.Product
		issued, expires, since sql.NullInt64
		validUntil, revokeDate sql.NullInt64
		code                   sql.NullString
	)
	if err := row.Scan(&p.ID, &p.SubjectID, &p.CommuneCode, &p.Code, &p.Name, &p.Set, &p.Stage, &p.Rulebook, &p.Stars,
		&p.CertNo, &issued, &expires, &p.CertRules, &validUntil, &revokeDate, &code, &pp.Producer, &pp.Contact, &since); err != nil {
		return domain.PublicProduct{}, err
	}
	p.CertIssued, p.CertExpires = fromNullMillis(issued), fromNullMillis(expires)
	p.ValidUntil, p.Revocation.Date = fromNullMillis(validUntil), fromNullMillis(revokeDate)
	pp.PublicCode, pp.StageSince = code.String, fromNullMillis(since)
	return pp, nil
}

// ByCode returns the product whose public code is code; domain.ErrNotFound
// when there is none.
func (s *PublicStore) ByCode(ctx context.Context, code string) (domain.PublicProduct, error) {
	return s.one(ctx, "sqlite.PublicStore.ByCode", publicSelect+` WHERE p.public_code = ?`, code)
}

// ByID returns a product by its id, with its public code.
func (s *PublicStore) ByID(ctx context.Context, id int64) (domain.PublicProduct, error) {
	return s.one(ctx, "sqlite.PublicStore.ByID", publicSelect+` WHERE p.id = ?`, id)
}

func (s *PublicStore) one(ctx context.Context, op, query string, arg any) (domain.PublicProduct, error) {
	pp, err := scanPublic(s.db.db.QueryRowContext(ctx, query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.PublicProduct{}, domain.E(op, domain.KindNotFound, domain.ErrNotFound)
	}
	if err != nil {
		return domain.PublicProduct{}, dbError(op, err)
	}
	return pp, nil
}

// Certified returns the products that may hold a certificate at now: not
// revoked, expired or failed, with a certificate whose last valid day (a
// re-evaluation filed in time extends it) is at most a day before now (the caller decides with domain.CheckCertificate, in
// the province's time zone), ordered by name.
func (s *PublicStore) Certified(ctx context.Context, now time.Time) ([]domain.PublicProduct, error) {
	const op = "sqlite.PublicStore.Certified"
	rows, err := s.db.db.QueryContext(ctx, publicSelect+`
WHERE p.stage NOT IN (?, ?, ?) AND (p.cert_no <> '' OR p.cert_issued IS NOT NULL)
	AND (coalesce(p.valid_until, p.cert_expires) IS NULL OR coalesce(p.valid_until, p.cert_expires) >= ?)
ORDER BY p.name, p.id`, domain.StageRevoked, domain.StageExpired, domain.StageFailed, millis(now.Add(-48*time.Hour)))
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []domain.PublicProduct
	for rows.Next() {
		pp, err := scanPublic(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, pp)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

// PublicContact reports whether a subject shows its phone number on its
// products' public pages.
func (s *PublicStore) PublicContact(ctx context.Context, subjectID int64) (bool, error) {
	var on bool
	err := s.db.db.QueryRowContext(ctx, `SELECT public_contact FROM subjects WHERE id = ?`, subjectID).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, domain.E("sqlite.PublicStore.PublicContact", domain.KindNotFound, domain.ErrNotFound)
	}
	if err != nil {
		return false, dbError("sqlite.PublicStore.PublicContact", err)
	}
	return on, nil
}

// SetPublicContact turns the subject's contact on its public pages on or off.
func (s *PublicStore) SetPublicContact(ctx context.Context, subjectID int64, on bool) error {
	res, err := s.db.db.ExecContext(ctx, `UPDATE subjects SET public_contact = ?, updated_at = ? WHERE id = ?`,
		on, millis(s.db.now()), subjectID)
	if err != nil {
		return dbError("sqlite.PublicStore.SetPublicContact", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.E("sqlite.PublicStore.SetPublicContact", domain.KindNotFound, domain.ErrNotFound)
	}
	return nil
}
