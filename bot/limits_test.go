package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/locales"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func TestDegradeNumbersChoicesBeyondTheLimit(t *testing.T) {
	r := bot.Reply{Text: "Chọn:", Edit: "9", Buttons: [][]bot.Button{
		{{Label: "A & B", Data: "x|1"}, {Label: "Hai", Data: "x|2"}},
		{{Label: "Ba", Data: "x|3"}}, {{Label: "Bốn", Data: "x|4"}}, {{Label: "Năm", Data: "x|5"}},
		{{Label: "Web", URL: "https://ocop.example/sp"}},
	}}
	out, numbered := r.Degrade(bot.Limits{MaxButtons: 5, NoEdit: true})
	if out.Edit != "" || out.Buttons != nil || len(numbered) != 6 {
		t.Fatalf("Degrade = %+v, %d numbered", out, len(numbered))
	}
	want := "Chọn:\n1. A &amp; B\n2. Hai\n3. Ba\n4. Bốn\n5. Năm\n6. Web: https://ocop.example/sp"
	if out.Text != want {
		t.Fatalf("text:\n%s\nwant:\n%s", out.Text, want)
	}
	// Within the limit nothing changes but the edit.
	small := bot.Reply{Text: "x", Edit: "3", Buttons: [][]bot.Button{{{Label: "A", Data: "a"}}}}
	if out, n := small.Degrade(bot.Limits{MaxButtons: 5}); out.Edit != "3" || len(out.Buttons) != 1 || n != nil {
		t.Fatalf("Degrade within the limit = %+v, %v", out, n)
	}
	if out, _ := r.Degrade(bot.Limits{}); len(out.Buttons) != 5 || out.Edit != "9" {
		t.Fatalf("no limits changed the reply: %+v", out)
	}
}

// A reply whose text numbers its first buttons itself (Listed) gets only
// the others appended, numbered on; a channel that shows buttons ignores
// it.
func TestDegradeListedButtons(t *testing.T) {
	r := bot.Reply{Text: "Giấy tờ:\n1. ⏳ Mẫu 01 — Phiếu đăng ký\n2. ⏳ Mẫu 02 — Báo cáo", Listed: 2, Buttons: [][]bot.Button{
		{{Label: "⏳ Mẫu 01", Data: "d|1"}, {Label: "⏳ Mẫu 02", Data: "d|2"}},
		{{Label: "Nộp", Data: "d|s"}}, {{Label: "Bốn", Data: "d|4"}}, {{Label: "Năm", Data: "d|5"}}, {{Label: "Sáu", Data: "d|6"}},
	}}
	if !(bot.Limits{MaxButtons: 5}).NumbersButtons(6) || (bot.Limits{MaxButtons: 5}).NumbersButtons(5) || (bot.Limits{}).NumbersButtons(60) {
		t.Fatal("NumbersButtons")
	}
	out, numbered := r.Degrade(bot.Limits{MaxButtons: 5})
	want := r.Text + "\n\n3. Nộp\n4. Bốn\n5. Năm\n6. Sáu"
	if out.Text != want || len(numbered) != 6 || numbered[0].Data != "d|1" || numbered[2].Data != "d|s" || out.Listed != 0 {
		t.Fatalf("Degrade = %q, %d numbered; want %q", out.Text, len(numbered), want)
	}
	if out, n := r.Degrade(bot.Limits{}); len(out.Buttons) != 5 || n != nil || out.Text != r.Text {
		t.Fatalf("a channel with buttons: %+v", out)
	}
}

