package domain

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// PlaceMatch is a commune offered for what the user typed.
type PlaceMatch struct {
	Commune Commune
	// Via says which name matched: ViaCommune, ViaDistrict or ViaFuzzy.
	Via string
	// District is the former district whose name matched: always set for
	// ViaDistrict, and for ViaFuzzy when the near name was a district's.
	// With it the caller can say "Xã Long Chữ — từ huyện Châu Thành (Tây
	// Ninh)" and tell apart two districts of the same name.
	District District
	// Former is the commune before 1/7/2025 whose name matched, for
	// ViaFormer (and ViaFuzzy when the near name was a former commune's):
	// "Xã Gia Bình" found Phường Gò Dầu.
	Former FormerCommune
	// Score orders the matches of one search, higher first; it means nothing
	// across searches.
	Score int
}

// How a commune matched.
const (
	ViaCommune  = "commune"  // the query is the commune's name, or its code
	ViaDistrict = "district" // the query is the name of a former district it came from
	ViaFuzzy    = "fuzzy"    // the query starts or is part of a name, or is a near miss
	ViaFormer   = "former"   // the query is the name of a commune before 1/7/2025 it was made from
)

// Scores of the kinds of match. A commune's own name outranks a former
// district's name, an exact name a partial one, a partial one a near miss.
const (
	scoreExact          = 1000
	scoreFormer         = 950 // an old commune's name is more precise than a district's
	scoreDistrict       = 900
	scorePrefix         = 700
	scoreDistrictPrefix = 600
	scoreInside         = 500
	scoreDistrictInside = 400
	scoreTypo           = 300 // minus typoCost per edit
	scoreDistrictTypo   = 250
	scoreFormerTypo     = 200
	typoCost            = 50

	// bonusDiacritics prefers "Tân Thạnh" over "Tân Thành" when the user
	// typed the diacritics; both fold to "tan thanh".
	bonusDiacritics = 20
	// penaltyProvince demotes matches outside a province the user named
	// ("Châu Thành Long An").
	penaltyProvince = 300
)

// queryKinds are the kinds of place, full and abbreviated, that a query may
// start with: "Phường Bình Minh", "P. Bình Minh", "huyện Gò Dầu", "TX Trảng
// Bàng". Longer ones first.
var queryKinds = [][]string{
	{"dac", "khu"}, {"thi", "tran"}, {"thi", "xa"}, {"thanh", "pho"},
	{"xa"}, {"phuong"}, {"huyen"}, {"quan"},
	{"p"}, {"ph"}, {"x"}, {"tt"}, {"h"}, {"tx"}, {"tp"}, {"q"},
}

// queryDistrictKinds are those of queryKinds that only a district has.
var queryDistrictKinds = [][]string{{"thi", "xa"}, {"thanh", "pho"}, {"huyen"}, {"quan"}, {"tx"}, {"tp"}, {"h"}, {"q"}}

// NamesDistrict reports whether query starts with the kind of a former
// district ("huyện Gò Dầu", "TX Trảng Bàng", "thành phố Tây Ninh"): who
// types it means the district, not a commune that kept its name. "Thị
// trấn" is a commune's kind.
func NamesDistrict(query string) bool {
	return prefixLen(splitWords(Fold(query)), queryDistrictKinds) > 0
}

// Search finds the communes a user may mean by query, typed with or without
// diacritics, with or without its kind ("xã", "phường", "P.", "huyện", ...),
// and optionally followed by the former province ("Châu Thành Long An"). It
// returns at most limit matches, best first, each commune once:
//
//   - the commune whose name is the query (or whose code it is);
//   - the communes made from a former district of that name, so that "Gò
//     Dầu" offers Phường Gò Dầu first, then the other communes that came from
//     huyện Gò Dầu; a name two provinces used ("Châu Thành") offers the
//     communes of both, told apart by District.Province;
//   - communes and districts whose name starts with the query or contains
//     its words ("trang ba", "minh chau");
//   - only when none of these exist, names a few typing errors away ("trang
//     bag", "go dauu").
//
// Equal scores are in Vietnamese alphabetical order of the short names. No
// match, a query without a letter or digit, or a limit below 1 give nil.
func (p *Places) Search(query string, limit int) []PlaceMatch {
	if p == nil || limit < 1 {
		return nil
	}
	queries := p.parseQuery(query)
	if len(queries) == 0 {
		return nil
	}

	// The candidates (one per commune, about 10 kB) come from a pool: a
	// search per registration allocated them anew (BENCHMARKS.md).
	cp := candidatePool.Get().(*[]candidate)
	defer candidatePool.Put(cp)
	if cap(*cp) < len(p.communes) {
		*cp = make([]candidate, len(p.communes))
	}
	cands := (*cp)[:len(p.communes)]
	clear(cands)
	found := false
	if code := Clean(query); isDigits(code) {
		if i, ok := p.byCode[code]; ok {
			cands[i].offer(scoreExact, ViaCommune, District{})
			found = true
		}
	}
	for _, q := range queries {
		if p.matchWords(q, cands) {
			found = true
		}
	}
	if !found {
		var scratch []int
		for _, q := range queries {
			scratch = p.matchTypos(q, cands, scratch)
		}
	}

	var idx []int
	for i, c := range cands {
		if c.ok {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(cands[b].score, cands[a].score); c != 0 {
			return c
		}
		return cmp.Compare(p.keys[a].rank, p.keys[b].rank)
	})
	if len(idx) == 0 {
		return nil
	}
	if len(idx) > limit {
		idx = idx[:limit]
	}
	out := make([]PlaceMatch, len(idx))
	for k, i := range idx {
		c := cands[i]
		out[k] = PlaceMatch{Commune: p.communes[i].clone(), Via: c.via, District: c.district, Former: c.former, Score: c.score}
	}
	return out
}

