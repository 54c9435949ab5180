package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
	"github.com/ocop-tayninh/ocopbot/locales"
)

// wait is how long a scripted user waits for the bot's answer.
const wait = 10 * time.Second

// harness runs the real binary's run() against the fake Bot API, with a
// real SQLite file and, for "redis", a real Redis server.
type harness struct {
	t   *testing.T
	api *telegramtest.Server
	// zl is the fake Zalo when the harness plays Zalo users (newMatrix):
	// then user gives Zalo persons, and Telegram still runs beside it.
	zl    *zalotest.Server
	env   map[string]string
	tr    *bot.Translator
	mu    sync.Mutex
	stopF func()
	log   *syncBuffer
}

// store is "embedded" or "redis".
func newHarness(t *testing.T, store string) *harness {
	t.Helper()
	h := &harness{t: t, api: telegramtest.New(t), log: &syncBuffer{}}
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	h.tr = tr
	dir := t.TempDir()
	h.env = map[string]string{
		"TELEGRAM_BOT_TOKEN": h.api.Token(),
		"TELEGRAM_API_URL":   h.api.URL(),
		"DB_PATH":            filepath.Join(dir, "db", "ocop.db"),
		"HTTP_ADDR":          freeAddr(t),
		"LOG_LEVEL":          "debug",
	}
	if store == "redis" {
		url := os.Getenv("TEST_REDIS_URL")
		if url == "" {
			t.Skip("TEST_REDIS_URL is not set (make test sets it)")
		}
		h.env["REDIS_URL"] = url
		h.env["REDIS_PREFIX"] = "ocoptest:" + randomHex(6) + ":"
	}
	t.Cleanup(h.stop)
	return h
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freeAddr returns a loopback address free now, on a port below Linux's
// ephemeral range (32768–60999 by default). The bot binds it only later
// (after the test's seeding, and again after each restart): a port of the
// ephemeral range could meanwhile go to a listener of another test package
// running at the same time ("bind: address already in use"), and, after
// the bot stopped, a fake's late webhook call could reach that package's
// server. Ports chosen at random below the range are taken by nothing that
// asks the system for any free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 200 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+mrand.IntN(12000)))
		if err != nil {
			continue // taken: another one
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the bot until stop; it waits until the bot polls (or serves
// the webhook).
func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	getenv := func(k string) string { return h.env[k] }
	before := h.api.CallCount("getUpdates") + h.api.CallCount("setWebhook")
	go func() { done <- run(ctx, []string{"ocopbot"}, getenv, strings.NewReader(""), io.Discard, h.log) }()
	h.mu.Lock()
	h.stopF = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			h.t.Error("run did not stop within 30 s")
		}
	}
	h.mu.Unlock()
	if h.env["TELEGRAM_BOT_TOKEN"] == "" {
		// Zalo alone (withoutTelegram): ready once it listens.
		h.waitListening(done)
		return
	}
	ok := h.api.WaitFor(wait, func() bool {
		return h.api.CallCount("getUpdates")+h.api.CallCount("setWebhook") > before
	})
	if !ok {
		select {
		case err := <-done:
			h.t.Fatalf("the bot stopped at start: %v\n%s", err, h.log.String())
		default:
			h.t.Fatalf("the bot did not start polling\n%s", h.log.String())
		}
	}
	if h.env["TELEGRAM_WEBHOOK_URL"] != "" || h.zl != nil {
		waitHTTP(h.t, h.env["HTTP_ADDR"])
	}
}

func waitHTTP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// stop stops the bot gracefully (as on SIGTERM).
func (h *harness) stop() {
	h.mu.Lock()
	f := h.stopF
	h.stopF = nil
	h.mu.Unlock()
	if f != nil {
		f()
	}
}

// restart stops and starts the bot on the same database and Redis.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

// person is a scripted user: on Telegram, or on Zalo (zu set) when the
// harness plays Zalo (see zalo_harness_test.go).
type person struct {
	h    *harness
	u    telegramtest.User
	seen int // messages of the bot already read
	zu   *zalotest.User
	zraw int // Zalo: messages of the fake already read
	// zprev is the last part of the text read last on Zalo when more of
	// it may follow; zlastRead is that text, all its parts read so far.
	zprev     *zalotest.Message
	zlastRead zalotest.Message
	// zpending is the update id of the event posted last, until the bot
	// is seen to have handled it (zsettle).
	zpending int64
	// lastUpdate is the update id of the text sent last (Send), or on
	// Zalo of the event posted last.
	lastUpdate int64
	// cur is the message Expect read last and curPos the end of what it
	// matched there: a step's acknowledgement opens the next message
	// (bot.Reply.Lead), so the next Expect may find its ids further on in
	// the same message.
	cur     *telegramtest.Message
	curPos  int
	curLead bool // the ids matched last in cur end with a lead
}

