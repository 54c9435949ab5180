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
//
// Each group of figures is one named query below, run in this order.
func (s *FigureStore) Counts(ctx context.Context, areas []domain.Area, now time.Time) ([]domain.FigureCounts, error) {
	const op = "sqlite.FigureStore.Counts"
	if len(areas) == 0 {
		return []domain.FigureCounts{}, nil
	}
	f := s.newFigureRun(areas, now)
	for _, count := range []func(context.Context, *figureRun) error{
		s.countProducts, s.countCrafts, s.countSubjects, s.countCircular, s.countOfficers, s.countShowrooms,
	} {
		if err := count(ctx, f); err != nil {
			return nil, dbError(op, err)
		}
	}
	return f.out, nil
}

// figureRun is one call of Counts: the areas, the counts being added up
// for each, and the day they are taken at.
type figureRun struct {
	areas   []domain.Area
	out     []domain.FigureCounts
	members []map[string]bool // per area, its communes; nil: every commune
	union   domain.Area       // every commune of any area
	now     time.Time
	// past is set when now's day is before the DB clock's today: the
	// figures are then read from the stage history at the end of that day.
	past           bool
	startMS, endMS int64 // now's day, [start, end) in milliseconds
}

func (s *FigureStore) newFigureRun(areas []domain.Area, now time.Time) *figureRun {
	f := &figureRun{
		areas:   areas,
		out:     make([]domain.FigureCounts, len(areas)),
		members: make([]map[string]bool, len(areas)),
		union:   domain.Area{Communes: []string{}},
		now:     now,
	}
	seen := map[string]bool{}
	for i, a := range areas {
		f.out[i] = domain.FigureCounts{ByCommune: map[string]int{}, ByStage: map[domain.Stage]int{}, ByStars: map[int]int{}}
		if a.All {
			f.union.All = true
			continue
		}
		f.members[i] = map[string]bool{}
		for _, c := range a.Communes {
			f.members[i][c] = true
			if !seen[c] {
				seen[c] = true
				f.union.Communes = append(f.union.Communes, c)
			}
		}
	}
	loc := now.Location()
	y, m, d := now.Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, loc)
	ty, tm, td := s.db.now().In(loc).Date()
	f.past = dayStart.Before(time.Date(ty, tm, td, 0, 0, 0, 0, loc))
	f.startMS, f.endMS = millis(dayStart), millis(dayStart.AddDate(0, 0, 1))
	return f
}

// each calls fn with the counts of every area that holds commune.
func (f *figureRun) each(commune string, fn func(c *domain.FigureCounts)) {
	for i := range f.out {
		if f.members[i] == nil || f.members[i][commune] {
			fn(&f.out[i])
		}
	}
}

// countProducts counts the products by commune, stage, set and stars, the
// recognised ones (≥3★ with a valid certificate), those sent to the central
// level (5★ or at that stage), the rated ones and those rated and
// upgraded — Products, ByCommune, ByStage, BySet, Recognised, ByStars,
// Central, Rated and Upgraded. Today's come from the counts the triggers
// of migration 0025 keep (product_counts, product_set_counts), less the
// certificates whose last valid day has passed; in the past, each
// product's stage, stars and validity are those of its last stage change
// before the day's end.
func (s *FigureStore) countProducts(ctx context.Context, f *figureRun) error {
	a := &productTally{f: f, bySet: make([]map[setKey]int, len(f.out))}
	for i := range a.bySet {
		a.bySet[i] = map[setKey]int{}
	}
	var err error
	if f.past {
		err = s.pastProducts(ctx, a)
	} else {
		err = s.todayProducts(ctx, a)
	}
	if err != nil {
		return err
	}
	for i, m := range a.bySet {
		for k, n := range m {
			f.out[i].BySet = append(f.out[i].BySet, domain.SetCount{Rulebook: k.rulebook, Set: k.set, N: n})
		}
		sort.Slice(f.out[i].BySet, func(a, b int) bool {
			x, y := f.out[i].BySet[a], f.out[i].BySet[b]
			if x.Rulebook != y.Rulebook {
				return x.Rulebook < y.Rulebook
			}
			return x.Set < y.Set
		})
	}
	return nil
}

type setKey struct {
	rulebook string
	set      int
}

// productTally adds the products' counts of a commune into every area
// that holds it, one kind of count at a time.
type productTally struct {
	f     *figureRun
	bySet []map[setKey]int
}

