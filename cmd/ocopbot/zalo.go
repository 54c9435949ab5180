package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// zaloGlobalRate is the most messages a second the OA API takes from one
// app (4,000 a minute, ZALO.md §2.4), replies and bulk together.
const zaloGlobalRate = 66

// startZalo wires the Zalo channel: the token source, the sender, the
// signed webhook on mux and its intake on disp.
func (a *app) startZalo(ctx context.Context, disp *bot.Dispatcher, mux *http.ServeMux) (*bot.Intake, error) {
	cfg := a.cfg
	host, _ := os.Hostname()
	a.zaloTokens = zalo.NewTokens(zalo.TokenConfig{
		AppID: cfg.ZaloAppID, AppSecret: string(cfg.ZaloAppSecret), OAuthURL: cfg.ZaloOAuthURL,
		Seed: string(cfg.ZaloRefreshToken), Store: zaloTokenStore{s: sqlite.NewZaloTokens(a.db), key: cfg.ZaloAppID},
		Lease: a.lease, Holder: fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixNano()),
		Now: a.now, Log: a.log, OnFailure: a.zaloTokenFailed,
	})
	tr := a.engine.Translator()
	t := func(id string, data map[string]any) string { return bot.PlainText(tr.T(domain.LocaleVI, id, data)) }
	sc := zalo.SenderConfig{
		APIURL: cfg.ZaloAPIURL, Tokens: a.zaloTokens, Users: a.users,
		Pacer:         bot.NewPacer(cfg.ZaloRate, max(zaloGlobalRate, cfg.ZaloRate+5)),
		DownloadLine:  func(url string) string { return t("zalo.download_link", map[string]any{"URL": url}) },
		NoLinks:       t("zalo.no_public_url", nil),
		ShareTitle:    t("zalo.share_title", nil),
		ShareSubtitle: t("zalo.share_subtitle", nil),
		Log:           a.log,
	}
	if cfg.PublicURL != "" {
		sc.Links = &downloadLinks{a: a}
	}
	sender := zalo.NewSender(sc)
	a.engine.SetSender(zalo.ChannelName, a.metrics.meter(zalo.ChannelName, sender))
	// The replay window is real time, whatever clock the rest runs on.
	hook := &zalo.Webhook{AppID: cfg.ZaloAppID, OASecret: string(cfg.ZaloOASecret), AppSecret: string(cfg.ZaloAppSecret), Log: a.log}
	intake := &bot.Intake{Inbox: inboxAdapter{a.inbox}, Dedup: bot.NewDeduper(a.kv), Dispatcher: disp, Log: a.log}
	hook.Attach(intake)
	n, err := intake.Recover(ctx)
	if err != nil {
		return nil, fmt.Errorf("zalo: recover pending events: %w", err)
	}
	if n > 0 {
		a.log.Info("zalo: pending events handed out again", "count", n)
	}
	mux.Handle(cfg.ZaloWebhookPath, guardWebhook(hook))
	if _, err := a.zaloTokens.Access(ctx); err != nil {
		// The channel still takes events (they wait in the inbox and the
		// replies are retried); /healthz says it is down.
		a.log.Error("zalo: no access token at start", "err", err)
	}
	return intake, nil
}

// zaloTokenFailed tells the admins, on every channel they use, that the
// OA's tokens could not be renewed (once an hour at most).
func (a *app) zaloTokenFailed(err error) {
	a.log.Error("zalo: token refresh failed; the Zalo channel is down until an admin gives a new refresh token", "err", err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	officers, lerr := a.users.Officers(ctx)
	if lerr != nil {
		a.log.Error("zalo: tell the admins", "err", lerr)
		return
	}
	hour := a.now().UTC().Format("2006010215")
	for _, u := range officers {
		if u.Role != domain.RoleAdmin {
			continue
		}
		key := fmt.Sprintf("zalo-token-failed:%s:%d", hour, u.ID)
		if err := a.enqueue(ctx, key, u.Channel, u.ChannelID, bot.Notice{Msg: "zalo.token_failed", Lang: u.Locale}); err != nil {
			a.log.Error("zalo: tell the admins", "err", err)
		}
	}
}

// zaloTokenStore keeps the OA's token pair in SQLite.
type zaloTokenStore struct {
	s   *sqlite.ZaloTokens
	key string
}

func (z zaloTokenStore) LoadTokens(ctx context.Context) (zalo.TokenPair, bool, error) {
	p, ok, err := z.s.Load(ctx, z.key)
	return zalo.TokenPair(p), ok, err
}

func (z zaloTokenStore) SaveTokens(ctx context.Context, p zalo.TokenPair) error {
	return z.s.Save(ctx, z.key, sqlite.ZaloTokenPair(p))
}

// downloadTTL is how long a download link works.
const downloadTTL = 24 * time.Hour

// downloadLinks keeps a file the messenger cannot carry (the .xlsx report
// on Zalo) in the file store and gives an unguessable link to it under
// PUBLIC_URL, for 24 hours.
type downloadLinks struct{ a *app }

type download struct {
	Sum  string `json:"sum"`
	Name string `json:"name"`
	Chat string `json:"chat"`
}

func (d *downloadLinks) Link(ctx context.Context, chatID, name string, data []byte) (string, error) {
	sum, _, err := d.a.blobs.Put(bytes.NewReader(data), int64(len(data))+1)
	if err != nil {
		return "", err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	// The file leaves files/ when the link expires (housekeeping) or the
	// person erases their data.
	if err := sqlite.NewDownloads(d.a.db).Add(ctx, sum, domain.ChannelZalo, chatID, d.a.now().Add(downloadTTL)); err != nil {
		return "", err
	}
	val, _ := json.Marshal(download{Sum: sum, Name: name, Chat: chatID})
	if err := d.a.kv.Set(ctx, "dl:"+token, val, downloadTTL); err != nil {
		return "", err
	}
	return d.a.cfg.PublicURL + "/dl/" + token, nil
}

// serveDownload serves GET /dl/{token}: the file while its link works.
func (a *app) serveDownload(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	raw, ok, err := a.kv.Get(r.Context(), "dl:"+token)
	if err != nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	var d download
	if !ok || len(token) != 48 || json.Unmarshal(raw, &d) != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintln(w, a.engine.T(domain.LocaleVI, "zalo.link_expired", nil))
		return
	}
	f, err := a.blobs.Open(d.Sum)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	// A workbook may take long to reach a slow phone.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(downloadWriteWithin))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", d.Name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if of, ok := f.(*os.File); ok {
		if st, err := of.Stat(); err == nil {
			http.ServeContent(w, r, d.Name, st.ModTime(), of)
			return
		}
	}
	http.Error(w, "not found", http.StatusNotFound)
}
