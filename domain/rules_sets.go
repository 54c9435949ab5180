package domain

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Group is a product group (ngành): "Thực phẩm".
type Group struct {
	ID        int        `json:"id"`
	Name      string     `json:"name"`
	SubGroups []SubGroup `json:"sub_groups"`
}

// SubGroup is a sub-group (nhóm) of a group: "Thực phẩm chế biến".
type SubGroup struct {
	Name string       `json:"name"`
	Sets []ProductSet `json:"sets"`
}

// ProductSet is a product set (bộ sản phẩm), the unit that has its own
// scoring sheet and decides the knock-out papers: "Chế biến từ gạo, ngũ cốc".
type ProductSet struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Group    int    `json:"-"` // the id of its group, filled at load
	SubGroup string `json:"-"` // the name of its sub-group, filled at load
	// Keywords are words producers use for products of the set ("bánh
	// tráng" for set 6). They are the bot's own aid to SearchSets, not part
	// of the rules.
	Keywords []string `json:"keywords,omitempty"`
}

// Set returns the product set of an id.
func (r *Rulebook) Set(id int) (ProductSet, bool) {
	i, ok := r.setIx[id]
	if !ok {
		return ProductSet{}, false
	}
	return r.sets[i], true
}

// Sets returns every product set, by id. A rulebook whose sets are unknown
// gives nil.
func (r *Rulebook) Sets() []ProductSet { return slices.Clone(r.sets) }

// Group returns the group of an id.
func (r *Rulebook) Group(id int) (Group, bool) {
	for _, g := range r.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// Scores of the kinds of match of SearchSets; higher is better.
const (
	setScoreNumber     = 1100 // the set's number
	setScoreName       = 1000 // the whole name
	setScoreTerm       = 900  // a whole keyword or part of the name ("nước mắm")
	setScoreNamePrefix = 800  // the start of the name
	setScoreTermPrefix = 750  // the start of a keyword or part of the name
	setScoreWords      = 650  // every word starts a word of the name
	setScoreTermInside = 600  // the query holds a keyword or part of the name, +10 a word of it (at most 4)
	setScoreAnyWords   = 400  // every word starts a word of the name, keywords, sub-group or group
	setScoreSubGroup   = 300  // every word starts a word of the sub-group
	setScoreGroup      = 200  // every word starts a word of the group
	setBonusDiacritics = 20   // the query as typed, diacritics included, is in the name
	setBonusQualifies  = 5    // a held keyword right after another set's: "sấy" in "xoài sấy"

	// setScoreSure is the least score of a match sure enough to be taken
	// without asking: below it the query only holds a one-word keyword
	// among words no set knows ("toi khong biet" holds "tỏi", "xoai ngam"
	// holds "xoài"), or its words only begin words spread over a set's
	// name, keywords, sub-group and group ("ho so").
	setScoreSure = setScoreTermInside + 20
)

// setKey is the search form of a product set.
type setKey struct {
	name  []string   // folded words of the name
	terms [][]string // folded words of each keyword and each part of the name
	all   []string   // folded words of the name, keywords, sub-group and group
	sub   []string   // folded words of the sub-group
	group []string   // folded words of the group
	raw   string     // the name in lower case, with its diacritics
}

// index builds the list of sets, by id, and their search keys; it fills
// each set's Group and SubGroup.
func (r *Rulebook) index() {
	type entry struct {
		set ProductSet
		key setKey
	}
	var es []entry
	for gi := range r.Groups {
		g := &r.Groups[gi]
		for si := range g.SubGroups {
			sg := &g.SubGroups[si]
			for k := range sg.Sets {
				s := &sg.Sets[k]
				s.Group, s.SubGroup = g.ID, sg.Name
				es = append(es, entry{*s, newSetKey(*s, sg.Name, g.Name)})
			}
		}
	}
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.set.ID, b.set.ID) })
	r.sets, r.keys, r.setIx = nil, nil, map[int]int{}
	for i, e := range es {
		r.sets = append(r.sets, e.set)
		r.keys = append(r.keys, e.key)
		r.setIx[e.set.ID] = i
	}
}

