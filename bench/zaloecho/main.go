// Command zaloecho is the baseline of the Zalo benchmark: a bare net/http
// webhook handler for a Zalo Official Account. It checks each event's
// X-ZEvent-Signature as the bot does (plain SHA-256 of app id + body +
// timestamp + OA secret key), answers 200, and then echoes the event back
// to its sender with one consultation message (POST /v3.0/oa/message/cs):
// the text of a user_send_text (a button's payload included), the phone of
// a user_submit_info. The access token comes from the OAuth server once, at
// the start. Nothing else: no storage, no de-duplication, no per-user
// order, no retries.
//
// Environment (as the bot's): ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET,
// ZALO_REFRESH_TOKEN, ZALO_API_URL, ZALO_OAUTH_URL, HTTP_ADDR and
// ZALO_WEBHOOK_PATH (default /zalo/webhook).
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "zaloecho:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string) error {
	h, err := newHandler(ctx, getenv)
	if err != nil {
		return err
	}
	path := getenv("ZALO_WEBHOOK_PATH")
	if path == "" {
		path = "/zalo/webhook"
	}
	ln, err := net.Listen("tcp", getenv("HTTP_ADDR"))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if n := h.failed.Load(); n > 0 {
		log.Printf("%d echoes failed", n)
	}
	return err
}

// handler serves the webhook and sends the echoes.
type handler struct {
	appID, oaSecret string
	sendURL, token  string
	hc              *http.Client
	failed          atomic.Int64
}

func newHandler(ctx context.Context, getenv func(string) string) (*handler, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 128, 128 // as the bot's sender
	h := &handler{
		appID:    getenv("ZALO_APP_ID"),
		oaSecret: getenv("ZALO_OA_SECRET"),
		sendURL:  strings.TrimRight(getenv("ZALO_API_URL"), "/") + "/v3.0/oa/message/cs",
		hc:       &http.Client{Timeout: 60 * time.Second, Transport: tr},
	}
	if h.appID == "" || h.oaSecret == "" {
		return nil, errors.New("ZALO_APP_ID and ZALO_OA_SECRET are needed")
	}
	tok, err := accessToken(ctx, h.hc, getenv)
	if err != nil {
		return nil, err
	}
	h.token = tok
	return h, nil
}

// accessToken gets an access token with the refresh token.
func accessToken(ctx context.Context, hc *http.Client, getenv func(string) string) (string, error) {
	form := url.Values{"app_id": {getenv("ZALO_APP_ID")}, "grant_type": {"refresh_token"}, "refresh_token": {getenv("ZALO_REFRESH_TOKEN")}}
	u := strings.TrimRight(getenv("ZALO_OAUTH_URL"), "/") + "/v4/oa/access_token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", getenv("ZALO_APP_SECRET"))
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var a struct {
		AccessToken string `json:"access_token"`
		Error       int    `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&a); err != nil {
		return "", fmt.Errorf("token endpoint: HTTP %d: %v", resp.StatusCode, err)
	}
	if a.AccessToken == "" {
		return "", fmt.Errorf("token endpoint: error %d: %s", a.Error, a.Description)
	}
	return a.AccessToken, nil
}

// event is what the handler reads of an event.
type event struct {
	Timestamp json.RawMessage `json:"timestamp"`
	Sender    struct {
		ID string `json:"id"`
	} `json:"sender"`
	Message *struct {
		Text string `json:"text"`
	} `json:"message"`
	Info *struct {
		Phone string `json:"phone"`
	} `json:"info"`
	EventName string `json:"event_name"`
}

// sign is the X-ZEvent-Signature of a body, as bot/zalo's Sign.
func sign(appID, oaSecret string, body []byte, timestamp string) string {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write(body)
	h.Write([]byte(timestamp))
	h.Write([]byte(oaSecret))
	return "mac=" + hex.EncodeToString(h.Sum(nil))
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusOK) // Zalo's check of the URL
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	ts := string(ev.Timestamp)
	var s string
	if json.Unmarshal(ev.Timestamp, &s) == nil {
		ts = s
	}
	got := []byte(strings.ToLower(strings.TrimSpace(r.Header.Get("X-ZEvent-Signature"))))
	if subtle.ConstantTimeCompare(got, []byte(sign(h.appID, h.oaSecret, raw, ts))) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusOK)
	var text string
	switch {
	case strings.HasPrefix(ev.EventName, "oa_"):
	case ev.Message != nil:
		text = ev.Message.Text
	case ev.Info != nil:
		text = ev.Info.Phone
	}
	if ev.Sender.ID == "" || text == "" {
		return
	}
	go h.echo(ev.Sender.ID, text)
}

// echo sends text to user.
func (h *handler) echo(user, text string) {
	var msg struct {
		Recipient struct {
			UserID string `json:"user_id"`
		} `json:"recipient"`
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	msg.Recipient.UserID, msg.Message.Text = user, text
	body, _ := json.Marshal(msg)
	req, err := http.NewRequest(http.MethodPost, h.sendURL, bytes.NewReader(body))
	if err != nil {
		h.failed.Add(1)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("access_token", h.token)
	resp, err := h.hc.Do(req)
	if err != nil {
		h.failed.Add(1)
		return
	}
	defer resp.Body.Close()
	var a struct {
		Error int `json:"error"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&a) != nil || a.Error != 0 {
		h.failed.Add(1)
	}
}
