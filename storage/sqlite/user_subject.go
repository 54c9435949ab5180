package sqlite

import (
	"context"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// ListBySubject returns the users who represent a subject (one per
// channel, usually one), oldest first.
func (s *UserStore) ListBySubject(ctx context.Context, subjectID int64) ([]domain.User, error) {
	return s.queryUsers(ctx, "sqlite.UserStore.ListBySubject", `SELECT `+userColumns+` FROM users WHERE subject_id = ? ORDER BY id`, subjectID)
}

// queryUsers runs a query of userColumns and scans every row.
func (s *UserStore) queryUsers(ctx context.Context, op, query string, args ...any) ([]domain.User, error) {
	rows, err := s.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}
