package domain

import (
	"slices"
	"testing"
	"time"
)

func setIDs(sets []ProductSet) []int {
	out := make([]int, len(sets))
	for i, s := range sets {
		out[i] = s.ID
	}
	return out
}

func TestSearchSets(t *testing.T) {
	r := rulebook(t, "qd26-2026")
	for _, tc := range []struct {
		query string
		first []int // the first results, in order
		none  bool  // no result at all
	}{
		{query: "6", first: []int{6}},
		{query: "26", first: []int{26}},
		{query: "Rau, củ, quả, hạt tươi", first: []int{1, 7}},
		{query: "rau cu qua hat tuoi", first: []int{1}},
		{query: "RAU CỦ", first: []int{1}},
		{query: "rau c", first: []int{1}},
		{query: "banh trang", first: []int{6}},
		{query: "Bánh tráng phơi sương Trảng Bàng", first: []int{6}},
		{query: "banh trang sieu mong tan nhien", first: []int{6}},
		{query: "nuoc mam", first: []int{9}},
		{query: "nước mắm cá cơm", first: []int{9}},
		{query: "muoi tom", first: []int{10}},
		{query: "muối tôm Tây Ninh", first: []int{10}},
		{query: "mat ong", first: []int{4, 8}},
		{query: "mật ong Bảo An", first: []int{4}},
		{query: "dưa lưới Hoàng Xuân", first: []int{1}},
		{query: "sau rieng", first: []int{1}},
		{query: "mãng cầu Bà Đen", first: []int{1}},
		{query: "thit", first: []int{2, 8}},
		{query: "ruou", first: []int{14}},
		{query: "rượu vang", first: []int{15}},
		{query: "ca phe", first: []int{13}},
		{query: "ca\u0300 phe\u0302", first: []int{13}}, // decomposed
		{query: "cacao", first: []int{13}},
		{query: "tra", first: []int{12}},
		{query: "trà", first: []int{12}},
		{query: "trà xanh", first: []int{11}},
		{query: "cay kieng", first: []int{24}},
		{query: "cá kiểng", first: []int{25}},
		{query: "hoa lan", first: []int{23}},
		{query: "du lich", first: []int{26}},
		{query: "homestay", first: []int{26}},
		{query: "my pham", first: []int{19}},
		{query: "tinh dầu", first: []int{20}},
		{query: "thủ công", first: []int{21}},
		{query: "che bien gao", first: []int{6}},
		{query: "", none: true},
		{query: "   ", none: true},
		{query: "!!!", none: true},
		{query: "🍚", none: true},
		{query: "xyzzy", none: true},
		{query: "27", none: true},
	} {
		got := setIDs(r.SearchSets(tc.query))
		if tc.none {
			if len(got) > 0 {
				t.Errorf("SearchSets(%q) = %v, want nothing", tc.query, got)
			}
			continue
		}
		if len(got) < len(tc.first) || !slices.Equal(got[:len(tc.first)], tc.first) {
			t.Errorf("SearchSets(%q) = %v, want %v first", tc.query, got, tc.first)
		}
	}
	// A group's name finds its sets.
	got := setIDs(r.SearchSets("đồ uống"))
	if len(got) < 4 || !slices.Equal(slices.Sorted(slices.Values(got[:4])), []int{14, 15, 16, 17}) {
		t.Errorf("SearchSets(đồ uống) = %v, want 14–17 first", got)
	}
	// A rulebook without sets finds none.
	if got := rulebook(t, "qd148-2023").SearchSets("thực phẩm"); got != nil {
		t.Errorf("qd148-2023 SearchSets = %v", got)
	}
}

func FuzzSearchSets(f *testing.F) {
	r := rulebook(f, "qd26-2026")
	for _, s := range []string{"banh trang", "Bánh tráng", "6", "", "đồ uống", "ca\u0300 phe\u0302", "\xff", "a b c d e f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		seen := map[int]bool{}
		for _, s := range r.SearchSets(query) {
			if seen[s.ID] {
				t.Fatalf("SearchSets(%q) gives set %d twice", query, s.ID)
			}
			seen[s.ID] = true
			if _, ok := r.Set(s.ID); !ok {
				t.Fatalf("SearchSets(%q) gives unknown set %d", query, s.ID)
			}
		}
	})
}

func TestSets(t *testing.T) {
	r := rulebook(t, "qd26-2026")
	sets := r.Sets()
	for i, s := range sets {
		if s.ID != i+1 || s.Group < 1 || s.Group > 6 || s.SubGroup == "" {
			t.Errorf("Sets()[%d] = %+v", i, s)
		}
	}
	sets[0].Name = "changed"
	if s, _ := r.Set(1); s.Name == "changed" {
		t.Error("Sets returns the rulebook's own slice")
	}
	for _, id := range []int{0, -1, 27} {
		if _, ok := r.Set(id); ok {
			t.Errorf("Set(%d) found", id)
		}
	}
	if g, ok := r.Group(6); !ok || len(g.SubGroups) != 1 {
		t.Errorf("Group(6) = %+v, %v", g, ok)
	}
	if _, ok := r.Group(7); ok {
		t.Error("Group(7) found")
	}
}

