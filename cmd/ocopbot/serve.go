package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/bot/console"
	"github.com/ocop-tayninh/ocopbot/bot/telegram"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/handlers"
	"github.com/ocop-tayninh/ocopbot/locales"
	"github.com/ocop-tayninh/ocopbot/report"
	"github.com/ocop-tayninh/ocopbot/storage/blob"
	"github.com/ocop-tayninh/ocopbot/storage/redis"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// app is everything wired together.
type app struct {
	cfg       *Config
	log       *slog.Logger
	now       func() time.Time
	db        *sqlite.DB
	redis     *redis.Store
	kv        bot.KV
	sessions  *bot.SessionStore
	users     *sqlite.UserStore
	products  *sqlite.ProductStore
	inbox     *sqlite.Inbox
	inboxDB   *sqlite.DB // the inbox's own file
	outbox    *sqlite.Outbox
	lease     bot.Lease
	engine    *bot.Engine
	reminders *handlers.Reminders
	expiry    *handlers.Expiry // certificates past their last valid day (issue 11)
	worker    atomic.Pointer[bot.OutboxWorker]
	bulk      *bulk.Worker           // events.go: announcements, invitations
	events    *sqlite.EventStore     // events.go
	jobs      *sqlite.JobStore       // events.go
	botName   atomic.Pointer[string] // the Telegram bot's username, for deep links
	report    report.Source          // figures.go: what the workbook reads (/baocao, export)
	metrics   *metrics               // metrics.go: GET /metrics
	blobs     *blob.Store
	// zaloTokens is the Zalo OA's token source (zalo.go), nil without Zalo.
	zaloTokens *zalo.Tokens
}

