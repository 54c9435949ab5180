package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
)

var alice = telegramtest.User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "vi"}

const wait = 5 * time.Second

// newBot returns a real go-telegram/bot client talking to s.
func newBot(t *testing.T, s *telegramtest.Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	opts = append([]bot.Option{
		bot.WithServerURL(s.URL()),
		bot.WithNotAsyncHandlers(),
		bot.WithErrorsHandler(func(err error) { t.Logf("bot error: %v", err) }),
	}, opts...)
	b, err := bot.New(s.Token(), opts...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// startBot runs b's long polling until the test ends.
func startBot(t *testing.T, b *bot.Bot) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			t.Error("bot did not stop")
		}
	})
}

// apiResponse is the generic API answer, decoded from raw HTTP calls.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func post(t *testing.T, ctx context.Context, s *telegramtest.Server, method, contentType, body string) (int, apiResponse) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/bot"+s.Token()+"/"+method, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: decode: %v", method, err)
	}
	return resp.StatusCode, r
}

func getUpdates(t *testing.T, s *telegramtest.Server, contentType, body string) []models.Update {
	t.Helper()
	status, r := post(t, context.Background(), s, "getUpdates", contentType, body)
	if status != http.StatusOK || !r.OK {
		t.Fatalf("getUpdates: %d %s", status, r.Description)
	}
	var ups []models.Update
	if err := json.Unmarshal(r.Result, &ups); err != nil {
		t.Fatal(err)
	}
	return ups
}

func updateIDs(ups []models.Update) []int64 {
	ids := make([]int64, len(ups))
	for i, u := range ups {
		ids[i] = u.ID
	}
	return ids
}

func TestGetMe(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	me, err := b.GetMe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if me.Username != s.BotUsername() || me.Username != "ocop_test_bot" || !me.IsBot || me.ID != 123456 {
		t.Errorf("getMe = %+v", me)
	}

	_, err = bot.New("999:wrong", bot.WithServerURL(s.URL()))
	if !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("wrong token: err = %v, want ErrorUnauthorized", err)
	}
	status, r := post(t, context.Background(), s, "getMe", "", "")
	if status != 200 || !r.OK {
		t.Errorf("plain getMe: %d %+v", status, r)
	}
	resp, err := http.Get(s.URL() + "/bot1:nope/getMe")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || string(body) != `{"ok":false,"error_code":401,"description":"Unauthorized"}` {
		t.Errorf("unauthorized answer: %d %s", resp.StatusCode, body)
	}
}

func TestUnknownMethod(t *testing.T) {
	s := telegramtest.New(t)
	status, r := post(t, context.Background(), s, "sendTelepathy", "", "")
	if status != 404 || r.OK || r.ErrorCode != 404 || r.Description != "Not Found: method not found" {
		t.Errorf("unknown method: %d %+v", status, r)
	}
	if s.CallCount("sendTelepathy") != 1 {
		t.Errorf("unknown method not counted")
	}
	// Method names are case-insensitive, as in Telegram.
	if status, r := post(t, context.Background(), s, "GETME", "", ""); status != 200 || !r.OK {
		t.Errorf("GETME: %d %+v", status, r)
	}
	if n := s.CallCount("getMe"); n != 1 {
		t.Errorf("CallCount(getMe) = %d", n)
	}
}