func TestChecklist(t *testing.T) {
	r := rulebook(t, "qd26-2026")
	ids := func(items []Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	evidence := []string{"dkkd", "nguyen_lieu", "moi_truong", "lao_dong", "tai_chinh", "shtt", "phan_phoi",
		"quang_ba", "cau_chuyen", "cong_bo_cl", "kiem_nghiem", "ma_vach", "qlcl", "giai_thuong"}
	for _, tc := range []struct {
		set  int
		want []string
	}{
		{6, slices.Concat([]string{"mau01", "mau02", "mau_sp", "attp"}, evidence)},
		{15, slices.Concat([]string{"mau01", "mau02", "mau_sp", "attp", "giay_phep_sx"}, evidence)},
		{18, slices.Concat([]string{"mau01", "mau02", "mau_sp", "gmp", "cong_bo"},
			slices.DeleteFunc(slices.Clone(evidence), func(id string) bool { return id == "cong_bo_cl" }))},
		{22, slices.Concat([]string{"mau01", "mau02", "mau_sp"}, evidence)},
		{26, []string{"mau01", "mau02", "dkkd", "moi_truong", "lao_dong", "tai_chinh", "shtt", "phan_phoi",
			"quang_ba", "cau_chuyen", "qlcl", "giai_thuong"}},
		{0, nil},
		{27, nil},
	} {
		got := r.Checklist(tc.set)
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("Checklist(%d) = %v, want %v", tc.set, ids(got), tc.want)
		}
		// Design order: mandatory, then knock-out, then evidence.
		if !slices.IsSortedFunc(got, func(a, b Item) int { return a.Kind.order() - b.Kind.order() }) {
			t.Errorf("Checklist(%d) is not in the order mandatory, knock-out, evidence", tc.set)
		}
	}
	if it, ok := r.Item("kiem_nghiem"); !ok || it.Kind != ItemEvidence {
		t.Errorf("Item(kiem_nghiem) = %+v, %v", it, ok)
	}
	if _, ok := r.Item("mau03"); ok {
		t.Error("Item(mau03) found")
	}
	// qd148-2023 has no sets: its legacy forms whatever the set.
	if got := rulebook(t, "qd148-2023").Checklist(99); len(got) != 3 {
		t.Errorf("qd148-2023 checklist = %v", ids(got))
	}
}

func TestItemKind(t *testing.T) {
	for k, want := range map[ItemKind][2]bool{
		ItemMandatory: {true, true}, ItemKnockout: {true, true}, ItemEvidence: {true, false},
		"": {false, false}, "optional": {false, false},
	} {
		if k.Valid() != want[0] || k.Required() != want[1] {
			t.Errorf("%q: Valid %v Required %v", k, k.Valid(), k.Required())
		}
	}
	f := SetFilter{Except: []int{26}}
	if !f.Has(1) || f.Has(26) || (SetFilter{}).Has(1) || !(SetFilter{All: true}).Has(99) || (SetFilter{Only: []int{2}}).Has(1) {
		t.Error("SetFilter.Has")
	}
}

// SetOf names a product's set where its own rulebook lists it, else in the
// catalogue in force (a qd148-2023 product imported with set 6), as the
// figures group it.
func TestSetOf(t *testing.T) {
	rs, err := DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		p        Product
		set      string
		rulebook string
		ok       bool
	}{
		{"its own rulebook", Product{Rulebook: "qd26-2026", Set: 6}, "Chế biến từ gạo, ngũ cốc", "qd26-2026", true},
		{"a rulebook without its list", Product{Rulebook: "qd148-2023", CertRules: "qd148-2023", Set: 6}, "Chế biến từ gạo, ngũ cốc", "qd26-2026", true},
		{"no such set anywhere", Product{Rulebook: "qd148-2023", Set: 99}, "", "", false},
	} {
		s, r, ok := rs.SetOf(tc.p, today)
		if ok != tc.ok || s.Name != tc.set || (ok && r.ID != tc.rulebook) {
			t.Errorf("%s: %q of %v, %v; want %q of %s", tc.name, s.Name, r, ok, tc.set, tc.rulebook)
		}
	}
	// The figures group the same way.
	g := rs.ByGroup([]SetCount{{Rulebook: "qd148-2023", Set: 6, N: 2}}, today)
	if len(g) == 0 || g[0].Name != "Thực phẩm" || g[0].N != 2 {
		t.Errorf("ByGroup = %+v, want the two in Thực phẩm", g)
	}
}

