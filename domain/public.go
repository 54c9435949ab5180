package domain

import (
	"strings"
	"time"
)

// CertStatus is what a buyer reads on a product's public page (/sp/<code>):
// whether the product holds its OCOP stars today.
type CertStatus string

const (
	// CertNone: the product never held a certificate; it has no public page.
	CertNone CertStatus = ""
	// CertValid: "Còn hiệu lực".
	CertValid CertStatus = "valid"
	// CertExpired: "Hết hiệu lực" since the day after Since (the last valid day).
	CertExpired CertStatus = "expired"
	// CertRevoked: "Đã bị thu hồi" on Since.
	CertRevoked CertStatus = "revoked"
	// CertReevaluation: "Đang đánh giá lại"; the certificate still holds.
	CertReevaluation CertStatus = "reevaluation"
)

// Holds reports whether the product holds its stars under this status (the
// public catalogue lists these).
func (s CertStatus) Holds() bool { return s == CertValid || s == CertReevaluation }

// CertCheck is a certificate's status on a day, with the date that goes
// with it: the last valid day of an expired certificate, the day of a
// revocation, zero otherwise.
type CertCheck struct {
	Status CertStatus
	Since  time.Time
}

// CheckCertificate tells the public status of p's certificate at now, in the
// province's time zone loc, by the lifecycle's rules (lifecycle.go), so
// that the page says what /thongke counts. stageSince is when p entered
// its current stage, the day of a revocation recorded without its
// decision's date. The stage wins where it says more than the dates: a
// revoked product is revoked whatever its dates (from its decision's
// day), an expired one expired. Otherwise ValidOn decides: a certificate
// is valid through the whole of its last day (OCOP-RULES §7b), and a
// re-evaluation filed in time keeps it valid until the decision, 180 days
// past its expiry at most (ValidUntil); it is expired from the next day,
// even before the expiry job moves the product to het_han. A product that
// failed (khong_dat) after holding a certificate is shown expired from the
// day it failed.
func CheckCertificate(p Product, stageSince, now time.Time, loc *time.Location) CertCheck {
	if p.CertNo == "" && p.CertIssued.IsZero() {
		return CertCheck{Status: CertNone}
	}
	if loc == nil {
		loc = time.Local
	}
	day := func(t time.Time) time.Time { return civilDateOf(t.In(loc)).in(loc) }
	lastDay := p.ValidUntil
	if lastDay.IsZero() {
		lastDay = p.CertExpires
	}
	// unknown is the day given when the stage's start is not known (its
	// history could not be read): the certificate's last day when that
	// has passed, else yesterday, never a day of year 0.
	unknown := func() time.Time {
		yesterday := day(now).AddDate(0, 0, -1)
		if !lastDay.IsZero() && day(lastDay).Before(yesterday) {
			return day(lastDay)
		}
		return yesterday
	}
	switch p.Stage {
	case StageRevoked:
		switch {
		case !p.Revocation.Date.IsZero():
			return CertCheck{Status: CertRevoked, Since: day(p.Revocation.Date)}
		case stageSince.IsZero():
			return CertCheck{Status: CertRevoked, Since: unknown()}
		}
		return CertCheck{Status: CertRevoked, Since: day(stageSince)}
	case StageExpired:
		return CertCheck{Status: CertExpired, Since: day(lastDay)}
	case StageFailed:
		if stageSince.IsZero() {
			return CertCheck{Status: CertExpired, Since: unknown()}
		}
		return CertCheck{Status: CertExpired, Since: day(stageSince).AddDate(0, 0, -1)}
	}
	q := p
	if q.ValidUntil.IsZero() {
		q.ValidUntil = p.CertExpires
	}
	if !q.ValidUntil.IsZero() && !ValidOn(q, now.In(loc)) {
		return CertCheck{Status: CertExpired, Since: day(lastDay)}
	}
	if p.Stage == StageReevaluation {
		return CertCheck{Status: CertReevaluation}
	}
	return CertCheck{Status: CertValid}
}

// PublicCodeAlphabet is the letters of a product's public code: digits and
// lower-case letters without 0, 1, i, l and o, which read alike on a label.
const PublicCodeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// PublicCodeLen is the length of a public code: 31^10 codes (about 2^49),
// so that one cannot be found by trying the next number.
const PublicCodeLen = 10

// ParsePublicCode returns the public code in s (the last part of the page's
// address) in its stored form, lower-case, and whether it is one. Upper
// case is accepted: a code may be typed from a label.
func ParsePublicCode(s string) (string, bool) {
	if len(s) != PublicCodeLen {
		return "", false
	}
	s = strings.ToLower(s)
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(PublicCodeAlphabet, s[i]) < 0 {
			return "", false
		}
	}
	return s, true
}

// PublicProduct is what the public page shows of a product: no personal
// data except the contact its producer chose to show.
type PublicProduct struct {
	Product    Product
	PublicCode string
	Producer   string // the subject's (business) name
	// Contact is the phone number (E.164) the producer chose to show, ""
	// when they did not.
	Contact string
	// StageSince is when the product entered its stage.
	StageSince time.Time
}

// Check tells the product's certificate status at now (CheckCertificate).
func (p PublicProduct) Check(now time.Time, loc *time.Location) CertCheck {
	return CheckCertificate(p.Product, p.StageSince, now, loc)
}
