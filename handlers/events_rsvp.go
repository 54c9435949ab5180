package handlers

import (
	"context"
	"errors"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

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