func (a *productTally) each(commune string, fn func(i int, c *domain.FigureCounts)) {
	for i := range a.f.out {
		if a.f.members[i] == nil || a.f.members[i][commune] {
			fn(i, &a.f.out[i])
		}
	}
}

// commune adds n products of commune, sent of them sent to the central
// level, rated of them rated and upgraded of those upgraded.
func (a *productTally) commune(commune string, n, sent, rated, upgraded int) {
	a.each(commune, func(_ int, c *domain.FigureCounts) {
		c.Products += n
		c.ByCommune[commune] += n
		c.Central += sent
		c.Rated += rated
		c.Upgraded += upgraded
	})
}

func (a *productTally) stage(commune string, stage domain.Stage, n int) {
	a.each(commune, func(_ int, c *domain.FigureCounts) { c.ByStage[stage] += n })
}

func (a *productTally) set(commune string, k setKey, n int) {
	a.each(commune, func(i int, _ *domain.FigureCounts) { a.bySet[i][k] += n })
}

// recognised adds n recognised products of stars (none: nothing).
func (a *productTally) recognised(commune string, stars, n int) {
	if n <= 0 {
		return
	}
	a.each(commune, func(_ int, c *domain.FigureCounts) {
		c.Recognised += n
		c.ByStars[stars] += n
	})
}

// recognisable reports whether products of stage and stars count as
// recognised while their certificate is valid: 3 stars or more, neither
// expired nor revoked (the condition of the partial index
// products_lapsing and of todayProducts' queries).
func recognisable(stage domain.Stage, stars int) bool {
	return stars >= 3 && stage != domain.StageExpired && stage != domain.StageRevoked
}

// todayProducts adds up today's counts from the tables of migration 0025,
// each kind in a query of its own grouped by commune (one table with a
// row per commune, stage, stars, rulebook and set held ~10,000 rows at
// 100,000 products, and reading them into Go cost what the scan of the
// products did: BENCHMARKS.md). The recognised are the dated products of
// a recognisable stage and stars less those whose last valid day is
// before today, read from products_lapsing.
func (s *FigureStore) todayProducts(ctx context.Context, a *productTally) error {
	area, args := areaFilter("commune_code", a.f.union)
	const recognisableSQL = `stars >= 3 AND stage NOT IN ('het_han', 'thu_hoi')`
	type starsKey struct {
		commune string
		stars   int
	}
	lapsed := map[starsKey]int{}
	queries := []struct {
		query string
		args  []any
		row   func(*sql.Rows) error
	}{
		{`SELECT commune_code, stars, count(*) FROM products INDEXED BY products_lapsing
WHERE valid_until IS NOT NULL AND ` + recognisableSQL + ` AND valid_until < ? AND ` + area + `
GROUP BY commune_code, stars`, append([]any{a.f.startMS}, args...), func(r *sql.Rows) error {
			var k starsKey
			var n int
			if err := r.Scan(&k.commune, &k.stars, &n); err != nil {
				return err
			}
			lapsed[k] = n
			return nil
		}},
		{`SELECT commune_code, stars, sum(n * dated) FROM product_counts WHERE ` + recognisableSQL + ` AND ` + area + `
GROUP BY commune_code, stars`, args, func(r *sql.Rows) error {
			var k starsKey
			var dated int
			if err := r.Scan(&k.commune, &k.stars, &dated); err != nil {
				return err
			}
			a.recognised(k.commune, k.stars, dated-lapsed[k])
			return nil
		}},
		{`SELECT commune_code, sum(n), sum(CASE WHEN stage = ? OR (stars = 5 AND stage <> ?) THEN n ELSE 0 END),
	sum(n * rated), sum(n * (rated AND upgraded))
FROM product_counts WHERE ` + area + ` GROUP BY commune_code HAVING sum(n) > 0`,
			append([]any{domain.StageCentral, domain.StageRevoked}, args...), func(r *sql.Rows) error {
				var commune string
				var n, sent, rated, upgraded int
				if err := r.Scan(&commune, &n, &sent, &rated, &upgraded); err != nil {
					return err
				}
				a.commune(commune, n, sent, rated, upgraded)
				return nil
			}},
		{`SELECT commune_code, stage, sum(n) FROM product_counts WHERE ` + area + `
GROUP BY commune_code, stage HAVING sum(n) > 0`, args, func(r *sql.Rows) error {
			var commune string
			var stage domain.Stage
			var n int
			if err := r.Scan(&commune, &stage, &n); err != nil {
				return err
			}
			a.stage(commune, stage, n)
			return nil
		}},
		{`SELECT commune_code, rulebook, set_id, n FROM product_set_counts WHERE n > 0 AND ` + area, args, func(r *sql.Rows) error {
			var commune string
			var k setKey
			var n int
			if err := r.Scan(&commune, &k.rulebook, &k.set, &n); err != nil {
				return err
			}
			a.set(commune, k, n)
			return nil
		}},
	}
	for _, q := range queries {
		if err := eachRow(ctx, s.db.db, q.query, q.args, q.row); err != nil {
			return err
		}
	}
	return nil
}

