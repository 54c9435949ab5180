package domain

import (
	"strings"
	"testing"
	"time"
)

// TestDefaultPlanMatchesRules checks the embedded plan against OCOP-RULES §8:
// Kế hoạch 2454/KH-UBND, 2023–2025, the area of old Tây Ninh, the targets and
// the budget of Phụ lục I and II (41.692 million VND).
func TestDefaultPlanMatchesRules(t *testing.T) {
	p, err := DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	if p.Province.Name != "Tây Ninh" || p.Instrument != "Kế hoạch 2454/KH-UBND" || p.Signed != "2023-08-04" ||
		p.Period.From != 2023 || p.Period.To != 2025 || p.Area.FormerProvince != "Tỉnh Tây Ninh" {
		t.Errorf("plan header = %+v", p)
	}
	targets := map[string][2]float64{ // min, max
		TargetRecognised: {100, 120}, TargetCentral: {2, 3}, TargetUpgraded: {50, 0}, TargetCooperatives: {40, 0},
		TargetSMEs: {30, 0}, TargetCircular: {30, 0}, TargetCrafts: {50, 0}, TargetModernChannels: {50, 0},
		TargetTrained: {100, 0}, TargetShowrooms: {1, 0},
	}
	if len(p.Targets) != len(targets) {
		t.Errorf("%d targets, want %d", len(p.Targets), len(targets))
	}
	for key, want := range targets {
		tg, ok := p.Target(key)
		if !ok {
			t.Errorf("no target %q", key)
			continue
		}
		if tg.Min != want[0] || tg.Max != want[1] {
			t.Errorf("target %s = %v–%v, want %v–%v", key, tg.Min, tg.Max, want[0], want[1])
		}
	}

	b := p.Budget
	m := func(v float64) Money { return MillionsOf(v) }
	if b.Total != m(41692) {
		t.Errorf("total %s", FormatMoney(b.Total))
	}
	for y, want := range map[int]float64{2023: 14184, 2024: 13654, 2025: 13854} {
		if got := b.YearTotal(y); got != m(want) {
			t.Errorf("year %d: %s, want %v", y, FormatMoney(got), want)
		}
	}
	lines := []struct {
		id                   int
		total, y23, y24, y25 float64
	}{
		{1, 1112, 312, 400, 400},
		{2, 6180, 2472, 1854, 1854},
		{3, 1200, 400, 400, 400},
		{4, 33000, 11000, 11000, 11000},
		{5, 200, 0, 0, 200},
	}
	for _, l := range lines {
		a, ok := b.Activity(l.id)
		if !ok {
			t.Errorf("no activity %d", l.id)
			continue
		}
		if a.Total != m(l.total) || a.Year(2023) != m(l.y23) || a.Year(2024) != m(l.y24) || a.Year(2025) != m(l.y25) {
			t.Errorf("activity %d = %+v", l.id, a)
		}
	}
	for src, want := range map[string]float64{"trung_uong": 1312, "tinh": 1977, "huyen": 4203, "long_ghep": 34200} {
		if got := b.SourceTotal(src); got != m(want) {
			t.Errorf("source %s: %s, want %v", src, FormatMoney(got), want)
		}
	}
	// The budget adds up by activity and by year.
	use := b.Use(nil)
	if use.Total.Planned != b.Total {
		t.Errorf("use total %s", FormatMoney(use.Total.Planned))
	}
	if !p.Crafts.Editable || len(p.Crafts.List) < 3 || !strings.Contains(p.Crafts.Note, "xác nhận") {
		t.Errorf("crafts: %+v", p.Crafts)
	}
	places, err := DefaultPlaces()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.AreaCommunes(places)); n != 36 {
		t.Errorf("plan area has %d communes, want 36 of 96", n)
	}
}