// TestInlineKeyboardFlow runs a real bot: /start → message with an inline
// keyboard → button press → answerCallbackQuery + editMessageText.
func TestInlineKeyboardFlow(t *testing.T) {
	s := telegramtest.New(t)

	type pressed struct {
		msgID  int
		chatID int64
		data   string
		from   int64
	}
	pressedCh := make(chan pressed, 1)
	edited := make(chan struct{})

	b := newBot(t, s, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
		switch {
		case u.Message != nil && u.Message.Text == "/start":
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{
				ChatID:    u.Message.Chat.ID,
				Text:      "<b>Chọn</b> một:",
				ParseMode: models.ParseModeHTML,
				ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
					{{Text: "Có", CallbackData: "yes"}, {Text: "Không", CallbackData: "no"}},
					{{Text: "Web", URL: "https://example.com"}},
				}},
			})
			if err != nil {
				t.Errorf("sendMessage: %v", err)
			}
		case u.CallbackQuery != nil:
			cq := u.CallbackQuery
			msg := cq.Message.Message
			pressedCh <- pressed{msgID: msg.ID, chatID: msg.Chat.ID, data: cq.Data, from: cq.From.ID}
			if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "OK " + cq.Data, ShowAlert: true}); err != nil {
				t.Errorf("answerCallbackQuery: %v", err)
			}
			if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: msg.Chat.ID, MessageID: msg.ID, Text: "Bạn chọn " + cq.Data}); err != nil {
				t.Errorf("editMessageText: %v", err)
			}
			close(edited)
		}
	}))
	startBot(t, b)

	s.SendText(alice, "/start")
	msgs, err := s.WaitMessages(wait, alice.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.Text != "<b>Chọn</b> một:" || m.PlainText != "Chọn một:" || m.ParseMode != "HTML" || m.Kind != telegramtest.KindText {
		t.Errorf("message = %+v", m)
	}
	if len(m.InlineKeyboard) != 2 || m.InlineKeyboard[0][1] != (telegramtest.Button{Text: "Không", Data: "no"}) ||
		m.InlineKeyboard[1][0].URL != "https://example.com" {
		t.Errorf("keyboard = %+v", m.InlineKeyboard)
	}

	_, cbID, err := s.PressButtonByText(alice, m.ID, "Có")
	if err != nil {
		t.Fatal(err)
	}
	ans, err := s.WaitCallbackAnswer(wait, cbID)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Text != "OK yes" || !ans.ShowAlert {
		t.Errorf("answer = %+v", ans)
	}
	if p := <-pressedCh; p != (pressed{msgID: m.ID, chatID: alice.ID, data: "yes", from: alice.ID}) {
		t.Errorf("callback seen by bot = %+v", p)
	}
	if !s.WaitFor(wait, func() bool { lm, _ := s.LastMessage(alice.ID); return lm.Edits == 1 }) {
		t.Fatal("message not edited")
	}
	<-edited // the bot's handler has finished
	lm, _ := s.LastMessage(alice.ID)
	if lm.ID != m.ID || lm.Text != "Bạn chọn yes" || lm.InlineKeyboard != nil {
		t.Errorf("edited message = %+v", lm)
	}
	if got := s.CallbackAnswers(); len(got) != 1 || got[cbID].Text != "OK yes" {
		t.Errorf("CallbackAnswers = %+v", got)
	}
	// Updates handed to the bot get confirmed by its next getUpdates.
	if !s.WaitFor(wait, func() bool { return s.Pending() == 0 }) {
		t.Errorf("pending = %d", s.Pending())
	}
}

func TestAnswerCallbackQueryErrors(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()

	_, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: "42"})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("unknown callback: %v", err)
	}
	// Unknown message: the query still carries the message id.
	_, cbID := s.PressButton(alice, 77, "x")
	ups := getUpdates(t, s, "", "")
	if len(ups) != 1 || ups[0].CallbackQuery.Message.Message.ID != 77 || ups[0].CallbackQuery.Message.Message.Chat.ID != alice.ID {
		t.Fatalf("updates = %+v", ups)
	}
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cbID}); err != nil {
		t.Fatal(err)
	}
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cbID})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("second answer: %v", err)
	}
}

