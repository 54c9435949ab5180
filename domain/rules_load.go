package domain

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"
)

// rulebookFile is the JSON form of a rulebook (rules/*.json). Dates are
// YYYY-MM-DD; the nested values have the JSON form of their types.
type rulebookFile struct {
	ID             string       `json:"id"`
	Instrument     string       `json:"instrument"`
	Signed         string       `json:"signed"`
	From           string       `json:"from"`
	Until          string       `json:"until"`
	Full           bool         `json:"full"`
	Note           string       `json:"note"`
	Unknown        []string     `json:"unknown"`
	Parts          []Part       `json:"parts"`
	Bands          []Band       `json:"bands"`
	Recognised     []int        `json:"recognised"`
	ValidityMonths int          `json:"validity_months"`
	Certifiers     []Certifier  `json:"certifiers"`
	Groups         []Group      `json:"groups"`
	Items          []Item       `json:"items"`
	Stages         []Stage      `json:"stages"`
	Transitions    []Transition `json:"transitions"`
	Deadlines      *Deadlines   `json:"deadlines"`
}

// Limits of the data, to keep labels fit for buttons and catch slips.
const (
	maxShortLabel = 16 // runes of an item's button label
	maxStars      = 5
)

// The forms of ids: a rulebook's ("qd26-2026") and an item's ("mau_sp").
var (
	rulebookIDForm = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	itemIDForm     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// parseRulebook decodes and validates one rulebook file.
func parseRulebook(data []byte) (*Rulebook, error) {
	var f rulebookFile
	if err := decodeStrict(data, &f); err != nil {
		return nil, err
	}
	r := &Rulebook{
		ID: f.ID, Instrument: f.Instrument, Full: f.Full, Note: f.Note, Unknown: f.Unknown,
		Parts: f.Parts, Bands: f.Bands, RecognisedStars: f.Recognised, ValidityMonths: f.ValidityMonths,
		Certifiers: f.Certifiers, Groups: f.Groups, Items: f.Items, Stages: f.Stages,
		Transitions: f.Transitions, Deadlines: f.Deadlines,
	}
	if !rulebookIDForm.MatchString(r.ID) {
		return nil, fmt.Errorf("id %q: want lower-case letters, digits and dashes", r.ID)
	}
	checks := []func() error{func() error { return r.readDates(f) }, r.checkTexts, r.checkScoring, r.checkSets, r.checkItems, r.checkStages, r.checkDeadlines, r.checkFull}
	for _, check := range checks {
		if err := check(); err != nil {
			return nil, fmt.Errorf("%s: %w", r.ID, err)
		}
	}
	r.index()
	return r, nil
}

// readDates fills Signed, From and Until.
func (r *Rulebook) readDates(f rulebookFile) error {
	loc := vietnam()
	read := func(field, s string, required bool) (civilDate, bool, error) {
		if s == "" {
			if required {
				return civilDate{}, false, fmt.Errorf("no %s date", field)
			}
			return civilDate{}, false, nil
		}
		d, err := parseCivilDate(s)
		if err != nil {
			return civilDate{}, false, fmt.Errorf("%s: %w", field, err)
		}
		return d, true, nil
	}
	signed, _, err := read("signed", f.Signed, true)
	if err != nil {
		return err
	}
	from, _, err := read("from", f.From, true)
	if err != nil {
		return err
	}
	until, hasUntil, err := read("until", f.Until, false)
	if err != nil {
		return err
	}
	if from.before(signed) {
		return fmt.Errorf("in force from %s, before it was signed on %s", from, signed)
	}
	r.Signed, r.From = signed.in(loc), from.in(loc)
	if hasUntil {
		if until.before(from) {
			return fmt.Errorf("in force until %s, before it starts on %s", until, from)
		}
		r.Until = until.in(loc)
	}
	return nil
}

// checkTexts checks the texts of the rulebook itself.
func (r *Rulebook) checkTexts() error {
	if err := cleanText("instrument", r.Instrument, true); err != nil {
		return err
	}
	if err := cleanText("note", r.Note, false); err != nil {
		return err
	}
	for _, u := range r.Unknown {
		if err := cleanText("unknown", u, true); err != nil {
			return err
		}
	}
	return nil
}

// checkScoring checks parts, bands, recognised stars, validity and
// certifiers.
func (r *Rulebook) checkScoring() error {
	if len(r.Parts) > 0 {
		sum, ids := 0, map[string]bool{}
		for _, p := range r.Parts {
			if p.ID == "" || ids[p.ID] {
				return fmt.Errorf("part %q: empty or twice", p.ID)
			}
			ids[p.ID] = true
			if err := cleanText("part "+p.ID, p.Name, true); err != nil {
				return err
			}
			if p.Points <= 0 {
				return fmt.Errorf("part %s: %d points", p.ID, p.Points)
			}
			sum += p.Points
		}
		if sum != MaxScore {
			return fmt.Errorf("parts add up to %d points, not %d", sum, MaxScore)
		}
	}

	if len(r.Bands) == 0 {
		return errors.New("no star bands")
	}
	bands := slices.Clone(r.Bands)
	slices.SortFunc(bands, func(a, b Band) int { return cmp.Compare(a.Min, b.Min) })
	if !slices.Equal(bands, r.Bands) {
		return errors.New("bands: list them lowest first")
	}
	if r.Bands[0].Min != 0 {
		return fmt.Errorf("bands start at %v, not 0", r.Bands[0].Min)
	}
	for i, b := range r.Bands {
		if b.Min >= b.Max {
			return fmt.Errorf("band %d★: from %v to %v", b.Stars, b.Min, b.Max)
		}
		if b.Stars < 1 || b.Stars > maxStars || i > 0 && b.Stars <= r.Bands[i-1].Stars {
			return fmt.Errorf("band %d★: stars must rise from 1 to %d with the score", b.Stars, maxStars)
		}
		if i > 0 && r.Bands[i-1].Max != b.Min {
			return fmt.Errorf("bands %d★ and %d★: gap or overlap between %v and %v",
				r.Bands[i-1].Stars, b.Stars, r.Bands[i-1].Max, b.Min)
		}
	}
	if top := r.Bands[len(r.Bands)-1].Max; top != MaxScore {
		return fmt.Errorf("bands end at %v, not %d", top, MaxScore)
	}

	if len(r.RecognisedStars) == 0 {
		return errors.New("no recognised star levels")
	}
	for i, s := range r.RecognisedStars {
		if !slices.ContainsFunc(r.Bands, func(b Band) bool { return b.Stars == s }) || slices.Contains(r.RecognisedStars[:i], s) {
			return fmt.Errorf("recognised %d★: not a band, or twice", s)
		}
	}
	if r.ValidityMonths <= 0 {
		return fmt.Errorf("validity of %d months", r.ValidityMonths)
	}

	certified := map[int]bool{}
	for _, c := range r.Certifiers {
		if !c.Level.authority() {
			return fmt.Errorf("certifier %q: level %q is not district, province or central", c.By, c.Level)
		}
		if err := cleanText("certifier", c.By, true); err != nil {
			return err
		}
		if len(c.Stars) == 0 {
			return fmt.Errorf("certifier %q: no star levels", c.By)
		}
		for _, s := range c.Stars {
			if !r.Recognised(s) || certified[s] {
				return fmt.Errorf("certifier %q: %d★ is not recognised, or has another certifier", c.By, s)
			}
			certified[s] = true
		}
	}
	for _, s := range r.RecognisedStars {
		if !certified[s] {
			return fmt.Errorf("no certifier for %d★", s)
		}
	}
	return nil
}

// checkSets checks groups, sub-groups and sets.
func (r *Rulebook) checkSets() error {
	groups, sets := map[int]bool{}, map[int]bool{}
	for gi, g := range r.Groups {
		if g.ID != gi+1 {
			return fmt.Errorf("group %q has id %d; number groups 1, 2, … in order", g.Name, g.ID)
		}
		groups[g.ID] = true
		if err := cleanText(fmt.Sprintf("group %d", g.ID), g.Name, true); err != nil {
			return err
		}
		if len(g.SubGroups) == 0 {
			return fmt.Errorf("group %d: no sub-groups", g.ID)
		}
		for _, sg := range g.SubGroups {
			if err := cleanText(fmt.Sprintf("sub-group of group %d", g.ID), sg.Name, true); err != nil {
				return err
			}
			if len(sg.Sets) == 0 && r.Full {
				return fmt.Errorf("sub-group %q: no product sets", sg.Name)
			}
			for _, s := range sg.Sets {
				if s.ID < 1 || sets[s.ID] {
					return fmt.Errorf("set %d (%s): id below 1 or twice", s.ID, s.Name)
				}
				sets[s.ID] = true
				if err := cleanText(fmt.Sprintf("set %d", s.ID), s.Name, true); err != nil {
					return err
				}
				for _, kw := range s.Keywords {
					if err := cleanText(fmt.Sprintf("keyword of set %d", s.ID), kw, true); err != nil {
						return err
					}
				}
			}
		}
	}
	for id := range sets {
		if id > len(sets) {
			return fmt.Errorf("set %d: number the sets 1 to %d without gaps", id, len(sets))
		}
	}
	return nil
}

// checkItems checks the dossier items.
func (r *Rulebook) checkItems() error {
	hasSets := false
	for _, g := range r.Groups {
		for _, sg := range g.SubGroups {
			hasSets = hasSets || len(sg.Sets) > 0
		}
	}
	setExists := func(id int) bool {
		for _, g := range r.Groups {
			for _, sg := range g.SubGroups {
				if slices.ContainsFunc(sg.Sets, func(s ProductSet) bool { return s.ID == id }) {
					return true
				}
			}
		}
		return false
	}
	ids := map[string]bool{}
	for _, it := range r.Items {
		if !itemIDForm.MatchString(it.ID) || ids[it.ID] {
			return fmt.Errorf("item %q: id not of lower-case ascii letters, digits and _, or twice", it.ID)
		}
		ids[it.ID] = true
		if !it.Kind.Valid() {
			return fmt.Errorf("item %s: kind %q is not mandatory, knockout or evidence", it.ID, it.Kind)
		}
		for _, t := range []struct {
			field, s string
			required bool
		}{
			{"short", it.Short, true}, {"name", it.Name, true}, {"help", it.Help, true},
			{"proves", it.Proves, it.Kind == ItemEvidence},
		} {
			if err := cleanText("item "+it.ID+" "+t.field, t.s, t.required); err != nil {
				return err
			}
		}
		if n := utf8.RuneCountInString(it.Short); n > maxShortLabel {
			return fmt.Errorf("item %s: short label %q has %d characters, more than %d", it.ID, it.Short, n, maxShortLabel)
		}
		if it.InPerson && (it.Paper || it.Conditional) {
			return fmt.Errorf("item %s: handed in person cannot also be paper or conditional", it.ID)
		}
		f := it.Sets
		n := 0
		for _, set := range [...]bool{f.All, len(f.Only) > 0, len(f.Except) > 0} {
			if set {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("item %s: sets must say exactly one of all, only, except", it.ID)
		}
		if !f.All && !hasSets {
			return fmt.Errorf("item %s: the rulebook has no product sets to choose from", it.ID)
		}
		for _, id := range slices.Concat(f.Only, f.Except) {
			if !setExists(id) {
				return fmt.Errorf("item %s: no product set %d", it.ID, id)
			}
		}
	}
	return nil
}

// checkStages checks the stages and transitions.
func (r *Rulebook) checkStages() error {
	for i, s := range r.Stages {
		if !stageKnown(s) || slices.Contains(r.Stages[:i], s) {
			return fmt.Errorf("stage %q: unknown to the code, or twice", s)
		}
	}
	type move struct{ from, to Stage }
	seen, reached := map[move]bool{}, map[Stage]bool{}
	for _, t := range r.Transitions {
		if !r.HasStage(t.From) || !r.HasStage(t.To) || t.From == t.To {
			return fmt.Errorf("transition %s → %s: not between two stages of the rulebook", t.From, t.To)
		}
		m := move{t.From, t.To}
		if seen[m] {
			return fmt.Errorf("transition %s → %s: twice", t.From, t.To)
		}
		seen[m] = true
		reached[t.To] = true
		if len(t.By) == 0 {
			return fmt.Errorf("transition %s → %s: nobody may make it", t.From, t.To)
		}
		for i, a := range t.By {
			if !a.Valid() || slices.Contains(t.By[:i], a) {
				return fmt.Errorf("transition %s → %s: actor %q unknown, or twice", t.From, t.To, a)
			}
		}
	}
	for i, s := range r.Stages {
		if i > 0 && !reached[s] {
			return fmt.Errorf("stage %s: no transition leads to it", s)
		}
	}
	return nil
}

// checkDeadlines checks the rounds and time limits.
func (r *Rulebook) checkDeadlines() error {
	d := r.Deadlines
	if d == nil {
		return nil
	}
	for _, rounds := range []struct {
		name string
		list []Round
	}{{"province", d.ProvinceRounds}, {"central", d.CentralRounds}} {
		for i, rd := range rounds.list {
			if !rd.Cutoff.valid() || !rd.DecidedBy.valid() || !rd.Cutoff.before(rd.DecidedBy) {
				return fmt.Errorf("%s round %s → %s: invalid days, or decided before the cut-off", rounds.name, rd.Cutoff, rd.DecidedBy)
			}
			if i > 0 && !rounds.list[i-1].Cutoff.before(rd.Cutoff) {
				return fmt.Errorf("%s rounds: list them in the order of the year", rounds.name)
			}
		}
	}
	if d.CommuneCheckDays < 0 {
		return fmt.Errorf("commune check of %d working days", d.CommuneCheckDays)
	}
	if w := d.Reevaluation; w != (Reevaluation{}) && (w.CloseDaysBefore < 0 || w.OpenDaysBefore <= w.CloseDaysBefore || w.DecideDays <= 0) {
		return fmt.Errorf("re-evaluation window %d–%d days before expiry, decided in %d days", w.OpenDaysBefore, w.CloseDaysBefore, w.DecideDays)
	}
	return nil
}

// checkFull checks that a full rulebook holds all a new dossier needs.
func (r *Rulebook) checkFull() error {
	if !r.Full {
		return nil
	}
	switch {
	case len(r.Parts) == 0:
		return errors.New("full but no scoring parts")
	case len(r.Groups) == 0:
		return errors.New("full but no product groups")
	case !slices.ContainsFunc(r.Items, func(it Item) bool { return it.Kind == ItemMandatory }):
		return errors.New("full but no mandatory dossier items")
	case len(r.Stages) == 0 || r.Stages[0] != StageIdea:
		return fmt.Errorf("full but its stages do not start with %s", StageIdea)
	case len(r.Transitions) == 0:
		return errors.New("full but no transitions")
	case r.Deadlines == nil || len(r.Deadlines.ProvinceRounds) == 0 || r.Deadlines.CommuneCheckDays == 0:
		return errors.New("full but no province rounds or commune check")
	case len(r.Unknown) > 0:
		return fmt.Errorf("full but it has unknown facts: %v", r.Unknown)
	}
	return nil
}

// cleanText checks that a text of the data is tidy: as Clean leaves it (NFC,
// one line, no stray spaces), and not blank when required.
func cleanText(field, s string, required bool) error {
	switch {
	case s == "" && !required:
		return nil
	case IsBlank(s):
		return fmt.Errorf("%s: empty", field)
	case Clean(s) != s:
		return fmt.Errorf("%s: %q is not in NFC on one line without stray spaces", field, s)
	}
	return nil
}
