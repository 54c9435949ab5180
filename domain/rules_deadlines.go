package domain

import (
	"fmt"
	"time"
)

// MonthDay is a day that comes back every year: 30/4.
type MonthDay struct {
	Month time.Month `json:"month"`
	Day   int        `json:"day"`
}

// In returns the day in a year, at midnight in loc.
func (md MonthDay) In(year int, loc *time.Location) time.Time {
	return time.Date(year, md.Month, md.Day, 0, 0, 0, 0, loc)
}

// String writes the day the Vietnamese way: "30/4".
func (md MonthDay) String() string { return fmt.Sprintf("%d/%d", md.Day, md.Month) }

// valid reports whether the day exists in every year (29/2 does not).
func (md MonthDay) valid() bool {
	return md.Month >= time.January && md.Month <= time.December && md.Day >= 1 &&
		md.In(2001, time.UTC).Day() == md.Day
}

// before reports whether md comes earlier in the year than other.
func (md MonthDay) before(other MonthDay) bool {
	return md.Month < other.Month || md.Month == other.Month && md.Day < other.Day
}

// Round is an evaluation round: dossiers sent up by Cutoff are decided by
// DecidedBy of the same year.
type Round struct {
	Cutoff    MonthDay `json:"cutoff"`
	DecidedBy MonthDay `json:"decided_by"`
}

// Deadlines are the rounds and time limits of a rulebook (OCOP-RULES §7).
type Deadlines struct {
	// ProvinceRounds: the commune forwards by Cutoff (30/4, 30/10), the
	// province decides by DecidedBy (30/6, 30/12). In the order of the year.
	ProvinceRounds []Round `json:"province_rounds"`
	// CentralRounds: the province asks the central level by Cutoff (30/1,
	// 30/7), which decides by DecidedBy (30/3, 30/9). In the order of the
	// year.
	CentralRounds []Round `json:"central_rounds"`
	// CommuneCheckDays is the commune's check in working days from receipt.
	CommuneCheckDays int `json:"commune_check_working_days"`
	// Reevaluation is the window to file a re-evaluation before a
	// certificate expires.
	Reevaluation Reevaluation `json:"reevaluation"`
}

// Reevaluation is the time limits of a re-evaluation: filed no earlier than
// OpenDaysBefore and no later than CloseDaysBefore days before expiry,
// decided within DecideDays days (calendar days).
type Reevaluation struct {
	OpenDaysBefore  int `json:"open_days_before"`
	CloseDaysBefore int `json:"close_days_before"`
	DecideDays      int `json:"decide_days"`
}

// Deadline is an upcoming province round as the producer sees it.
type Deadline struct {
	FileBy time.Time // the last day to file at the commune (FilingDay)
	// ForwardBy is the last day the commune may forward to the province:
	// the day before the round's cut-off ("trước ngày 30/4" is 29/4).
	ForwardBy time.Time
	DecidedBy time.Time // the province decides by this day
}

// CommuneCheckDays returns the working days the commune has to check a
// dossier from receipt (15 under qd26-2026), 0 when unknown.
func (r *Rulebook) CommuneCheckDays() int {
	if r.Deadlines == nil {
		return 0
	}
	return r.Deadlines.CommuneCheckDays
}

// FilingDay returns the producer's filing day for a forwarding cut-off: the
// latest working day on which a dossier filed at the commune still leaves it
// its full check before the cut-off. The rules say "trước ngày 30/4":
// strictly before, so the last day to forward is the day before cutoff
// (OCOP-RULES §7c). Exactly: let L be the last working day before cutoff
// (the commune cannot forward on a holiday); the filing day is the
// CommuneCheckDays-th working day before L, so that the check's working
// days, counted from the day after receipt (Bộ luật Dân sự 2015, Điều 147),
// end on L at the latest.
//
// With 15 working days that is 8/10 for 30/10/2026 (a Friday, so the last
// day is Thursday 29/10) and 7/4 for 30/4/2026 (after the Giỗ Tổ
// compensatory day of 27/4): Tết and the holidays of late April move it
// earlier. The result is at midnight in cutoff's location.
func (r *Rulebook) FilingDay(cal *Calendar, cutoff time.Time) time.Time {
	last := cal.SubWorkingDays(cutoff, 1)
	return cal.SubWorkingDays(last, r.CommuneCheckDays())
}

