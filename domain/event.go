package domain

import (
	"slices"
	"time"
)

// EventKind is what an event is (issue 5): a training, a fair, an
// exhibition, a trade-promotion event or something else.
type EventKind string

const (
	EventTraining   EventKind = "tap_huan"
	EventFair       EventKind = "hoi_cho"
	EventExhibition EventKind = "trien_lam"
	EventPromotion  EventKind = "xuc_tien"
	EventOther      EventKind = "khac"
)

// EventKinds lists the kinds in the order they are offered.
var EventKinds = []EventKind{EventTraining, EventFair, EventExhibition, EventPromotion, EventOther}

// Valid reports whether k is one of EventKinds.
func (k EventKind) Valid() bool { return slices.Contains(EventKinds, k) }

// Topic is the kind of announcement a user may opt out of (/caidat).
type Topic string

const (
	TopicTraining Topic = "training" // trainings
	TopicFair     Topic = "fair"     // fairs, exhibitions, trade promotion
	TopicGeneral  Topic = "general"  // announcements and other events
)

// Topics lists the topics in the order they are offered.
var Topics = []Topic{TopicTraining, TopicFair, TopicGeneral}

// Valid reports whether t is one of Topics.
func (t Topic) Valid() bool { return slices.Contains(Topics, t) }

// Topic returns the topic an invitation to an event of kind k belongs to.
func (k EventKind) Topic() Topic {
	switch k {
	case EventTraining:
		return TopicTraining
	case EventFair, EventExhibition, EventPromotion:
		return TopicFair
	}
	return TopicGeneral
}

// Audience kinds. The first four are chosen by officers; the last two are
// used by the system for the follow-ups of an event.
const (
	AudienceAll      = "all"      // everyone who consented (registered or not)
	AudienceCommunes = "communes" // registered subjects of some communes
	AudienceGroups   = "groups"   // subjects with a product in some product groups
	AudienceStage    = "stage"    // subjects with a product in a stage
	AudienceInvited  = "invited"  // those invited to (or who answered) an event
	AudienceGoing    = "going"    // those who said they will attend an event
)

// Audience says who receives an announcement or an invitation. Whatever the
// audience, a user who did not consent, blocked the bot or opted out of the
// topic receives nothing.
type Audience struct {
	Kind     string   `json:"kind"`
	Communes []string `json:"communes,omitempty"` // commune codes
	Groups   []int    `json:"groups,omitempty"`   // product groups, as chosen
	Sets     []int    `json:"sets,omitempty"`     // the product sets of Groups
	Stage    Stage    `json:"stage,omitempty"`
	EventID  int64    `json:"event_id,omitempty"` // for invited and going
}

// Matches reports whether a registered subject of commune, with products in
// sets and stages, belongs to a chosen audience (all, communes, groups,
// stage); an unregistered user (commune "") belongs to "all" only.
func (a Audience) Matches(commune string, sets []int, stages []Stage) bool {
	switch a.Kind {
	case AudienceAll:
		return true
	case AudienceCommunes:
		return commune != "" && slices.Contains(a.Communes, commune)
	case AudienceGroups:
		for _, s := range sets {
			if slices.Contains(a.Sets, s) {
				return true
			}
		}
	case AudienceStage:
		return slices.Contains(stages, a.Stage)
	}
	return false
}

// OpenTo reports whether a producer may see an event and answer it: one
// who was invited (or already answered) keeps it even when their facts
// changed since; anyone else only when the audience takes them in today.
// The event's id is no key: ids are sequential and buttons can be forged.
func (e Event) OpenTo(invited bool, commune string, sets []int, stages []Stage) bool {
	return invited || e.Audience.Matches(commune, sets, stages)
}

// CheckinLead is how long before its start an event's check-in opens.
const CheckinLead = time.Hour

