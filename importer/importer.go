// Package importer reads the list of already-rated OCOP products that
// officers load with "ocopbot import" (a CSV or XLSX file, one row per
// product), checks every row and turns the file into subjects and products
// for the store. A file with any bad row is refused whole: Read returns a
// *RejectedError listing every problem with its row number, and nothing is
// handed to the store.
//
// The columns are found by their header (first row), in Vietnamese or
// English, in any order, with or without diacritics; see Columns and the
// README.
package importer

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Env is what reading a file needs to know.
type Env struct {
	Places *domain.Places
	Rules  *domain.Rulebooks
	// Location is the province's time zone: dates are days there.
	Location *time.Location
	Now      func() time.Time
}

// Row is one product of the file with its subject, ready for the store.
type Row struct {
	Line int // the row number in the file (the header is row 1)
	// Subject has Kind, Name, Phone (E.164, "" when none) and CommuneCode.
	Subject domain.Subject
	// Product has Name, Set, Existing, Craft, Score, Stars, Stage (cong_nhan,
	// het_han when its certificate has expired, khong_dat below 50 points),
	// Rulebook, Year and, when recognised, CertNo, CertIssued, CertExpires
	// and CertRules; CommuneCode is the subject's.
	Product domain.Product
	// NoCraft: the file says the product belongs to no craft ("không",
	// "-"), so a craft stored before is cleared; an empty cell keeps it.
	NoCraft bool
}

// Problem is one reason a file is refused. MsgID is a message of the
// locales ("import.*") and Data fills it.
type Problem struct {
	Line   int    // the row number, 0 for the file as a whole
	Column string // a column key (ColSubject...), "" for the whole row
	MsgID  string
	Data   map[string]any
}

// RejectedError is a file refused whole, with every problem found, by row.
type RejectedError struct{ Problems []Problem }

func (e *RejectedError) Error() string {
	if len(e.Problems) == 1 {
		p := e.Problems[0]
		return fmt.Sprintf("import: row %d %s: %s %v", p.Line, p.Column, p.MsgID, p.Data)
	}
	return fmt.Sprintf("import: %d problems, the first at row %d", len(e.Problems), e.Problems[0].Line)
}

func fileProblem(id string, data map[string]any) *RejectedError {
	return &RejectedError{Problems: []Problem{{MsgID: id, Data: data}}}
}

// Column keys.
const (
	ColSubject  = "subject"
	ColKind     = "kind"
	ColPhone    = "phone"
	ColCommune  = "commune"
	ColProduct  = "product"
	ColSet      = "set"
	ColScore    = "score"
	ColStars    = "stars"
	ColCert     = "certificate"
	ColIssued   = "issued"
	ColRulebook = "rulebook"
	ColCraft    = "craft"
)

// Column is a column of the file: its key, whether the header must be
// there, and the headers that name it (folded words: no diacritics, lower
// case, punctuation as spaces).
type Column struct {
	Key      string
	Required bool
	Headers  []string
}

// Columns are the columns the importer reads; other columns (a row number,
// notes) are ignored.
var Columns = []Column{
	{ColSubject, true, []string{"ten chu the", "chu the", "ten chu the ocop", "chu the ocop", "ten co so", "co so", "ten don vi", "don vi", "subject", "subject name", "producer"}},
	{ColKind, true, []string{"loai chu the", "loai hinh", "loai hinh chu the", "loai hinh to chuc", "loai", "subject type", "subject kind", "type", "kind"}},
	{ColPhone, false, []string{"so dien thoai", "dien thoai", "sdt", "so dt", "dt", "phone", "phone number", "mobile"}},
	{ColCommune, true, []string{"xa phuong", "xa", "phuong", "xa phuong dac khu", "ma xa", "dia ban", "commune", "commune code", "ward", "commune ward"}},
	{ColProduct, true, []string{"ten san pham", "san pham", "ten sp", "product", "product name"}},
	{ColSet, true, []string{"bo san pham", "bo sp", "so bo san pham", "product set", "set"}},
	{ColScore, true, []string{"diem", "diem trung binh", "diem danh gia", "tong diem", "score", "average score"}},
	{ColStars, true, []string{"hang sao", "so sao", "sao", "xep hang", "hang", "stars", "star rating", "rating"}},
	{ColCert, false, []string{"so chung nhan", "so giay chung nhan", "so gcn", "giay chung nhan", "gcn", "certificate", "certificate number", "certificate no", "cert no"}},
	{ColIssued, true, []string{"ngay cap", "ngay cong nhan", "ngay cap chung nhan", "ngay cap gcn", "ngay chung nhan", "issue date", "issued", "issued on", "date of issue", "certificate date"}},
	{ColRulebook, false, []string{"bo quy dinh", "quy dinh", "bo tieu chi", "can cu", "rulebook", "rulebook id", "rules"}},
	{ColCraft, false, []string{"nghe truyen thong", "lang nghe", "lang nghe truyen thong", "nghe lang nghe", "nghe", "craft", "craft village", "traditional craft"}},
}

