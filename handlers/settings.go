package handlers

import (
	"context"
	"slices"
	"strings"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// cbSettings: "cd|t|<topic>" turns a kind of announcements on or off.
const cbSettings = "cd"

// settings is /caidat: which kinds of announcements the user receives.
// Every bulk job leaves out those who turned its kind off.
func (a *app) settings(ctx context.Context, c *bot.Ctx) error {
	r, err := a.settingsReply(ctx, c)
	if err != nil {
		return err
	}
	return c.Send(ctx, r)
}

func (a *app) settingsReply(ctx context.Context, c *bot.Ctx) (bot.Reply, error) {
	off, err := a.Jobs.Optouts(ctx, c.User.ID)
	if err != nil {
		return bot.Reply{}, domain.Op("settings", err)
	}
	var b strings.Builder
	b.WriteString(c.T("settings.title"))
	var rows [][]bot.Button
	for _, t := range domain.Topics {
		state := "settings.on"
		if slices.Contains(off, t) {
			state = "settings.off"
		}
		line := c.T(state, map[string]any{"Topic": c.T("settings.topic." + string(t))})
		b.WriteString("\n" + line)
		rows = append(rows, []bot.Button{bot.Data(cbSettings, "t").With(string(t)).Button(line)})
	}
	line, button, err := a.contactSetting(ctx, c)
	if err != nil {
		return bot.Reply{}, err
	}
	if button != nil {
		b.WriteString("\n" + line)
		rows = append(rows, button)
	}
	if a.Privacy != nil {
		rows = append(rows, []bot.Button{bot.Data(cbPrivacy, "v").Button(c.T("mydata.settings_button"))})
	}
	b.WriteString("\n\n" + c.T("settings.hint"))
	return bot.Reply{Text: b.String(), Buttons: rows}, nil
}

func (a *app) settingsButton(ctx context.Context, c *bot.Ctx) error {
	act, arg := c.Pressed.Verb, c.Pressed.Arg
	if act == "s" {
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.settings(ctx, c)
	}
	if act == "c" {
		note, err := a.toggleContact(ctx, c)
		if err != nil {
			return err
		}
		return a.settingsAgain(ctx, c, note)
	}
	topic := domain.Topic(arg)
	if act != "t" || !topic.Valid() {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	off, err := a.Jobs.Optouts(ctx, c.User.ID)
	if err != nil {
		return domain.Op("settings", err)
	}
	turnOff := !slices.Contains(off, topic)
	if err := a.Jobs.SetOptout(ctx, c.User.ID, topic, turnOff); err != nil {
		return domain.Op("settings", err)
	}
	note := "settings.turned_on"
	if turnOff {
		note = "settings.turned_off"
	}
	return a.settingsAgain(ctx, c, note)
}

// settingsAgain answers the button with a note and shows the settings in
// place.
func (a *app) settingsAgain(ctx context.Context, c *bot.Ctx, note string) error {
	if err := c.Answer(ctx, c.T(note), false); err != nil {
		return err
	}
	r, err := a.settingsReply(ctx, c)
	if err != nil {
		return err
	}
	r.Edit = c.Update.Callback.MessageID
	return c.Send(ctx, r)
}
