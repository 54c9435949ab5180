package domain

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// describe renders a match as "Name via" or "Name via District (Province)".
func describe(m PlaceMatch) string {
	s := m.Commune.Name + " " + m.Via
	if m.District != (District{}) {
		s += " " + m.District.Name + " (" + m.District.ProvinceShort() + ")"
	}
	return s
}

func describeAll(ms []PlaceMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = describe(m)
	}
	return out
}

func TestSearch(t *testing.T) {
	p := defaultPlaces(t)

	const (
		dmc      = "Huyện Dương Minh Châu (Tây Ninh)"
		goDau    = "Huyện Gò Dầu (Tây Ninh)"
		ctTN     = "Huyện Châu Thành (Tây Ninh)"
		ctLA     = "Huyện Châu Thành (Long An)"
		tanBien  = "Huyện Tân Biên (Tây Ninh)"
		tayNinh  = "Thành phố Tây Ninh (Tây Ninh)"
		trangBng = "Thị xã Trảng Bàng (Tây Ninh)"
	)
	binhMinh := []string{"Phường Bình Minh commune"}
	duongMinhChau := []string{
		"Xã Dương Minh Châu commune",
		"Phường Bình Minh district " + dmc,
		"Xã Cầu Khởi district " + dmc,
		"Xã Lộc Ninh district " + dmc,
		"Phường Ninh Thạnh district " + dmc,
		"Xã Truông Mít district " + dmc,
	}
	goDauAll := []string{
		"Phường Gò Dầu commune",
		"Phường Gia Lộc district " + goDau,
		"Xã Phước Thạnh district " + goDau,
		"Xã Thạnh Đức district " + goDau,
		"Xã Truông Mít district " + goDau,
	}
	chauThanhTN := []string{
		"Xã Hảo Đước district " + ctTN,
		"Xã Hòa Hội district " + ctTN,
		"Xã Long Chữ district " + ctTN,
		"Xã Ninh Điền district " + ctTN,
		"Xã Phước Vinh district " + ctTN,
		"Phường Tân Ninh district " + ctTN,
		"Phường Thanh Điền district " + ctTN,
	}
	chauThanhLA := []string{
		"Xã An Lục Long district " + ctLA,
		"Xã Tầm Vu district " + ctLA,
		"Xã Thuận Mỹ district " + ctLA,
		"Xã Vĩnh Công district " + ctLA,
	}
	chauThanhAll := slices.Concat([]string{"Xã Châu Thành commune"}, sortedByName(p, chauThanhTN, chauThanhLA))
	tanBienAll := []string{
		"Xã Tân Biên commune",
		"Xã Phước Vinh district " + tanBien,
		"Xã Tân Lập district " + tanBien,
		"Xã Tân Phú district " + tanBien,
		"Xã Thạnh Bình district " + tanBien,
		"Xã Trà Vong district " + tanBien,
	}
	tayNinhAll := []string{
		"Phường Bình Minh district " + tayNinh,
		"Phường Ninh Thạnh district " + tayNinh,
		"Phường Tân Ninh district " + tayNinh,
	}
	trangBangFuzzy := []string{
		"Phường Trảng Bàng fuzzy",
		"Phường An Tịnh fuzzy " + trangBng,
		"Phường Gia Lộc fuzzy " + trangBng,
		"Phường Gò Dầu fuzzy " + trangBng,
		"Xã Hưng Thuận fuzzy " + trangBng,
		"Xã Phước Chỉ fuzzy " + trangBng,
	}

	tests := []struct {
		query string
		limit int
		want  []string // the whole result, in order
	}{
		// A commune's name, however typed.
		{"binh minh", 10, binhMinh},
		{"Bình Minh", 10, binhMinh},
		{"BÌNH MINH", 10, binhMinh},
		{"  bình \t minh  ", 10, binhMinh},
		{"phuong binh minh", 10, binhMinh},
		{"Phường Bình Minh", 10, binhMinh},
		{"P. Bình Minh", 10, binhMinh},
		{"p.binh minh", 10, binhMinh},
		{"Ph. Bình Minh", 10, binhMinh},
		{"xã Bình Minh", 10, binhMinh}, // the wrong kind is forgiven
		{norm.NFD.String("Phường Bình Minh"), 10, binhMinh},
		{"Bình\u200b Minh\u00ad", 10, binhMinh},
		{"Ｂình Ｍinh", 10, binhMinh},
		{"25480", 10, binhMinh}, // the official code
		{"Mỹ Quý", 10, []string{"Xã Mỹ Quý commune"}},
		{"Bình Minh, Tây Ninh", 10, binhMinh},
		{"Mỹ An - Long An", 10, []string{"Xã Mỹ An commune"}},
		// "Long An" is a ward's name as well as the former province's.
		{"Long An", 10, []string{"Phường Long An commune"}},

		// A name that is both a commune and a former district: the commune
		// first, then the communes made from the district.
		{"Dương Minh Châu", 10, duongMinhChau},
		{"duong minh chau", 10, duongMinhChau},
		{"huyen duong minh chau", 10, duongMinhChau},
		{"H. Dương Minh Châu", 10, duongMinhChau},
		{"xã Dương Minh Châu", 10, duongMinhChau},
		{"Gò Dầu", 10, goDauAll},
		{"go dau", 10, goDauAll},
		{"Gò-Dầu", 10, goDauAll},
		{"Tân Biên", 10, tanBienAll},
		{"x. tan bien", 10, tanBienAll},

		// Châu Thành was a district of both former provinces.
		{"Châu Thành", 20, chauThanhAll},
		{"chau thanh", 20, chauThanhAll},
		{"Châu Thành", 3, chauThanhAll[:3]},
		// ... and the province, when named, comes first.
		{"Châu Thành Long An", 20, slices.Concat(chauThanhLA, []string{"Xã Châu Thành commune"}, chauThanhTN)},
		{"chau thanh, tinh long an", 20, slices.Concat(chauThanhLA, []string{"Xã Châu Thành commune"}, chauThanhTN)},
		{"Châu Thành (Tây Ninh)", 20, slices.Concat([]string{"Xã Châu Thành commune"}, chauThanhTN, chauThanhLA)},

		// A former district with no commune of its name.
		{"Tây Ninh", 10, tayNinhAll},
		{"thanh pho tay ninh", 10, tayNinhAll},
		{"TP. Tây Ninh", 10, tayNinhAll},

		// Two communes fold alike; the diacritics typed decide the order.
		{"Tân Thạnh", 2, []string{"Xã Tân Thạnh commune", "Xã Tân Thành commune"}},
		{"Tân Thành", 2, []string{"Xã Tân Thành commune", "Xã Tân Thạnh commune"}},

		// The start of a name, or words inside it.
		{"trang ba", 10, slices.Concat([]string{"Phường Trảng Bàng fuzzy"}, fuzzyOf(trangBangFuzzy[1:]))},
		{"trảng bàn", 1, []string{"Phường Trảng Bàng fuzzy"}},
		{"duong minh", 1, []string{"Xã Dương Minh Châu fuzzy"}},
		{"minh chau", 1, []string{"Xã Dương Minh Châu fuzzy"}},
		{"vinh tay", 1, []string{"Xã Phước Vĩnh Tây fuzzy"}},

		// Near misses.
		{"trang bag", 10, trangBangFuzzy},
		{"trang bangg", 1, []string{"Phường Trảng Bàng fuzzy"}},
		{"trangbang", 1, []string{"Phường Trảng Bàng fuzzy"}},
		{"go dauu", 10, []string{
			"Phường Gò Dầu fuzzy",
			"Phường Gia Lộc fuzzy " + goDau,
			"Xã Phước Thạnh fuzzy " + goDau,
			"Xã Thạnh Đức fuzzy " + goDau,
			"Xã Truông Mít fuzzy " + goDau,
		}},
		{"godau", 1, []string{"Phường Gò Dầu fuzzy"}},
		{"tan bein", 1, []string{"Xã Tân Biên fuzzy"}},
		{"my qui", 1, []string{"Xã Mỹ Quý fuzzy"}},
		{"nhut tao", 1, []string{"Xã Nhựt Tảo commune"}},
		{"nhat tao", 1, []string{"Xã Nhựt Tảo fuzzy"}},

		// Nothing to look for, or nothing near.
		{"", 10, nil},
		{"   ", 10, nil},
		{"\u200b\ufeff", 10, nil},
		{"🙂", 10, nil},
		{"!!!", 10, nil},
		{"xã", 10, nil},
		{"phường", 10, nil},
		{"P.", 10, []string{ // the start of a word
			"Xã Phước Chỉ fuzzy", "Xã Phước Lý fuzzy", "Xã Phước Thạnh fuzzy", "Xã Phước Vinh fuzzy",
			"Xã Phước Vĩnh Tây fuzzy", "Xã Tân Phú fuzzy", "Xã Thạnh Phước fuzzy",
		}},
		{"new york", 10, nil},
		{"zz", 10, nil},
		{"Bình Minh", 0, nil},
		{"Bình Minh", -1, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.query, tt.limit), func(t *testing.T) {
			got := describeAll(p.Search(tt.query, tt.limit))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Search(%q, %d):\n got %s\nwant %s", tt.query, tt.limit,
					strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
		})
	}
}

