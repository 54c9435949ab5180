package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// openDB opens the bot's database beside the running bot (WAL allows it).
func (h *harness) openDB() *sqlite.DB {
	h.t.Helper()
	db, err := sqlite.Open(context.Background(), h.env["DB_PATH"], time.Now)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	return db
}

// consent takes a new user through /start and the consent question.
func (p *person) consent() *person {
	p.h.t.Helper()
	p.Send("/start")
	p.Expect("start.welcome")
	p.Expect("consent.ask")
	p.Press("Đồng ý")
	p.Edited("consent.given")
	p.Expect("consent.next")
	return p
}

func TestRegistrationEndToEnd(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(501, "Lan")
	p.consent()

	p.Press("Đăng ký")
	m := p.Expect("form.header", "register.ask_kind")
	if !strings.Contains(m.Text, "Bước 1/7") {
		t.Fatalf("no step counter: %q", m.Text)
	}
	p.Send("hop tac xa") // typed name of a choice, without diacritics
	p.Expect("register.ask_name")

	// Bad names are refused and the same step is asked again.
	p.Send("🌾🌾🌾")
	p.Expect("register.name_invalid", "register.ask_name")
	p.Send(strings.Repeat("x", 5000))
	p.Expect("register.name_too_long", "register.ask_name")
	p.Send("\u200b\u200b")
	p.Expect("form.empty", "register.ask_name")
	p.h.api.SendSticker(p.u, "🙂")
	p.Expect("form.text_expected", "register.ask_name")
	name := `HTX <Bánh tráng> & "Trảng Bàng"'); DROP TABLE subjects;--`
	p.Send(name)
	p.Expect("register.ask_rep")

	p.Send("Nguye\u0302\u0303n Va\u0306n An") // decomposed diacritics
	m = p.Expect("register.ask_phone")
	kb, ok := h.api.CurrentReplyKeyboard(p.u.ID)
	if !ok || len(kb.Rows) == 0 || !kb.Rows[0][0].RequestContact {
		t.Fatalf("the phone step has no share-contact button: %+v", kb)
	}
	p.Send("028 3823 4567")
	p.Expect("phone.invalid_landline", "register.ask_phone")
	p.Send("0912abc")
	p.Expect("register.ask_phone")
	p.Share("+84 912 000 111", false) // someone else's contact
	p.Expect("form.contact_not_own")
	p.Share("84912345678", true)
	m = p.Expect("form.noted")
	if !m.RemoveKeyboard {
		t.Error("the share-contact keyboard was not removed after the phone step")
	}
	p.Expect("register.ask_commune")

	p.Send("trang bag") // a near miss
	m = p.Expect("form.pick_offer")
	if _, ok := m.FindButton("Phường Trảng Bàng (Tây Ninh cũ)"); !ok {
		t.Fatalf("the near miss did not suggest Trảng Bàng: %+v", m.Buttons())
	}
	p.Send("binh minh")
	p.Expect("register.ask_regno")
	p.Press("Bỏ qua")
	p.Expect("register.ask_channels")
	p.Press("Siêu thị")
	m = p.Expect("register.ask_channels")
	if _, ok := m.FindButton("✅ Siêu thị"); !ok {
		t.Fatalf("the ticked channel is not marked: %+v", m.Buttons())
	}
	p.Send("3")
	p.Expect("register.ask_channels")
	p.Press("Xong")
	m = p.Expect("form.confirm_title")
	for _, want := range []string{
		"Loại cơ sở: Hợp tác xã",
		"Tên cơ sở: HTX &lt;Bánh tráng&gt; &amp; &#34;Trảng Bàng&#34;&#39;); DROP TABLE subjects;--",
		"Người đại diện: Nguyễn Văn An",
		"Điện thoại: 0912 345 678 (đã xác thực)",
		"Xã/phường: Phường Bình Minh",
		"Số ĐKKD: (chưa có)",
		"Kênh bán hàng: Siêu thị, Sàn thương mại điện tử",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, m.Text)
		}
	}

	// Edit one field from the confirmation screen, then come back to it.
	p.Press("✏️ Điện thoại")
	m = p.Expect("register.ask_phone", "form.current_value")
	p.Send("098-765-4321")
	p.Expect("form.noted")
	m = p.Expect("form.confirm_title")
	if !strings.Contains(m.Text, "Điện thoại: 0987 654 321") || strings.Contains(m.Text, "đã xác thực") {
		t.Fatalf("edited phone not shown (or still verified):\n%s", m.Text)
	}
	p.Press("Xác nhận")
	p.Expect("register.done")

	db := h.openDB()
	u, err := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "501")
	if err != nil || u.SubjectID == 0 {
		t.Fatalf("user not linked to a subject: %+v, %v", u, err)
	}
	s, err := sqlite.NewSubjectStore(db).Get(context.Background(), u.SubjectID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != name || s.Representative != "Nguyễn Văn An" || s.Phone != "+84987654321" || s.PhoneVerified ||
		s.CommuneCode != "25480" || s.Kind != domain.KindCooperative || len(s.SalesChannels) != 2 {
		t.Fatalf("stored subject: %+v", s)
	}

	p.Send("/trangthai")
	m = p.Expect("status.profile")
	if !strings.Contains(m.Text, "Điện thoại: 0987 654 321") {
		t.Fatalf("status lacks the profile:\n%s", m.Text)
	}
	// /dangky again offers to edit the profile.
	p.Send("/dangky")
	p.Expect("register.already")
	p.Expect("form.confirm_title")
	p.Press("✏️ Người đại diện")
	p.Expect("register.ask_rep")
	p.Send("Trần Thị Bình")
	p.Expect("form.confirm_title")
	p.Press("Xác nhận")
	p.Expect("register.updated")
	s, _ = sqlite.NewSubjectStore(db).Get(context.Background(), u.SubjectID)
	if s.Representative != "Trần Thị Bình" {
		t.Fatalf("profile not updated: %+v", s)
	}
	// One log record per update, never a phone number, a token or a name.
	logs := h.log.String()
	for _, secret := range []string{"912345678", "987654321", "765-4321", h.api.Token(), "Nguyễn Văn An", "DROP TABLE"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
	if !strings.Contains(logs, `"msg":"update"`) {
		t.Error("no log record per update")
	}
}

func TestCommandsAreRegisteredInVietnamese(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	calls := h.api.Calls("setMyCommands")
	if len(calls) == 0 {
		t.Fatal("setMyCommands was not called")
	}
	got := calls[len(calls)-1].Params["commands"]
	for _, want := range []string{`"dangky"`, `"trangthai"`, `"trogiup"`, "Đăng ký cơ sở sản xuất OCOP"} {
		if !strings.Contains(got, want) {
			t.Errorf("commands lack %s: %s", want, got)
		}
	}
}

func TestCancelBackAndConsentFirst(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(502, "Minh")
	// Registering before consenting asks for consent, then goes on.
	p.Send("/dangky@" + h.api.BotUsername())
	p.Expect("consent.ask")
	p.Press("Không đồng ý")
	p.Expect("consent.declined_menu")
	p.Send("/dangky")
	p.Expect("consent.ask")
	p.Press("Đồng ý")
	p.Expect("register.ask_kind")
	p.Send("2")
	p.Expect("register.ask_name")
	p.Send("HTX Mãng cầu Bà Đen")
	p.Expect("register.ask_rep")
	p.Press("Quay lại")
	m := p.Expect("register.ask_name")
	if !strings.Contains(m.Text, "Bước 2/7") {
		t.Fatalf("back did not return to step 2: %q", m.Text)
	}
	p.Send("quay lai")
	p.Expect("register.ask_kind")
	p.Send("quay lại")
	p.Expect("form.first_step", "register.ask_kind")
	// A form with answers asks before it throws them away.
	p.Send("hủy")
	p.Expect("form.cancel_confirm")
	p.Send("khong")
	p.Expect("register.ask_kind")
	p.Send("/huy")
	p.Expect("form.cancel_confirm")
	p.Press("Có")
	p.Expect("form.cancelled")
	p.Send("/huy")
	p.Expect("cancel.nothing")
	// A fresh /dangky starts from step 1 again.
	p.Send("/dangky")
	p.Expect("register.ask_kind")
	p.Send("/cancel")
	p.Expect("form.cancelled")
}

func TestCommandInTheMiddleOfAFormKeepsIt(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(503, "Hoa").consent()
	p.Send("/dangky")
	p.Expect("register.ask_kind")
	p.Send("Trang trại")
	p.Expect("register.ask_name")
	p.Send("/trogiup")
	p.Expect("help.text")
	p.Expect("form.resume_hint")
	p.Send("/xyz")
	p.Expect("common.unknown_command")
	p.Expect("form.resume_hint")
	p.Send("/dangky")
	p.Expect("form.resumed")
	m := p.Expect("register.ask_name")
	if !strings.Contains(m.Text, "Bước 2/7") {
		t.Fatalf("resumed at the wrong step: %q", m.Text)
	}
	p.Send("Trang trại Hoàng Xuân") // text goes on with the form
	p.Expect("register.ask_rep")
}

func TestRestartResumesTheForm(t *testing.T) {
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			h := newHarness(t, store)
			h.start()
			p := h.user(504, "Tâm").consent()
			p.Send("/dangky")
			p.Expect("register.ask_kind")
			p.Send("doanh nghiep")
			p.Expect("register.ask_name")
			p.Send("Công ty Muối tôm Tây Ninh")
			p.Expect("register.ask_rep")

			h.restart()

			p.Send("Lê Văn Tâm")
			m := p.Expect("register.ask_phone")
			if !strings.Contains(m.Text, "Bước 4/7") {
				t.Fatalf("after the restart: %q", m.Text)
			}
			p.Send("0901234567")
			p.Expect("form.noted")
			p.Expect("register.ask_commune")
			p.Send("Gò Dầu")
			m = p.Expect("form.pick_offer")
			if len(m.Buttons()) < 5 {
				t.Fatalf("Gò Dầu (a commune and a former district) offered only %d places", len(m.Buttons()))
			}
			p.Press("Phường Gò Dầu")
			p.Expect("register.ask_regno")
			p.Send("3901234567")
			p.Expect("register.ask_channels")
			p.Press("Bỏ qua")
			m = p.Expect("form.confirm_title")
			for _, want := range []string{"Doanh nghiệp nhỏ và vừa", "Công ty Muối tôm Tây Ninh", "Lê Văn Tâm", "Số ĐKKD: 3901234567"} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("an answer given before the restart was lost: %q\n%s", want, m.Text)
				}
			}
		})
	}
}

