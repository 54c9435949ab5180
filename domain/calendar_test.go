package domain

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh wherever the tests run
)

// hcm returns Vietnam's time zone from the time zone database, as the bot
// runs with TZ=Asia/Ho_Chi_Minh.
func hcm(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// day parses "2026-04-30" as midnight in loc.
func day(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func defaultCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := DefaultCalendar()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loadCalendar(t testing.TB, js string) *Calendar {
	t.Helper()
	c, err := LoadCalendar(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIsWorkingDay(t *testing.T) {
	loc := hcm(t)
	cal := defaultCalendar(t)
	for _, tc := range []struct {
		day  string
		want bool
		why  string
	}{
		{"2026-02-13", true, "Friday before Tết"},
		{"2026-02-16", false, "Tết Bính Ngọ, Monday"},
		{"2026-02-20", false, "Tết Bính Ngọ, Friday"},
		{"2026-02-23", true, "Monday after Tết"},
		{"2026-04-27", false, "compensatory day for Giỗ Tổ on Sunday 26/4"},
		{"2026-04-28", true, "Tuesday"},
		{"2026-04-30", false, "30/4"},
		{"2026-05-01", false, "1/5"},
		{"2026-05-02", false, "Saturday"},
		{"2026-05-04", true, "Monday"},
		{"2026-09-02", false, "Quốc khánh"},
		{"2024-04-29", false, "bridge day swapped with Saturday 4/5/2024"},
		{"2024-05-04", true, "Saturday worked in exchange"},
		{"2025-04-26", true, "Saturday worked in exchange for 2/5/2025"},
		{"2025-05-02", false, "bridge day"},
		{"2023-01-02", false, "compensatory day for 1/1 on Sunday"},
		{"2023-05-03", false, "compensatory day for 30/4 on Sunday"},
		{"2028-01-03", true, "a Monday outside the list"},
		{"2028-01-01", false, "a Saturday outside the list"},
	} {
		if got := cal.IsWorkingDay(day(t, loc, tc.day)); got != tc.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tc.day, got, tc.want, tc.why)
		}
	}
}

// TestHolidaysFacts checks the embedded list against the law: every year
// 2023–2027 has 1/1, five working days of Tết, Giỗ Tổ Hùng Vương on 10/3 of
// the lunar calendar, 30/4, 1/5, and 2/9 with a day next to it.
func TestHolidaysFacts(t *testing.T) {
	loc := hcm(t)
	cal := defaultCalendar(t)
	// Lunar new year and 10/3 of the lunar calendar, in Vietnam's calendar.
	lunar := map[int][2]string{
		2023: {"2023-01-22", "2023-04-29"},
		2024: {"2024-02-10", "2024-04-18"},
		2025: {"2025-01-29", "2025-04-07"},
		2026: {"2026-02-17", "2026-04-26"},
		2027: {"2027-02-06", "2027-04-16"},
	}
	for year := 2023; year <= 2027; year++ {
		for _, d := range []time.Time{
			time.Date(year, 1, 1, 0, 0, 0, 0, loc),
			time.Date(year, 4, 30, 0, 0, 0, 0, loc),
			time.Date(year, 5, 1, 0, 0, 0, 0, loc),
			time.Date(year, 9, 2, 0, 0, 0, 0, loc),
			day(t, loc, lunar[year][0]),
			day(t, loc, lunar[year][1]),
		} {
			if _, ok := cal.Holiday(d); !ok {
				t.Errorf("%s is not a holiday", d.Format(time.DateOnly))
			}
		}
		_, before := cal.Holiday(time.Date(year, 9, 1, 0, 0, 0, 0, loc))
		_, after := cal.Holiday(time.Date(year, 9, 3, 0, 0, 0, 0, loc))
		if !before && !after {
			t.Errorf("%d: neither 1/9 nor 3/9 is a holiday", year)
		}
		// Tết: five working days off within a week of the lunar new year.
		tet := day(t, loc, lunar[year][0])
		off := 0
		for d := tet.AddDate(0, 0, -7); d.Before(tet.AddDate(0, 0, 8)); d = d.AddDate(0, 0, 1) {
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && !cal.IsWorkingDay(d) {
				off++
			}
		}
		if off != 5 {
			t.Errorf("%d: %d working days off around Tết, want 5", year, off)
		}
		if !cal.Covers(time.Date(year, 6, 1, 0, 0, 0, 0, loc)) {
			t.Errorf("Covers(%d) = false", year)
		}
	}
	if cal.Covers(time.Date(2028, 6, 1, 0, 0, 0, 0, loc)) || cal.Covers(time.Date(2022, 6, 1, 0, 0, 0, 0, loc)) {
		t.Error("Covers reports a year outside the list")
	}
	h, ok := cal.Holiday(time.Date(2026, 2, 17, 15, 0, 0, 0, loc))
	if !ok || h.Name != "Tết Nguyên đán Bính Ngọ" || h.Unsure || !h.Date.Equal(day(t, loc, "2026-02-17")) {
		t.Errorf("Holiday(17/2/2026) = %+v, %v", h, ok)
	}
	if h, ok := cal.Holiday(time.Date(2027, 2, 8, 0, 0, 0, 0, loc)); !ok || !h.Unsure {
		t.Errorf("Tết 2027 is not yet announced and should be marked unsure: %+v", h)
	}
}

func TestAddSubWorkingDays(t *testing.T) {
	loc := hcm(t)
	cal := defaultCalendar(t)
	for _, tc := range []struct {
		from string
		n    int
		add  string // AddWorkingDays(from, n)
		sub  string // SubWorkingDays(from, n)
	}{
		{"2026-02-11", 0, "2026-02-11", "2026-02-11"},
		{"2026-02-11", 1, "2026-02-12", "2026-02-10"},
		{"2026-02-12", 2, "2026-02-23", "2026-02-10"}, // across Tết
		{"2026-02-16", 1, "2026-02-23", "2026-02-13"}, // from a holiday
		{"2026-02-14", 1, "2026-02-23", "2026-02-13"}, // from a Saturday
		{"2026-04-07", 15, "2026-04-29", "2026-03-17"},
		{"2026-04-24", 2, "2026-04-29", "2026-04-22"}, // skips 27/4
		{"2025-04-25", 1, "2025-04-26", "2025-04-24"}, // the worked Saturday
		{"2025-04-29", 2, "2025-05-06", "2025-04-26"}, // 30/4, 1/5, 2/5 and a weekend
		{"2026-10-09", 15, "2026-10-30", "2026-09-18"},
		{"2026-08-31", 1, "2026-09-03", "2026-08-28"}, // 1/9 and 2/9
	} {
		from := day(t, loc, tc.from)
		if got := cal.AddWorkingDays(from, tc.n); !got.Equal(day(t, loc, tc.add)) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got.Format(time.DateOnly), tc.add)
		}
		if got := cal.SubWorkingDays(from, tc.n); !got.Equal(day(t, loc, tc.sub)) {
			t.Errorf("SubWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got.Format(time.DateOnly), tc.sub)
		}
		if got := cal.AddWorkingDays(from, -tc.n); !got.Equal(day(t, loc, tc.sub)) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, -tc.n, got.Format(time.DateOnly), tc.sub)
		}
		if got := cal.SubWorkingDays(from, -tc.n); !got.Equal(day(t, loc, tc.add)) {
			t.Errorf("SubWorkingDays(%s, %d) = %s, want %s", tc.from, -tc.n, got.Format(time.DateOnly), tc.add)
		}
	}
}

