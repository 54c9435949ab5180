package sqlite

import (
	"context"
	"database/sql"
	"sort"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Communes returns the communes a commune officer is scoped to, sorted.
func (s *UserStore) Communes(ctx context.Context, userID int64) ([]string, error) {
	const op = "sqlite.UserStore.Communes"
	rows, err := s.db.db.QueryContext(ctx, `SELECT commune_code FROM user_communes WHERE user_id = ? ORDER BY commune_code`, userID)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, c)
	}
	return out, dbError(op, rows.Err())
}

// Grant gives a user a role (and, for a commune officer, its communes) and
// writes the audit line, in one transaction.
func (s *UserStore) Grant(ctx context.Context, actorID, targetID int64, role domain.Role, communes []string) error {
	const op = "sqlite.UserStore.Grant"
	communes = append([]string(nil), communes...)
	sort.Strings(communes)
	var ids []int64
	defer func() {
		for _, id := range ids {
			s.db.userChanged(ctx, id)
		}
	}()
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var (
			old    domain.Role
			person int64
		)
		if err := tx.QueryRowContext(ctx, `SELECT role, `+personOf+` FROM users WHERE id = ?`, targetID).Scan(&old, &person); err != nil {
			return err
		}
		now := millis(s.db.now())
		// A person on several channels has one role on all of them.
		rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE `+samePerson, person, person)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if role != domain.RoleCommuneOfficer {
			communes = nil
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role, now, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM user_communes WHERE user_id = ?`, id); err != nil {
				return err
			}
			for _, c := range communes {
				if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO user_communes (user_id, commune_code) VALUES (?, ?)`, id, c); err != nil {
					return err
				}
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO role_changes (actor_id, target_id, old_role, new_role, communes, at) VALUES (?, ?, ?, ?, ?, ?)`,
			actorID, targetID, old, role, strings.Join(communes, ","), now)
		return err
	})
	if err == sql.ErrNoRows {
		return notFound(op)
	}
	return dbError(op, err)
}

// Officers lists the users with an officer or admin role, with their communes.
func (s *UserStore) Officers(ctx context.Context) ([]domain.User, error) {
	const op = "sqlite.UserStore.Officers"
	out, err := s.queryUsers(ctx, op, `SELECT `+userColumns+` FROM users WHERE role <> ? ORDER BY role, id`, domain.RoleProducer)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Communes, err = s.Communes(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RoleChanges returns the latest role changes, newest first.
func (s *UserStore) RoleChanges(ctx context.Context, limit int) ([]domain.RoleChange, error) {
	const op = "sqlite.UserStore.RoleChanges"
	rows, err := s.db.db.QueryContext(ctx, `SELECT actor_id, target_id, old_role, new_role, communes, at FROM role_changes ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []domain.RoleChange
	for rows.Next() {
		var (
			c        domain.RoleChange
			communes string
			at       int64
		)
		if err := rows.Scan(&c.ActorID, &c.TargetID, &c.OldRole, &c.NewRole, &communes, &at); err != nil {
			return nil, dbError(op, err)
		}
		if communes != "" {
			c.Communes = strings.Split(communes, ",")
		}
		c.At = fromMillis(at)
		out = append(out, c)
	}
	return out, dbError(op, rows.Err())
}

// OfficersOf returns the officers who see a commune: its commune officers,
// then province officers and admins; a person on two channels once, at
// the channel they used last.
func (s *UserStore) OfficersOf(ctx context.Context, commune string) ([]domain.User, error) {
	return s.queryUsers(ctx, "sqlite.UserStore.OfficersOf", `SELECT `+userColumns+` FROM users u
WHERE (role IN (?, ?) OR (role = ? AND id IN (SELECT user_id FROM user_communes WHERE commune_code = ?))) AND`+reachable+`
ORDER BY CASE role WHEN ? THEN 0 ELSE 1 END, id`,
		domain.RoleProvinceOfficer, domain.RoleAdmin, domain.RoleCommuneOfficer, commune, domain.RoleCommuneOfficer)
}
