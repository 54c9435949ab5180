package domain

import (
	"errors"
	"testing"
	"time"
)

// TestParseDate lists every form the three parsers it replaced accepted
// (events' start day, review's and lifecycle's past dates, the showroom's
// opening day) and what each refuses.
func TestParseDate(t *testing.T) {
	d := func(y int, m time.Month, day int) Date { return Date{Year: y, Month: m, Day: day, HasYear: true} }
	ok := []struct {
		in   string
		want Date
	}{
		{"15/03/2026", d(2026, 3, 15)},    // all three
		{"5/3/2026", d(2026, 3, 5)},       // without leading zeros: all three
		{"05-03-2026", d(2026, 3, 5)},     // dashes: all three
		{"05.03.2026", d(2026, 3, 5)},     // dots: all three
		{" 5/3/2026 ", d(2026, 3, 5)},     // around spaces: all three
		{"5 / 3 / 2026", d(2026, 3, 5)},   // spaces by the separators: review
		{"5 3 2026", d(2026, 3, 5)},       // spaces alone: opening day
		{"5/3-2026", d(2026, 3, 5)},       // mixed separators: events, opening day
		{"5//3/2026", d(2026, 3, 5)},      // a doubled separator: events, opening day
		{"/5/3/2026/", d(2026, 3, 5)},     // stray separators at the ends: events, opening day
		{"0005/003/2026", d(2026, 3, 5)},  // leading zeros: events, opening day
		{"5/3/26", d(2026, 3, 5)},         // two-digit year: events
		{"29/02/2028", d(2028, 2, 29)},    // a leap day
		{"31/12/9999", d(9999, 12, 31)},   // the last four-digit year
		{"1/1/0001", d(1, 1, 1)},          // review read any four-digit year
		{"15/3", Date{Month: 3, Day: 15}}, // no year: events
		{"29/2", Date{Month: 2, Day: 29}}, // 29/2 without a year exists
		{"1.12", Date{Month: 12, Day: 1}}, // no year, dots
		{"31-1", Date{Month: 1, Day: 31}}, // no year, dash
		{"5\t3\u00a02026", d(2026, 3, 5)}, // any space
	}
	for _, c := range ok {
		got, err := ParseDate(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDate(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	bad := []struct {
		in   string
		want error
	}{
		{"", ErrDateFormat},
		{"mai", ErrDateFormat},
		{"15", ErrDateFormat},            // a day alone
		{"1/2/3/4", ErrDateFormat},       // four parts
		{"1/2/202", ErrDateFormat},       // three-digit year
		{"1/2/2", ErrDateFormat},         // one-digit year
		{"1/2/02026", ErrDateFormat},     // five-digit year
		{"00001/2/2026", ErrDateFormat},  // five-digit day
		{"1/2/20 26", ErrDateFormat},     // a year broken by a space is four parts
		{"+1/2/2026", ErrDateFormat},     // a sign
		{"1/2/2026 8:00", ErrDateFormat}, // a time
		{"1,2,2026", ErrDateFormat},      // commas
		{"１/２/２０２６", ErrDateFormat},      // full-width digits
		{"31/02/2026", ErrNoSuchDate},
		{"29/02/2025", ErrNoSuchDate}, // not a leap year
		{"31/04", ErrNoSuchDate},
		{"30/2", ErrNoSuchDate},
		{"0/3/2026", ErrNoSuchDate},
		{"5/0/2026", ErrNoSuchDate},
		{"5/13/2026", ErrNoSuchDate},
		{"32/1", ErrNoSuchDate},
		{"9999/9999/9999", ErrNoSuchDate},
	}
	for _, c := range bad {
		_, err := ParseDate(c.in)
		if !errors.Is(err, c.want) || ErrorKind(err) != KindInvalid {
			t.Errorf("ParseDate(%q) = %v; want %v, invalid", c.in, err, c.want)
		}
	}
}

func TestDateString(t *testing.T) {
	for d, want := range map[Date]string{
		{Year: 2026, Month: 3, Day: 5, HasYear: true}: "05/03/2026",
		{Year: 1, Month: 12, Day: 31, HasYear: true}:  "31/12/0001",
		{Month: 2, Day: 29}:                           "29/02",
	} {
		if got := d.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", d, got, want)
		}
	}
	loc := time.FixedZone("ICT", 7*3600)
	if got := (Date{Year: 2026, Month: 3, Day: 5, HasYear: true}).In(loc); !got.Equal(time.Date(2026, 3, 5, 0, 0, 0, 0, loc)) {
		t.Errorf("In = %v", got)
	}
}

// FuzzParseDate: ParseDate never panics, and a date it reads is written
// back and read again as the same date.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"15/03/2026", "5-3-26", "29/2", "5 3 2026", "31/02/2026", "/5//3/", "0005/003/2026", "mai", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if ErrorKind(err) != KindInvalid || !errors.Is(err, ErrDateFormat) && !errors.Is(err, ErrNoSuchDate) {
				t.Fatalf("ParseDate(%q): unexpected error %v", s, err)
			}
			return
		}
		again, err := ParseDate(d.String())
		if err != nil || again != d {
			t.Fatalf("ParseDate(%q) = %+v; its string %q reads as %+v, %v", s, d, d.String(), again, err)
		}
	})
}
