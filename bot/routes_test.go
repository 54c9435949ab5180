package bot_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// routeHarness has an officer command, an officer button, a producer
// button, a handler of files and a fallback, each saying who it saw.
func routeHarness(t *testing.T, opts ...bottest.Option) (*bottest.Harness, *[]string) {
	h, _ := formHarness(t, opts...)
	var seen []string
	note := func(what string) bot.HandlerFunc {
		return func(ctx context.Context, c *bot.Ctx) error {
			seen = append(seen, what+":"+string(c.User.Role)+":"+strings.Join(c.User.Communes, ","))
			return c.Say(ctx, "ftest.elsewhere")
		}
	}
	h.Engine.Command(bot.Command{Name: "/canbo", Aliases: []string{"/officer"}, Menu: "menu.hoso", Access: bot.Officers, Handle: note("officer")})
	h.Engine.Command(bot.Command{Name: "/trogiup", Access: bot.Anyone, Menu: "menu.trogiup", Handle: note("help")})
	h.Engine.Flow(&bot.Flow{ID: "of", Command: "/duyet", Title: "ftest.title", Access: bot.Officers, Steps: []bot.Step{
		{Key: "name", Prompt: "ftest.ask_name", Label: "ftest.label_name", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }},
	}, Done: func(context.Context, *bot.Ctx, *bot.Form) error { return nil }})
	h.Engine.Flow(&bot.Flow{ID: "cl", Command: "/dong", Access: bot.Anyone, Title: "ftest.title", Steps: []bot.Step{
		{Key: "name", Prompt: "ftest.ask_name", Label: "ftest.label_name", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }},
	}, Begin: func(ctx context.Context, c *bot.Ctx, _ *bot.Form) (bool, error) {
		return false, c.Say(ctx, "ftest.closed")
	}, Done: func(context.Context, *bot.Ctx, *bot.Form) error { return nil }})
	h.Engine.Callback("ok", bot.Officers, note("officer-button"))
	h.Engine.Callback("pb", bot.Anyone, note("button"))
	h.Engine.Files(note("file"))
	h.Engine.Fallback(note("fallback"))
	h.Engine.Command(bot.Command{Name: "/menu", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		return c.Send(ctx, bot.Reply{Text: "Menu", Buttons: [][]bot.Button{{{Label: "Duyệt", Data: "ok|1"}, {Label: "Xem", Data: "pb|1"}}}})
	}})
	return h, &seen
}

// Officer commands, flows and buttons are closed to producers and open to
// officers; a configured admin is made one on first sight; a commune
// officer comes with their communes.
func TestOfficerRoutes(t *testing.T) {
	h, seen := routeHarness(t, bottest.WithAdmins("boss"))
	h.Users.Put(domain.User{Channel: bottest.Channel, ChannelID: "xa", Role: domain.RoleCommuneOfficer, Communes: []string{"25459"}})
	h.Send("u1", "/canbo").Expect("common.officers_only")
	h.Send("u1", "/duyet").Expect("common.officers_only")
	h.Send("u1", "/menu")
	if r := h.Press("u1", "Duyệt"); len(r.Answers) != 1 || !r.Answers[0].Alert || !h.Matches(r.Answers[0].Text, "common.officers_only") {
		t.Fatalf("a producer pressed an officer button: %+v", r.Answers)
	}
	h.Press("u1", "Xem").Expect("ftest.elsewhere")
	h.Send("boss", "/officer").Expect("ftest.elsewhere")
	h.Send("boss", "/duyet").Expect("ftest.ask_name")
	h.Send("xa", "/canbo").Expect("ftest.elsewhere")
	h.Send("xa", "/menu")
	h.Press("xa", "Duyệt").Expect("ftest.elsewhere")
	want := []string{"button:producer:", "officer:admin:", "officer:commune_officer:25459", "officer-button:commune_officer:25459"}
	if !slices.Equal(*seen, want) {
		t.Fatalf("handled %q, want %q", *seen, want)
	}
	if u, _ := h.Users.Get(bottest.Channel, "boss"); u.Role != domain.RoleAdmin {
		t.Fatalf("the configured admin has role %q", u.Role)
	}
	var closed []string
	for _, r := range h.Engine.Routes() {
		if r.Access != bot.Anyone {
			closed = append(closed, r.Kind+" "+r.Name+" "+r.Access.String())
		}
	}
	if want := []string{"command /canbo officers", "flow of officers", "command /duyet officers", "button ok officers"}; !slices.Equal(closed, want) {
		t.Errorf("closed routes %q, want %q", closed, want)
	}
	if got := h.Engine.Commands(); !slices.Contains(got, "/officer") || !slices.Contains(got, "/thu") {
		t.Errorf("commands %q", got)
	}
	menu := h.Engine.Menu("vi", false)
	if len(menu) != 1 || menu[0].Name != "trogiup" || menu[0].Description != h.Tr.T("vi", "menu.trogiup", nil) {
		t.Errorf("producers' menu %+v", menu)
	}
	if err := h.Engine.SetChatMenu(t.Context(), bottest.Channel, "boss", "vi", true); err != nil {
		t.Fatal(err)
	}
	if m := h.Sender.Menu("boss"); len(m) != 2 || m[0].Name != "canbo" {
		t.Errorf("officer's chat menu %+v", m)
	}
}

