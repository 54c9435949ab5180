package bot

import "testing"

func TestMeaningChoice(t *testing.T) {
	yesNo := []Choice{{Value: "1", Label: "Có"}, {Value: "0", Label: "Không"}}
	stars := []Choice{{Value: "5", Label: "⭐⭐⭐⭐⭐ 5 sao"}, {Value: "4", Label: "⭐⭐⭐⭐ 4 sao"}}
	skipOnly := []Choice{{Value: "lang_nghe", Label: "Làng nghề Trảng Bàng"}, {Value: "none", Label: "Bỏ qua"}}
	for _, tc := range []struct {
		choices []Choice
		in      string
		want    int
		ok      bool
	}{
		{yesNo, "dạ có", 0, true},
		{yesNo, "co a", 0, true},
		{yesNo, "đúng rồi", 0, true},
		{yesNo, "không ạ", 1, true},
		{yesNo, "chưa có", 1, true}, // a skip with no skip choice is a no
		{yesNo, "ocop la gi", 0, false},
		{stars, "4 sao", 1, true},
		{stars, "4★", 1, true},
		{stars, "⭐⭐⭐⭐⭐", 0, true},
		{stars, "3 sao", 0, false},
		{stars, "4", 0, false},       // a bare number is a position, read elsewhere
		{skipOnly, "không", 1, true}, // a no with no "no" choice is a skip
		{[]Choice{{Value: "a", Label: "Có"}, {Value: "b", Label: "✅ Có"}}, "có", 0, false}, // two mean yes: unclear
	} {
		got, ok := meaningChoice(tc.choices, tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("meaningChoice(%v, %q) = %d, %v; want %d, %v", tc.choices, tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMeaningLabel(t *testing.T) {
	labels := func(pairs ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(pairs); i += 2 {
			key, meaning := labelFacts(pairs[i])
			m[key] = pairs[i+1]
			rememberMeaning(m, meaning, pairs[i+1])
		}
		return m
	}
	consent := labels("✅ Đồng ý", "c|y", "Không đồng ý", "c|n")
	confirm := labels("✅ Xác nhận", "k", "✏️ Tên", "e0", "Quay lại", "b", "Hủy", "x")
	optional := labels("Bỏ qua", "s", "Quay lại", "b", "Hủy", "x")
	submit := labels("📤 Có, nộp ngay", "S", "Không, chưa nộp", "c")
	twoYes := labels("Có", "a", "✅ Có", "b")
	for _, tc := range []struct {
		labels map[string]string
		in     string
		want   string
	}{
		{consent, "dong y", "c|y"},
		{consent, "ok", "c|y"},
		{consent, "có", "c|y"},
		{consent, "không", "c|n"},
		{confirm, "dạ đúng rồi", "k"},
		{confirm, "xác nhận", "k"},
		{confirm, "không", ""}, // "Hủy" is not a no: cancelling is asked for by name
		{optional, "chưa có", "s"},
		{optional, "không có", "s"},
		{optional, "có", ""},
		{submit, "dạ đồng ý", "S"},
		{submit, "khong", "c"},
		{twoYes, "có", ""},
	} {
		got, _ := meaningLabel(tc.in, tc.labels)
		if got != tc.want {
			t.Errorf("meaningLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// labelFacts remembers what labelKey and labelMeaning say of a label, and
// says the same.
func TestLabelFactsRemembered(t *testing.T) {
	for _, label := range []string{"✅ Đồng ý", "Không, chưa nộp", "Bỏ qua", "Xã Bình Minh", "", "Có, nộp ngay"} {
		for range 2 { // computed, then remembered
			key, meaning := labelFacts(label)
			if key != labelKey(label) || meaning != labelMeaning(label) {
				t.Errorf("labelFacts(%q) = %q, %v; want %q, %v", label, key, meaning, labelKey(label), labelMeaning(label))
			}
		}
	}
}
