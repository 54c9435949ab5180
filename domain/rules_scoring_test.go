package domain

import (
	"math"
	"testing"
	"time"
)

func TestStarsFor(t *testing.T) {
	for _, id := range []string{"qd26-2026", "qd148-2023", "qd148-1489-2025", "qd1048-2019"} {
		r := rulebook(t, id)
		for _, tc := range []struct {
			score float64
			stars int
		}{
			{0, 1}, {29.9, 1}, {29.99, 1}, {30, 2}, {49.99, 2}, {50, 3}, {69.99, 3},
			{70, 4}, {89.99, 4}, {90, 5}, {99.5, 5}, {100, 5},
			// Outside 0..100 is a typing error: rejected, not clamped.
			{-0.01, 0}, {-30, 0}, {100.01, 0}, {150, 0},
			{math.NaN(), 0}, {math.Inf(1), 0}, {math.Inf(-1), 0},
		} {
			if got := r.StarsFor(tc.score); got != tc.stars {
				t.Errorf("%s.StarsFor(%v) = %d, want %d", id, tc.score, got, tc.stars)
			}
			if got := r.MaxStars(tc.score); got != tc.stars {
				t.Errorf("%s.MaxStars(%v) = %d, want %d", id, tc.score, got, tc.stars)
			}
			if valid := tc.stars > 0; ValidScore(tc.score) != valid {
				t.Errorf("ValidScore(%v) = %v", tc.score, !valid)
			}
		}
	}
}

func TestRecognisedAndCertifier(t *testing.T) {
	for _, tc := range []struct {
		rulebook string
		stars    int
		want     Actor // "" for not recognised
	}{
		{"qd26-2026", 1, ""},
		{"qd26-2026", 2, ""},
		{"qd26-2026", 3, ActorProvince},
		{"qd26-2026", 4, ActorProvince},
		{"qd26-2026", 5, ActorCentral},
		{"qd26-2026", 6, ""},
		{"qd148-2023", 3, ActorDistrict},
		{"qd148-2023", 4, ActorProvince},
		{"qd148-2023", 5, ActorCentral},
		{"qd148-1489-2025", 3, ActorProvince},
		{"qd148-1489-2025", 4, ActorProvince},
		{"qd148-1489-2025", 5, ActorCentral},
		{"qd1048-2019", 2, ""},
		{"qd1048-2019", 5, ActorCentral},
	} {
		r := rulebook(t, tc.rulebook)
		if got := r.Recognised(tc.stars); got != (tc.want != "") {
			t.Errorf("%s.Recognised(%d) = %v", tc.rulebook, tc.stars, got)
		}
		c, ok := r.Certifier(tc.stars)
		if ok != (tc.want != "") || c.Level != tc.want {
			t.Errorf("%s.Certifier(%d) = %+v, %v; want %q", tc.rulebook, tc.stars, c, ok, tc.want)
		}
	}
}

func TestToCentral(t *testing.T) {
	r := rulebook(t, "qd26-2026")
	for score, want := range map[float64]bool{0: false, 50: false, 89.99: false, 90: true, 100: true, 101: false} {
		if got := r.ToCentral(score); got != want {
			t.Errorf("ToCentral(%v) = %v, want %v", score, got, want)
		}
	}
}

func TestCertificateExpiry(t *testing.T) {
	loc := hcm(t)
	r := rulebook(t, "qd26-2026")
	for _, tc := range []struct {
		issued, expiry string
	}{
		{"2024-03-15", "2027-03-15"},
		{"2024-01-31", "2027-01-31"},
		{"2023-01-31", "2026-01-31"},
		{"2024-02-29", "2027-02-28"}, // no 29/2/2027: the last day of February
		{"2023-02-28", "2026-02-28"},
		{"2025-05-31", "2028-05-31"},
		{"2023-03-31", "2026-03-31"},
		{"2025-02-28", "2028-02-28"},
		{"2025-12-31", "2028-12-31"},
		{"2023-11-28", "2026-11-28"},
	} {
		issued := day(t, loc, tc.issued).Add(15*time.Hour + 4*time.Minute) // any time of the day
		got := r.CertificateExpiry(issued)
		if want := day(t, loc, tc.expiry); !got.Equal(want) || got.Location() != loc {
			t.Errorf("CertificateExpiry(%s) = %v, want %v", tc.issued, got, want)
		}
	}
	for _, id := range []string{"qd148-2023", "qd148-1489-2025", "qd1048-2019"} {
		if got := rulebook(t, id).CertificateExpiry(day(t, loc, "2024-01-31")); !got.Equal(day(t, loc, "2027-01-31")) {
			t.Errorf("%s: expiry %v", id, got)
		}
	}
}