// Dried fruit is processed, not fresh: "xoài sấy" offers the processed set
// beside the fresh one (a fruit's name) rather than taking the fresh one
// alone, and "đậu phộng rang" is processed.
func TestSearchSetsDriedFruit(t *testing.T) {
	rs, err := DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	r, err := rs.ForNewDossier(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "")
	if err != nil {
		t.Fatal(err)
	}
	ids := func(q string) []int {
		var out []int
		for _, s := range r.SearchSets(q) {
			out = append(out, s.ID)
		}
		return out
	}
	for q, want := range map[string]int{"xoai say": 7, "chuoi say deo": 7, "sau rieng say kho": 7, "dau phong rang": 7} {
		if got := ids(q); !slices.Contains(got, want) {
			t.Errorf("%q: sets %v, want %d among them", q, got, want)
		}
	}
	for _, q := range []string{"xoai say", "mit say", "chuoi say"} {
		if got := ids(q); len(got) < 2 || got[0] != 7 || !slices.Contains(got, 1) {
			t.Errorf("%q: sets %v, want 7 first, 1 offered too", q, got)
		}
	}
	if got := ids("xoai"); len(got) == 0 || got[0] != 1 {
		t.Errorf("xoai: sets %v, want 1 first", got)
	}
}

// The papers every dossier needs, before the product is known: the
// mandatory ones, not a knock-out paper of some sets only (Giấy ATTP).
func TestRulebookCommon(t *testing.T) {
	r := rulebook(t, "qd26-2026")
	var got []string
	for _, it := range r.Common() {
		got = append(got, it.ID)
		if !it.Kind.Required() {
			t.Errorf("%s is not required", it.ID)
		}
		for _, s := range r.Sets() {
			if !it.AppliesTo(s.ID) {
				t.Errorf("%s does not apply to set %d", it.ID, s.ID)
			}
		}
	}
	if !slices.Contains(got, "mau01") || !slices.Contains(got, "mau02") || slices.Contains(got, "attp") {
		t.Errorf("common items %v", got)
	}
}

// A match is sure enough to take without asking only when the query names
// a set (its number, a keyword, a part of its name) or holds a keyword of
// more than one word; a one-word keyword among words no set knows, or
// words that only begin words of a set's fields, are a guess.
func TestFindSetsSure(t *testing.T) {
	r := rulebook(t, "qd26-2026")
	for _, tc := range []struct {
		query string
		first int
		sure  bool
	}{
		{"6", 6, true},
		{"banh trang", 6, true},
		{"Bánh tráng phơi sương Trảng Bàng", 6, true},
		{"nuoc mam ca com", 9, true},
		{"muối tôm Tây Ninh", 10, true},
		{"xoai", 1, true},
		{"che bien gao", 6, true},
		{"chuoi say deo", 7, true},
		{"toi khong biet", 10, false}, // "toi" is "tỏi" (garlic)
		{"xoai ngam", 1, false},
		{"ho so", 4, false},
		{"xoai cat hoa loc", 1, false}, // "hoa" (flowers) does not follow a held keyword
		{"toi lam mam tom", 9, true},   // "tôi làm …": "tôi" is no garlic (tỏi)
		{"nha em ban mat ong", 4, true},
		{"toi den", 10, false}, // black garlic: no verb, "tỏi" it is
		{"mit say", 7, false},  // "sấy" after the fruit: the processed set first, the fresh one offered too
		{"xoai say", 7, false},
		{"banh trang xoai", 6, true}, // a two-word keyword first still
	} {
		sets, sure := r.FindSets(tc.query)
		if len(sets) == 0 || sets[0].ID != tc.first || sure != tc.sure {
			t.Errorf("FindSets(%q) = %v, sure %v; want %d first, sure %v", tc.query, setIDs(sets), sure, tc.first, tc.sure)
		}
	}
	if sets, sure := r.FindSets("xyzzy"); sets != nil || sure {
		t.Errorf("FindSets(xyzzy) = %v, %v", setIDs(sets), sure)
	}
}

// A producer's question names a dossier paper by the words they use.
func TestItemNamed(t *testing.T) {
	r := rulebook(t, "qd26-2026")
	for q, want := range map[string]string{
		"giay attp lam o dau": "attp",
		"Giấy vệ sinh an toàn thực phẩm xin ở đâu": "attp",
		"tem truy xuat nguon goc lam o dau vay?":   "ma_vach",
		"ma vach dang ky o dau":                    "ma_vach",
		"dang ky nhan hieu mat bao lau":            "shtt",
		"giay phep kinh doanh ho gia dinh":         "dkkd",
		"kiem nghiem o dau":                        "kiem_nghiem",
		"tu cong bo chat luong the nao":            "cong_bo_cl",
		"vietgap co can khong":                     "qlcl",
		"mau san pham nop may cai":                 "mau_sp",
		"":                                         "", "xin chao": "", "toi muon ban hang": "", "mavach": "",
	} {
		it, ok := r.ItemNamed(q)
		if ok != (want != "") || it.ID != want {
			t.Errorf("ItemNamed(%q) = %q, %v; want %q", q, it.ID, ok, want)
		}
	}
	// A rulebook without keywords names nothing.
	if it, ok := rulebook(t, "qd148-2023").ItemNamed("giay attp"); ok {
		t.Errorf("qd148-2023 named %q", it.ID)
	}
}
