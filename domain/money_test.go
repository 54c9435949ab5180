package domain

import (
	"testing"
)

func TestParseMoney(t *testing.T) {
	ok := map[string]float64{
		"1500":      1500,
		"1.500":     1500, // the Vietnamese thousands separator
		"1.500.000": 1500000,
		"1,5":       1.5, // the Vietnamese decimal comma
		"1,500":     1.5, // read the Vietnamese way
		"1.500,25":  1500.25,
		"1.5":       1.5, // the other way
		"72.5":      72.5,
		"1,500,000": 1500000,
		"1,500.5":   1500.5,
		"0,025":     0.025,
		"41692":     41692,
		" 12 ":      12,
		"+7":        7,
		"1234.500":  1234.5,
		"007":       7,
	}
	for in, want := range ok {
		got, err := ParseMoney(in)
		if err != nil {
			t.Errorf("ParseMoney(%q): %v", in, err)
			continue
		}
		if got != MillionsOf(want) {
			t.Errorf("ParseMoney(%q) = %s, want %v", in, FormatMoney(got), want)
		}
	}
	bad := map[string]string{
		"":                           "budget.amount_invalid",
		"abc":                        "budget.amount_invalid",
		"1,5tr":                      "budget.amount_invalid",
		"1.50.0":                     "budget.amount_invalid",
		"1..5":                       "budget.amount_invalid",
		",5":                         "budget.amount_invalid",
		"5,":                         "budget.amount_invalid",
		"1,2,3":                      "budget.amount_invalid",
		"1.500,2,5":                  "budget.amount_invalid",
		"1e3":                        "budget.amount_invalid",
		"NaN":                        "budget.amount_invalid",
		"١٢":                         "budget.amount_invalid",
		"-5":                         "budget.amount_negative",
		"-1.500":                     "budget.amount_negative",
		"0":                          "budget.amount_zero",
		"0,000":                      "budget.amount_zero",
		"1,2345":                     "budget.amount_too_precise",
		"999999999":                  "budget.amount_too_large",
		"1" + "00000000000000000000": "budget.amount_too_large",
	}
	for in, want := range bad {
		_, err := ParseMoney(in)
		if ErrorKind(err) != KindInvalid || ErrorMsgID(err) != want {
			t.Errorf("ParseMoney(%q) err = %v, want %s", in, err, want)
		}
	}
}

func TestFormatNumbers(t *testing.T) {
	for m, want := range map[Money]string{
		MillionsOf(41692): "41.692", MillionsOf(1.5): "1,5", MillionsOf(0.025): "0,025", 0: "0",
		MillionsOf(1234567.25): "1.234.567,25", MillionsOf(-1500): "-1.500", MillionsOf(999): "999",
	} {
		if got := FormatMoney(m); got != want {
			t.Errorf("FormatMoney(%d) = %q, want %q", m, got, want)
		}
	}
	for _, c := range []struct {
		v    float64
		d    int
		want string
	}{{72.5, 1, "72,5"}, {41692, 0, "41.692"}, {0.4549, 1, "0,5"}, {50, 1, "50"}, {1e6, 2, "1.000.000"}} {
		if got := FormatNumber(c.v, c.d); got != c.want {
			t.Errorf("FormatNumber(%v, %d) = %q, want %q", c.v, c.d, got, c.want)
		}
	}
	if got := FormatPercent(0.455); got != "45,5%" {
		t.Errorf("FormatPercent = %q", got)
	}
	if got := FormatPercent(5.0 / 11); got != "45,5%" {
		t.Errorf("FormatPercent(5/11) = %q", got)
	}
}

// FuzzParseMoney: whatever is typed, ParseMoney answers without panicking,
// an accepted amount is positive, and its Vietnamese form reads back the same.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1.500", "1,5", "1500", "-3", "1.500,25", "1,500,000", "72.5", "", "1e9", "0,001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			if ErrorKind(err) != KindInvalid || ErrorMsgID(err) == "" {
				t.Fatalf("ParseMoney(%q): %v", s, err)
			}
			return
		}
		if m <= 0 {
			t.Fatalf("ParseMoney(%q) = %d", s, m)
		}
		back, err := ParseMoney(FormatMoney(m))
		if err != nil || back != m {
			t.Fatalf("ParseMoney(FormatMoney(%d) = %q) = %d, %v", m, FormatMoney(m), back, err)
		}
	})
}