// sortedByName merges lists of described matches in the order Search uses
// for equal scores: the Vietnamese alphabetical order of the short names.
func sortedByName(p *Places, lists ...[]string) []string {
	rank := map[string]int{}
	for i, c := range p.communes {
		rank[c.Name] = p.keys[i].rank
	}
	all := slices.Concat(lists...)
	slices.SortStableFunc(all, func(a, b string) int {
		return rank[communeOf(a)] - rank[communeOf(b)]
	})
	return all
}

// communeOf returns the commune name of a described match.
func communeOf(s string) string {
	for _, via := range []string{" " + ViaCommune, " " + ViaDistrict, " " + ViaFuzzy} {
		if i := strings.Index(s, via); i >= 0 {
			return s[:i]
		}
	}
	return s
}

// fuzzyOf turns described district matches into fuzzy ones.
func fuzzyOf(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.Replace(s, " "+ViaDistrict+" ", " "+ViaFuzzy+" ", 1)
	}
	return out
}

func TestSearchNilPlaces(t *testing.T) {
	var p *Places
	if got := p.Search("Bình Minh", 10); got != nil {
		t.Errorf("nil Places found %v", got)
	}
}

// TestSearchEveryCommune checks that each commune is found first by its own
// name, however written. Typed without diacritics, "tan thanh" is both Xã Tân
// Thành and Xã Tân Thạnh: there the commune need only share the top score.
func TestSearchEveryCommune(t *testing.T) {
	p := defaultPlaces(t)
	for _, c := range p.All() {
		for _, q := range []string{c.Name, c.ShortName(), strings.ToUpper(c.ShortName()), norm.NFD.String(c.Name), Fold(c.Name)} {
			ms := p.Search(q, 5)
			i := slices.IndexFunc(ms, func(m PlaceMatch) bool { return m.Commune.Code == c.Code })
			switch {
			case i < 0 || ms[i].Via != ViaCommune || ms[i].Score != ms[0].Score:
				t.Errorf("Search(%q) = %v, want %s first", q, describeAll(ms), c.Name)
			case i > 0 && q != Fold(c.Name):
				t.Errorf("Search(%q) = %v, want %s first", q, describeAll(ms), c.Name)
			}
		}
	}
}

