package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
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

// Counts computes the counts behind the plan's figures over each of areas
// at now (whose calendar day, in now's location — the province's —
// decides which certificates are valid and which showrooms are open), in
// one pass over the products and one over the subjects for all the areas
// together: the rows are read per commune (from the covering indexes of
// migrations 0007 and 0025) and added up into every area that holds the
// commune. Trained is left nil: attendance is not the figures' data.
//
// A certificate is valid through its whole last day (valid_until, which
// domain.Rulebooks.Apply keeps). When now's day is before the DB clock's
// today, the figures are those at the end of that day, read from the stage
// history (each change keeps the product's stars and validity after it):
// products and subjects created later do not count; officers are today's.
func (s *FigureStore) Counts(ctx context.Context, areas []domain.Area, now time.Time) ([]domain.FigureCounts, error) {
	const op = "sqlite.FigureStore.Counts"
	q := s.db.db
	out := make([]domain.FigureCounts, len(areas))
	members := make([]map[string]bool, len(areas)) // nil: every commune
	union := domain.Area{Communes: []string{}}
	seen := map[string]bool{}
	for i, a := range areas {
		out[i] = domain.FigureCounts{ByCommune: map[string]int{}, ByStage: map[domain.Stage]int{}, ByStars: map[int]int{}}
		if a.All {
			union.All = true
			continue
		}
		members[i] = map[string]bool{}
		for _, c := range a.Communes {
			members[i][c] = true
			if !seen[c] {
				seen[c] = true
				union.Communes = append(union.Communes, c)
			}
		}
	}
	if len(areas) == 0 {
		return out, nil
	}
	// each calls fn with the counts of every area that holds commune.
	each := func(commune string, fn func(c *domain.FigureCounts)) {
		for i := range out {
			if members[i] == nil || members[i][commune] {
				fn(&out[i])
			}
		}
	}
	loc := now.Location()
	y, m, d := now.Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, loc)
	dayEnd := dayStart.AddDate(0, 0, 1)
	ty, tm, td := s.db.now().In(loc).Date()
	past := dayStart.Before(time.Date(ty, tm, td, 0, 0, 0, 0, loc))
	startMS, endMS := millis(dayStart), millis(dayEnd)

	// Products, by commune and by everything a breakdown needs.
	prod, prodArgs := areaFilter("commune_code", union)
	productQuery := `SELECT commune_code, stage, stars, rulebook, set_id, count(*),
	sum(coalesce(valid_until, 0) >= ?), sum(rated), sum(rated AND upgraded)
FROM products WHERE ` + prod + ` GROUP BY commune_code, stage, stars, rulebook, set_id`
	productArgs := append([]any{startMS}, prodArgs...)
	if past {
		prod, prodArgs = areaFilter("p.commune_code", union)
		productQuery = `WITH last AS (SELECT product_id, max(id) AS id FROM stage_changes WHERE at < ? GROUP BY product_id)
SELECT p.commune_code, sc.to_stage, sc.stars, p.rulebook, p.set_id, count(*),
	sum(coalesce(sc.valid_until, 0) >= ?),
	sum(EXISTS (SELECT 1 FROM stage_changes r WHERE r.product_id = p.id AND r.to_stage = 'cong_nhan' AND r.at < ?)),
	sum(EXISTS (SELECT 1 FROM stage_changes a JOIN stage_changes b ON b.product_id = a.product_id AND b.id > a.id
		WHERE a.product_id = p.id AND a.to_stage IN ('danh_gia_lai', 'nang_hang') AND b.to_stage = 'cong_nhan' AND b.at < ?
			AND coalesce(b.valid_until, 0) > coalesce(a.valid_until, 0)))
FROM last JOIN stage_changes sc ON sc.id = last.id JOIN products p ON p.id = last.product_id
WHERE ` + prod + ` GROUP BY p.commune_code, sc.to_stage, sc.stars, p.rulebook, p.set_id`
		productArgs = append([]any{endMS, startMS, endMS, endMS}, prodArgs...)
	}
	type setKey struct {
		rulebook string
		set      int
	}
	bySet := make([]map[setKey]int, len(areas))
	for i := range bySet {
		bySet[i] = map[setKey]int{}
	}
	err := eachRow(ctx, q, productQuery, productArgs, func(r *sql.Rows) error {
		var (
			commune, rulebook       string
			stage                   domain.Stage
			stars, set, n, valid    int
			rated, ratedAndUpgraded int
		)
		if err := r.Scan(&commune, &stage, &stars, &rulebook, &set, &n, &valid, &rated, &ratedAndUpgraded); err != nil {
			return err
		}
		recognised := 0
		if stars >= 3 && stage != domain.StageExpired && stage != domain.StageRevoked {
			recognised = valid
		}
		central := stage == domain.StageCentral || (stars == 5 && stage != domain.StageRevoked)
		for i := range out {
			if members[i] != nil && !members[i][commune] {
				continue
			}
			c := &out[i]
			c.Products += n
			c.ByCommune[commune] += n
			c.ByStage[stage] += n
			bySet[i][setKey{rulebook, set}] += n
			c.Recognised += recognised
			if recognised > 0 {
				c.ByStars[stars] += recognised
			}
			if central {
				c.Central += n
			}
			c.Rated += rated
			c.Upgraded += ratedAndUpgraded
		}
		return nil
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	for i, m := range bySet {
		for k, n := range m {
			out[i].BySet = append(out[i].BySet, domain.SetCount{Rulebook: k.rulebook, Set: k.set, N: n})
		}
		sort.Slice(out[i].BySet, func(a, b int) bool {
			x, y := out[i].BySet[a], out[i].BySet[b]
			if x.Rulebook != y.Rulebook {
				return x.Rulebook < y.Rulebook
			}
			return x.Set < y.Set
		})
	}

	// The traditional crafts written on recognised products.
	crafts := make([]map[string]bool, len(areas))
	for i := range crafts {
		crafts[i] = map[string]bool{}
	}
	craftQuery := `SELECT DISTINCT commune_code, craft FROM products INDEXED BY products_craft
WHERE craft <> '' AND stars >= 3 AND coalesce(valid_until, 0) >= ? AND stage NOT IN (?, ?) AND ` + prod
	craftArgs := append([]any{startMS, domain.StageExpired, domain.StageRevoked}, prodArgs...)
	if past {
		craftQuery = `WITH last AS (SELECT product_id, max(id) AS id FROM stage_changes WHERE at < ? GROUP BY product_id)
SELECT DISTINCT p.commune_code, p.craft FROM last JOIN stage_changes sc ON sc.id = last.id JOIN products p ON p.id = last.product_id
WHERE p.craft <> '' AND sc.stars >= 3 AND coalesce(sc.valid_until, 0) >= ? AND sc.to_stage NOT IN (?, ?) AND ` + prod
		craftArgs = append([]any{endMS, startMS, domain.StageExpired, domain.StageRevoked}, prodArgs...)
	}
	err = eachRow(ctx, q, craftQuery, craftArgs, func(r *sql.Rows) error {
		var commune, craft string
		if err := r.Scan(&commune, &craft); err != nil {
			return err
		}
		for i := range out {
			if members[i] == nil || members[i][commune] {
				crafts[i][craft] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	for i, m := range crafts {
		for craft := range m {
			out[i].CraftTexts = append(out[i].CraftTexts, craft)
		}
		sort.Strings(out[i].CraftTexts)
	}

	// Subjects, by commune, kind and whether they sell through a modern
	// channel.
	subj, subjArgs := areaFilter("commune_code", union)
	if past {
		subj += " AND created_at < ?"
		subjArgs = append(subjArgs, endMS)
	}
	err = eachRow(ctx, q, `SELECT commune_code, kind, modern, count(*) FROM subjects WHERE `+subj+` GROUP BY commune_code, kind, modern`, subjArgs,
		func(r *sql.Rows) error {
			var commune string
			var kind domain.SubjectKind
			var modern bool
			var n int
			if err := r.Scan(&commune, &kind, &modern, &n); err != nil {
				return err
			}
			each(commune, func(c *domain.FigureCounts) {
				c.Subjects += n
				switch kind {
				case domain.KindCooperative:
					c.Cooperatives += n
				case domain.KindSME:
					c.SMEs += n
				}
				if modern {
					c.Modern += n
				}
			})
			return nil
		})
	if err != nil {
		return nil, dbError(op, err)
	}
	// Subjects with a product that is circular on a raw-material area, by
	// the subject's commune.
	subj, subjArgs = areaFilter("s.commune_code", union)
	if past {
		subj += " AND p.created_at < ?"
		subjArgs = append(subjArgs, endMS)
	}
	err = eachRow(ctx, q, `SELECT s.commune_code, count(DISTINCT p.subject_id) FROM products p INDEXED BY products_circular
JOIN subjects s ON s.id = p.subject_id WHERE p.circular = 1 AND p.raw_area = 1 AND `+subj+` GROUP BY s.commune_code`, subjArgs,
		func(r *sql.Rows) error {
			var commune string
			var n int
			if err := r.Scan(&commune, &n); err != nil {
				return err
			}
			each(commune, func(c *domain.FigureCounts) { c.Circular += n })
			return nil
		})
	if err != nil {
		return nil, dbError(op, err)
	}

	// Officers: a commune officer may hold several communes, so they are
	// counted per area (the table is small).
	for i, a := range areas {
		officers := `SELECT count(*) FROM users WHERE role IN (?, ?, ?)`
		officerArgs := []any{domain.RoleCommuneOfficer, domain.RoleProvinceOfficer, domain.RoleAdmin}
		if !a.All {
			where, args := areaFilter("uc.commune_code", a)
			officers = `SELECT count(DISTINCT u.id) FROM users u JOIN user_communes uc ON uc.user_id = u.id WHERE u.role = ? AND ` + where
			officerArgs = append([]any{domain.RoleCommuneOfficer}, args...)
		}
		if err := q.QueryRowContext(ctx, officers, officerArgs...).Scan(&out[i].Officers); err != nil {
			return nil, dbError(op, err)
		}
	}
	// Showrooms by commune; one of no known commune ('') counts in every
	// area.
	err = eachRow(ctx, q, `SELECT commune_code, count(*) FROM showrooms WHERE opened <= ? GROUP BY commune_code`,
		[]any{now.Format(time.DateOnly)}, func(r *sql.Rows) error {
			var commune string
			var n int
			if err := r.Scan(&commune, &n); err != nil {
				return err
			}
			for i := range out {
				if commune == "" || members[i] == nil || members[i][commune] {
					out[i].Showrooms += n
				}
			}
			return nil
		})
	if err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

// eachRow runs a query and calls fn on each row.
func eachRow(ctx context.Context, q *pool, query string, args []any, fn func(*sql.Rows) error) error {
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
