package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
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
// Each group of figures is one named query below. The products' (the
// scan of ~100,000 index entries, two thirds of the time) runs on a
// connection of its own while the others run in turn: /thongke waits for
// the longer of the two, not for their sum (BENCHMARKS.md). Each query
// writes only its own fields of the counts, so they never meet.
func (s *FigureStore) Counts(ctx context.Context, areas []domain.Area, now time.Time) ([]domain.FigureCounts, error) {
	const op = "sqlite.FigureStore.Counts"
	if len(areas) == 0 {
		return []domain.FigureCounts{}, nil
	}
	f := s.newFigureRun(areas, now)
	products := make(chan error, 1)
	go func() { products <- s.countProducts(ctx, f) }()
	var err error
	for _, count := range []func(context.Context, *figureRun) error{
		s.countCrafts, s.countSubjects, s.countCircular, s.countOfficers, s.countShowrooms,
	} {
		if err = count(ctx, f); err != nil {
			break
		}
	}
	if perr := <-products; err == nil {
		err = perr
	}
	if err != nil {
		return nil, dbError(op, err)
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
// Central, Rated and Upgraded. In the past, each product's stage, stars and
// validity are those of its last stage change before the day's end.
func (s *FigureStore) countProducts(ctx context.Context, f *figureRun) error {
	prod, prodArgs := areaFilter("commune_code", f.union)
	query := `SELECT commune_code, stage, stars, rulebook, set_id, count(*),
	sum(coalesce(valid_until, 0) >= ?), sum(rated), sum(rated AND upgraded)
FROM products WHERE ` + prod
	group := ` GROUP BY commune_code, stage, stars, rulebook, set_id`
	args := append([]any{f.startMS}, prodArgs...)
	if f.past {
		prod, prodArgs = areaFilter("p.commune_code", f.union)
		query = `WITH last AS (SELECT product_id, max(id) AS id FROM stage_changes WHERE at < ? GROUP BY product_id)
SELECT p.commune_code, sc.to_stage, sc.stars, p.rulebook, p.set_id, count(*),
	sum(coalesce(sc.valid_until, 0) >= ?),
	sum(EXISTS (SELECT 1 FROM stage_changes r WHERE r.product_id = p.id AND r.to_stage = 'cong_nhan' AND r.at < ?)),
	sum(EXISTS (SELECT 1 FROM stage_changes a JOIN stage_changes b ON b.product_id = a.product_id AND b.id > a.id
		WHERE a.product_id = p.id AND a.to_stage IN ('danh_gia_lai', 'nang_hang') AND b.to_stage = 'cong_nhan' AND b.at < ?
			AND coalesce(b.valid_until, 0) > coalesce(a.valid_until, 0)))
FROM last JOIN stage_changes sc ON sc.id = last.id JOIN products p ON p.id = last.product_id
WHERE ` + prod
		group = ` GROUP BY p.commune_code, sc.to_stage, sc.stars, p.rulebook, p.set_id`
		args = append([]any{f.endMS, f.startMS, f.endMS, f.endMS}, prodArgs...)
	}
	type setKey struct {
		rulebook string
		set      int
	}
	bySet := make([]map[setKey]int, len(f.out))
	for i := range bySet {
		bySet[i] = map[setKey]int{}
	}
	var mu sync.Mutex // the halves of a split scan add up together
	add := func(r *sql.Rows) error {
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
		mu.Lock()
		defer mu.Unlock()
		for i := range f.out {
			if f.members[i] != nil && !f.members[i][commune] {
				continue
			}
			c := &f.out[i]
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
	}
	var err error
	if mid, ok := s.communeSplit(ctx, f); ok {
		// Today's figures of many products: the index's two halves, by
		// commune, are scanned at the same time on two connections. Every
		// count is a sum over the products, so the halves add up.
		lower := make(chan error, 1)
		go func() {
			lower <- eachRow(ctx, s.db.db, query+` AND commune_code < ?`+group, append(slices.Clip(args), mid), add)
		}()
		err = eachRow(ctx, s.db.db, query+` AND commune_code >= ?`+group, append(slices.Clip(args), mid), add)
		if lerr := <-lower; err == nil {
			err = lerr
		}
	} else {
		err = eachRow(ctx, s.db.db, query+group, args, add)
	}
	if err != nil {
		return err
	}
	for i, m := range bySet {
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

// splitAt is the number of products from which countProducts scans today's
// figures in two halves at once (BenchmarkFigureCounts: 100,000 products
// 120 → 100 ms on two cores): below it, one scan is quicker than starting
// two. A variable for the tests.
var splitAt int64 = 20000

// communeSplit returns a commune code that parts today's products of f's
// area into two halves of the products index, by the numeric middle of
// the lowest and the highest code (codes are numbers of one width, as the
// official ones); false when the scan is not worth splitting: figures of
// a past day, an area of some communes (a few thousand products at most),
// few products, or codes that are not such numbers.
func (s *FigureStore) communeSplit(ctx context.Context, f *figureRun) (string, bool) {
	if f.past || !f.union.All {
		return "", false
	}
	var lo, hi sql.NullString
	var n int64
	// Each is one step down the index (min/max), and the table's count
	// one walk of its pages, not of its rows' values.
	if s.db.db.QueryRowContext(ctx, `SELECT min(commune_code) FROM products`).Scan(&lo) != nil ||
		s.db.db.QueryRowContext(ctx, `SELECT max(commune_code) FROM products`).Scan(&hi) != nil ||
		s.db.db.QueryRowContext(ctx, `SELECT count(*) FROM products`).Scan(&n) != nil ||
		!lo.Valid || !hi.Valid || n < splitAt || len(lo.String) != len(hi.String) {
		return "", false
	}
	a, errA := strconv.ParseUint(lo.String, 10, 64)
	b, errB := strconv.ParseUint(hi.String, 10, 64)
	if errA != nil || errB != nil || b-a < 2 || len(lo.String) > 18 {
		return "", false
	}
	mid := fmt.Sprintf("%0*d", len(lo.String), a+(b-a)/2)
	return mid, true
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
// Cooperatives, SMEs and Modern. In the past, subjects created later do
// not count.
func (s *FigureStore) countSubjects(ctx context.Context, f *figureRun) error {
	subj, args := areaFilter("commune_code", f.union)
	if f.past {
		subj += " AND created_at < ?"
		args = append(args, f.endMS)
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