// candidate is the best match found so far for one commune.
var candidatePool = sync.Pool{New: func() any { return new([]candidate) }}

type candidate struct {
	ok       bool
	score    int
	via      string
	district District
	former   FormerCommune
}

func (c *candidate) offer(score int, via string, d District) {
	if !c.ok || score > c.score {
		*c = candidate{ok: true, score: score, via: via, district: d}
	}
}

func (c *candidate) offerFormer(score int, via string, f FormerCommune) {
	if !c.ok || score > c.score {
		*c = candidate{ok: true, score: score, via: via, former: f}
	}
}

// placeQuery is one reading of what the user typed.
type placeQuery struct {
	words    []string // folded words, without a leading kind of place
	runes    []rune   // the words joined by spaces
	raw      string   // the same words lower-cased with diacritics, "" if unknown
	province string   // folded province named after the place, "" if none
}

// adjust returns the score change for a match in province.
func (q placeQuery) adjust(province string) int {
	if q.province != "" && q.province != province {
		return -penaltyProvince
	}
	return 0
}

// parseQuery reads the query as is and, when it ends with the name of a
// former province, also as the place before it within that province.
func (p *Places) parseQuery(query string) []placeQuery {
	words := splitWords(Fold(query))
	raw := splitWords(strings.ToLower(Clean(query)))
	if len(raw) != len(words) {
		raw = nil // the two spellings do not align word for word
	}
	if n := prefixLen(words, queryKinds); n > 0 {
		words = words[n:]
		if raw != nil {
			raw = raw[n:]
		}
	}
	if len(words) == 0 {
		return nil
	}
	queries := []placeQuery{newPlaceQuery(words, raw, "")}
	for _, pw := range p.provinces {
		n := len(words) - len(pw)
		if n < 1 || !slices.Equal(words[n:], pw) {
			continue
		}
		rest := words[:n]
		if last := rest[len(rest)-1]; len(rest) > 1 && (last == "tinh" || last == "t") {
			rest = rest[:len(rest)-1] // "... tỉnh Long An", "... T. Long An"
		}
		var restRaw []string
		if raw != nil {
			restRaw = raw[:len(rest)]
		}
		queries = append(queries, newPlaceQuery(rest, restRaw, strings.Join(pw, " ")))
		break
	}
	return queries
}

func newPlaceQuery(words, raw []string, province string) placeQuery {
	return placeQuery{
		words:    words,
		runes:    []rune(strings.Join(words, " ")),
		raw:      strings.Join(raw, " "),
		province: province,
	}
}

