package bot_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
	"github.com/ocop-tayninh/ocopbot/domain"
)

const saveMessages = `
[stest]
title = "Sổ thử"
ask_name = "Tên gì?"
label_name = "Tên"
saved = "Đã lưu sổ thử số {{.N}}."
summary = "Sổ thử số {{.N}}: {{.Name}}"
`

// records is the test form's store: what its Done saved.
type records struct {
	mu    sync.Mutex
	names []string
}

func (r *records) add(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, name)
	return len(r.names)
}

func (r *records) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.names)
}

// saveFlow is a one-step form whose Done saves a record and says so; its
// Summary renders the record. reply, when set, runs in place of the reply.
func saveFlow(recs *records, reply func(ctx context.Context, c *bot.Ctx) error) *bot.Flow {
	return &bot.Flow{ID: "st", Command: "/so", Access: bot.Anyone, Title: "stest.title",
		Steps: []bot.Step{{Key: "name", Prompt: "stest.ask_name", Label: "stest.label_name",
			Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }}},
		Done: func(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
			n := recs.add(f.Answers["name"])
			c.Saved(strconv.Itoa(n))
			if reply != nil {
				return reply(ctx, c)
			}
			return c.Say(ctx, "stest.saved", map[string]any{"N": n})
		},
		Summary: func(_ context.Context, c *bot.Ctx, ref string) (string, error) {
			n, _ := strconv.Atoi(ref)
			if n < 1 || n > recs.len() {
				return "", domain.E("stest", domain.KindNotFound, domain.ErrNotFound)
			}
			return c.T("stest.summary", map[string]any{"N": n, "Name": recs.names[n-1]}), nil
		}}
}

// "Xác nhận" pressed a second time (the old button, or typed) saves
// nothing more: the user hears it is saved, with the saved record.
func TestFormConfirmedTwiceIsSavedOnce(t *testing.T) {
	h := bottest.New(t, bottest.WithMessages("vi", saveMessages))
	recs := &records{}
	h.Engine.Flow(saveFlow(recs, nil))
	h.Send("u", "/so").Expect("stest.ask_name")
	h.Send("u", "Lan").Expect("form.confirm_title")
	confirm, _ := h.Button("u", "✅ Xác nhận")
	h.Press("u", "✅ Xác nhận").Expect("stest.saved")
	h.PressData("u", confirm).Expect("form.already_saved", "stest.summary")
	if recs.len() != 1 || h.Saves.Len() != 1 {
		t.Fatalf("%d records, %d saves after two presses, want 1", recs.len(), h.Saves.Len())
	}
	// A new form is a new instance: saved again.
	h.Send("u", "/so").Expect("stest.ask_name")
	h.Send("u", "Lan").Expect("form.confirm_title")
	h.Send("u", "xác nhận").Expect("stest.saved")
	if recs.len() != 2 {
		t.Fatalf("a second form saved %d records in all, want 2", recs.len())
	}
}

// The save's reply fails (after the save): the user is not told that
// nothing was saved, the form stays on its confirmation, and "Xác nhận"
// pressed again (or typed) shows what was saved, and closes it.
func TestFormReplyFailedAfterTheSave(t *testing.T) {
	h := bottest.New(t, bottest.WithMessages("vi", saveMessages))
	recs := &records{}
	h.Engine.Flow(saveFlow(recs, func(ctx context.Context, c *bot.Ctx) error {
		h.Sender.FailTo("u", errors.New("502 Bad Gateway"))
		defer h.Sender.FailTo("u", nil)
		return c.Say(ctx, "stest.saved", map[string]any{"N": recs.len()})
	}))
	h.Send("u", "/so").Expect("stest.ask_name")
	h.Send("u", "Lan").Expect("form.confirm_title")
	confirm, _ := h.Button("u", "✅ Xác nhận")
	r := h.Press("u", "✅ Xác nhận")
	if r.Err != nil || len(r.Sent) != 0 {
		t.Fatalf("the failed reply: %v, then %q", r.Err, r.Texts())
	}
	if s := h.Session("u"); s.Forms["st"] == nil || !s.Forms["st"].Confirming {
		t.Fatalf("the form is not on its confirmation: %+v", s.Forms)
	}
	h.Send("u", "xác nhận").Expect("form.already_saved", "stest.summary")
	if s := h.Session("u"); len(s.Forms) != 0 {
		t.Fatalf("the form is still open: %+v", s.Forms)
	}
	h.PressData("u", confirm).Expect("form.already_saved", "stest.summary")
	if recs.len() != 1 {
		t.Fatalf("%d records, want 1", recs.len())
	}
}