func TestEditMessage(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}

	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "hello", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID != 1 || sent.Chat.ID != alice.ID || sent.ReplyMarkup == nil || sent.From.ID != 123456 {
		t.Errorf("sent = %+v", sent)
	}

	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: sent.ID, Text: "hello", ReplyMarkup: kb})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("identical edit: %v", err)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: 99, Text: "x"})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("unknown message: %v", err)
	}

	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: sent.ID, Text: "hello <i>again</i>", ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	if edited.Text != "hello again" || len(edited.Entities) != 1 || edited.Entities[0].Type != models.MessageEntityTypeItalic || edited.EditDate == 0 {
		t.Errorf("edited = %+v", edited)
	}
	// Same text, keyboard removed: modified.
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID, MessageID: sent.ID}); err != nil {
		t.Fatal(err)
	}
	m, ok := s.MessageByID(alice.ID, sent.ID)
	if !ok || m.Edits != 2 || m.InlineKeyboard != nil || m.Text != "hello <i>again</i>" {
		t.Errorf("stored = %+v", m)
	}
	_, err = b.EditMessageCaption(ctx, &bot.EditMessageCaptionParams{ChatID: alice.ID, MessageID: sent.ID, Caption: "c"})
	if !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("caption of a text message: %v", err)
	}

	if _, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: alice.ID, MessageID: sent.ID}); err != nil {
		t.Fatal(err)
	}
	if msgs := s.Messages(alice.ID); len(msgs) != 0 || s.SentCount(alice.ID) != 1 {
		t.Errorf("after delete: %+v", msgs)
	}
	if _, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: alice.ID, MessageID: sent.ID}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("second delete: %v", err)
	}
}

func TestMessageIDsSharedWithUser(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()
	s.SendText(alice, "hi") // message 1
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "hello", ReplyParameters: &models.ReplyParameters{MessageID: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != 2 || m.ReplyToMessage == nil || m.ReplyToMessage.ID != 1 {
		t.Errorf("reply = %+v", m)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "x", ReplyParameters: &models.ReplyParameters{MessageID: 50}})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message to be replied not found") {
		t.Errorf("reply to unknown: %v", err)
	}
	ups := getUpdates(t, s, "", "")
	if len(ups) != 1 || ups[0].Message.ID != 1 {
		t.Errorf("updates: %+v", ups)
	}
}

func TestTooManyRequestsInjection(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()
	s.FailNext("sendMessage", 1, http.StatusTooManyRequests, "", 7)

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "a"})
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
		t.Fatalf("err = %v, want TooManyRequestsError with RetryAfter 7", err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "a"}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	calls := s.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 || calls[0].Params["text"] != "a" {
		t.Errorf("calls = %+v", calls)
	}
	if s.TooManyRequests() != 1 || len(s.Messages(alice.ID)) != 1 {
		t.Errorf("429 count %d, messages %d", s.TooManyRequests(), len(s.Messages(alice.ID)))
	}
}

func TestForbidden(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()

	s.FailNext("sendMessage", 2, http.StatusForbidden, "", 0)
	for range 2 {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "a"})
		if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
			t.Fatalf("err = %v, want ErrorForbidden", err)
		}
	}

	s.BlockChat(alice.ID)
	_, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID, Photo: &models.InputFileString{Data: "https://example.com/p.jpg"}})
	if !errors.Is(err, bot.ErrorForbidden) {
		t.Errorf("blocked chat: %v", err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 2002, Text: "other chat"}); err != nil {
		t.Errorf("other chat: %v", err)
	}
	s.UnblockChat(alice.ID)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "back"}); err != nil {
		t.Errorf("unblocked: %v", err)
	}
}