// Each kind of update reaches its handler: a file the file handler, text
// outside a form the fallback, a block notice the users store only; a
// Begin may refuse a form; middleware added with Use runs after the user
// is loaded.
func TestUpdateKindsReachTheirHandlers(t *testing.T) {
	h, seen := routeHarness(t)
	var mw []string
	h.Engine.Use(func(next bot.Handler) bot.Handler {
		return bot.HandlerFunc(func(ctx context.Context, c *bot.Ctx) error {
			mw = append(mw, c.Update.Kind.String()+":"+c.Locale)
			return next.Handle(ctx, c)
		})
	})
	h.Update(&bot.Update{UserID: "u1", Kind: bot.KindDocument, File: &bot.File{ID: "d"}}).Expect("ftest.elsewhere")
	h.Send("u1", "xin chào").Expect("ftest.elsewhere")
	h.Send("u1", "/dong").Expect("ftest.closed")
	if r := h.Update(&bot.Update{UserID: "u1", Kind: bot.KindMember, Blocked: true}); len(r.Sent) != 0 || r.Err != nil {
		t.Fatalf("a block notice was answered: %v %s", r.Err, r.Texts())
	}
	if u, _ := h.Users.Get(bottest.Channel, "u1"); !u.Blocked {
		t.Fatal("the block was not recorded")
	}
	h.Send("u1", "lại đây").Expect("ftest.elsewhere")
	if u, _ := h.Users.Get(bottest.Channel, "u1"); u.Blocked {
		t.Fatal("a user who writes again is still blocked")
	}
	if s := h.Session("u1"); s.Active != "" {
		t.Fatalf("a refused form is active: %+v", s)
	}
	want := []string{"file:producer:", "fallback:producer:", "fallback:producer:"}
	if !slices.Equal(*seen, want) {
		t.Fatalf("handled %q, want %q", *seen, want)
	}
	if want := []string{"document:vi", "text:vi", "command:vi", "text:vi"}; !slices.Equal(mw, want) {
		t.Fatalf("middleware saw %q, want %q", mw, want)
	}
	if bot.KindSeen.String() != "seen" || bot.Kind(200).String() != "unknown" {
		t.Error("kind names")
	}
}

// In a group the bot answers only what is addressed to it, with a link to
// a private chat.
func TestGroupChats(t *testing.T) {
	h, seen := routeHarness(t)
	group := func(u *bot.Update) bottest.Replies {
		u.UserID, u.ChatID, u.Private = "u1", "g1", false
		return h.Update(u)
	}
	r := group(&bot.Update{Kind: bot.KindCommand, Command: "/trogiup", GroupLink: "https://t.me/ocopbot"}).Expect("group.private_only")
	if b := r.Last().Buttons; len(b) != 1 || b[0][0].URL != "https://t.me/ocopbot" {
		t.Fatalf("no link to a private chat: %+v", b)
	}
	if r := group(&bot.Update{Kind: bot.KindText, Text: "chào cả nhà"}); len(r.Sent) != 0 {
		t.Fatalf("answered group chatter: %s", r.Texts())
	}
	group(&bot.Update{Kind: bot.KindText, Text: "@ocopbot chào"}).Expect("group.private_only")
	r = group(&bot.Update{Kind: bot.KindCallback, Callback: &bot.Callback{ID: "c", Data: "pb|1"}})
	if len(r.Answers) != 1 || !r.Answers[0].Alert || len(r.Sent) != 0 {
		t.Fatalf("a button in a group: %+v, %s", r.Answers, r.Texts())
	}
	if len(*seen) != 0 {
		t.Fatalf("group updates reached handlers: %q", *seen)
	}
}