func TestThreeQuickMessagesAreTakenInOrder(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(505, "Quý").consent()
	p.Send("/dangky")
	p.Expect("register.ask_kind")
	p.Send("1")
	p.Expect("register.ask_name")
	// Sent back to back, without waiting for answers.
	p.Send("HTX Sầu riêng Bàu Đồn")
	p.Send("Phạm Văn Quý")
	p.Send("0977 111 222")
	p.Expect("register.ask_rep")
	p.Expect("register.ask_phone")
	p.Expect("form.noted")
	p.Expect("register.ask_commune")
}

func TestSameUpdateTwiceIsHandledOnce(t *testing.T) {
	h := newHarness(t, "embedded")
	h.env["TELEGRAM_WEBHOOK_URL"] = "http://" + h.env["HTTP_ADDR"] + "/tg/hook"
	h.env["TELEGRAM_WEBHOOK_SECRET"] = "s3cret-token_1"
	h.start()
	p := h.user(506, "Dũng")
	u := h.api.TextUpdate(p.u, "/trogiup")
	u.ID = 7001
	for i := 0; i < 3; i++ {
		code, err := h.api.DeliverWebhook(context.Background(), u)
		if err != nil || code != http.StatusOK {
			t.Fatalf("delivery %d: %d %v", i, code, err)
		}
	}
	p.Expect("help.text")
	// A later update is answered after any duplicate would have been.
	next := h.api.TextUpdate(p.u, "/huy")
	next.ID = 7002
	code, err := h.api.DeliverWebhook(context.Background(), next)
	if err != nil || code != http.StatusOK {
		t.Fatalf("delivery: %d %v", code, err)
	}
	p.Expect("cancel.nothing")
	p.Quiet()
}

