package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// FigureStore computes the plan's figures (/thongke) by SQL over an area.
type FigureStore struct{ db *DB }

// NewFigureStore returns the figures of db.
func NewFigureStore(db *DB) *FigureStore { return &FigureStore{db: db} }

// areaFilter returns the condition that keeps the rows of column inside the
// area, and its arguments: nothing for the whole province, a JSON list of
// codes otherwise (so that any number of communes is one parameter).
func areaFilter(column string, a domain.Area) (string, []any) {
	if a.All {
		return "1", nil
	}
	codes := a.Communes
	if codes == nil {
		codes = []string{}
	}
	b, _ := json.Marshal(codes)
	return column + " IN (SELECT value FROM json_each(?))", []any{string(b)}
}

// recognisedSQL keeps the products of alias p that are recognised today:
// ≥3★ with a certificate that has not expired and was not revoked. The
// query passes now (unix ms) as its parameter.
const recognisedSQL = `p.stars >= 3 AND p.cert_expires IS NOT NULL AND p.cert_expires > ? AND p.stage NOT IN ('het_han', 'thu_hoi')`

// centralSQL keeps the 5★ candidates: sent to the central level, or 5★ (not
// revoked).
const centralSQL = `(p.stage = 'trung_uong_danh_gia' OR (p.stars = 5 AND p.stage <> 'thu_hoi'))`

// ratedSQL keeps the products ever recognised: a move into cong_nhan.
const ratedSQL = `EXISTS (SELECT 1 FROM stage_changes r WHERE r.product_id = p.id AND r.to_stage = 'cong_nhan')`

// upgradedSQL keeps the products re-evaluated or upgraded since a rating:
// a move into danh_gia_lai or nang_hang followed by one into cong_nhan.
const upgradedSQL = `EXISTS (SELECT 1 FROM stage_changes a JOIN stage_changes b ON b.product_id = a.product_id AND b.id > a.id
	WHERE a.product_id = p.id AND a.to_stage IN ('danh_gia_lai', 'nang_hang') AND b.to_stage = 'cong_nhan')`

// Counts computes the counts behind the plan's figures over an area at now
// (whose calendar day decides which showrooms are open). Trained is left
// nil: attendance is not the figures' data.
func (s *FigureStore) Counts(ctx context.Context, area domain.Area, now time.Time) (domain.FigureCounts, error) {
	const op = "sqlite.FigureStore.Counts"
	c := domain.FigureCounts{ByCommune: map[string]int{}, ByStage: map[domain.Stage]int{}, ByStars: map[int]int{}}
	q := s.db.db
	nowMS := millis(now)
	prod, prodArgs := areaFilter("p.commune_code", area)
	args := func(front ...any) []any { return append(front, prodArgs...) }

	err := q.QueryRowContext(ctx, `SELECT count(*),
	coalesce(sum(`+recognisedSQL+`), 0),
	coalesce(sum(`+centralSQL+`), 0),
	coalesce(sum(`+ratedSQL+`), 0),
	coalesce(sum(`+ratedSQL+` AND `+upgradedSQL+`), 0)
FROM products p WHERE `+prod, args(nowMS)...).Scan(&c.Products, &c.Recognised, &c.Central, &c.Rated, &c.Upgraded)
	if err != nil {
		return c, dbError(op, err)
	}

	subj, subjArgs := areaFilter("s.commune_code", area)
	modern, _ := json.Marshal(modernChannels())
	err = q.QueryRowContext(ctx, `SELECT count(*),
	coalesce(sum(s.kind = ?), 0),
	coalesce(sum(s.kind = ?), 0),
	coalesce(sum(EXISTS (SELECT 1 FROM products p WHERE p.subject_id = s.id AND p.circular = 1 AND p.raw_area = 1)), 0),
	coalesce(sum(EXISTS (SELECT 1 FROM subject_sales_channels ch WHERE ch.subject_id = s.id
		AND ch.channel IN (SELECT value FROM json_each(?)))), 0)
FROM subjects s WHERE `+subj, append([]any{domain.KindCooperative, domain.KindSME, string(modern)}, subjArgs...)...).
		Scan(&c.Subjects, &c.Cooperatives, &c.SMEs, &c.Circular, &c.Modern)
	if err != nil {
		return c, dbError(op, err)
	}

	if err := eachRow(ctx, q, `SELECT DISTINCT p.craft FROM products p WHERE p.craft <> '' AND `+recognisedSQL+` AND `+prod+` ORDER BY p.craft`,
		args(nowMS), func(r *sql.Rows) error {
			var craft string
			err := r.Scan(&craft)
			c.CraftTexts = append(c.CraftTexts, craft)
			return err
		}); err != nil {
		return c, dbError(op, err)
	}
	officers := `SELECT count(*) FROM users WHERE role IN (?, ?, ?)`
	officerArgs := []any{domain.RoleCommuneOfficer, domain.RoleProvinceOfficer, domain.RoleAdmin}
	if !area.All {
		where, a := areaFilter("uc.commune_code", area)
		officers = `SELECT count(DISTINCT u.id) FROM users u JOIN user_communes uc ON uc.user_id = u.id WHERE u.role = ? AND ` + where
		officerArgs = append([]any{domain.RoleCommuneOfficer}, a...)
	}
	if err := q.QueryRowContext(ctx, officers, officerArgs...).Scan(&c.Officers); err != nil {
		return c, dbError(op, err)
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM showrooms WHERE opened <= ?`, now.Format(time.DateOnly)).Scan(&c.Showrooms); err != nil {
		return c, dbError(op, err)
	}

	if err := eachRow(ctx, q, `SELECT p.commune_code, count(*) FROM products p WHERE `+prod+` GROUP BY p.commune_code`, args(), func(r *sql.Rows) error {
		var code string
		var n int
		err := r.Scan(&code, &n)
		c.ByCommune[code] = n
		return err
	}); err != nil {
		return c, dbError(op, err)
	}
	if err := eachRow(ctx, q, `SELECT p.rulebook, p.set_id, count(*) FROM products p WHERE `+prod+` GROUP BY p.rulebook, p.set_id ORDER BY p.rulebook, p.set_id`, args(), func(r *sql.Rows) error {
		var sc domain.SetCount
		err := r.Scan(&sc.Rulebook, &sc.Set, &sc.N)
		c.BySet = append(c.BySet, sc)
		return err
	}); err != nil {
		return c, dbError(op, err)
	}
	if err := eachRow(ctx, q, `SELECT p.stage, count(*) FROM products p WHERE `+prod+` GROUP BY p.stage`, args(), func(r *sql.Rows) error {
		var st domain.Stage
		var n int
		err := r.Scan(&st, &n)
		c.ByStage[st] = n
		return err
	}); err != nil {
		return c, dbError(op, err)
	}
	if err := eachRow(ctx, q, `SELECT p.stars, count(*) FROM products p WHERE `+recognisedSQL+` AND `+prod+` GROUP BY p.stars`, args(nowMS), func(r *sql.Rows) error {
		var stars, n int
		err := r.Scan(&stars, &n)
		c.ByStars[stars] = n
		return err
	}); err != nil {
		return c, dbError(op, err)
	}
	return c, nil
}

// modernChannels lists the plan's modern sales channels.
func modernChannels() []string {
	var out []string
	for _, ch := range domain.SalesChannels {
		if ch.Modern() {
			out = append(out, string(ch))
		}
	}
	return out
}

// eachRow runs a query and calls fn on each row.
func eachRow(ctx context.Context, q *sql.DB, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
