package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Events is what the handlers need of the events repository.
type Events interface {
	CreateEvent(ctx context.Context, e *domain.Event, invite func(domain.Event) *domain.Job) (*domain.Job, error)
	Event(ctx context.Context, id int64) (domain.Event, error)
	Upcoming(ctx context.Context, now time.Time) ([]domain.Event, error)
	Recent(ctx context.Context, since time.Time) ([]domain.Event, error)
	UpdateEvent(ctx context.Context, e *domain.Event, change *domain.Job) error
	CancelEvent(ctx context.Context, id int64, notice *domain.Job) (bool, error)
	RSVP(ctx context.Context, eventID, userID int64, yes bool) error
	RSVPOf(ctx context.Context, eventID, userID int64) (string, error)
	// Invited: the user was sent the invitation or answered it.
	Invited(ctx context.Context, eventID, userID int64) (bool, error)
	Counts(ctx context.Context, eventID int64) (domain.RSVPCounts, error)
	People(ctx context.Context, eventID int64) ([]domain.EventPerson, error)
	MarkAttended(ctx context.Context, eventID, userID int64, method string, by int64) (bool, error)
	UnmarkAttended(ctx context.Context, eventID, userID int64) error
}

// Jobs is what the handlers need of the bulk jobs repository.
type Jobs interface {
	CountAudience(ctx context.Context, a domain.Audience, topic domain.Topic, exclude int64) (int, error)
	// CountWaiting counts those of the audience outside the reply window
	// of their channel (Zalo): they get it when they write again.
	CountWaiting(ctx context.Context, a domain.Audience, topic domain.Topic, exclude int64, now time.Time) (int, error)
	CreateJob(ctx context.Context, j *domain.Job, a domain.Audience, exclude int64) (bool, error)
	// SetProgress records the job's progress message (to edit it).
	SetProgress(ctx context.Context, jobID int64, msgID string) error
	Job(ctx context.Context, id int64) (domain.Job, error)
	Cancel(ctx context.Context, jobID int64) (bool, error)
	Optouts(ctx context.Context, userID int64) ([]domain.Topic, error)
	SetOptout(ctx context.Context, userID int64, topic domain.Topic, out bool) error
}

// Flows and buttons of events.
const (
	flowEvent       = "ev"
	flowEventChange = "evc"
	// cbEvent: "ev|y|<id>", "ev|n|<id>" (RSVP), "ev|l" (list), "ev|s|<id>" (show).
	cbEvent = "ev"
	// cbEventOfficer: "evo|<action>|<id>[|<user>]" (officers only).
	cbEventOfficer = "evo"
)

// Field keys of the event forms.
const (
	evKind     = "kind"
	evTitle    = "title"
	evWhen     = "when"
	evPlace    = "place"
	evDesc     = "desc"
	evCapacity = "capacity"
)

// whenLayout is how a start time is kept in a form, in the province's zone.
const whenLayout = "2006-01-02 15:04"

// Limits of the event fields, in characters.
const (
	maxEventTitle = 150
	maxEventPlace = 200
	maxEventDesc  = 1500
	maxCapacity   = 100000
	maxListed     = 10 // events shown by /sukien
	maxRollCall   = 40 // people on one /diemdanh screen
)