func TestValidation(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()

	send := func(text string, pm models.ParseMode, markup models.ReplyMarkup) error {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: text, ParseMode: pm, ReplyMarkup: markup})
		return err
	}
	for _, tc := range []struct {
		name, text string
		pm         models.ParseMode
		markup     models.ReplyMarkup
		wantErr    string
	}{
		{name: "unclosed tag", text: "<b>x", pm: models.ParseModeHTML, wantErr: "can't parse entities"},
		{name: "bare <", text: "a < b", pm: models.ParseModeHTML, wantErr: "can't parse entities"},
		{name: "bare &", text: "Tom & Jerry", pm: models.ParseModeHTML, wantErr: "can't parse entities"},
		{name: "unknown tag", text: "<script>x</script>", pm: models.ParseModeHTML, wantErr: "Unsupported start tag"},
		{name: "escaped", text: "a &lt; b", pm: models.ParseModeHTML},
		{name: "bold", text: "<b>x</b>", pm: models.ParseModeHTML},
		{name: "link", text: `<a href="https://x.y/?a=1&amp;b=2">x</a> &#128512; &quot;q&quot;`, pm: models.ParseModeHTML},
		{name: "plain text is not parsed", text: "a < b & c"},
		{name: "empty", text: "", wantErr: "message text is empty"},
		{name: "empty after parsing", text: "<b> </b>", pm: models.ParseModeHTML, wantErr: "message text is empty"},
		{name: "too long", text: strings.Repeat("ư", 4097), wantErr: "message is too long"},
		{name: "max length", text: strings.Repeat("ư", 4096)},
		{name: "callback data too long", text: "x", markup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "b", CallbackData: strings.Repeat("d", 65)}}}}, wantErr: "BUTTON_DATA_INVALID"},
		{name: "callback data 64 bytes", text: "x", markup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "b", CallbackData: strings.Repeat("d", 64)}}}}},
		{name: "inline button without action", text: "x", markup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "b"}}}}, wantErr: "Text buttons are unallowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := send(tc.text, tc.pm, tc.markup)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want bad request containing %q", err, tc.wantErr)
			}
		})
	}
	m, ok := s.MessageByID(alice.ID, 1)
	if !ok || m.Text != "a &lt; b" || m.PlainText != "a < b" {
		t.Errorf("first accepted message = %+v", m)
	}
}

