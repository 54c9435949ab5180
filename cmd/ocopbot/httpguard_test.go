package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlowConnectionsWithAWrongSecretDoNotStopTheServer scripts the attack
// of issue 13, item 10: 200 connections post to the webhook with a wrong
// secret and then send their body one byte at a time (never), and 200
// more send half a request header and wait. Each wrong secret is answered
// 401 and its connection closed at once (the body is never read); the
// half-open ones beyond HTTP_MAX_CONNS are closed to make room; meanwhile
// /healthz answers and a real update is handled.
func TestSlowConnectionsWithAWrongSecretDoNotStopTheServer(t *testing.T) {
	h := newHarness(t, "embedded")
	h.env["TELEGRAM_WEBHOOK_URL"] = "http://" + h.env["HTTP_ADDR"] + "/tg/hook"
	h.env["TELEGRAM_WEBHOOK_SECRET"] = "right_secret"
	h.env["HTTP_MAX_CONNS"] = "32"
	h.start()
	addr := h.env["HTTP_ADDR"]

	const n = 200
	var (
		wg       sync.WaitGroup
		refused  atomic.Int32 // wrong secret: 401 then closed
		closed   atomic.Int32 // wrong secret: closed by the server
		dropped  atomic.Int32 // half a header: closed by the server
		openErrs atomic.Int32
	)
	var mu sync.Mutex
	var conns []net.Conn
	keep := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// closedWithin reads until the server closes c (EOF or reset) or d
	// passes; it returns what was read and whether the server closed it.
	closedWithin := func(c net.Conn, d time.Duration) (string, bool) {
		_ = c.SetReadDeadline(time.Now().Add(d))
		var b strings.Builder
		_, err := io.Copy(&b, c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return b.String(), false
		}
		return b.String(), true
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				openErrs.Add(1)
				return
			}
			keep(c)
			// A body of 1,000 bytes is announced; one is sent.
			_, _ = io.WriteString(c, "POST /tg/hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"+
				"X-Telegram-Bot-Api-Secret-Token: wrong\r\nContent-Length: 1000\r\n\r\n{")
			got, ok := closedWithin(c, 4*time.Second)
			if ok {
				closed.Add(1)
			}
			if strings.HasPrefix(got, "HTTP/1.1 401") {
				refused.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				openErrs.Add(1)
				return
			}
			keep(c)
			_, _ = io.WriteString(c, "POST /tg/hook HTTP/1.1\r\nHost: bot\r\n")
			if _, ok := closedWithin(c, 4*time.Second); ok {
				dropped.Add(1)
			}
		}()
	}

	// During the attack: /healthz answers and an update is handled.
	time.Sleep(300 * time.Millisecond)
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("/healthz during the attack: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz during the attack: %d", resp.StatusCode)
	}
	p := h.user(531, "Lan")
	u := h.api.TextUpdate(p.u, "/trogiup")
	u.ID = 9301
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if code, err := h.api.DeliverWebhook(ctx, u); err != nil || code != http.StatusOK {
		t.Fatalf("a real update during the attack: %d %v", code, err)
	}
	p.Expect("help.text")

	wg.Wait()
	t.Logf("after %v: %d wrong secrets answered 401, %d of them closed; %d of %d half headers closed; %d dial errors",
		time.Since(start).Round(time.Millisecond), refused.Load(), closed.Load(), dropped.Load(), n, openErrs.Load())
	if closed.Load() != n {
		t.Errorf("%d of %d connections with a wrong secret were still open after 4 s", n-closed.Load(), n)
	}
	if refused.Load() == 0 {
		t.Errorf("no wrong secret was answered 401")
	}
	if dropped.Load() < n-32 {
		t.Errorf("only %d of %d half-open connections were closed; at most 32 may stay open", dropped.Load(), n)
	}
}

// TestZaloWebhookRefusesUnsignedBodiesUnread: an unsigned post longer than
// Zalo's probe is refused 401 before its body is read, and a body
// announced over the bound is refused 413; both connections are closed.
func TestZaloWebhookRefusesUnsignedBodiesUnread(t *testing.T) {
	h := newMatrix(t, "zalo", "embedded")
	h.start()
	addr := h.env["HTTP_ADDR"]
	for _, tc := range []struct {
		head string
		want string
	}{
		{"POST /zalo/webhook HTTP/1.1\r\nHost: bot\r\nContent-Length: 5000\r\n\r\n{", "HTTP/1.1 401"},
		{"POST /zalo/webhook HTTP/1.1\r\nHost: bot\r\nX-ZEvent-Signature: mac=00\r\nContent-Length: 50000000\r\n\r\n{", "HTTP/1.1 413"},
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, tc.head)
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if !strings.HasPrefix(line, tc.want) {
			t.Errorf("%q: answered %q (%v), want %s", tc.head[:40], line, err, tc.want)
		}
		_, err = io.Copy(io.Discard, c)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%q: the connection stayed open", tc.head[:40])
		}
		c.Close()
	}
}

// TestHTTPServerLogsThroughSlog: net/http's own lines (here a handler's
// panic) come out of the server newHTTPServer builds as slog JSON records.
func TestHTTPServerLogsThroughSlog(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), nil, log)
	go srv.Serve(ln)
	defer srv.Close()
	if resp, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		resp.Body.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(buf.String(), "boom") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	line, _, _ := strings.Cut(buf.String(), "\n")
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("net/http's line is not a slog record: %q", buf.String())
	}
	if rec["component"] != "http" || !strings.Contains(rec["msg"].(string), "panic serving") {
		t.Errorf("record: %v", rec)
	}
}
