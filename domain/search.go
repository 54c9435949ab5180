package domain

import (
	"regexp"
	"strings"
)

// SearchQuery is an officer's search (/timkiem) as prepared by the caller:
// the text as typed, and what it was recognised as besides a name.
type SearchQuery struct {
	// Text is what the officer typed; names and product codes are matched
	// against it, with or without diacritics.
	Text string
	// Phone is Text as an E.164 phone number, "" when it is not one.
	Phone string
	// Communes are the communes Text names (by code or name), each with the
	// score its subjects and products get: ScoreCommune for the commune
	// itself, ScoreDistrict for one made from a former district of that name.
	Communes map[string]int
	// All lets the search see every commune; otherwise only Scope's.
	All   bool
	Scope []string
	// Limit bounds the number of hits; 0 means DefaultSearchLimit.
	Limit int
}

// DefaultSearchLimit is the most hits a search returns by default.
const DefaultSearchLimit = 200

// Sees reports whether the query's scope includes a commune.
func (q SearchQuery) Sees(commune string) bool {
	if q.All {
		return true
	}
	for _, c := range q.Scope {
		if c == commune {
			return true
		}
	}
	return false
}

// SearchHit is one result: a subject, or a product (with its subject).
type SearchHit struct {
	Subject Subject
	// Product is nil for a subject.
	Product *Product
	// Products counts the subject's products the searcher may see (for a
	// subject hit).
	Products int
	// Score orders the hits, higher first.
	Score int
}

// Scores of a search hit: what matched, best first. A product of a subject
// that matches ranks with its subject, just after it.
const (
	ScoreExactCode  = 1000 // the product code, certificate number or phone
	ScoreCodePrefix = 950  // the start of a product code: "80-25480-001"
	ScoreName       = 900  // the whole name
	ScoreNamePrefix = 800  // the name starts with the query
	ScoreNameRun    = 700  // the query's words follow one another in the name
	ScoreNameWords  = 600  // every word of the query starts a word of the name
	ScoreCommune    = 500  // a subject or product of the commune named
	ScoreDistrict   = 400  // ... of a commune made from the former district named
	// ScoreRepresentative: the name of the person who represents a subject
	// (the whole name, its start, or every word of the query starting one
	// of its words), below a subject's own name and its commune: given
	// names are also words of products and places (Hồng, Sen, Bình Minh).
	ScoreRepresentative = 450
	ScoreNameInside     = 300 // every word of the query is inside the name
	bonusSearchMarks    = 20  // the query, typed with its diacritics, is in the name
)

// NameQuery is a name search prepared once to be matched against many
// names.
type NameQuery struct {
	words []string // folded words of the query
	raw   string   // the query lower-cased with its diacritics, when it has some
}

// NewNameQuery prepares a name search for the text as typed.
func NewNameQuery(text string) NameQuery {
	q := NameQuery{words: searchWords(text)}
	if raw := strings.Join(splitWords(strings.ToLower(Clean(text))), " "); !isASCII(raw) {
		q.raw = raw
	}
	return q
}

// Empty reports whether the query has no letter or digit to match.
func (q NameQuery) Empty() bool { return len(q.words) == 0 }

// Score rates how well name matches the query, 0 when it does not: the
// whole name (ScoreName), its start (ScoreNamePrefix, the last word of the
// query may be cut short: "banh tr"), the query's words one after another
// inside it (ScoreNameRun), every word of the query starting a word of the
// name in any order (ScoreNameWords) or inside one (ScoreNameInside). Letter
// case and diacritics do not count, except that a query typed with
// diacritics that the name holds as typed gets a small bonus, so "Bánh
// tráng" ranks "Bánh tráng" before "Bành trắng".
func (q NameQuery) Score(name string) int {
	if len(q.words) == 0 {
		return 0
	}
	// The lower-cased name is needed only for a query with diacritics.
	return q.ScoreName(SearchName{words: searchWords(name), name: name})
}

// ScoreRepresentative rates a representative's name (a person's): any
// match of the query's words at the start of its words scores
// ScoreRepresentative; a query's word found only inside a word, or no
// match, 0.
func (q NameQuery) ScoreRepresentative(name string) int {
	if s := q.Score(name); s > ScoreNameInside {
		return ScoreRepresentative
	}
	return 0
}

// SearchName is a name prepared once to be scored by many queries (a list
// kept in memory and searched often, such as the public catalogue).
type SearchName struct {
	words []string // folded words
	// lower is the name lower-cased with its diacritics, words joined by
	// spaces; when "", it is made from name as needed.
	lower, name string
}

// NewSearchName prepares name for NameQuery.ScoreName.
func NewSearchName(name string) SearchName {
	return SearchName{words: searchWords(name), lower: lowerWords(name)}
}

func lowerWords(name string) string {
	return strings.Join(splitWords(strings.ToLower(Clean(name))), " ")
}

// ScoreName is Score for a prepared name.
func (q NameQuery) ScoreName(n SearchName) int {
	if len(q.words) == 0 {
		return 0
	}
	words := n.words
	s := 0
	switch {
	case len(words) == len(q.words) && startsWithWords(words, q.words) && words[len(words)-1] == q.words[len(q.words)-1]:
		s = ScoreName
	case startsWithWords(words, q.words):
		s = ScoreNamePrefix
	case holdsRunPrefix(words, q.words):
		s = ScoreNameRun
	case everyWordStarts(q.words, words):
		s = ScoreNameWords
	case everyWordInside(q.words, strings.Join(words, " ")):
		s = ScoreNameInside
	default:
		return 0
	}
	if q.raw != "" && n.lower == "" {
		n.lower = lowerWords(n.name)
	}
	if q.raw != "" && strings.Contains(n.lower, q.raw) {
		s += bonusSearchMarks
	}
	return s
}

// holdsRunPrefix reports whether q's words appear one after another in
// words, the last one possibly cut short.
func holdsRunPrefix(words, q []string) bool {
	for i := 0; i+len(q) <= len(words); i++ {
		if startsWithWords(words[i:], q) {
			return true
		}
	}
	return false
}

func everyWordInside(q []string, joined string) bool {
	for _, w := range q {
		if !strings.Contains(joined, w) {
			return false
		}
	}
	return true
}

// productCodeRE is a product code or its start: province, commune, serial,
// year, separated by dashes, dots or spaces ("80-25480-001-2026").
var productCodeRE = regexp.MustCompile(`^\d{2}[-. ]\d{3,6}([-. ]\d{1,4}([-. ]\d{4})?)?$`)

// ProductCodeQuery returns the text as (the start of) a product code in its
// stored form, with dashes, and whether it looks like one.
func ProductCodeQuery(text string) (code string, ok bool) {
	s := Clean(text)
	if !productCodeRE.MatchString(s) {
		return "", false
	}
	return strings.NewReplacer(".", "-", " ", "-").Replace(s), true
}