// What goes wrong is answered in the user's words, once; a press refused
// as forbidden is answered with an alert; the update is not tried again.
func TestErrorsAreAnswered(t *testing.T) {
	h := bottest.New(t)
	fail := map[string]error{
		"/invalid":   domain.Invalid("t", "error.not_found"),
		"/notfound":  domain.ErrNotFound,
		"/unknownid": domain.Invalid("t", "no.such.message"),
		"/other":     errors.New("plain"),
		"/forbidden": &domain.Error{Op: "t", Kind: domain.KindForbidden, MsgID: "common.officers_only"},
	}
	for name, err := range fail {
		h.Engine.Command(bot.Command{Name: name, Access: bot.Anyone, Handle: func(context.Context, *bot.Ctx) error { return err }})
	}
	h.Engine.Callback("x", bot.Anyone, func(context.Context, *bot.Ctx) error { return fail["/forbidden"] })
	h.Engine.Command(bot.Command{Name: "/file", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		_, err := c.Download(ctx, "f", 10)
		return err
	}})
	for cmd, id := range map[string]string{"/invalid": "error.not_found", "/notfound": "error.not_found", "/unknownid": "error.internal",
		"/other": "error.internal", "/forbidden": "common.officers_only", "/file": "dossier.files_not_supported"} {
		r := h.Send("u1", cmd).Expect(id)
		if len(r.Sent) != 1 {
			t.Errorf("%s answered %d times", cmd, len(r.Sent))
		}
	}
	r := h.PressData("u1", "x|1")
	if len(r.Sent) != 0 || len(r.Answers) != 1 || !r.Answers[0].Alert || !h.Matches(r.Answers[0].Text, "common.officers_only") {
		t.Fatalf("a forbidden press: %+v %s", r.Answers, r.Texts())
	}
}

// A user who blocked the bot is not an error; a channel that fails is:
// the update's session is not saved, and the user's next update reads
// what the store has.
func TestSendFailures(t *testing.T) {
	h := bottest.New(t)
	h.Engine.Command(bot.Command{Name: "/dem", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		c.Session.Put("n", c.Session.Get("n")+"i")
		return c.Say(ctx, "common.done")
	}})
	h.Send("u1", "/dem").Expect("common.done")
	h.Sender.FailTo("u1", bot.ErrBlocked)
	if r := h.Send("u1", "/dem"); r.Err != nil || len(r.Sent) != 0 {
		t.Fatalf("blocked: %v, %d sent", r.Err, len(r.Sent))
	}
	h.Sender.FailTo("u1", errors.New("503"))
	if r := h.Send("u1", "/dem"); r.Err != nil {
		t.Fatalf("a failed send is answered (it cannot be), not retried: %v", r.Err)
	}
	h.Sender.FailTo("u1", nil)
	h.Send("u1", "/dem")
	if got := h.Session("u1").Get("n"); got != "iii" {
		t.Fatalf("session n = %q, want iii (the failed update not saved)", got)
	}
	// A Put of "" removes the value.
	h.Engine.Command(bot.Command{Name: "/xoa", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		c.Session.Put("n", "")
		return nil
	}})
	h.Send("u1", "/xoa")
	if len(h.KV.Keys("sess:")) != 0 {
		t.Fatalf("an emptied session is kept: %v", h.KV.Keys("sess:"))
	}
}

