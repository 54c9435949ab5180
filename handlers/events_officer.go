package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

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