// A process that dies between the save and the reply (here: its goroutine
// ends in the middle of sending) leaves the form open in the session and
// the update to be handed out again; the next process answers it with
// what was saved, and saves nothing more.
func TestFormReplayedAfterACrashBetweenSaveAndReply(t *testing.T) {
	h := bottest.New(t, bottest.WithMessages("vi", saveMessages))
	recs := &records{}
	crash := true
	h.Engine.Flow(saveFlow(recs, func(ctx context.Context, c *bot.Ctx) error {
		if crash {
			// Committed now (the step speaks); the process dies before
			// the message leaves.
			if err := c.Answer(ctx, "", false); err != nil {
				return err
			}
			_ = c.Say(ctx, "stest.saved", map[string]any{"N": 1})
			runtime.Goexit()
		}
		return c.Say(ctx, "stest.saved", map[string]any{"N": recs.len()})
	}))
	h.Send("u", "/so").Expect("stest.ask_name")
	h.Send("u", "Lan").Expect("form.confirm_title")
	data, msg := h.Button("u", "✅ Xác nhận")
	u := &bot.Update{Channel: h.Channel, ID: 100, UserID: "u", ChatID: "u", Private: true, Kind: bot.KindCallback,
		Callback: &bot.Callback{ID: "cb", Data: data, MessageID: msg}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = h.Engine.Handle(context.Background(), u)
	}()
	<-done
	if recs.len() != 1 || h.Saves.Len() != 1 {
		t.Fatalf("before the crash: %d records, %d saves", recs.len(), h.Saves.Len())
	}

	// The next process: new sessions cache and marks over the same stores,
	// the update handed out again.
	crash = false
	e2 := bot.New(bot.Config{Users: h.Users, Sessions: bot.NewSessionStore(h.KV), Dedup: bot.NewDeduper(h.KV), Translator: h.Tr,
		Now: h.Clock.Now, Saves: h.Saves})
	e2.Flow(saveFlow(recs, nil))
	sender := bottest.NewSender(bot.Limits{})
	e2.SetSender(h.Channel, sender)
	if todo, err := bot.NewDeduper(h.KV).Release(context.Background(), h.Channel, 100); err != nil || !todo {
		t.Fatalf("the update is not to be handled again: %v, %v", todo, err)
	}
	again := *u
	again.Recovered = true
	if err := e2.Handle(context.Background(), &again); err != nil {
		t.Fatal(err)
	}
	sent := sender.Sent()
	if len(sent) != 1 || !h.Matches(sent[0].Text, "form.already_saved") || !h.Matches(sent[0].Text, "stest.summary") {
		t.Fatalf("the replay answered %+v, want that it was saved", sent)
	}
	for _, s := range sent {
		if strings.Contains(s.Text, "chưa lưu") {
			t.Fatalf("the user was told nothing was saved: %q", s.Text)
		}
	}
	if recs.len() != 1 || h.Saves.Len() != 1 {
		t.Fatalf("after the replay: %d records, %d saves, want 1", recs.len(), h.Saves.Len())
	}
	if s, _, _ := bot.NewSessionStore(h.KV).Load(context.Background(), h.Channel, "u"); len(s.Forms) != 0 {
		t.Fatalf("the form is still open after the replay: %+v", s.Forms)
	}
}

