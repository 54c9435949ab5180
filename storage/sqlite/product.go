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

// ProductStore keeps products, their stage history and the counters behind
// their codes and receipt numbers.
//
// A product keeps the commune code it was created in (copied from its subject)
// in a column of its own: Product has no field for it, but its Code holds it,
// and MoveStage hands it to apply through a domain.Move.
type ProductStore struct{ db *DB }

// NewProductStore returns the product repository of db.
func NewProductStore(db *DB) *ProductStore { return &ProductStore{db: db} }

const productColumns = `id, subject_id, commune_code, code, serial, year, name, set_id, existing, craft, raw_area, raw_area_where,
	circular, stage, rulebook, score, stars, cert_no, cert_issued, cert_expires, cert_rules, receipt_no, submitted_at,
	created_at, updated_at, valid_until, purpose, revoke_ground, revoke_no, revoke_date, revoke_level`

// scanProduct reads a row of productColumns, then of extra columns into extra.
func scanProduct(row interface{ Scan(...any) error }, extra ...any) (domain.Product, error) {
	var (
		p                                  domain.Product
		score                              sql.NullFloat64
		certIssued, certExpires, submitted sql.NullInt64
		validUntil, revokeDate             sql.NullInt64
		receipt                            sql.NullString
		created, updated                   int64
	)
	dest := []any{&p.ID, &p.SubjectID, &p.CommuneCode, &p.Code, &p.Serial, &p.Year, &p.Name, &p.Set, &p.Existing, &p.Craft,
		&p.RawArea, &p.RawAreaWhere, &p.Circular, &p.Stage, &p.Rulebook, &score, &p.Stars, &p.CertNo,
		&certIssued, &certExpires, &p.CertRules, &receipt, &submitted, &created, &updated,
		&validUntil, &p.Purpose, &p.Revocation.Ground, &p.Revocation.DecisionNo, &revokeDate, &p.Revocation.Level}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return domain.Product{}, err
	}
	p.Score = score.Float64
	p.CertIssued, p.CertExpires = fromNullMillis(certIssued), fromNullMillis(certExpires)
	p.ReceiptNo = receipt.String
	p.SubmittedAt = fromNullMillis(submitted)
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	p.ValidUntil, p.Revocation.Date = fromNullMillis(validUntil), fromNullMillis(revokeDate)
	return p, nil
}

// Create stores a new product of p.SubjectID in one transaction: it takes the
// next serial of the commune and year, sets p.Code to
// "(province)-(commune)-(serial, 3 digits)-(year)", p.ID, p.CreatedAt and
// p.UpdatedAt, and records the first stage change (from "" to p.Stage, by
// the system).
//
// communeCode is the subject's commune; "" takes it from the stored subject.
// p.Year 0 means the year of the DB clock's now (set it from a clock in the
// province's time zone to be exact around New Year); p.Stage "" means
// StageIdea. Every other field of p is stored as given, so an imported
// certified product can be created in its stage; its first stage changes
// are domain.InitialHistory's (recognised on the day of issue, expired the
// day after its last valid day), in the location of loc (nil: UTC), so
// that the figures of a past day count it. A subject that does not exist
// is a KindNotFound error.
func (s *ProductStore) Create(ctx context.Context, p *domain.Product, communeCode, provinceCode string) error {
	return s.CreateIn(ctx, p, communeCode, provinceCode, nil)
}

