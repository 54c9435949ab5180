// Package handlers holds the conversations of the bot, one file per flow.
// Handlers speak only through message ids (locales/) and bot.Reply; they
// never import a messenger SDK.
package handlers

import (
	"context"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Users is what the handlers need of the users repository.
type Users interface {
	SetConsent(ctx context.Context, id int64, c domain.Consent) error
	SetLocale(ctx context.Context, id int64, locale string) error
	LinkSubject(ctx context.Context, userID, subjectID int64) error
	SetStartPayload(ctx context.Context, id int64, payload string) error
}

// Subjects is what the handlers need of the subjects repository.
type Subjects interface {
	Create(ctx context.Context, s *domain.Subject) error
	Update(ctx context.Context, s *domain.Subject) error
	Get(ctx context.Context, id int64) (domain.Subject, error)
	FindByPhone(ctx context.Context, e164 string) (domain.Subject, error)
}

// Deps are the handlers' dependencies.
type Deps struct {
	Users    Users
	Subjects Subjects
	Places   *domain.Places
}

type app struct {
	Deps
	e *bot.Engine
}

// Register adds every command, button handler and flow to the engine.
func Register(e *bot.Engine, d Deps) {
	a := &app{Deps: d, e: e}
	e.Command(bot.Command{Name: "/start", Menu: "menu.start", Handle: a.start})
	e.Flow(a.registerFlow())
	e.Command(bot.Command{Name: "/trangthai", Aliases: []string{"/status"}, Menu: "menu.trangthai", Handle: a.status})
	e.Command(bot.Command{Name: "/trogiup", Aliases: []string{"/help"}, Menu: "menu.trogiup", Handle: a.help})
	e.Command(bot.Command{Name: "/ngonngu", Aliases: []string{"/language"}, Menu: "menu.ngonngu", Handle: a.language})
	e.Command(bot.Command{Name: "/huy", Aliases: []string{"/cancel"}, Menu: "menu.huy", Handle: a.cancel})
	e.Callback(cbConsent, false, a.consentButton)
	e.Callback(cbMenu, false, a.menuButton)
	e.Callback(cbLanguage, false, a.languageButton)
	e.Fallback(a.fallback)
}

// Button data prefixes.
const (
	cbConsent  = "c" // c|y[|reg], c|n
	cbMenu     = "m" // m|<command without slash>
	cbLanguage = "l" // l|vi, l|en
)

// menu returns the main menu buttons for the user.
func (a *app) menu(c *bot.Ctx) [][]bot.Button {
	first := bot.Button{Label: c.T("menu.button.register"), Data: cbMenu + "|dangky"}
	if c.User.SubjectID != 0 {
		first = bot.Button{Label: c.T("menu.button.profile"), Data: cbMenu + "|trangthai"}
	}
	return [][]bot.Button{
		{first},
		{{Label: c.T("menu.button.status"), Data: cbMenu + "|trangthai"}, {Label: c.T("menu.button.help"), Data: cbMenu + "|trogiup"}},
		{{Label: c.T("menu.button.language"), Data: cbMenu + "|ngonngu"}},
	}
}

// sayMenu sends a message with the main menu under it.
func (a *app) sayMenu(ctx context.Context, c *bot.Ctx, id string, data ...map[string]any) error {
	return c.Send(ctx, bot.Reply{Text: c.T(id, data...), Buttons: a.menu(c)})
}

func (a *app) menuButton(ctx context.Context, c *bot.Ctx) error {
	_, cmd, _ := cut(c.Update.Callback.Data)
	switch cmd {
	case "dangky", "trangthai", "trogiup", "ngonngu":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
	}
	switch cmd {
	case "dangky":
		return a.e.StartFlow(ctx, c, flowRegister)
	case "trangthai":
		return a.status(ctx, c)
	case "trogiup":
		return a.help(ctx, c)
	case "ngonngu":
		return a.language(ctx, c)
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

func cut(data string) (prefix, first, rest string) {
	parts := [3]string{}
	n := 0
	start := 0
	for i := 0; i < len(data) && n < 2; i++ {
		if data[i] == '|' {
			parts[n] = data[start:i]
			n++
			start = i + 1
		}
	}
	parts[n] = data[start:]
	return parts[0], parts[1], parts[2]
}
