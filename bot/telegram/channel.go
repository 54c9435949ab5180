package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bot"
)

// AllowedUpdates are the update types the bot asks Telegram for.
var AllowedUpdates = []string{"message", "callback_query", "my_chat_member"}

// Config configures the channel.
type Config struct {
	Token         string
	APIURL        string // "https://api.telegram.org" or a local server / fake
	WebhookURL    string // empty: long polling
	WebhookSecret string
	PollTimeout   time.Duration // long-poll timeout of getUpdates; default 25 s
	Log           *slog.Logger
}

// Channel is a running Telegram channel.
type Channel struct {
	cfg      Config
	API      *tgbot.Bot
	Sender   *Sender
	Decoder  *Decoder
	intake   *bot.Intake
	http     *http.Client
	log      *slog.Logger
	Username string
}

// Dial checks the token with getMe and prepares the client and sender.
func Dial(ctx context.Context, cfg Config, users BlockMarker) (*Channel, error) {
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 25 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	// http.DefaultTransport keeps 2 idle connections per host: with more
	// replies sent at once, every further call dialled a new connection
	// (see BENCHMARKS.md). Keep one per concurrent call.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 128, 128
	hc := &http.Client{Timeout: cfg.PollTimeout + 15*time.Second, Transport: wholeBodies{next: serverErrors{tr}}}
	api, err := tgbot.New(cfg.Token, tgbot.WithServerURL(strings.TrimRight(cfg.APIURL, "/")),
		tgbot.WithHTTPClient(cfg.PollTimeout, hc), tgbot.WithSkipGetMe(),
		tgbot.WithErrorsHandler(func(err error) { cfg.Log.Warn("telegram client", "err", redact(err.Error(), cfg.Token)) }))
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	me, err := api.GetMe(ctx)
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe: %s", redact(err.Error(), cfg.Token))
	}
	ch := &Channel{cfg: cfg, API: api, http: hc, log: cfg.Log, Username: me.Username}
	ch.Sender = NewSender(api, users, cfg.Log)
	ch.Sender.direct = newDirect(cfg.APIURL, cfg.Token, hc)
	ch.Decoder = &Decoder{BotUsername: me.Username}
	return ch, nil
}

// Attach gives the channel its intake (inbox, de-duplication, dispatcher).
func (ch *Channel) Attach(in *bot.Intake) {
	in.Channel = ChannelName
	in.Decode = ch.Decoder.Decode
	ch.intake = in
}

// SetCommands registers the command menu in Vietnamese.
func (ch *Channel) SetCommands(ctx context.Context, cmds []bot.MenuCommand) error {
	list := make([]models.BotCommand, 0, len(cmds))
	for _, c := range cmds {
		list = append(list, models.BotCommand{Command: c.Name, Description: c.Description})
	}
	_, err := ch.API.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: list, Scope: &models.BotCommandScopeDefault{}})
	return err
}

// Start recovers the updates left pending by the last run, then sets the
// webhook or removes it for long polling.
func (ch *Channel) Start(ctx context.Context) error {
	n, err := ch.intake.Recover(ctx)
	if err != nil {
		return fmt.Errorf("telegram: recover pending updates: %w", err)
	}
	if n > 0 {
		ch.log.Info("telegram: pending updates handed out again", "count", n)
	}
	if ch.cfg.WebhookURL != "" {
		_, err = ch.API.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: ch.cfg.WebhookURL, SecretToken: ch.cfg.WebhookSecret, AllowedUpdates: AllowedUpdates})
		if err != nil {
			return fmt.Errorf("telegram: setWebhook: %s", redact(err.Error(), ch.cfg.Token))
		}
		return nil
	}
	if _, err := ch.API.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("telegram: deleteWebhook: %s", redact(err.Error(), ch.cfg.Token))
	}
	return nil
}