// Limits of values.
const (
	maxSubjectName = 200
	maxProductName = 150
	maxCertNo      = 60
	maxCraft       = 200 // as the product form's
)

// Read reads a CSV or XLSX file (by name's extension) and checks every
// row. It returns the rows, or a *RejectedError with every problem found.
func Read(r io.Reader, name string, env Env) ([]Row, error) {
	rows, err := readTable(r, name)
	if err != nil {
		return nil, err
	}
	return parse(rows, env)
}

// words folds s and splits it into words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(domain.Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func key(s string) string { return strings.Join(words(s), " ") }

// parse checks the table: the header, then every row, then rows against
// one another.
func parse(rows []row, env Env) ([]Row, error) {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Location == nil {
		env.Location = time.Local
	}
	// The first row with a value is the header.
	for len(rows) > 0 && blank(rows[0].cells) {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return nil, fileProblem("import.empty", nil)
	}
	idx, err := header(rows[0])
	if err != nil {
		return nil, err
	}
	p := &parser{env: env, col: idx, today: civil(env.Now().In(env.Location))}
	p.setRules = p.latestFullRulebook()
	var out, all []Row
	for _, r := range rows[1:] {
		if blank(r.cells) {
			continue
		}
		row, ok := p.row(r)
		all = append(all, row)
		if ok {
			out = append(out, row)
		}
	}
	if len(out) == 0 && len(p.problems) == 0 {
		return nil, fileProblem("import.empty", nil)
	}
	// A certificate given twice is found among every row, a row with
	// another problem included; the checks of subjects and products need
	// rows read whole.
	p.duplicateCertificates(all)
	p.crossCheck(out)
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
		return nil, &RejectedError{Problems: p.problems}
	}
	return out, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// header maps column keys to their index in the rows.
func header(h row) (map[string]int, error) {
	byHeader := map[string]string{}
	for _, c := range Columns {
		for _, name := range c.Headers {
			byHeader[name] = c.Key
		}
	}
	idx := map[string]int{}
	var problems []Problem
	for i, cell := range h.cells {
		k, ok := byHeader[key(cell)]
		if !ok {
			continue
		}
		if j, dup := idx[k]; dup {
			problems = append(problems, Problem{Line: h.line, Column: k, MsgID: "import.duplicate_column",
				Data: map[string]any{"First": columnName(j), "Second": columnName(i)}})
			continue
		}
		idx[k] = i
	}
	var missing []string
	for _, c := range Columns {
		if _, ok := idx[c.Key]; c.Required && !ok {
			missing = append(missing, c.Key)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, Problem{Line: h.line, MsgID: "import.missing_columns", Data: map[string]any{"Columns": missing}})
	}
	if len(problems) > 0 {
		return nil, &RejectedError{Problems: problems}
	}
	return idx, nil
}