func TestReplyKeyboardAndContact(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "Share your phone", ReplyMarkup: &models.ReplyKeyboardMarkup{
		Keyboard:       [][]models.KeyboardButton{{{Text: "📱 Share", RequestContact: true}}, {{Text: "Cancel"}}},
		ResizeKeyboard: true, OneTimeKeyboard: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	kb, ok := s.CurrentReplyKeyboard(alice.ID)
	if !ok || !kb.Resize || !kb.OneTime || len(kb.Rows) != 2 || !kb.Rows[0][0].RequestContact || kb.Rows[1][0].Text != "Cancel" {
		t.Errorf("reply keyboard = %+v", kb)
	}
	lm, _ := s.LastMessage(alice.ID)
	if lm.ReplyKeyboard == nil || lm.ReplyMarkup == "" {
		t.Errorf("last message = %+v", lm)
	}

	s.ShareContact(alice, "+84901234567", true)
	s.ShareContact(alice, "+84900000000", false)
	ups := getUpdates(t, s, "", "")
	if len(ups) != 2 {
		t.Fatalf("updates = %d", len(ups))
	}
	if c := ups[0].Message.Contact; c == nil || c.UserID != alice.ID || c.PhoneNumber != "+84901234567" || ups[0].Message.From.ID != alice.ID {
		t.Errorf("own contact = %+v", ups[0].Message)
	}
	if c := ups[1].Message.Contact; c == nil || c.UserID != 0 {
		t.Errorf("other contact = %+v", c)
	}

	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "Thanks", ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.CurrentReplyKeyboard(alice.ID); ok {
		t.Error("keyboard not removed")
	}
	if lm, _ := s.LastMessage(alice.ID); !lm.RemoveKeyboard {
		t.Errorf("last message = %+v", lm)
	}
}

func TestGetUpdatesOffset(t *testing.T) {
	s := telegramtest.New(t, telegramtest.WithFirstUpdateID(500))
	id1 := s.SendText(alice, "/start")
	id2 := s.SendText(alice, "two")
	id3 := s.SendText(alice, "three")
	if id1 != 500 || id2 != 501 || id3 != 502 {
		t.Fatalf("ids = %d %d %d", id1, id2, id3)
	}

	// JSON body, no offset: nothing is confirmed.
	ups := getUpdates(t, s, "application/json", `{"limit":2}`)
	if got := updateIDs(ups); fmt.Sprint(got) != "[500 501]" {
		t.Fatalf("limit 2: %v", got)
	}
	e := ups[0].Message.Entities
	if len(e) != 1 || e[0].Type != models.MessageEntityTypeBotCommand || e[0].Offset != 0 || e[0].Length != 6 {
		t.Errorf("entities = %+v", e)
	}
	if ups[0].Message.Chat.ID != alice.ID || ups[0].Message.Chat.Type != models.ChatTypePrivate || ups[0].Message.From.Username != "alice" {
		t.Errorf("message = %+v", ups[0].Message)
	}

	// Form body: offset confirms everything below it.
	ups = getUpdates(t, s, "application/x-www-form-urlencoded", "offset="+fmt.Sprint(id2))
	if got := updateIDs(ups); fmt.Sprint(got) != "[501 502]" {
		t.Fatalf("offset id2: %v", got)
	}
	if s.Pending() != 2 || s.ConfirmedOffset() != id2 {
		t.Errorf("pending %d confirmed %d", s.Pending(), s.ConfirmedOffset())
	}
	// Query string.
	resp, err := http.Get(fmt.Sprintf("%s/bot%s/getUpdates?offset=%d", s.URL(), s.Token(), id3+1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s.Pending() != 0 || s.ConfirmedOffset() != id3+1 {
		t.Errorf("pending %d confirmed %d", s.Pending(), s.ConfirmedOffset())
	}
	// Confirmed updates never come back.
	if ups := getUpdates(t, s, "", ""); len(ups) != 0 {
		t.Errorf("confirmed updates returned: %v", updateIDs(ups))
	}

	// Long poll returns as soon as an update is pushed.
	type result struct {
		ups []models.Update
		d   time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		ups := getUpdates(t, s, "application/json", fmt.Sprintf(`{"offset":%d,"timeout":30}`, id3+1))
		done <- result{ups, time.Since(start)}
	}()
	if !s.WaitFor(wait, func() bool { return s.CallCount("getUpdates") == 5 }) {
		t.Fatal("long poll did not arrive")
	}
	time.Sleep(20 * time.Millisecond)
	id4 := s.SendText(alice, "four")
	r := <-done
	if got := updateIDs(r.ups); len(got) != 1 || got[0] != id4 || r.d > 5*time.Second {
		t.Errorf("long poll: %v after %v", got, r.d)
	}

	// Long poll times out with an empty array.
	start := time.Now()
	if ups := getUpdates(t, s, "", fmt.Sprintf("offset=%d&timeout=1", id4+1)); len(ups) != 0 {
		t.Errorf("timeout: %v", updateIDs(ups))
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("timeout took %v", d)
	}

	// A cancelled request ends the long poll promptly.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/bot"+s.Token()+"/getUpdates?timeout=30", nil)
	if _, err := s.HTTPClient().Do(req); err == nil {
		t.Error("cancelled long poll: no error")
	}
	calls, err := s.WaitCalls(wait, "getUpdates", 7)
	if err != nil {
		t.Fatal(err)
	}
	if c := calls[len(calls)-1]; c.Status != 200 || c.Params["timeout"] != "30" {
		t.Errorf("last call = %+v", c)
	}
}

func TestLongPollEndsOnClose(t *testing.T) {
	base := runtime.NumGoroutine()
	s := telegramtest.NewServer()
	client := s.HTTPClient()
	done := make(chan error, 1)
	go func() {
		resp, err := client.Post(s.URL()+"/bot"+s.Token()+"/getUpdates?timeout=60", "", nil)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	if !s.WaitFor(wait, func() bool { return s.CallCount("getUpdates") == 1 }) {
		t.Fatal("poll did not arrive")
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := <-done; err != nil {
		t.Errorf("long poll: %v", err)
	}
	client.CloseIdleConnections()
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Errorf("goroutines: %d before, %d after Close", base, n)
	}
}

func TestFileUploadAndDownload(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()
	content := []byte("name,price\nbánh tráng,10000\n")

	m, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:    alice.ID,
		Document:  &models.InputFileUpload{Filename: "report.csv", Data: bytes.NewReader(content)},
		Caption:   "Báo cáo <b>tháng</b>",
		ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Document == nil || m.Document.FileName != "report.csv" || m.Document.FileSize != int64(len(content)) || m.Caption != "Báo cáo tháng" {
		t.Fatalf("document message = %+v", m)
	}
	calls := s.Calls("sendDocument")
	if len(calls) != 1 {
		t.Fatalf("calls = %d", len(calls))
	}
	up := calls[0].Files["document"]
	if up.FileName != "report.csv" || !bytes.Equal(up.Content, content) || calls[0].Params["chat_id"] != fmt.Sprint(alice.ID) {
		t.Errorf("upload = %+v params %v", up, calls[0].Params)
	}
	lm, _ := s.LastMessage(alice.ID)
	if lm.Kind != telegramtest.KindDocument || lm.FileID != m.Document.FileID || lm.PlainText != "Báo cáo tháng" {
		t.Errorf("stored = %+v", lm)
	}

	// The uploaded file can be fetched again by its file_id.
	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: m.Document.FileID})
	if err != nil {
		t.Fatal(err)
	}
	if got := download(t, b.FileDownloadLink(f)); !bytes.Equal(got, content) {
		t.Errorf("download = %q", got)
	}
	// Resending by file_id works; an unknown file_id does not.
	if _, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice.ID, Document: &models.InputFileString{Data: m.Document.FileID}}); err != nil {
		t.Errorf("resend by file_id: %v", err)
	}
	if _, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice.ID, Document: &models.InputFileString{Data: "nope"}}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("unknown file_id: %v", err)
	}

	// A document sent by the user, downloaded by the bot.
	s.SendDocumentWithContent(alice, "list.xlsx", "application/vnd.ms-excel", []byte("xlsx-bytes"))
	s.SendPhoto(alice, "ảnh", telegramtest.WithContent([]byte("jpeg")), telegramtest.WithFileID("photo-1"))
	s.AddFile("custom-id", []byte("custom"))
	ups := getUpdates(t, s, "", "")
	if len(ups) != 2 {
		t.Fatalf("updates = %d", len(ups))
	}
	doc := ups[0].Message.Document
	if doc == nil || doc.FileName != "list.xlsx" || doc.FileSize != 10 {
		t.Fatalf("document = %+v", doc)
	}
	photo := ups[1].Message.Photo
	if len(photo) != 2 || photo[1].FileID != "photo-1" || ups[1].Message.Caption != "ảnh" {
		t.Fatalf("photo = %+v", ups[1].Message)
	}
	for id, want := range map[string]string{doc.FileID: "xlsx-bytes", "photo-1": "jpeg", "custom-id": "custom"} {
		f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: id})
		if err != nil {
			t.Fatalf("getFile %s: %v", id, err)
		}
		if got := download(t, b.FileDownloadLink(f)); string(got) != want {
			t.Errorf("download %s = %q, want %q", id, got, want)
		}
	}
	if _, err := b.GetFile(ctx, &bot.GetFileParams{FileID: "missing"}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("missing file: %v", err)
	}
	s.SendDocument(alice, "big.zip", "application/zip", 30<<20)
	ups = getUpdates(t, s, "", "")
	if _, err := b.GetFile(ctx, &bot.GetFileParams{FileID: ups[len(ups)-1].Message.Document.FileID}); err == nil || !strings.Contains(err.Error(), "file is too big") {
		t.Errorf("big file: %v", err)
	}
}

