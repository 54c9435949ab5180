package domain

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// planTayNinh is the embedded default plan: Tây Ninh's OCOP plan 2023–2025
// (Kế hoạch 2454/KH-UBND, OCOP-RULES §8).
//
//go:embed plans/tay-ninh-2023-2025.json
var planTayNinh []byte

// The keys of the targets the bot knows how to measure (OCOP-RULES §8). A
// plan file may list any of them, each once, in the order to show.
const (
	TargetRecognised     = "recognised"      // products ≥3★ with a valid certificate
	TargetCentral        = "central"         // 5★ candidates sent to the central level
	TargetUpgraded       = "upgraded"        // rated products consolidated or upgraded
	TargetCooperatives   = "cooperatives"    // subjects that are HTX
	TargetSMEs           = "smes"            // subjects that are SMEs
	TargetCircular       = "circular"        // subjects with a circular value chain on a raw-material area
	TargetCrafts         = "crafts"          // traditional crafts with an OCOP product
	TargetModernChannels = "modern_channels" // subjects in a modern sales channel
	TargetTrained        = "trained"         // subjects and officers trained
	TargetShowrooms      = "showrooms"       // OCOP showrooms
)

// TargetKeys lists the known target keys in their usual order.
var TargetKeys = []string{TargetRecognised, TargetCentral, TargetUpgraded, TargetCooperatives, TargetSMEs,
	TargetCircular, TargetCrafts, TargetModernChannels, TargetTrained, TargetShowrooms}

// percentTargets are the keys measured as a share; the others are counts.
var percentTargets = map[string]bool{TargetUpgraded: true, TargetCooperatives: true, TargetSMEs: true,
	TargetCircular: true, TargetCrafts: true, TargetModernChannels: true, TargetTrained: true}

// Unit is how a target is measured.
type Unit string

const (
	UnitCount   Unit = "count"   // a number of products or showrooms
	UnitPercent Unit = "percent" // a share, in percent
)

// Plan is a province's OCOP plan: where it applies, its targets, its budget
// and its list of traditional crafts. Plans come from DefaultPlan or
// LoadPlan, which validate them; they are immutable once loaded.
type Plan struct {
	ID         string   `json:"id"`
	Province   Province `json:"province"`
	Instrument string   `json:"instrument"` // "Kế hoạch 2454/KH-UBND"
	Signed     string   `json:"signed"`     // YYYY-MM-DD
	Title      string   `json:"title"`
	Period     struct {
		From int `json:"from"`
		To   int `json:"to"`
	} `json:"period"`
	// Area says which communes the plan's figures cover: those whose former
	// province (before 1/7/2025) is FormerProvince.
	Area struct {
		FormerProvince string `json:"former_province"`
		Note           string `json:"note"`
	} `json:"area"`
	Note    string   `json:"note"`
	Targets []Target `json:"targets"`
	Budget  Budget   `json:"budget"`
	Crafts  struct {
		// Editable marks a list the province is expected to confirm.
		Editable bool    `json:"editable"`
		Note     string  `json:"note"`
		List     []Craft `json:"list"`
	} `json:"crafts"`

	signed time.Time
	crafts [][][]string // folded words of each craft's keywords
}

// Province names the province that runs the plan.
type Province struct {
	Name string `json:"name"` // "Tây Ninh"
	Code string `json:"code"` // "80"
}

// Target is one of the plan's targets for the end of its period: a
// minimum, or a range when Max is set.
type Target struct {
	Key        string  `json:"key"`
	Label      string  `json:"label"`      // Vietnamese, shown beside the figure
	Definition string  `json:"definition"` // how the bot counts it, shown on request
	Unit       Unit    `json:"unit"`
	Min        float64 `json:"min"`
	Max        float64 `json:"max,omitempty"` // 0: no upper bound
}

