package domain

import (
	"errors"
	"strings"
	"testing"
)

func defaultPlaces(tb testing.TB) *Places {
	tb.Helper()
	p, err := DefaultPlaces()
	if err != nil {
		tb.Fatalf("DefaultPlaces: %v", err)
	}
	return p
}

func TestDefaultPlaces(t *testing.T) {
	p := defaultPlaces(t)
	all := p.All()
	count := map[string]int{}
	for _, c := range all {
		count[c.Type]++
		count[c.FormerProvince]++
	}
	// OCOP-RULES §9: 96 communes and wards, 82 xã and 14 phường, 36 of them
	// from the former Tây Ninh.
	want := map[string]int{"xã": 82, "phường": 14, "Tỉnh Tây Ninh": 36, "Tỉnh Long An": 60}
	if len(all) != 96 {
		t.Errorf("%d communes, want 96", len(all))
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d of %q, want %d", count[k], k, n)
		}
	}
	if all[0].Code != "25459" {
		t.Errorf("first commune %s, want the file's first, 25459", all[0].Code)
	}
}

func TestPlacesGet(t *testing.T) {
	p := defaultPlaces(t)
	c, ok := p.Get("25480")
	if !ok {
		t.Fatal("Get(25480) not found")
	}
	want := Commune{
		Code: "25480", Name: "Phường Bình Minh", Type: "phường", FormerProvince: "Tỉnh Tây Ninh",
		FormerDistricts: []District{
			{Name: "Huyện Dương Minh Châu", Province: "Tỉnh Tây Ninh"},
			{Name: "Thành phố Tây Ninh", Province: "Tỉnh Tây Ninh"},
		},
	}
	if !equalCommune(c, want) {
		t.Errorf("Get(25480) = %+v, want %+v", c, want)
	}
	for _, code := range []string{"", "99999", " 25480", "Bình Minh"} {
		if _, ok := p.Get(code); ok {
			t.Errorf("Get(%q) found something", code)
		}
	}

	// What callers get are copies: changing them changes nothing inside.
	c.FormerDistricts[0].Name = "changed"
	all := p.All()
	all[1].FormerDistricts[0].Name = "changed"
	all[1].Name = "changed"
	if again, _ := p.Get("25480"); !equalCommune(again, want) {
		t.Errorf("Places changed through a returned value: %+v", again)
	}
}

func equalCommune(a, b Commune) bool {
	if a.Code != b.Code || a.Name != b.Name || a.Type != b.Type || a.FormerProvince != b.FormerProvince ||
		len(a.FormerDistricts) != len(b.FormerDistricts) {
		return false
	}
	for i := range a.FormerDistricts {
		if a.FormerDistricts[i] != b.FormerDistricts[i] {
			return false
		}
	}
	return true
}

func TestShortNames(t *testing.T) {
	communes := []struct{ name, want string }{
		{"Phường Bình Minh", "Bình Minh"},
		{"Xã Dương Minh Châu", "Dương Minh Châu"},
		{"Đặc khu Phú Quốc", "Phú Quốc"},
		{"Thị trấn Gò Dầu", "Gò Dầu"},
		{"XÃ Tân Biên", "Tân Biên"},
		{"Bình Minh", "Bình Minh"},
		{"Xã", "Xã"}, // nothing would be left
		{"Xã Phường Nào", "Phường Nào"},
	}
	for _, tt := range communes {
		if got := (Commune{Name: tt.name}).ShortName(); got != tt.want {
			t.Errorf("Commune{%q}.ShortName() = %q, want %q", tt.name, got, tt.want)
		}
	}
	districts := []struct{ name, province, short, provShort string }{
		{"Huyện Châu Thành", "Tỉnh Tây Ninh", "Châu Thành", "Tây Ninh"},
		{"Thành phố Tây Ninh", "Tỉnh Tây Ninh", "Tây Ninh", "Tây Ninh"},
		{"Thị xã Trảng Bàng", "Tỉnh Tây Ninh", "Trảng Bàng", "Tây Ninh"},
		{"Thành phố Tân An", "Tỉnh Long An", "Tân An", "Long An"},
		{"Quận 1", "Thành phố Hồ Chí Minh", "1", "Hồ Chí Minh"},
		{"Gò Dầu", "Tây Ninh", "Gò Dầu", "Tây Ninh"},
	}
	for _, tt := range districts {
		d := District{Name: tt.name, Province: tt.province}
		if got := d.ShortName(); got != tt.short {
			t.Errorf("%+v.ShortName() = %q, want %q", d, got, tt.short)
		}
		if got := d.ProvinceShort(); got != tt.provShort {
			t.Errorf("%+v.ProvinceShort() = %q, want %q", d, got, tt.provShort)
		}
	}
}

func TestCommuneFromProvince(t *testing.T) {
	la := Commune{FormerProvince: "Tỉnh Long An"}
	for _, name := range []string{"Tỉnh Long An", "Long An", "long an", "LONG AN", "tinh long an", "Ti\u0309nh Long An"} {
		if !la.FromProvince(name) {
			t.Errorf("FromProvince(%q) = false, want true", name)
		}
	}
	for _, name := range []string{"", "Tây Ninh", "Tỉnh Tây Ninh", "Long", "Tỉnh"} {
		if la.FromProvince(name) {
			t.Errorf("FromProvince(%q) = true, want false", name)
		}
	}
}

