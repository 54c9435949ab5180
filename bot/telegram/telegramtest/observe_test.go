package telegramtest_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
)

func TestObserveSeesServedCallsWithoutTheCallLog(t *testing.T) {
	s := telegramtest.New(t, telegramtest.WithoutCallLog())
	var mu sync.Mutex
	var seen []telegramtest.Observed
	s.Observe("SENDMESSAGE", func(o telegramtest.Observed) { // case-insensitive
		mu.Lock()
		seen = append(seen, o)
		mu.Unlock()
	})
	b := newBot(t, s)
	ctx := context.Background()
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "<b>hi</b>", ParseMode: models.ParseModeHTML})
	if err != nil {
		t.Fatal(err)
	}
	// A refused call is answered as before and observed with its error.
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "<b>broken", ParseMode: models.ParseModeHTML}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("bad HTML: err = %v, want a bad request", err)
	}
	// Faults are applied before serving: not observed.
	s.FailNext("sendMessage", 1, 429, "", 1)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "later"}); err == nil {
		t.Fatal("the injected 429 was not answered")
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("observed %d calls, want 2", len(seen))
	}
	ok := seen[0]
	if ok.Err != nil || ok.Call.Method != "sendMessage" || ok.Call.Params["text"] != "<b>hi</b>" || ok.Call.Params["chat_id"] == "" {
		t.Errorf("first observed call: %+v", ok)
	}
	if msg, _ := ok.Result.(*models.Message); msg == nil || msg.ID != m.ID {
		t.Errorf("observed result %#v, want the sent message %d", ok.Result, m.ID)
	}
	if ok.Call.At.IsZero() || ok.Served.Before(ok.Call.At) {
		t.Errorf("times: arrived %v, served %v", ok.Call.At, ok.Served)
	}
	if bad := seen[1]; bad.Err == nil || bad.Err.Code != 400 || bad.Result != nil {
		t.Errorf("second observed call: result %v, err %v; want a 400", bad.Result, bad.Err)
	}
	// The fake still keeps the state of served calls.
	if got := s.Messages(alice.ID); len(got) != 1 || got[0].ID != m.ID {
		t.Errorf("messages kept: %+v", got)
	}
	if s.Calls("sendMessage") != nil {
		t.Error("the call log is disabled but Calls returned calls")
	}
}

func TestObserveWrapsAnInstalledHandlerAndStacks(t *testing.T) {
	s := telegramtest.New(t)
	s.Handle("setChatTitle", func(c telegramtest.Call) (any, error) {
		if c.Params["title"] == "" {
			return nil, &telegramtest.APIError{Code: 400, Description: "Bad Request: chat title is empty"}
		}
		return nil, nil // answered as true
	})
	var mu sync.Mutex
	var order []string
	observe := func(name string) {
		s.Observe("setChatTitle", func(o telegramtest.Observed) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name+":"+o.Call.Params["title"])
			if o.Call.Params["title"] == "" && (o.Err == nil || o.Err.Code != 400) {
				t.Errorf("the handler's error was not observed: %+v", o)
			}
			if o.Call.Params["title"] != "" && o.Result != true {
				t.Errorf("result %v, want true", o.Result)
			}
		})
	}
	observe("first")
	observe("second")
	b := newBot(t, s)
	ctx := context.Background()
	if ok, err := b.SetChatTitle(ctx, &bot.SetChatTitleParams{ChatID: -100, Title: "T"}); err != nil || !ok {
		t.Fatalf("setChatTitle: %v, %v", ok, err)
	}
	if _, err := b.SetChatTitle(ctx, &bot.SetChatTitleParams{ChatID: -100}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("err = %v, want the handler's bad request", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"first:T", "second:T", "first:", "second:"}
	if len(order) != len(want) {
		t.Fatalf("observers ran %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("observers ran %v, want %v", order, want)
		}
	}
}