func TestPlainText(t *testing.T) {
	for in, want := range map[string]string{
		"<b>Tiến độ</b>: 2/4 &amp; xong":                 "Tiến độ: 2/4 & xong",
		`Xem <a href="https://ocop.vn/sp">trang</a> nhé`: "Xem trang (https://ocop.vn/sp) nhé",
		`<a href="https://x.vn">https://x.vn</a>`:        "https://x.vn",
		"<b>a</b>\n\n\n\nb":                              "a\n\nb",
		"không có thẻ":                                   "không có thẻ",
		"&lt;script&gt;":                                 "<script>",
	} {
		if got := bot.PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitTextAtParagraphs(t *testing.T) {
	text := strings.TrimSpace(strings.Repeat("một hai ba\n\n", 300))
	parts := bot.SplitText(text, 2000)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for _, p := range parts {
		if n := len([]rune(p)); n > 2000 || strings.HasPrefix(p, "\n") || strings.HasSuffix(p, "\n") {
			t.Fatalf("part of %d characters: %q…", n, p[:20])
		}
	}
}

// zaloLike is a Sender with Zalo's limits that records what it sends.
type zaloLike struct {
	mu      sync.Mutex
	replies []bot.Reply
	answers []string
}

func (z *zaloLike) Send(_ context.Context, _ string, r bot.Reply) (string, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.replies = append(z.replies, r)
	return "1", nil
}

func (z *zaloLike) AnswerCallback(_ context.Context, _, text string, _ bool) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.answers = append(z.answers, text)
	return nil
}

func (z *zaloLike) Limits() bot.Limits {
	return bot.Limits{MaxButtons: 5, NoEdit: true, PlainText: true, NoToast: true}
}

// On a channel with few buttons, a typed number presses the choice of the
// numbered list last shown; a button's short notice becomes a message
// only when nothing else answers the press; an alert always does.
func TestNumberedChoicesAndToastsOnALimitedChannel(t *testing.T) {
	db, tr, kv := engineStores(t, time.Now)
	e := bot.New(bot.Config{Users: sqlite.NewUserStore(db), Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv), Translator: tr})
	var pressed []string
	e.Command(bot.Command{Name: "/menu", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		var rows [][]bot.Button
		for _, d := range []string{"1", "2", "3", "4", "5", "6", "7"} {
			rows = append(rows, []bot.Button{{Label: "Mục " + d, Data: "m|" + d}})
		}
		return c.Send(ctx, bot.Reply{Text: "Chọn", Buttons: rows})
	}})
	e.Callback("m", bot.Anyone, func(ctx context.Context, c *bot.Ctx) error {
		pressed = append(pressed, c.Update.Callback.Data)
		switch c.Update.Callback.Data {
		case "m|7":
			return c.Answer(ctx, "cảnh báo", true)
		case "m|6":
			return c.Answer(ctx, "chỉ thông báo", false)
		}
		if err := c.Answer(ctx, "đã chọn", false); err != nil {
			return err
		}
		return c.Send(ctx, bot.Reply{Text: "Xong"})
	})
	z := &zaloLike{}
	e.SetSender("z", z)
	id := int64(0)
	send := func(kind bot.Kind, text string) {
		t.Helper()
		id++
		u := &bot.Update{Channel: "z", ID: id, UserID: "5", ChatID: "5", Private: true, Kind: kind, Text: text}
		if kind == bot.KindCommand {
			u.Command = text
		}
		if err := e.Handle(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	send(bot.KindCommand, "/menu")
	if r := z.replies[0]; r.Buttons != nil || !strings.Contains(r.Text, "7. Mục 7") {
		t.Fatalf("seven choices were not numbered: %+v", r)
	}
	send(bot.KindText, "3")
	send(bot.KindText, "7.")
	send(bot.KindText, "6")
	if strings.Join(pressed, ",") != "m|3,m|7,m|6" {
		t.Fatalf("pressed %v", pressed)
	}
	var texts []string
	for _, r := range z.replies[1:] {
		texts = append(texts, r.Text)
	}
	// "đã chọn" is dropped: "Xong" answers the press already.
	if strings.Join(texts, "|") != "Xong|cảnh báo|chỉ thông báo" || len(z.answers) != 0 {
		t.Fatalf("messages %q, answers %q", texts, z.answers)
	}
	// A number out of the list, or after a message with buttons of its
	// own, is ordinary text.
	send(bot.KindText, "8")
	if len(pressed) != 3 {
		t.Fatalf("8 pressed something: %v", pressed)
	}
}

// A tap that is an interaction without a message (Zalo's "Nhắn tin" on the
// OA's profile) records the user as seen and answers nothing.
func TestSeenIsRecordedAndNotAnswered(t *testing.T) {
	c0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	now := c0
	db, tr, kv := engineStores(t, func() time.Time { return now })
	users := sqlite.NewUserStore(db)
	e := bot.New(bot.Config{Users: users, Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv), Translator: tr, Now: func() time.Time { return now }})
	z := &zaloLike{}
	e.SetSender("zalo", z)
	if _, err := users.Touch(context.Background(), "zalo", "5", "", ""); err != nil {
		t.Fatal(err)
	}
	now = c0.Add(10 * 24 * time.Hour)
	if err := e.Handle(context.Background(), &bot.Update{Channel: "zalo", ID: 1, UserID: "5", ChatID: "5", Private: true, Kind: bot.KindSeen}); err != nil {
		t.Fatal(err)
	}
	u, err := users.Get(context.Background(), "zalo", "5")
	if err != nil || !u.LastSeen.Equal(now) {
		t.Fatalf("last seen %v, want %v (%v)", u.LastSeen, now, err)
	}
	if len(z.replies) != 0 {
		t.Fatalf("answered: %+v", z.replies)
	}
}

