package bot

import "testing"

// A typed choice is its number, its label or value, the start of one
// label, or whole words of one label in their order; words two labels
// share choose neither.
func TestMatchChoiceByWords(t *testing.T) {
	choices := []Choice{
		{Label: "Hợp tác xã", Value: "htx"},
		{Label: "Hộ kinh doanh (hộ sản xuất có đăng ký kinh doanh)", Value: "ho"},
		{Label: "Hộ gia đình chưa có giấy đăng ký kinh doanh", Value: "ho_chua_dkkd"},
	}
	for _, tc := range []struct {
		typed string
		want  int // -1: none
	}{
		{"1", 0}, {"hop tac xa", 0}, {"htx", 0},
		{"ho kinh doanh", 1}, {"ho san xuat", 1}, {"ho san xuat co dang ky", 1},
		{"ho gia dinh", 2}, {"chua co giay", 2},
		{"kinh doanh", -1}, {"dang ky kinh doanh", -1}, // both households
		{"san xua", -1}, // "xua" is not a whole word of the label
		{"4", -1}, {"", -1},
	} {
		got, ok := matchChoice(choices, tc.typed)
		if !ok {
			got = -1
		}
		if got != tc.want {
			t.Errorf("%q: choice %d, want %d", tc.typed, got, tc.want)
		}
	}
}
