package handlers

import (
	"context"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// start welcomes the user, keeps a deep-link payload, and asks for consent
// to keep personal data (Decree 13/2023) when it was never given.
func (a *app) start(ctx context.Context, c *bot.Ctx) error {
	if p := domain.Clean(c.Update.Args); p != "" && len(p) <= 64 {
		if err := a.Users.SetStartPayload(ctx, c.User.ID, p); err != nil {
			return domain.Op("start.payload", err)
		}
	}
	name := c.Update.Name
	if name == "" {
		name = c.T("start.friend")
	}
	if c.IsOfficer() {
		// An officer comes for the officers' work: it is offered first. The
		// consent to keep a producer's data is asked if they register one.
		return c.Send(ctx, bot.Reply{Text: c.T("start.welcome_officer", map[string]any{"Name": name}), Buttons: officerMenu(c)})
	}
	if c.User.Consent == domain.ConsentGiven {
		return a.sayMenu(ctx, c, "start.welcome_back", map[string]any{"Name": name})
	}
	// The welcome opens the question that follows (one message).
	if err := c.Send(ctx, bot.Reply{Text: c.T("start.welcome", map[string]any{"Name": name}), Lead: true}); err != nil {
		return err
	}
	if c.User.Consent == domain.ConsentDeclined {
		return a.sayMenu(ctx, c, "consent.declined_menu")
	}
	return a.askConsent(ctx, c, "")
}

// askConsent asks to keep personal data; then is what follows a yes.
func (a *app) askConsent(ctx context.Context, c *bot.Ctx, then string) error {
	rows := [][]bot.Button{{bot.Data(cbConsent, "y").With(then).Button(c.T("consent.yes"))}}
	if then == "" && c.User.SubjectID == 0 {
		// The shortest way in: agree and register at once.
		rows = append(rows, []bot.Button{bot.Data(cbConsent, "y").With(flowRegister).Button(c.T("consent.yes_register"))})
	}
	rows = append(rows, []bot.Button{bot.Data(cbConsent, "n").Button(c.T("consent.no"))})
	return c.Send(ctx, bot.Reply{Text: c.T("consent.ask"), Buttons: rows})
}

func (a *app) consentButton(ctx context.Context, c *bot.Ctx) error {
	ans, then := c.Pressed.Verb, c.Pressed.Arg
	switch ans {
	case "y":
		if err := a.Users.SetConsent(ctx, c.User.ID, domain.ConsentGiven); err != nil {
			return domain.Op("consent", err)
		}
		c.User.Consent = domain.ConsentGiven
		if err := c.Answer(ctx, c.T("consent.thanks_short"), false); err != nil {
			return err
		}
		if err := c.Send(ctx, bot.Reply{Edit: c.Update.Callback.MessageID, Text: c.T("consent.given"), Lead: true}); err != nil {
			return err
		}
		if then == flowRegister {
			return a.e.StartFlow(ctx, c, flowRegister)
		}
		return a.sayMenu(ctx, c, "consent.next")
	case "n":
		if err := a.Users.SetConsent(ctx, c.User.ID, domain.ConsentDeclined); err != nil {
			return domain.Op("consent", err)
		}
		c.User.Consent = domain.ConsentDeclined
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		if err := c.Send(ctx, bot.Reply{Edit: c.Update.Callback.MessageID, Text: c.T("consent.declined"), Lead: true}); err != nil {
			return err
		}
		return a.sayMenu(ctx, c, "consent.declined_menu")
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

// officerMenu is what an officer does most, as buttons (five, which Zalo
// shows as buttons too): the dossiers to review, the questions to answer,
// the figures, a search, and the list of every command.
func officerMenu(c *bot.Ctx) [][]bot.Button {
	return [][]bot.Button{
		{bot.Data(cbMenu, "duyet").Button(c.T("menu.button.review")), bot.Data(cbMenu, "hoidap").Button(c.T("menu.button.questions"))},
		{bot.Data(cbMenu, "thongke").Button(c.T("menu.button.figures")), bot.Data(cbMenu, "timkiem").Button(c.T("menu.button.search"))},
		{bot.Data(cbMenu, "trogiup").Button(c.T("menu.button.help"))},
	}
}
