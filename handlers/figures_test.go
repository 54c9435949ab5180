package handlers

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

func TestParseDisbursement(t *testing.T) {
	plan, err := domain.DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	ok := []struct {
		in       string
		activity int
		year     int
		amount   float64
		note     string
	}{
		{"chi 2 2024 1.500 Dự án điểm bán", 2, 2024, 1500, "Dự án điểm bán"},
		{"chi 2 2024 1500 Dự án", 2, 2024, 1500, "Dự án"},
		{"chi 1 2023 1,5 Hội nghị", 1, 2023, 1.5, "Hội nghị"},
		{"chi 1 2023 1.5", 1, 2023, 1.5, ""},
		{"CHI 4 2025 11.000 Hỗ trợ   chủ thể", 4, 2025, 11000, "Hỗ trợ chủ thể"},
		{"chi 3 2025 0,25 Tem nhãn", 3, 2025, 0.25, "Tem nhãn"},
		{"chi 5 2025 1.500,5 Tổng kết", 5, 2025, 1500.5, "Tổng kết"},
	}
	for _, c := range ok {
		d, err := parseDisbursement(c.in, plan)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if d.Activity != c.activity || d.Year != c.year || d.Amount != domain.MillionsOf(c.amount) || d.Note != c.note {
			t.Errorf("%q = %+v (amount %s)", c.in, d, domain.FormatMoney(d.Amount))
		}
	}
	bad := map[string]string{
		"chi":                      "budget.usage_error",
		"chi 2 2024":               "budget.usage_error",
		"chi 9 2024 100 x":         "budget.activity_unknown",
		"chi hai 2024 100 x":       "budget.activity_unknown",
		"chi 2 2026 100 x":         "budget.year_outside",
		"chi 2 2022 100 x":         "budget.year_outside",
		"chi 2 năm 100 x":          "budget.year_outside",
		"chi 2 2024 abc x":         "budget.amount_invalid",
		"chi 2 2024 1,5tr x":       "budget.amount_invalid",
		"chi 2 2024 -100 x":        "budget.amount_negative",
		"chi 2 2024 0 x":           "budget.amount_zero",
		"chi 2 2024 1,2345 x":      "budget.amount_too_precise",
		"chi 2 2024 1.50.0 x":      "budget.amount_invalid",
		"chi 2 2024 '; DROP x":     "budget.amount_invalid",
		"chi 2 2024 1e9 x":         "budget.amount_invalid",
		"chi 2 2024 99999999999 x": "budget.amount_too_large",
	}
	for in, want := range bad {
		_, err := parseDisbursement(in, plan)
		if domain.ErrorKind(err) != domain.KindInvalid || domain.ErrorMsgID(err) != want {
			t.Errorf("%q: err %v, want %s", in, err, want)
		}
	}
	long := "chi 2 2024 5 "
	for range 301 {
		long += "a"
	}
	if _, err := parseDisbursement(long, plan); domain.ErrorMsgID(err) != "budget.note_too_long" {
		t.Errorf("long note: %v", err)
	}
}

func TestParseOpeningDay(t *testing.T) {
	now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	for in, want := range map[string]string{
		"08/03/2025": "2025-03-08", "8/3/2025": "2025-03-08", "08-03-2025": "2025-03-08", "8.3.2025": "2025-03-08",
		"15/06/2026": "2026-06-15", "29/02/2024": "2024-02-29",
		// domain.ParseDate's forms: a two-digit year is 20yy, spaces separate.
		"1/1/25": "2025-01-01", "8 3 2025": "2025-03-08",
	} {
		d, err := parseOpeningDay(in, now)
		if err != nil || d.Format(time.DateOnly) != want {
			t.Errorf("%q = %v, %v; want %s", in, d, err, want)
		}
	}
	for in, want := range map[string]string{
		"16/06/2026": "showroom.date_future", "01/01/2030": "showroom.date_future",
		"31/02/2025": "showroom.date_invalid", "29/02/2025": "showroom.date_invalid", "2025": "showroom.date_invalid",
		"ngày mai": "showroom.date_invalid", "00/01/2025": "showroom.date_invalid", "01/13/2025": "showroom.date_invalid",
		"": "showroom.date_invalid", "8/3": "showroom.date_invalid", "1/1/1989": "showroom.date_invalid",
	} {
		if _, err := parseOpeningDay(in, now); domain.ErrorMsgID(err) != want {
			t.Errorf("%q: %v, want %s", in, err, want)
		}
	}
}

// TestParseDateNeedsYear: the review, lifecycle and /thongke dates are
// domain.ParseDate's with a year, at the start of the day in loc.
func TestParseDateNeedsYear(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	for in, want := range map[string]string{"5/3/2026": "2026-03-05", "05-03-26": "2026-03-05", "5 / 3 / 2026": "2026-03-05"} {
		d, ok := parseDate(in, loc)
		if !ok || !d.Equal(time.Date(2026, 3, 5, 0, 0, 0, 0, loc)) || d.Format(time.DateOnly) != want {
			t.Errorf("parseDate(%q) = %v, %v; want %s", in, d, ok, want)
		}
	}
	for _, in := range []string{"5/3", "31/02/2026", "mai", ""} {
		if d, ok := parseDate(in, loc); ok {
			t.Errorf("parseDate(%q) = %v, want refused", in, d)
		}
	}
}
