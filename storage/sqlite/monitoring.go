package sqlite

import (
	"context"
	"errors"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// MonitoringStore keeps the monitoring checks (hậu kiểm) of products.
type MonitoringStore struct{ db *DB }

// NewMonitoringStore returns the monitoring checks of db.
func NewMonitoringStore(db *DB) *MonitoringStore { return &MonitoringStore{db: db} }

// AddCheck records a check and sets its ID and At. A product that does not
// exist is a KindNotFound error; a result not known a KindInvalid one.
func (s *MonitoringStore) AddCheck(ctx context.Context, c *domain.MonitoringCheck) error {
	const op = "sqlite.MonitoringStore.AddCheck"
	known := false
	for _, r := range domain.CheckResults {
		known = known || r == c.Result
	}
	if !known || c.Day.IsZero() {
		return domain.E(op, domain.KindInvalid, errors.New("a check needs a known result and a day"))
	}
	now := s.db.now()
	err := s.db.db.QueryRowContext(ctx, `INSERT INTO monitoring_checks (product_id, day, result, note, by_user, at)
SELECT id, ?, ?, ?, ?, ? FROM products WHERE id = ? RETURNING id`,
		millis(c.Day), c.Result, c.Note, c.By, millis(now), c.ProductID).Scan(&c.ID)
	if err != nil {
		return dbError(op, err)
	}
	c.At = fromMillis(millis(now))
	return nil
}

// Checks returns a product's checks, the latest day first.
func (s *MonitoringStore) Checks(ctx context.Context, productID int64) ([]domain.MonitoringCheck, error) {
	return s.list(ctx, "sqlite.MonitoringStore.Checks", `SELECT id, product_id, day, result, note, by_user, at
FROM monitoring_checks WHERE product_id = ? ORDER BY day DESC, id DESC`, productID)
}

// ChecksIn returns the checks of the products of an area, by product and
// day: the workbook's sheet.
func (s *MonitoringStore) ChecksIn(ctx context.Context, area domain.Area) ([]domain.MonitoringCheck, error) {
	where, args := areaFilter("p.commune_code", area)
	return s.list(ctx, "sqlite.MonitoringStore.ChecksIn", `SELECT c.id, c.product_id, c.day, c.result, c.note, c.by_user, c.at
FROM monitoring_checks c JOIN products p ON p.id = c.product_id WHERE `+where+` ORDER BY c.product_id, c.day, c.id`, args...)
}

func (s *MonitoringStore) list(ctx context.Context, op, query string, args ...any) ([]domain.MonitoringCheck, error) {
	rows, err := s.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []domain.MonitoringCheck
	for rows.Next() {
		var (
			c       domain.MonitoringCheck
			day, at int64
		)
		if err := rows.Scan(&c.ID, &c.ProductID, &day, &c.Result, &c.Note, &c.By, &at); err != nil {
			return nil, dbError(op, err)
		}
		c.Day, c.At = fromMillis(day), fromMillis(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}
