package script_test

import (
	"testing"

	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/locales"
)

func TestPhonesAreValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range []int64{0, 1, 1_000_000, 9_999_999} {
		p := script.Phone(id)
		e164, err := domain.ParsePhone(p)
		if err != nil {
			t.Fatalf("Phone(%d) = %q: %v", id, p, err)
		}
		if seen[e164] {
			t.Fatalf("Phone(%d) repeats %s", id, e164)
		}
		seen[e164] = true
	}
}

func TestOpenAtStopsBeforeTheStep(t *testing.T) {
	all := script.Registration()
	for n, last := range map[int]string{1: "register.ask_kind", 3: "register.ask_rep", 4: "register.ask_phone", 7: "register.ask_channels"} {
		steps := script.OpenAt(n)
		got := steps[len(steps)-1].Expect
		if got[len(got)-1] != last || len(steps) >= len(all) {
			t.Errorf("OpenAt(%d) ends with %v after %d steps, want %s", n, got, len(steps), last)
		}
	}
}

func TestMatcherMatchesRenderedMessages(t *testing.T) {
	m, err := script.NewMatcher(script.Registration())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	welcome := tr.T("vi", "start.welcome", map[string]any{"Name": "Lan"})
	if !m.Match(welcome, "start.welcome") {
		t.Errorf("start.welcome not matched in %q", welcome)
	}
	if m.Match(welcome, "consent.ask") || m.Match(welcome, "no.such.id") {
		t.Error("matched the wrong message id")
	}
}

func TestPlainMatcherMatchesZaloTexts(t *testing.T) {
	m, err := script.NewPlainMatcher(script.ZaloRegistration())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	// As the Zalo sender shows them: HTML dropped, entities decoded.
	header := bot.PlainText(tr.T("vi", "form.header", map[string]any{"Title": "Đăng ký chủ thể", "N": 1, "Total": 7}))
	ask := header + "\n" + bot.PlainText(tr.T("vi", "register.ask_kind", nil))
	if !m.Match(ask, "form.header+register.ask_kind") || !m.Match(ask, "register.ask_kind") {
		t.Errorf("not matched: %q", ask)
	}
	if m.Match(ask, "form.header+register.ask_name") {
		t.Error("a message matched an id it does not have")
	}
	html := tr.T("vi", "start.welcome", map[string]any{"Name": "Lan"})
	if m.Match(html, "start.welcome") || !m.Match(bot.PlainText(html), "start.welcome") {
		t.Errorf("the plain matcher should want the text without HTML: %q", html)
	}
	for i, s := range script.ZaloRegistration() {
		if s.Action == script.Press && s.Echo == "" {
			t.Errorf("step %d presses %q with no payload for the echo", i, s.Arg)
		}
	}
	if p := script.ZaloPhone(12); p != "84900000012" {
		t.Errorf("ZaloPhone = %q", p)
	}
}
