package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// BudgetStore keeps the disbursements recorded against the plan's budget.
type BudgetStore struct{ db *DB }

// NewBudgetStore returns the budget repository of db.
func NewBudgetStore(db *DB) *BudgetStore { return &BudgetStore{db: db} }

// AddDisbursement records d, setting its ID and At (the DB clock). Whether
// the activity and year belong to the plan is the caller's rule; the amount
// must be positive.
func (s *BudgetStore) AddDisbursement(ctx context.Context, d *domain.Disbursement) error {
	const op = "sqlite.BudgetStore.AddDisbursement"
	if d.Amount <= 0 {
		return domain.E(op, domain.KindInvalid, errors.New("amount must be positive"))
	}
	now := s.db.now()
	err := s.db.db.QueryRowContext(ctx, `INSERT INTO disbursements (activity, year, amount, note, by_user, at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, d.Activity, d.Year, int64(d.Amount), d.Note, d.By, millis(now)).Scan(&d.ID)
	if err != nil {
		return dbError(op, err)
	}
	d.At = fromMillis(millis(now))
	return nil
}

// CancelDisbursement marks disbursement id cancelled by user by, with a
// note (why), and returns it as it now stands. An unknown id is
// domain.ErrNotFound; one cancelled before is KindConflict, returned with
// the earlier cancellation (which stays as it was).
func (s *BudgetStore) CancelDisbursement(ctx context.Context, id, by int64, note string) (domain.Disbursement, error) {
	const op = "sqlite.BudgetStore.CancelDisbursement"
	var d domain.Disbursement
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = scanDisbursement(tx.QueryRowContext(ctx, `SELECT `+disbursementCols+` FROM disbursements WHERE id = ?`, id)); err != nil {
			return err
		}
		if d.Cancelled() {
			return domain.E(op, domain.KindConflict, errors.New("cancelled before"))
		}
		now := millis(s.db.now())
		if _, err := tx.ExecContext(ctx, `UPDATE disbursements SET cancelled_by = ?, cancelled_at = ?, cancel_note = ? WHERE id = ?`, by, now, note, id); err != nil {
			return err
		}
		d.CancelledBy, d.CancelledAt, d.CancelledNote = by, fromMillis(now), note
		return nil
	})
	return d, dbError(op, err)
}

const disbursementCols = `id, activity, year, amount, note, by_user, at, cancelled_by, cancelled_at, cancel_note`

func scanDisbursement(r interface{ Scan(...any) error }) (domain.Disbursement, error) {
	var d domain.Disbursement
	var at, cancelled int64
	if err := r.Scan(&d.ID, &d.Activity, &d.Year, &d.Amount, &d.Note, &d.By, &at, &d.CancelledBy, &cancelled, &d.CancelledNote); err != nil {
		return d, err
	}
	d.At = fromMillis(at)
	if cancelled != 0 {
		d.CancelledAt = fromMillis(cancelled)
	}
	return d, nil
}

// Disbursements returns every disbursement, the cancelled ones too, oldest
// first.
func (s *BudgetStore) Disbursements(ctx context.Context) ([]domain.Disbursement, error) {
	const op = "sqlite.BudgetStore.Disbursements"
	var out []domain.Disbursement
	err := eachRow(ctx, s.db.db, `SELECT `+disbursementCols+` FROM disbursements ORDER BY id`, nil,
		func(r *sql.Rows) error {
			d, err := scanDisbursement(r)
			out = append(out, d)
			return err
		})
	return out, dbError(op, err)
}
