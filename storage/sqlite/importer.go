package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// ReasonImported is the reason of the stage changes written by an import.
const ReasonImported = domain.ReasonImported

// ImportRow is one already-rated product of an import file with its
// subject, checked by the caller (package importer).
type ImportRow struct {
	Line int // the row number in the file, for messages
	// Subject: Kind, Name, Phone (E.164 or "") and CommuneCode are used.
	Subject domain.Subject
	// Product: Name, Set, Existing, Craft, Score, Stars, Stage, Rulebook,
	// Year, CertNo, CertIssued, CertExpires and CertRules are used; the
	// commune is the subject's. An empty Craft keeps the one stored (a
	// list without the column does not erase what producers wrote).
	Product domain.Product
	// NoCraft: the file says no craft; a stored craft is cleared.
	NoCraft bool
}

// Import outcomes of a row.
const (
	ImportCreated   = "created"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
)

// ImportedRow says what an import did with one row.
type ImportedRow struct {
	Line    int
	Outcome string // ImportCreated, ImportUpdated or ImportUnchanged
	Product domain.Product
}

// ImportResult counts what an import did, and says it row by row.
type ImportResult struct {
	Created, Updated, Unchanged int
	Rows                        []ImportedRow
}

// ImportOptions tune ImportBatch.
type ImportOptions struct {
	// ProvinceCode starts the codes of new products ("80").
	ProvinceCode string
	// DryRun rolls the import back: the result says what it would do.
	DryRun bool
}

// ImportConflict is a row that would take over a subject registered
// through the bot: its phone is that subject's, its name another. Renaming
// (and moving) the subject in silence would hand the producer's account to
// another business, so the import is refused with every such row.
type ImportConflict struct {
	Line                int
	Phone, Stored, Name string // the phone, the registered name, the file's
}

func (e *ImportConflict) Error() string {
	return fmt.Sprintf("row %d: the phone is that of a subject registered through the bot under another name", e.Line)
}

// ImportConflicts is an import refused for its conflicts: nothing is saved.
type ImportConflicts struct{ Rows []ImportConflict }

func (e *ImportConflicts) Error() string {
	return fmt.Sprintf("import: %d rows name a subject registered through the bot by its phone under another name, the first at row %d", len(e.Rows), e.Rows[0].Line)
}

// ImportStore loads officers' lists of already-rated products.
type ImportStore struct{ db *DB }

// NewImportStore returns the importer of db.
func NewImportStore(db *DB) *ImportStore { return &ImportStore{db: db} }

// ImportBatch stores the rows in one transaction: all of them or, on any
// error, none.
//
// A subject is found by its phone or, failing that, by its name (letter case
// and diacritics aside) in its commune; it is created when not found. Its
// kind, name and commune are updated from the row; its phone only when it
// had none (a phone the producer confirmed is kept).
//
// A product is found by its certificate number or, failing that, by its
// subject, name and commune; it is created when not found, with the next
// serial of its commune and year and a stage change "imported". A found
// product whose name, set or subject differ is updated; when its
// evaluation differs (score, stars, certificate, rulebook) it also moves to
// the row's stage with a stage change "imported". A product whose
// evaluation is as in the row keeps its stage, so that importing a file
// again changes nothing, even for products that moved on since.
func (s *ImportStore) ImportBatch(ctx context.Context, rows []ImportRow, opt ImportOptions) (ImportResult, error) {
	const op = "sqlite.ImportStore.ImportBatch"
	var res ImportResult
	if opt.ProvinceCode == "" {
		return res, domain.E(op, domain.KindInvalid, errors.New("empty province code"))
	}
	for _, r := range rows {
		if err := checkImportRow(r); err != nil {
			return res, domain.E(op, domain.KindInvalid, fmt.Errorf("row %d: %w", r.Line, err))
		}
	}
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return res, dbError(op, err)
	}
	defer tx.Rollback()
	im := &importTx{ctx: ctx, tx: tx, now: s.db.now(), province: opt.ProvinceCode}
	var conflicts []ImportConflict
	for _, r := range rows {
		out, err := im.row(r)
		var c *ImportConflict
		if errors.As(err, &c) {
			conflicts = append(conflicts, *c)
			continue
		}
		if err != nil {
			return ImportResult{}, dbError(op, fmt.Errorf("row %d: %w", r.Line, err))
		}
		switch out.Outcome {
		case ImportCreated:
			res.Created++
		case ImportUpdated:
			res.Updated++
		default:
			res.Unchanged++
		}
		res.Rows = append(res.Rows, out)
	}
	if len(conflicts) > 0 {
		return ImportResult{}, &ImportConflicts{Rows: conflicts}
	}
	if opt.DryRun {
		return res, nil
	}
	if err := tx.Commit(); err != nil {
		return ImportResult{}, dbError(op, err)
	}
	return res, nil
}