// eventFlow is /taosukien: an officer creates an event and invites its
// audience.
func (a *app) eventFlow() *bot.Flow {
	steps := []bot.Step{
		{Key: evKind, Prompt: "ev.ask_kind", Label: "ev.label_kind", Choices: eventKindChoices},
		{Key: evTitle, Prompt: "ev.ask_title", Label: "ev.label_title", Parse: parseEventTitle},
		{Key: evWhen, Prompt: "ev.ask_when", Label: "ev.label_when", Parse: a.parseWhenStep, Show: a.showWhen},
		{Key: evPlace, Prompt: "ev.ask_place", Label: "ev.label_place", Parse: parseEventPlace},
		{Key: evDesc, Prompt: "ev.ask_desc", Label: "ev.label_desc", Parse: parseEventDesc, Optional: true},
	}
	steps = append(steps, a.audienceSteps(func(f *bot.Form) domain.Topic { return domain.EventKind(f.Answers[evKind]).Topic() })...)
	steps = append(steps, bot.Step{Key: evCapacity, Prompt: "ev.ask_capacity", Label: "ev.label_capacity", Parse: parseCapacity, Optional: true,
		Show: func(ctx context.Context, c *bot.Ctx, _ *bot.Form, v string) string {
			if v == "" {
				return c.T("ev.no_limit")
			}
			return bot.Escape(v)
		}})
	return &bot.Flow{ID: flowEvent, Title: "ev.title", Steps: steps,
		Begin: officerOnly, Done: a.saveEvent, Summary: a.eventSummary}
}

// eventChangeFlow changes the title, time, place or description of an
// event; those invited are told.
func (a *app) eventChangeFlow() *bot.Flow {
	return &bot.Flow{ID: flowEventChange, Title: "ev.change_title", Steps: []bot.Step{
		{Key: evTitle, Prompt: "ev.ask_title", Label: "ev.label_title", Parse: parseEventTitle},
		{Key: evWhen, Prompt: "ev.ask_when", Label: "ev.label_when", Parse: a.parseWhenStep, Show: a.showWhen},
		{Key: evPlace, Prompt: "ev.ask_place", Label: "ev.label_place", Parse: parseEventPlace},
		{Key: evDesc, Prompt: "ev.ask_desc", Label: "ev.label_desc", Parse: parseEventDesc, Optional: true},
	}, Begin: officerOnly, Done: a.saveEventChange, Summary: a.eventSummary}
}

// officerOnly refuses a form to anyone but officers (a forged start).
func officerOnly(ctx context.Context, c *bot.Ctx, _ *bot.Form) (bool, error) {
	if !c.IsOfficer() {
		return false, c.Say(ctx, "common.officers_only")
	}
	return true, nil
}

func eventKindChoices(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	out := make([]bot.Choice, len(domain.EventKinds))
	for i, k := range domain.EventKinds {
		out[i] = bot.Choice{Value: string(k), Label: c.T("ev_kind." + string(k))}
	}
	return out
}

var (
	parseEventTitle = textField("ev.title", 3, maxEventTitle, "ev.title_invalid", "ev.title_invalid", "ev.title_too_long")
	parseEventPlace = textField("ev.place", 2, maxEventPlace, "ev.place_invalid", "ev.place_invalid", "ev.place_too_long")
)

func parseEventDesc(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	if utf8.RuneCountInString(in) > maxEventDesc {
		return "", domain.Invalid("ev.desc", "ev.desc_too_long")
	}
	return in, nil
}

func parseCapacity(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	n, ok := domain.ParseCount(in, "nguoi", "cho", "khach", "ban") // "50", "50 người", "1.000 chỗ"
	if !ok || n < 1 || n > maxCapacity {
		return "", domain.Invalid("ev.capacity", "ev.capacity_invalid")
	}
	return strconv.Itoa(n), nil
}

func (a *app) parseWhenStep(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	t, err := ParseEventTime(in, a.now(), a.loc())
	if err != nil {
		return "", err
	}
	return t.Format(whenLayout), nil
}