// columnName is a spreadsheet's name of a column index: 0 is A, 26 is AA.
func columnName(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// parser checks rows and collects problems.
type parser struct {
	env      Env
	col      map[string]int
	today    time.Time // midnight in the province
	setRules *domain.Rulebook
	problems []Problem
}

func (p *parser) bad(line int, column, id string, data map[string]any) {
	p.problems = append(p.problems, Problem{Line: line, Column: column, MsgID: id, Data: data})
}

// latestFullRulebook is the rulebook whose product sets are used: the
// newest complete one.
func (p *parser) latestFullRulebook() *domain.Rulebook {
	var full *domain.Rulebook
	if p.env.Rules == nil {
		return nil
	}
	for _, r := range p.env.Rules.All() {
		if r.Full && len(r.Sets()) > 0 {
			full = r
		}
	}
	return full
}

// row checks one row; ok is false when it has a problem.
func (p *parser) row(r row) (Row, bool) {
	before := len(p.problems)
	get := func(k string) string {
		i, ok := p.col[k]
		if !ok || i >= len(r.cells) {
			return ""
		}
		return domain.Clean(r.cells[i])
	}
	line := r.line
	out := Row{Line: line}

	out.Subject.Name = p.name(line, ColSubject, get(ColSubject), maxSubjectName)
	out.Subject.Kind = p.kind(line, get(ColKind))
	out.Subject.Phone = p.phone(line, get(ColPhone))
	out.Subject.CommuneCode = p.commune(line, get(ColCommune))
	out.Product.Name = p.name(line, ColProduct, get(ColProduct), maxProductName)
	out.Product.Set = p.set(line, get(ColSet))
	out.Product.CommuneCode = out.Subject.CommuneCode
	out.Product.Existing = true
	out.Product.Craft, out.NoCraft = p.craft(line, get(ColCraft))

	score, scoreOK := p.score(line, get(ColScore))
	stars, starsOK := p.stars(line, get(ColStars))
	certNo := get(ColCert)
	if utf8.RuneCountInString(certNo) > maxCertNo {
		p.bad(line, ColCert, "import.text_too_long", map[string]any{"Max": maxCertNo})
	}
	out.Product.CertNo = certNo // kept for the check of duplicates, even in a bad row
	issuedText := get(ColIssued)
	issued, issuedOK := p.date(line, issuedText)
	rules, rulesOK := p.rulebook(line, get(ColRulebook), issued)

	if scoreOK && starsOK && issuedOK && rulesOK {
		out.Product.Score = score
		if score < 50 {
			p.failed(line, &out, rules, score, stars, certNo, issuedText)
		} else {
			p.recognised(line, &out, rules, score, stars, certNo, issued)
		}
	}
	return out, len(p.problems) == before
}

// craft reads the traditional craft a product belongs to, as the product
// form does: "không" (or "-") is none (none is true), "có" alone does not
// say which and is refused, an empty cell says nothing.
func (p *parser) craft(line int, s string) (craft string, none bool) {
	switch {
	case s == "":
		return "", false
	case s == "-" || s == "–" || s == "—":
		return "", true
	}
	switch domain.ParseAnswer(s) {
	case domain.AnswerNo, domain.AnswerSkip:
		return "", true
	case domain.AnswerYes:
		p.bad(line, ColCraft, "import.craft_which", map[string]any{"Value": s})
		return "", false
	}
	if utf8.RuneCountInString(s) > maxCraft {
		p.bad(line, ColCraft, "import.text_too_long", map[string]any{"Max": maxCraft})
		return "", false
	}
	return s, false
}

// failed fills a product below 50 points: not recognised, no certificate.
func (p *parser) failed(line int, out *Row, rules *domain.Rulebook, score float64, stars int, certNo, issued string) {
	band := rules.MaxStars(score)
	if stars != 0 && stars != band {
		p.bad(line, ColStars, "import.stars_below_50", map[string]any{"Score": formatScore(score), "Max": band})
	}
	if certNo != "" || issued != "" {
		p.bad(line, ColCert, "import.below_50_certificate", map[string]any{"Score": formatScore(score)})
	}
	out.Product.Stars = stars
	out.Product.Stage = domain.StageFailed
	out.Product.Rulebook = rules.ID
	out.Product.Year = p.today.Year()
}

// recognised fills a product of 50 points or more with its certificate.
func (p *parser) recognised(line int, out *Row, rules *domain.Rulebook, score float64, stars int, certNo string, issued time.Time) {
	switch {
	case stars == 0:
		p.bad(line, ColStars, "import.required", nil)
	case !rules.Recognised(stars):
		p.bad(line, ColStars, "import.stars_not_recognised", map[string]any{"Stars": stars})
	case stars > rules.MaxStars(score):
		p.bad(line, ColStars, "import.stars_above_band", map[string]any{"Stars": stars, "Score": formatScore(score), "Max": rules.MaxStars(score)})
	}
	if issued.IsZero() {
		p.bad(line, ColIssued, "import.required", nil)
		return
	}
	out.Product.Stars = stars
	out.Product.CertNo = certNo
	out.Product.CertIssued = issued
	out.Product.CertExpires = rules.CertificateExpiry(issued)
	out.Product.CertRules = rules.ID
	out.Product.Rulebook = rules.ID
	out.Product.Year = issued.Year()
	out.Product.Stage = domain.StageRecognised
	// Valid through its last day (domain.ValidOn); expired after.
	if !domain.ValidOn(domain.AsCreated(out.Product), p.today) {
		out.Product.Stage = domain.StageExpired
	}
}

func (p *parser) name(line int, col, s string, max int) string {
	switch n := utf8.RuneCountInString(s); {
	case s == "":
		p.bad(line, col, "import.required", nil)
	case !domain.HasLetterOrDigit(s) || n < 2 || n > max:
		p.bad(line, col, "import.name_invalid", map[string]any{"Value": s, "Max": max})
	default:
		return s
	}
	return ""
}

// ParseKind reads a subject kind written in words (domain.ParseSubjectKind).
func ParseKind(s string) (domain.SubjectKind, bool) { return domain.ParseSubjectKind(s) }

func (p *parser) kind(line int, s string) domain.SubjectKind {
	if s == "" {
		p.bad(line, ColKind, "import.required", nil)
		return ""
	}
	k, ok := ParseKind(s)
	if !ok {
		p.bad(line, ColKind, "import.kind_unknown", map[string]any{"Value": s})
	}
	return k
}

func (p *parser) phone(line int, s string) string {
	if s == "" {
		return ""
	}
	e164, err := domain.ParsePhone(s)
	if err != nil {
		p.bad(line, ColPhone, "import.bad_phone", map[string]any{"Value": s})
		return ""
	}
	return e164
}

// commune finds a commune by code or by exact name. A name that is also a
// former district's, or that several communes share, must say which: by
// its code or with its kind ("Phường Gò Dầu").
func (p *parser) commune(line int, s string) string {
	if s == "" {
		p.bad(line, ColCommune, "import.required", nil)
		return ""
	}
	if p.env.Places == nil {
		return s
	}
	if isDigits(s) {
		code := strings.Repeat("0", max(0, 5-len(s))) + s
		if _, ok := p.env.Places.Get(code); ok {
			return code
		}
		p.bad(line, ColCommune, "import.commune_unknown", map[string]any{"Value": s})
		return ""
	}
	// A name written exactly, with its diacritics and kind ("Xã Tân
	// Thành"), is that commune's even when another folds to the same
	// letters ("Xã Tân Thạnh").
	var same []string
	for _, c := range p.env.Places.All() {
		if strings.EqualFold(c.Name, s) {
			same = append(same, c.Code)
		}
	}
	if len(same) == 1 {
		return same[0]
	}
	matches := p.env.Places.Search(s, 8)
	var exact []domain.PlaceMatch
	district := false
	for _, m := range matches {
		switch {
		case m.Via == domain.ViaCommune && key(m.Commune.ShortName()) == key(trimCommuneKind(s)):
			exact = append(exact, m)
		case m.Via == domain.ViaDistrict:
			district = true
		}
	}
	if len(exact) == 1 && (!district || hasCommuneKind(s)) {
		return exact[0].Commune.Code
	}
	if len(matches) == 0 {
		p.bad(line, ColCommune, "import.commune_unknown", map[string]any{"Value": s})
		return ""
	}
	var names []string
	for _, m := range matches {
		names = append(names, m.Commune.Name+" ("+m.Commune.Code+")")
	}
	p.bad(line, ColCommune, "import.commune_ambiguous", map[string]any{"Value": s, "Candidates": strings.Join(names, ", ")})
	return ""
}

// communeKinds are the folded words a commune's name may start with.
var communeKinds = [][]string{{"dac", "khu"}, {"thi", "tran"}, {"xa"}, {"phuong"}, {"p"}, {"x"}, {"tt"}}

func hasCommuneKind(s string) bool {
	w := words(s)
	for _, k := range communeKinds {
		if len(w) > len(k) && slices.Equal(w[:len(k)], k) {
			return true
		}
	}
	return false
}

func trimCommuneKind(s string) string {
	w := words(s)
	for _, k := range communeKinds {
		if len(w) > len(k) && slices.Equal(w[:len(k)], k) {
			return strings.Join(w[len(k):], " ")
		}
	}
	return strings.Join(w, " ")
}

// set reads a product set by number ("6", "6 - Chế biến từ gạo, ngũ cốc",
// "Bộ 6") or by name.
func (p *parser) set(line int, s string) int {
	if s == "" {
		p.bad(line, ColSet, "import.required", nil)
		return 0
	}
	r := p.setRules
	if r == nil {
		return 0
	}
	maxSet := len(r.Sets())
	w := words(s)
	if len(w) > 1 && w[0] == "bo" && isDigits(w[1]) {
		w = w[1:]
	}
	if len(w) > 0 && isDigits(w[0]) {
		n, err := strconv.Atoi(w[0])
		if _, ok := r.Set(n); err != nil || !ok {
			p.bad(line, ColSet, "import.set_unknown", map[string]any{"Value": s, "Max": maxSet})
			return 0
		}
		return n
	}
	found, sure := r.FindSets(s)
	switch {
	case len(found) == 0:
		p.bad(line, ColSet, "import.set_unknown", map[string]any{"Value": s, "Max": maxSet})
		return 0
	case len(found) == 1 && sure || key(found[0].Name) == key(s):
		return found[0].ID
	}
	var names []string
	for _, f := range found[:min(len(found), 4)] {
		names = append(names, strconv.Itoa(f.ID)+" – "+f.Name)
	}
	p.bad(line, ColSet, "import.set_ambiguous", map[string]any{"Value": s, "Candidates": strings.Join(names, "; ")})
	return 0
}

// ParseScore reads an average score written either way: "72,5" or "72.5".
func ParseScore(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, ",") {
		if strings.Contains(s, ".") || strings.Count(s, ",") > 1 {
			return 0, false
		}
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || !domain.ValidScore(f) {
		return 0, false
	}
	// A spreadsheet may hold 72.50000000000001 for 72,5.
	return math.Round(f*100) / 100, true
}

func (p *parser) score(line int, s string) (float64, bool) {
	if s == "" {
		p.bad(line, ColScore, "import.required", nil)
		return 0, false
	}
	f, ok := ParseScore(s)
	if !ok || f == 0 {
		p.bad(line, ColScore, "import.bad_score", map[string]any{"Value": s})
		return 0, false
	}
	return f, true
}

// ParseStars reads a number of stars: "4", "4 sao", "4★", "★★★★", "4.0";
// "" is 0.
func ParseStars(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if n := strings.Count(s, "★") + strings.Count(s, "⭐"); n > 0 && strings.Trim(s, "★⭐ ") == "" {
		return n, true
	}
	t := strings.TrimSpace(strings.TrimRight(s, "★⭐* "))
	for _, suffix := range []string{"sao", "stars", "star"} {
		if w := words(t); len(w) == 2 && w[1] == suffix {
			t = w[0]
		}
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil && f == math.Trunc(f) && f >= 1 && f <= 5 {
		return int(f), true
	}
	return 0, false
}

func (p *parser) stars(line int, s string) (int, bool) {
	n, ok := ParseStars(s)
	if !ok {
		p.bad(line, ColStars, "import.bad_stars", map[string]any{"Value": s})
	}
	return n, ok
}

// ParseDate reads a day written dd/mm/yyyy (also with - or . and one-digit
// day or month), yyyy-mm-dd, or as a spreadsheet's date serial number, at
// midnight in loc.
func ParseDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if isNumber(s) {
		// A spreadsheet's serial day: days since 30/12/1899.
		f, _ := strconv.ParseFloat(s, 64)
		if f < 1 || f > 2958465 {
			return time.Time{}, false
		}
		d := time.Date(1899, 12, 30, 0, 0, 0, 0, loc).AddDate(0, 0, int(f))
		return d, true
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) != 3 {
		return time.Time{}, false
	}
	var n [3]int
	for i, part := range parts {
		v, err := strconv.Atoi(part)
		if err != nil || !isDigits(part) {
			return time.Time{}, false
		}
		n[i] = v
	}
	d, m, y := n[0], n[1], n[2]
	if len(parts[0]) == 4 {
		y, m, d = n[0], n[1], n[2]
	} else if len(parts[2]) != 4 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if t.Day() != d || int(t.Month()) != m || y < 1900 {
		return time.Time{}, false // 31/02 and the like
	}
	return t, true
}

func (p *parser) date(line int, s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true // required only for a recognised product
	}
	d, ok := ParseDate(s, p.env.Location)
	switch {
	case !ok:
		p.bad(line, ColIssued, "import.bad_date", map[string]any{"Value": s})
		return time.Time{}, false
	case d.After(p.today):
		p.bad(line, ColIssued, "import.future_date", map[string]any{"Value": d.Format("02/01/2006")})
		return time.Time{}, false
	}
	return d, true
}

