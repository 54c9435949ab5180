package handlers

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

func TestParseEventTime(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{"20/12/2026 08:00", at(2026, 12, 20, 8, 0), ""},
		{"20/12 08:00", at(2026, 12, 20, 8, 0), ""},
		{"08:00 20/12/2026", at(2026, 12, 20, 8, 0), ""},
		{"20-12-2026 8h30", at(2026, 12, 20, 8, 30), ""},
		{"20.12.26 8h", at(2026, 12, 20, 8, 0), ""},
		{"ngày 5/1 lúc 14:00", at(2027, 1, 5, 14, 0), ""}, // next occurrence
		{"01/12 08:00", at(2027, 12, 1, 8, 0), ""},        // earlier today: next year
		{"29/02 08:00", at(2028, 2, 29, 8, 0), ""},
		{"31/02/2027 08:00", time.Time{}, "ev.date_invalid"},
		{"31/04 08:00", time.Time{}, "ev.date_invalid"},
		{"20/13/2026 08:00", time.Time{}, "ev.date_invalid"},
		{"20/12/2026 25:00", time.Time{}, "ev.time_invalid"},
		{"20/12/2026 08:60", time.Time{}, "ev.time_invalid"},
		{"mai", time.Time{}, "ev.when_format"},
		{"20/12/2026", time.Time{}, "ev.when_format"},
		{"08:00", time.Time{}, "ev.when_format"},
		{"", time.Time{}, "ev.when_format"},
		{"01/11/2026 08:00", time.Time{}, "ev.when_past"},
		{"01/12/2026 09:00", time.Time{}, "ev.when_past"},
		{"01/12/2035 09:00", time.Time{}, "ev.when_far"},
	} {
		got, err := ParseEventTime(tc.in, now, loc)
		if id := domain.ErrorMsgID(err); id != tc.err || (err == nil && !got.Equal(tc.want)) {
			t.Errorf("ParseEventTime(%q) = %v, %q; want %v, %q", tc.in, got, id, tc.want, tc.err)
		}
	}
}

func FuzzParseEventTime(f *testing.F) {
	for _, s := range []string{"20/12/2026 08:00", "20/12 8h30", "31/02 08:00", "25:00 1/1", "mai", "٣/١٢ ٠٨:٠٠", "1/1/99999 1:1"} {
		f.Add(s)
	}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseEventTime(in, now, loc)
		if err != nil {
			if domain.ErrorKind(err) != domain.KindInvalid || domain.ErrorMsgID(err) == "" {
				t.Fatalf("%q: %v", in, err)
			}
			return
		}
		if !got.After(now) || got.After(now.AddDate(3, 0, 0)) || got.Location() != loc {
			t.Fatalf("%q: %v out of range", in, got)
		}
	})
}
