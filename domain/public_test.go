package domain

import (
	"testing"
	"time"
)

func TestCheckCertificate(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	d := func(s string) time.Time { return at(s + " 00:00") }
	cert := func(stage Stage) Product {
		return Product{Stage: stage, Stars: 4, CertNo: "123/QĐ-UBND", CertIssued: d("2024-03-15"), CertExpires: d("2027-03-15")}
	}
	for _, tc := range []struct {
		name  string
		p     Product
		since time.Time // stage since
		now   time.Time
		want  CertStatus
		date  time.Time
	}{
		{"no certificate", Product{Stage: StageProvince}, time.Time{}, d("2026-01-01"), CertNone, time.Time{}},
		{"idea", Product{Stage: StageIdea}, time.Time{}, d("2026-01-01"), CertNone, time.Time{}},
		{"valid", cert(StageRecognised), d("2024-03-15"), d("2026-01-01"), CertValid, time.Time{}},
		{"valid on the issue day", cert(StageRecognised), d("2024-03-15"), at("2024-03-15 08:00"), CertValid, time.Time{}},
		{"valid all of the last day", cert(StageRecognised), d("2024-03-15"), at("2027-03-15 23:59"), CertValid, time.Time{}},
		// 17:30 UTC on the 15th is 00:30 on the 16th in Tây Ninh.
		{"expired just after the last day, province time", cert(StageRecognised), d("2024-03-15"),
			time.Date(2027, 3, 15, 17, 30, 0, 0, time.UTC), CertExpired, d("2027-03-15")},
		{"still valid at 16:59 UTC of the last day", cert(StageRecognised), d("2024-03-15"),
			time.Date(2027, 3, 15, 16, 59, 0, 0, time.UTC), CertValid, time.Time{}},
		{"expired before the lifecycle moved it", cert(StageRecognised), d("2024-03-15"), d("2027-04-01"), CertExpired, d("2027-03-15")},
		{"het_han", cert(StageExpired), d("2027-03-16"), d("2027-03-20"), CertExpired, d("2027-03-15")},
		{"het_han wins over the dates", cert(StageExpired), d("2026-01-10"), d("2026-01-20"), CertExpired, d("2027-03-15")},
		{"revoked, with its day", cert(StageRevoked), at("2025-06-02 14:20"), d("2026-01-01"), CertRevoked, d("2025-06-02")},
		{"revoked after expiry stays revoked", cert(StageRevoked), d("2025-06-02"), d("2028-01-01"), CertRevoked, d("2025-06-02")},
		{"revoked day in province time", cert(StageRevoked), time.Date(2025, 6, 1, 18, 0, 0, 0, time.UTC), d("2026-01-01"), CertRevoked, d("2025-06-02")},
		{"re-evaluation", cert(StageReevaluation), d("2026-10-01"), d("2026-11-01"), CertReevaluation, time.Time{}},
		{"re-evaluation past the last day", cert(StageReevaluation), d("2026-10-01"), d("2027-03-16"), CertExpired, d("2027-03-15")},
		// A re-evaluation filed in time keeps the certificate until the
		// decision, 180 days past its expiry at most (ValidUntil, §7b).
		{"re-evaluation filed in time, past the expiry", extended(cert(StageReevaluation), d("2027-09-11")), d("2026-10-01"), d("2027-06-23"), CertReevaluation, time.Time{}},
		{"re-evaluation past its 180 days", extended(cert(StageReevaluation), d("2027-09-11")), d("2026-10-01"), d("2027-09-12"), CertExpired, d("2027-09-11")},
		{"revoked on its decision's day", revoked(cert(StageRevoked), d("2025-05-30")), at("2025-06-02 14:20"), d("2026-01-01"), CertRevoked, d("2025-05-30")},
		{"upgrade keeps the certificate", cert(StageUpgrade), d("2025-10-01"), d("2026-01-01"), CertValid, time.Time{}},
		{"failed after a certificate", cert(StageFailed), d("2026-12-20"), d("2027-01-05"), CertExpired, d("2026-12-19")},
		// The stage's start unknown (its history unread): yesterday, or the
		// last day when it has passed; never year 0.
		{"failed, start unknown", cert(StageFailed), time.Time{}, at("2027-01-05 10:00"), CertExpired, d("2027-01-04")},
		{"failed, start unknown, past its last day", cert(StageFailed), time.Time{}, d("2028-01-05"), CertExpired, d("2027-03-15")},
		{"revoked, start unknown", cert(StageRevoked), time.Time{}, d("2026-01-05"), CertRevoked, d("2026-01-04")},
		{"imported without an expiry", Product{Stage: StageRecognised, Stars: 3, CertNo: "9"}, time.Time{}, d("2026-01-01"), CertValid, time.Time{}},
	} {
		got := CheckCertificate(tc.p, tc.since, tc.now, loc)
		if got.Status != tc.want || !got.Since.Equal(tc.date) {
			t.Errorf("%s: got %s %v, want %s %v", tc.name, got.Status, got.Since, tc.want, tc.date)
		}
		if got.Status.Holds() != (tc.want == CertValid || tc.want == CertReevaluation) {
			t.Errorf("%s: Holds() = %v", tc.name, got.Status.Holds())
		}
	}
}

func extended(p Product, until time.Time) Product { p.ValidUntil = until; return p }

func revoked(p Product, on time.Time) Product {
	p.Revocation = Revocation{Ground: GroundViolation, DecisionNo: "5/QĐ-UBND", Date: on, Level: ActorProvince}
	return p
}

func TestParsePublicCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"k7m3x9q2ab", "k7m3x9q2ab", true},
		{"K7M3X9Q2AB", "k7m3x9q2ab", true},
		{"k7m3x9q2a", "", false},   // short
		{"k7m3x9q2abc", "", false}, // long
		{"k7m3x9q2a0", "", false},  // 0 is not in the alphabet
		{"k7m3x9q2al", "", false},  // nor l
		{"80-25480-1", "", false},  // a product code is not a public code
		{"k7m3x9q2á", "", false},   // 10 bytes, not letters of the alphabet
		{"../../etc/", "", false},
		{"", "", false},
	} {
		got, ok := ParsePublicCode(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParsePublicCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParsePublicCode(f *testing.F) {
	for _, s := range []string{"k7m3x9q2ab", "K7M3X9Q2AB", "", "80-25480-001-2026", "ơơơơơ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := ParsePublicCode(s)
		if !ok {
			return
		}
		if len(code) != PublicCodeLen {
			t.Fatalf("%q -> %q", s, code)
		}
		if again, ok := ParsePublicCode(code); !ok || again != code {
			t.Fatalf("not stable: %q -> %q", code, again)
		}
	})
}
