package main

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
)

func TestSignIsTheBots(t *testing.T) {
	body := []byte(`{"app_id":"1","event_name":"user_send_text","timestamp":"1700000000000"}`)
	if got, want := sign("app", "secret", body, "1700000000000"), zalo.Sign("app", "secret", body, "1700000000000"); got != want {
		t.Fatalf("sign = %s, bot/zalo.Sign = %s", got, want)
	}
}

func TestEchoesSignedEventsThroughTheFake(t *testing.T) {
	fake := zalotest.New(t, zalotest.WithoutRequestBodies())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"ZALO_APP_ID": fake.AppID(), "ZALO_APP_SECRET": fake.AppSecret(), "ZALO_OA_SECRET": fake.OASecret(),
		"ZALO_REFRESH_TOKEN": fake.RefreshToken(), "ZALO_API_URL": fake.URL(), "ZALO_OAUTH_URL": fake.OAuthURL(),
		"HTTP_ADDR": addr,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("zaloecho did not stop")
		}
	})
	fake.SetWebhook("http://" + addr + "/zalo/webhook")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("zaloecho does not listen")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if fake.Refreshes() != 1 {
		t.Fatalf("%d token refreshes at start, want 1", fake.Refreshes())
	}

	u := zalotest.User{ID: "500000000000000001", Name: "Lan"}
	post := func(status int, err error) {
		t.Helper()
		if err != nil || status != http.StatusOK {
			t.Fatalf("webhook answered %d, %v", status, err)
		}
	}
	post(fake.SendText(u, "xin chào"))
	post(fake.PressPayload(u, "#b:c|y"))
	post(fake.SubmitInfo(u, "84901234567", false))
	post(fake.EchoOA(u, "not echoed"))
	post(fake.Follow(u))
	msgs, err := fake.WaitMessages(5*time.Second, u.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range msgs {
		got[m.Text] = true
	}
	for _, want := range []string{"xin chào", "#b:c|y", "84901234567"} {
		if !got[want] {
			t.Errorf("no echo of %q in %v", want, got)
		}
	}

	body := fake.EventJSON(u, "forged")
	if status, err := fake.PostWithSignature(body, "mac=00"); err != nil || status != http.StatusUnauthorized {
		t.Fatalf("a forged event was answered %d, %v", status, err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := fake.SentCount(u.ID); n != 3 {
		t.Fatalf("%d messages, want 3 (no echo of the OA's own message, a follow or a forged event)", n)
	}
}
