package handlers

import (
	"context"
	"errors"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// status shows the registered profile (products come with a later flow).
func (a *app) status(ctx context.Context, c *bot.Ctx) error {
	if c.User.SubjectID == 0 {
		return c.Send(ctx, bot.Reply{Text: c.T("status.not_registered"), Buttons: [][]bot.Button{{{Label: c.T("menu.button.register"), Data: cbMenu + "|dangky"}}}})
	}
	s, err := a.Subjects.Get(ctx, c.User.SubjectID)
	if errors.Is(err, domain.ErrNotFound) {
		return c.Say(ctx, "status.not_registered")
	}
	if err != nil {
		return domain.E("status", domain.KindUnavailable, err)
	}
	return a.sayMenu(ctx, c, "status.profile", map[string]any{"Profile": bot.HTML(a.profile(c, s))})
}

// help lists what the bot can do.
func (a *app) help(ctx context.Context, c *bot.Ctx) error {
	return a.sayMenu(ctx, c, "help.text")
}

// cancel ends the form in progress.
func (a *app) cancel(ctx context.Context, c *bot.Ctx) error {
	had, err := a.e.CancelForm(ctx, c)
	if err != nil || had {
		return err
	}
	return a.sayMenu(ctx, c, "cancel.nothing")
}

// language offers Vietnamese and English.
func (a *app) language(ctx context.Context, c *bot.Ctx) error {
	return c.Send(ctx, bot.Reply{Text: c.T("language.ask"), Buttons: [][]bot.Button{
		{{Label: c.T("language.vi"), Data: cbLanguage + "|" + domain.LocaleVI}},
		{{Label: c.T("language.en"), Data: cbLanguage + "|" + domain.LocaleEN}},
	}})
}

func (a *app) languageButton(ctx context.Context, c *bot.Ctx) error {
	_, lang, _ := cut(c.Update.Callback.Data)
	if lang != domain.LocaleVI && lang != domain.LocaleEN {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	if err := a.Users.SetLocale(ctx, c.User.ID, lang); err != nil {
		return domain.E("language", domain.KindUnavailable, err)
	}
	c.User.Locale, c.Locale = lang, lang
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	return a.sayMenu(ctx, c, "language.changed")
}

// fallback answers free text and anything else outside a form: a few
// keywords lead to the right command, the rest gets the menu.
func (a *app) fallback(ctx context.Context, c *bot.Ctx) error {
	if c.Update.Kind != bot.KindText {
		return a.sayMenu(ctx, c, "fallback.text_only")
	}
	w := domain.Fold(c.Update.Text)
	switch {
	case w == "":
		return a.sayMenu(ctx, c, "fallback.not_understood")
	case containsAny(w, "ho so", "trang thai", "sao roi", "the nao", "status"):
		return a.status(ctx, c)
	case containsAny(w, "dang ky", "dang ki", "register"):
		return a.e.StartFlow(ctx, c, flowRegister)
	case containsAny(w, "giup", "huong dan", "help"):
		return a.help(ctx, c)
	case containsAny(w, "chao", "hello", "hi", "alo", "menu"):
		return a.sayMenu(ctx, c, "fallback.hello")
	}
	return a.sayMenu(ctx, c, "fallback.not_understood")
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if s == w || hasWord(s, w) {
			return true
		}
	}
	return false
}

// hasWord reports whether w occurs in s at word boundaries.
func hasWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] != w {
			continue
		}
		if (i == 0 || s[i-1] == ' ') && (i+len(w) == len(s) || s[i+len(w)] == ' ') {
			return true
		}
	}
	return false
}