// Poll long-polls getUpdates until ctx ends. An update batch is recorded
// before the next offset acknowledges it to Telegram.
func (ch *Channel) Poll(ctx context.Context) error {
	offset, err := ch.intake.Inbox.NextOffset(ctx, ChannelName)
	if err != nil {
		return err
	}
	backoff := time.Second
	for ctx.Err() == nil {
		raws, err := ch.getUpdates(ctx, offset)
		if err == nil {
			var items []bot.InboxItem
			items, err = ch.toItems(raws)
			if err == nil && len(items) > 0 {
				if err = ch.intake.Accept(ctx, items); err == nil {
					offset = items[len(items)-1].UpdateID + 1
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, errUnauthorized) {
				return err
			}
			ch.log.Warn("telegram: getUpdates", "err", redact(err.Error(), ch.cfg.Token), "retry_in", backoff.String())
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = time.Second
	}
	return nil
}

var errUnauthorized = errors.New("telegram: the bot token was refused")

func (ch *Channel) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(ch.cfg.PollTimeout / time.Second), "allowed_updates": AllowedUpdates,
	})
	url := strings.TrimRight(ch.cfg.APIURL, "/") + "/bot" + ch.cfg.Token + "/getUpdates"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := ch.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: %d: %w", resp.StatusCode, err)
	}
	if !r.OK {
		if r.ErrorCode == http.StatusUnauthorized {
			return nil, errUnauthorized
		}
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}

// toItems reads the id and sender of each raw update, and converts it once
// for the handling (Decoded).
func (ch *Channel) toItems(raws []json.RawMessage) ([]bot.InboxItem, error) {
	items := make([]bot.InboxItem, 0, len(raws))
	for _, raw := range raws {
		var u models.Update
		decoded := true
		if err := json.Unmarshal(raw, &u); err != nil {
			decoded = false
			// Keep it anyway: its id must be acknowledged, and the decoder
			// will log and drop it.
			var id struct {
				UpdateID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &id) != nil {
				return nil, fmt.Errorf("update without an id: %w", err)
			}
			u.ID = id.UpdateID
		}
		it := bot.InboxItem{Channel: ChannelName, UpdateID: u.ID, UserKey: userKeyOf(&u), Payload: raw, Decoded: decoded}
		if decoded {
			it.Update = ch.Decoder.Convert(&u)
		}
		items = append(items, it)
	}
	return items, nil
}

// WebhookHandler serves Telegram's webhook calls: a missing or wrong
// secret-token header gets 401 and nothing is processed; an update is
// answered 200 only once it is recorded.
func (ch *Channel) WebhookHandler() http.Handler {
	secret := []byte(ch.cfg.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if subtle.ConstantTimeCompare(got, secret) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		items, err := ch.toItems([]json.RawMessage{raw})
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := ch.intake.Accept(r.Context(), items); err != nil {
			ch.log.Error("telegram webhook: record update", "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// redact removes the token from a message.
func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "***")
}

// wholeBodies sends a request body of unknown length (go-telegram/bot
// streams its multipart form through a pipe, so every call went out
// chunked, in many small writes: 17% of the bot's CPU under load, see
// BENCHMARKS.md) with its length, in one piece, when it is small; a large
// one (a workbook, a photo) still streams after its first part.
type wholeBodies struct{ next http.RoundTripper }

// wholeBodyMax is the largest body read before sending.
const wholeBodyMax = 256 << 10

func (t wholeBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength > 0 {
		return t.next.RoundTrip(r)
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, wholeBodyMax+1))
	if err != nil {
		r.Body.Close()
		return nil, err
	}
	out := r.Clone(r.Context())
	if len(head) <= wholeBodyMax {
		r.Body.Close()
		out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(head)), int64(len(head))
		if len(head) == 0 {
			out.Body = http.NoBody // a length of 0 with a body means "unknown"
		}
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(head)), nil }
	} else {
		out.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	}
	return t.next.RoundTrip(out)
}

// ServerError is a 5xx answer of the Bot API, or of a proxy in front of
// it (whose body is not the API's JSON): the call may be tried again.
type ServerError struct{ Status int }

func (e *ServerError) Error() string { return fmt.Sprintf("telegram: server error %d", e.Status) }

// serverErrors turns a 5xx answer into a *ServerError, so that the sender
// can tell it from the API's refusals by type.
type serverErrors struct{ next http.RoundTripper }

func (t serverErrors) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode < 500 {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return nil, &ServerError{Status: resp.StatusCode}
}