// TestSearchEveryDistrict checks that a former district's name offers every
// commune made from it.
func TestSearchEveryDistrict(t *testing.T) {
	p := defaultPlaces(t)
	all := p.All()
	from := map[District][]Commune{}
	for _, c := range all {
		for _, d := range c.FormerDistricts {
			from[d] = append(from[d], c)
		}
	}
	if len(from) != 24 {
		t.Errorf("%d former districts, want 24 (9 of Tây Ninh, 15 of Long An)", len(from))
	}
	for d, communes := range from {
		for _, q := range []string{d.Name, d.ShortName(), Fold(d.ShortName())} {
			ms := p.Search(q, len(all))
			for _, c := range communes {
				i := slices.IndexFunc(ms, func(m PlaceMatch) bool { return m.Commune.Code == c.Code })
				switch {
				case i < 0:
					t.Errorf("Search(%q) misses %s", q, c.Name)
				case ms[i].Via == ViaCommune:
					if Fold(c.ShortName()) != Fold(d.ShortName()) {
						t.Errorf("Search(%q) offers %s as a commune match", q, c.Name)
					}
				case ms[i].Via != ViaDistrict || ms[i].District != d:
					t.Errorf("Search(%q) offers %s", q, describe(ms[i]))
				}
			}
		}
	}
}

