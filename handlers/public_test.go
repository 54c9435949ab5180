package handlers

import (
	"slices"
	"testing"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// TestLabelCommunes: /nhanqr reads a commune by code or name, and a
// former district only when no commune has that name.
func TestLabelCommunes(t *testing.T) {
	places, err := domain.DefaultPlaces()
	if err != nil {
		t.Fatal(err)
	}
	a := &app{Deps: Deps{Places: places}}
	for _, c := range []struct {
		text  string
		want  []string
		wider string // the former district left out, for a hint
	}{
		{"25708", []string{"Phường Trảng Bàng"}, ""},
		{"trang bang", []string{"Phường Trảng Bàng"}, "Thị xã Trảng Bàng"},
		{"Phường Trảng Bàng", []string{"Phường Trảng Bàng"}, "Thị xã Trảng Bàng"},
		{"thi xa trang bang", []string{"Phường An Tịnh", "Phường Gia Lộc", "Phường Gò Dầu", "Phường Trảng Bàng", "Xã Hưng Thuận", "Xã Phước Chỉ"}, ""},
		{"go dau", []string{"Phường Gò Dầu"}, "Huyện Gò Dầu"},
		{"huyen go dau", []string{"Phường Gia Lộc", "Phường Gò Dầu", "Xã Phước Thạnh", "Xã Thạnh Đức", "Xã Truông Mít"}, ""},
		{"hung thuan", []string{"Xã Hưng Thuận"}, ""},
		{"banh trang", nil, ""},
	} {
		communes, wider := a.labelCommunes(c.text)
		var got []string
		for _, cm := range communes {
			got = append(got, cm.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) || wider != c.wider {
			t.Errorf("labelCommunes(%q) = %q, %q; want %q, %q", c.text, got, wider, c.want, c.wider)
		}
	}
}
