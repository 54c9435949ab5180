package domain

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// placesTayNinh2025 lists the communes and wards of Tây Ninh from 1/7/2025,
// when Tây Ninh and Long An merged and the district level was abolished, with
// the former districts each came from (OCOP-RULES §9).
//
//go:embed places_tay-ninh-2025.csv
var placesTayNinh2025 string

// District is a former district-level unit (huyện, thị xã, thành phố), as
// producers still name their place.
type District struct {
	Name     string // as written: "Huyện Châu Thành"
	Province string // as written: "Tỉnh Tây Ninh"
}

// ShortName returns the name without its kind: "Châu Thành" for
// "Huyện Châu Thành", "Tây Ninh" for "Thành phố Tây Ninh".
func (d District) ShortName() string { return trimPrefixWords(d.Name, districtKinds) }

// ProvinceShort returns the province without its kind: "Tây Ninh" for
// "Tỉnh Tây Ninh".
func (d District) ProvinceShort() string { return provinceShort(d.Province) }

// Commune is a commune-level unit (xã, phường, đặc khu) of the places file.
type Commune struct {
	Code            string     // official code of the statistics office: "25480"
	Name            string     // as written: "Phường Bình Minh"
	Type            string     // "xã", "phường" or "đặc khu", lower case
	FormerProvince  string     // the province it belonged to before 1/7/2025: "Tỉnh Tây Ninh"
	FormerDistricts []District // the former districts it was made from, at least one
	// FormerCommunes are the commune-level units before 1/7/2025 it was
	// made from, wholly or in part (optional column former_communes).
	FormerCommunes []FormerCommune
}

// FormerCommune is a commune, ward or town before 1/7/2025, as people
// still name their place: "Xã Gia Bình" of "Thị xã Trảng Bàng".
type FormerCommune struct {
	Name     string // as written: "Xã Gia Bình"
	District string // its district then: "Thị xã Trảng Bàng"
	Province string // its province then: "Tỉnh Tây Ninh"
}

// ShortName returns the name without its kind: "Gia Bình".
func (f FormerCommune) ShortName() string { return trimPrefixWords(f.Name, communeKinds) }

// ShortName returns the name without its kind: "Bình Minh" for
// "Phường Bình Minh".
func (c Commune) ShortName() string { return trimPrefixWords(c.Name, communeKinds) }

// FromProvince reports whether the commune belonged to the named province
// before the merger. The name may be given with or without its kind and
// diacritics: "Tỉnh Long An", "Long An" and "long an" are alike.
func (c Commune) FromProvince(name string) bool {
	key := Fold(provinceShort(name))
	return key != "" && key == Fold(provinceShort(c.FormerProvince))
}

func (c Commune) clone() Commune {
	c.FormerDistricts = slices.Clone(c.FormerDistricts)
	c.FormerCommunes = slices.Clone(c.FormerCommunes)
	return c
}

// The kinds of place a name may start with, as folded words, longest first
// where one is the start of another.
var (
	communeKinds  = [][]string{{"dac", "khu"}, {"thi", "tran"}, {"xa"}, {"phuong"}}
	districtKinds = [][]string{{"thanh", "pho"}, {"thi", "xa"}, {"huyen"}, {"quan"}}
	provinceKinds = [][]string{{"thanh", "pho"}, {"tinh"}}
	communeTypes  = []string{"xa", "phuong", "dac khu"} // folded values of the type column
)

// Places is the list of communes of a province with an index for Search. It
// is immutable once loaded and safe for concurrent use.
type Places struct {
	communes  []Commune
	byCode    map[string]int
	keys      []placeKey    // search keys of communes, by index
	districts []districtRef // the former districts, each once
	formers   []formerRef   // the former communes, each once
	provinces [][]string    // folded words of the former provinces' short names
}