// serve wires the bot and runs the console or the Telegram channel until
// ctx ends.
func serve(ctx context.Context, cfg *Config, stdin io.Reader, stdout, stderr io.Writer) error {
	level := cfg.LogLevel
	if cfg.Console && level < slog.LevelWarn {
		level = slog.LevelWarn // keep the terminal for the conversation
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	a, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if cfg.Console {
		if cfg.TelegramToken == "" && !cfg.Zalo() {
			fmt.Fprintln(stdout, a.engine.Translator().T("vi", "console.banner", nil))
		}
		con := console.New(stdin, stdout, strconv.FormatInt(cfg.ConsoleUser, 10), "", func(id string) string {
			return a.engine.Translator().T("vi", id, nil)
		})
		if cfg.ConsoleChannel == "zalo" {
			fmt.Fprintln(stdout, a.engine.Translator().T("vi", "console.zalo_banner", nil))
			con.LikeZalo()
		}
		a.engine.SetSender(console.ChannelName, con)
		defer a.serveConsoleHTTP(ctx)()
		return con.Run(ctx, a.engine.Handle)
	}
	return a.serveChannels(ctx)
}

// build opens the stores and wires the engine and handlers.
func build(ctx context.Context, cfg *Config, log *slog.Logger) (*app, error) {
	now := cfg.now
	if now == nil {
		now = time.Now
	}
	places, err := loadPlaces(cfg.PlacesFile)
	if err != nil {
		return nil, err
	}
	plan, err := planOf(cfg)
	if err != nil {
		return nil, err
	}
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		return nil, fmt.Errorf("rulebooks: %w", err)
	}
	if cfg.Rules != "" {
		if _, err := rules.ForNewDossier(now(), cfg.Rules); err != nil {
			return nil, fmt.Errorf("RULES: %w", err)
		}
	}
	calendar, err := domain.DefaultCalendar()
	if err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		return nil, err
	}
	if err := tr.Define(placeWords(places, plan, cfg.ProvinceCode)); err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, cfg.DBPath, now)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", cfg.DBPath, err)
	}
	blobs, err := blob.Open(filepath.Join(filepath.Dir(cfg.DBPath), "files"))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("file store: %w", err)
	}
	// The inbox has a file of its own (sqlite.OpenInboxDB says why); what
	// an older version left in the main file's inbox moves there first.
	inboxPath := sqlite.InboxPath(cfg.DBPath)
	idb, err := sqlite.OpenInboxDB(ctx, inboxPath, now)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("inbox %s: %w", inboxPath, err)
	}
	a := &app{cfg: cfg, log: log, now: now, db: db, inboxDB: idb, blobs: blobs, users: sqlite.NewUserStore(db), inbox: sqlite.NewInbox(idb), metrics: newMetrics(),
		products: sqlite.NewProductStore(db), outbox: sqlite.NewOutbox(db)}
	if n, err := a.inbox.MoveFrom(ctx, db); err != nil {
		a.close()
		return nil, fmt.Errorf("inbox %s: %w", inboxPath, err)
	} else if n > 0 {
		log.Info("inbox moved to its own file", "updates", n, "file", inboxPath)
	}
	var leases leaseStore = sqlite.NewLeases(db)
	if cfg.RedisURL != "" {
		redis.SetLogger(log)
		rs, err := redis.Open(ctx, string(cfg.RedisURL))
		if err != nil {
			a.close()
			return nil, fmt.Errorf("redis: %w", err)
		}
		rs = rs.WithPrefix(cfg.RedisPrefix)
		a.redis, a.kv, leases = rs, rs, rs
	} else {
		a.kv = sqlite.NewKV(db)
	}
	a.lease = newTakeoverLease(leases, log)
	admins := cfg.AdminKeys()
	a.sessions = bot.NewSessionStore(a.kv)
	a.engine = bot.New(bot.Config{
		Users: a.users, Sessions: a.sessions, Dedup: bot.NewDeduper(a.kv),
		Translator: tr, Logger: log, Admins: admins, Now: now, Saves: savesAdapter{db: db, s: sqlite.NewSaves(db)},
		// Redis may come back empty; the embedded store keeps the sessions
		// with the rest of the data.
		MarkForms: a.redis != nil,
	})
	if cfg.UserRate > 0 {
		// One person flooding the bot is asked to slow down; the others
		// are served as usual.
		a.engine.Use(bot.FloodLimit(max(1, cfg.UserRate/2), time.Minute/time.Duration(cfg.UserRate), "trust.slow_down", now))
	}
	a.wireEvents()
	err = handlers.Register(a.engine, handlers.Deps{
		Users: a.users, Subjects: sqlite.NewSubjectStore(db), Products: a.products,
		Dossiers: sqlite.NewDossierStore(db), Blobs: blobs, Sniff: blob.Sniff, Places: places,
		Rules: rules, Calendar: calendar, PinnedRules: cfg.Rules, ProvinceCode: cfg.ProvinceCode,
		Location: cfg.Location, Now: now, Enqueue: a.enqueue, Search: sqlite.NewSearchStore(db), Staff: a.users, Queue: a.products,
		Events: a.events, Jobs: a.jobs, Kick: a.bulk.Kick, DeepLink: a.deepLink,
		Plan: plan, Figures: sqlite.NewFigureStore(db), Budget: sqlite.NewBudgetStore(db),
		Showrooms: sqlite.NewShowroomStore(db), ReportData: sqlite.NewReportStore(db), Attendance: attendanceOf(a.events),
		ReportEvents: eventsOf(a.events, tr), Monitoring: sqlite.NewMonitoringStore(db),
		Public: sqlite.NewPublicStore(db), PublicURL: cfg.PublicURL, Tickets: sqlite.NewTicketStore(db),
		Privacy: sqlite.NewPrivacyStore(db), Log: log,
	})
	if err != nil {
		a.close()
		return nil, fmt.Errorf("routes: %w", err)
	}
	a.report = reportSource(db, plan, places, rules, attendanceOf(a.events), eventsOf(a.events, tr))
	a.reminders = &handlers.Reminders{Products: a.products, Users: a.users, Enqueue: a.enqueue,
		Rules: rules, Calendar: calendar, Location: cfg.Location,
		Tickets: sqlite.NewTicketStore(db), Officers: a.users, Places: places}
	a.expiry = &handlers.Expiry{Products: a.products, Users: a.users, Enqueue: a.enqueue,
		Rules: rules, Location: cfg.Location, PinnedRules: cfg.Rules}
	return a, nil
}

// placeWords are what the messages say of the province that runs the bot,
// taken from its data (bot.Translator.Define): its name from the plan, its
// province code, and its first two communes of the places file as the
// examples of a place to type (their short names, folded as a farmer types
// them, and the second's full name and the first's code). Their names all
// begin with "Home", which no handler gives as data: Define fills them
// into every template ("Place" is an event's place).
func placeWords(places *domain.Places, plan *domain.Plan, provinceCode string) map[string]string {
	all := places.All()
	first, second := all[0], all[min(1, len(all)-1)]
	return map[string]string{
		"HomeProvince":     plan.Province.Name,
		"HomeProvinceCode": provinceCode,
		"HomePlace":        first.ShortName(),
		"HomePlaceTyped":   domain.Fold(first.ShortName()),
		"HomePlaceCode":    first.Code,
		"HomePlace2":       second.ShortName(),
		"HomePlaceTyped2":  domain.Fold(second.ShortName()),
		"HomePlaceFull2":   second.Name,
	}
}

