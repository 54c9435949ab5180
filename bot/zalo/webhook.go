package zalo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
)

// SignatureHeader carries the event's signature: "mac=" + hex SHA-256 of
// app id + raw body + timestamp + OA secret key (plain SHA-256, not HMAC).
const SignatureHeader = "X-ZEvent-Signature"

// Sign returns the signature header value of a body (for tests and the
// benchmark's load generator).
func Sign(appID, oaSecret string, body []byte, timestamp string) string {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write(body)
	h.Write([]byte(timestamp))
	h.Write([]byte(oaSecret))
	return "mac=" + hex.EncodeToString(h.Sum(nil))
}

// Webhook serves Zalo's event posts: it checks the signature, records a
// signed event in the inbox and only then answers 200.
type Webhook struct {
	AppID    string
	OASecret string
	// AppSecret, when set, is tried as the signing key after OASecret: one
	// source says Zalo signs with it (ZALO.md §1.4). The log says once
	// which key matched.
	AppSecret string
	Intake    *bot.Intake
	Log       *slog.Logger
	// MaxAge refuses signed events older than this (a replayed capture);
	// Zalo's own retries come within hours. 0: 24 hours.
	MaxAge time.Duration
	// AckWithin bounds the recording of an event, so that Zalo hears back
	// within its 2 seconds even when the database is slow (it then
	// retries). 0: 1.5 s.
	AckWithin time.Duration
	Now       func() time.Time

	seenKey atomic.Pointer[string]
}

// Attach gives the intake the channel's decoder (for updates handed out
// again after a restart).
func (w *Webhook) Attach(in *bot.Intake) {
	in.Channel = ChannelName
	in.Decode = func(payload []byte) (*bot.Update, error) {
		ev, err := ParseEvent(payload)
		if err != nil {
			return nil, err
		}
		return ev.Update(), nil
	}
	w.Intake = in
}

// maxBody bounds an event's body; probeMax is the longest unsigned body
// read (the probe, "{}" with some spaces).
const (
	maxBody  = 1 << 20
	probeMax = 64
)

func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		rw.WriteHeader(http.StatusOK) // Zalo checks the URL answers
		return
	}
	if r.Method != http.MethodPost {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get(SignatureHeader) == "" && r.ContentLength > probeMax {
		// Unsigned and longer than the URL probe: refused unread.
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(raw) > maxBody {
		http.Error(rw, "bad request", http.StatusBadRequest)
		return
	}
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("{}")) {
			// The probe Zalo sends when the URL is saved: nothing to do.
			rw.WriteHeader(http.StatusOK)
			return
		}
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	ev, err := ParseEvent(raw)
	if err != nil {
		// A body that is not JSON cannot carry the timestamp it is signed with.
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	ts := string(ev.Timestamp)
	if ts == "" {
		ts = r.Header.Get("X-ZEvent-Timestamp")
	}
	if !w.verify(raw, ts, sig) {
		w.logger().Warn("zalo webhook: bad signature", "event", ev.Name)
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	if at := ev.At(); !at.IsZero() && w.now().Sub(at) > w.maxAge() {
		w.logger().Warn("zalo webhook: stale event refused", "event", ev.Name, "age_s", int(w.now().Sub(at).Seconds()))
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	u := ev.Update()
	if u == nil {
		// Echoes of the OA's own sends, receipts, reactions: acknowledged
		// and not recorded.
		rw.WriteHeader(http.StatusOK)
		return
	}
	item := bot.InboxItem{Channel: ChannelName, UpdateID: u.ID, UserKey: u.UserKey(), Payload: raw, Decoded: true, Update: u}
	ctx, cancel := context.WithTimeout(r.Context(), w.ackWithin())
	defer cancel()
	if err := w.Intake.Accept(ctx, []bot.InboxItem{item}); err != nil {
		w.logger().Error("zalo webhook: record event", "event", ev.Name, "err", err)
		http.Error(rw, "try again", http.StatusServiceUnavailable)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

// verify compares the signature in constant time; "mac=" is optional.
func (w *Webhook) verify(raw []byte, ts, sig string) bool {
	got := strings.TrimSpace(sig)
	if !strings.HasPrefix(got, "mac=") {
		got = "mac=" + got
	}
	got = strings.ToLower(got)
	if subtle.ConstantTimeCompare([]byte(got), []byte(Sign(w.AppID, w.OASecret, raw, ts))) == 1 {
		w.matched("oa_secret")
		return true
	}
	if w.AppSecret != "" && subtle.ConstantTimeCompare([]byte(got), []byte(Sign(w.AppID, w.AppSecret, raw, ts))) == 1 {
		w.matched("app_secret")
		return true
	}
	return false
}

// matched logs, the first time, which key signed the events.
func (w *Webhook) matched(key string) {
	if w.seenKey.Load() == nil || *w.seenKey.Load() != key {
		w.seenKey.Store(&key)
		w.logger().Info("zalo webhook: events are signed with this key", "key", key)
	}
}

func (w *Webhook) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Webhook) maxAge() time.Duration {
	if w.MaxAge > 0 {
		return w.MaxAge
	}
	return 24 * time.Hour
}

func (w *Webhook) ackWithin() time.Duration {
	if w.AckWithin > 0 {
		return w.AckWithin
	}
	return 1500 * time.Millisecond
}

func (w *Webhook) logger() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}
