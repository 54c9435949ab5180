package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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
		Show: func(c *bot.Ctx, _ *bot.Form, v string) string {
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

func parseEventDesc(_ *bot.Ctx, in string) (string, error) {
	if utf8.RuneCountInString(in) > maxEventDesc {
		return "", domain.Invalid("ev.desc", "ev.desc_too_long")
	}
	return in, nil
}

func parseCapacity(_ *bot.Ctx, in string) (string, error) {
	n, ok := domain.ParseCount(in, "nguoi", "cho", "khach", "ban") // "50", "50 người", "1.000 chỗ"
	if !ok || n < 1 || n > maxCapacity {
		return "", domain.Invalid("ev.capacity", "ev.capacity_invalid")
	}
	return strconv.Itoa(n), nil
}

func (a *app) parseWhenStep(_ *bot.Ctx, in string) (string, error) {
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

func (a *app) showWhen(_ *bot.Ctx, _ *bot.Form, v string) string {
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

// events is /sukien: the upcoming events for a producer, with their
// answers; for an officer, the events to manage.
func (a *app) events(ctx context.Context, c *bot.Ctx) error {
	if c.IsOfficer() {
		return a.officerEvents(ctx, c)
	}
	list, err := a.relevantEvents(ctx, c)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return c.Say(ctx, "ev.none")
	}
	if err := c.Say(ctx, "ev.list_header", map[string]any{"N": len(list)}); err != nil {
		return err
	}
	for _, e := range list {
		if err := a.sendEventCard(ctx, c, e); err != nil {
			return err
		}
	}
	return nil
}

// relevantEvents are the upcoming events whose audience takes in the user:
// everyone's, and those of their commune, product groups or stages.
func (a *app) relevantEvents(ctx context.Context, c *bot.Ctx) ([]domain.Event, error) {
	all, err := a.Events.Upcoming(ctx, a.now())
	if err != nil {
		return nil, domain.Op("ev.list", err)
	}
	commune, sets, stages, err := a.audienceFacts(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []domain.Event
	for _, e := range all {
		if e.Audience.Matches(commune, sets, stages) {
			out = append(out, e)
		}
		if len(out) == maxListed {
			break
		}
	}
	return out, nil
}

// audienceFacts are what an audience is matched against: the user's
// commune, product sets and stages.
func (a *app) audienceFacts(ctx context.Context, c *bot.Ctx) (commune string, sets []int, stages []domain.Stage, err error) {
	if c.User.SubjectID == 0 {
		return "", nil, nil, nil
	}
	s, err := a.Subjects.Get(ctx, c.User.SubjectID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return "", nil, nil, domain.Op("ev.facts", err)
	}
	ps, err := a.Products.ListBySubject(ctx, c.User.SubjectID)
	if err != nil {
		return "", nil, nil, domain.Op("ev.facts", err)
	}
	for _, p := range ps {
		sets, stages = append(sets, p.Set), append(stages, p.Stage)
	}
	return s.CommuneCode, sets, stages, nil
}

// eventOpen reports whether the user may see and answer an event: an
// officer when it is in their scope, a producer when it is open to them
// (domain.Event.OpenTo).
func (a *app) eventOpen(ctx context.Context, c *bot.Ctx, e domain.Event) (bool, error) {
	if c.IsOfficer() && inScope(c, e) {
		return true, nil
	}
	invited, err := a.Events.Invited(ctx, e.ID, c.User.ID)
	if err != nil {
		return false, domain.Op("ev.open", err)
	}
	commune, sets, stages, err := a.audienceFacts(ctx, c)
	if err != nil {
		return false, err
	}
	return e.OpenTo(invited, commune, sets, stages), nil
}

// sendEventCard shows one event to a producer with the RSVP buttons.
func (a *app) sendEventCard(ctx context.Context, c *bot.Ctx, e domain.Event) error {
	ans, err := a.Events.RSVPOf(ctx, e.ID, c.User.ID)
	if err != nil {
		return domain.Op("ev.card", err)
	}
	m := eventMessage(a.loc(), "ev.card", e, !e.Past(a.now()))
	r := m.Reply(a.e, c.Locale)
	switch ans {
	case "yes":
		r.Text += "\n" + c.T("ev.your_yes")
	case "no":
		r.Text += "\n" + c.T("ev.your_no")
	}
	return c.Send(ctx, r)
}

// eventButton handles the producers' buttons: RSVP, list, show.
func (a *app) eventButton(ctx context.Context, c *bot.Ctx) error {
	act := c.Pressed.Verb
	if act == "l" {
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.events(ctx, c)
	}
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	ev, err := a.Events.Event(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	if err != nil {
		return domain.Op("ev.button", err)
	}
	// An event outside the user's audience answers as one that does not
	// exist: the same words, so a forged button learns nothing.
	if ok, err := a.eventOpen(ctx, c, ev); err != nil {
		return err
	} else if !ok {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	switch act {
	case "s":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.sendEventCard(ctx, c, ev)
	case "y", "n":
		return a.rsvp(ctx, c, ev, act == "y")
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

func (a *app) rsvp(ctx context.Context, c *bot.Ctx, ev domain.Event, yes bool) error {
	data := map[string]any{"Title": ev.Title}
	switch {
	case ev.Cancelled:
		if err := c.Answer(ctx, c.T("ev.rsvp_cancelled"), true); err != nil {
			return err
		}
		return c.Say(ctx, "ev.rsvp_cancelled")
	case ev.Past(a.now()):
		if err := c.Answer(ctx, c.T("ev.rsvp_past"), true); err != nil {
			return err
		}
		return c.Say(ctx, "ev.rsvp_past")
	}
	err := a.Events.RSVP(ctx, ev.ID, c.User.ID, yes)
	if id := domain.ErrorMsgID(err); domain.ErrorKind(err) == domain.KindConflict && id != "" {
		if err := c.Answer(ctx, c.T(id, data), true); err != nil {
			return err
		}
		return c.Say(ctx, id, data)
	}
	if err != nil {
		return domain.Op("ev.rsvp", err)
	}
	if !yes {
		if err := c.Answer(ctx, c.T("ev.rsvp_no_short"), false); err != nil {
			return err
		}
		return c.Say(ctx, "ev.rsvp_no", data)
	}
	if err := c.Answer(ctx, c.T("ev.rsvp_yes_short"), false); err != nil {
		return err
	}
	data["When"] = ev.StartsAt.In(a.loc()).Format("15:04 02/01/2006")
	data["Place"] = ev.Place
	return c.Say(ctx, "ev.rsvp_yes", data)
}

// officerEvents lists the events an officer manages, newest first.
func (a *app) officerEvents(ctx context.Context, c *bot.Ctx) error {
	list, err := a.Events.Recent(ctx, a.now().Add(-7*24*time.Hour))
	if err != nil {
		return domain.Op("ev.officer_list", err)
	}
	var rows [][]bot.Button
	for _, e := range list {
		data := bot.Data(cbEventOfficer, "v", e.ID)
		if !inScope(c, e) {
			if e.Cancelled || !reachesCommunes(c, e) {
				continue
			}
			// An event whose audience takes in the officer's communes (a
			// province-wide training, say): shown as its card, not managed.
			data = bot.Data(cbEvent, "s", e.ID)
		}
		label := c.Label("ev.officer_item", map[string]any{"Title": e.Title, "When": e.StartsAt.In(a.loc()).Format("02/01 15:04")})
		if e.Cancelled {
			label = "❌ " + label
		}
		rows = append(rows, []bot.Button{data.Button(label)})
		if len(rows) == 20 {
			break
		}
	}
	if len(rows) == 0 {
		return c.Say(ctx, "ev.officer_none")
	}
	return c.Send(ctx, bot.Reply{Text: c.T("ev.officer_list"), Buttons: rows})
}

// showEventOfficer shows an event with its counts and the officer's buttons.
func (a *app) showEventOfficer(ctx context.Context, c *bot.Ctx, e domain.Event, head string) error {
	n, err := a.Events.Counts(ctx, e.ID)
	if err != nil {
		return domain.Op("ev.show", err)
	}
	data := map[string]any{}
	for k, v := range eventData(a.loc(), e) {
		data[k] = v
	}
	data["Kind"] = c.T("ev_kind." + string(e.Kind))
	data["Yes"], data["No"], data["Attended"] = n.Yes, n.No, n.Attended
	text := c.T(head, data) + "\n\n" + c.T("ev.officer_card", data)
	if e.Cancelled {
		text += "\n" + c.T("ev.is_cancelled")
	}
	b := func(label, act string) bot.Button {
		return bot.Data(cbEventOfficer, act, e.ID).Button(c.T(label))
	}
	r := bot.Reply{Text: text, Buttons: [][]bot.Button{
		{b("ev.btn_people", "l"), b("ev.btn_export", "x")},
	}}
	if !e.Cancelled {
		r.Buttons = append(r.Buttons,
			[]bot.Button{b("ev.btn_rollcall", "a"), b("ev.btn_qr", "q")},
			[]bot.Button{b("ev.btn_change", "e"), b("ev.btn_cancel", "c")})
	}
	return c.Send(ctx, r)
}

// eventOfficerButton handles "evo|<action>|<id>[|<user>]".
func (a *app) eventOfficerButton(ctx context.Context, c *bot.Ctx) error {
	act := c.Pressed.Verb
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	ev, err := a.Events.Event(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	if err != nil {
		return domain.Op("ev.officer", err)
	}
	if !inScope(c, ev) {
		return c.Answer(ctx, c.T("ev.not_in_scope"), true)
	}
	switch act {
	case "t": // toggle attendance: answered by rollCall itself
		uid, err := c.Pressed.ID(1)
		if err != nil {
			return err
		}
		return a.toggleAttendance(ctx, c, ev, uid)
	}
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	switch act {
	case "v":
		return a.showEventOfficer(ctx, c, ev, "ev.officer_head")
	case "l":
		return a.sendPeople(ctx, c, ev)
	case "x":
		return a.exportEvent(ctx, c, ev)
	case "a":
		return a.rollCall(ctx, c, ev, "")
	case "q":
		return a.sendCheckin(ctx, c, ev)
	case "e":
		if ev.Cancelled {
			return c.Say(ctx, "ev.is_cancelled")
		}
		return a.e.StartFlowWith(ctx, c, flowEventChange, func(f *bot.Form) error {
			f.RecordID = ev.ID
			f.Answers = map[string]string{evTitle: ev.Title, evWhen: ev.StartsAt.In(a.loc()).Format(whenLayout), evPlace: ev.Place, evDesc: ev.Description}
			f.Confirming = true
			return nil
		})
	case "c":
		if ev.Cancelled {
			return c.Say(ctx, "ev.is_cancelled")
		}
		return c.Send(ctx, bot.Reply{Text: c.T("ev.cancel_ask", map[string]any{"Title": ev.Title}), Buttons: [][]bot.Button{
			{bot.Data(cbEventOfficer, "cc", ev.ID).Button(c.T("ev.btn_cancel_yes"))},
			{bot.Data(cbEventOfficer, "v", ev.ID).Button(c.T("common.back"))},
		}})
	case "cc":
		return a.cancelEvent(ctx, c, ev)
	}
	return nil
}

func (a *app) saveEventChange(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	ev, err := a.Events.Event(ctx, f.RecordID)
	if err != nil {
		return domain.Op("ev.change", err)
	}
	if !inScope(c, ev) {
		return domain.Invalid("ev.change", "ev.not_in_scope")
	}
	if ev.Cancelled {
		return domain.Invalid("ev.change", "ev.is_cancelled")
	}
	starts, ok := a.whenOf(f.Answers[evWhen])
	if !ok {
		return domain.Invalid("ev.change", "ev.when_format")
	}
	if !starts.Equal(ev.StartsAt) && !starts.After(a.now()) {
		return domain.Invalid("ev.change", "ev.when_past")
	}
	ev.Title, ev.Place, ev.Description = f.Answers[evTitle], f.Answers[evPlace], f.Answers[evDesc]
	ev.StartsAt, ev.EndsAt = starts, endOfDay(starts, a.loc())
	job := &domain.Job{Kind: domain.JobEventChange, Topic: ev.Kind.Topic(), CreatedBy: c.User.ID, Channel: c.Update.Channel,
		ChatID: c.Update.ChatID, Lang: c.Locale, Payload: eventMessage(a.loc(), "ev.changed", ev, true).Encode()}
	if err := a.Events.UpdateEvent(ctx, &ev, job); err != nil {
		if domain.ErrorKind(err) == domain.KindConflict {
			return domain.Invalid("ev.change", "ev.is_cancelled")
		}
		return domain.Op("ev.change", err)
	}
	c.Saved(strconv.FormatInt(ev.ID, 10))
	// The sender is woken once the change is committed (showing it
	// commits it, see bot.Flow.Done).
	defer a.kick()
	return a.showEventOfficer(ctx, c, ev, "ev.change_saved")
}

// eventSummary renders the event a form saved (its id), for a
// confirmation pressed again.
func (a *app) eventSummary(ctx context.Context, c *bot.Ctx, ref string) (string, error) {
	id, _ := strconv.ParseInt(ref, 10, 64)
	e, err := a.Events.Event(ctx, id)
	if err != nil {
		return "", domain.Op("ev.summary", err)
	}
	n, err := a.Events.Counts(ctx, e.ID)
	if err != nil {
		return "", domain.Op("ev.summary", err)
	}
	data := map[string]any{}
	for k, v := range eventData(a.loc(), e) {
		data[k] = v
	}
	data["Kind"] = c.T("ev_kind." + string(e.Kind))
	data["Yes"], data["No"], data["Attended"] = n.Yes, n.No, n.Attended
	return c.T("ev.officer_card", data), nil
}

func (a *app) cancelEvent(ctx context.Context, c *bot.Ctx, ev domain.Event) error {
	ev.Cancelled = true
	job := &domain.Job{Kind: domain.JobEventCancel, Topic: ev.Kind.Topic(), CreatedBy: c.User.ID, Channel: c.Update.Channel,
		ChatID: c.Update.ChatID, Lang: c.Locale, Payload: eventMessage(a.loc(), "ev.cancelled_notice", ev, false).Encode()}
	done, err := a.Events.CancelEvent(ctx, ev.ID, job)
	if err != nil {
		return domain.Op("ev.cancel", err)
	}
	if !done {
		return c.Say(ctx, "ev.is_cancelled")
	}
	a.kick()
	return c.Say(ctx, "ev.cancel_done", map[string]any{"Title": ev.Title})
}

// sendPeople lists those who answered and attended.
func (a *app) sendPeople(ctx context.Context, c *bot.Ctx, ev domain.Event) error {
	people, err := a.Events.People(ctx, ev.ID)
	if err != nil {
		return domain.Op("ev.people", err)
	}
	n, err := a.Events.Counts(ctx, ev.ID)
	if err != nil {
		return domain.Op("ev.people", err)
	}
	var b strings.Builder
	b.WriteString(c.T("ev.people_head", map[string]any{"Title": ev.Title, "Yes": n.Yes, "No": n.No, "Attended": n.Attended}))
	for i, p := range people {
		if p.RSVP == "no" && !p.Attended {
			continue
		}
		mark := "▫️"
		if p.Attended {
			mark = "✅"
		}
		b.WriteString(fmt.Sprintf("\n%d. %s %s", i+1, mark, bot.Escape(personLabel(p, a))))
	}
	if len(people) == 0 {
		b.WriteString("\n" + c.T("ev.people_none"))
	}
	return c.Send(ctx, bot.Reply{Text: b.String()})
}

// personLabel names a person on the officers' lists: subject, commune.
func personLabel(p domain.EventPerson, a *app) string {
	s := p.Name
	if p.SubjectName != "" {
		s = p.SubjectName + " — " + p.Name
	}
	if cm, ok := a.Places.Get(p.Commune); ok {
		s += " (" + cm.Name + ")"
	}
	return s
}

// rollCallList is /diemdanh: the events of the last two days and the
// next day, to mark attendance.
func (a *app) rollCallList(ctx context.Context, c *bot.Ctx) error {
	list, err := a.Events.Recent(ctx, a.now().Add(-48*time.Hour))
	if err != nil {
		return domain.Op("ev.rollcall", err)
	}
	var rows [][]bot.Button
	soon := a.now().Add(24 * time.Hour)
	for _, e := range list {
		if e.Cancelled || !inScope(c, e) || e.StartsAt.After(soon) {
			continue
		}
		rows = append(rows, []bot.Button{bot.Data(cbEventOfficer, "a", e.ID).Button(c.Label("ev.officer_item", map[string]any{"Title": e.Title,
			"When": e.StartsAt.In(a.loc()).Format("02/01 15:04")}))})
	}
	if len(rows) == 0 {
		return c.Say(ctx, "ev.rollcall_none")
	}
	return c.Send(ctx, bot.Reply{Text: c.T("ev.rollcall_pick"), Buttons: rows})
}

// rollCall shows who said yes or attended, each a button that marks or
// unmarks attendance; edit is the message to replace ("" sends anew).
func (a *app) rollCall(ctx context.Context, c *bot.Ctx, ev domain.Event, edit string) error {
	people, err := a.Events.People(ctx, ev.ID)
	if err != nil {
		return domain.Op("ev.rollcall", err)
	}
	n, err := a.Events.Counts(ctx, ev.ID)
	if err != nil {
		return domain.Op("ev.rollcall", err)
	}
	var rows [][]bot.Button
	for _, p := range people {
		if p.RSVP != "yes" && !p.Attended {
			continue
		}
		mark := "⬜ "
		if p.Attended {
			mark = "✅ "
		}
		label := []rune(mark + personLabel(p, a))
		if len(label) > 60 {
			label = append(label[:59], '…')
		}
		rows = append(rows, []bot.Button{bot.Data(cbEventOfficer, "t", ev.ID, p.UserID).Button(string(label))})
		if len(rows) == maxRollCall {
			break
		}
	}
	text := c.T("ev.rollcall_head", map[string]any{"Title": ev.Title, "Yes": n.Yes, "Attended": n.Attended})
	if len(rows) == 0 {
		text += "\n" + c.T("ev.people_none")
	}
	return c.Send(ctx, bot.Reply{Edit: edit, Text: text, Buttons: rows})
}

func (a *app) toggleAttendance(ctx context.Context, c *bot.Ctx, ev domain.Event, userID int64) error {
	people, err := a.Events.People(ctx, ev.ID)
	if err != nil {
		return domain.Op("ev.toggle", err)
	}
	var attended, known bool
	for _, p := range people {
		if p.UserID == userID {
			known, attended = true, p.Attended
		}
	}
	if !known {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	if attended {
		err = a.Events.UnmarkAttended(ctx, ev.ID, userID)
	} else {
		_, err = a.Events.MarkAttended(ctx, ev.ID, userID, "officer", c.User.ID)
	}
	if err != nil {
		return domain.Op("ev.toggle", err)
	}
	note := "ev.marked"
	if attended {
		note = "ev.unmarked"
	}
	if err := c.Answer(ctx, c.T(note), false); err != nil {
		return err
	}
	return a.rollCall(ctx, c, ev, c.Update.Callback.MessageID)
}

// Deep-link payloads: "ci<event>_<code>" checks in, "ev<event>" shows an
// event.
const (
	payloadCheckin = "ci"
	payloadEvent   = "ev"
)

// sendCheckin gives the officer the check-in link and its QR code, to show
// at the venue.
func (a *app) sendCheckin(ctx context.Context, c *bot.Ctx, ev domain.Event) error {
	payload := payloadCheckin + strconv.FormatInt(ev.ID, 10) + "_" + ev.CheckinCode
	link := ""
	if a.DeepLink != nil {
		link = a.DeepLink(payload)
	}
	data := map[string]any{"Title": ev.Title, "Link": link, "Payload": payload,
		"From":  ev.StartsAt.Add(-domain.CheckinLead).In(a.loc()).Format("15:04 02/01"),
		"Until": ev.EndsAt.Add(-time.Minute).In(a.loc()).Format("15:04 02/01")}
	text := c.T("ev.checkin_info", data)
	if link == "" {
		return c.Send(ctx, bot.Reply{Text: text})
	}
	png, err := qrPNG(link)
	if err != nil {
		return c.Send(ctx, bot.Reply{Text: text})
	}
	return c.Send(ctx, bot.Reply{Text: text, Photo: &bot.Attachment{Name: "checkin-" + strconv.FormatInt(ev.ID, 10) + ".png", Data: png}})
}

// startWithPayload is /start: a check-in or event payload is handled
// here, anything else by the welcome.
func (a *app) startWithPayload(ctx context.Context, c *bot.Ctx) error {
	p := strings.TrimSpace(c.Update.Args)
	switch {
	case strings.HasPrefix(p, payloadCheckin):
		idS, code, ok := strings.Cut(strings.TrimPrefix(p, payloadCheckin), "_")
		id, err := strconv.ParseInt(idS, 10, 64)
		if !ok || err != nil {
			break
		}
		if err := a.checkin(ctx, c, id, code); err != nil {
			return err
		}
		if c.User.Consent == domain.ConsentUnknown {
			return a.start(ctx, c)
		}
		return nil
	case strings.HasPrefix(p, payloadEvent):
		id, err := strconv.ParseInt(strings.TrimPrefix(p, payloadEvent), 10, 64)
		if err != nil {
			break
		}
		if err := a.start(ctx, c); err != nil {
			return err
		}
		ev, err := a.Events.Event(ctx, id)
		if err != nil || ev.Cancelled {
			return nil
		}
		return a.sendEventCard(ctx, c, ev)
	}
	return a.start(ctx, c)
}

// checkin records the attendance of the user who scanned an event's code,
// during the event only.
func (a *app) checkin(ctx context.Context, c *bot.Ctx, id int64, code string) error {
	ev, err := a.Events.Event(ctx, id)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && ev.CheckinCode != code) {
		return c.Say(ctx, "ev.checkin_invalid")
	}
	if err != nil {
		return domain.Op("ev.checkin", err)
	}
	now := a.now()
	data := map[string]any{"Title": ev.Title, "When": ev.StartsAt.In(a.loc()).Format("15:04 02/01/2006")}
	switch {
	case ev.Cancelled:
		return c.Say(ctx, "ev.checkin_cancelled", data)
	case now.Before(ev.StartsAt.Add(-domain.CheckinLead)):
		return c.Say(ctx, "ev.checkin_early", data)
	case !ev.CheckinOpen(now):
		return c.Say(ctx, "ev.checkin_closed", data)
	}
	fresh, err := a.Events.MarkAttended(ctx, ev.ID, c.User.ID, "qr", 0)
	if err != nil {
		return domain.Op("ev.checkin", err)
	}
	if !fresh {
		return c.Say(ctx, "ev.checked_in_again", data)
	}
	return c.Say(ctx, "ev.checked_in", data)
}

// EventReminders queues, at 08:00 the day before an event, a reminder to
// those who said they will come: once (the job's key), and not for an
// event created after that moment.
type EventReminders struct {
	Events interface {
		Upcoming(ctx context.Context, now time.Time) ([]domain.Event, error)
	}
	Jobs interface {
		CreateJob(ctx context.Context, j *domain.Job, a domain.Audience, exclude int64) (bool, error)
	}
	Location *time.Location
}

// Due creates the reminders whose moment has come.
func (r *EventReminders) Due(ctx context.Context, now time.Time) error {
	list, err := r.Events.Upcoming(ctx, now)
	if err != nil {
		return err
	}
	for _, e := range list {
		if !now.Before(e.StartsAt) {
			continue
		}
		day := e.StartsAt.In(r.Location)
		at := time.Date(day.Year(), day.Month(), day.Day()-1, reminderHour, 0, 0, 0, r.Location)
		if now.Before(at) || e.CreatedAt.After(at) {
			continue
		}
		m := eventMessage(r.Location, "ev.reminder", e, false)
		j := &domain.Job{Key: fmt.Sprintf("remind:event:%d:%d", e.ID, e.StartsAt.Unix()), Kind: domain.JobReminder,
			Topic: e.Kind.Topic(), EventID: e.ID, Payload: m.Encode()}
		if _, err := r.Jobs.CreateJob(ctx, j, domain.Audience{Kind: domain.AudienceGoing, EventID: e.ID}, 0); err != nil {
			return err
		}
	}
	return nil
}