// matchWords offers the communes whose name or former district's name
// equals, starts with or contains the query, and reports whether there was
// any.
func (p *Places) matchWords(q placeQuery, cands []candidate) bool {
	found := false
	for i, k := range p.keys {
		var score int
		via := ViaFuzzy
		switch wordMatch(q.words, k.words) {
		case matchNone:
			continue
		case matchExact:
			score, via = scoreExact, ViaCommune
			if q.raw != "" && q.raw == k.raw {
				score += bonusDiacritics
			}
		case matchPrefix:
			score = scorePrefix
		case matchInside:
			score = scoreInside
		}
		cands[i].offer(score+q.adjust(k.province), via, District{})
		found = true
	}
	for _, d := range p.districts {
		var score int
		via := ViaFuzzy
		switch wordMatch(q.words, d.key.words) {
		case matchNone:
			continue
		case matchExact:
			score, via = scoreDistrict, ViaDistrict
			if q.raw != "" && q.raw == d.key.raw {
				score += bonusDiacritics
			}
		case matchPrefix:
			score = scoreDistrictPrefix
		case matchInside:
			score = scoreDistrictInside
		}
		score += q.adjust(d.key.province)
		for _, i := range d.communes {
			cands[i].offer(score, via, d.district)
		}
		found = true
	}
	// A former commune counts by its whole name only (the start of one,
	// "tan", would match dozens), and only when no commune or former
	// district has that name: "Tân Thạnh" is the district, "Gia Bình" the
	// old commune now in Phường Gò Dầu. A bare number ("1") is no name.
	exact := false
	for _, c := range cands {
		exact = exact || c.ok && (c.via == ViaCommune || c.via == ViaDistrict)
	}
	if !exact && !isDigits(strings.Join(q.words, "")) {
		for _, f := range p.formers {
			if wordMatch(q.words, f.key.words) != matchExact {
				continue
			}
			score := scoreFormer + q.adjust(f.key.province)
			if q.raw != "" && q.raw == f.key.raw {
				score += bonusDiacritics
			}
			for _, i := range f.communes {
				cands[i].offerFormer(score, ViaFormer, f.former)
			}
			found = true
		}
	}
	return found
}

// matchTypos offers the communes whose name or former district's name is
// within a few edits of the query. It returns scratch for reuse.
func (p *Places) matchTypos(q placeQuery, cands []candidate, scratch []int) []int {
	limit := maxEdits(len(q.runes))
	if limit == 0 {
		return scratch
	}
	var d int
	for i, k := range p.keys {
		if d, scratch = editDistance(q.runes, k.runes, limit, scratch); d <= limit {
			cands[i].offer(scoreTypo-typoCost*d+q.adjust(k.province), ViaFuzzy, District{})
		}
	}
	for _, dr := range p.districts {
		if d, scratch = editDistance(q.runes, dr.key.runes, limit, scratch); d <= limit {
			score := scoreDistrictTypo - typoCost*d + q.adjust(dr.key.province)
			for _, i := range dr.communes {
				cands[i].offer(score, ViaFuzzy, dr.district)
			}
		}
	}
	for _, f := range p.formers {
		if d, scratch = editDistance(q.runes, f.key.runes, limit, scratch); d <= limit {
			score := scoreFormerTypo - typoCost*d + q.adjust(f.key.province)
			for _, i := range f.communes {
				cands[i].offerFormer(score, ViaFuzzy, f.former)
			}
		}
	}
	return scratch
}

// maxEdits is the number of typing errors tolerated in a query of n runes:
// none in very short ones, where any name would be near.
func maxEdits(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 6:
		return 1
	case n < 12:
		return 2
	default:
		return 3
	}
}

type wordMatchKind int

const (
	matchNone   wordMatchKind = iota
	matchInside               // the query's words are inside the name: "minh chau" in "duong minh chau"
	matchPrefix               // the name starts with the query: "trang ba" for "trang bang"
	matchExact                // the same words
)

// wordMatch compares the query's words with a name's. The last word of the
// query may be the start of a word of the name, as the user may not have
// finished typing it.
func wordMatch(q, name []string) wordMatchKind {
	if len(q) == 0 || len(q) > len(name) {
		return matchNone
	}
	last := len(q) - 1
	for start := 0; start+len(q) <= len(name); start++ {
		if !slices.Equal(q[:last], name[start:start+last]) ||
			!strings.HasPrefix(name[start+last], q[last]) {
			continue
		}
		switch {
		case start > 0:
			return matchInside
		case len(q) == len(name) && q[last] == name[last]:
			return matchExact
		default:
			return matchPrefix
		}
	}
	return matchNone
}

// editDistance returns the optimal string alignment distance between a and
// b (insertions, deletions, substitutions and transpositions of neighbours,
// the usual typing errors), or limit+1 when it is more than limit. scratch is
// reused between calls and returned.
func editDistance(a, b []rune, limit int, scratch []int) (int, []int) {
	if abs(len(a)-len(b)) > limit {
		return limit + 1, scratch
	}
	n := len(b) + 1
	if cap(scratch) < 3*n {
		scratch = make([]int, 3*n)
	}
	scratch = scratch[:3*n]
	prev2, prev, cur := scratch[:n], scratch[n:2*n], scratch[2*n:]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1, scratch
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1), scratch
}

// splitWords splits s into words of letters, digits and marks; everything
// else (spaces, punctuation, symbols) separates them.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
	})
}

// prefixLen returns the number of words of the first of prefixes that words
// starts with, provided some word is left after it; 0 if none.
func prefixLen(words []string, prefixes [][]string) int {
	for _, p := range prefixes {
		if len(words) > len(p) && slices.Equal(words[:len(p)], p) {
			return len(p)
		}
	}
	return 0
}

func isDigits(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