func checkImportRow(r ImportRow) error {
	switch {
	case !r.Subject.Kind.Valid():
		return fmt.Errorf("subject kind %q", r.Subject.Kind)
	case r.Subject.Name == "" || r.Product.Name == "":
		return errors.New("empty name")
	case r.Subject.CommuneCode == "":
		return errors.New("no commune")
	case r.Product.Stage == "":
		return errors.New("no stage")
	case r.Product.Year <= 0:
		return errors.New("no year")
	}
	return nil
}

// importTx is one import in its transaction.
type importTx struct {
	ctx      context.Context
	tx       *sql.Tx
	now      time.Time
	province string
}

func (im *importTx) row(r ImportRow) (ImportedRow, error) {
	out := ImportedRow{Line: r.Line}
	sub, subjectChanged, err := im.subject(r.Subject)
	var c *ImportConflict
	if errors.As(err, &c) {
		c.Line = r.Line
		return out, c
	}
	if err != nil {
		return out, err
	}
	p, found, err := im.findProduct(sub.ID, r)
	if err != nil {
		return out, err
	}
	if !found {
		out.Product, err = im.createProduct(sub.ID, r)
		out.Outcome = ImportCreated
		return out, err
	}
	changed, err := im.updateProduct(&p, sub.ID, r)
	if err != nil {
		return out, err
	}
	out.Product = p
	out.Outcome = ImportUnchanged
	if changed || subjectChanged {
		out.Outcome = ImportUpdated
	}
	return out, nil
}

// subject finds (or creates) the row's subject and brings it up to date.
func (im *importTx) subject(want domain.Subject) (domain.Subject, bool, error) {
	ctx, tx := im.ctx, im.tx
	var (
		sub   domain.Subject
		found bool
	)
	scan := func(row interface{ Scan(...any) error }) error {
		var created, updated int64
		return row.Scan(&sub.ID, &sub.Kind, &sub.Name, &sub.Representative, &sub.Phone,
			&sub.PhoneVerified, &sub.CommuneCode, &sub.BusinessRegNo, &created, &updated)
	}
	if want.Phone != "" {
		err := scan(tx.QueryRowContext(ctx, `SELECT `+subjectColumns+` FROM subjects WHERE phone = ? ORDER BY id LIMIT 1`, want.Phone))
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, sql.ErrNoRows):
			return sub, false, err
		}
	}
	if !found {
		rows, err := tx.QueryContext(ctx, `SELECT `+subjectColumns+` FROM subjects WHERE commune_code = ? ORDER BY id`, want.CommuneCode)
		if err != nil {
			return sub, false, err
		}
		name := domain.Fold(want.Name)
		for rows.Next() && !found {
			if err := scan(rows); err != nil {
				rows.Close()
				return sub, false, err
			}
			found = domain.Fold(sub.Name) == name
		}
		if err := rows.Close(); err != nil {
			return sub, false, err
		}
	}
	now := millis(im.now)
	if !found {
		sub = want
		err := tx.QueryRowContext(ctx, `INSERT INTO subjects (kind, name, phone, commune_code, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, want.Kind, want.Name, want.Phone, want.CommuneCode, now, now).Scan(&sub.ID)
		return sub, true, err
	}
	phone := sub.Phone
	if phone == "" {
		phone = want.Phone
	}
	if sub.Name != want.Name {
		// A subject someone registered through the bot keeps the name
		// they gave (the file's may lack its diacritics), and is not
		// renamed to another from a list: found by its phone under
		// another name, the row is a conflict.
		var held bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE subject_id = ?)`, sub.ID).Scan(&held); err != nil {
			return sub, false, err
		}
		switch {
		case held && domain.Fold(sub.Name) != domain.Fold(want.Name):
			return sub, false, &ImportConflict{Phone: want.Phone, Stored: sub.Name, Name: want.Name}
		case held:
			want.Name = sub.Name
		}
	}
	if sub.Kind == want.Kind && sub.Name == want.Name && sub.CommuneCode == want.CommuneCode && sub.Phone == phone {
		return sub, false, nil
	}
	sub.Kind, sub.Name, sub.CommuneCode, sub.Phone = want.Kind, want.Name, want.CommuneCode, phone
	_, err := tx.ExecContext(ctx, `UPDATE subjects SET kind = ?, name = ?, commune_code = ?, phone = ?, updated_at = ? WHERE id = ?`,
		sub.Kind, sub.Name, sub.CommuneCode, sub.Phone, now, sub.ID)
	return sub, true, err
}

