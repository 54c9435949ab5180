package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
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

// zdo posts an event (post). When the bot has handled the person's events
// before it (nothing pending: zsettle ran), their texts' parts are read
// (zrest) and nothing that comes after the post is a part of them, since
// the bot sends every part of a long text while handling one event.
// Without it a text near Zalo's limit followed by the answer to the next
// event read as one text cut in two (continues). A test that posts again
// without waiting keeps the guess of continues.
func (p *person) zdo(post func() (int, error)) {
	p.h.t.Helper()
	if p.zpending == 0 {
		p.zrest()
		p.zprev = nil
	}
	p.zpost(post())
}

// zpost checks that the fake's post of an event was answered 200, and
// notes the event as pending until the bot has handled it (zsettle).
func (p *person) zpost(status int, err error) {
	p.h.t.Helper()
	if err != nil || status != 200 {
		p.h.t.Fatalf("zalo user %s: the webhook answered %d, %v\n%s", p.zu.ID, status, err, p.h.log.tail(30))
	}
	ev, err := zalo.ParseEvent(p.h.zl.LastEvent())
	if err != nil {
		p.h.t.Fatal(err)
	}
	p.zpending = ev.UpdateID()
	p.lastUpdate = p.zpending
}

// zsettle waits until the bot has handled the event the person posted
// last: its log record of the update is written once every reply of the
// update was sent (all the parts of a long text, the buttons on the last).
// Only the notice of a pressed button may follow (bot.Ctx.flushToast).
func (p *person) zsettle() {
	p.h.t.Helper()
	switch strings.ToLower(p.h.env["LOG_LEVEL"]) {
	case "warn", "warning", "error":
		return // without the update records there is nothing to wait on
	}
	if p.zpending == 0 {
		return
	}
	rec := fmt.Sprintf(`"msg":"update","channel":"zalo","update":%d,`, p.zpending)
	if !p.h.zl.WaitFor(wait, func() bool { return p.h.log.has(rec) }) {
		p.h.t.Fatalf("zalo user %s: update %d was not handled\n%s", p.zu.ID, p.zpending, p.h.log.tail(30))
	}
	p.zpending = 0
}

// has reports whether the log holds sub.
func (s *syncBuffer) has(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Contains(s.b.String(), sub)
}

// numberedRE finds the lines of a numbered list of choices.
var numberedRE = regexp.MustCompile(`(?m)^(\d+)\. (.+)$`)

// zconvert shows a message of the fake Zalo as the Telegram harness sees
// a message: query buttons as inline buttons (their data without the
// prefix), the numbered list of choices as buttons that type the number
// (Data "#n"), the phone-number form as a reply keyboard.
func zconvert(m zalotest.Message, form *zalotest.Message) telegramtest.Message {
	out := telegramtest.Message{Kind: m.Kind, Text: m.Text, PlainText: m.Text, Date: m.At}
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
		out.FileID = m.AttachmentID
		if out.FileID == "" {
			out.FileID = m.ImageURL
		}
	case zalotest.KindFile:
		out.Kind = telegramtest.KindDocument
		out.FileID = m.FileToken
	}
	return out
}

// znext waits for the bot's next message to a Zalo user; the phone-number
// form, sent just before its question, is shown with it. A text longer
// than Zalo's 2,000 characters comes in parts (bot.SplitText): the parts
// already there are read as one message, and a part that continues the
// message read last is skipped (zexpect waits for the parts it needs).
func (p *person) znext() telegramtest.Message {
	p.h.t.Helper()
	p.zsettle()
	m, form := p.zget()
	for p.zprev != nil && continues(*p.zprev, m) {
		part := m
		p.zprev = &part
		m, form = p.zget()
	}
	p.zprev = nil
	joined := m
	for mayGoOn(m) {
		msgs := p.h.zl.Messages(p.zu.ID)
		if len(msgs) <= p.zraw || !continues(m, msgs[p.zraw]) {
			break
		}
		m = msgs[p.zraw]
		joined = joinParts(joined, m)
		p.zraw++
	}
	if mayGoOn(m) {
		part := m
		p.zprev = &part
	}
	p.seen++
	p.zlastRead = joined
	return zconvert(joined, form)
}