// placeKey is the precomputed search form of one name.
type placeKey struct {
	words    []string // folded words of the short name: ["binh", "minh"]
	runes    []rune   // the same joined by spaces, for the edit distance
	raw      string   // lower-cased short name with its diacritics: "bình minh"
	province string   // folded short name of the province: "tay ninh"
	rank     int      // position in Vietnamese alphabetical order (communes only)
}

// formerRef is a former commune and the communes made from it (one, or
// several when it was split).
type formerRef struct {
	former   FormerCommune
	key      placeKey
	communes []int
}

// districtRef is a former district and the communes made from it.
type districtRef struct {
	district District
	key      placeKey
	communes []int
}

// The columns a places file must have, in any order; others are ignored.
const (
	colCode      = "code"
	colName      = "name"
	colType      = "type"
	colProvince  = "former_province"
	colDistricts = "former_districts"
	// colFormers is optional: the former communes, "Xã Gia Bình (Thị xã
	// Trảng Bàng, Tỉnh Tây Ninh)" separated by ";".
	colFormers = "former_communes"
)

// DefaultPlaces returns the embedded places of Tây Ninh from 1/7/2025: 96
// communes and wards, 36 of them from the former Tây Ninh and 60 from the
// former Long An. It parses and indexes the file on every call (a few
// milliseconds); load once and share the result.
func DefaultPlaces() (*Places, error) {
	return LoadPlaces(strings.NewReader(placesTayNinh2025))
}

