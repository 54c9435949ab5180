package domain

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// rulebookFiles holds the embedded rulebooks, one JSON file per rulebook,
// named after its id (rules/qd26-2026.json).
//
//go:embed rules/qd*.json
var rulebookFiles embed.FS

// Rulebooks are the versions of the OCOP rules the bot knows (OCOP-RULES §1).
// The rules changed several times and certificates issued under older rules
// stay valid until their printed expiry, so each dossier and certificate
// keeps the id of the rulebook it was made under.
//
// Rulebooks and the Rulebook values they hand out are immutable once loaded
// and safe for concurrent use; callers must not modify them.
type Rulebooks struct {
	books []*Rulebook // by From, oldest first
	byID  map[string]*Rulebook
}

// Rulebook is one version of the rules: its legal instrument, the period it
// was in force, and, when Full, everything a dossier needs.
//
// Dates (Signed, From, Until) are calendar days at midnight in Vietnam's time
// (UTC+7, the offset of Asia/Ho_Chi_Minh since 1975); compare them as days.
//
// Rulebooks come from LoadRulebooks (or DefaultRulebooks), which validates
// them and builds the index behind Set, Sets, SearchSets and Checklist.
type Rulebook struct {
	ID         string    // stable id: "qd26-2026"
	Instrument string    // the legal instrument, to cite: "Quyết định 26/2026/QĐ-TTg"
	Signed     time.Time // the day the instrument was signed
	From       time.Time // first day in force
	Until      time.Time // last day in force; zero while in force with no end
	// Full reports whether the rulebook holds all a new dossier needs:
	// product sets, dossier items, stages and deadlines. Minimal rulebooks
	// only hold what certificates issued under them need (bands, validity,
	// who certifies).
	Full bool
	// Note says where the facts come from and what was decided where the
	// sources are silent.
	Note string
	// Unknown lists the facts the sources do not establish, in words:
	// "product sets", "deadlines". Empty for a complete rulebook.
	Unknown []string

	Parts []Part // the parts of the 100-point sheet
	Bands []Band // stars by score, lowest first, covering 0 to 100
	// RecognisedStars are the star levels given with a decision and a
	// certificate (3, 4, 5); the others are score bands only.
	RecognisedStars []int
	ValidityMonths  int         // certificate validity: 36
	Certifiers      []Certifier // who recognises each star level

	Groups []Group // product groups → sub-groups → product sets
	Items  []Item  // dossier items, in the order of the checklist within a kind

	Stages      []Stage      // the stages a product goes through, the first one first
	Transitions []Transition // the moves allowed between stages
	Deadlines   *Deadlines   // the rounds and time limits; nil when unknown

	sets  []ProductSet // all sets by id order, built at load
	setIx map[int]int  // set id -> index in sets
	keys  []setKey     // search keys of sets, by index
}

// DefaultRulebooks returns the embedded rulebooks (rules/qd*.json): the
// complete qd26-2026, qd148-2023 with what is unknown marked, and the minimal
// records of qd1048-2019 and qd148-1489-2025. It parses and validates the
// files on every call; load once and share the result.
func DefaultRulebooks() (*Rulebooks, error) {
	sub, err := fs.Sub(rulebookFiles, "rules")
	if err != nil {
		return nil, Errorf("rules.load", "%v", err)
	}
	return LoadRulebooks(sub)
}

