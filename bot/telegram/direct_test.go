package telegram_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/telegram"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
)

type blocks struct{ chats []string }

func (b *blocks) SetBlocked(_ context.Context, _, id string, blocked bool) error {
	if blocked {
		b.chats = append(b.chats, id)
	}
	return nil
}

// The calls of every update go as JSON and keep the rules of the
// library's: the message id comes back, a 429 is waited out, a 403 marks
// the user blocked, an edit of a message that is gone sends it anew, a
// button is answered, and no error carries the token.
func TestSendCallsAsJSON(t *testing.T) {
	api := telegramtest.New(t)
	// A proxy in front of the fake tells how each method was sent.
	target, _ := url.Parse(api.URL())
	var mu sync.Mutex
	types := map[string]string{}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		types[path.Base(r.URL.Path)] = r.Header.Get("Content-Type")
		mu.Unlock()
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	bl := &blocks{}
	ch, err := telegram.Dial(context.Background(), telegram.Config{Token: api.Token(), APIURL: proxy.URL}, bl)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := ch.Sender
	id, err := s.Send(ctx, "42", bot.Reply{Text: "<b>Chào</b> &amp; mời", Buttons: [][]bot.Button{{{Label: "Bánh & mứt", Data: "x|1"}}}})
	if err != nil || id == "" {
		t.Fatalf("send: %q, %v", id, err)
	}
	m, ok := api.LastMessage(42)
	if !ok || m.PlainText != "Chào & mời" || strconv.Itoa(m.ID) != id || len(m.Buttons()) != 1 || m.Buttons()[0].Text != "Bánh & mứt" {
		t.Fatalf("sent %+v (id %s)", m, id)
	}
	api.FailNext("sendMessage", 1, http.StatusTooManyRequests, "", 1)
	if _, err := s.Send(ctx, "42", bot.Reply{Text: "sau 429"}); err != nil {
		t.Fatalf("after a 429: %v", err)
	}
	if m, _ := api.LastMessage(42); m.Text != "sau 429" {
		t.Fatalf("last after 429: %q", m.Text)
	}
	if _, err := s.Send(ctx, id, bot.Reply{}); err == nil {
		t.Fatal("an empty message was sent")
	} else if strings.Contains(err.Error(), api.Token()) {
		t.Fatalf("the token is in an error: %v", err)
	}
	edited, err := s.Send(ctx, "42", bot.Reply{Text: "sửa", Edit: id})
	if err != nil || edited != id {
		t.Fatalf("edit: %q, %v", edited, err)
	}
	if m, _ := api.MessageByID(42, atoi(id)); m.Text != "sửa" {
		t.Fatalf("edited text %q", m.Text)
	}
	anew, err := s.Send(ctx, "42", bot.Reply{Text: "mới", Edit: "999999"})
	if err != nil || anew == "999999" || anew == "" {
		t.Fatalf("an edit of a message that is gone: %q, %v", anew, err)
	}
	api.BlockChat(43)
	if _, err := s.Send(ctx, "43", bot.Reply{Text: "x"}); !errors.Is(err, bot.ErrBlocked) || len(bl.chats) != 1 || bl.chats[0] != "43" {
		t.Fatalf("blocked chat: %v, marked %v", err, bl.chats)
	}
	_, cb := api.PressButton(telegramtest.User{ID: 42, FirstName: "A"}, atoi(id), "x|1")
	if err := s.AnswerCallback(ctx, cb, "Đã chọn", true); err != nil {
		t.Fatal(err)
	}
	if a, ok := api.CallbackAnswer(cb); !ok || a.Text != "Đã chọn" || !a.ShowAlert {
		t.Fatalf("callback answer %+v, %v", a, ok)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range []string{"sendMessage", "editMessageText", "answerCallbackQuery"} {
		if types[m] != "application/json" {
			t.Errorf("%s was sent as %q, want JSON", m, types[m])
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