func newSetKey(s ProductSet, sub, group string) setKey {
	k := setKey{name: searchWords(s.Name), sub: searchWords(sub), group: searchWords(group), raw: strings.ToLower(Clean(s.Name))}
	for _, part := range nameParts(s.Name) {
		if w := searchWords(part); len(w) > 0 {
			k.terms = append(k.terms, w)
		}
	}
	for _, kw := range s.Keywords {
		w := searchWords(kw)
		k.terms = append(k.terms, w)
		k.all = append(k.all, w...)
	}
	k.all = append(k.all, k.name...)
	k.all = append(k.all, k.sub...)
	k.all = append(k.all, k.group...)
	return k
}

// nameParts splits a set's name into the things it lists: "Tương, nước
// mắm, gia vị lỏng" → "Tương", "nước mắm", "gia vị lỏng"; "Tinh dầu và dược
// liệu khác" → "Tinh dầu", "dược liệu khác".
func nameParts(name string) []string {
	parts := strings.FieldsFunc(name, func(r rune) bool { return strings.ContainsRune(",;()…", r) })
	var out []string
	for _, p := range parts {
		for q := range strings.SplitSeq(p, " và ") {
			if q = strings.TrimSpace(q); q != "" {
				out = append(out, q)
			}
		}
	}
	return out
}