// zget waits for the next message of the fake to a Zalo user, with the
// phone-number form sent before it, if any.
func (p *person) zget() (zalotest.Message, *zalotest.Message) {
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
	if m.Kind != zalotest.KindRequestUserInfo {
		return m, nil
	}
	f := m
	return get(), &f
}

// zexpect is Expect on Zalo: when the message read is the first part of a
// text cut at Zalo's limit, the parts that follow are read with it until
// it is made of every message id.
func (p *person) zexpect(lang string, ids ...string) telegramtest.Message {
	p.h.t.Helper()
	if m, ok := p.further(lang, ids); ok {
		return m
	}
	m := p.znext()
	all := func() bool {
		for _, id := range ids {
			if !p.matches(m.Text, lang, id) {
				return false
			}
		}
		return true
	}
	for !all() && p.zprev != nil {
		msgs, err := p.h.zl.WaitMessages(partWait, p.zu.ID, p.zraw+1)
		if err != nil || !continues(*p.zprev, msgs[p.zraw]) {
			break
		}
		part := msgs[p.zraw]
		p.zraw++
		p.zprev = nil
		if mayGoOn(part) {
			p.zprev = &part
		}
		p.zlastRead = joinParts(p.zlastRead, part)
		m = zconvert(p.zlastRead, nil)
	}
	for _, id := range ids {
		if !p.matches(m.Text, lang, id) {
			p.h.t.Fatalf("zalo user %s: message #%d is not %s %q:\n%s", p.zu.ID, p.seen, lang, id, m.Text)
		}
	}
	p.read(m, lang, ids)
	return m
}

// zrest reads the parts already there of the text read last.
func (p *person) zrest() {
	msgs := p.h.zl.Messages(p.zu.ID)
	for p.zprev != nil && len(msgs) > p.zraw && continues(*p.zprev, msgs[p.zraw]) {
		part := msgs[p.zraw]
		p.zraw++
		p.zprev = &part
	}
}

// partWait is how long zexpect waits for the next part of a text.
const partWait = 3 * time.Second

// mayGoOn reports whether m may be a part of a longer text the sender cut
// at Zalo's limit, followed by more: a text without buttons.
func mayGoOn(m zalotest.Message) bool { return m.Kind == zalotest.KindText }

// continues reports whether next is the part that follows m of a text cut
// at Zalo's limit: bot.SplitText cuts the two joined right after m.
func continues(m, next zalotest.Message) bool {
	if next.Kind != zalotest.KindText && next.Kind != zalotest.KindButtons {
		return false
	}
	parts := bot.SplitText(m.Text+"\n\n"+next.Text, zalo.MaxText)
	return len(parts) > 1 && parts[0] == m.Text
}

// joinParts is the text of m followed by next's, with next's buttons.
func joinParts(m, next zalotest.Message) zalotest.Message {
	next.Text = m.Text + "\n\n" + next.Text
	return next
}

// zlast is the latest message to a Zalo user (all its parts).
func (p *person) zlast() telegramtest.Message {
	msgs := p.received()
	if len(msgs) == 0 {
		return telegramtest.Message{}
	}
	return msgs[len(msgs)-1]
}

