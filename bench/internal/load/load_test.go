package load_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bench/internal/load"
	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
)

// echo answers every update with one message repeating it, like
// bench/echobot.
func echo(ctx context.Context, b *tgbot.Bot, u *models.Update) {
	var chat int64
	var text string
	switch {
	case u.Message != nil:
		chat, text = u.Message.Chat.ID, u.Message.Text
		if u.Message.Contact != nil {
			text = u.Message.Contact.PhoneNumber
		}
	case u.CallbackQuery != nil:
		chat, text = u.CallbackQuery.From.ID, u.CallbackQuery.Data
	}
	_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: text})
}

// startEcho runs an in-process echo bot against f until the test ends.
func startEcho(t *testing.T, f *load.Fake) {
	t.Helper()
	opts := []tgbot.Option{tgbot.WithServerURL(f.URL()), tgbot.WithDefaultHandler(echo), tgbot.WithSkipGetMe()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	if f.Mode() == load.Webhook {
		opts = append(opts, tgbot.WithWebhookSecretToken("s3cret"))
	}
	b, err := tgbot.New(f.Token(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	var srv *http.Server
	if f.Mode() == load.Webhook {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv = &http.Server{Handler: b.WebhookHandler(), ReadHeaderTimeout: time.Second}
		go srv.Serve(ln)
		if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: "http://" + ln.Addr().String() + "/hook", SecretToken: "s3cret"}); err != nil {
			t.Fatal(err)
		}
		go func() { b.StartWebhook(ctx); close(done) }()
	} else {
		go func() { b.Start(ctx); close(done) }()
	}
	t.Cleanup(func() {
		cancel()
		if srv != nil {
			srv.Close()
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("the echo bot did not stop")
		}
	})
}

func TestClosedAndOpenLoopsAgainstAnEchoBot(t *testing.T) {
	for _, mode := range []load.Mode{load.Polling, load.Webhook} {
		t.Run(mode.String(), func(t *testing.T) {
			f := load.NewFake(mode, 4)
			t.Cleanup(f.Close)
			startEcho(t, f)
			steps := script.Registration()
			ctx := context.Background()

			r := &load.Run{Fake: f, Bot: load.Echo, Steps: steps, FirstUser: 1, Timeout: 5 * time.Second}
			res, err := load.Closed(ctx, r, 5, 2)
			if err != nil {
				t.Fatal(err)
			}
			if want := 5 * len(steps); res.Answered != want || res.Offered != want || res.Lost != 0 || res.Latency.Len() != want {
				t.Fatalf("closed loop: %+v, want %d answered", res, want)
			}
			if res.PerSecond() <= 0 || res.Latency.Percentile(50) <= 0 {
				t.Fatalf("closed loop: %.1f updates/s, p50 %v", res.PerSecond(), res.Latency.Percentile(50))
			}

			r.FirstUser = 100
			open, err := load.Open(ctx, r, 200, 250*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if open.Offered != 50 || open.Answered != 50 || open.Lost != 0 {
				t.Fatalf("open loop: %+v, want 50 offered and answered", open)
			}
			if rate := open.OfferedRate(); rate < 100 || rate > 250 {
				t.Errorf("offered %.0f updates/s, want about 200", rate)
			}
		})
	}
}

func TestAWrongAnswerStopsTheLoop(t *testing.T) {
	f := load.NewFake(load.Polling, 1)
	t.Cleanup(f.Close)
	startEcho(t, f)
	// The echo bot does not answer like the OCOP bot.
	steps := script.Registration()
	m, err := script.NewMatcher(steps)
	if err != nil {
		t.Fatal(err)
	}
	r := &load.Run{Fake: f, Bot: load.Full, Steps: steps, Matcher: m, FirstUser: 1, Timeout: 5 * time.Second}
	if _, err := load.Closed(context.Background(), r, 3, 0); err == nil {
		t.Fatal("the echo bot passed for the OCOP bot")
	}
}