// searchWords returns the folded words of s: runs of letters and digits.
func searchWords(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// SearchSets finds the product sets a producer may mean by what they typed,
// with or without diacritics, best first: the set's number ("6"); its whole
// name; a keyword or a part of the name ("nước mắm", "bánh tráng"); the start
// of the name or of a keyword; a name whose words start with every word of
// the query ("che bien gao"); a query that holds a keyword or part of the
// name ("bánh tráng phơi sương Trảng Bàng" finds set 6, the longest held
// term first, and one that comes right after another set's: "xoài sấy" is
// processed before fresh); keywords, sub-groups and groups whose words
// start with the query's words ("do uong"). Between equal matches the
// set whose name holds the query as typed, diacritics included, comes first,
// then the lower number. Nothing found, or a query without a letter or
// digit, gives nil. There is no correction of typing errors.
func (r *Rulebook) SearchSets(query string) []ProductSet {
	sets, _ := r.FindSets(query)
	return sets
}

// FindSets is SearchSets, and whether its best match is sure enough to be
// taken without asking the producer (see setScoreSure): a one-word
// keyword held among other words, or words that only begin words of a
// set's fields, are a guess to be offered, not taken.
func (r *Rulebook) FindSets(query string) (sets []ProductSet, sure bool) {
	q := withoutSpeaker(searchWords(query))
	if len(q) == 0 {
		return nil, false
	}
	joined := strings.Join(q, " ")
	raw := strings.ToLower(Clean(query))
	scores := make([]int, len(r.sets))
	for i, k := range r.keys {
		s := k.score(q, joined)
		if s > 0 && !isASCII(raw) && strings.Contains(k.raw, raw) {
			s += setBonusDiacritics
		}
		scores[i] = s
	}
	r.qualify(q, scores)
	if n, err := strconv.Atoi(joined); err == nil {
		if i, ok := r.setIx[n]; ok {
			scores[i] = setScoreNumber
		}
	}
	var idx []int
	for i, s := range scores {
		if s > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	if len(idx) == 0 {
		return nil, false
	}
	out := make([]ProductSet, len(idx))
	for j, i := range idx {
		out[j] = r.sets[i]
	}
	return out, scores[idx[0]] >= setScoreSure
}

// speakers and their verbs begin what a producer says of their product:
// "tôi làm mắm tôm", "nhà em bán mật ong". Folded, "tôi" is "tỏi"
// (garlic): taken off, so that it is not read as the product.
var (
	speakers     = [][]string{{"chung", "toi"}, {"nha", "toi"}, {"nha", "em"}, {"ben", "em"}, {"toi"}, {"em"}, {"minh"}}
	speakerVerbs = [][]string{{"san", "xuat"}, {"che", "bien"}, {"lam"}, {"ban"}, {"trong"}, {"nuoi"}, {"co"}, {"muon"}, {"dang"}}
)

// withoutSpeaker takes "tôi làm …" off the start of q when words follow.
func withoutSpeaker(q []string) []string {
	for _, s := range speakers {
		if len(q) <= len(s) || !slices.Equal(q[:len(s)], s) {
			continue
		}
		rest := q[len(s):]
		for _, v := range speakerVerbs {
			if len(rest) > len(v) && slices.Equal(rest[:len(v)], v) {
				return rest[len(v):]
			}
		}
		return q
	}
	return q
}

// qualify lifts, among the sets the query only holds a keyword of, one
// whose keyword comes right after another set's: in Vietnamese the word
// after a product's name says how it was made ("xoài sấy", "mít sấy": the
// processed set before the fresh one). It stays a guess (setScoreSure).
func (r *Rulebook) qualify(q []string, scores []int) {
	held := func(s int) bool { return s >= setScoreTermInside && s < setScoreWords }
	ends := map[int][]int{} // where a held keyword ends → the sets holding it
	runs := make([][][2]int, len(scores))
	for i, k := range r.keys {
		if !held(scores[i]) {
			continue
		}
		runs[i] = k.heldRuns(q)
		for _, run := range runs[i] {
			ends[run[1]] = append(ends[run[1]], i)
		}
	}
	for i, rs := range runs {
		for _, run := range rs {
			if slices.ContainsFunc(ends[run[0]], func(j int) bool { return j != i }) {
				scores[i] += setBonusQualifies
				break
			}
		}
	}
}

// heldRuns returns where the query holds a keyword or part of the name of
// the set: [start, end) in words.
func (k setKey) heldRuns(q []string) [][2]int {
	var out [][2]int
	for _, t := range k.terms {
		for i := 0; len(t) > 0 && i+len(t) <= len(q); i++ {
			if slices.Equal(q[i:i+len(t)], t) {
				out = append(out, [2]int{i, i + len(t)})
			}
		}
	}
	return out
}

// score rates how well the folded query words q (joined: q with spaces)
// match the set; 0 is no match.
func (k setKey) score(q []string, joined string) int {
	best := 0
	offer := func(s int) { best = max(best, s) }
	if slices.Equal(k.name, q) {
		offer(setScoreName)
	}
	if startsWithWords(k.name, q) {
		offer(setScoreNamePrefix)
	}
	for _, t := range k.terms {
		switch {
		case slices.Equal(t, q):
			offer(setScoreTerm)
		case startsWithWords(t, q):
			offer(setScoreTermPrefix)
		default:
			if holdsRun(q, t) {
				offer(setScoreTermInside + 10*min(len(t), 4))
			}
		}
	}
	switch {
	case everyWordStarts(q, k.name):
		offer(setScoreWords)
	case everyWordStarts(q, k.all):
		offer(setScoreAnyWords)
	}
	if everyWordStarts(q, k.sub) {
		offer(setScoreSubGroup)
	}
	if everyWordStarts(q, k.group) {
		offer(setScoreGroup)
	}
	return best
}

// startsWithWords reports whether words begin with q, the last word of q
// possibly cut short: "rau c" starts "rau cu qua hat tuoi".
func startsWithWords(words, q []string) bool {
	if len(q) > len(words) {
		return false
	}
	last := len(q) - 1
	for i, w := range q {
		if i < last && words[i] != w || i == last && !strings.HasPrefix(words[i], w) {
			return false
		}
	}
	return true
}

// holdsRun reports whether the words of t appear in q one after another.
func holdsRun(q, t []string) bool {
	if len(t) == 0 {
		return false
	}
	for i := 0; i+len(t) <= len(q); i++ {
		if slices.Equal(q[i:i+len(t)], t) {
			return true
		}
	}
	return false
}

// everyWordStarts reports whether every word of q starts some word of words.
func everyWordStarts(q, words []string) bool {
	for _, w := range q {
		if !slices.ContainsFunc(words, func(x string) bool { return strings.HasPrefix(x, w) }) {
			return false
		}
	}
	return len(q) > 0
}
