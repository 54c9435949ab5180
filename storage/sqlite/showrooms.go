package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// ShowroomStore keeps the OCOP showrooms officers record (/diemban).
type ShowroomStore struct{ db *DB }

// NewShowroomStore returns the showroom repository of db.
func NewShowroomStore(db *DB) *ShowroomStore { return &ShowroomStore{db: db} }

// AddShowroom records r, setting its ID and At. Its opening day is kept as
// the calendar day of r.Opened in r.Opened's location.
func (s *ShowroomStore) AddShowroom(ctx context.Context, r *domain.Showroom) error {
	const op = "sqlite.ShowroomStore.AddShowroom"
	if r.Name == "" || r.Address == "" || r.Opened.IsZero() {
		return domain.E(op, domain.KindInvalid, errors.New("name, address and opening day are required"))
	}
	now := s.db.now()
	err := s.db.db.QueryRowContext(ctx, `INSERT INTO showrooms (name, address, opened, by_user, at, commune_code)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Name, r.Address, r.Opened.Format(time.DateOnly), r.By, millis(now), r.CommuneCode).Scan(&r.ID)
	if err != nil {
		return dbError(op, err)
	}
	r.At = fromMillis(millis(now))
	return nil
}

// Showrooms returns every showroom by opening day, then as recorded. Opened
// is midnight UTC of the opening day: format it without a time zone.
func (s *ShowroomStore) Showrooms(ctx context.Context) ([]domain.Showroom, error) {
	const op = "sqlite.ShowroomStore.Showrooms"
	var out []domain.Showroom
	err := eachRow(ctx, s.db.db, `SELECT id, name, address, opened, by_user, at, commune_code FROM showrooms ORDER BY opened, id`, nil,
		func(r *sql.Rows) error {
			var sr domain.Showroom
			var opened string
			var at int64
			if err := r.Scan(&sr.ID, &sr.Name, &sr.Address, &opened, &sr.By, &at, &sr.CommuneCode); err != nil {
				return err
			}
			t, err := time.Parse(time.DateOnly, opened)
			if err != nil {
				return err
			}
			sr.Opened, sr.At = t, fromMillis(at)
			out = append(out, sr)
			return nil
		})
	return out, dbError(op, err)
}
