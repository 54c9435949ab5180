package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// run sends a command, then /huy as a marker, and returns the bot's
// messages in between (the marker's answer comes after them all).
func (p *person) run(cmd string) []telegramtest.Message {
	p.h.t.Helper()
	p.Send(cmd)
	p.Send("/huy")
	var out []telegramtest.Message
	for {
		m := p.Next()
		if p.h.matches(m.Text, "vi", "cancel.nothing") || p.h.matches(m.Text, "vi", "form.cancelled") || p.h.matches(m.Text, "vi", "form.cancel_confirm") {
			return out
		}
		out = append(out, m)
	}
}

// closedRoutes reads the routes table of the bot as built for serving:
// its commands and button prefixes that are not for anyone, with who may
// use them. A route the table does not give an access fails the build.
func closedRoutes(t *testing.T) (cmds, buttons []string, access map[string]bot.Access) {
	t.Helper()
	cfg, err := parseConfig("serve", nil, env(map[string]string{"DB_PATH": t.TempDir() + "/x.db"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	access = map[string]bot.Access{}
	for _, r := range a.engine.Routes() {
		if r.Access == bot.Anyone {
			continue
		}
		switch r.Kind {
		case "command":
			cmds = append(cmds, r.Name)
		case "button":
			buttons = append(buttons, r.Name)
		default:
			continue
		}
		access[r.Name] = r.Access
	}
	return cmds, buttons, access
}

// TestAuthorizationMatrix runs every command and button of the routes
// table that is not for anyone as a producer, a commune officer outside
// and inside the dossier's commune, a province officer and an admin.
func TestAuthorizationMatrix(t *testing.T) {
	cmds, prefixes, access := closedRoutes(t)
	if len(cmds) < 4 || len(prefixes) < 4 || access["/capquyen"] != bot.Admins || access["/duyet"] != bot.Officers {
		t.Fatalf("closed routes: %v %v %v", cmds, prefixes, access)
	}
	h := newHarness(t, "embedded")
	h.env["ADMIN_IDS"] = "900"
	// Every command and button of every role, as fast as it can: not a
	// flood to slow down (USER_RATE is tested on its own).
	h.env["USER_RATE"] = "0"
	h.start()
	admin := h.user(900, "Quản trị")
	roles := map[string]*person{
		"producer": h.user(950, "Chủ thể"),
		"outside":  h.user(951, "Xã khác"),
		"inside":   h.user(952, "Xã này"),
		"province": h.user(953, "Tỉnh"),
		"admin":    admin,
	}
	for name, p := range roles {
		p.Send("/start")
		if name == "admin" {
			p.Expect("start.welcome_officer")
			continue
		}
		p.Expect("start.welcome")
		p.Expect("consent.ask")
	}
	grant(admin, roles["outside"], "xa 25459")
	grant(admin, roles["inside"], "xa 25480")
	grant(admin, roles["province"], "tinh")
	for _, k := range []string{"outside", "inside", "province"} {
		roles[k].ExpectNotice("officer.granted_you")
	}
	owner := h.user(954, "Hạnh")
	submitted(t, owner)
	for _, k := range []string{"inside", "admin"} {
		roles[k].ExpectNotice("notice.officer_submitted")
	}
	db := h.openDB()
	u, _ := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "954")
	list, _ := sqlite.NewProductStore(db).ListBySubject(context.Background(), u.SubjectID)
	pid := strconv.FormatInt(list[0].ID, 10)
	target, _ := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "952")
	uid := strconv.FormatInt(target.ID, 10)

	// Commands.
	for _, cmd := range cmds {
		for name, p := range roles {
			msgs := p.run(cmd)
			refused := len(msgs) == 1 && h.matches(msgs[0].Text, "vi", "common.officers_only")
			if name == "producer" && !refused {
				t.Errorf("%s ran %s: %d messages", name, cmd, len(msgs))
			}
			if name != "producer" && refused {
				t.Errorf("%s was refused %s", name, cmd)
			}
			if name == "producer" {
				continue
			}
			adminOnly := access[cmd] == bot.Admins
			saidAdminsOnly := len(msgs) > 0 && h.matches(msgs[0].Text, "vi", "officer.admins_only")
			if adminOnly && (name == "admin") == saidAdminsOnly {
				t.Errorf("%s %s: admins-only answer = %v", name, cmd, saidAdminsOnly)
			}
		}
	}
	// The review queue holds the dossier only for those who see its commune.
	for name, p := range roles {
		if name == "producer" {
			continue
		}
		msgs := p.run("/duyet")
		has := len(msgs) > 0 && len(msgs[0].Buttons()) > 0 && strings.Contains(msgs[0].Buttons()[0].Text, "Bánh tráng")
		want := name == "inside" || name == "admin"
		if name == "province" {
			want = false // the commune has not forwarded it
		}
		if has != want {
			t.Errorf("%s: queue shows the dossier = %v, want %v", name, has, want)
		}
	}

	// Buttons, forged or real, by each role.
	buttons := map[string]map[string]string{
		"r|o|" + pid:                {"producer": "common.officers_only", "outside": "review.out_of_scope", "inside": "", "province": "", "admin": ""},
		"r|a|" + pid + "|mau01":     {"producer": "common.officers_only", "outside": "review.out_of_scope", "province": "review.not_now"},
		"r|m|" + pid + "|cong_nhan": {"producer": "common.officers_only", "outside": "review.out_of_scope", "inside": "review.not_now", "province": "review.not_now", "admin": "review.not_now"},
		"r|s|" + pid:                {"producer": "common.officers_only", "outside": "review.out_of_scope", "inside": "review.not_now"},
		"o|r|" + uid:                {"producer": "common.officers_only", "outside": "officer.admins_only", "inside": "officer.admins_only", "province": "officer.admins_only"},
		// The officers' menu of /start: its buttons open nothing for a producer.
		"m|duyet":   {"producer": "common.officers_only", "inside": "", "admin": ""},
		"m|hoidap":  {"producer": "common.officers_only", "inside": ""},
		"m|thongke": {"producer": "common.officers_only", "province": ""},
		"m|timkiem": {"producer": "common.officers_only", "outside": ""},
	}
	for data, want := range buttons {
		for name, id := range want {
			p := roles[name]
			p.seen = len(h.api.Messages(p.u.ID))
			msgs := h.api.Messages(p.u.ID)
			msgID := 1
			if len(msgs) > 0 {
				msgID = msgs[len(msgs)-1].ID
			}
			ans := p.PressData(msgID, data)
			if id == "" {
				if ans.Text != "" {
					t.Errorf("%s pressing %s was answered %q", name, data, ans.Text)
				}
				continue
			}
			if !h.matches(ans.Text, "vi", id) {
				t.Errorf("%s pressing %s: answer %q, want %s", name, data, ans.Text, id)
			}
		}
	}
	// Every officer button, whatever its data, is refused to a producer;
	// every admins' button to the other officers.
	producer := roles["producer"]
	for _, prefix := range prefixes {
		for _, data := range []string{prefix + "|" + pid, prefix + "|x|" + pid, prefix + "|c|" + uid + "|1"} {
			if ans := producer.PressData(1, data); !h.matches(ans.Text, "vi", "common.officers_only") {
				t.Errorf("producer pressing %q: %q", data, ans.Text)
			}
			if access[prefix] != bot.Admins {
				continue
			}
			for _, name := range []string{"outside", "inside", "province"} {
				if ans := roles[name].PressData(1, data); !h.matches(ans.Text, "vi", "officer.admins_only") {
					t.Errorf("%s pressing %q: %q", name, data, ans.Text)
				}
			}
		}
	}
	producer.seen = len(h.api.Messages(producer.u.ID))
	producer.Send("/huy")
	producer.Expect("cancel.nothing")
	producer.Quiet()

	// Nothing changed: the dossier is still filed, and 952 still an officer.
	got, _ := sqlite.NewProductStore(db).Get(context.Background(), list[0].ID)
	if got.Stage != "da_nop_xa" {
		t.Fatalf("forged buttons moved the dossier to %s", got.Stage)
	}
	if u, _ := sqlite.NewUserStore(db).GetByID(context.Background(), target.ID); !u.Role.IsOfficer() {
		t.Fatal("a forged button removed an officer's role")
	}
}
