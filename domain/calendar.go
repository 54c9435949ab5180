package domain

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// holidaysJSON is the editable list of Vietnam's public holidays and swapped
// working days (rules/holidays.json).
//
//go:embed rules/holidays.json
var holidaysJSON []byte

// Calendar tells working days from days off: a working day is Monday to
// Friday, minus the public holidays of the list (Tết included), plus the
// weekend days the list names as working days (the Saturday worked in
// exchange for a bridge day, "làm bù").
//
// All its methods work on calendar days: a time is taken as the day it falls
// on in its own location, and the days returned are at midnight in that same
// location. Outside the years the list covers (see Covers), every Monday to
// Friday counts as a working day.
//
// A Calendar is immutable once loaded and safe for concurrent use.
type Calendar struct {
	off         map[civilDate]Holiday
	work        map[civilDate]string // swapped working weekend days and why
	first, last int                  // the years the list covers
}

// Holiday is one day off of a calendar.
type Holiday struct {
	Date time.Time // the day, at midnight in the location it was asked in
	Name string    // in Vietnamese: "Tết Nguyên Đán", "Nghỉ bù Giỗ Tổ Hùng Vương"
	// Unsure marks a day that was not yet announced or not confirmed when
	// the list was written (a compensatory or bridge day of a coming year);
	// officers should check it against the government's notice.
	Unsure bool
}

// holidaysFile is the JSON form of a holidays list.
type holidaysFile struct {
	Note     string `json:"note"`
	Holidays []struct {
		From   string `json:"from"`
		To     string `json:"to"` // inclusive; "" for a single day
		Name   string `json:"name"`
		Unsure bool   `json:"unsure"`
	} `json:"holidays"`
	WorkingDays []struct {
		Date string `json:"date"`
		Name string `json:"name"`
	} `json:"working_days"`
}

// maxHolidaySpan bounds one range of the list, to catch a mistyped year.
const maxHolidaySpan = 16

// DefaultCalendar returns the calendar of the embedded holidays list
// (rules/holidays.json: 2023–2027). It parses the list on every call; load
// once and share the result.
func DefaultCalendar() (*Calendar, error) {
	return LoadCalendar(bytes.NewReader(holidaysJSON))
}

// LoadCalendar reads a holidays list in the format of rules/holidays.json:
//
//	{
//	  "note": "free text",
//	  "holidays": [
//	    {"from": "2026-02-14", "to": "2026-02-22", "name": "Tết Nguyên Đán Bính Ngọ"},
//	    {"from": "2026-04-27", "name": "Nghỉ bù Giỗ Tổ Hùng Vương", "unsure": true}
//	  ],
//	  "working_days": [{"date": "2025-04-26", "name": "Làm bù ngày 2/5/2025"}]
//	}
//
// Dates are YYYY-MM-DD; a range includes both ends and may hold weekend days
// (a holiday on a weekend simply changes nothing). A working day must be a
// Saturday or Sunday that is not also a holiday. Unknown fields, overlapping
// or reversed ranges and ranges longer than 16 days are refused.
//
// Bad data gives a KindInvalid *Error; a failing reader a KindInternal one.
func LoadCalendar(r io.Reader) (*Calendar, error) {
	const op = "calendar.load"
	fail := func(format string, args ...any) error {
		return E(op, KindInvalid, fmt.Errorf(format, args...))
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, E(op, KindInternal, err)
	}
	var f holidaysFile
	if err := decodeStrict(data, &f); err != nil {
		return nil, E(op, KindInvalid, err)
	}
	c := &Calendar{off: map[civilDate]Holiday{}, work: map[civilDate]string{}}
	years := map[int]bool{}
	for i, h := range f.Holidays {
		if Clean(h.Name) == "" {
			return nil, fail("holiday %d (%s): no name", i+1, h.From)
		}
		from, err := parseCivilDate(h.From)
		if err != nil {
			return nil, fail("holiday %d (%s): %v", i+1, h.Name, err)
		}
		to := from
		if h.To != "" {
			if to, err = parseCivilDate(h.To); err != nil {
				return nil, fail("holiday %d (%s): %v", i+1, h.Name, err)
			}
		}
		if to.before(from) {
			return nil, fail("holiday %d (%s): ends %s before it starts %s", i+1, h.Name, to, from)
		}
		if from.addDays(maxHolidaySpan).before(to) {
			return nil, fail("holiday %d (%s): %s to %s is longer than %d days", i+1, h.Name, from, to, maxHolidaySpan)
		}
		for d := from; !to.before(d); d = d.addDays(1) {
			if prev, dup := c.off[d]; dup {
				return nil, fail("holiday %d (%s): %s is already a holiday (%s)", i+1, h.Name, d, prev.Name)
			}
			c.off[d] = Holiday{Name: Clean(h.Name), Unsure: h.Unsure}
			years[d.y] = true
		}
	}
	for i, w := range f.WorkingDays {
		d, err := parseCivilDate(w.Date)
		if err != nil {
			return nil, fail("working day %d: %v", i+1, err)
		}
		if wd := d.weekday(); wd != time.Saturday && wd != time.Sunday {
			return nil, fail("working day %s is a %s, already a working day", d, wd)
		}
		if h, ok := c.off[d]; ok {
			return nil, fail("working day %s is also a holiday (%s)", d, h.Name)
		}
		if _, dup := c.work[d]; dup {
			return nil, fail("working day %s listed twice", d)
		}
		c.work[d] = Clean(w.Name)
		years[d.y] = true
	}
	if len(years) == 0 {
		return nil, fail("no holidays")
	}
	ys := make([]int, 0, len(years))
	for y := range years {
		ys = append(ys, y)
	}
	c.first, c.last = slices.Min(ys), slices.Max(ys)
	return c, nil
}

