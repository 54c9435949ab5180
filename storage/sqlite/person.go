package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// personOf is the SQL of a user row's person.
const personOf = `COALESCE(person_id, id)`

// reachable keeps, of the rows u of one person, the one to reach them at:
// not blocked before blocked, then the one they wrote from last, then the
// newest row. It is the condition that no better row of the person exists.
//
// The other rows of u's person are those whose person_id is u's person
// (users_person) and the person's first row itself (the primary key): both
// are index lookups, so the check costs next to nothing for the many users
// who are a person of their own.
const reachable = ` NOT EXISTS (SELECT 1 FROM users v WHERE (v.person_id = COALESCE(u.person_id, u.id) OR v.id = u.person_id) AND v.id <> u.id
	AND (v.blocked < u.blocked OR (v.blocked = u.blocked AND (COALESCE(v.last_seen_at, 0) > COALESCE(u.last_seen_at, 0)
		OR (COALESCE(v.last_seen_at, 0) = COALESCE(u.last_seen_at, 0) AND v.id > u.id)))))`

// samePerson is the condition that a row is of the person p (a user id
// that is a person's first row).
const samePerson = `(id = ? OR person_id = ?)`

// LinkPerson makes user the same person as other (a Telegram and a Zalo
// account of one producer): user joins other's person and takes other's
// subject, and every row of the person gets the higher of their roles
// (with its communes). It is told apart from LinkSubject, which lets
// several people act for one subject.
func (s *UserStore) LinkPerson(ctx context.Context, userID, otherID int64) error {
	const op = "sqlite.UserStore.LinkPerson"
	if userID == otherID {
		return domain.E(op, domain.KindInvalid, errors.New("a user linked to itself"))
	}
	var ids []int64
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var person, subject sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT `+personOf+`, subject_id FROM users WHERE id = ?`, otherID).Scan(&person, &subject); err != nil {
			return err
		}
		var old int64
		if err := tx.QueryRowContext(ctx, `SELECT `+personOf+` FROM users WHERE id = ?`, userID).Scan(&old); err != nil {
			return err
		}
		now := millis(s.db.now())
		// The user's rows (they may already be a person of several
		// channels) join the other's person.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET person_id = ?, updated_at = ? WHERE `+samePerson, person.Int64, now, old, old); err != nil {
			return err
		}
		if subject.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET subject_id = ?, updated_at = ? WHERE id = ?`, subject.Int64, now, userID); err != nil {
				return err
			}
		}
		var err error
		ids, err = syncRoles(ctx, tx, person.Int64, now)
		return err
	})
	for _, id := range ids {
		s.db.userChanged(ctx, id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(op)
	}
	return dbError(op, err)
}

// roleRank orders roles: a person linked on two channels keeps the higher.
var roleRank = map[domain.Role]int{domain.RoleProducer: 0, domain.RoleCommuneOfficer: 1, domain.RoleProvinceOfficer: 2, domain.RoleAdmin: 3}

// syncRoles gives every row of a person the highest role among them, with
// the communes of the row that has it, and returns the rows' ids.
func syncRoles(ctx context.Context, tx *sql.Tx, person, now int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, role FROM users WHERE `+samePerson+` ORDER BY id`, person, person)
	if err != nil {
		return nil, err
	}
	var (
		ids  []int64
		best int64
		role = domain.RoleProducer
	)
	for rows.Next() {
		var (
			id int64
			r  domain.Role
		)
		if err := rows.Scan(&id, &r); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
		if best == 0 || roleRank[r] > roleRank[role] {
			best, role = id, r
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if id == best {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role, now, id); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_communes WHERE user_id = ?`, id); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_communes (user_id, commune_code) SELECT ?, commune_code FROM user_communes WHERE user_id = ?`, id, best); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// PersonUsers returns the user rows of userID's person (every channel),
// oldest first.
func (s *UserStore) PersonUsers(ctx context.Context, userID int64) ([]domain.User, error) {
	const op = "sqlite.UserStore.PersonUsers"
	p, err := s.person(ctx, userID)
	if err != nil {
		return nil, dbError(op, err)
	}
	return s.queryUsers(ctx, op, `SELECT `+userColumns+` FROM users WHERE `+samePerson+` ORDER BY id`, p, p)
}

// person returns the person of a user row (the id of its first row).
func (s *UserStore) person(ctx context.Context, userID int64) (int64, error) {
	var p int64
	err := s.db.db.QueryRowContext(ctx, `SELECT `+personOf+` FROM users WHERE id = ?`, userID).Scan(&p)
	return p, err
}

// Reach returns the row to reach userID's person at: the channel they used
// last (see reachable).
func (s *UserStore) Reach(ctx context.Context, userID int64) (domain.User, error) {
	const op = "sqlite.UserStore.Reach"
	p, err := s.person(ctx, userID)
	if err != nil {
		return domain.User{}, dbError(op, err)
	}
	u, err := scanUser(s.db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u
WHERE (u.id = ? OR u.person_id = ?) AND`+reachable, p, p))
	if err != nil {
		return domain.User{}, dbError(op, err)
	}
	return u, nil
}

// ReachBySubject returns the people who act for a subject, each once, at
// the channel they used last, oldest first: notices go there.
func (s *UserStore) ReachBySubject(ctx context.Context, subjectID int64) ([]domain.User, error) {
	return s.queryUsers(ctx, "sqlite.UserStore.ReachBySubject", `SELECT `+userColumns+` FROM users u
WHERE u.subject_id = ? AND`+reachable+` ORDER BY u.id`, subjectID)
}