// rulebook reads a rulebook id; empty means the one in force on the issue
// day (or today, for a product without a certificate).
func (p *parser) rulebook(line int, s string, issued time.Time) (*domain.Rulebook, bool) {
	rs := p.env.Rules
	if rs == nil {
		return nil, false
	}
	day := issued
	if day.IsZero() {
		day = p.today
	}
	if s == "" {
		r := rs.InForce(day)
		if r == nil {
			p.bad(line, ColRulebook, "import.no_rulebook", map[string]any{"Value": day.Format("02/01/2006")})
			return nil, false
		}
		return r, true
	}
	var ids []string
	for _, r := range rs.All() {
		if key(r.ID) == key(s) {
			if !issued.IsZero() && civil(issued).Before(civil(r.From.In(p.env.Location))) {
				p.bad(line, ColIssued, "import.before_rulebook", map[string]any{
					"Value": issued.Format("02/01/2006"), "Rulebook": r.ID, "From": r.From.Format("02/01/2006")})
				return nil, false
			}
			return r, true
		}
		ids = append(ids, r.ID)
	}
	p.bad(line, ColRulebook, "import.bad_rulebook", map[string]any{"Value": s, "IDs": strings.Join(ids, ", ")})
	return nil, false
}

// crossCheck finds rows that name the same product twice, or the same
// subject differently.
// duplicateCertificates refuses a certificate number given on two rows.
func (p *parser) duplicateCertificates(rows []Row) {
	certs := map[string]int{}
	for _, r := range rows {
		if r.Product.CertNo == "" || r.Product.Stage == domain.StageFailed {
			continue
		}
		k := key(r.Product.CertNo)
		if other, dup := certs[k]; dup {
			p.bad(r.Line, ColCert, "import.duplicate_certificate", map[string]any{"Other": other})
		} else {
			certs[k] = r.Line
		}
	}
}