// leads are the message ids the bot sends as a Lead (bot.Reply.Lead):
// they open the message that follows them in the same update.
var leads = map[string]bool{
	"start.welcome": true, "consent.given": true, "consent.declined": true, "form.noted": true,
}

// opensNext reports whether ids, matched last, end with a lead.
func opensNext(ids []string) bool { return len(ids) > 0 && leads[ids[len(ids)-1]] }

// user is a scripted user on the harness's channel.
func (h *harness) user(id int64, first string) *person {
	p := h.tgUser(id, first)
	if h.zl != nil {
		p.zu = &zalotest.User{ID: zaloID(id), Name: first}
	}
	return p
}

// tgUser is a scripted Telegram user, whatever the harness plays.
func (h *harness) tgUser(id int64, first string) *person {
	return &person{h: h, u: telegramtest.User{ID: id, FirstName: first, LanguageCode: "en"}}
}

func (p *person) Send(text string) *person {
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.SendText(*p.zu, text) })
		return p
	}
	p.lastUpdate = p.h.api.SendText(p.u, text)
	return p
}

// Press presses the button whose label contains label, on the bot's latest
// message that has one, and waits until the press is answered.
func (p *person) Press(label string) *person {
	p.h.t.Helper()
	if p.zu != nil {
		p.zpress(label)
		return p
	}
	msgs := p.h.api.Messages(p.u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, b := range msgs[i].Buttons() {
			if strings.Contains(b.Text, label) && b.Data != "" {
				_, cb := p.h.api.PressButton(p.u, msgs[i].ID, b.Data)
				if _, err := p.h.api.WaitCallbackAnswer(wait, cb); err != nil {
					p.h.t.Fatalf("button %q was not answered: %v", label, err)
				}
				return p
			}
		}
	}
	p.h.t.Fatalf("no button %q in the chat; last message:\n%s", label, p.last().Text)
	return p
}

// PressData presses a button with the given data on message msgID and
// returns the callback answer.
func (p *person) PressData(msgID int, data string) telegramtest.CallbackAnswer {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.PressPayload(*p.zu, zalo.ButtonPrefix+data) })
		return telegramtest.CallbackAnswer{}
	}
	_, cb := p.h.api.PressButton(p.u, msgID, data)
	a, err := p.h.api.WaitCallbackAnswer(wait, cb)
	if err != nil {
		p.h.t.Fatalf("button %q was not answered: %v", data, err)
	}
	return a
}

func (p *person) Share(phone string, own bool) *person {
	if p.zu != nil {
		// Zalo's form only ever gives the user's own number.
		p.zdo(func() (int, error) { return p.h.zl.SubmitInfo(*p.zu, zaloPhone(phone), false) })
		return p
	}
	p.h.api.ShareContact(p.u, phone, own)
	return p
}

func (p *person) last() telegramtest.Message {
	if p.zu != nil {
		return p.zlast()
	}
	m, _ := p.h.api.LastMessage(p.u.ID)
	return m
}

// Next waits for the bot's next message to this user.
func (p *person) Next() telegramtest.Message {
	p.h.t.Helper()
	p.cur = nil
	if p.zu != nil {
		return p.znext()
	}
	msgs, err := p.h.api.WaitMessages(wait, p.u.ID, p.seen+1)
	if err != nil {
		p.h.t.Fatalf("user %d: no message #%d from the bot: %v\nlast: %q\nlog:\n%s", p.u.ID, p.seen+1, err, p.last().Text, p.h.log.tail(40))
	}
	p.seen++
	return msgs[p.seen-1]
}