// NextDeadline returns the next province round for a dossier not yet filed:
// the first round, in now's year or the next, whose filing day is today (the
// day now falls on) or later. So on the day after the filing day for 30/4 it
// is the 30/10 round, and after the one for 30/10 the 30/4 round of next
// year. The days are at midnight in now's location. A rulebook without
// province rounds gives the zero Deadline.
func (r *Rulebook) NextDeadline(cal *Calendar, now time.Time) Deadline {
	if r.Deadlines == nil {
		return Deadline{}
	}
	today, loc := civilDateOf(now), now.Location()
	for y := today.y; y <= today.y+1; y++ {
		for _, round := range r.Deadlines.ProvinceRounds {
			cut := round.Cutoff.In(y, loc)
			if fileBy := r.FilingDay(cal, cut); !civilDateOf(fileBy).before(today) {
				return Deadline{FileBy: fileBy, ForwardBy: LastDayBefore(cut), DecidedBy: round.DecidedBy.In(y, loc)}
			}
		}
	}
	return Deadline{}
}

// LastDayBefore is the last day allowed by "trước ngày <day>": the day
// before, at midnight in day's location (OCOP-RULES §7c).
func LastDayBefore(day time.Time) time.Time {
	return civilDateOf(day).addDays(-1).in(day.Location())
}

// CommuneCheckBy returns the last day of the commune's check of a dossier
// filed at filed: CommuneCheckDays working days from the day after receipt,
// counted on the civil day filed falls on in loc (the province's time zone,
// whatever zone the stored time was read back in). Zero when the rulebook
// does not know the check's length.
func (r *Rulebook) CommuneCheckBy(cal *Calendar, filed time.Time, loc *time.Location) time.Time {
	if r.CommuneCheckDays() == 0 || filed.IsZero() {
		return time.Time{}
	}
	return cal.AddWorkingDays(filed.In(loc), r.CommuneCheckDays())
}

// NextCentralRound returns the next central round: the day by which the
// province asks the central level, today or later, and the day the central
// level decides by, at midnight in now's location. Zero days when the
// rulebook has no central rounds.
func (r *Rulebook) NextCentralRound(now time.Time) (requestBy, decidedBy time.Time) {
	if r.Deadlines == nil {
		return time.Time{}, time.Time{}
	}
	today, loc := civilDateOf(now), now.Location()
	for y := today.y; y <= today.y+1; y++ {
		for _, round := range r.Deadlines.CentralRounds {
			if cut := round.Cutoff.In(y, loc); !civilDateOf(cut).before(today) {
				return cut, round.DecidedBy.In(y, loc)
			}
		}
	}
	return time.Time{}, time.Time{}
}

// The re-evaluation window of qd26-2026, the rules in force for
// re-evaluations since 22/5/2026 (OCOP-RULES §7).
const (
	ReevaluationOpenDays  = 180 // file no earlier than this many days before expiry
	ReevaluationCloseDays = 120 // and no later than this many
)

// ReevaluationWindow returns the first and the last day to file the
// re-evaluation of a certificate that expires on expiry, under qd26-2026:
// 180 and 120 calendar days before expiry, both included, at midnight in
// expiry's location. It is the window of the rules in force, whatever
// rulebook the certificate was issued under; Rulebook.Reevaluation gives a
// rulebook's own.
func ReevaluationWindow(expiry time.Time) (opens, closes time.Time) {
	d := civilDateOf(expiry)
	return d.addDays(-ReevaluationOpenDays).in(expiry.Location()), d.addDays(-ReevaluationCloseDays).in(expiry.Location())
}

// Reevaluation returns the re-evaluation window of this rulebook for a
// certificate that expires on expiry (see ReevaluationWindow); ok is false
// when the rulebook does not know it.
func (r *Rulebook) Reevaluation(expiry time.Time) (opens, closes time.Time, ok bool) {
	if r.Deadlines == nil || r.Deadlines.Reevaluation == (Reevaluation{}) {
		return time.Time{}, time.Time{}, false
	}
	d, loc := civilDateOf(expiry), expiry.Location()
	w := r.Deadlines.Reevaluation
	return d.addDays(-w.OpenDaysBefore).in(loc), d.addDays(-w.CloseDaysBefore).in(loc), true
}

// ReevaluationDecidedBy returns the day by which a re-evaluation filed on
// filed is decided (45 calendar days under qd26-2026); ok is false when the
// rulebook does not know it.
func (r *Rulebook) ReevaluationDecidedBy(filed time.Time) (time.Time, bool) {
	if r.Deadlines == nil || r.Deadlines.Reevaluation.DecideDays == 0 {
		return time.Time{}, false
	}
	return civilDateOf(filed).addDays(r.Deadlines.Reevaluation.DecideDays).in(filed.Location()), true
}