func TestWebhookRefusesAWrongSecret(t *testing.T) {
	h := newHarness(t, "embedded")
	h.env["TELEGRAM_WEBHOOK_URL"] = "http://" + h.env["HTTP_ADDR"] + "/tg/hook"
	h.env["TELEGRAM_WEBHOOK_SECRET"] = "right_secret"
	h.start()
	if wh := h.api.Webhook(); wh.URL != h.env["TELEGRAM_WEBHOOK_URL"] || wh.SecretToken != "right_secret" {
		t.Fatalf("setWebhook not called with the URL and secret: %+v", wh)
	}
	p := h.user(507, "Sơn")
	url := h.env["TELEGRAM_WEBHOOK_URL"]
	for _, secret := range []string{"", "wrong"} {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(string(h.api.UpdateJSON(h.api.TextUpdate(p.u, "/trogiup")))))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d, want 401", secret, resp.StatusCode)
		}
	}
	good := h.api.TextUpdate(p.u, "/huy")
	good.ID = 7003
	code, err := h.api.DeliverWebhook(context.Background(), good)
	if err != nil || code != http.StatusOK {
		t.Fatalf("right secret: %d %v", code, err)
	}
	p.Expect("cancel.nothing") // and nothing for the refused ones
	p.Quiet()

	resp, err := http.Get("http://" + h.env["HTTP_ADDR"] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}
}

