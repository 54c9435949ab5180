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

// Disbursements returns every disbursement, oldest first.
func (s *BudgetStore) Disbursements(ctx context.Context) ([]domain.Disbursement, error) {
	const op = "sqlite.BudgetStore.Disbursements"
	var out []domain.Disbursement
	err := eachRow(ctx, s.db.db, `SELECT id, activity, year, amount, note, by_user, at FROM disbursements ORDER BY id`, nil,
		func(r *sql.Rows) error {
			var d domain.Disbursement
			var at int64
			if err := r.Scan(&d.ID, &d.Activity, &d.Year, &d.Amount, &d.Note, &d.By, &at); err != nil {
				return err
			}
			d.At = fromMillis(at)
			out = append(out, d)
			return nil
		})
	return out, dbError(op, err)
}