// TestCalendarDays checks that a time is taken as the day it falls on in
// its own location and the result is midnight in that location.
func TestCalendarDays(t *testing.T) {
	loc := hcm(t)
	cal := defaultCalendar(t)
	// 17:30 UTC on Friday 13/2/2026 is already Saturday 14/2 in Vietnam.
	utc := time.Date(2026, 2, 13, 17, 30, 0, 0, time.UTC)
	if !cal.IsWorkingDay(utc) {
		t.Error("Friday 13/2/2026 in UTC is a working day")
	}
	if cal.IsWorkingDay(utc.In(loc)) {
		t.Error("Saturday 14/2/2026 in Vietnam is not a working day")
	}
	got := cal.AddWorkingDays(utc.In(loc), 1)
	if want := day(t, loc, "2026-02-23"); !got.Equal(want) || got.Location() != loc {
		t.Errorf("AddWorkingDays = %v, want %v in %v", got, want, loc)
	}
	if got := cal.AddWorkingDays(time.Date(2026, 3, 2, 10, 0, 0, 0, loc), 0); !got.Equal(day(t, loc, "2026-03-02")) {
		t.Errorf("AddWorkingDays(…, 0) = %v, want midnight", got)
	}
}

func TestLoadCalendarRejects(t *testing.T) {
	for _, tc := range []struct {
		name, js string
	}{
		{"empty", `{}`},
		{"not json", `holidays`},
		{"unknown field", `{"holidays": [{"from": "2026-01-01", "name": "Tết Dương lịch", "day": 1}]}`},
		{"trailing data", `{"holidays": [{"from": "2026-01-01", "name": "Tết Dương lịch"}]} {}`},
		{"bad date", `{"holidays": [{"from": "2026-13-01", "name": "Tết Dương lịch"}]}`},
		{"day first", `{"holidays": [{"from": "01/01/2026", "name": "Tết Dương lịch"}]}`},
		{"no name", `{"holidays": [{"from": "2026-01-01", "name": " "}]}`},
		{"reversed", `{"holidays": [{"from": "2026-02-22", "to": "2026-02-14", "name": "Tết"}]}`},
		{"too long", `{"holidays": [{"from": "2026-02-01", "to": "2026-03-01", "name": "Tết"}]}`},
		{"overlap", `{"holidays": [{"from": "2026-02-14", "to": "2026-02-22", "name": "Tết"}, {"from": "2026-02-16", "name": "Nghỉ bù"}]}`},
		{"weekday worked", `{"holidays": [{"from": "2026-01-01", "name": "Tết Dương lịch"}], "working_days": [{"date": "2026-01-05", "name": "Làm bù"}]}`},
		{"worked holiday", `{"holidays": [{"from": "2026-01-03", "name": "Tết"}], "working_days": [{"date": "2026-01-03", "name": "Làm bù"}]}`},
		{"worked twice", `{"holidays": [{"from": "2026-01-01", "name": "Tết"}], "working_days": [{"date": "2026-01-03", "name": "Làm bù"}, {"date": "2026-01-03", "name": "Làm bù"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadCalendar(strings.NewReader(tc.js))
			if err == nil {
				t.Fatal("accepted")
			}
			if k := ErrorKind(err); k != KindInvalid {
				t.Errorf("kind %v, want invalid: %v", k, err)
			}
		})
	}
	_, err := LoadCalendar(iotest.ErrReader(errors.New("disk")))
	if ErrorKind(err) != KindInternal {
		t.Errorf("a failing reader gives %v, want internal", err)
	}
}

func TestLoadCalendarCustom(t *testing.T) {
	loc := hcm(t)
	cal := loadCalendar(t, `{"holidays": [{"from": "2026-04-13", "to": "2026-04-17", "name": "Tết thử"}],
		"working_days": [{"date": "2026-04-18", "name": "Làm bù"}]}`)
	if cal.IsWorkingDay(day(t, loc, "2026-04-15")) || !cal.IsWorkingDay(day(t, loc, "2026-04-18")) {
		t.Error("custom days not applied")
	}
	if !cal.IsWorkingDay(day(t, loc, "2026-04-30")) {
		t.Error("a custom calendar knows only its own holidays")
	}
}