func download(t *testing.T, link string) []byte {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", link, resp.StatusCode, body)
	}
	return body
}

func TestUpdateBuilders(t *testing.T) {
	s := telegramtest.New(t)
	s.SendGroupText(alice, -100, "/help@ocop_test_bot now")
	s.SendSticker(alice, "👍")
	s.SendVoice(alice, 3)
	s.SendLocation(alice, 11.31, 106.1)
	s.SendVideo(alice, "clip", 12)
	s.Push(models.Update{EditedMessage: &models.Message{ID: 1, Chat: models.Chat{ID: alice.ID}, Text: "edited"}})
	ups := getUpdates(t, s, "", "")
	if len(ups) != 6 {
		t.Fatalf("updates = %d", len(ups))
	}
	g := ups[0].Message
	if g.Chat.ID != -100 || g.Chat.Type != models.ChatTypeGroup || len(g.Entities) != 1 || g.Entities[0].Length != len("/help@ocop_test_bot") {
		t.Errorf("group message = %+v", g)
	}
	if st := ups[1].Message.Sticker; st == nil || st.Emoji != "👍" {
		t.Errorf("sticker = %+v", st)
	}
	if v := ups[2].Message.Voice; v == nil || v.Duration != 3 {
		t.Errorf("voice = %+v", v)
	}
	if l := ups[3].Message.Location; l == nil || l.Latitude != 11.31 {
		t.Errorf("location = %+v", l)
	}
	if v := ups[4].Message.Video; v == nil || v.Duration != 12 || ups[4].Message.Caption != "clip" {
		t.Errorf("video = %+v", ups[4].Message)
	}
	if ups[5].EditedMessage == nil || ups[5].EditedMessage.Text != "edited" {
		t.Errorf("pushed = %+v", ups[5])
	}
	// Private chat message ids grow per chat.
	if ups[1].Message.ID != 1 || ups[4].Message.ID != 4 {
		t.Errorf("message ids %d %d", ups[1].Message.ID, ups[4].Message.ID)
	}
}