// IsWorkingDay reports whether the commune office works on day: Monday to
// Friday that is not a holiday, or a weekend day worked in exchange.
func (c *Calendar) IsWorkingDay(day time.Time) bool {
	return c.working(civilDateOf(day))
}

func (c *Calendar) working(d civilDate) bool {
	if _, ok := c.work[d]; ok {
		return true
	}
	if wd := d.weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, off := c.off[d]
	return !off
}

// Holiday returns the holiday that falls on day, if any.
func (c *Calendar) Holiday(day time.Time) (Holiday, bool) {
	d := civilDateOf(day)
	h, ok := c.off[d]
	if ok {
		h.Date = d.in(day.Location())
	}
	return h, ok
}

// Covers reports whether the holidays list covers day's year. Outside it
// the calendar knows no holidays and its answers may be early.
func (c *Calendar) Covers(day time.Time) bool {
	y := day.Year()
	return c.first <= y && y <= c.last
}

// AddWorkingDays returns the n-th working day after day: day itself is not
// counted, whether or not it is a working day, as a time limit of n working
// days "from receipt" starts on the next one (Bộ luật Dân sự 2015, Điều 147).
// AddWorkingDays(day, 0) is day itself at midnight; a negative n counts
// backwards, as SubWorkingDays(day, -n).
func (c *Calendar) AddWorkingDays(day time.Time, n int) time.Time {
	if n < 0 {
		return c.SubWorkingDays(day, -n)
	}
	return c.step(day, n, 1)
}

// SubWorkingDays returns the n-th working day before day, day itself not
// counted: SubWorkingDays(day, 1) is the last working day before day.
// SubWorkingDays(day, 0) is day itself at midnight; a negative n counts
// forwards, as AddWorkingDays(day, -n).
func (c *Calendar) SubWorkingDays(day time.Time, n int) time.Time {
	if n < 0 {
		return c.AddWorkingDays(day, -n)
	}
	return c.step(day, n, -1)
}

// step moves n working days from day in direction dir (+1 or -1).
func (c *Calendar) step(day time.Time, n, dir int) time.Time {
	d := civilDateOf(day)
	for n > 0 {
		d = d.addDays(dir)
		if c.working(d) {
			n--
		}
	}
	return d.in(day.Location())
}

// civilDate is a day of the calendar, without a time or a location.
type civilDate struct {
	y int
	m time.Month
	d int
}

// civilDateOf returns the day t falls on in its own location.
func civilDateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// parseCivilDate reads a YYYY-MM-DD date.
func parseCivilDate(s string) (civilDate, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return civilDate{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return civilDateOf(t), nil
}

// in returns the day at midnight in loc.
func (d civilDate) in(loc *time.Location) time.Time {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, loc)
}

func (d civilDate) addDays(n int) civilDate {
	return civilDateOf(time.Date(d.y, d.m, d.d+n, 0, 0, 0, 0, time.UTC))
}

func (d civilDate) weekday() time.Weekday { return d.in(time.UTC).Weekday() }

func (d civilDate) compare(e civilDate) int {
	switch {
	case d.y != e.y:
		return d.y - e.y
	case d.m != e.m:
		return int(d.m) - int(e.m)
	}
	return d.d - e.d
}

func (d civilDate) before(e civilDate) bool { return d.compare(e) < 0 }

func (d civilDate) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d) }

// decodeStrict decodes one JSON value into v, refusing unknown fields and
// anything after the value.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}