func FuzzSearch(f *testing.F) {
	p := defaultPlaces(f)
	for _, q := range []string{
		"binh minh", "P. Bình Minh", "Dương Minh Châu", "huyen duong minh chau", "Gò Dầu", "Châu Thành",
		"chau thanh long an", "trang bag", "go dauu", "trang ba", "tan thanh", "25480", "🙂", "xã", "",
		"a", "t", "tinh long an", "long an long an", strings.Repeat("tan ", 50),
	} {
		f.Add(q, 10)
	}
	f.Add("Châu Thành", 1)
	f.Add("tan", 200)
	f.Fuzz(func(t *testing.T, q string, limit int) {
		limit %= 150
		ms := p.Search(q, limit)
		if len(ms) > max(limit, 0) {
			t.Fatalf("Search(%q, %d) returned %d matches", q, limit, len(ms))
		}
		seen := map[string]bool{}
		for i, m := range ms {
			if seen[m.Commune.Code] {
				t.Fatalf("Search(%q) offers %s twice", q, m.Commune.Code)
			}
			seen[m.Commune.Code] = true
			if i > 0 && m.Score > ms[i-1].Score {
				t.Fatalf("Search(%q) not ordered by score: %v", q, ms)
			}
			if c, ok := p.Get(m.Commune.Code); !ok || !equalCommune(c, m.Commune) {
				t.Fatalf("Search(%q) offers an unknown commune %+v", q, m.Commune)
			}
			switch m.Via {
			case ViaCommune, ViaFuzzy:
			case ViaDistrict:
				if !slices.Contains(m.Commune.FormerDistricts, m.District) {
					t.Fatalf("Search(%q): %s did not come from %+v", q, m.Commune.Name, m.District)
				}
			case ViaFormer:
				if !slices.Contains(m.Commune.FormerCommunes, m.Former) {
					t.Fatalf("Search(%q): %s was not made from %+v", q, m.Commune.Name, m.Former)
				}
			default:
				t.Fatalf("Search(%q): Via %q", q, m.Via)
			}
			if m.District != (District{}) && !slices.Contains(m.Commune.FormerDistricts, m.District) {
				t.Fatalf("Search(%q): %s did not come from %+v", q, m.Commune.Name, m.District)
			}
		}
		if IsBlank(q) && len(ms) > 0 {
			t.Fatalf("Search(%q) found %d matches for a blank query", q, len(ms))
		}
	})
}

func BenchmarkPlacesSearch(b *testing.B) {
	p := defaultPlaces(b)
	for _, q := range []string{"binh minh", "Phường Bình Minh", "Châu Thành", "trang ba", "trang bag", "khong co dau ca"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Search(q, 10)
			}
		})
	}
}

func BenchmarkDefaultPlaces(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DefaultPlaces(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNamesDistrict(t *testing.T) {
	for _, c := range []struct {
		query string
		want  bool
	}{
		{"huyện Gò Dầu", true},
		{"huyen go dau", true},
		{"HUYỆN GÒ DẦU", true},
		{"thị xã Trảng Bàng", true},
		{"TX Trảng Bàng", true},
		{"tx. trang bang", true},
		{"thành phố Tây Ninh", true},
		{"TP Tây Ninh", true},
		{"quận 1", true},
		{"H. Châu Thành", true},
		{"Trảng Bàng", false},
		{"Phường Trảng Bàng", false},
		{"xã Thạnh Đức", false},
		{"thị trấn Gò Dầu", false},
		{"huyện", false}, // a kind alone names nothing
		{"hung thuan", false},
		{"", false},
	} {
		if got := NamesDistrict(c.query); got != c.want {
			t.Errorf("NamesDistrict(%q) = %v, want %v", c.query, got, c.want)
		}
	}
}
