package handlers

import (
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
)

// The routes table registers: every route says who may use it, every
// command in the menu has its description, and the parts the bot runs
// without (the plan's figures, personal data, monitoring) are left out.
// Registered twice, it is refused at start.
func TestRoutesTable(t *testing.T) {
	h := bottest.New(t)
	if err := Register(h.Engine, Deps{}); err != nil {
		t.Fatal(err)
	}
	names := map[string]bot.Access{}
	for _, r := range h.Engine.Routes() {
		if r.Access != bot.Anyone && r.Access != bot.Officers && r.Access != bot.Admins {
			t.Errorf("%s %s: access %v", r.Kind, r.Name, r.Access)
		}
		names[r.Kind+" "+r.Name] = r.Access
	}
	for route, want := range map[string]bot.Access{
		"command /start": bot.Anyone, "command /dangky": bot.Anyone, "command /capquyen": bot.Admins, "button o": bot.Admins,
		"command /duyet": bot.Officers, "button r": bot.Officers, "flow ret": bot.Officers, "button d": bot.Anyone,
	} {
		if names[route] != want {
			t.Errorf("%s: %v, want %v", route, names[route], want)
		}
	}
	for _, gone := range []string{"command /thongke", "button fg", "command /xoadulieu", "button pd", "command /haukiem"} {
		if _, ok := names[gone]; ok {
			t.Errorf("%s is registered without what it needs", gone)
		}
	}
	officers := h.Engine.Menu("vi", true)
	if len(officers) <= len(h.Engine.Menu("vi", false)) || officers[0].Name != "start" {
		t.Fatalf("menus: %+v", officers)
	}
	for _, m := range officers {
		if m.Description == "" || strings.Contains(m.Description, "menu.") {
			t.Errorf("/%s has no description: %q", m.Name, m.Description)
		}
	}
	err := Register(h.Engine, Deps{})
	if err == nil || !strings.Contains(err.Error(), "/start registered twice") || !strings.Contains(err.Error(), `prefix "c" registered twice`) {
		t.Fatalf("registered twice: %v", err)
	}
}
