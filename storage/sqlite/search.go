package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// SearchStore finds subjects and products for officers (/timkiem).
type SearchStore struct{ db *DB }

// NewSearchStore returns the search of db.
func NewSearchStore(db *DB) *SearchStore { return &SearchStore{db: db} }

// Search returns the subjects and products that match q and that q's scope
// sees, best first (see the domain.Score* constants), at most q.Limit.
//
// A subject matches by its name, its phone, its commune or, ranked lower
// (domain.ScoreRepresentative) and without its products, its
// representative's name; a product by
// its name, its code (or the start of it), its certificate number or its
// commune, and ranks at least as high as its subject, right after it. A
// subject is seen when its commune is in scope, a product when the commune
// it was filed in is. Equal scores are ordered by subject name, then
// products by name.
//
// The province's subjects and products are read in one snapshot and matched
// in memory: a province has a few thousand at most, and a match ignoring
// diacritics has no index to use anyway.
func (s *SearchStore) Search(ctx context.Context, q domain.SearchQuery) ([]domain.SearchHit, error) {
	const op = "sqlite.SearchStore.Search"
	limit := q.Limit
	if limit <= 0 {
		limit = domain.DefaultSearchLimit
	}
	var (
		subjects []domain.Subject
		products []domain.Product
	)
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+subjectColumns+` FROM subjects ORDER BY id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				sub              domain.Subject
				created, updated int64
			)
			if err := rows.Scan(&sub.ID, &sub.Kind, &sub.Name, &sub.Representative, &sub.Phone,
				&sub.PhoneVerified, &sub.CommuneCode, &sub.BusinessRegNo, &created, &updated); err != nil {
				rows.Close()
				return err
			}
			sub.CreatedAt, sub.UpdatedAt = fromMillis(created), fromMillis(updated)
			subjects = append(subjects, sub)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+productColumns+` FROM products ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanProduct(rows)
			if err != nil {
				return err
			}
			products = append(products, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	return rankSearchHits(q, subjects, products, limit), nil
}

// read runs fn in a read transaction: one consistent snapshot.
func (s *SearchStore) read(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.db.readTx(ctx, fn)
}

// rankSearchHits scores the subjects and products against q and sorts the hits.
func rankSearchHits(q domain.SearchQuery, subjects []domain.Subject, products []domain.Product, limit int) []domain.SearchHit {
	name := domain.NewNameQuery(q.Text)
	code, isCode := domain.ProductCodeQuery(q.Text)
	cert := domain.Fold(domain.Clean(q.Text))

	byID := make(map[int64]int, len(subjects))
	scores := make([]int, len(subjects)) // the subject's hit
	carry := make([]int, len(subjects))  // what its products rank with: not its representative's name
	for i, sub := range subjects {
		byID[sub.ID] = i
		sc := name.Score(sub.Name)
		if q.Phone != "" && sub.Phone == q.Phone {
			sc = domain.ScoreExactCode
		}
		sc = max(sc, q.Communes[sub.CommuneCode])
		carry[i] = sc
		scores[i] = max(sc, name.ScoreRepresentative(sub.Representative))
	}

	var hits []domain.SearchHit
	counts := make([]int, len(subjects)) // products seen, by subject index
	for k := range products {
		p := &products[k]
		si, ok := byID[p.SubjectID]
		if !ok || !q.Sees(p.CommuneCode) {
			continue
		}
		counts[si]++
		sc := max(name.Score(p.Name), q.Communes[p.CommuneCode])
		switch {
		case isCode && p.Code == code:
			sc = domain.ScoreExactCode
		case isCode && strings.HasPrefix(p.Code, code+"-"):
			sc = max(sc, domain.ScoreCodePrefix)
		case p.CertNo != "" && domain.Fold(p.CertNo) == cert:
			sc = domain.ScoreExactCode
		}
		// A product of a subject that matches comes with it (a match of
		// the representative's name alone finds the subject only).
		sc = max(sc, carry[si])
		if sc > 0 {
			hits = append(hits, domain.SearchHit{Subject: subjects[si], Product: p, Score: sc})
		}
	}
	for i, sub := range subjects {
		if scores[i] > 0 && q.Sees(sub.CommuneCode) {
			hits = append(hits, domain.SearchHit{Subject: sub, Products: counts[i], Score: scores[i]})
		}
	}

	folded := map[int64]string{}
	fold := func(id int64, s string) string {
		f, ok := folded[id]
		if !ok {
			f = domain.Fold(s)
			folded[id] = f
		}
		return f
	}
	slices.SortFunc(hits, func(a, b domain.SearchHit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(fold(a.Subject.ID, a.Subject.Name), fold(b.Subject.ID, b.Subject.Name)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Subject.ID, b.Subject.ID); c != 0 {
			return c
		}
		switch {
		case a.Product == nil && b.Product == nil:
			return 0
		case a.Product == nil:
			return -1
		case b.Product == nil:
			return 1
		}
		if c := cmp.Compare(domain.Fold(a.Product.Name), domain.Fold(b.Product.Name)); c != 0 {
			return c
		}
		return cmp.Compare(a.Product.ID, b.Product.ID)
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}