// On such a channel a button's label typed, with or without diacritics,
// presses it, whether the buttons are shown or numbered; a number presses
// only a numbered choice (a step may be asking for a number).
func TestTypedLabelsPressButtons(t *testing.T) {
	db, tr, kv := engineStores(t, time.Now)
	e := bot.New(bot.Config{Users: sqlite.NewUserStore(db), Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv), Translator: tr})
	var pressed []string
	e.Command(bot.Command{Name: "/hoi", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		return c.Send(ctx, bot.Reply{Text: "Bạn có đồng ý không?", Buttons: [][]bot.Button{
			{{Label: "Đồng ý", Data: "m|y"}}, {{Label: "Không đồng ý", Data: "m|n"}}}})
	}})
	e.Command(bot.Command{Name: "/hoso", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		var rows [][]bot.Button
		for i, l := range []string{"⏳ Mẫu 01", "⏳ Mẫu 02", "⏳ 5 mẫu SP", "⏳ Giấy ATTP", "🧺 Danh sách", "📤 Nộp hồ sơ", "📄 Nộp bản giấy tại xã"} {
			rows = append(rows, []bot.Button{bot.Data("m", "i", int64(i)).Button(l)})
		}
		return c.Send(ctx, bot.Reply{Text: "Hồ sơ", Buttons: rows})
	}})
	e.Command(bot.Command{Name: "/muc", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		return c.Send(ctx, bot.Reply{Text: "Mẫu 01", Buttons: [][]bot.Button{
			{{Label: "📄 Nộp bản giấy tại xã", Data: "m|p"}}, {{Label: "⬅️ Về danh sách giấy tờ", Data: "m|v"}}}})
	}})
	e.Command(bot.Command{Name: "/hai", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		return c.Send(ctx, bot.Reply{Text: "Hai sản phẩm", Buttons: [][]bot.Button{
			{{Label: "Xem hồ sơ Bánh tráng", Data: "m|a"}}, {{Label: "Xem hồ sơ Muối tôm", Data: "m|b"}}}})
	}})
	e.Callback("m", bot.Anyone, func(ctx context.Context, c *bot.Ctx) error {
		pressed = append(pressed, c.Update.Callback.Data)
		return c.Send(ctx, bot.Reply{Text: "ok"})
	})
	e.Fallback(func(ctx context.Context, c *bot.Ctx) error {
		pressed = append(pressed, "fallback:"+c.Update.Text)
		return c.Send(ctx, bot.Reply{Text: "?"})
	})
	e.SetSender("z", &zaloLike{})
	id := int64(0)
	send := func(kind bot.Kind, text string) {
		t.Helper()
		id++
		u := &bot.Update{Channel: "z", ID: id, UserID: "5", ChatID: "5", Private: true, Kind: kind, Text: text}
		if kind == bot.KindCommand {
			u.Command = text
		}
		if err := e.Handle(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	send(bot.KindCommand, "/hoi")
	send(bot.KindText, "1")
	send(bot.KindCommand, "/hoi")
	send(bot.KindText, "dong y")
	send(bot.KindCommand, "/hoso")
	send(bot.KindText, "nop ho so")
	send(bot.KindCommand, "/hoso")
	send(bot.KindText, "GIẤY ATTP")
	send(bot.KindCommand, "/hoso")
	send(bot.KindText, "3")
	// The start of one label, two words or more, presses it; of two
	// labels, one word, or a question, does not.
	send(bot.KindCommand, "/hoso")
	send(bot.KindText, "nop ban giay")
	send(bot.KindCommand, "/hoso")
	send(bot.KindText, "Nộp")
	send(bot.KindCommand, "/hoso")
	send(bot.KindText, "nop ban giay o dau?")
	send(bot.KindCommand, "/hoso")
	send(bot.KindText, "nop ban giay?")
	want := "fallback:1,m|y,m|i|5,m|i|3,m|i|2," + // Nộp hồ sơ, Giấy ATTP, 5 mẫu SP
		"m|i|6,fallback:Nộp,fallback:nop ban giay o dau?,fallback:nop ban giay?"
	// "quay lại" presses the one button that goes back.
	send(bot.KindCommand, "/muc")
	send(bot.KindText, "quay lai")
	want += ",m|v"
	// "xem ho so" begins two labels: neither is pressed.
	send(bot.KindCommand, "/hai")
	send(bot.KindText, "xem ho so")
	want += ",fallback:xem ho so"
	if got := strings.Join(pressed, ","); got != want {
		t.Fatalf("pressed %s\nwant    %s", got, want)
	}
}

// engineStores opens a database in a test directory (closed with the
// test) with the translator and the embedded KV an engine needs.
func engineStores(t *testing.T, now func() time.Time) (*sqlite.DB, *bot.Translator, *sqlite.KV) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	return db, tr, sqlite.NewKV(db)
}
