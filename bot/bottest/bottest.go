// Package bottest drives the bot engine in memory, for tests that run in
// milliseconds: a recording Sender (with a channel's Limits, like Zalo's),
// an in-memory KV and users store, a fixed Clock, and a Harness that sends
// a user's text, presses a button or shares a contact and returns what the
// bot answered, matched against message ids through the Translator.
//
//	h := bottest.New(t)
//	h.Engine.Flow(myFlow())
//	h.Send("u1", "/sanpham").Expect("product.ask_name")
//	h.Send("u1", "Trà mãng cầu").Expect("product.ask_group")
//	h.Press("u1", "Thực phẩm").Expect("form.confirm_title")
//
// The end-to-end suite in cmd/ocopbot stays for what crosses processes and
// the wire (the real Telegram client, the Zalo adapter, SQLite, Redis).
package bottest

import (
	"context"
	"io/fs"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/locales"
)

// Channel is the channel name of the harness's users unless WithChannel
// says otherwise.
const Channel = "test"

type config struct {
	channel string
	limits  bot.Limits
	admins  []string
	noDedup bool
	extra   map[string]string
	log     *slog.Logger
}

// Option changes how New builds the harness.
type Option func(*config)

// WithLimits gives the channel limits (ZaloLimits: a Zalo-like channel).
func WithLimits(l bot.Limits) Option { return func(c *config) { c.limits = l } }

// WithChannel names the channel ("zalo", "telegram"); default Channel.
func WithChannel(name string) Option { return func(c *config) { c.channel = name } }

// WithAdmins makes these users (channel ids) admins from the start.
func WithAdmins(users ...string) Option {
	return func(c *config) { c.admins = append(c.admins, users...) }
}

// WithLogger gives the engine a logger (default: none).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithoutDedup runs the engine without de-duplication (as the console does).
func WithoutDedup() Option { return func(c *config) { c.noDedup = true } }

// WithMessages adds a message file (TOML, as in locales/) for lang to the
// project's messages: a test's own prompts and labels.
func WithMessages(lang, toml string) Option {
	return func(c *config) {
		if c.extra == nil {
			c.extra = map[string]string{}
		}
		c.extra[lang] += toml + "\n"
	}
}

// Harness is an engine over in-memory stores, driven as users would.
type Harness struct {
	T        testing.TB
	Engine   *bot.Engine
	Tr       *bot.Translator
	Clock    *Clock
	KV       *KV
	Users    *Users
	Sender   *Sender
	Sessions *bot.SessionStore
	Saves    *Saves
	Channel  string

	nextID int64
}

// New returns a harness whose engine has no commands yet: register them
// (and flows, callbacks, a fallback) on h.Engine.
func New(t testing.TB, opts ...Option) *Harness {
	t.Helper()
	cfg := config{channel: Channel}
	for _, o := range opts {
		o(&cfg)
	}
	tr, err := translator(cfg.extra)
	if err != nil {
		t.Fatal(err)
	}
	clock := NewClock(Epoch)
	kv := NewKV(clock.Now)
	h := &Harness{T: t, Tr: tr, Clock: clock, KV: kv, Users: NewUsers(clock.Now), Sender: NewSender(cfg.limits),
		Sessions: bot.NewSessionStore(kv), Saves: NewSaves(), Channel: cfg.channel}
	admins := map[string]bool{}
	for _, a := range cfg.admins {
		admins[cfg.channel+":"+a] = true
	}
	var dedup *bot.Deduper
	if !cfg.noDedup {
		dedup = bot.NewDeduper(kv)
	}
	h.Engine = bot.New(bot.Config{Users: h.Users, Sessions: h.Sessions, Dedup: dedup, Translator: tr, Admins: admins, Now: clock.Now, Logger: cfg.log,
		Saves: h.Saves, MarkForms: true})
	h.Engine.SetSender(cfg.channel, h.Sender)
	return h
}

// translators keeps the translators loaded, by their extra messages: a
// Translator is safe for concurrent use, and loading every message file
// again for each test costs more than the test.
var translators sync.Map // string -> *bot.Translator

// translator loads the project's messages and the extra files, once.
func translator(extra map[string]string) (*bot.Translator, error) {
	var key strings.Builder
	for _, lang := range slices.Sorted(maps.Keys(extra)) {
		key.WriteString(lang + "\x00" + extra[lang] + "\x00")
	}
	if tr, ok := translators.Load(key.String()); ok {
		return tr.(*bot.Translator), nil
	}
	tr, err := loadTranslator(extra)
	if err != nil {
		return nil, err
	}
	translators.Store(key.String(), tr)
	return tr, nil
}

func loadTranslator(extra map[string]string) (*bot.Translator, error) {
	if len(extra) == 0 {
		return bot.NewTranslator(locales.FS)
	}
	m := fstest.MapFS{}
	files, err := fs.Glob(locales.FS, "*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(locales.FS, f)
		if err != nil {
			return nil, err
		}
		m[f] = &fstest.MapFile{Data: b}
	}
	for lang, toml := range extra {
		m["bottest."+lang+".toml"] = &fstest.MapFile{Data: []byte(toml)}
	}
	return bot.NewTranslator(m)
}

// Replies is what the bot did in answer to one update.
type Replies struct {
	h       *Harness
	Sent    []Sent
	Answers []Answer
	Err     error // what Engine.Handle returned (an update to try again)
}

