package bottest_test

import (
	"context"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// productFlow is a small flow as handlers write them: a table of steps.
func productFlow(saved *map[string]string) *bot.Flow {
	return &bot.Flow{ID: "prd", Command: "/themsanpham", Access: bot.Anyone, Title: "product.title", Steps: []bot.Step{
		{Key: "name", Prompt: "product.ask_name", Label: "product.label_name", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
			if len([]rune(in)) < 3 {
				return "", domain.Invalid("product.name", "product.name_too_short")
			}
			return in, nil
		}},
		{Key: "existing", Prompt: "product.ask_existing", Label: "product.label_existing", Choices: func(c *bot.Ctx, _ *bot.Form) []bot.Choice {
			return []bot.Choice{{Value: "yes", Label: c.T("product.existing_yes")}, {Value: "no", Label: c.T("product.existing_no")}}
		}},
	}, Done: func(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
		*saved = f.Answers
		return c.Say(ctx, "product.created")
	}}
}

// The README's millisecond flow test: the same script on a Telegram-like
// channel and on one with Zalo's limits.
func TestProductFlowInMilliseconds(t *testing.T) {
	for name, lim := range map[string]bot.Limits{"telegram": {}, "zalo": bottest.ZaloLimits} {
		t.Run(name, func(t *testing.T) {
			h := bottest.New(t, bottest.WithLimits(lim))
			var saved map[string]string
			h.Engine.Flow(productFlow(&saved))

			h.Send("u1", "/themsanpham").Expect("form.header", "product.ask_name")
			h.Send("u1", "Bá").Expect("product.name_too_short", "product.ask_name")
			h.Send("u1", "Bánh tráng phơi sương").Expect("product.ask_existing")
			h.Press("u1", "Sản phẩm đã có, đang bán").Expect("form.confirm_title")
			h.Press("u1", "✏️ Tên sản phẩm").Expect("product.ask_name", "form.current_value")
			h.Send("u1", "Bánh tráng Trảng Bàng").Expect("form.confirm_title")
			h.Press("u1", "✅ Xác nhận").Expect("product.created")

			if saved["name"] != "Bánh tráng Trảng Bàng" || saved["existing"] != "yes" {
				t.Fatalf("saved %v", saved)
			}
			if s := h.Session("u1"); s.Active != "" || len(s.Forms) != 0 {
				t.Fatalf("the form is still in the session: %+v", s)
			}
		})
	}
}