// zpress presses the button whose title contains label on the latest
// message to a Zalo user that has one, or types its number when the
// choices came as a numbered list.
func (p *person) zpress(label string) {
	p.h.t.Helper()
	p.zsettle()
	msgs := p.h.zl.Messages(p.zu.ID)
	newer := false // a later message shows choices of its own
	for i := len(msgs) - 1; i >= 0; i-- {
		buttons := zconvert(msgs[i], nil).Buttons()
		for _, b := range buttons {
			if !strings.Contains(b.Text, label) || b.Data == "" {
				continue
			}
			switch {
			case strings.HasPrefix(b.Data, "#n") && newer:
				// The engine reads a typed number in the list it showed
				// last (Session.Numbered): this one is gone.
				p.h.t.Fatalf("zalo user %s: %q is choice %s of a numbered list that a later message replaced: typing the number would pick from the later one; last message:\n%s",
					p.zu.ID, label, strings.TrimPrefix(b.Data, "#n"), p.last().Text)
			case strings.HasPrefix(b.Data, "#n"):
				p.zdo(func() (int, error) { return p.h.zl.SendText(*p.zu, strings.TrimPrefix(b.Data, "#n")) })
			case strings.HasPrefix(b.Data, "#t"):
				p.zdo(func() (int, error) { return p.h.zl.PressPayload(*p.zu, strings.TrimPrefix(b.Data, "#t")) })
			default:
				p.zdo(func() (int, error) { return p.h.zl.PressPayload(*p.zu, zalo.ButtonPrefix+b.Data) })
			}
			return
		}
		newer = newer || len(buttons) > 0 && !bulkProgress(msgs[i])
	}
	p.h.t.Fatalf("zalo user %s: no button %q in the chat; last message:\n%s", p.zu.ID, label, p.last().Text)
}

// bulkProgress reports whether m is the progress of a bulk send (its one
// button cancels it): it is sent outside any update and leaves the
// numbered list of the chat as it was.
func bulkProgress(m zalotest.Message) bool {
	return len(m.Buttons) == 1 && strings.HasPrefix(m.Buttons[0].Payload, zalo.ButtonPrefix+bulk.CancelPrefix+"|")
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

// channel is the person's channel, as the users table names it.
func (p *person) channel() string {
	if p.zu != nil {
		return zalo.ChannelName
	}
	return "telegram"
}

// chatID is the person's id on their channel (users.channel_id).
func (p *person) chatID() string {
	if p.zu != nil {
		return p.zu.ID
	}
	return strconv.FormatInt(p.u.ID, 10)
}

// stored is the person's row in the users table.
func (p *person) stored(db *sqlite.DB) domain.User {
	p.h.t.Helper()
	u, err := sqlite.NewUserStore(db).Get(context.Background(), p.channel(), p.chatID())
	if err != nil {
		p.h.t.Fatalf("%s user %s: %v", p.channel(), p.chatID(), err)
	}
	return u
}

// SendPhoto sends a photo holding data.
func (p *person) SendPhoto(data []byte) {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.SendImage(*p.zu, data, "") })
		return
	}
	p.h.api.SendPhoto(p.u, "", telegramtest.WithContent(data))
}

// SendDocument sends a file named name holding data (on Zalo the type
// comes from the name's extension).
func (p *person) SendDocument(name, mime string, data []byte) {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.SendFile(*p.zu, data, name) })
		return
	}
	p.h.api.SendDocumentWithContent(p.u, name, mime, data)
}

// SendLargeDocument sends a file of size bytes: on Telegram only its size
// is told, on Zalo the fake serves that many bytes.
func (p *person) SendLargeDocument(name, mime string, size int) {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.SendFile(*p.zu, make([]byte, size), name) })
		return
	}
	p.h.api.SendDocument(p.u, name, mime, int64(size))
}

// SendSticker sends a sticker.
func (p *person) SendSticker() {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.SendSticker(*p.zu) })
		return
	}
	p.h.api.SendSticker(p.u, "🙂")
}

// SendLocation shares a place in Tây Ninh.
func (p *person) SendLocation() {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.SendLocation(*p.zu) })
		return
	}
	p.h.api.SendLocation(p.u, 11.3101, 106.0983)
}

// received is every message of the bot to the person so far (on Zalo the
// phone-number forms left out).
func (p *person) received() []telegramtest.Message {
	if p.zu == nil {
		return p.h.api.Messages(p.u.ID)
	}
	var (
		out  []telegramtest.Message
		msgs = p.h.zl.Messages(p.zu.ID)
	)
	for i := 0; i < len(msgs); i++ {
		m := msgs[i]
		if m.Kind == zalotest.KindRequestUserInfo {
			continue
		}
		joined := m
		for mayGoOn(m) && i+1 < len(msgs) && continues(m, msgs[i+1]) {
			m = msgs[i+1]
			joined = joinParts(joined, m)
			i++
		}
		out = append(out, zconvert(joined, nil))
	}
	return out
}