// ParseEventTime reads a start time "dd/mm/yyyy hh:mm", or "dd/mm hh:mm"
// meaning its next occurrence, in loc; the time may come first, "8h30" and
// "8h" are read as 08:30 and 08:00, and "-" or "." may separate the date.
// A date that does not exist (31/02), a time that does not (25:00),
// anything else ("mai") and a time not after now are refused with a
// message id that says why.
func ParseEventTime(in string, now time.Time, loc *time.Location) (time.Time, error) {
	const op = "ParseEventTime"
	fields := strings.Fields(strings.ToLower(strings.TrimSpace(in)))
	var dateS, timeS string
	for _, f := range fields {
		switch {
		case f == "lúc" || f == "luc" || f == "ngày" || f == "ngay":
		case strings.ContainsAny(f, "/-") || strings.Count(f, ".") >= 1 && !strings.ContainsAny(f, ":h"):
			if dateS != "" {
				return time.Time{}, domain.Invalid(op, "ev.when_format")
			}
			dateS = f
		case strings.ContainsAny(f, ":h"):
			if timeS != "" {
				return time.Time{}, domain.Invalid(op, "ev.when_format")
			}
			timeS = f
		default:
			return time.Time{}, domain.Invalid(op, "ev.when_format")
		}
	}
	if dateS == "" || timeS == "" {
		return time.Time{}, domain.Invalid(op, "ev.when_format")
	}
	date, dateErr := domain.ParseDate(dateS)
	if errors.Is(dateErr, domain.ErrDateFormat) {
		return time.Time{}, domain.Invalid(op, "ev.when_format")
	}
	day, month := date.Day, int(date.Month)
	now = now.In(loc)
	year, yearGiven := now.Year(), date.HasYear
	if yearGiven {
		year = date.Year
	}
	var hour, minute int
	tparts := strings.FieldsFunc(timeS, func(r rune) bool { return r == ':' || r == 'h' || r == 'g' })
	if len(tparts) < 1 || len(tparts) > 2 || strings.HasPrefix(timeS, ":") {
		return time.Time{}, domain.Invalid(op, "ev.when_format")
	}
	for i, p := range tparts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) > 2 {
			return time.Time{}, domain.Invalid(op, "ev.when_format")
		}
		if i == 0 {
			hour = n
		} else {
			minute = n
		}
	}
	if hour > 23 || minute > 59 {
		return time.Time{}, domain.Invalid(op, "ev.time_invalid")
	}
	if dateErr != nil {
		return time.Time{}, domain.Invalid(op, "ev.date_invalid")
	}
	valid := func(y int) (time.Time, bool) {
		t := time.Date(y, time.Month(month), day, hour, minute, 0, 0, loc)
		return t, month >= 1 && month <= 12 && t.Day() == day && int(t.Month()) == month
	}
	t, ok := valid(year)
	if !ok && !yearGiven && month == 2 && day == 29 {
		// 29/02 without a year: the next leap year.
		for y := year + 1; y <= year+4 && !ok; y++ {
			if t, ok = valid(y); ok && t.After(now) {
				break
			}
		}
	}
	if !ok {
		return time.Time{}, domain.Invalid(op, "ev.date_invalid")
	}
	if !yearGiven && !t.After(now) {
		t, _ = valid(year + 1)
	}
	if !t.After(now) {
		return time.Time{}, domain.Invalid(op, "ev.when_past")
	}
	if t.After(now.AddDate(3, 0, 0)) {
		return time.Time{}, domain.Invalid(op, "ev.when_far")
	}
	return t, nil
}

func (a *app) whenOf(v string) (time.Time, bool) {
	t, err := time.ParseInLocation(whenLayout, v, a.loc())
	return t, err == nil
}

func (a *app) showWhen(ctx context.Context, _ *bot.Ctx, _ *bot.Form, v string) string {
	if t, ok := a.whenOf(v); ok {
		return t.Format("02/01/2006 15:04")
	}
	return bot.Escape(v)
}

// endOfDay is the end of the day of t in loc: the end of an event.
func endOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
}

func newCheckinCode() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// eventData is the template data of an event, for messages to producers.
func eventData(loc *time.Location, e domain.Event) map[string]string {
	d := map[string]string{
		"Title": e.Title, "When": e.StartsAt.In(loc).Format("15:04 02/01/2006"), "Place": e.Place,
		"Desc": e.Description, "ID": strconv.FormatInt(e.ID, 10), "Capacity": "",
	}
	if e.Capacity > 0 {
		d["Capacity"] = strconv.Itoa(e.Capacity)
	}
	return d
}