// LoadPlaces reads a places file: UTF-8 CSV with a header naming the columns
// code, name, type, former_province and former_districts (in any order; other
// columns are ignored). Codes are digits and unique; names are not blank;
// type is xã, phường or đặc khu; former_districts lists one or more entries
// such as "Huyện Gò Dầu (Tỉnh Tây Ninh)" separated by ";" (an entry without
// the province in parentheses belongs to former_province). Cells are cleaned
// as by Clean.
//
// Bad data gives a KindInvalid *Error that names the line at fault; a failing
// reader gives a KindInternal one.
func LoadPlaces(r io.Reader) (*Places, error) {
	const op = "places.load"
	fail := func(line int, format string, args ...any) error {
		return E(op, KindInvalid, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...)))
	}
	readErr := func(err error) error {
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
			return E(op, KindInvalid, err) // it names its line
		}
		return E(op, KindInternal, err)
	}

	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, E(op, KindInvalid, errors.New("empty file"))
	}
	if err != nil {
		return nil, readErr(err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(Clean(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; dup {
			return nil, fail(1, "column %q appears twice", h)
		}
		col[h] = i
	}
	for _, want := range []string{colCode, colName, colType, colProvince, colDistricts} {
		if _, ok := col[want]; !ok {
			return nil, fail(1, "missing column %q (want %s,%s,%s,%s,%s)", want,
				colCode, colName, colType, colProvince, colDistricts)
		}
	}

	p := &Places{byCode: map[string]int{}}
	lines := map[string]int{} // code -> line, for the duplicate message
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
		line, _ := cr.FieldPos(0)
		c, err := parseCommune(rec, col)
		if err != nil {
			return nil, fail(line, "%v", err)
		}
		if first, dup := lines[c.Code]; dup {
			return nil, fail(line, "code %s already used on line %d", c.Code, first)
		}
		lines[c.Code] = line
		p.byCode[c.Code] = len(p.communes)
		p.communes = append(p.communes, c)
	}
	if len(p.communes) == 0 {
		return nil, E(op, KindInvalid, errors.New("no communes"))
	}
	p.index()
	return p, nil
}

// parseCommune reads one record of a places file.
func parseCommune(rec []string, col map[string]int) (Commune, error) {
	c := Commune{
		Code:           Clean(rec[col[colCode]]),
		Name:           Clean(rec[col[colName]]),
		Type:           strings.ToLower(Clean(rec[col[colType]])),
		FormerProvince: Clean(rec[col[colProvince]]),
	}
	switch {
	case c.Code == "":
		return c, errors.New("empty code")
	case !isDigits(c.Code):
		return c, fmt.Errorf("code %q is not a number", c.Code)
	case nameless(c.Name, communeKinds):
		return c, fmt.Errorf("code %s: empty name %q", c.Code, c.Name)
	case !slices.Contains(communeTypes, Fold(c.Type)):
		return c, fmt.Errorf("code %s: type %q is not xã, phường or đặc khu", c.Code, c.Type)
	case nameless(c.FormerProvince, provinceKinds):
		return c, fmt.Errorf("code %s: empty former province", c.Code)
	}
	seen := map[string]bool{}
	for entry := range strings.SplitSeq(rec[col[colDistricts]], ";") {
		entry = Clean(entry)
		if entry == "" {
			continue // a trailing ";"
		}
		d, ok := parseDistrict(entry, c.FormerProvince)
		if !ok {
			return c, fmt.Errorf("code %s: former district %q: want a name and the province in parentheses, like %q",
				c.Code, entry, "Huyện Gò Dầu (Tỉnh Tây Ninh)")
		}
		key := districtKey(d)
		if seen[key] {
			return c, fmt.Errorf("code %s: former district %q listed twice", c.Code, entry)
		}
		seen[key] = true
		c.FormerDistricts = append(c.FormerDistricts, d)
	}
	if len(c.FormerDistricts) == 0 {
		return c, fmt.Errorf("code %s: no former district", c.Code)
	}
	if i, ok := col[colFormers]; ok && i < len(rec) {
		for entry := range strings.SplitSeq(rec[i], ";") {
			entry = Clean(entry)
			if entry == "" {
				continue
			}
			f, ok := parseFormerCommune(entry, c.FormerProvince)
			if !ok {
				return c, fmt.Errorf("code %s: former commune %q: want a name, its district and province in parentheses, like %q",
					c.Code, entry, "Xã Gia Bình (Thị xã Trảng Bàng, Tỉnh Tây Ninh)")
			}
			c.FormerCommunes = append(c.FormerCommunes, f)
		}
	}
	return c, nil
}

// parseFormerCommune reads "Xã Gia Bình (Thị xã Trảng Bàng, Tỉnh Tây
// Ninh)"; without the province it is province.
func parseFormerCommune(s, province string) (FormerCommune, bool) {
	open := strings.LastIndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return FormerCommune{}, false
	}
	f := FormerCommune{Name: Clean(s[:open]), Province: province}
	inside := s[open+1 : len(s)-1]
	if d, p, ok := strings.Cut(inside, ","); ok {
		f.District, f.Province = Clean(d), Clean(p)
	} else {
		f.District = Clean(inside)
	}
	if nameless(f.Name, communeKinds) || nameless(f.District, districtKinds) || nameless(f.Province, provinceKinds) ||
		strings.ContainsAny(f.Name, "()") {
		return FormerCommune{}, false
	}
	return f, true
}

// parseDistrict reads "Huyện Gò Dầu (Tỉnh Tây Ninh)"; without parentheses the
// district belongs to province.
func parseDistrict(s, province string) (District, bool) {
	name, prov := s, province
	if strings.HasSuffix(s, ")") {
		open := strings.LastIndexByte(s, '(')
		if open < 0 {
			return District{}, false
		}
		name, prov = Clean(s[:open]), Clean(s[open+1:len(s)-1])
	}
	d := District{Name: name, Province: prov}
	if nameless(d.Name, districtKinds) || nameless(d.Province, provinceKinds) ||
		strings.ContainsAny(name, "()") {
		return District{}, false
	}
	return d, true
}

// nameless reports whether a place name says nothing once its kind is
// removed: "", "Xã", "Huyện 🙂".
func nameless(name string, kinds [][]string) bool {
	words := splitWords(Fold(name))
	for _, k := range kinds {
		if slices.Equal(words, k) {
			return true
		}
	}
	return !HasLetterOrDigit(trimPrefixWords(name, kinds))
}

// districtKey identifies a district whatever its spelling ("Hòa" or "Hoà").
func districtKey(d District) string {
	return strings.Join(splitWords(Fold(d.Name)), " ") + "\x00" + Fold(d.ProvinceShort())
}

