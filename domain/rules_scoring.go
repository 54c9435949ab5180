package domain

import (
	"slices"
	"time"
)

// MaxScore is the full mark of an OCOP scoring sheet.
const MaxScore = 100

// Part is one part of the 100-point scoring sheet (OCOP-RULES §4).
type Part struct {
	ID     string `json:"id"`     // "A", "B", "C"
	Name   string `json:"name"`   // "Sản phẩm và sức mạnh cộng đồng"
	Points int    `json:"points"` // its share of the 100 points
}

// Band is the star level of a range of average scores: Min is inclusive,
// Max exclusive, except in the top band, whose Max (100) is inclusive.
type Band struct {
	Stars int     `json:"stars"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

// Certifier says who recognises some star levels with a decision and a
// certificate.
type Certifier struct {
	Stars []int  `json:"stars"` // the star levels it recognises
	Level Actor  `json:"level"` // ActorDistrict, ActorProvince or ActorCentral
	By    string `json:"by"`    // the office, in Vietnamese: "Chủ tịch Ủy ban nhân dân tỉnh"
}

// ValidScore reports whether score is an average score a council can give:
// a number from 0 to 100.
func ValidScore(score float64) bool { return score >= 0 && score <= MaxScore }

// StarsFor returns the star band of an average score. A score outside 0 to
// 100 (or NaN) is not clamped, since it can only be a typing error: it has no
// band and gives 0. Check scores with ValidScore before recording them.
func (r *Rulebook) StarsFor(score float64) int {
	if !ValidScore(score) {
		return 0
	}
	for i, b := range r.Bands {
		top := i == len(r.Bands)-1
		if score >= b.Min && (score < b.Max || top && score <= b.Max) {
			return b.Stars
		}
	}
	return 0
}

// MaxStars returns the most stars a council may give a product of this
// average score: its band. The council may give fewer (a product that misses
// a star level's minimums on the sheet cannot get it), never more. Note that
// at the province a score in the central level's band means "sent to the
// central level" (ToCentral), not those stars; see Certifier. An invalid
// score gives 0.
func (r *Rulebook) MaxStars(score float64) int { return r.StarsFor(score) }

// Recognised reports whether a star level is recognised with a decision and
// a certificate (3, 4 and 5 stars); the lower levels are score bands only.
func (r *Rulebook) Recognised(stars int) bool { return slices.Contains(r.RecognisedStars, stars) }

// Certifier returns who recognises a star level.
func (r *Rulebook) Certifier(stars int) (Certifier, bool) {
	for _, c := range r.Certifiers {
		if slices.Contains(c.Stars, stars) {
			return c, true
		}
	}
	return Certifier{}, false
}

// ToCentral reports whether a product given this average score at the
// province goes up to the central level: its band is recognised by the
// central level (90 points or more, for 5★).
func (r *Rulebook) ToCentral(score float64) bool {
	c, ok := r.Certifier(r.StarsFor(score))
	return ok && c.Level == ActorCentral
}

// CertificateExpiry returns the last day a certificate issued on issued is
// valid: ValidityMonths calendar months later, on the day of the month it was
// issued, at midnight in issued's location (Bộ luật Dân sự 2015, Điều
// 147–148: the issue day is not counted and a period in months ends at the
// end of the corresponding day). Where the final month has no such day
// (issued 29/2), it is the last day of that month: 28/2. The certificate
// counts as valid through the whole of that day and expires (het_han) the
// day after. Printed certificates carry their own expiry, which wins.
func (r *Rulebook) CertificateExpiry(issued time.Time) time.Time {
	d := civilDateOf(issued)
	first := time.Date(d.y, d.m, 1, 0, 0, 0, 0, issued.Location()).AddDate(0, r.ValidityMonths, 0)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d.d, last)-1)
}