func TestLoadPlanRefusesBadBudgets(t *testing.T) {
	good := string(planTayNinh)
	cases := map[string]struct{ old, new, want string }{
		"year off":       {`"years": {"2023": 312, "2024": 400, "2025": 400}, "total": 1112`, `"years": {"2023": 313, "2024": 400, "2025": 400}, "total": 1112`, "activity 1: the years add up"},
		"year total off": {`"2023": 14184`, `"2023": 14185`, "year 2023"},
		"grand total":    {`"total": 41692`, `"total": 41690`, "total"},
		"unknown key":    {`"key": "smes"`, `"key": "sme"`, "unknown key"},
		"year outside":   {`"years": {"2025": 200}`, `"years": {"2026": 200}`, "not in the period"},
		"unknown field":  {`"editable": true`, `"editabel": true`, "unknown field"},
		"source off":     {`"by_source": {"tinh": 1977, "huyen": 4203}`, `"by_source": {"tinh": 1977, "huyen": 4200}`, "sources add up"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(good, c.old, c.new, 1)
			if bad == good {
				t.Fatalf("%q not found in the plan", c.old)
			}
			_, err := LoadPlan(strings.NewReader(bad))
			if err == nil || ErrorKind(err) != KindInvalid || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want invalid with %q", err, c.want)
			}
		})
	}
}

func TestMatchCrafts(t *testing.T) {
	p, err := DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	got := p.MatchCrafts([]string{"Làng nghề bánh tráng phơi sương Trảng Bàng", "MUOI TOM Tay Ninh", "quê hương", "", "ren luyen"})
	want := []string{"banh_trang", "muoi_tom", "ren"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("MatchCrafts = %v, want %v", got, want)
	}
}

func TestEvaluate(t *testing.T) {
	p, err := DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	vals := p.Evaluate(FigureCounts{Recognised: 101, Central: 1, Rated: 4, Upgraded: 2, Subjects: 0,
		CraftTexts: []string{"bánh tráng", "muối tôm", "rèn"}, Showrooms: 1})
	byKey := map[string]FigureValue{}
	for _, v := range vals {
		byKey[v.Target.Key] = v
	}
	check := func(key string, known, met bool, value float64) {
		t.Helper()
		v := byKey[key]
		if v.Known != known || v.Met != met || (known && v.Value != value) {
			t.Errorf("%s = %+v, want known %v met %v value %v", key, v, known, met, value)
		}
	}
	check(TargetRecognised, true, true, 101)
	check(TargetCentral, true, false, 1)
	check(TargetUpgraded, true, true, 50)
	check(TargetCooperatives, false, false, 0) // no subjects: no data, not 0%
	check(TargetTrained, false, false, 0)      // no attendance yet
	check(TargetCrafts, true, true, 50)        // 3 of 6
	check(TargetShowrooms, true, true, 1)
}

func TestBudgetUseLeavesOutCancelled(t *testing.T) {
	p, err := DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	b := p.Budget
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name          string
		spent         []Disbursement
		cell, total   Money // spent on activity 2 in 2024, spent in all
		byYear2023Out Money
	}{
		{"none", nil, 0, 0, 0},
		{"one", []Disbursement{{ID: 1, Activity: 2, Year: 2024, Amount: MillionsOf(1500)}}, MillionsOf(1500), MillionsOf(1500), 0},
		{"one cancelled", []Disbursement{{ID: 1, Activity: 2, Year: 2024, Amount: MillionsOf(1500), CancelledAt: at, CancelledBy: 9}}, 0, 0, 0},
		{"wrong one cancelled, right one kept", []Disbursement{
			{ID: 1, Activity: 2, Year: 2024, Amount: MillionsOf(1500), CancelledAt: at},
			{ID: 2, Activity: 2, Year: 2024, Amount: MillionsOf(1.5)},
			{ID: 3, Activity: 1, Year: 2023, Amount: MillionsOf(7)},
		}, MillionsOf(1.5), MillionsOf(8.5), MillionsOf(7)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := b.Use(c.spent)
			if got := u.Cells[[2]int{2, 2024}].Spent; got != c.cell {
				t.Errorf("activity 2 in 2024: %s, want %s", FormatMoney(got), FormatMoney(c.cell))
			}
			if u.Total.Spent != c.total || u.ByYear[2023].Spent != c.byYear2023Out {
				t.Errorf("total %s, 2023 %s", FormatMoney(u.Total.Spent), FormatMoney(u.ByYear[2023].Spent))
			}
			if u.Total.Planned != b.Total {
				t.Errorf("planned changed: %s", FormatMoney(u.Total.Planned))
			}
		})
	}
}