// rsvpButtons are the "Tham gia / Không tham gia" buttons of an event, as
// a job keeps them (labels are message ids). An id always encodes; were it
// not so, the button's empty data would fail each copy when sent.
func rsvpButtons(id int64) [][]bulk.Button {
	yes, no := bot.Data(cbEvent, "y", id).Button("ev.btn_yes"), bot.Data(cbEvent, "n", id).Button("ev.btn_no")
	return [][]bulk.Button{{{Label: yes.Label, Data: yes.Data}, {Label: no.Label, Data: no.Data}}}
}

// eventMessage is a bulk message about an event: msg is "ev.invite",
// "ev.changed", "ev.cancelled_notice" or "ev.reminder"; the kind's name is
// rendered in each recipient's language.
func eventMessage(loc *time.Location, msg string, e domain.Event, buttons bool) bulk.Message {
	m := bulk.Message{Msg: msg, Data: eventData(loc, e), IDs: map[string]string{"Kind": "ev_kind." + string(e.Kind)}}
	if buttons {
		m.Buttons = rsvpButtons(e.ID)
	}
	return m
}

func (a *app) saveEvent(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	if !c.IsOfficer() {
		return domain.Invalid("ev.save", "common.officers_only")
	}
	kind := domain.EventKind(f.Answers[evKind])
	starts, ok := a.whenOf(f.Answers[evWhen])
	if !ok || !kind.Valid() {
		return domain.Invalid("ev.save", "ev.when_format")
	}
	if !starts.After(a.now()) {
		return domain.Invalid("ev.save", "ev.when_past")
	}
	aud := a.audienceOf(f)
	if err := checkAudience(aud); err != nil {
		return err
	}
	n, err := a.Jobs.CountAudience(ctx, aud, kind.Topic(), c.User.ID)
	if err != nil {
		return domain.Op("ev.save", err)
	}
	if n == 0 {
		return domain.Invalid("ev.save", "aud.nobody")
	}
	waiting, err := a.Jobs.CountWaiting(ctx, aud, kind.Topic(), c.User.ID, a.now())
	if err != nil {
		return domain.Op("ev.save", err)
	}
	capacity, _ := strconv.Atoi(f.Answers[evCapacity])
	ev := domain.Event{Kind: kind, Title: f.Answers[evTitle], Place: f.Answers[evPlace], Description: f.Answers[evDesc],
		StartsAt: starts, EndsAt: endOfDay(starts, a.loc()), Audience: aud, Capacity: capacity,
		CheckinCode: newCheckinCode(), CreatedBy: c.User.ID}
	job, err := a.Events.CreateEvent(ctx, &ev, func(e domain.Event) *domain.Job {
		return &domain.Job{Kind: domain.JobInvitation, Topic: kind.Topic(), CreatedBy: c.User.ID, Channel: c.Update.Channel,
			ChatID: c.Update.ChatID, Lang: c.Locale, Payload: eventMessage(a.loc(), "ev.invite", e, true).Encode()}
	})
	if err != nil {
		return domain.Op("ev.save", err)
	}
	c.Saved(strconv.FormatInt(ev.ID, 10))
	if job == nil || job.ID == 0 {
		if err := c.Say(ctx, "aud.nobody"); err != nil {
			return err
		}
	} else if err := a.startProgress(ctx, c, *job, n, waiting); err != nil {
		return err
	}
	return a.showEventOfficer(ctx, c, ev, "ev.created")
}

// startProgress sends a new job's starting message, with its cancel
// button, records it as the job's progress message and wakes the sender.
func (a *app) startProgress(ctx context.Context, c *bot.Ctx, j domain.Job, total, waiting int) error {
	defer a.kick()
	progress, err := c.SendID(ctx, bulk.ProgressReply(a.e, c.Locale, j.Kind, total, waiting, j.ID))
	if err != nil || progress == "" {
		return err
	}
	if err := a.Jobs.SetProgress(ctx, j.ID, progress); err != nil {
		return domain.Op("bulk.progress", err)
	}
	return nil
}

func (a *app) kick() {
	if a.Kick != nil {
		a.Kick()
	}
}