// Event is a training, fair or other event officers invite producers to.
type Event struct {
	ID          int64
	Kind        EventKind
	Title       string
	Place       string
	Description string
	StartsAt    time.Time
	// EndsAt closes the check-in: the end of the day of the start, in the
	// province's time zone.
	EndsAt    time.Time
	Audience  Audience
	Capacity  int // 0: no limit
	Cancelled bool
	// CheckinCode is the secret part of the check-in deep link.
	CheckinCode string
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Past reports whether the event has started by now (RSVP is closed).
func (e Event) Past(now time.Time) bool { return !now.Before(e.StartsAt) }

// CheckinOpen reports whether a check-in at now counts: from CheckinLead
// before the start to the end of the event.
func (e Event) CheckinOpen(now time.Time) bool {
	return !e.Cancelled && !now.Before(e.StartsAt.Add(-CheckinLead)) && now.Before(e.EndsAt)
}

// RSVPCounts are the answers to an invitation.
type RSVPCounts struct {
	Yes, No, Attended int
}

// EventPerson is a user who answered an invitation or attended an event,
// as officers see them.
type EventPerson struct {
	UserID      int64
	Name        string // the channel's display name
	Username    string
	SubjectID   int64
	SubjectName string
	Commune     string // commune code of the subject
	Phone       string // the subject's phone, E.164
	RSVP        string // "yes", "no" or ""
	Attended    bool
	CheckedAt   time.Time
	Method      string // "qr" or "officer"
}

// Job states.
const (
	JobRunning   = "running"
	JobDone      = "done"
	JobCancelled = "cancelled"
)

// Job kinds.
const (
	JobAnnouncement = "announce"
	JobInvitation   = "invite"
	JobEventChange  = "event_change"
	JobEventCancel  = "event_cancel"
	JobReminder     = "reminder"
)

// Job is a bulk send: an announcement, an invitation, a reminder, a change
// or a cancellation, with one row per recipient.
type Job struct {
	ID        int64
	Key       string // unique: creating a job with a known key does nothing
	Kind      string
	Topic     Topic
	EventID   int64
	CreatedBy int64 // our user id, 0 for the system
	// Channel and ChatID of the officer who follows the progress; empty for
	// the system's jobs.
	Channel, ChatID string
	Lang            string // the officer's language
	ProgressMsg     string // the id of the progress message, once sent
	Payload         []byte // what to send, JSON (bot/bulk.Message)
	State           string
	Total           int
	CreatedAt       time.Time
	FinishedAt      time.Time
}

// AnnouncementLife is how long after it was made a message that is not
// tied to an event's start (an announcement, an event's cancellation) is
// still worth giving to a recipient who could not be sent it at once.
const AnnouncementLife = 30 * 24 * time.Hour

// StillCurrent reports whether the job's message is still worth giving at
// now to a recipient who waited for it (outside the reply window when it
// was sent): an invitation, a change or a reminder until the event starts
// (eventStart; zero when the event is gone or cancelled, then never); an
// announcement within AnnouncementLife of its making. A cancellation also
// keeps AnnouncementLife: it tells those who were invited why the event
// did not take place, which still matters for a while after its date.
func (j Job) StillCurrent(now, eventStart time.Time) bool {
	switch j.Kind {
	case JobInvitation, JobEventChange, JobReminder:
		return !eventStart.IsZero() && now.Before(eventStart)
	}
	return now.Sub(j.CreatedAt) <= AnnouncementLife
}

// JobStats counts a job's recipients by state. Waiting recipients are on
// a channel with a reply window (Zalo) and get the message when they next
// write, if it is still current then; Expired ones waited until it was not.
type JobStats struct {
	Pending, Sending, Sent, Blocked, Failed, Skipped, Waiting, Expired int
}

// Left is how many recipients are still to be sent to now: not those
// waiting for the user to write again.
func (s JobStats) Left() int { return s.Pending + s.Sending }

// Total is the number of recipients.
func (s JobStats) Total() int {
	return s.Pending + s.Sending + s.Sent + s.Blocked + s.Failed + s.Skipped + s.Waiting + s.Expired
}

// Delivery is one recipient of a job, as the bulk sender claims it.
type Delivery struct {
	JobID    int64
	UserID   int64
	Kind     string // the job's kind
	Channel  string
	ChatID   string
	Lang     string
	Attempts int    // failed attempts so far
	Payload  []byte // the job's payload
}