// When the store is down the update is handed back to be tried again, and
// the next try is handled. A session whose save failed is kept by this
// process, whose copy the next update reads, and written again: by the
// next save, or by Flush.
func TestStoreFailures(t *testing.T) {
	h := bottest.New(t)
	h.Engine.Command(bot.Command{Name: "/dem", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		c.Session.Put("n", c.Session.Get("n")+"i")
		if c.Update.Args == "fail" {
			h.KV.Fail(1) // the save
		}
		return c.Say(ctx, "common.done")
	}})
	h.KV.Fail(1)
	u := &bot.Update{UserID: "u1", Kind: bot.KindCommand, Command: "/dem"}
	if r := h.Update(u); r.Err == nil || len(r.Sent) != 0 {
		t.Fatalf("claim failed: %v, %d sent", r.Err, len(r.Sent))
	}
	again := *u
	h.Update(&again).Expect("common.done")
	r := h.Send("u1", "/dem fail")
	if r.Err != nil || r.Has("error.unavailable") || !r.Has("common.done") {
		t.Fatalf("a failed save: %v\n%s", r.Err, r.Texts())
	}
	if n := h.Sessions.Pending(); n != 1 {
		t.Fatalf("%d session writes pending, want 1", n)
	}
	h.Send("u1", "/dem")
	if got := h.Session("u1").Get("n"); got != "iii" || h.Sessions.Pending() != 0 {
		t.Fatalf("session n = %q (%d pending), want iii written", got, h.Sessions.Pending())
	}
	h.Send("u1", "/dem fail")
	if err := h.Sessions.Flush(context.Background()); err != nil || h.Sessions.Pending() != 0 {
		t.Fatalf("Flush: %v, %d pending", err, h.Sessions.Pending())
	}
	if got := h.Session("u1").Get("n"); got != "iiii" {
		t.Fatalf("session n = %q after Flush, want iiii", got)
	}
	h.Users.Fail(errors.New("db down"))
	h.Send("u1", "/dem").Expect("error.unavailable")
	h.Users.Fail(nil)
	// A second copy of an update is not handled again.
	dup := &bot.Update{ID: again.ID, UserID: "u1", Kind: bot.KindCommand, Command: "/dem"}
	if r := h.Update(dup); len(r.Sent) != 0 {
		t.Fatalf("a second copy was answered: %s", r.Texts())
	}
}

// Messages sent outside an update go through the channel's limits; a
// channel that cannot edit is told apart.
func TestSendingOutsideAnUpdate(t *testing.T) {
	h := bottest.New(t, bottest.WithLimits(bottest.ZaloLimits), bottest.WithChannel("zalo"))
	e := h.Engine
	if e.Translator() != h.Tr || e.Sender("zalo") != h.Sender || e.Sender("telegram") != nil {
		t.Fatal("engine accessors")
	}
	if e.CanEdit("zalo") || e.CanEdit("telegram") {
		t.Fatal("zalo cannot edit, and there is no telegram sender")
	}
	var six [][]bot.Button
	for i := range 6 {
		six = append(six, []bot.Button{{Label: "Mục", Data: "m|" + string(rune('a'+i))}})
	}
	if err := e.SendTo(t.Context(), "zalo", "u1", bot.Reply{Text: e.T("vi", "common.done", nil), Buttons: six, Edit: "3"}); err != nil {
		t.Fatal(err)
	}
	id, err := e.SendReplyTo(t.Context(), "zalo", "u1", bot.Reply{Text: "hai"})
	if err != nil || id == "" {
		t.Fatalf("SendReplyTo = %q, %v", id, err)
	}
	sent := h.Sender.Sent()
	if len(sent) != 2 || sent[0].Buttons != nil || sent[0].Edit != "" || !strings.Contains(sent[0].Text, "6. Mục") {
		t.Fatalf("sent %+v", sent)
	}
	if err := e.SendTo(t.Context(), "telegram", "u1", bot.Reply{Text: "x"}); err == nil {
		t.Fatal("SendTo a channel without a sender succeeded")
	}
	if _, err := e.SendReplyTo(t.Context(), "telegram", "u1", bot.Reply{Text: "x"}); err == nil {
		t.Fatal("SendReplyTo a channel without a sender succeeded")
	}
	if err := e.Handle(t.Context(), &bot.Update{Channel: "telegram", UserID: "1"}); err == nil {
		t.Fatal("an update of a channel without a sender was handled")
	}
	if err := e.SetChatMenu(t.Context(), "telegram", "1", "vi", true); err != nil {
		t.Fatal(err)
	}
}