// CreateIn is Create with the province's time zone, which decides the
// days of an imported product's first stage changes.
func (s *ProductStore) CreateIn(ctx context.Context, p *domain.Product, communeCode, provinceCode string, loc *time.Location) error {
	const op = "sqlite.ProductStore.Create"
	if provinceCode == "" {
		return domain.E(op, domain.KindInvalid, errors.New("empty province code"))
	}
	now := s.db.now()
	q := domain.AsCreated(*p)
	if q.Year == 0 {
		q.Year = now.Year()
	}
	if q.Stage == "" {
		q.Stage = domain.StageIdea
	}
	q.CreatedAt, q.UpdatedAt = fromMillis(millis(now)), fromMillis(millis(now))
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var subjectCommune string
		err := tx.QueryRowContext(ctx, `SELECT commune_code FROM subjects WHERE id = ?`, q.SubjectID).Scan(&subjectCommune)
		if err != nil {
			return err
		}
		commune := communeCode
		if commune == "" {
			commune = subjectCommune
		}
		if commune == "" {
			return domain.E(op, domain.KindInvalid, errors.New("the subject has no commune"))
		}
		if q.Serial, err = nextCounter(ctx, tx, serialCounter(commune, q.Year)); err != nil {
			return err
		}
		q.Code = fmt.Sprintf("%s-%s-%03d-%d", provinceCode, commune, q.Serial, q.Year)
		q.CommuneCode = commune
		err = tx.QueryRowContext(ctx, `INSERT INTO products (subject_id, code, serial, year, commune_code, name, set_id,
	existing, craft, raw_area, raw_area_where, circular, stage, rulebook, score, stars, cert_no, cert_issued,
	cert_expires, cert_rules, receipt_no, submitted_at, created_at, updated_at, valid_until, purpose,
	revoke_ground, revoke_no, revoke_date, revoke_level)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			q.SubjectID, q.Code, q.Serial, q.Year, commune, q.Name, q.Set, q.Existing, q.Craft, q.RawArea,
			q.RawAreaWhere, q.Circular, q.Stage, q.Rulebook, nullScore(q.Score), q.Stars, q.CertNo,
			nullMillis(q.CertIssued), nullMillis(q.CertExpires), q.CertRules, nullText(q.ReceiptNo),
			nullMillis(q.SubmittedAt), millis(now), millis(now), nullMillis(q.ValidUntil), q.Purpose,
			q.Revocation.Ground, q.Revocation.DecisionNo, nullMillis(q.Revocation.Date), q.Revocation.Level).Scan(&q.ID)
		if err != nil {
			return err
		}
		at := now
		if loc != nil {
			at = now.In(loc)
		}
		for _, h := range domain.InitialHistory(q, at) {
			h.ProductID = q.ID
			if err := insertStageChange(ctx, tx, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return dbError(op, err)
	}
	*p = q
	return nil
}

// Update stores the fields a producer edits — name, product set, existing,
// craft, raw-material area and circular — and sets p.UpdatedAt. Whether the
// product may still be edited is the caller's rule.
func (s *ProductStore) Update(ctx context.Context, p *domain.Product) error {
	const op = "sqlite.ProductStore.Update"
	now := millis(s.db.now())
	err := affected(s.db.db.ExecContext(ctx, `UPDATE products SET
	name = ?, set_id = ?, existing = ?, craft = ?, raw_area = ?, raw_area_where = ?, circular = ?, updated_at = ?
WHERE id = ?`, p.Name, p.Set, p.Existing, p.Craft, p.RawArea, p.RawAreaWhere, p.Circular, now, p.ID))
	if err != nil {
		return dbError(op, err)
	}
	p.UpdatedAt = fromMillis(now)
	return nil
}

// Get returns the product with the id, or an error wrapping domain.ErrNotFound.
func (s *ProductStore) Get(ctx context.Context, id int64) (domain.Product, error) {
	p, err := scanProduct(s.db.db.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE id = ?`, id))
	if err != nil {
		return domain.Product{}, dbError("sqlite.ProductStore.Get", err)
	}
	return p, nil
}