func TestLoadPlaces(t *testing.T) {
	const header = "code,name,type,former_province,former_districts\n"
	const row = `25480,Phường Bình Minh,phường,Tỉnh Tây Ninh,Huyện Dương Minh Châu (Tỉnh Tây Ninh); Thành phố Tây Ninh (Tỉnh Tây Ninh)` + "\n"

	t.Run("accepted", func(t *testing.T) {
		tests := []struct {
			name, csv string
			want      Commune
		}{
			{"plain", header + row, Commune{Code: "25480", Name: "Phường Bình Minh", Type: "phường", FormerProvince: "Tỉnh Tây Ninh",
				FormerDistricts: []District{{"Huyện Dương Minh Châu", "Tỉnh Tây Ninh"}, {"Thành phố Tây Ninh", "Tỉnh Tây Ninh"}}}},
			{"bom, crlf, reordered and extra columns",
				"\ufeffname,Code,note,type,former_districts,former_province\r\nXã Gò Dầu,1,x,Xã,Huyện Gò Dầu (Tỉnh Tây Ninh);,Tỉnh Tây Ninh\r\n",
				Commune{Code: "1", Name: "Xã Gò Dầu", Type: "xã", FormerProvince: "Tỉnh Tây Ninh", FormerDistricts: []District{{"Huyện Gò Dầu", "Tỉnh Tây Ninh"}}}},
			{"district without province, decomposed and spaced cells",
				header + " 2 , Xa\u0303  Tân  Biên ,xã,Tỉnh Tây Ninh, Huyện Tân Biên \n",
				Commune{Code: "2", Name: "Xã Tân Biên", Type: "xã", FormerProvince: "Tỉnh Tây Ninh", FormerDistricts: []District{{"Huyện Tân Biên", "Tỉnh Tây Ninh"}}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := LoadPlaces(strings.NewReader(tt.csv))
				if err != nil {
					t.Fatal(err)
				}
				all := p.All()
				if len(all) != 1 || !equalCommune(all[0], tt.want) {
					t.Errorf("got %+v, want %+v", all, tt.want)
				}
			})
		}
	})

	t.Run("rejected", func(t *testing.T) {
		tests := []struct {
			name, csv, want string // want: a part of the error text
		}{
			{"empty file", "", "empty file"},
			{"header only", header, "no communes"},
			{"missing column", "code,name,type,former_province\n1,Xã A,xã,Tỉnh B\n", `line 1: missing column "former_districts"`},
			{"column twice", "code,name,type,former_province,former_districts,Name\n", `line 1: column "name" appears twice`},
			{"duplicate code", header + row + row, "line 3: code 25480 already used on line 2"},
			{"empty code", header + `,Xã A,xã,Tỉnh B,Huyện C (Tỉnh B)` + "\n", "line 2: empty code"},
			{"code not a number", header + `A1,Xã A,xã,Tỉnh B,Huyện C (Tỉnh B)` + "\n", `line 2: code "A1" is not a number`},
			{"empty name", header + `1, ,xã,Tỉnh B,Huyện C (Tỉnh B)` + "\n", "line 2: code 1: empty name"},
			{"name is only its kind", header + `1,Xã,xã,Tỉnh B,Huyện C (Tỉnh B)` + "\n", "line 2: code 1: empty name"},
			{"name is emoji", header + `1,Xã 🙂,xã,Tỉnh B,Huyện C (Tỉnh B)` + "\n", "line 2: code 1: empty name"},
			{"unknown type", header + `1,Xã A,huyện,Tỉnh B,Huyện C (Tỉnh B)` + "\n", `line 2: code 1: type "huyện"`},
			{"columns swapped", header + `1,Xã A,Tỉnh B,xã,Huyện C (Tỉnh B)` + "\n", `line 2: code 1: type "tỉnh b"`},
			{"empty province", header + `1,Xã A,xã,,Huyện C (Tỉnh B)` + "\n", "line 2: code 1: empty former province"},
			{"province is only its kind", header + `1,Xã A,xã,Tỉnh,Huyện C (Tỉnh B)` + "\n", "line 2: code 1: empty former province"},
			{"district is only its kind", header + `1,Xã A,xã,Tỉnh B,Huyện (Tỉnh B)` + "\n", `former district "Huyện (Tỉnh B)"`},
			{"no district", header + `1,Xã A,xã,Tỉnh B, ; ` + "\n", "line 2: code 1: no former district"},
			{"district without name", header + `1,Xã A,xã,Tỉnh B,(Tỉnh B)` + "\n", `line 2: code 1: former district "(Tỉnh B)"`},
			{"district with empty province", header + `1,Xã A,xã,Tỉnh B,Huyện C ()` + "\n", `former district "Huyện C ()"`},
			{"unbalanced parenthesis", header + `1,Xã A,xã,Tỉnh B,Huyện C Tỉnh B)` + "\n", `former district "Huyện C Tỉnh B)"`},
			{"district twice", header + `1,Xã A,xã,Tỉnh B,Huyện C (Tỉnh B); Huyện C (Tỉnh B)` + "\n", `former district "Huyện C (Tỉnh B)" listed twice`},
			{"wrong number of fields", header + row + "3,Xã A,xã\n", "record on line 3: wrong number of fields"},
			{"bad quote", header + "1,\"Xã A,xã,Tỉnh B,Huyện C\n", "line 2"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := LoadPlaces(strings.NewReader(tt.csv))
				if err == nil {
					t.Fatalf("loaded %d communes, want an error", len(p.All()))
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %q does not say %q", err, tt.want)
				}
				var e *Error
				if !errors.As(err, &e) || e.Kind != KindInvalid || e.Op != "places.load" {
					t.Errorf("error %#v is not a KindInvalid *Error of places.load", err)
				}
			})
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLoadPlacesReadError(t *testing.T) {
	_, err := LoadPlaces(errReader{})
	if ErrorKind(err) != KindInternal || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("LoadPlaces(failing reader) = %v, want an internal error", err)
	}
}