func TestBadInputOutsideAndInsideForms(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(508, "Nga")
	p.h.api.SendVoice(p.u, 3)
	p.Expect("fallback.text_only")
	p.h.api.SendLocation(p.u, 11.3, 106.1)
	p.Expect("fallback.text_only")
	p.h.api.SendVideo(p.u, "", 4)
	p.Expect("fallback.text_only")
	p.Send("/khongco")
	p.Expect("common.unknown_command")
	p.Send("<b>hello</b> & *markdown* _x_")
	p.Expect("qa.not_understood")
	p.Send("ho so cua toi sao roi")
	p.Expect("status.not_registered")

	// Forged and stale buttons are answered, and change nothing.
	last := p.last()
	for _, data := range []string{"f|zzzzzzzz|1|c|0", "m|nothing", "x|y", "", "c|maybe", "l|fr"} {
		a := p.PressData(last.ID, data)
		if a.Text == "" {
			t.Errorf("button %q: the answer says nothing", data)
		}
	}
	p.consent()
	p.Send("/dangky")
	p.Expect("register.ask_kind")
	first := p.last()
	p.Send("1")
	p.Expect("register.ask_name")
	// The kind buttons of step 1 are stale now.
	b := first.Buttons()[1]
	a := p.PressData(first.ID, b.Data)
	if !strings.Contains(a.Text, "cũ") {
		t.Fatalf("stale button answer: %q", a.Text)
	}
	p.Expect("form.resume_hint")
	p.h.api.SendPhoto(p.u, "")
	p.Expect("form.text_expected", "register.ask_name")
}

