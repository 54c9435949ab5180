package domain

import (
	"errors"
	"fmt"
	"time"
	"unicode"
)

// Date is a civil date as someone typed it: a day in no time zone, whose
// year may have been left out ("15/3" for the next 15 March).
type Date struct {
	Year    int // 0000–9999; meaningless when !HasYear
	Month   time.Month
	Day     int
	HasYear bool
}

// The causes of ParseDate's rejections, for errors.Is: a handler turns
// them into its own re-prompt.
var (
	ErrDateFormat = errors.New("not a date")   // not day/month[/year]
	ErrNoSuchDate = errors.New("no such date") // 31/02, 0/5, 13/13/2026
)

const opDate = "date"

// maxDatePart bounds the digits of a day or a month ("0015" is read as 15,
// as the events' parser did).
const maxDatePart = 4

// ParseDate reads a date the Vietnamese way, day first: "15/03/2026",
// "15/3/2026", "15-3-2026", "15.3.2026", "15 3 2026", "15 / 3 / 2026",
// "15/3/26" (a two-digit year is 20yy) and "15/3" (no year: HasYear is
// false and the caller decides which year is meant). Separators are runs
// of '/', '-', '.' and spaces, mixed freely; a day or month has one to
// four digits and a year two or four. A day that is not in the calendar
// (31/4, 29/2/2025) is refused with ErrNoSuchDate; 29/2 without a year is
// accepted. Anything else is refused with ErrDateFormat. Both are
// KindInvalid errors without a message id.
//
// The date is a civil date (OCOP-RULES §7c): In places it in the
// province's time zone.
func ParseDate(s string) (Date, error) {
	var nums [3]int
	n := 0
	var digits [3]int
	inPart := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if !inPart {
				if n == len(nums) {
					return Date{}, E(opDate, KindInvalid, ErrDateFormat)
				}
				inPart = true
				n++
			}
			i := n - 1
			digits[i]++
			if digits[i] > maxDatePart {
				return Date{}, E(opDate, KindInvalid, ErrDateFormat)
			}
			nums[i] = nums[i]*10 + int(r-'0')
		case r == '/' || r == '-' || r == '.' || unicode.IsSpace(r):
			inPart = false
		default:
			return Date{}, E(opDate, KindInvalid, ErrDateFormat)
		}
	}
	if n < 2 {
		return Date{}, E(opDate, KindInvalid, ErrDateFormat)
	}
	d := Date{Day: nums[0], Month: time.Month(nums[1])}
	if n == 3 {
		d.HasYear = true
		switch digits[2] {
		case 2:
			d.Year = 2000 + nums[2]
		case 4:
			d.Year = nums[2]
		default:
			return Date{}, E(opDate, KindInvalid, ErrDateFormat)
		}
	}
	// Without a year, 29/2 exists (in a leap year such as 2000).
	y := 2000
	if d.HasYear {
		y = d.Year
	}
	if t := time.Date(y, d.Month, d.Day, 0, 0, 0, 0, time.UTC); d.Month < 1 || d.Month > 12 || t.Day() != d.Day || t.Month() != d.Month {
		return Date{}, E(opDate, KindInvalid, ErrNoSuchDate)
	}
	return d, nil
}

// In returns the start of the day d in loc; d must have a year.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// String writes d as it is shown: "15/03/2026", or "15/03" without a year.
func (d Date) String() string {
	if !d.HasYear {
		return fmt.Sprintf("%02d/%02d", d.Day, int(d.Month))
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}