// waitUntil waits for cond on the person's channel.
func (p *person) waitUntil(cond func() bool) bool {
	if p.zu != nil {
		return p.h.zl.WaitFor(wait, cond)
	}
	return p.h.api.WaitFor(wait, cond)
}

// waitMsg waits until the person has a message matching id and returns the
// first such message.
func (p *person) waitMsg(id string) telegramtest.Message {
	p.h.t.Helper()
	var found telegramtest.Message
	ok := p.waitUntil(func() bool {
		for _, m := range p.received() {
			if p.matches(m.Text, "vi", id) {
				found = m
				return true
			}
		}
		return false
	})
	if !ok {
		p.h.t.Fatalf("%s user %s: no %q message; last: %q\n%s", p.channel(), p.chatID(), id, p.last().Text, p.h.log.tail(30))
	}
	return found
}

// count returns how many of the person's messages match id.
func (p *person) count(id string) int {
	n := 0
	for _, m := range p.received() {
		if p.matches(m.Text, "vi", id) {
			n++
		}
	}
	return n
}

// seedPerson is seedProducer for a person of any channel: a consented user
// representing a subject of commune, with one product of set (none when
// set is 0). It returns our user id.
func seedPerson(t *testing.T, db *sqlite.DB, p *person, name, commune string, set int) int64 {
	t.Helper()
	ctx := context.Background()
	users, subjects := sqlite.NewUserStore(db), sqlite.NewSubjectStore(db)
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX " + name, Phone: "+8491200" + strconv.FormatInt(p.u.ID%10000+10000, 10)[1:],
		CommuneCode: commune}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	u, err := users.Touch(ctx, p.channel(), p.chatID(), "", name)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(ctx, u.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	if set > 0 {
		pr := domain.Product{SubjectID: s.ID, Name: "Sản phẩm " + name, Set: set, Stage: domain.StagePreparing, Rulebook: "qd26-2026", Year: 2026}
		if err := sqlite.NewProductStore(db).Create(ctx, &pr, commune, "80"); err != nil {
			t.Fatal(err)
		}
	}
	return u.ID
}

// onZalo runs steps on Zalo only, where the script must go another way
// than on Telegram; why is logged.
func (p *person) onZalo(why string, steps func()) {
	p.h.t.Helper()
	if p.zu != nil {
		p.h.t.Log("zalo: " + why)
		steps()
	}
}

// checkFile checks that m, a photo or document the bot sent the person,
// carries data under name: on Telegram the file the fake Bot API got, on
// Zalo the upload the message refers to.
func (p *person) checkFile(m telegramtest.Message, name string, data []byte) {
	p.h.t.Helper()
	if p.zu != nil {
		up, ok := p.h.zl.UploadByID(m.FileID)
		if !ok || up.Name != name || !bytes.Equal(up.Data, data) {
			p.h.t.Errorf("zalo user %s: the file sent is not %s of %d bytes: %q, %d bytes (uploaded: %v)", p.zu.ID, name, len(data), up.Name, len(up.Data), ok)
		}
		return
	}
	got, ok := p.h.api.FileContent(m.FileID)
	if !ok || m.FileName != name || !bytes.Equal(got, data) {
		p.h.t.Errorf("user %d: the file sent is not %s of %d bytes: %q, %d bytes (known: %v)", p.u.ID, name, len(data), m.FileName, len(got), ok)
	}
}

// captioned checks that m, a photo or file the bot sent, has the caption
// id. On Zalo a file carries no text: its caption is the next message.
func (p *person) captioned(m telegramtest.Message, id string) {
	p.h.t.Helper()
	if p.zu != nil && m.Kind == telegramtest.KindDocument {
		p.Expect(id)
		return
	}
	if !p.matches(m.Text, "vi", id) {
		p.h.t.Fatalf("%s user %s: the caption is not %q: %q", p.channel(), p.chatID(), id, m.Text)
	}
}

