package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

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