// Budget is the plan's budget (Phụ lục I and II), in million VND.
type Budget struct {
	Unit       string            `json:"unit"`
	Sources    []BudgetSource    `json:"sources"`
	Activities []Activity        `json:"activities"`
	YearTotals map[string]Money  `json:"year_totals"`
	Total      Money             `json:"total"`
	bySource   map[string]Money  // total per source, filled at load
	years      []int             // the years of the plan's budget, sorted
	yearTotals map[int]Money     // YearTotals by number
	sourceName map[string]string // source id -> name
}

// BudgetSource is a source of money: the central budget, the province's...
type BudgetSource struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Activity is a budget line of the plan: an activity and its money by year.
type Activity struct {
	ID       int              `json:"id"`
	Name     string           `json:"name"`
	Source   string           `json:"source"` // in words, as the plan puts it
	Years    map[string]Money `json:"years"`
	Total    Money            `json:"total"`
	BySource map[string]Money `json:"by_source"`
}

// Year returns the activity's money for a year, 0 when none.
func (a Activity) Year(y int) Money { return a.Years[strconv.Itoa(y)] }

// Craft is a traditional craft of the plan's list.
type Craft struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Keywords []string `json:"keywords"`
}

// DefaultPlan returns the embedded Tây Ninh plan 2023–2025. It parses and
// validates the file on every call; load once and share the result.
func DefaultPlan() (*Plan, error) { return LoadPlan(bytes.NewReader(planTayNinh)) }

// LoadPlan reads and validates a plan file (JSON; see
// domain/plans/tay-ninh-2023-2025.json for the format). Unknown fields are
// refused so that a typo is not silently ignored.
//
// Checks: the province, instrument, period and area are given; target keys
// are known and unique, with a label, a definition, the unit of their key
// and a sensible minimum and maximum; budget activities have unique ids,
// years inside the period, and add up: each activity's years to its total,
// its sources to its total, the activities of each year to that year's
// total, and the years to the plan's total; craft ids are unique and every
// craft has a keyword. Texts are stored cleaned (NFC).
//
// Bad data gives a KindInvalid *Error that says what is wrong; a failing
// reader gives a KindInternal one.
func LoadPlan(r io.Reader) (*Plan, error) {
	const op = "plan.load"
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, E(op, KindInternal, err)
	}
	var p Plan
	if err := decodeStrict(data, &p); err != nil {
		return nil, E(op, KindInvalid, err)
	}
	if err := p.check(); err != nil {
		return nil, E(op, KindInvalid, fmt.Errorf("plan %q: %w", p.ID, err))
	}
	return &p, nil
}

func (p *Plan) check() error {
	p.ID = Clean(p.ID)
	p.Province.Name, p.Province.Code = Clean(p.Province.Name), Clean(p.Province.Code)
	p.Instrument, p.Title, p.Note = Clean(p.Instrument), Clean(p.Title), Clean(p.Note)
	p.Area.FormerProvince, p.Area.Note = Clean(p.Area.FormerProvince), Clean(p.Area.Note)
	switch {
	case p.ID == "":
		return errors.New("id is empty")
	case p.Province.Name == "":
		return errors.New("province.name is empty")
	case p.Province.Code == "" || !isDigits(p.Province.Code):
		return fmt.Errorf("province.code %q: want digits", p.Province.Code)
	case p.Instrument == "":
		return errors.New("instrument is empty")
	case p.Period.From < 2000 || p.Period.To < p.Period.From || p.Period.To-p.Period.From > 20:
		return fmt.Errorf("period %d–%d: want years from 2000 on, from ≤ to", p.Period.From, p.Period.To)
	case p.Area.FormerProvince == "":
		return errors.New("area.former_province is empty (the province whose former communes the plan covers)")
	}
	if p.Signed != "" {
		t, err := time.Parse(time.DateOnly, p.Signed)
		if err != nil {
			return fmt.Errorf("signed %q: want YYYY-MM-DD", p.Signed)
		}
		p.signed = t
	}
	if err := p.checkTargets(); err != nil {
		return err
	}
	if err := p.checkBudget(); err != nil {
		return fmt.Errorf("budget: %w", err)
	}
	return p.checkCrafts()
}