// A step that refuses (a KindInvalid error) saves nothing: the
// confirmation stays, and confirming again after a fix saves.
func TestFormRefusedSaveIsNotRecorded(t *testing.T) {
	h := bottest.New(t, bottest.WithMessages("vi", saveMessages))
	recs := &records{}
	refuse := true
	h.Engine.Flow(&bot.Flow{ID: "st", Command: "/so", Access: bot.Anyone, Title: "stest.title",
		Steps: []bot.Step{{Key: "name", Prompt: "stest.ask_name", Label: "stest.label_name",
			Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }}},
		Done: func(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
			if refuse {
				return domain.Invalid("stest", "form.invalid")
			}
			return c.Say(ctx, "stest.saved", map[string]any{"N": recs.add(f.Answers["name"])})
		}})
	h.Send("u", "/so").Expect("stest.ask_name")
	h.Send("u", "Lan").Expect("form.confirm_title")
	h.Press("u", "✅ Xác nhận").Expect("form.invalid", "form.confirm_title")
	if h.Saves.Len() != 0 {
		t.Fatal("a refused save was recorded")
	}
	refuse = false
	h.Press("u", "✅ Xác nhận").Expect("stest.saved")
	if recs.len() != 1 || h.Saves.Len() != 1 {
		t.Fatalf("%d records, %d saves", recs.len(), h.Saves.Len())
	}
}

// A confirming step that is not a form (a button filing something) runs
// its save once for its key; the same key again answers with what was
// saved, and a failed reply after the save is not an error reply.
func TestOnceSavesAStepOnce(t *testing.T) {
	h := bottest.New(t, bottest.WithMessages("vi", saveMessages))
	recs := &records{}
	h.Engine.Command(bot.Command{Name: "/luu", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		return c.Once(ctx, "luu:"+c.Update.Args, func(ctx context.Context) error {
			n := recs.add(c.Update.Args)
			c.Saved(strconv.Itoa(n))
			return c.Say(ctx, "stest.saved", map[string]any{"N": n})
		}, func(ctx context.Context, ref string) error {
			return c.Say(ctx, "stest.summary", map[string]any{"N": ref, "Name": c.Update.Args})
		})
	}})
	h.Send("u", "/luu a").Expect("stest.saved")
	h.Send("u", "/luu a").Expect("stest.summary")
	h.Send("u", "/luu b").Expect("stest.saved")
	h.Sender.FailTo("u", errors.New("502 Bad Gateway"))
	r := h.Send("u", "/luu c")
	h.Sender.FailTo("u", nil)
	if r.Err != nil || len(r.Sent) != 0 {
		t.Fatalf("the failed reply: %v, then %q", r.Err, r.Texts())
	}
	h.Send("u", "/luu c").Expect("stest.summary")
	if recs.len() != 3 {
		t.Fatalf("%d saves, want 3", recs.len())
	}
}

// An update cut short by a hard stop (its context cancelled, as when the
// grace after SIGTERM is over) is neither answered with an error nor
// marked handled: the next start hands it out again. One that marked
// itself handled first (Finish) is not.
func TestUpdateCutShortByAHardStopIsLeftPending(t *testing.T) {
	h := bottest.New(t)
	started := make(chan struct{})
	h.Engine.Command(bot.Command{Name: "/lau", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		if c.Update.Args == "xong" {
			if err := c.Finish(ctx); err != nil {
				return err
			}
		}
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}})
	for i, args := range []string{"", "xong"} {
		started = make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		u := &bot.Update{Channel: h.Channel, ID: int64(200 + i), UserID: "u", ChatID: "u", Private: true, Kind: bot.KindCommand, Command: "/lau", Args: args}
		errc := make(chan error, 1)
		go func() { errc <- h.Engine.Handle(ctx, u) }()
		<-started
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("%q: Handle = %v, want the update left to be tried again", args, err)
		}
		if n := len(h.Sender.Sent()); n != 0 {
			t.Fatalf("%q: %d messages after a hard stop: %+v", args, n, h.Sender.Sent())
		}
		todo, err := bot.NewDeduper(h.KV).Release(context.Background(), h.Channel, u.ID)
		if err != nil || todo != (args == "") {
			t.Fatalf("%q: to handle again after the restart: %v, %v", args, todo, err)
		}
	}
}
