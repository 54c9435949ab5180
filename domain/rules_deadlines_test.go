package domain

import (
	"testing"
	"time"
)

// TestFilingDay: the producer's last day to file at the commune for each
// forwarding cut-off, with the embedded holidays. "Trước ngày 30/10" is
// strictly before: 30/10 gives 8/10 (when 29/10 is a working day); 30/4 is a holiday and Giỗ Tổ often falls in the
// fifteen working days before, so its filing day is 9/4 or earlier.
func TestFilingDay(t *testing.T) {
	loc := hcm(t)
	r := rulebook(t, "qd26-2026")
	cal := defaultCalendar(t)
	for _, tc := range []struct {
		cutoff, fileBy, why string
	}{
		{"2023-04-30", "2023-04-07", "30/4 a Sunday; 29/4–3/5 off"},
		{"2023-10-30", "2023-10-06", "30/10 a Monday: forwarded by Friday 27/10"},
		{"2024-04-30", "2024-04-04", "Giỗ Tổ 18/4; 29/4 and 30/4 off"},
		{"2024-10-30", "2024-10-08", "trước ngày 30/10: forwarded by 29/10"},
		{"2025-04-30", "2025-04-09", "Giỗ Tổ 7/4 is before; Saturday 26/4 worked"},
		{"2025-10-30", "2025-10-08", ""},
		{"2026-04-30", "2026-04-07", "Giỗ Tổ's compensatory day 27/4; 30/4 a holiday"},
		{"2026-10-30", "2026-10-08", "30/10 a Friday: forwarded by Thursday 29/10"},
		{"2027-04-30", "2027-04-07", "Giỗ Tổ 16/4; 30/4 a holiday"},
		{"2027-10-30", "2027-10-08", "30/10 a Saturday"},
		{"2026-02-27", "2026-01-29", "a cut-off just after Tết Bính Ngọ"},
	} {
		cut := day(t, loc, tc.cutoff)
		got := r.FilingDay(cal, cut)
		if want := day(t, loc, tc.fileBy); !got.Equal(want) || got.Location() != loc {
			t.Errorf("FilingDay(%s) = %v, want %s (%s)", tc.cutoff, got, tc.fileBy, tc.why)
			continue
		}
		// The rule: filed that day, the commune's 15th working day is on or
		// before the cut-off; filed a working day later, it is after.
		if !cal.IsWorkingDay(got) {
			t.Errorf("FilingDay(%s) = %s is not a working day", tc.cutoff, tc.fileBy)
		}
		if end := cal.AddWorkingDays(got, 15); !end.Before(cut) {
			t.Errorf("filed on %s the check ends %s, after %s", tc.fileBy, end.Format(time.DateOnly), tc.cutoff)
		}
		if end := cal.AddWorkingDays(cal.AddWorkingDays(got, 1), 15); end.Before(cut) {
			t.Errorf("filed a working day after %s the check still ends by %s", tc.fileBy, tc.cutoff)
		}
	}
}

// TestFilingDayTet: the same cut-off with and without a week of holidays
// before it.
func TestFilingDayTet(t *testing.T) {
	loc := hcm(t)
	r := rulebook(t, "qd26-2026")
	plain := loadCalendar(t, `{"holidays": [{"from": "2026-04-30", "to": "2026-05-01", "name": "Ngày Chiến thắng, Quốc tế Lao động"}]}`)
	tet := loadCalendar(t, `{"holidays": [
		{"from": "2026-04-13", "to": "2026-04-17", "name": "Tết thử"},
		{"from": "2026-04-30", "to": "2026-05-01", "name": "Ngày Chiến thắng, Quốc tế Lao động"}]}`)
	cut := day(t, loc, "2026-04-30")
	if got := r.FilingDay(plain, cut); !got.Equal(day(t, loc, "2026-04-08")) {
		t.Errorf("without Tết: %s, want 2026-04-08", got.Format(time.DateOnly))
	}
	if got := r.FilingDay(tet, cut); !got.Equal(day(t, loc, "2026-04-01")) {
		t.Errorf("with a week of Tết: %s, want 2026-04-01", got.Format(time.DateOnly))
	}
	// Which deadline is next around that filing day.
	for _, tc := range []struct {
		now, fileBy, forwardBy string
	}{
		{"2026-03-31", "2026-04-01", "2026-04-29"},
		{"2026-04-01", "2026-04-01", "2026-04-29"},
		{"2026-04-02", "2026-10-08", "2026-10-29"},
		{"2026-04-14", "2026-10-08", "2026-10-29"},
	} {
		dl := r.NextDeadline(tet, day(t, loc, tc.now))
		if !dl.FileBy.Equal(day(t, loc, tc.fileBy)) || !dl.ForwardBy.Equal(day(t, loc, tc.forwardBy)) {
			t.Errorf("NextDeadline(%s) = %s → %s, want %s → %s", tc.now,
				dl.FileBy.Format(time.DateOnly), dl.ForwardBy.Format(time.DateOnly), tc.fileBy, tc.forwardBy)
		}
	}
}