// GetByCode returns the product with the code, or an error wrapping
// domain.ErrNotFound.
func (s *ProductStore) GetByCode(ctx context.Context, code string) (domain.Product, error) {
	p, err := scanProduct(s.db.db.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE code = ?`, code))
	if err != nil {
		return domain.Product{}, dbError("sqlite.ProductStore.GetByCode", err)
	}
	return p, nil
}

// ListBySubject returns the subject's products in the order they were created.
func (s *ProductStore) ListBySubject(ctx context.Context, subjectID int64) ([]domain.Product, error) {
	return s.list(ctx, "sqlite.ProductStore.ListBySubject",
		`SELECT `+productColumns+` FROM products WHERE subject_id = ? ORDER BY id`, subjectID)
}

// ListForReminders returns, ordered by id, the products whose producer may
// need a reminder now: those not yet submitted (y_tuong, chuan_bi_ho_so,
// tra_lai_bo_sung) under one of the rulebooks given (whose filing
// reminders may be due), and the recognised ones (cong_nhan) whose expiry
// date falls in one of the ranges given ([from, to), whose re-evaluation
// reminders may be due). The caller narrows, the reminders decide: reading
// every candidate product each time took hundreds of megabytes and a core
// for a quarter of a second with 100,000 products (BENCHMARKS.md).
func (s *ProductStore) ListForReminders(ctx context.Context, rulebooks []string, expiring [][2]time.Time) ([]domain.Product, error) {
	if len(rulebooks) == 0 && len(expiring) == 0 {
		return nil, nil
	}
	books, err := json.Marshal(rulebooks)
	if err != nil {
		return nil, domain.E("sqlite.ProductStore.ListForReminders", domain.KindInternal, err)
	}
	var b strings.Builder
	b.WriteString(`SELECT ` + productColumns + ` FROM products
WHERE (stage IN (?, ?, ?) AND rulebook IN (SELECT value FROM json_each(?)))`)
	args := []any{domain.StageIdea, domain.StagePreparing, domain.StageReturned, string(books)}
	if len(expiring) > 0 {
		b.WriteString(` OR (stage = ? AND (`)
		args = append(args, domain.StageRecognised)
		for i, r := range expiring {
			if i > 0 {
				b.WriteString(` OR `)
			}
			b.WriteString(`(cert_expires >= ? AND cert_expires < ?)`)
			args = append(args, millis(r[0]), millis(r[1]))
		}
		b.WriteString(`))`)
	}
	b.WriteString(` ORDER BY id`)
	return s.list(ctx, "sqlite.ProductStore.ListForReminders", b.String(), args...)
}

// ListExpiring returns, ordered by id, the products in a stage the system
// may expire from (domain.ExpiryStages) whose last valid day
// is before day (midnight in the province's time zone): the expiry job's
// candidates. Whether each is due is domain.ExpiryDue's to say.
func (s *ProductStore) ListExpiring(ctx context.Context, day time.Time) ([]domain.Product, error) {
	in, stages := stageIn(domain.ExpiryStages())
	return s.list(ctx, "sqlite.ProductStore.ListExpiring", `SELECT `+productColumns+` FROM products INDEXED BY products_valid_until
WHERE valid_until IS NOT NULL AND valid_until < ? AND `+in+` ORDER BY id`,
		append([]any{millis(day)}, stages...)...)
}

// ListGraceEnded lists the re-evaluations filed in time, still in the
// dossier's stages, whose extended last valid day is before day and not
// before since (domain.GraceEnded decides each): the expiry job tells their
// producers once, and since keeps a day long past from being told again
// and again.
func (s *ProductStore) ListGraceEnded(ctx context.Context, day, since time.Time) ([]domain.Product, error) {
	in, stages := stageIn(domain.GraceStages())
	return s.list(ctx, "sqlite.ProductStore.ListGraceEnded", `SELECT `+productColumns+` FROM products INDEXED BY products_valid_until
WHERE valid_until IS NOT NULL AND valid_until < ? AND valid_until >= ? AND purpose = ? AND `+in+` ORDER BY id`,
		append([]any{millis(day), millis(since), domain.PurposeReeval}, stages...)...)
}

// stageIn is "stage IN (?, …)" for the stages, with its arguments.
func stageIn(stages []domain.Stage) (string, []any) {
	args := make([]any, len(stages))
	for i, st := range stages {
		args[i] = st
	}
	return `stage IN (?` + strings.Repeat(", ?", len(stages)-1) + `)`, args
}

func (s *ProductStore) list(ctx context.Context, op, query string, args ...any) ([]domain.Product, error) {
	rows, err := s.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var ps []domain.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return ps, nil
}

// Delete deletes the product with its dossier, files and history. Only a
// product never submitted may be deleted: that rule is the caller's. The
// stored copies of its files stay in the blob store, which other files may
// share.
func (s *ProductStore) Delete(ctx context.Context, id int64) error {
	if err := affected(s.db.db.ExecContext(ctx, `DELETE FROM products WHERE id = ?`, id)); err != nil {
		return dbError("sqlite.ProductStore.Delete", err)
	}
	return nil
}

// move is the domain.Move that MoveStage gives its apply function: counters
// bound to the move's transaction, so that a move that fails takes no
// number.
type move struct {
	ctx     context.Context
	tx      *sql.Tx
	commune string
}

// CommuneCode returns the commune the product was created in.
func (m *move) CommuneCode() string { return m.commune }

// NextReceiptSerial takes the next receipt serial of the product's commune in
// the year, counting from 1. The number is taken only if the move commits.
func (m *move) NextReceiptSerial(year int) (int, error) {
	return nextCounter(m.ctx, m.tx, receiptCounter(m.commune, year))
}

// MoveStage moves the product from stage from to stage to in one
// transaction and returns it as stored. It fails with a KindConflict error
// when the product is no longer in stage from (someone moved it meanwhile),
// and with KindNotFound when it does not exist.
//
// apply, when not nil, sets the fields that go with the move (a receipt
// number, the submission time, a score, a certificate...) on the loaded
// product; an error from it cancels the move and is returned as is. Every
// field but ID, SubjectID, Code, Serial, Year and CreatedAt is then stored,
// the stage being to whatever apply did. A stage change by (user id, 0 for
// the system) with the reason is recorded.
//
// Submission, for example, takes its receipt number inside the move:
//
//	p, err := products.MoveStage(ctx, id, domain.StagePreparing, domain.StageFiled, userID, "",
//		func(p *domain.Product, m domain.Move) error {
//			n, err := m.NextReceiptSerial(year)
//			if err != nil {
//				return err
//			}
//			p.ReceiptNo = fmt.Sprintf("%d/PĐK-%s-%s-%d", n, province, m.CommuneCode(), year)
//			p.SubmittedAt = now
//			return nil
//		})
func (s *ProductStore) MoveStage(ctx context.Context, id int64, from, to domain.Stage, by int64, reason string,
	apply func(p *domain.Product, m domain.Move) error) (domain.Product, error) {
	const op = "sqlite.ProductStore.MoveStage"
	if to == "" {
		return domain.Product{}, domain.E(op, domain.KindInvalid, errors.New("empty target stage"))
	}
	now := s.db.now()
	var p domain.Product
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var (
			commune string
			err     error
		)
		p, err = scanProduct(tx.QueryRowContext(ctx,
			`SELECT `+productColumns+`, commune_code FROM products WHERE id = ?`, id), &commune)
		if err != nil {
			return err
		}
		if p.Stage != from {
			return domain.E(op, domain.KindConflict, fmt.Errorf("product %d is in stage %q, not %q", id, p.Stage, from))
		}
		if apply != nil {
			if err := apply(&p, &move{ctx: ctx, tx: tx, commune: commune}); err != nil {
				return err
			}
		}
		p.Stage = to
		p.UpdatedAt = fromMillis(millis(now))
		_, err = tx.ExecContext(ctx, `UPDATE products SET
	name = ?, set_id = ?, existing = ?, craft = ?, raw_area = ?, raw_area_where = ?, circular = ?, stage = ?,
	rulebook = ?, score = ?, stars = ?, cert_no = ?, cert_issued = ?, cert_expires = ?, cert_rules = ?,
	receipt_no = ?, submitted_at = ?, updated_at = ?, valid_until = ?, purpose = ?, revoke_ground = ?, revoke_no = ?,
	revoke_date = ?, revoke_level = ?
WHERE id = ?`,
			p.Name, p.Set, p.Existing, p.Craft, p.RawArea, p.RawAreaWhere, p.Circular, p.Stage,
			p.Rulebook, nullScore(p.Score), p.Stars, p.CertNo, nullMillis(p.CertIssued), nullMillis(p.CertExpires), p.CertRules,
			nullText(p.ReceiptNo), nullMillis(p.SubmittedAt), millis(now), nullMillis(p.ValidUntil), p.Purpose,
			p.Revocation.Ground, p.Revocation.DecisionNo, nullMillis(p.Revocation.Date), p.Revocation.Level, id)
		if err != nil {
			return err
		}
		return insertStageChange(ctx, tx, domain.StageChange{ProductID: id, From: from, To: to, By: by, Reason: reason, At: now,
			Stars: p.Stars, ValidUntil: p.ValidUntil})
	})
	if err != nil {
		return domain.Product{}, dbError(op, err)
	}
	return asStored(p), nil
}

// asStored returns p as it reads back from the database: times in UTC,
// truncated to the millisecond.
func asStored(p domain.Product) domain.Product {
	round := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return fromMillis(millis(t))
	}
	p.CertIssued, p.CertExpires, p.SubmittedAt = round(p.CertIssued), round(p.CertExpires), round(p.SubmittedAt)
	p.ValidUntil, p.Revocation.Date = round(p.ValidUntil), round(p.Revocation.Date)
	p.CreatedAt, p.UpdatedAt = round(p.CreatedAt), round(p.UpdatedAt)
	return p
}

// History returns the product's stage changes, oldest first.
func (s *ProductStore) History(ctx context.Context, id int64) ([]domain.StageChange, error) {
	const op = "sqlite.ProductStore.History"
	rows, err := s.db.db.QueryContext(ctx, `SELECT product_id, from_stage, to_stage, by_user, reason, at, stars, valid_until
FROM stage_changes WHERE product_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var hs []domain.StageChange
	for rows.Next() {
		var (
			h     domain.StageChange
			at    int64
			valid sql.NullInt64
		)
		if err := rows.Scan(&h.ProductID, &h.From, &h.To, &h.By, &h.Reason, &at, &h.Stars, &valid); err != nil {
			return nil, dbError(op, err)
		}
		h.At, h.ValidUntil = fromMillis(at), fromNullMillis(valid)
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return hs, nil
}

func insertStageChange(ctx context.Context, tx *sql.Tx, h domain.StageChange) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO stage_changes (product_id, from_stage, to_stage, by_user, reason, at, stars, valid_until)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, h.ProductID, h.From, h.To, h.By, h.Reason, millis(h.At), h.Stars, nullMillis(h.ValidUntil))
	return err
}