func TestWebhook(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s, bot.WithWebhookSecretToken("s3cret"), bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
		if u.Message != nil {
			_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "echo: " + u.Message.Text})
		}
	}))
	hook := httptest.NewServer(b.WebhookHandler())
	defer hook.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		b.StartWebhook(ctx)
	}()
	defer func() { cancel(); <-stopped }()

	s.SendText(alice, "queued before webhook")
	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL, SecretToken: "s3cret", AllowedUpdates: []string{"message"}}); err != nil {
		t.Fatal(err)
	}
	info, err := b.GetWebhookInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.URL != hook.URL || info.PendingUpdateCount != 1 || s.Webhook().SecretToken != "s3cret" || fmt.Sprint(s.Webhook().AllowedUpdates) != "[message]" {
		t.Errorf("webhook info = %+v, %+v", info, s.Webhook())
	}

	// getUpdates conflicts with an active webhook.
	status, r := post(t, ctx, s, "getUpdates", "", "")
	if status != http.StatusConflict || r.ErrorCode != 409 || !strings.Contains(r.Description, "webhook is active") {
		t.Errorf("getUpdates with webhook: %d %+v", status, r)
	}

	// The same kind of update can be delivered to the webhook.
	code, err := s.DeliverWebhook(ctx, s.TextUpdate(alice, "via webhook"))
	if err != nil || code != 200 {
		t.Fatalf("deliver: %d %v", code, err)
	}
	msgs, err := s.WaitMessages(wait, alice.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Text != "echo: via webhook" {
		t.Errorf("reply = %+v", msgs[0])
	}
	var u models.Update
	if err := json.Unmarshal(s.UpdateJSON(s.TextUpdate(alice, "x")), &u); err != nil || u.ID == 0 || u.Message.Text != "x" {
		t.Errorf("UpdateJSON: %+v %v", u, err)
	}

	if _, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: true}); err != nil {
		t.Fatal(err)
	}
	if s.Pending() != 0 || s.Webhook().URL != "" {
		t.Errorf("after deleteWebhook: pending %d, webhook %+v", s.Pending(), s.Webhook())
	}
	if status, _ := post(t, ctx, s, "getUpdates", "", ""); status != 200 {
		t.Errorf("getUpdates after deleteWebhook: %d", status)
	}
}

func TestWebhookSetDuringLongPoll(t *testing.T) {
	s := telegramtest.New(t)
	done := make(chan int, 1)
	go func() {
		status, _ := post(t, context.Background(), s, "getUpdates", "", "timeout=30")
		done <- status
	}()
	if !s.WaitFor(wait, func() bool { return s.CallCount("getUpdates") == 1 }) {
		t.Fatal("poll did not arrive")
	}
	if status, r := post(t, context.Background(), s, "setWebhook", "", "url="+url.QueryEscape("https://example.com/hook")); status != 200 {
		t.Fatalf("setWebhook: %d %+v", status, r)
	}
	select {
	case status := <-done:
		if status != http.StatusConflict {
			t.Errorf("status = %d", status)
		}
	case <-time.After(wait):
		t.Fatal("long poll not ended by setWebhook")
	}
}