// A body read past its limit fails with ErrTooLarge; closing it runs done.
func TestLimitBody(t *testing.T) {
	for _, tc := range []struct {
		body string
		err  error
	}{{"12345", nil}, {"123456", bot.ErrTooLarge}} {
		closed := false
		rc := bot.LimitBody(io.NopCloser(strings.NewReader(tc.body)), 5, func() { closed = true })
		_, err := io.ReadAll(rc)
		if !errors.Is(err, tc.err) && err != tc.err {
			t.Errorf("%q: %v, want %v", tc.body, err, tc.err)
		}
		if err := rc.Close(); err != nil || !closed {
			t.Errorf("%q: close %v, done run %v", tc.body, err, closed)
		}
	}
	if got := bot.Escape(`<b>"A&B"</b>`); got != "&lt;b&gt;&#34;A&amp;B&#34;&lt;/b&gt;" {
		t.Errorf("Escape = %q", got)
	}
}

// A session that cannot be read, or that names a form the engine no
// longer has, does not lock the user out: they start afresh.
func TestBrokenSessions(t *testing.T) {
	for _, tc := range []struct{ name, raw string }{
		{"another version", `{"v":99,"active":5}`},
		{"not json", `{{`},
		{"a flow that is gone", `{"v":1,"active":"gone","forms":{"gone":{"flow":"gone","nonce":"a","step":0}}}`},
		{"a step out of range", `{"v":1,"active":"ft","forms":{"ft":{"flow":"ft","nonce":"a","step":42}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, seen := routeHarness(t)
			if err := h.KV.Set(t.Context(), "sess:"+bottest.Channel+":u1", []byte(tc.raw), 0); err != nil {
				t.Fatal(err)
			}
			h.Send("u1", "xin chào").Expect("ftest.elsewhere")
			if len(*seen) != 1 || !strings.HasPrefix((*seen)[0], "fallback:") {
				t.Fatalf("handled %q", *seen)
			}
			if s := h.Session("u1"); s.Active != "" || len(s.Forms) != 0 {
				t.Fatalf("session %+v", s)
			}
			h.Send("u1", "/thu").Expect("ftest.ask_name")
		})
	}
	// Without a fallback, text outside a form gets no answer.
	h := bottest.New(t)
	if err := h.KV.Set(t.Context(), "sess:"+bottest.Channel+":u1", []byte(`{"v":1,"active":"gone"}`), 0); err != nil {
		t.Fatal(err)
	}
	if r := h.Send("u1", "xin chào"); len(r.Sent) != 0 || r.Err != nil {
		t.Fatalf("%v %s", r.Err, r.Texts())
	}
}

// With the marks and the sessions in one batching store, a user's first
// update costs two round trips (the claim with the session's read, the
// save with the "done" mark), the next one only the save, one recovered
// after a restart two again; one that changes nothing only its "done"
// mark.
func TestRoundTripsPerUpdate(t *testing.T) {
	h := bottest.New(t)
	h.Engine.Command(bot.Command{Name: "/dem", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		c.Session.Put("n", c.Session.Get("n")+"i")
		return c.Say(ctx, "common.done")
	}})
	h.Engine.Command(bot.Command{Name: "/xem", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error { return c.Say(ctx, "common.done") }})
	for _, tc := range []struct {
		cmd       string
		recovered bool
		trips     int
	}{{"/dem", false, 2}, {"/dem", false, 1}, {"/dem", true, 2}, {"/xem", false, 1}} {
		before := h.KV.Ops()
		h.Update(&bot.Update{UserID: "u1", Kind: bot.KindCommand, Command: tc.cmd, Recovered: tc.recovered}).Expect("common.done")
		if got := h.KV.Ops() - before; got != tc.trips {
			t.Errorf("%s (recovered %v): %d round trips, want %d", tc.cmd, tc.recovered, got, tc.trips)
		}
	}
	marks := h.KV.Keys("upd:")
	if len(marks) != 4 {
		t.Fatalf("marks %v", marks)
	}
	for k, v := range marks {
		if string(v) != "done" {
			t.Errorf("%s = %q, want done", k, v)
		}
	}
	if got := h.Session("u1").Get("n"); got != "iii" {
		t.Errorf("n = %q", got)
	}
}

// The routes table registers everything at once; a command (or alias), a
// button prefix or a form registered twice, and a route that does not say
// who may use it, fail at start, each of them said.
func TestRoutesTableRefusesTwiceAndNobody(t *testing.T) {
	nop := func(context.Context, *bot.Ctx) error { return nil }
	step := []bot.Step{{Key: "x", Prompt: "ftest.ask_name", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }}}
	flow := func(id string) *bot.Flow { return &bot.Flow{ID: id, Title: "ftest.title", Steps: step} }
	good := func() bot.Table {
		return bot.Table{
			Commands: []bot.Command{
				{Name: "/start", Menu: "menu.start", Access: bot.Anyone, Handle: nop},
				{Name: "/dangky", Aliases: []string{"/register"}, Access: bot.Anyone, Flow: flow("reg")},
				{Name: "/capquyen", Access: bot.Admins, Flow: flow("grant")},
			},
			Flows:    []bot.FlowRoute{{Access: bot.Officers, Flow: flow("ret")}},
			Buttons:  []bot.ButtonRoute{{Prefix: "r", Access: bot.Officers, Handle: nop}, {Prefix: "m", Access: bot.Anyone, Handle: nop}},
			Fallback: nop,
		}
	}
	h := bottest.New(t)
	if err := h.Engine.Register(good()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range h.Engine.Routes() {
		got = append(got, r.Kind+" "+r.Name+" "+r.Access.String())
	}
	want := []string{"command /start anyone", "flow reg anyone", "command /dangky anyone", "flow grant admins", "command /capquyen admins",
		"flow ret officers", "button r officers", "button m anyone"}
	if !slices.Equal(got, want) {
		t.Fatalf("routes %q\nwant %q", got, want)
	}
	for _, tc := range []struct {
		name string
		edit func(t *bot.Table)
		want string
	}{
		{"a command twice", func(t *bot.Table) {
			t.Commands = append(t.Commands, bot.Command{Name: "/START", Access: bot.Anyone, Handle: nop})
		}, "/start registered twice"},
		{"an alias of another", func(t *bot.Table) {
			t.Commands = append(t.Commands, bot.Command{Name: "/dk", Aliases: []string{"/register"}, Access: bot.Anyone, Handle: nop})
		}, "/register registered twice"},
		{"a prefix twice", func(t *bot.Table) {
			t.Buttons = append(t.Buttons, bot.ButtonRoute{Prefix: "r", Access: bot.Anyone, Handle: nop})
		}, `prefix "r" registered twice`},
		{"the forms' prefix", func(t *bot.Table) {
			t.Buttons = append(t.Buttons, bot.ButtonRoute{Prefix: "f", Access: bot.Anyone, Handle: nop})
		}, "forms' own"},
		{"a form twice", func(t *bot.Table) { t.Flows = append(t.Flows, bot.FlowRoute{Access: bot.Officers, Flow: flow("reg")}) }, `flow "reg" registered twice`},
		{"a command without access", func(t *bot.Table) { t.Commands = append(t.Commands, bot.Command{Name: "/moi", Handle: nop}) }, "/moi does not say who may use it"},
		{"a button without access", func(t *bot.Table) { t.Buttons = append(t.Buttons, bot.ButtonRoute{Prefix: "x", Handle: nop}) }, `"x" does not say who may press it`},
		{"a form without access", func(t *bot.Table) { t.Flows = append(t.Flows, bot.FlowRoute{Flow: flow("new")}) }, `flow "new" does not say who may use it`},
		{"a command of nothing", func(t *bot.Table) { t.Commands = append(t.Commands, bot.Command{Name: "/rong", Access: bot.Anyone}) }, "/rong needs a handler or a flow"},
		{"a form route with a command", func(t *bot.Table) {
			f := flow("cmd")
			f.Command = "/lenh"
			t.Flows = append(t.Flows, bot.FlowRoute{Access: bot.Anyone, Flow: f})
		}, "list it with the commands"},
		{"a second fallback", func(t *bot.Table) {}, "a second fallback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := bottest.New(t)
			tab := good()
			if tc.name == "a second fallback" {
				h.Engine.Fallback(nop)
			}
			tc.edit(&tab)
			err := h.Engine.Register(tab)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Register: %v, want %q", err, tc.want)
			}
		})
	}
	// Two faults are both said.
	tab := good()
	tab.Commands = append(tab.Commands, tab.Commands[0])
	tab.Buttons = append(tab.Buttons, tab.Buttons[0])
	if err := bottest.New(t).Engine.Register(tab); err == nil || !strings.Contains(err.Error(), "/start") || !strings.Contains(err.Error(), `"r"`) {
		t.Fatalf("Register: %v", err)
	}
}

// A route for admins refuses officers with the admins' answer and
// producers with the officers' one: its command, its buttons and its form
// alike; the table's middleware runs before routing.
func TestAdminRoutes(t *testing.T) {
	h, _ := formHarness(t, bottest.WithAdmins("boss"))
	h.Users.Put(domain.User{Channel: bottest.Channel, ChannelID: "xa", Role: domain.RoleCommuneOfficer, Communes: []string{"25459"}})
	var seen []string
	note := func(ctx context.Context, c *bot.Ctx) error {
		seen = append(seen, c.Update.UserID)
		return c.Say(ctx, "ftest.elsewhere")
	}
	var mw []string
	err := h.Engine.Register(bot.Table{
		Commands: []bot.Command{
			{Name: "/quyen", Access: bot.Admins, Handle: note},
			{Name: "/cap", Access: bot.Officers, Handle: func(ctx context.Context, c *bot.Ctx) error { return c.Engine().StartFlow(ctx, c, "adm") }},
			{Name: "/nut", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
				return c.Send(ctx, bot.Reply{Text: "Nút", Buttons: [][]bot.Button{{bot.Data("q", "r", 1).Button("Thu quyền")}}})
			}},
		},
		Flows: []bot.FlowRoute{{Access: bot.Admins, Flow: &bot.Flow{ID: "adm", Title: "ftest.title", Steps: []bot.Step{
			{Key: "name", Prompt: "ftest.ask_name", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }}}}}},
		Buttons: []bot.ButtonRoute{{Prefix: "q", Access: bot.Admins, Handle: note}},
		Middleware: []bot.Middleware{func(next bot.Handler) bot.Handler {
			return bot.HandlerFunc(func(ctx context.Context, c *bot.Ctx) error {
				mw = append(mw, c.Update.UserID+":"+string(c.User.Role))
				return next.Handle(ctx, c)
			})
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, want string }{{"u1", "common.officers_only"}, {"xa", "officer.admins_only"}} {
		user, want := tc.user, tc.want
		h.Send(user, "/quyen").Expect(want)
		h.Send(user, "/cap").Expect(want)
		h.Send(user, "/nut")
		if r := h.Press(user, "Thu quyền"); len(r.Answers) != 1 || !r.Answers[0].Alert || !h.Matches(r.Answers[0].Text, want) {
			t.Errorf("%s pressed an admin button: %+v", user, r.Answers)
		}
	}
	h.Send("boss", "/quyen").Expect("ftest.elsewhere")
	h.Send("boss", "/cap").Expect("ftest.ask_name")
	h.Send("boss", "/nut")
	h.Press("boss", "Thu quyền").Expect("ftest.elsewhere")
	if !slices.Equal(seen, []string{"boss", "boss"}) {
		t.Errorf("handled for %q", seen)
	}
	if len(mw) != 12 || mw[0] != "u1:producer" || mw[len(mw)-1] != "boss:admin" {
		t.Errorf("middleware saw %q", mw)
	}
	menu := h.Engine.Menu("vi", true)
	if len(menu) != 0 {
		t.Errorf("menu %+v: no command has a description", menu)
	}
}
