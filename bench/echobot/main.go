// Command echobot is the baseline of the conversation benchmarks: a bare
// go-telegram/bot bot whose default handler answers every update with one
// message repeating it (the text, the pressed button's data or the shared
// phone number). It uses the library's own long polling, or its webhook
// handler when TELEGRAM_WEBHOOK_URL is set, and nothing else: no storage,
// no de-duplication, no per-user order.
//
// Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, and for webhook mode
// TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET and HTTP_ADDR.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "echobot:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string) error {
	hook := getenv("TELEGRAM_WEBHOOK_URL")
	opts := []bot.Option{bot.WithDefaultHandler(echo), bot.WithServerURL(getenv("TELEGRAM_API_URL"))}
	if hook != "" {
		opts = append(opts, bot.WithWebhookSecretToken(getenv("TELEGRAM_WEBHOOK_SECRET")))
	}
	b, err := bot.New(getenv("TELEGRAM_BOT_TOKEN"), opts...)
	if err != nil {
		return err
	}
	if hook == "" {
		if _, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil {
			return err
		}
		b.Start(ctx)
		return nil
	}
	u, err := url.Parse(hook)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", getenv("HTTP_ADDR"))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(u.Path, b.WebhookHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook, SecretToken: getenv("TELEGRAM_WEBHOOK_SECRET")}); err != nil {
		srv.Close()
		return err
	}
	done := make(chan struct{})
	go func() { b.StartWebhook(ctx); close(done) }()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// echo answers an update with one message repeating it.
func echo(ctx context.Context, b *bot.Bot, u *models.Update) {
	var chat int64
	var text string
	switch {
	case u.Message != nil:
		chat, text = u.Message.Chat.ID, u.Message.Text
		if c := u.Message.Contact; c != nil && text == "" {
			text = c.PhoneNumber
		}
	case u.CallbackQuery != nil:
		chat, text = u.CallbackQuery.From.ID, u.CallbackQuery.Data
	}
	if chat == 0 || text == "" {
		return
	}
	_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: text})
}