// findProduct finds the row's product by its certificate number, else by
// subject, name and commune.
func (im *importTx) findProduct(subjectID int64, r ImportRow) (domain.Product, bool, error) {
	ctx, tx := im.ctx, im.tx
	if r.Product.CertNo != "" {
		p, err := scanProduct(tx.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE cert_no = ? ORDER BY id LIMIT 1`, r.Product.CertNo))
		switch {
		case err == nil:
			return p, true, nil
		case !errors.Is(err, sql.ErrNoRows):
			return p, false, err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+productColumns+` FROM products WHERE subject_id = ? AND commune_code = ? ORDER BY id`,
		subjectID, r.Subject.CommuneCode)
	if err != nil {
		return domain.Product{}, false, err
	}
	defer rows.Close()
	name := domain.Fold(r.Product.Name)
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return domain.Product{}, false, err
		}
		if domain.Fold(p.Name) == name {
			return p, true, nil
		}
	}
	return domain.Product{}, false, rows.Err()
}

func (im *importTx) createProduct(subjectID int64, r ImportRow) (domain.Product, error) {
	ctx, tx := im.ctx, im.tx
	p := domain.AsCreated(r.Product)
	p.SubjectID = subjectID
	p.CommuneCode = r.Subject.CommuneCode
	var err error
	if p.Serial, err = nextCounter(ctx, tx, serialCounter(p.CommuneCode, p.Year)); err != nil {
		return p, err
	}
	p.Code = fmt.Sprintf("%s-%s-%03d-%d", im.province, p.CommuneCode, p.Serial, p.Year)
	now := millis(im.now)
	err = tx.QueryRowContext(ctx, `INSERT INTO products (subject_id, code, serial, year, commune_code, name, set_id,
	existing, craft, stage, rulebook, score, stars, cert_no, cert_issued, cert_expires, cert_rules, created_at, updated_at, valid_until)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.SubjectID, p.Code, p.Serial, p.Year, p.CommuneCode, p.Name, p.Set, p.Existing, p.Craft, p.Stage, p.Rulebook,
		nullScore(p.Score), p.Stars, p.CertNo, nullMillis(p.CertIssued), nullMillis(p.CertExpires), p.CertRules,
		now, now, nullMillis(p.ValidUntil)).Scan(&p.ID)
	if err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = fromMillis(now), fromMillis(now)
	return asStored(p), im.history(p, "")
}

// history records an imported product's stage changes: recognised on the
// day of issue and, if expired, het_han the day after its last valid day
// (domain.InitialHistory, in the time zone its dates were read in), so
// that it counts as ever recognised and the figures of a past day see it.
// from is the stage a product already stored was in ("" for a new one).
func (im *importTx) history(p domain.Product, from domain.Stage) error {
	now := im.now
	if !p.CertIssued.IsZero() {
		now = now.In(p.CertIssued.Location())
	}
	hist := domain.InitialHistory(p, now)
	if from != "" {
		// A product moved by a new list: one change, dated now.
		hist = []domain.StageChange{{From: from, To: p.Stage, At: im.now, Stars: p.Stars, ValidUntil: p.ValidUntil}}
	}
	for _, h := range hist {
		h.ProductID, h.Reason = p.ID, ReasonImported
		if err := insertStageChange(im.ctx, im.tx, h); err != nil {
			return err
		}
	}
	return nil
}

// updateProduct brings a found product up to date with the row and
// reports whether anything changed.
func (im *importTx) updateProduct(p *domain.Product, subjectID int64, r ImportRow) (bool, error) {
	want := r.Product
	details := p.Name != want.Name || p.Set != want.Set || p.SubjectID != subjectID || (want.Existing && !p.Existing) ||
		(want.Craft != "" && p.Craft != want.Craft) || (r.NoCraft && p.Craft != "")
	evaluation := p.Score != want.Score || p.Stars != want.Stars || p.CertNo != want.CertNo ||
		!sameDay(p.CertIssued, want.CertIssued) || !sameDay(p.CertExpires, want.CertExpires) || p.CertRules != want.CertRules
	if !details && !evaluation {
		return false, nil
	}
	from := p.Stage
	p.Name, p.Set, p.SubjectID, p.Existing = want.Name, want.Set, subjectID, p.Existing || want.Existing
	switch {
	case want.Craft != "":
		p.Craft = want.Craft
	case r.NoCraft:
		p.Craft = ""
	}
	if evaluation {
		p.Score, p.Stars, p.CertNo, p.CertRules = want.Score, want.Stars, want.CertNo, want.CertRules
		p.CertIssued, p.CertExpires = want.CertIssued, want.CertExpires
		p.ValidUntil = domain.AsCreated(want).ValidUntil
		p.Stage = want.Stage
		if p.Rulebook == "" {
			p.Rulebook = want.Rulebook
		}
	}
	now := millis(im.now)
	_, err := im.tx.ExecContext(im.ctx, `UPDATE products SET subject_id = ?, name = ?, set_id = ?, existing = ?, craft = ?, stage = ?,
	rulebook = ?, score = ?, stars = ?, cert_no = ?, cert_issued = ?, cert_expires = ?, cert_rules = ?, updated_at = ?,
	valid_until = ?
WHERE id = ?`, p.SubjectID, p.Name, p.Set, p.Existing, p.Craft, p.Stage, p.Rulebook, nullScore(p.Score), p.Stars, p.CertNo,
		nullMillis(p.CertIssued), nullMillis(p.CertExpires), p.CertRules, now, nullMillis(p.ValidUntil), p.ID)
	if err != nil {
		return false, err
	}
	p.UpdatedAt = fromMillis(now)
	*p = asStored(*p)
	if evaluation {
		err = im.history(*p, from)
	}
	return true, err
}

// sameDay compares stored times to the millisecond, zero with zero.
func sameDay(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() == b.IsZero()
	}
	return millis(a) == millis(b)
}
