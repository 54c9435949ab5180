// Package load drives a bot process through the fake Bot API
// (telegramtest) or the fake Zalo (zalotest) with simulated users: closed
// loops (every user sends its next update as soon as the bot has answered
// the last one) and open loops (updates offered at a fixed rate), by long
// polling or through the bot's webhook (on Zalo, signed events posted to
// it), and times each reply and, on Zalo, each webhook answer.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
)

// Mode is how updates reach the bot.
type Mode uint8

// Modes.
const (
	Polling Mode = iota + 1 // queued for the bot's getUpdates
	Webhook                 // posted to the webhook the bot set
)

func (m Mode) String() string {
	if m == Webhook {
		return "webhook"
	}
	return "polling"
}

// reply is a message the bot sent (or edited) in a user's chat.
type reply struct {
	method string    // "sendMessage" or "editMessageText"
	at     time.Time // when the call arrived at the fake
	msgID  int
	text   string
	markup string // reply_markup JSON, "" when none
}

// Fake is a fake Bot API server that routes the bot's messages to the
// simulated user of each chat as they arrive, and delivers the users'
// updates by getUpdates or to the bot's webhook.
type Fake struct {
	*telegramtest.Server
	mode Mode
	hc   *http.Client
	sem  chan struct{} // bounds the webhook calls in flight

	mu    sync.RWMutex
	users map[int64]chan<- reply
}

// NewFake starts a fake Bot API server on 127.0.0.1 without a call log.
// concurrency bounds the webhook calls in flight (Telegram's
// max_connections); it is unused in polling mode. Close it when done.
func NewFake(mode Mode, concurrency int) *Fake {
	concurrency = max(concurrency, 1)
	f := &Fake{
		Server: telegramtest.NewServer(telegramtest.WithoutCallLog(), telegramtest.WithFirstUpdateID(1)),
		mode:   mode,
		users:  map[int64]chan<- reply{},
		sem:    make(chan struct{}, concurrency),
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        concurrency,
			MaxIdleConnsPerHost: concurrency,
			IdleConnTimeout:     30 * time.Second,
		}},
	}
	f.Observe("sendMessage", f.route)
	f.Observe("editMessageText", f.route)
	return f
}

// Close stops the server and closes idle webhook connections.
func (f *Fake) Close() {
	f.Server.Close()
	f.hc.CloseIdleConnections()
}

// Mode returns how the fake delivers updates.
func (f *Fake) Mode() Mode { return f.mode }

// route hands a served message call to the user of its chat. It never
// blocks the fake: a user whose queue is full is sent nothing more, and
// times out.
func (f *Fake) route(o telegramtest.Observed) {
	if o.Err != nil {
		return
	}
	chat, err := strconv.ParseInt(o.Call.Params["chat_id"], 10, 64)
	if err != nil {
		return
	}
	f.mu.RLock()
	ch := f.users[chat]
	f.mu.RUnlock()
	if ch == nil {
		return
	}
	r := reply{method: o.Call.Method, at: o.Call.At, text: o.Call.Params["text"], markup: o.Call.Params["reply_markup"]}
	switch m := o.Result.(type) {
	case *models.Message:
		r.msgID = m.ID
	default:
		r.msgID, _ = strconv.Atoi(o.Call.Params["message_id"])
	}
	select {
	case ch <- r:
	default:
	}
}

func (f *Fake) attach(id int64, ch chan<- reply) {
	f.mu.Lock()
	f.users[id] = ch
	f.mu.Unlock()
}

func (f *Fake) detach(id int64) {
	f.mu.Lock()
	delete(f.users, id)
	f.mu.Unlock()
}

// deliver hands u to the bot and returns when it has arrived at the fake:
// queued for getUpdates, or answered by the webhook (which answers once
// the update is recorded). Arrival is when deliver is called: in webhook
// mode the wait for a free connection counts, as it does at Telegram.
func (f *Fake) deliver(ctx context.Context, u models.Update) error {
	if f.mode == Polling {
		f.Push(u)
		return nil
	}
	select {
	case f.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.sem }()
	return f.post(ctx, f.UpdateJSON(u))
}

// post sends one webhook call, again (a bounded number of times) when the
// bot answers that it could not record the update.
func (f *Fake) post(ctx context.Context, body []byte) error {
	wh := f.Webhook()
	if wh.URL == "" {
		return errors.New("load: the bot has set no webhook")
	}
	if err := checkLoopback(wh.URL); err != nil {
		return err
	}
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.SecretToken)
		resp, err := f.hc.Do(req)
		if err != nil {
			last = err
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = fmt.Errorf("load: webhook answered %s", resp.Status)
	}
	return last
}

// checkLoopback refuses to send anything off this machine.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("load: %s is not a loopback address", u.Host)
	}
	return nil
}

// update builds the update of one step without queueing it.
func (f *Fake) textUpdate(u telegramtest.User, text string) models.Update {
	return f.TextUpdate(u, text)
}

func (f *Fake) contactUpdate(u telegramtest.User, phone string) models.Update {
	upd := f.TextUpdate(u, "") // a registered message id in the user's chat
	upd.Message.Contact = &models.Contact{PhoneNumber: phone, FirstName: u.FirstName, LastName: u.LastName, UserID: u.ID}
	return upd
}

func (f *Fake) callbackUpdate(u telegramtest.User, msgID int, data string) models.Update {
	upd, _ := f.CallbackUpdate(u, msgID, data)
	return upd
}

// inlineButton is an inline keyboard button in reply_markup JSON.
type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// findButton returns the callback data of the first button of markup whose
// label contains label.
func findButton(markup, label string) (string, bool) {
	var mk struct {
		InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
	}
	if markup == "" || json.Unmarshal([]byte(markup), &mk) != nil {
		return "", false
	}
	for _, row := range mk.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData != "" && strings.Contains(b.Text, label) {
				return b.CallbackData, true
			}
		}
	}
	return "", false
}
