package domain

import (
	"strings"
	"testing"
)

// The communes before 1/7/2025 find the commune they became part of
// (Resolution 1682/NQ-UBTVQH15; the statistics office's conversion table).
func TestSearchFormerCommunes(t *testing.T) {
	p, err := DefaultPlaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query, want, former string
	}{
		{"xa gia binh", "Phường Gò Dầu", "Phường Gia Bình"},
		{"Gia Bình", "Phường Gò Dầu", "Phường Gia Bình"},
		{"phuong hiep tan", "Phường Thanh Điền", "Phường Hiệp Tân"},
		{"xã thạnh tân", "Phường Bình Minh", "Xã Thạnh Tân"},
		{"gia binhh", "Phường Gò Dầu", "Phường Gia Bình"}, // a typo of an old name
	} {
		ms := p.Search(tc.query, 5)
		if len(ms) == 0 || ms[0].Commune.Name != tc.want || ms[0].Former.Name != tc.former {
			t.Errorf("Search(%q) = %+v, want %s from %s", tc.query, ms, tc.want, tc.former)
		}
	}
	// A current name keeps its place: the old commune of the same name
	// does not come first.
	if ms := p.Search("thanh dien", 5); len(ms) == 0 || ms[0].Commune.Name != "Phường Thanh Điền" || ms[0].Via != ViaCommune {
		t.Errorf("Search(thanh dien) = %+v", ms)
	}
	// Every former commune is listed with a district and a province, and
	// every commune has at least one.
	for _, c := range p.All() {
		if len(c.FormerCommunes) == 0 {
			t.Errorf("%s lists no former commune", c.Name)
		}
		for _, f := range c.FormerCommunes {
			if f.District == "" || !strings.HasPrefix(f.Province, "Tỉnh ") {
				t.Errorf("%s: former commune %+v", c.Name, f)
			}
		}
	}
}

func TestParseFormerCommune(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Xã Gia Bình (Thị xã Trảng Bàng, Tỉnh Tây Ninh)", true},
		{"Xã Gia Bình (Thị xã Trảng Bàng)", true},
		{"Xã Gia Bình", false},
		{"Xã (Thị xã Trảng Bàng, Tỉnh Tây Ninh)", false},
		{"Xã Gia Bình (, Tỉnh Tây Ninh)", false},
	} {
		if _, ok := parseFormerCommune(tc.in, "Tỉnh Tây Ninh"); ok != tc.ok {
			t.Errorf("parseFormerCommune(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
}
