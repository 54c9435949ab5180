package bottest_test

import (
	"context"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
)

type updateKey struct{}

// TestStepsGetTheUpdatesContext: Parse, Check and Show run with the
// context of the update being handled (its deadline, its values), so that
// the store calls in them are bound to it (issue 15, item 4).
func TestStepsGetTheUpdatesContext(t *testing.T) {
	h := bottest.New(t)
	h.Engine.Use(func(next bot.Handler) bot.Handler {
		return bot.HandlerFunc(func(ctx context.Context, c *bot.Ctx) error {
			return next.Handle(context.WithValue(ctx, updateKey{}, "this update"), c)
		})
	})
	seen := map[string]bool{}
	saw := func(what string, ctx context.Context) { seen[what] = ctx.Value(updateKey{}) == "this update" }
	h.Engine.Flow(&bot.Flow{ID: "ctx", Command: "/ctx", Access: bot.Anyone, Title: "product.title", Steps: []bot.Step{
		{Key: "name", Prompt: "product.ask_name", Label: "product.label_name",
			Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { saw("parse", ctx); return in, nil },
			Check: func(ctx context.Context, _ *bot.Ctx, _ *bot.Form, _ string) error { saw("check", ctx); return nil },
			Show:  func(ctx context.Context, _ *bot.Ctx, _ *bot.Form, v string) string { saw("show", ctx); return v }},
	}, Done: func(ctx context.Context, c *bot.Ctx, f *bot.Form) error { return c.Say(ctx, "product.created") }})

	h.Send("u1", "/ctx").Expect("form.header", "product.ask_name")
	h.Send("u1", "Bánh tráng").Expect("form.confirm_title")
	for _, what := range []string{"parse", "check", "show"} {
		if !seen[what] {
			t.Errorf("%s did not run with the update's context (ran: %v)", what, seen)
		}
	}
}