func (p *Plan) checkTargets() error {
	seen := map[string]bool{}
	for i := range p.Targets {
		t := &p.Targets[i]
		t.Key, t.Label, t.Definition = Clean(t.Key), Clean(t.Label), Clean(t.Definition)
		if !slices.Contains(TargetKeys, t.Key) {
			return fmt.Errorf("target %q: unknown key (known: %s)", t.Key, strings.Join(TargetKeys, ", "))
		}
		if seen[t.Key] {
			return fmt.Errorf("target %q listed twice", t.Key)
		}
		seen[t.Key] = true
		want := UnitCount
		if percentTargets[t.Key] {
			want = UnitPercent
		}
		switch {
		case t.Label == "" || t.Definition == "":
			return fmt.Errorf("target %q: label and definition must not be empty", t.Key)
		case t.Unit != want:
			return fmt.Errorf("target %q: unit %q, want %q", t.Key, t.Unit, want)
		case t.Min < 0 || (t.Max != 0 && t.Max < t.Min):
			return fmt.Errorf("target %q: want 0 ≤ min ≤ max", t.Key)
		case t.Unit == UnitPercent && (t.Min > 100 || t.Max > 100):
			return fmt.Errorf("target %q: a percentage above 100", t.Key)
		}
	}
	return nil
}

func (p *Plan) checkBudget() error {
	b := &p.Budget
	b.sourceName = map[string]string{}
	for _, s := range b.Sources {
		if s.ID == "" || Clean(s.Name) == "" {
			return errors.New("a source needs an id and a name")
		}
		if _, dup := b.sourceName[s.ID]; dup {
			return fmt.Errorf("source %q listed twice", s.ID)
		}
		b.sourceName[s.ID] = Clean(s.Name)
	}
	b.yearTotals = map[int]Money{}
	for ys, m := range b.YearTotals {
		y, err := strconv.Atoi(ys)
		if err != nil || y < p.Period.From || y > p.Period.To {
			return fmt.Errorf("year_totals: year %q is not in the period %d–%d", ys, p.Period.From, p.Period.To)
		}
		b.yearTotals[y] = m
		b.years = append(b.years, y)
	}
	sort.Ints(b.years)
	byYear := map[int]Money{}
	b.bySource = map[string]Money{}
	ids := map[int]bool{}
	var sum Money
	for i := range b.Activities {
		a := &b.Activities[i]
		a.Name, a.Source = Clean(a.Name), Clean(a.Source)
		if a.ID <= 0 || ids[a.ID] {
			return fmt.Errorf("activity %d: ids are positive and unique", a.ID)
		}
		ids[a.ID] = true
		if a.Name == "" {
			return fmt.Errorf("activity %d: empty name", a.ID)
		}
		var total Money
		for ys, m := range a.Years {
			y, err := strconv.Atoi(ys)
			if err != nil || y < p.Period.From || y > p.Period.To {
				return fmt.Errorf("activity %d: year %q is not in the period %d–%d", a.ID, ys, p.Period.From, p.Period.To)
			}
			if m < 0 {
				return fmt.Errorf("activity %d: negative amount in %d", a.ID, y)
			}
			if _, ok := b.yearTotals[y]; !ok {
				return fmt.Errorf("activity %d: year %d has no entry in year_totals", a.ID, y)
			}
			total += m
			byYear[y] += m
		}
		if total != a.Total {
			return fmt.Errorf("activity %d: the years add up to %s, not to its total %s", a.ID, FormatMoney(total), FormatMoney(a.Total))
		}
		if len(a.BySource) > 0 {
			var src Money
			for id, m := range a.BySource {
				if _, ok := b.sourceName[id]; !ok {
					return fmt.Errorf("activity %d: unknown source %q", a.ID, id)
				}
				src += m
				b.bySource[id] += m
			}
			if src != a.Total {
				return fmt.Errorf("activity %d: the sources add up to %s, not to its total %s", a.ID, FormatMoney(src), FormatMoney(a.Total))
			}
		}
		sum += a.Total
	}
	for _, y := range b.years {
		if byYear[y] != b.yearTotals[y] {
			return fmt.Errorf("year %d: the activities add up to %s, not to the year's total %s", y, FormatMoney(byYear[y]), FormatMoney(b.yearTotals[y]))
		}
	}
	var years Money
	for _, y := range b.years {
		years += b.yearTotals[y]
	}
	if years != b.Total || sum != b.Total {
		return fmt.Errorf("total %s: the years add up to %s and the activities to %s", FormatMoney(b.Total), FormatMoney(years), FormatMoney(sum))
	}
	return nil
}

