package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
)

// channels are the channels the scripted conversations run on.
var channels = []string{"telegram", "zalo"}

// newMatrix is newHarness for one channel of the matrix: on "zalo" the
// bot gets the ZALO_* settings pointing at a fake Zalo (Telegram still
// runs beside it, in the same process) and h.user plays Zalo users.
func newMatrix(t *testing.T, channel, store string) *harness {
	t.Helper()
	h := newHarness(t, store)
	if channel == "zalo" {
		h.withZalo()
	}
	return h
}

// withZalo configures the Zalo channel against a new fake Zalo.
func (h *harness) withZalo(opts ...zalotest.Option) {
	h.zl = zalotest.New(h.t, opts...)
	h.env["ZALO_APP_ID"] = h.zl.AppID()
	h.env["ZALO_APP_SECRET"] = h.zl.AppSecret()
	h.env["ZALO_OA_SECRET"] = h.zl.OASecret()
	h.env["ZALO_REFRESH_TOKEN"] = h.zl.RefreshToken()
	h.env["ZALO_API_URL"] = h.zl.URL()
	h.env["ZALO_OAUTH_URL"] = h.zl.OAuthURL()
	h.zl.SetWebhook("http://" + h.env["HTTP_ADDR"] + "/zalo/webhook")
}

// zaloID is the Zalo user id of a scripted user: long, like Zalo's.
func zaloID(id int64) string { return "50000000000" + strconv.FormatInt(id, 10) }

// zaloPhone writes a phone number the way Zalo's form gives it: 84…
func zaloPhone(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "0") {
		d = "84" + d[1:]
	}
	return d
}

// zpost checks that the fake's post of an event was answered 200.
func (p *person) zpost(status int, err error) {
	p.h.t.Helper()
	if err != nil || status != 200 {
		p.h.t.Fatalf("zalo user %s: the webhook answered %d, %v\n%s", p.zu.ID, status, err, p.h.log.tail(30))
	}
}

// numberedRE finds the lines of a numbered list of choices.
var numberedRE = regexp.MustCompile(`(?m)^(\d+)\. (.+)$`)

// zconvert shows a message of the fake Zalo as the Telegram harness sees
// a message: query buttons as inline buttons (their data without the
// prefix), the numbered list of choices as buttons that type the number
// (Data "#n"), the phone-number form as a reply keyboard.
func zconvert(m zalotest.Message, form *zalotest.Message) telegramtest.Message {
	out := telegramtest.Message{Kind: m.Kind, Text: m.Text, PlainText: m.Text}
	var row []telegramtest.Button
	for _, b := range m.Buttons {
		switch {
		case b.Type == zalotest.ButtonOpenURL:
			row = append(row, telegramtest.Button{Text: b.Title, URL: b.Payload})
		case strings.HasPrefix(b.Payload, zalo.ButtonPrefix):
			row = append(row, telegramtest.Button{Text: b.Title, Data: strings.TrimPrefix(b.Payload, zalo.ButtonPrefix)})
		default:
			row = append(row, telegramtest.Button{Text: b.Title, Data: "#t" + b.Payload})
		}
	}
	for _, n := range numberedRE.FindAllStringSubmatch(m.Text, -1) {
		row = append(row, telegramtest.Button{Text: n[2], Data: "#n" + n[1]})
	}
	if len(row) > 0 {
		out.InlineKeyboard = [][]telegramtest.Button{row}
	}
	if form != nil {
		out.ReplyKeyboard = &telegramtest.ReplyKeyboard{Rows: [][]telegramtest.Button{{{Text: form.Title, RequestContact: true}}}}
	}
	switch m.Kind {
	case zalotest.KindImage:
		out.Kind = telegramtest.KindPhoto
	case zalotest.KindFile:
		out.Kind = telegramtest.KindDocument
	}
	return out
}

// znext waits for the bot's next message to a Zalo user; the phone-number
// form, sent just before its question, is shown with it.
func (p *person) znext() telegramtest.Message {
	p.h.t.Helper()
	get := func() zalotest.Message {
		msgs, err := p.h.zl.WaitMessages(wait, p.zu.ID, p.zraw+1)
		if err != nil {
			p.h.t.Fatalf("zalo user %s: no message #%d from the bot: %v\nlog:\n%s", p.zu.ID, p.zraw+1, err, p.h.log.tail(40))
		}
		p.zraw++
		return msgs[p.zraw-1]
	}
	m := get()
	var form *zalotest.Message
	if m.Kind == zalotest.KindRequestUserInfo {
		f := m
		form, m = &f, get()
	}
	p.seen++
	return zconvert(m, form)
}

// zlast is the latest message to a Zalo user.
func (p *person) zlast() telegramtest.Message {
	m, _ := p.h.zl.LastMessage(p.zu.ID)
	return zconvert(m, nil)
}

// zpress presses the button whose title contains label on the latest
// message to a Zalo user that has one, or types its number when the
// choices came as a numbered list.
func (p *person) zpress(label string) {
	p.h.t.Helper()
	msgs := p.h.zl.Messages(p.zu.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, b := range zconvert(msgs[i], nil).Buttons() {
			if !strings.Contains(b.Text, label) || b.Data == "" {
				continue
			}
			switch {
			case strings.HasPrefix(b.Data, "#n"):
				p.zpost(p.h.zl.SendText(*p.zu, strings.TrimPrefix(b.Data, "#n")))
			case strings.HasPrefix(b.Data, "#t"):
				p.zpost(p.h.zl.PressPayload(*p.zu, strings.TrimPrefix(b.Data, "#t")))
			default:
				p.zpost(p.h.zl.PressPayload(*p.zu, zalo.ButtonPrefix+b.Data))
			}
			return
		}
	}
	p.h.t.Fatalf("zalo user %s: no button %q in the chat; last message:\n%s", p.zu.ID, label, p.last().Text)
}

// matches is harness.matches for this person's channel: on Zalo the text
// is plain, so the template's literal parts are compared as plain text.
func (p *person) matches(text, lang, id string) bool {
	p.h.t.Helper()
	if p.zu == nil {
		return p.h.matches(text, lang, id)
	}
	tmpl, ok := p.h.tr.Template(lang, id)
	if !ok {
		p.h.t.Fatalf("no message %q in %s", id, lang)
	}
	for _, part := range placeholderRE.Split(tmpl, -1) {
		for _, line := range strings.Split(part, "\n") {
			line = strings.TrimSpace(bot.PlainText(line))
			if line != "" && !strings.Contains(text, line) {
				return false
			}
		}
	}
	return true
}

// Edited is where Telegram edits the message of a pressed button: on a
// channel without edits the new text comes as a message of its own.
func (p *person) Edited(ids ...string) {
	p.h.t.Helper()
	if p.zu != nil {
		p.Expect(ids...)
	}
}