func (p *parser) crossCheck(rows []Row) {
	products := map[string]int{}
	byPhone := map[string]Row{}
	byName := map[string]Row{}
	for _, r := range rows {
		s, pr := r.Subject, r.Product
		subjectKey := "n:" + key(s.Name) + "|" + s.CommuneCode
		if s.Phone != "" {
			subjectKey = "p:" + s.Phone
		}
		pk := subjectKey + "|" + key(pr.Name) + "|" + pr.CommuneCode
		if other, dup := products[pk]; dup {
			p.bad(r.Line, ColProduct, "import.duplicate_product", map[string]any{"Other": other})
		} else {
			products[pk] = r.Line
		}
		if s.Phone != "" {
			if o, seen := byPhone[s.Phone]; seen {
				if key(o.Subject.Name) != key(s.Name) || o.Subject.Kind != s.Kind || o.Subject.CommuneCode != s.CommuneCode {
					p.bad(r.Line, ColPhone, "import.subject_conflict", map[string]any{"Other": o.Line})
				}
			} else {
				byPhone[s.Phone] = r
			}
		}
		nk := key(s.Name) + "|" + s.CommuneCode
		if o, seen := byName[nk]; seen {
			if o.Subject.Kind != s.Kind || (o.Subject.Phone != "" && s.Phone != "" && o.Subject.Phone != s.Phone) {
				p.bad(r.Line, ColSubject, "import.subject_kind_conflict", map[string]any{"Other": o.Line})
			}
		} else {
			byName[nk] = r
		}
	}
}

// civil is midnight of t's day in t's location.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func isDigits(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

// isNumber reports whether s is a plain decimal number ("45306", "6.0").
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil && s != "" && !strings.ContainsAny(s, "eEnNiI+-")
}

// formatScore writes a score the Vietnamese way: 72,5.
func formatScore(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
}