func (p *Plan) checkCrafts() error {
	seen := map[string]bool{}
	p.Crafts.Note = Clean(p.Crafts.Note)
	p.crafts = make([][][]string, len(p.Crafts.List))
	for i := range p.Crafts.List {
		c := &p.Crafts.List[i]
		c.ID, c.Name = Clean(c.ID), Clean(c.Name)
		if c.ID == "" || c.Name == "" || seen[c.ID] {
			return fmt.Errorf("craft %q: ids are unique and names not empty", c.ID)
		}
		seen[c.ID] = true
		for _, k := range c.Keywords {
			if w := splitWords(Fold(k)); len(w) > 0 {
				p.crafts[i] = append(p.crafts[i], w)
			}
		}
		if len(p.crafts[i]) == 0 {
			return fmt.Errorf("craft %q: no keyword", c.ID)
		}
	}
	return nil
}

// SignedOn returns the day the plan was signed, zero when unknown.
func (p *Plan) SignedOn() time.Time { return p.signed }

// Target returns the plan's target of a key.
func (p *Plan) Target(key string) (Target, bool) {
	for _, t := range p.Targets {
		if t.Key == key {
			return t, true
		}
	}
	return Target{}, false
}

// InArea reports whether a commune is in the plan's area.
func (p *Plan) InArea(c Commune) bool { return c.FromProvince(p.Area.FormerProvince) }

// AreaCommunes returns the codes of the places' communes in the plan's
// area, in the order of the places file.
func (p *Plan) AreaCommunes(places *Places) []string {
	var out []string
	for _, c := range places.communes {
		if p.InArea(c) {
			out = append(out, c.Code)
		}
	}
	return out
}

// HasYear reports whether a year is one of the plan's budget years.
func (p *Plan) HasYear(y int) bool { return slices.Contains(p.Budget.years, y) }

// Years returns the years of the plan's budget, oldest first.
func (b Budget) Years() []int { return slices.Clone(b.years) }

// YearTotal returns the planned money of a year.
func (b Budget) YearTotal(y int) Money { return b.yearTotals[y] }

// SourceTotal returns the planned money of a source.
func (b Budget) SourceTotal(id string) Money { return b.bySource[id] }

// SourceName returns the name of a source, or its id.
func (b Budget) SourceName(id string) string {
	if n, ok := b.sourceName[id]; ok {
		return n
	}
	return id
}

// Activity returns the budget line of an activity id.
func (b Budget) Activity(id int) (Activity, bool) {
	for _, a := range b.Activities {
		if a.ID == id {
			return a, true
		}
	}
	return Activity{}, false
}

// MatchCrafts returns the ids of the plan's crafts named by at least one of
// texts (a product's traditional craft, as the producer wrote it): a craft
// matches when the text holds one of its keywords as whole words, with or
// without diacritics.
func (p *Plan) MatchCrafts(texts []string) []string {
	hit := make([]bool, len(p.Crafts.List))
	for _, t := range texts {
		words := splitWords(Fold(t))
		for i, kws := range p.crafts {
			for _, kw := range kws {
				if containsWords(words, kw) {
					hit[i] = true
				}
			}
		}
	}
	var out []string
	for i, c := range p.Crafts.List {
		if hit[i] {
			out = append(out, c.ID)
		}
	}
	return out
}

// containsWords reports whether words holds phrase as consecutive words.
func containsWords(words, phrase []string) bool {
	for i := 0; i+len(phrase) <= len(words); i++ {
		if slices.Equal(words[i:i+len(phrase)], phrase) {
			return true
		}
	}
	return false
}
