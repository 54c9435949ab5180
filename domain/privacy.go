package domain

import "time"

// Personal data under the person's control (Decree 13/2023/NĐ-CP and the
// Personal Data Protection Law in force from 1/1/2026): what is kept about
// a person, what erasing it keeps, and how long the bot keeps people who
// never registered.

// InactiveRetention is how long the bot keeps a person who never
// registered a subject (no role, no subject on any of their accounts) after
// they last wrote: then everything about them is erased by the daily
// cleanup, as if they had asked.
const InactiveRetention = 180 * 24 * time.Hour

// Privacy request kinds, as the audit records them (never their content).
const (
	PrivacyView     = "view"
	PrivacyExport   = "export"
	PrivacyWithdraw = "withdraw"
	PrivacyErase    = "erase"
	PrivacyExpired  = "expired" // erased by the retention limit
)

// PersonalData is everything kept about one person: all their accounts
// (one per channel), the subject they act for, its products with their
// answers and files, the events they answered or attended, and the kinds
// of announcements they turned off.
type PersonalData struct {
	Accounts []User
	// Subject is the subject they act for; zero when none. SharedWith is
	// how many other people act for it too.
	Subject    Subject
	SharedWith int
	Products   []Product
	Files      []PersonalFile
	Events     []PersonalEvent
	Optouts    []Topic
	// Questions are those asked of the officers (Hỏi cán bộ).
	Questions []PersonalQuestion
}

// PersonalQuestion is a question asked of the officers, with its answer.
type PersonalQuestion struct {
	Question   string
	Answer     string
	AskedAt    time.Time
	AnsweredAt time.Time // zero while unanswered
}

// PersonalFile is a file sent for a dossier item.
type PersonalFile struct {
	ProductCode string
	Item        string
	Name        string
	Mime        string
	Size        int64
	At          time.Time
}

// PersonalEvent is an event the person answered or attended.
type PersonalEvent struct {
	Title    string
	StartsAt time.Time
	Answer   string // "yes", "no" or ""
	Attended bool
}

// MustKeep reports whether the province must keep a product after its
// producer asked to erase their data: a certificate was issued for it
// (the register of certified products and its stage history are public
// records). Its files and the producer's personal details go all the same.
func (p Product) MustKeep() bool {
	return p.CertNo != "" || !p.CertIssued.IsZero() || p.Stars > 0
}

// Erasure is what erasing a person's data did.
type Erasure struct {
	Accounts int
	// SubjectKept: "" when there was no subject, "deleted", "anonymised"
	// (products with certificates are kept without personal details) or
	// "shared" (other people act for it: only this person's link goes).
	SubjectKept string
	// KeptProducts are the codes of the products kept (certificates).
	KeptProducts []string
	// DeletedProducts counts the products deleted with their history.
	DeletedProducts int
	// Questions counts the questions asked of the officers (Hỏi cán bộ)
	// deleted with their answers and photos.
	Questions int
	// Blobs are the stored files no record refers to any more: the caller
	// removes them from the file store once the erasure is committed.
	Blobs []string
}

// Subject fates of an erasure.
const (
	SubjectDeleted    = "deleted"
	SubjectAnonymised = "anonymised"
	SubjectShared     = "shared"
)

// RetentionDue reports whether a person who never registered is past the
// retention limit: no role, no subject on any account, last seen (or, when
// never recorded, last changed) longer ago than InactiveRetention.
func RetentionDue(u User, now time.Time) bool {
	if u.Role.IsOfficer() || u.SubjectID != 0 {
		return false
	}
	seen := u.LastSeen
	if seen.IsZero() {
		seen = u.UpdatedAt
	}
	return now.Sub(seen) > InactiveRetention
}