func TestReevaluationWindow(t *testing.T) {
	loc := hcm(t)
	r := rulebook(t, "qd26-2026")
	for _, tc := range []struct {
		expiry, open, close, decided string // decided: for a re-evaluation filed on the closing day
	}{
		{"2027-03-15", "2026-09-16", "2026-11-15", "2026-12-30"},
		{"2027-03-01", "2026-09-02", "2026-11-01", "2026-12-16"},
		{"2027-02-28", "2026-09-01", "2026-10-31", "2026-12-15"}, // certificate of 29/2/2024
		{"2027-01-31", "2026-08-04", "2026-10-03", "2026-11-17"}, // certificate of 31/1/2024
		{"2026-11-28", "2026-06-01", "2026-07-31", "2026-09-14"},
	} {
		expiry := day(t, loc, tc.expiry)
		opens, closes := ReevaluationWindow(expiry)
		if !opens.Equal(day(t, loc, tc.open)) || !closes.Equal(day(t, loc, tc.close)) {
			t.Errorf("ReevaluationWindow(%s) = %s – %s, want %s – %s", tc.expiry,
				opens.Format(time.DateOnly), closes.Format(time.DateOnly), tc.open, tc.close)
		}
		o2, c2, ok := r.Reevaluation(expiry)
		if !ok || !o2.Equal(opens) || !c2.Equal(closes) {
			t.Errorf("Reevaluation(%s) = %v – %v, %v; want the same as ReevaluationWindow", tc.expiry, o2, c2, ok)
		}
		decided, ok := r.ReevaluationDecidedBy(closes)
		if !ok || !decided.Equal(day(t, loc, tc.decided)) {
			t.Errorf("ReevaluationDecidedBy(%s) = %v, %v; want %s", tc.close, decided, ok, tc.decided)
		}
	}
	// The issue-to-window chain for a certificate of 29/2/2024.
	opens, closes := ReevaluationWindow(r.CertificateExpiry(day(t, loc, "2024-02-29")))
	if !opens.Equal(day(t, loc, "2026-09-01")) || !closes.Equal(day(t, loc, "2026-10-31")) {
		t.Errorf("window of a certificate of 29/2/2024: %v – %v", opens, closes)
	}
	if _, _, ok := rulebook(t, "qd148-2023").Reevaluation(day(t, loc, "2026-01-01")); ok {
		t.Error("qd148-2023 does not know its re-evaluation window")
	}
	if _, ok := rulebook(t, "qd148-2023").ReevaluationDecidedBy(day(t, loc, "2026-01-01")); ok {
		t.Error("qd148-2023 does not know its re-evaluation time limit")
	}
}

// ReevalWindowOf says where a day stands against the window, on the
// province's days: a certificate expiring 15/03/2027 is re-evaluated from
// 16/09/2026 to 15/11/2026 (TestReevaluationWindow).
func TestReevalWindowOf(t *testing.T) {
	loc := hcm(t)
	rs, err := DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	p := Product{Rulebook: "qd26-2026", CertNo: "1/QĐ-UBND", CertExpires: day(t, loc, "2027-03-15")}
	at := func(s string, h int) time.Time { return day(t, loc, s).Add(time.Duration(h) * time.Hour) }
	for _, tc := range []struct {
		now  time.Time
		want ReevalPhase
	}{
		{at("2026-09-15", 23), ReevalNotYet},
		{at("2026-09-16", 0), ReevalOpen},
		{at("2026-11-15", 23), ReevalOpen},
		{at("2026-11-16", 0), ReevalClosed},
		{at("2027-03-14", 12), ReevalClosed}, // still valid, too late to file
	} {
		phase, opens, closes, ok := rs.ReevalWindowOf(p, tc.now, "")
		if !ok || phase != tc.want || !opens.Equal(day(t, loc, "2026-09-16")) || !closes.Equal(day(t, loc, "2026-11-15")) {
			t.Errorf("at %v: %v, %v – %v, %v; want phase %v", tc.now, phase, opens, closes, ok, tc.want)
		}
	}
	if _, _, _, ok := rs.ReevalWindowOf(Product{Rulebook: "qd26-2026"}, at("2026-10-01", 0), ""); ok {
		t.Error("a product without a certificate has a window")
	}
}