func TestCommands(t *testing.T) {
	s := telegramtest.New(t)
	b := newBot(t, s)
	ctx := context.Background()
	cmds := []models.BotCommand{{Command: "start", Description: "Bắt đầu"}, {Command: "help", Description: "Trợ giúp"}}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds, Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "vi"}); err != nil {
		t.Fatal(err)
	}
	got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "vi"})
	if err != nil || fmt.Sprint(got) != fmt.Sprint(cmds) {
		t.Errorf("getMyCommands = %v, %v", got, err)
	}
	if got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{}); err != nil || len(got) != 0 {
		t.Errorf("default scope = %v, %v", got, err)
	}
	if got := s.MyCommands(`{"type":"all_private_chats"}`, "vi"); len(got) != 2 {
		t.Errorf("MyCommands = %v", got)
	}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Bad-Cmd", Description: "x"}}}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("invalid command: %v", err)
	}
	if _, err := b.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "vi"}); err != nil {
		t.Fatal(err)
	}
	if got := s.MyCommands(`{"type":"all_private_chats"}`, "vi"); len(got) != 0 {
		t.Errorf("after delete = %v", got)
	}
}

func TestRateLimits(t *testing.T) {
	s := telegramtest.New(t, telegramtest.WithRateLimit(5))
	b := newBot(t, s)
	ctx := context.Background()
	var limited int
	for i := range 10 {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(i + 1), Text: "x"})
		var tooMany *bot.TooManyRequestsError
		if errors.As(err, &tooMany) {
			limited++
			if tooMany.RetryAfter != 1 {
				t.Errorf("retry_after = %d", tooMany.RetryAfter)
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}
	// The burst is 5; the loop is fast enough that at most one more token
	// was refilled.
	if limited < 4 || limited > 5 || s.TooManyRequests() != limited {
		t.Errorf("limited %d, counted %d", limited, s.TooManyRequests())
	}
	// Chat actions are not limited.
	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: 1, Action: models.ChatActionTyping}); err != nil {
		t.Errorf("sendChatAction: %v", err)
	}

	s2 := telegramtest.New(t, telegramtest.WithPerChatLimit(2))
	b2 := newBot(t, s2)
	var errs []error
	for _, chat := range []int64{1, 1, 1, 2, 2} {
		_, err := b2.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "x"})
		errs = append(errs, err)
	}
	if errs[0] != nil || errs[1] != nil || !bot.IsTooManyRequestsError(errs[2]) || errs[3] != nil || errs[4] != nil {
		t.Errorf("per chat errors = %v", errs)
	}
}

func TestConcurrentSends(t *testing.T) {
	s := telegramtest.New(t, telegramtest.WithoutCallBodies())
	b := newBot(t, s)
	ctx := context.Background()
	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	msgs, err := s.WaitMessages(wait, alice.ID, workers*perWorker)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, m := range msgs {
		if m.ID != i+1 {
			t.Fatalf("message %d has id %d", i, m.ID)
		}
	}
	calls := s.Calls("sendMessage")
	if len(calls) != workers*perWorker || calls[0].Params != nil {
		t.Errorf("calls %d, params %v", len(calls), calls[0].Params)
	}

	s2 := telegramtest.New(t, telegramtest.WithoutCallLog())
	b2 := newBot(t, s2)
	if _, err := b2.SendMessage(ctx, &bot.SendMessageParams{ChatID: 1, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if s2.Calls("sendMessage") != nil || s2.CallCount("sendMessage") != 1 {
		t.Errorf("call log not disabled")
	}
}

func TestCustomHandler(t *testing.T) {
	s := telegramtest.New(t)
	s.Handle("getChat", func(c telegramtest.Call) (any, error) {
		if c.Params["chat_id"] == "404" {
			return nil, &telegramtest.APIError{Code: 400, Description: "Bad Request: chat not found"}
		}
		return models.ChatFullInfo{ID: 1, Type: models.ChatTypePrivate}, nil
	})
	b := newBot(t, s)
	ctx := context.Background()
	if c, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: 1}); err != nil || c.ID != 1 {
		t.Errorf("getChat = %+v, %v", c, err)
	}
	if _, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: 404}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("getChat 404: %v", err)
	}
}