func loadPlaces(path string) (*domain.Places, error) {
	if path == "" {
		return domain.DefaultPlaces()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("PLACES_FILE: %w", err)
	}
	defer f.Close()
	p, err := domain.LoadPlaces(f)
	if err != nil {
		return nil, fmt.Errorf("PLACES_FILE %s: %w", path, err)
	}
	return p, nil
}

func (a *app) close() {
	if a.redis != nil {
		a.redis.Close()
	}
	a.inboxDB.Close()
	a.db.Close()
}

// serveChannels runs the configured channels (Telegram, Zalo or both)
// with one dispatcher, outbox and bulk sender, and the HTTP server (health,
// webhooks, download links); on stop it drains in-flight updates.
func (a *app) serveChannels(ctx context.Context) error {
	cfg := a.cfg
	// Handling outlives the intake: after a stop is asked for, updates
	// already recorded are finished before the process exits.
	handleCtx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	disp := bot.NewDispatcher(handleCtx, a.metrics.handle(a.engine.Handle), 64, a.log)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", a.livez)
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.HandleFunc("GET /healthz", a.readyz)
	mux.Handle("GET /metrics", a.metrics.handler())
	mux.HandleFunc("GET /dl/{token}", a.serveDownload)
	if err := a.mountPublic(mux); err != nil {
		return err
	}

	var intakes []*bot.Intake
	var ch *telegram.Channel
	if cfg.TelegramToken != "" {
		var err error
		ch, err = telegram.Dial(ctx, telegram.Config{
			Token: string(cfg.TelegramToken), APIURL: cfg.TelegramAPIURL,
			WebhookURL: cfg.WebhookURL, WebhookSecret: string(cfg.WebhookSecret), Log: a.log,
		}, a.users)
		if err != nil {
			return err
		}
		a.engine.SetSender(telegram.ChannelName, a.metrics.meter(telegram.ChannelName, ch.Sender))
		a.paceTelegram(ch)
		intake := &bot.Intake{Inbox: inboxAdapter{a.inbox}, Dedup: bot.NewDeduper(a.kv), Dispatcher: disp, Log: a.log}
		ch.Attach(intake)
		intakes = append(intakes, intake)
		if err := ch.SetCommands(ctx, a.engine.Menu(domain.LocaleVI, false)); err != nil {
			a.log.Warn("setMyCommands failed", "err", err)
		}
		a.officerMenus(ctx)
		if err := ch.Start(ctx); err != nil {
			return err
		}
		if cfg.WebhookURL != "" {
			mux.Handle(cfg.WebhookPath, guardWebhook(ch.WebhookHandler()))
		}
	}
	if cfg.Zalo() {
		intake, err := a.startZalo(ctx, disp, mux)
		if err != nil {
			return err
		}
		intakes = append(intakes, intake)
	}
	worker := a.outboxWorker()
	a.worker.Store(worker)

	tcp, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	ln := newConnGuard(tcp, cfg.HTTPMaxConns)
	srv := newHTTPServer(mux, ln, a.log)
	a.metrics.watch(a, ln)
	attrs := []any{"http", ln.Addr().String(), "store", a.storeName()}
	if ch != nil {
		attrs = append(attrs, "bot", ch.Username, "mode", mode(cfg))
	}
	if cfg.Zalo() {
		attrs = append(attrs, "zalo", cfg.ZaloWebhookPath)
	}
	a.log.Info("ocopbot started", attrs...)

	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = worker.Run(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.housekeeping(ctx, time.Hour)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Sessions that could not be written while Redis was down go
		// there again once it is back.
		a.sessions.RunFlush(ctx, 2*time.Second, a.log)
	}()
	if a.zaloTokens != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.zaloTokens.Run(ctx)
		}()
	}
	a.runBulk(ctx, &wg)
	if ch != nil && cfg.WebhookURL == "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ch.Poll(ctx); err != nil {
				errc <- err
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	// Stop intake first, then let in-flight updates finish.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	drained := make(chan struct{})
	go func() {
		disp.Wait()
		for _, in := range intakes {
			in.Flush()
		}
		if err := a.engine.FlushMarks(shutdownCtx); err != nil {
			a.log.Warn("stop: open-form marks not written", "err", err)
		}
		if n := a.sessions.Pending(); n > 0 {
			if err := a.sessions.Flush(shutdownCtx); err != nil {
				a.log.Warn("stop: sessions not written again to the store", "sessions", n, "err", err)
			}
		}
		close(drained)
	}()
	select {
	case <-drained:
	case <-shutdownCtx.Done():
		a.log.Warn("stop: updates still in flight were left pending for the next start")
		hardStop()
	}
	if runErr == nil {
		// Poll returns once ctx is done; wait for it.
		waitOrTimeout(&wg, 5*time.Second)
	}
	a.log.Info("ocopbot stopped")
	return runErr
}

func waitOrTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func mode(cfg *Config) string {
	if cfg.WebhookURL != "" {
		return "webhook"
	}
	return "polling"
}

func (a *app) storeName() string {
	if a.redis != nil {
		return "redis"
	}
	return "embedded"
}

// inboxKeep is how long handled updates stay in the inbox (de-duplication
// of late re-deliveries is kept by the offset and the dedup marks).
const inboxKeep = 7 * 24 * time.Hour

// housekeeping prunes handled updates and, for the embedded store,
// expired keys, every interval until ctx ends.
func (a *app) housekeeping(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var retentionDay string
	for {
		if n, err := a.inbox.Prune(ctx, a.now().Add(-inboxKeep)); err != nil && ctx.Err() == nil {
			a.log.Warn("housekeeping: inbox", "err", err)
		} else if n > 0 {
			a.log.Info("housekeeping: inbox pruned", "rows", n)
		}
		if kv, ok := a.kv.(*sqlite.KV); ok {
			if _, err := kv.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("housekeeping: kv", "err", err)
			}
		}
		// A confirmation older than a session's life is only a stale button.
		if _, err := sqlite.NewSaves(a.db).Purge(ctx, a.now().Add(-bot.SessionTTL)); err != nil && ctx.Err() == nil {
			a.log.Warn("housekeeping: saves", "err", err)
		}
		if sums, err := sqlite.NewDownloads(a.db).Expire(ctx, a.now()); err != nil && ctx.Err() == nil {
			a.log.Warn("housekeeping: download files", "err", err)
		} else {
			for _, sum := range sums {
				if err := a.blobs.Remove(sum); err != nil {
					a.log.Warn("housekeeping: download file", "err", err)
				}
			}
		}
		if day := a.now().Format(time.DateOnly); day != retentionDay {
			// Once a day: people who never registered, silent too long.
			if n, err := handlers.PurgeInactive(ctx, sqlite.NewPrivacyStore(a.db), a.blobs, a.now(), a.log); err != nil && ctx.Err() == nil {
				a.log.Warn("housekeeping: retention", "err", err)
			} else {
				retentionDay = day
				if n > 0 {
					a.log.Info("housekeeping: inactive people erased", "accounts", n)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// officerMenus gives every officer's chat (and the configured admins') the
// officers' command menu; the others keep the producers' menu.
func (a *app) officerMenus(ctx context.Context) {
	done := map[string]bool{}
	officers, err := a.users.Officers(ctx)
	if err != nil {
		a.log.Warn("officer menus", "err", err)
	}
	for _, u := range officers {
		if u.Channel != telegram.ChannelName {
			continue
		}
		done[u.ChannelID] = true
		if err := a.engine.SetChatMenu(ctx, u.Channel, u.ChannelID, u.Locale, true); err != nil {
			a.log.Warn("officer menu", "user", u.ChannelID, "err", err)
		}
	}
	for _, id := range a.cfg.AdminIDs {
		if !done[id] && !strings.HasPrefix(id, "zalo:") {
			// An admin who never wrote to the bot has no chat yet: ignore.
			_ = a.engine.SetChatMenu(ctx, telegram.ChannelName, id, domain.LocaleVI, true)
		}
	}
}

// outboxWorker sends reminders and notices while this process holds the lease.
func (a *app) outboxWorker() *bot.OutboxWorker {
	host, _ := os.Hostname()
	return &bot.OutboxWorker{
		Outbox: outboxStore{a.outbox}, Lease: a.lease, Engine: a.engine,
		Holder: fmt.Sprintf("%s-%d-%d", host, os.Getpid(), a.now().UnixNano()),
		Now:    a.now, Interval: 2 * time.Second, Schedule: a.schedule, Log: a.log,
	}
}

// schedule runs, while the outbox lease is held, what is due by the clock:
// expiries first (a certificate expired overnight gets no reminder), then
// the reminders.
func (a *app) schedule(ctx context.Context, now time.Time) error {
	if err := a.expiry.Due(ctx, now); err != nil {
		return err
	}
	return a.reminders.Due(ctx, now)
}

// enqueue queues a notice for one chat under a unique key.
func (a *app) enqueue(ctx context.Context, key, channel, chatID string, n bot.Notice) error {
	payload, err := json.Marshal(n)
	if err != nil {
		return err
	}
	_, err = a.outbox.Enqueue(ctx, sqlite.OutboxMessage{Key: key, Kind: "notice", Channel: channel, ChatID: chatID, Payload: payload})
	if w := a.worker.Load(); err == nil && w != nil {
		w.Wake()
	}
	return err
}

// outboxStore presents the SQLite outbox to the engine: the marks are the
// store's own; only a claimed row is translated, as the engine needs less
// of it than the store keeps (kind, state, last error, not-before).
type outboxStore struct{ *sqlite.Outbox }

func (s outboxStore) Claim(ctx context.Context, now time.Time, limit int) ([]bot.Outgoing, error) {
	rows, err := s.Outbox.Claim(ctx, now, limit)
	out := make([]bot.Outgoing, len(rows))
	for i, m := range rows {
		out[i] = bot.Outgoing{ID: m.ID, Key: m.Key, Channel: m.Channel, ChatID: m.ChatID, Payload: m.Payload, Attempts: m.Attempts}
	}
	return out, err
}

// savesAdapter presents the SQLite saves, and the Atomic of a save, to
// the engine.
type savesAdapter struct {
	db *sqlite.DB
	s  *sqlite.Saves
}

func (a savesAdapter) Saved(ctx context.Context, channel, user, key string) (string, string, bool, error) {
	return a.s.Saved(ctx, channel, user, key)
}

func (a savesAdapter) Begin(ctx context.Context) (context.Context, bot.SaveTx, error) {
	actx, t, err := a.db.Begin(ctx)
	if err != nil {
		return ctx, nil, err
	}
	return actx, saveTx{t: t, s: a.s}, nil
}

// saveTx records a save in its Atomic, then commits.
type saveTx struct {
	t *sqlite.Atomic
	s *sqlite.Saves
}

func (t saveTx) Commit(ctx context.Context, channel, user, key, flow, ref string) error {
	if err := t.s.Record(ctx, channel, user, key, flow, ref); err != nil {
		t.t.Rollback()
		return err
	}
	return t.t.Commit()
}

func (t saveTx) Rollback() { t.t.Rollback() }

// inboxAdapter presents the SQLite inbox to the engine: MarkDone and
// NextOffset are the store's own; the items are translated, as the engine's
// carry the update the channel decoded, which storage (importing only
// domain) does not know.
type inboxAdapter struct{ *sqlite.Inbox }

func (i inboxAdapter) RecordBatch(ctx context.Context, channel string, items []bot.InboxItem) ([]bot.InboxItem, error) {
	rows := make([]sqlite.InboxItem, len(items))
	for k, it := range items {
		rows[k] = sqlite.InboxItem{Channel: it.Channel, UpdateID: it.UpdateID, UserKey: it.UserKey, Payload: it.Payload}
	}
	fresh, err := i.Inbox.RecordBatch(ctx, channel, rows)
	if err != nil {
		return nil, err
	}
	// The new ones as given, with the update the channel decoded.
	given := make(map[int64]bot.InboxItem, len(items))
	for _, it := range items {
		if _, ok := given[it.UpdateID]; !ok {
			given[it.UpdateID] = it
		}
	}
	out := make([]bot.InboxItem, len(fresh))
	for k, r := range fresh {
		out[k] = given[r.UpdateID]
		out[k].Channel = r.Channel
	}
	return out, nil
}

func (i inboxAdapter) Pending(ctx context.Context, channel string) ([]bot.InboxItem, error) {
	rows, err := i.Inbox.Pending(ctx, channel)
	return fromRows(rows), err
}

func fromRows(rows []sqlite.InboxItem) []bot.InboxItem {
	out := make([]bot.InboxItem, len(rows))
	for k, r := range rows {
		out[k] = bot.InboxItem{Channel: r.Channel, UpdateID: r.UpdateID, UserKey: r.UserKey, Payload: r.Payload}
	}
	return out
}
