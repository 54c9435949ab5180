package domain

import (
	"sort"
	"time"
)

// Area selects the communes a figure is computed over. All covers every
// commune (the whole province); otherwise only Communes (official codes),
// and an empty list selects nothing.
type Area struct {
	All      bool
	Communes []string
}

// Has reports whether the area covers a commune.
func (a Area) Has(code string) bool {
	if a.All {
		return true
	}
	for _, c := range a.Communes {
		if c == code {
			return true
		}
	}
	return false
}

// Intersect returns the communes of a that are also in b.
func (a Area) Intersect(b Area) Area {
	switch {
	case a.All:
		return b
	case b.All:
		return a
	}
	out := Area{Communes: []string{}}
	for _, c := range a.Communes {
		if b.Has(c) {
			out.Communes = append(out.Communes, c)
		}
	}
	return out
}

// FigureCounts are the raw counts behind the plan's figures over one area,
// as the store computes them (see each field for the exact rule).
type FigureCounts struct {
	// Products in the area, whatever their stage.
	Products int
	// Recognised: stars ≥ 3 and a certificate that expires after now, in a
	// stage other than expired or revoked.
	Recognised int
	// Central: in stage trung_uong_danh_gia, or 5★ and not revoked.
	Central int
	// Rated: ever recognised (a stage change into cong_nhan).
	Rated int
	// Upgraded: rated products whose history has a move into danh_gia_lai
	// or nang_hang followed later by a move into cong_nhan.
	Upgraded int
	// Subjects registered in the area, and among them those of each kind.
	Subjects, Cooperatives, SMEs int
	// Circular: subjects with a product flagged both circular and with a
	// stable raw-material area.
	Circular int
	// Modern: subjects with at least one modern sales channel.
	Modern int
	// CraftTexts are the traditional crafts written on recognised products.
	CraftTexts []string
	// Officers: every officer for the whole province; the commune
	// officers scoped to one of the area's communes otherwise.
	Officers int
	// Showrooms opened on or before now in the area's communes (and those
	// of no known commune).
	Showrooms int
	// Trained is nil while there is no attendance data; otherwise the
	// subjects and officers who attended a training over Subjects+Officers.
	Trained *Ratio
	// Breakdowns of the area's products.
	ByCommune map[string]int // commune code -> products
	BySet     []SetCount     // products by rulebook and product set
	ByStage   map[Stage]int  // products by stage
	ByStars   map[int]int    // recognised products by stars (3, 4, 5)
}

// SetCount is the number of products of one product set of a rulebook.
type SetCount struct {
	Rulebook string
	Set      int
	N        int
}

// Ratio is a share: Num of Den.
type Ratio struct{ Num, Den int }

// FigureValue is one of the plan's targets beside today's value.
type FigureValue struct {
	Target Target
	// Known is false when there is no data to compute the value from (no
	// attendance recorded yet, or a share of nothing): the figure is "no
	// data", never 0%.
	Known bool
	// Value is the count, or the share in percent.
	Value float64
	// Num and Den are the parts of a share.
	Num, Den int
	// Met reports whether the value reaches the target's minimum.
	Met bool
}

// Evaluate puts today's counts beside each of the plan's targets, in the
// plan's order.
func (p *Plan) Evaluate(c FigureCounts) []FigureValue {
	out := make([]FigureValue, 0, len(p.Targets))
	for _, t := range p.Targets {
		v := FigureValue{Target: t, Known: true}
		count := func(n int) { v.Value = float64(n) }
		share := func(num, den int) {
			v.Num, v.Den = num, den
			if den == 0 {
				v.Known = false
				return
			}
			v.Value = 100 * float64(num) / float64(den)
		}
		switch t.Key {
		case TargetRecognised:
			count(c.Recognised)
		case TargetCentral:
			count(c.Central)
		case TargetUpgraded:
			share(c.Upgraded, c.Rated)
		case TargetCooperatives:
			share(c.Cooperatives, c.Subjects)
		case TargetSMEs:
			share(c.SMEs, c.Subjects)
		case TargetCircular:
			share(c.Circular, c.Subjects)
		case TargetCrafts:
			share(len(p.MatchCrafts(c.CraftTexts)), len(p.Crafts.List))
		case TargetModernChannels:
			share(c.Modern, c.Subjects)
		case TargetTrained:
			if c.Trained == nil {
				v.Known = false
			} else {
				share(c.Trained.Num, c.Trained.Den)
			}
		case TargetShowrooms:
			count(c.Showrooms)
		}
		// A tolerance for the rounding of shares such as 1/3.
		v.Met = v.Known && v.Value+1e-9 >= t.Min
		out = append(out, v)
	}
	return out
}

// GroupCount is the number of products of a product group.
type GroupCount struct {
	Group int    // 0 for products whose group is not known
	Name  string // the group's name in the rulebook
	N     int
}

// ByGroup adds up products by set into products by group: a set is looked up
// in its own rulebook, or, when that rulebook does not know its sets
// (qd148-2023), in the rulebook in force on day. The result is in the order
// of the groups, with the unknown group (0) last when it has products.
func (rs *Rulebooks) ByGroup(sets []SetCount, day time.Time) []GroupCount {
	current := rs.catalogue(day)
	n := map[int]int{}
	for _, sc := range sets {
		g := 0
		if s, _, ok := setIn(sc.Set, current, rs.byID[sc.Rulebook]); ok {
			g = s.Group
		}
		n[g] += sc.N
	}
	var out []GroupCount
	if current != nil {
		for _, g := range current.Groups {
			out = append(out, GroupCount{Group: g.ID, Name: g.Name, N: n[g.ID]})
			delete(n, g.ID)
		}
	}
	rest := 0
	for _, k := range sortedKeys(n) {
		rest += n[k]
	}
	if rest > 0 {
		out = append(out, GroupCount{Group: 0, N: rest})
	}
	return out
}

// catalogue is the rulebook whose list of sets reads a set number that a
// product's own rulebook does not list: the one in force on day, else the
// newest.
func (rs *Rulebooks) catalogue(day time.Time) *Rulebook {
	current := rs.InForce(day)
	if current == nil && len(rs.books) > 0 {
		current = rs.books[len(rs.books)-1]
	}
	return current
}

// setIn looks set up in the product's own rulebooks, then in current.
func setIn(set int, current *Rulebook, own ...*Rulebook) (ProductSet, *Rulebook, bool) {
	for _, r := range append(own, current) {
		if r == nil {
			continue
		}
		if s, ok := r.Set(set); ok {
			return s, r, true
		}
	}
	return ProductSet{}, nil, false
}

// SetOf returns the product set p's number names and the rulebook that
// lists it: p's own rulebook (or its certificate's), else the catalogue in
// force on day. A rulebook without its list of sets (qd148-2023) leaves
// the number to today's catalogue, as `ocopbot import` read it and the
// figures group it (ByGroup), so that a card and the figures agree.
func (rs *Rulebooks) SetOf(p Product, day time.Time) (ProductSet, *Rulebook, bool) {
	return setIn(p.Set, rs.catalogue(day), rs.byID[p.Rulebook], rs.byID[p.CertRules])
}

func sortedKeys(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// Showroom is an OCOP showroom (điểm giới thiệu và bán sản phẩm OCOP)
// recorded by an officer.
type Showroom struct {
	ID      int64
	Name    string
	Address string
	Opened  time.Time // the opening day, midnight in the province's time zone
	// CommuneCode is the commune it is in; "" for one recorded before
	// showrooms had a commune (it counts in every area).
	CommuneCode string
	By          int64     // the officer's user id
	At          time.Time // when it was recorded
}