// pastProducts adds up the products at the end of a past day, from each
// product's last stage change before it, a group at a time.
func (s *FigureStore) pastProducts(ctx context.Context, a *productTally) error {
	f := a.f
	prod, prodArgs := areaFilter("p.commune_code", f.union)
	query := `WITH last AS (SELECT product_id, max(id) AS id FROM stage_changes WHERE at < ? GROUP BY product_id)
SELECT p.commune_code, sc.to_stage, sc.stars, p.rulebook, p.set_id, count(*),
	sum(coalesce(sc.valid_until, 0) >= ?),
	sum(EXISTS (SELECT 1 FROM stage_changes r WHERE r.product_id = p.id AND r.to_stage = 'cong_nhan' AND r.at < ?)),
	sum(EXISTS (SELECT 1 FROM stage_changes a JOIN stage_changes b ON b.product_id = a.product_id AND b.id > a.id
		WHERE a.product_id = p.id AND a.to_stage IN ('danh_gia_lai', 'nang_hang') AND b.to_stage = 'cong_nhan' AND b.at < ?
			AND coalesce(b.valid_until, 0) > coalesce(a.valid_until, 0)))
FROM last JOIN stage_changes sc ON sc.id = last.id JOIN products p ON p.id = last.product_id
WHERE ` + prod + ` GROUP BY p.commune_code, sc.to_stage, sc.stars, p.rulebook, p.set_id`
	args := append([]any{f.endMS, f.startMS, f.endMS, f.endMS}, prodArgs...)
	return eachRow(ctx, s.db.db, query, args, func(r *sql.Rows) error {
		var (
			commune                 string
			stage                   domain.Stage
			stars                   int
			k                       setKey
			n, valid                int
			rated, ratedAndUpgraded int
		)
		if err := r.Scan(&commune, &stage, &stars, &k.rulebook, &k.set, &n, &valid, &rated, &ratedAndUpgraded); err != nil {
			return err
		}
		sent := 0 // to the central level: at that stage, or 5 stars not revoked
		if stage == domain.StageCentral || (stars == 5 && stage != domain.StageRevoked) {
			sent = n
		}
		a.commune(commune, n, sent, rated, ratedAndUpgraded)
		a.stage(commune, stage, n)
		a.set(commune, k, n)
		if recognisable(stage, stars) {
			a.recognised(commune, stars, valid)
		}
		return nil
	})
}