// dupAlert: a refusal that Telegram shows as an alert on the button, which
// the handler also says in a message, must come once on Zalo (the engine
// drops the alert when the same text was said).
const dupAlert = "the refusal came twice: the alert as a message (Limits.NoToast) and the handler's message"

// knownDuplicate fails if, on Zalo, the message id came a second time
// right after the first.
func (p *person) knownDuplicate(id, why string) {
	p.h.t.Helper()
	if p.zu == nil {
		return
	}
	p.zsettle()
	p.zrest()
	msgs := p.h.zl.Messages(p.zu.ID)
	if len(msgs) > p.zraw && p.matches(zconvert(msgs[p.zraw], nil).Text, "vi", id) {
		p.h.t.Errorf("zalo: %s (%s)", why, id)
		p.zraw++
	}
}

// SendVoice sends a voice message (Zalo: audio).
func (p *person) SendVoice() {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.SendAudio(*p.zu) })
		return
	}
	p.h.api.SendVoice(p.u, 3)
}

// SendVideo sends a video.
func (p *person) SendVideo() {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.SendVideo(*p.zu) })
		return
	}
	p.h.api.SendVideo(p.u, "", 4)
}

// Follow is what a new user does first: follows the OA on Zalo (the bot
// takes it as /start), sends /start on Telegram.
func (p *person) Follow() {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.Follow(*p.zu) })
		return
	}
	p.Send("/start")
}

// Unfollow leaves the bot: unfollows the OA on Zalo; on Telegram blocks the
// bot (my_chat_member "kicked", and the Bot API answers 403 from then on).
func (p *person) Unfollow() {
	p.h.t.Helper()
	if p.zu != nil {
		p.zdo(func() (int, error) { return p.h.zl.Unfollow(*p.zu) })
		return
	}
	raw := fmt.Sprintf(`{"my_chat_member":{"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"x"},"date":1,
		"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"b"}},
		"new_chat_member":{"status":"kicked","user":{"id":1,"is_bot":true,"first_name":"b"}}}}`, p.u.ID, p.u.ID)
	var up models.Update
	if err := json.Unmarshal([]byte(raw), &up); err != nil {
		p.h.t.Fatal(err)
	}
	p.h.api.BlockChat(p.u.ID)
	p.h.api.Push(up)
}

// Comeback undoes Unfollow on the platform's side (Telegram: the Bot API
// delivers again), before the user writes.
func (p *person) Comeback() {
	if p.zu == nil {
		p.h.api.UnblockChat(p.u.ID)
	}
}

// withoutTelegram leaves the bot only the ZALO_* settings of its
// messengers: no TELEGRAM_BOT_TOKEN.
func (h *harness) withoutTelegram() {
	delete(h.env, "TELEGRAM_BOT_TOKEN")
	delete(h.env, "TELEGRAM_API_URL")
}

// waitListening waits until the bot listens on HTTP_ADDR, failing if it
// stopped (done) or did not listen in time.
func (h *harness) waitListening(done <-chan error) {
	h.t.Helper()
	listening := func() bool {
		c, err := net.Dial("tcp", h.env["HTTP_ADDR"])
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	if !h.zl.WaitFor(wait, func() bool {
		select {
		case err := <-done:
			h.t.Fatalf("the bot stopped at start: %v\n%s", err, h.log.String())
		default:
		}
		return listening()
	}) {
		h.t.Fatalf("nothing listens on %s\n%s", h.env["HTTP_ADDR"], h.log.tail(40))
	}
}

// health returns the status /healthz answers.
func (h *harness) health() int {
	h.t.Helper()
	resp, err := http.Get("http://" + h.env["HTTP_ADDR"] + "/healthz")
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// admin is the admin of ADMIN_IDS, on the given channel ("zalo" or
// "telegram"), whatever the harness plays.
func (h *harness) admin(id int64, name, channel string) *person {
	if channel == "zalo" {
		p := h.user(id, name)
		h.env["ADMIN_IDS"] = "zalo:" + p.chatID()
		return p
	}
	h.env["ADMIN_IDS"] = strconv.FormatInt(id, 10)
	return h.tgUser(id, name)
}