// TestNextDeadline: which province round is next, on the days around each
// filing day and cut-off.
func TestNextDeadline(t *testing.T) {
	loc := hcm(t)
	r := rulebook(t, "qd26-2026")
	cal := defaultCalendar(t)
	for _, tc := range []struct {
		now                          string
		fileBy, forwardBy, decidedBy string
	}{
		{"2026-01-01", "2026-04-07", "2026-04-29", "2026-06-30"},
		{"2026-04-06", "2026-04-07", "2026-04-29", "2026-06-30"},
		{"2026-04-07", "2026-04-07", "2026-04-29", "2026-06-30"}, // the last day itself
		{"2026-04-08", "2026-10-08", "2026-10-29", "2026-12-30"}, // one day late: next round
		{"2026-04-09", "2026-10-08", "2026-10-29", "2026-12-30"},
		{"2026-04-30", "2026-10-08", "2026-10-29", "2026-12-30"},
		{"2026-05-01", "2026-10-08", "2026-10-29", "2026-12-30"},
		{"2026-10-07", "2026-10-08", "2026-10-29", "2026-12-30"},
		{"2026-10-08", "2026-10-08", "2026-10-29", "2026-12-30"}, // the last day itself
		{"2026-10-09", "2027-04-07", "2027-04-29", "2027-06-30"}, // one day late: next round
		{"2026-10-10", "2027-04-07", "2027-04-29", "2027-06-30"},
		{"2026-10-30", "2027-04-07", "2027-04-29", "2027-06-30"},
		{"2026-10-31", "2027-04-07", "2027-04-29", "2027-06-30"},
		{"2026-12-31", "2027-04-07", "2027-04-29", "2027-06-30"},
		{"2025-04-09", "2025-04-09", "2025-04-29", "2025-06-30"},
		{"2025-04-10", "2025-10-08", "2025-10-29", "2025-12-30"},
	} {
		// Late in the day, in Vietnam: still that day.
		now := day(t, loc, tc.now).Add(23*time.Hour + 59*time.Minute)
		dl := r.NextDeadline(cal, now)
		want := Deadline{day(t, loc, tc.fileBy), day(t, loc, tc.forwardBy), day(t, loc, tc.decidedBy)}
		if !dl.FileBy.Equal(want.FileBy) || !dl.ForwardBy.Equal(want.ForwardBy) || !dl.DecidedBy.Equal(want.DecidedBy) {
			t.Errorf("NextDeadline(%s) = %s / %s / %s, want %s / %s / %s", tc.now,
				dl.FileBy.Format(time.DateOnly), dl.ForwardBy.Format(time.DateOnly), dl.DecidedBy.Format(time.DateOnly),
				tc.fileBy, tc.forwardBy, tc.decidedBy)
		}
		if dl.FileBy.Location() != loc {
			t.Errorf("NextDeadline(%s) in %v, want %v", tc.now, dl.FileBy.Location(), loc)
		}
	}
	// A rulebook that does not know its rounds has no deadline.
	if dl := rulebook(t, "qd148-2023").NextDeadline(cal, day(t, loc, "2024-01-01")); dl != (Deadline{}) {
		t.Errorf("qd148-2023 NextDeadline = %+v", dl)
	}
}

func TestCommuneCheckDays(t *testing.T) {
	loc := hcm(t)
	r := rulebook(t, "qd26-2026")
	if got := r.CommuneCheckDays(); got != 15 {
		t.Errorf("CommuneCheckDays = %d, want 15", got)
	}
	if got := rulebook(t, "qd148-2023").CommuneCheckDays(); got != 0 {
		t.Errorf("qd148-2023 CommuneCheckDays = %d, want 0 (unknown)", got)
	}
	// Filed on the filing day for 30/4/2026, the check ends on 29/4.
	cal := defaultCalendar(t)
	if got := cal.AddWorkingDays(day(t, loc, "2026-04-07"), r.CommuneCheckDays()); !got.Equal(day(t, loc, "2026-04-29")) {
		t.Errorf("check of a dossier filed 7/4/2026 ends %s", got.Format(time.DateOnly))
	}
}

func TestNextCentralRound(t *testing.T) {
	loc := hcm(t)
	r := rulebook(t, "qd26-2026")
	for _, tc := range []struct{ now, requestBy, decidedBy string }{
		{"2026-01-01", "2026-01-30", "2026-03-30"},
		{"2026-01-30", "2026-01-30", "2026-03-30"},
		{"2026-01-31", "2026-07-30", "2026-09-30"},
		{"2026-07-31", "2027-01-30", "2027-03-30"},
	} {
		req, dec := r.NextCentralRound(day(t, loc, tc.now))
		if !req.Equal(day(t, loc, tc.requestBy)) || !dec.Equal(day(t, loc, tc.decidedBy)) {
			t.Errorf("NextCentralRound(%s) = %s → %s, want %s → %s", tc.now,
				req.Format(time.DateOnly), dec.Format(time.DateOnly), tc.requestBy, tc.decidedBy)
		}
	}
	if req, dec := rulebook(t, "qd1048-2019").NextCentralRound(day(t, loc, "2020-01-01")); !req.IsZero() || !dec.IsZero() {
		t.Error("qd1048-2019 knows no central rounds")
	}
}

func TestMonthDay(t *testing.T) {
	for md, valid := range map[MonthDay]bool{
		{4, 30}: true, {2, 28}: true, {12, 31}: true,
		{2, 29}: false, {4, 31}: false, {13, 1}: false, {0, 1}: false, {1, 0}: false,
	} {
		if got := md.valid(); got != valid {
			t.Errorf("%s valid = %v", md, got)
		}
	}
	if s := (MonthDay{4, 30}).String(); s != "30/4" {
		t.Errorf("String = %q", s)
	}
}