// countCrafts lists the traditional crafts written on recognised products
// (≥3★, a valid certificate, neither expired nor revoked) — CraftTexts,
// sorted.
func (s *FigureStore) countCrafts(ctx context.Context, f *figureRun) error {
	prod, prodArgs := areaFilter("commune_code", f.union)
	query := `SELECT DISTINCT commune_code, craft FROM products INDEXED BY products_craft
WHERE craft <> '' AND stars >= 3 AND coalesce(valid_until, 0) >= ? AND stage NOT IN (?, ?) AND ` + prod
	args := append([]any{f.startMS, domain.StageExpired, domain.StageRevoked}, prodArgs...)
	if f.past {
		prod, prodArgs = areaFilter("p.commune_code", f.union)
		query = `WITH last AS (SELECT product_id, max(id) AS id FROM stage_changes WHERE at < ? GROUP BY product_id)
SELECT DISTINCT p.commune_code, p.craft FROM last JOIN stage_changes sc ON sc.id = last.id JOIN products p ON p.id = last.product_id
WHERE p.craft <> '' AND sc.stars >= 3 AND coalesce(sc.valid_until, 0) >= ? AND sc.to_stage NOT IN (?, ?) AND ` + prod
		args = append([]any{f.endMS, f.startMS, domain.StageExpired, domain.StageRevoked}, prodArgs...)
	}
	crafts := make([]map[string]bool, len(f.out))
	for i := range crafts {
		crafts[i] = map[string]bool{}
	}
	err := eachRow(ctx, s.db.db, query, args, func(r *sql.Rows) error {
		var commune, craft string
		if err := r.Scan(&commune, &craft); err != nil {
			return err
		}
		for i := range f.out {
			if f.members[i] == nil || f.members[i][commune] {
				crafts[i][craft] = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, m := range crafts {
		for craft := range m {
			f.out[i].CraftTexts = append(f.out[i].CraftTexts, craft)
		}
		sort.Strings(f.out[i].CraftTexts)
	}
	return nil
}

// countSubjects counts the subjects by commune, the cooperatives and SMEs
// among them, and those selling through a modern channel — Subjects,
// Cooperatives, SMEs and Modern. In the past, a subject counts from its
// row's creation or from its products' first stage change, whichever came
// first: one imported today with a certificate of 2024 existed in 2025,
// and the plan's figures of its last day must see it.
func (s *FigureStore) countSubjects(ctx context.Context, f *figureRun) error {
	subj, args := areaFilter("commune_code", f.union)
	if f.past {
		subj += ` AND (created_at < ? OR EXISTS (SELECT 1 FROM products p JOIN stage_changes sc ON sc.product_id = p.id
	WHERE p.subject_id = subjects.id AND sc.at < ?))`
		args = append(args, f.endMS, f.endMS)
	}
	return eachRow(ctx, s.db.db, `SELECT commune_code, kind, modern, count(*) FROM subjects WHERE `+subj+` GROUP BY commune_code, kind, modern`, args,
		func(r *sql.Rows) error {
			var commune string
			var kind domain.SubjectKind
			var modern bool
			var n int
			if err := r.Scan(&commune, &kind, &modern, &n); err != nil {
				return err
			}
			f.each(commune, func(c *domain.FigureCounts) {
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
}

// countCircular counts the subjects with a product that is circular on a
// raw-material area, by the subject's commune — Circular. In the past,
// products created later do not count.
func (s *FigureStore) countCircular(ctx context.Context, f *figureRun) error {
	subj, args := areaFilter("s.commune_code", f.union)
	if f.past {
		subj += " AND p.created_at < ?"
		args = append(args, f.endMS)
	}
	return eachRow(ctx, s.db.db, `SELECT s.commune_code, count(DISTINCT p.subject_id) FROM products p INDEXED BY products_circular
JOIN subjects s ON s.id = p.subject_id WHERE p.circular = 1 AND p.raw_area = 1 AND `+subj+` GROUP BY s.commune_code`, args,
		func(r *sql.Rows) error {
			var commune string
			var n int
			if err := r.Scan(&commune, &n); err != nil {
				return err
			}
			f.each(commune, func(c *domain.FigureCounts) { c.Circular += n })
			return nil
		})
}

// countOfficers counts today's officers — Officers: for the whole province
// every commune and province officer and admin, for an area the commune
// officers holding one of its communes. A commune officer may hold several
// communes, so they are counted per area (the table is small).
func (s *FigureStore) countOfficers(ctx context.Context, f *figureRun) error {
	for i, a := range f.areas {
		query := `SELECT count(*) FROM users WHERE role IN (?, ?, ?)`
		args := []any{domain.RoleCommuneOfficer, domain.RoleProvinceOfficer, domain.RoleAdmin}
		if !a.All {
			where, areaArgs := areaFilter("uc.commune_code", a)
			query = `SELECT count(DISTINCT u.id) FROM users u JOIN user_communes uc ON uc.user_id = u.id WHERE u.role = ? AND ` + where
			args = append([]any{domain.RoleCommuneOfficer}, areaArgs...)
		}
		if err := s.db.db.QueryRowContext(ctx, query, args...).Scan(&f.out[i].Officers); err != nil {
			return err
		}
	}
	return nil
}

// countShowrooms counts the showrooms opened by now's day, by commune —
// Showrooms; one of no known commune (the empty code) counts in every area.
func (s *FigureStore) countShowrooms(ctx context.Context, f *figureRun) error {
	return eachRow(ctx, s.db.db, `SELECT commune_code, count(*) FROM showrooms WHERE opened <= ? GROUP BY commune_code`,
		[]any{f.now.Format(time.DateOnly)}, func(r *sql.Rows) error {
			var commune string
			var n int
			if err := r.Scan(&commune, &n); err != nil {
				return err
			}
			for i := range f.out {
				if commune == "" || f.members[i] == nil || f.members[i][commune] {
					f.out[i].Showrooms += n
				}
			}
			return nil
		})
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