// provinceShort returns a province's name without its kind.
func provinceShort(name string) string { return trimPrefixWords(name, provinceKinds) }

// index precomputes the search keys.
func (p *Places) index() {
	p.keys = make([]placeKey, len(p.communes))
	for i, c := range p.communes {
		p.keys[i] = newPlaceKey(c.ShortName(), provinceShort(c.FormerProvince))
	}

	// Rank the communes in Vietnamese alphabetical order of their short
	// names, so that results of equal score read as a sorted list.
	order := make([]int, len(p.communes))
	for i := range order {
		order[i] = i
	}
	col := collate.New(language.Vietnamese)
	slices.SortStableFunc(order, func(a, b int) int {
		if c := col.CompareString(p.keys[a].raw, p.keys[b].raw); c != 0 {
			return c
		}
		return strings.Compare(p.communes[a].Name, p.communes[b].Name)
	})
	for rank, i := range order {
		p.keys[i].rank = rank
	}

	byKey := map[string]int{}
	seenProvince := map[string]bool{}
	addProvince := func(name string) {
		f := Fold(name)
		if f != "" && !seenProvince[f] {
			seenProvince[f] = true
			p.provinces = append(p.provinces, splitWords(f))
		}
	}
	for i, c := range p.communes {
		addProvince(provinceShort(c.FormerProvince))
		for _, d := range c.FormerDistricts {
			addProvince(d.ProvinceShort())
			k := districtKey(d)
			j, ok := byKey[k]
			if !ok {
				j = len(p.districts)
				byKey[k] = j
				p.districts = append(p.districts, districtRef{
					district: d,
					key:      newPlaceKey(d.ShortName(), d.ProvinceShort()),
				})
			}
			p.districts[j].communes = append(p.districts[j].communes, i)
		}
	}
	byFormer := map[string]int{}
	for i, c := range p.communes {
		for _, f := range c.FormerCommunes {
			k := Fold(f.Name) + "\x00" + Fold(f.District) + "\x00" + Fold(provinceShort(f.Province))
			j, ok := byFormer[k]
			if !ok {
				j = len(p.formers)
				byFormer[k] = j
				p.formers = append(p.formers, formerRef{former: f, key: newPlaceKey(f.ShortName(), provinceShort(f.Province))})
			}
			if !slices.Contains(p.formers[j].communes, i) {
				p.formers[j].communes = append(p.formers[j].communes, i)
			}
		}
	}
}

func newPlaceKey(name, province string) placeKey {
	words := splitWords(Fold(name))
	return placeKey{
		words:    words,
		runes:    []rune(strings.Join(words, " ")),
		raw:      strings.Join(splitWords(strings.ToLower(name)), " "),
		province: Fold(province),
	}
}

// All returns every commune, in the order of the places file.
func (p *Places) All() []Commune {
	out := make([]Commune, len(p.communes))
	for i, c := range p.communes {
		out[i] = c.clone()
	}
	return out
}

// Get returns the commune with the given official code.
func (p *Places) Get(code string) (Commune, bool) {
	i, ok := p.byCode[code]
	if !ok {
		return Commune{}, false
	}
	return p.communes[i].clone(), true
}

// trimPrefixWords removes from name the first of prefixes (folded words)
// that it starts with, provided something is left: "Huyện Gò Dầu" becomes
// "Gò Dầu". The words are compared folded, so "HUYỆN" and "huyen" count.
func trimPrefixWords(name string, prefixes [][]string) string {
	fields := strings.Fields(name)
	var folded []string // the first fields folded, as far as needed
	for _, prefix := range prefixes {
		if len(fields) <= len(prefix) {
			continue
		}
		for len(folded) < len(prefix) {
			folded = append(folded, Fold(fields[len(folded)]))
		}
		if slices.Equal(folded[:len(prefix)], prefix) {
			return strings.Join(fields[len(prefix):], " ")
		}
	}
	return name
}