// LoadRulebooks reads every *.json file at the root of fsys as a rulebook
// and validates each and all together. A file must be named after the id it
// holds ("qd26-2026.json"); unknown fields are refused so that a typo in a
// field name is not silently ignored. See the embedded files for the format.
//
// Checks: ids are unique and well formed; in-force periods do not overlap;
// bands cover 0 to 100 without gaps or overlaps; parts add up to 100; every
// recognised star level has one certifier; group, sub-group and set ids are
// unique (a full rulebook numbers its sets 1..n); items have unique ascii ids,
// a known kind, and refer only to sets that exist; stages and actors are ones
// the code knows and transitions refer only to the rulebook's stages; dates
// and deadlines are valid; texts are not blank and are stored in NFC.
//
// Bad data gives a KindInvalid *Error naming the file; a failing file system
// a KindInternal one.
func LoadRulebooks(fsys fs.FS) (*Rulebooks, error) {
	const op = "rules.load"
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, E(op, KindInternal, err)
	}
	rs := &Rulebooks{byID: map[string]*Rulebook{}}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, E(op, KindInternal, err)
		}
		r, err := parseRulebook(data)
		if err != nil {
			return nil, E(op, KindInvalid, fmt.Errorf("%s: %w", name, err))
		}
		if want := strings.TrimSuffix(path.Base(name), path.Ext(name)); r.ID != want {
			return nil, E(op, KindInvalid, fmt.Errorf("%s: holds rulebook %q; name the file after its id", name, r.ID))
		}
		if _, dup := rs.byID[r.ID]; dup {
			return nil, E(op, KindInvalid, fmt.Errorf("%s: rulebook %q twice", name, r.ID))
		}
		rs.byID[r.ID] = r
		rs.books = append(rs.books, r)
	}
	if len(rs.books) == 0 {
		return nil, E(op, KindInvalid, fmt.Errorf("no rulebook files"))
	}
	slices.SortFunc(rs.books, func(a, b *Rulebook) int { return a.From.Compare(b.From) })
	for i := 1; i < len(rs.books); i++ {
		prev, r := rs.books[i-1], rs.books[i]
		if prev.Until.IsZero() || !prev.Until.Before(r.From) {
			return nil, E(op, KindInvalid, fmt.Errorf("%s is in force until %s, not before %s starts on %s",
				prev.ID, dayString(prev.Until), r.ID, dayString(r.From)))
		}
	}
	return rs, nil
}

// Get returns the rulebook of an id.
func (rs *Rulebooks) Get(id string) (*Rulebook, bool) {
	r, ok := rs.byID[id]
	return r, ok
}

// All returns every rulebook, oldest first.
func (rs *Rulebooks) All() []*Rulebook { return slices.Clone(rs.books) }

// InForce returns the rulebook in force on day (the calendar day day falls
// on in its own location), or nil before the oldest one.
func (rs *Rulebooks) InForce(day time.Time) *Rulebook {
	d := civilDateOf(day)
	for i := len(rs.books) - 1; i >= 0; i-- {
		r := rs.books[i]
		if d.before(civilDateOf(r.From)) {
			continue
		}
		if !r.Until.IsZero() && civilDateOf(r.Until).before(d) {
			return nil // in the gap after the newest that ended
		}
		return r
	}
	return nil
}

// ForNewDossier returns the rulebook a dossier created on day takes: the
// one pinned by id (the RULES setting) when pinned is not "", else the one in
// force on day.
//
// A pinned rulebook must exist and be Full (a KindInvalid error otherwise),
// since a dossier needs its product sets and checklist. By date, the rulebook
// in force is returned whether or not it is Full (from 22/5/2026 that is
// qd26-2026); a day before every rulebook gives a KindNotFound error.
func (rs *Rulebooks) ForNewDossier(day time.Time, pinned string) (*Rulebook, error) {
	const op = "rules.new_dossier"
	if pinned != "" {
		r, ok := rs.byID[pinned]
		if !ok {
			return nil, E(op, KindInvalid, fmt.Errorf("no rulebook %q (known: %s)", pinned, strings.Join(rs.ids(), ", ")))
		}
		if !r.Full {
			return nil, E(op, KindInvalid, fmt.Errorf("rulebook %q is not complete enough for new dossiers (full ones: %s)",
				pinned, strings.Join(rs.fullIDs(), ", ")))
		}
		return r, nil
	}
	r := rs.InForce(day)
	if r == nil {
		return nil, E(op, KindNotFound, fmt.Errorf("no rulebook in force on %s", dayString(day)))
	}
	return r, nil
}

func (rs *Rulebooks) ids() []string {
	out := make([]string, len(rs.books))
	for i, r := range rs.books {
		out[i] = r.ID
	}
	return out
}

func (rs *Rulebooks) fullIDs() []string {
	var out []string
	for _, r := range rs.books {
		if r.Full {
			out = append(out, r.ID)
		}
	}
	return out
}

// InForceOn reports whether r was in force on day.
func (r *Rulebook) InForceOn(day time.Time) bool {
	d := civilDateOf(day)
	return !d.before(civilDateOf(r.From)) && (r.Until.IsZero() || !civilDateOf(r.Until).before(d))
}

// vietnam returns Vietnam's time zone as a fixed offset: UTC+7, unchanged
// since 1975, so no time zone database is needed.
func vietnam() *time.Location { return time.FixedZone("ICT", 7*60*60) }

// dayString writes a day the Vietnamese way: 22/5/2026.
func dayString(t time.Time) string {
	y, m, d := t.Date()
	return fmt.Sprintf("%d/%d/%d", d, m, y)
}