func TestGroupChatGetsALinkAndNoQuestions(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(509, "Phúc")
	h.api.SendGroupText(p.u, -1001, "/dangky@"+h.api.BotUsername())
	msgs, err := h.api.WaitMessages(wait, -1001, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if !h.matches(m.Text, "vi", "group.private_only") {
		t.Fatalf("group answer: %q", m.Text)
	}
	if bs := m.Buttons(); len(bs) != 1 || !strings.HasPrefix(bs[0].URL, "https://t.me/"+h.api.BotUsername()) {
		t.Fatalf("no link to a private chat: %+v", bs)
	}
	// Nothing was asked in private either.
	p.Send("/huy")
	p.Expect("cancel.nothing")
	p.Quiet()
}

func TestLanguageChoiceAndEnglish(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(510, "Anna") // her Telegram app is in English; the bot still speaks Vietnamese
	p.Send("/start")
	p.Expect("start.welcome")
	p.Expect("consent.ask")
	p.Send("/ngonngu")
	p.Expect("language.ask")
	p.Press("English")
	p.ExpectLang("en", "language.changed")
	p.Send("/help")
	p.ExpectLang("en", "help.text")
}

func TestSenderWaitsOn429AndMarksBlockedOn403(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(511, "Vy")
	h.api.FailNext("sendMessage", 1, http.StatusTooManyRequests, "", 1)
	p.Send("/trogiup")
	p.Expect("help.text") // after waiting retry_after
	if h.api.TooManyRequests() == 0 {
		t.Fatal("the 429 was not served")
	}

	q := h.user(512, "Khoa")
	q.Send("/start")
	q.Expect("start.welcome")
	q.Expect("consent.ask")
	h.api.BlockChat(q.u.ID)
	q.Send("/trogiup")
	db := h.openDB()
	users := sqlite.NewUserStore(db)
	ok := h.api.WaitFor(wait, func() bool {
		u, err := users.Get(context.Background(), "telegram", "512")
		return err == nil && u.Blocked
	})
	if !ok {
		t.Fatal("a user who blocked the bot was not marked blocked")
	}
	// Writing again clears the flag.
	h.api.UnblockChat(q.u.ID)
	q.Send("/huy")
	q.seen = len(h.api.Messages(q.u.ID))
	ok = h.api.WaitFor(wait, func() bool {
		u, err := users.Get(context.Background(), "telegram", "512")
		return err == nil && !u.Blocked
	})
	if !ok {
		t.Fatal("the blocked flag stayed after the user wrote again")
	}
}

func TestSharedContactLinksAnImportedSubject(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	db := h.openDB()
	imported := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Dưa lưới Hoàng Xuân", Phone: "+84933444555", CommuneCode: "25486"}
	if err := sqlite.NewSubjectStore(db).Create(context.Background(), &imported); err != nil {
		t.Fatal(err)
	}
	p := h.user(513, "Xuân").consent()
	p.Send("/dangky")
	p.Expect("register.ask_kind")
	p.Send("1")
	p.Expect("register.ask_name")
	p.Send("HTX Dưa lưới Hoàng Xuân")
	p.Expect("register.ask_rep")
	p.Send("Nguyễn Hoàng Xuân")
	p.Expect("register.ask_phone")
	p.Share("0933 444 555", true)
	p.Expect("form.noted")
	p.Expect("register.ask_commune")
	p.Send("tan bien")
	p.Expect("form.pick_offer")
	p.Press("Xã Tân Biên (Tây Ninh cũ)")
	p.Expect("register.ask_regno")
	p.Press("Bỏ qua")
	p.Expect("register.ask_channels")
	p.Press("Bỏ qua")
	p.Expect("form.confirm_title")
	p.Press("Xác nhận")
	p.Expect("register.linked")
	u, _ := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "513")
	if u.SubjectID != imported.ID {
		t.Fatalf("user linked to %d, want the imported subject %d", u.SubjectID, imported.ID)
	}
}

func TestMyChatMemberFlipsBlockedAndStartKeepsPayload(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(514, "Hải")
	p.Send("/start poster_TN01")
	p.Expect("start.welcome")
	p.Expect("consent.ask")
	users := sqlite.NewUserStore(h.openDB())
	u, err := users.Get(context.Background(), "telegram", "514")
	if err != nil || u.StartPayload != "poster_TN01" {
		t.Fatalf("deep-link payload not kept: %+v %v", u, err)
	}
	member := func(status string) models.Update {
		raw := fmt.Sprintf(`{"my_chat_member":{"chat":{"id":514,"type":"private"},"from":{"id":514,"is_bot":false,"first_name":"Hải"},"date":1,
			"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"b"}},
			"new_chat_member":{"status":%q,"user":{"id":1,"is_bot":true,"first_name":"b"}}}}`, status)
		var up models.Update
		if err := json.Unmarshal([]byte(raw), &up); err != nil {
			t.Fatal(err)
		}
		return up
	}
	blocked := func(want bool) {
		t.Helper()
		if !h.api.WaitFor(wait, func() bool {
			u, err := users.Get(context.Background(), "telegram", "514")
			return err == nil && u.Blocked == want
		}) {
			t.Fatalf("blocked flag did not become %v", want)
		}
	}
	h.api.Push(member("kicked"))
	blocked(true)
	h.api.Push(member("member"))
	blocked(false)
	p.Quiet()
}
