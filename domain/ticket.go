package domain

import (
	"slices"
	"time"
)

// A question the FAQ cannot answer goes to a person: "Hỏi cán bộ". It
// becomes a numbered ticket for the officers of the producer's commune
// (the province's officers when the commune has none), tracked until it is
// answered.

// Ticket is one question to the officers.
type Ticket struct {
	ID        int64
	UserID    int64  // who asked
	SubjectID int64  // their subject, 0 when not registered
	Commune   string // the subject's commune, "" when unknown
	// ToProvince: the province's officers answer it (the commune has no
	// officer, or the asker is not registered).
	ToProvince bool
	Question   string
	Photos     int
	Answer     string
	AnsweredBy int64
	Asked      time.Time
	Answered   time.Time // zero while open
}

// Open reports whether the ticket waits for an answer.
func (t Ticket) Open() bool { return t.Answered.IsZero() }

// Working days after which an open ticket is followed up.
const (
	TicketRemindDays   = 2 // its officers are reminded
	TicketEscalateDays = 5 // the province's officers see it too
)

// TicketDue returns when a ticket asked at asked has waited n working days:
// the n-th working day after, at the time of day it was asked.
func TicketDue(cal *Calendar, asked time.Time, n int) time.Time {
	day := time.Date(asked.Year(), asked.Month(), asked.Day(), 0, 0, 0, 0, asked.Location())
	return cal.AddWorkingDays(asked, n).Add(asked.Sub(day))
}

// Escalated reports whether the province's officers answer the ticket at
// now: it was theirs from the start, or waited TicketEscalateDays.
func (t Ticket) Escalated(cal *Calendar, now time.Time) bool {
	return t.ToProvince || (t.Open() && !now.Before(TicketDue(cal, t.Asked, TicketEscalateDays)))
}

// VisibleTo reports whether officer u sees the ticket at now: admins every
// ticket, commune officers those of their communes, province officers
// those that are theirs (Escalated) and any they answered.
func (t Ticket) VisibleTo(u User, cal *Calendar, now time.Time) bool {
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleCommuneOfficer:
		return t.Commune != "" && slices.Contains(u.Communes, t.Commune)
	case RoleProvinceOfficer:
		return t.Escalated(cal, now) || (t.AnsweredBy != 0 && t.AnsweredBy == u.ID)
	}
	return false
}

// TicketStats are the figures of "Hỏi cán bộ": questions asked, answered,
// and the median time to an answer (zero when none was answered).
type TicketStats struct {
	Asked, Answered int
	Median          time.Duration
}

// StatsOf counts tickets and the median time to their answers.
func StatsOf(tickets []Ticket) TicketStats {
	var s TicketStats
	var waits []time.Duration
	for _, t := range tickets {
		s.Asked++
		if !t.Open() {
			s.Answered++
			waits = append(waits, t.Answered.Sub(t.Asked))
		}
	}
	if n := len(waits); n > 0 {
		slices.Sort(waits)
		if n%2 == 1 {
			s.Median = waits[n/2]
		} else {
			s.Median = (waits[n/2-1] + waits[n/2]) / 2
		}
	}
	return s
}