// Expect waits for the next message and checks that it was made of the
// given message ids (Vietnamese), in any order.
func (p *person) Expect(ids ...string) telegramtest.Message {
	p.h.t.Helper()
	if p.zu != nil {
		return p.zexpect("vi", ids...)
	}
	if m, ok := p.further("vi", ids); ok {
		return m
	}
	m := p.Next()
	for _, id := range ids {
		if !p.matches(m.Text, "vi", id) {
			p.h.t.Fatalf("user %d: message #%d is not %q:\n%s", p.u.ID, p.seen, id, m.Text)
		}
	}
	p.read(m, "vi", ids)
	return m
}

// ExpectLang is Expect in another language.
func (p *person) ExpectLang(lang string, ids ...string) telegramtest.Message {
	p.h.t.Helper()
	if p.zu != nil {
		return p.zexpect(lang, ids...)
	}
	if m, ok := p.further(lang, ids); ok {
		return m
	}
	m := p.Next()
	for _, id := range ids {
		if !p.matches(m.Text, lang, id) {
			p.h.t.Fatalf("user %d: message #%d is not %s %q:\n%s", p.u.ID, p.seen, lang, id, m.Text)
		}
	}
	p.read(m, lang, ids)
	return m
}

// further returns the message read last when it was matched up to a lead
// and the given ids follow it there (an acknowledgement and the question
// it opens are one message).
func (p *person) further(lang string, ids []string) (telegramtest.Message, bool) {
	p.h.t.Helper()
	if p.cur == nil || !p.curLead {
		return telegramtest.Message{}, false
	}
	end, ok := p.find(p.cur.Text[p.curPos:], lang, ids)
	if !ok {
		return telegramtest.Message{}, false
	}
	p.curPos += end
	p.curLead = opensNext(ids)
	return *p.cur, true
}

// read makes m the message read last, matched up to the end of ids in it.
func (p *person) read(m telegramtest.Message, lang string, ids []string) {
	p.h.t.Helper()
	end, _ := p.find(m.Text, lang, ids)
	p.cur, p.curPos, p.curLead = &m, end, opensNext(ids)
}

// find reports whether every literal line of the ids' templates is in
// text, and where the last of them ends; ids without any literal line
// are never found (they would match any text).
func (p *person) find(text, lang string, ids []string) (end int, ok bool) {
	p.h.t.Helper()
	n := 0
	for _, id := range ids {
		tmpl, known := p.h.tr.Template(lang, id)
		if !known {
			p.h.t.Fatalf("no message %q in %s", id, lang)
		}
		for _, part := range placeholderRE.Split(tmpl, -1) {
			for _, line := range strings.Split(part, "\n") {
				if p.zu != nil {
					line = bot.PlainText(line)
				}
				if line = strings.TrimSpace(line); line == "" {
					continue
				}
				i := strings.Index(text, line)
				if i < 0 {
					return 0, false
				}
				end = max(end, i+len(line))
				n++
			}
		}
	}
	return end, n > 0
}

// Quiet checks that the bot sent nothing more (after the given marker has
// been answered, so that anything earlier would have arrived first).
func (p *person) Quiet() {
	p.h.t.Helper()
	if p.zu != nil {
		p.zrest()
		if n := p.h.zl.SentCount(p.zu.ID); n != p.zraw {
			p.h.t.Fatalf("zalo user %s: %d unexpected messages; last: %q", p.zu.ID, n-p.zraw, p.last().Text)
		}
		return
	}
	if n := len(p.h.api.Messages(p.u.ID)); n != p.seen {
		p.h.t.Fatalf("user %d: %d unexpected messages; last: %q", p.u.ID, n-p.seen, p.last().Text)
	}
}

var placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}`)

// matches reports whether text contains every literal part of the message
// template (the parts between placeholders).
func (h *harness) matches(text, lang, id string) bool {
	h.t.Helper()
	return matchesTemplate(h.t, h.tr, text, lang, id)
}

func matchesTemplate(t *testing.T, tr *bot.Translator, text, lang, id string) bool {
	t.Helper()
	tmpl, ok := tr.Template(lang, id)
	if !ok {
		t.Fatalf("no message %q in %s", id, lang)
	}
	for _, part := range placeholderRE.Split(tmpl, -1) {
		for _, line := range strings.Split(part, "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.Contains(text, line) {
				return false
			}
		}
	}
	return true
}

// syncBuffer collects the bot's log for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) tail(n int) string {
	lines := strings.Split(s.String(), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var _ = fmt.Sprint

func waitTimer() <-chan time.Time { return time.After(wait) }