// Update runs u (its Channel, ID, ChatID and Private filled when empty)
// through the engine and returns what the bot sent.
func (h *Harness) Update(u *bot.Update) Replies {
	h.T.Helper()
	if u.Channel == "" {
		u.Channel = h.Channel
	}
	if u.ID == 0 {
		h.nextID++
		u.ID = h.nextID
	}
	if u.ChatID == "" {
		u.ChatID = u.UserID
	}
	if !u.Private && u.ChatID == u.UserID {
		u.Private = true
	}
	if u.At.IsZero() {
		u.At = h.Clock.Now()
	}
	s0, a0 := h.Sender.counts()
	err := h.Engine.Handle(context.Background(), u)
	sent, answers := h.Sender.Sent(), h.Sender.Answers()
	return Replies{h: h, Sent: sent[s0:], Answers: answers[a0:], Err: err}
}

// Send is the user typing text: a command when it starts with "/".
func (h *Harness) Send(user, text string) Replies {
	h.T.Helper()
	u := &bot.Update{UserID: user, Kind: bot.KindText, Text: text}
	if cmd, args := bot.ParseCommand(text); cmd != "" {
		u.Kind, u.Command, u.Args = bot.KindCommand, cmd, args
	}
	return h.Update(u)
}

// Press presses the button labelled label in the latest message to the
// user that has one; the test fails when there is none.
func (h *Harness) Press(user, label string) Replies {
	h.T.Helper()
	data, msg := h.Button(user, label)
	if data == "" {
		h.T.Fatalf("no button %q in the chat of %s; last message:\n%s", label, user, h.Last(user).Text)
	}
	return h.Update(&bot.Update{UserID: user, Kind: bot.KindCallback, Callback: &bot.Callback{ID: "cb" + msg, Data: data, MessageID: msg}})
}

// PressData presses a button with this data (a button of an older message,
// kept with Button).
func (h *Harness) PressData(user, data string) Replies {
	h.T.Helper()
	return h.Update(&bot.Update{UserID: user, Kind: bot.KindCallback, Callback: &bot.Callback{ID: "cb", Data: data}})
}

// Button returns the data of the button labelled label in the latest
// message to the user that has one, and that message's id ("" if none).
func (h *Harness) Button(user, label string) (data, msgID string) {
	sent := h.Sender.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].ChatID != user {
			continue
		}
		for _, row := range sent[i].Buttons {
			for _, b := range row {
				if b.Label == label && b.Data != "" {
					return b.Data, sent[i].ID
				}
			}
		}
	}
	return "", ""
}

// Contact is the user sharing a phone number with the channel's button;
// own says whether it is the user's own.
func (h *Harness) Contact(user, phone string, own bool) Replies {
	h.T.Helper()
	return h.Update(&bot.Update{UserID: user, Kind: bot.KindContact, Contact: &bot.Contact{Phone: phone, Own: own}})
}

// Last returns the latest message to the user (zero when none).
func (h *Harness) Last(user string) Sent {
	sent := h.Sender.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].ChatID == user {
			return sent[i]
		}
	}
	return Sent{}
}

// Session returns the user's session as stored.
func (h *Harness) Session(user string) *bot.Session {
	h.T.Helper()
	s, _, err := h.Sessions.Load(context.Background(), h.Channel, user)
	if err != nil {
		h.T.Fatal(err)
	}
	return s
}

var placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}`)

// Matches reports whether text holds every literal line of the message
// id's Vietnamese template (the parts between placeholders). An id
// without any literal text fails the test: it would match anything.
func (h *Harness) Matches(text, id string) bool {
	h.T.Helper()
	return h.MatchesIn(text, "vi", id)
}

// MatchesIn is Matches for the template in lang.
func (h *Harness) MatchesIn(text, lang, id string) bool {
	h.T.Helper()
	tmpl, ok := h.Tr.Template(lang, id)
	if !ok {
		h.T.Fatalf("no message %q in %s", id, lang)
	}
	n := 0
	for _, part := range placeholderRE.Split(tmpl, -1) {
		for _, line := range strings.Split(part, "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			if !strings.Contains(text, line) {
				return false
			}
			n++
		}
	}
	if n == 0 {
		h.T.Fatalf("message %q has no literal text to match", id)
	}
	return true
}

// Expect fails the test unless the messages hold the ids in order: each
// id in one message, at or after the message of the id before it.
func (r Replies) Expect(ids ...string) Replies {
	r.h.T.Helper()
	r.ExpectIn("vi", ids...)
	return r
}

// ExpectIn is Expect for the templates of lang.
func (r Replies) ExpectIn(lang string, ids ...string) Replies {
	r.h.T.Helper()
	if r.Err != nil {
		r.h.T.Fatalf("the update failed: %v", r.Err)
	}
	at := 0
	for _, id := range ids {
		found := false
		for i := at; i < len(r.Sent); i++ {
			if r.h.MatchesIn(r.Sent[i].Text, lang, id) {
				at, found = i, true
				break
			}
		}
		if !found {
			r.h.T.Fatalf("no message %s (after the %d-th) in the answer:\n%s", id, at+1, r.Texts())
		}
	}
	return r
}

// Has reports whether one of the messages holds the id.
func (r Replies) Has(id string) bool {
	r.h.T.Helper()
	for _, s := range r.Sent {
		if r.h.Matches(s.Text, id) {
			return true
		}
	}
	return false
}

// Texts returns the texts of the messages, one per paragraph.
func (r Replies) Texts() string {
	var parts []string
	for _, s := range r.Sent {
		parts = append(parts, s.Text)
	}
	return strings.Join(parts, "\n---\n")
}

// Last returns the last message of the answer (zero when none).
func (r Replies) Last() Sent {
	if len(r.Sent) == 0 {
		return Sent{}
	}
	return r.Sent[len(r.Sent)-1]
}

// Labels returns the button labels of the last message, row by row.
func (r Replies) Labels() []string {
	var out []string
	for _, row := range r.Last().Buttons {
		for _, b := range row {
			out = append(out, b.Label)
		}
	}
	return out
}