func serialCounter(commune string, year int) string {
	return fmt.Sprintf("product-serial:%s:%d", commune, year)
}

func receiptCounter(commune string, year int) string {
	return fmt.Sprintf("receipt:%s:%d", commune, year)
}

// nextCounter increments the named counter (created at 1) and returns its new
// value. In a write transaction, no other one can take the same value.
func nextCounter(ctx context.Context, tx *sql.Tx, name string) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES (?, 1)
ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`, name).Scan(&v)
	return v, err
}

// nullMillis stores the zero time as NULL.
func nullMillis(t time.Time) sql.NullInt64 {
	return sql.NullInt64{Int64: millis(t), Valid: !t.IsZero()}
}

// nullText stores "" as NULL, for columns that are UNIQUE when set.
func nullText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// nullScore stores the score 0 (none) as NULL.
func nullScore(f float64) sql.NullFloat64 { return sql.NullFloat64{Float64: f, Valid: f != 0} }

// Queue returns the products in one of the stages, in the communes given
// (nil: every commune), oldest submission first: an officer's review queue.
func (s *ProductStore) Queue(ctx context.Context, stages []domain.Stage, communes []string) ([]domain.Product, error) {
	if len(stages) == 0 || (communes != nil && len(communes) == 0) {
		return nil, nil
	}
	in, args := stageIn(stages)
	q := `SELECT ` + productColumns + ` FROM products WHERE ` + in
	if communes != nil {
		q += ` AND commune_code IN (?` + strings.Repeat(", ?", len(communes)-1) + `)`
		for _, c := range communes {
			args = append(args, c)
		}
	}
	q += ` ORDER BY coalesce(submitted_at, updated_at), id`
	return s.list(ctx, "sqlite.ProductStore.Queue", q, args...)
}
