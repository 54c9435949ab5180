package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// metrics are what GET /metrics shows (the Prometheus text format). The
// hot path only adds to counters and one histogram; queue backlogs, token
// expiry and dependency errors are read when scraped.
type metrics struct {
	reg     *prometheus.Registry
	updates *prometheus.CounterVec   // channel, kind
	latency *prometheus.HistogramVec // channel
	failed  *prometheus.CounterVec   // kind of the error an update ended with
	sends   *prometheus.CounterVec   // channel, path (reply, bulk), outcome
}

// Outcomes of a send.
const (
	outcomeSent    = "sent"
	outcomeBlocked = "blocked"
	outcomeFailed  = "failed"
	outcomeWindow  = "outside_window"
)

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocopbot_updates_total", Help: "Updates handled, by channel and kind (text, command, callback, photo...).",
		}, []string{"channel", "kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ocopbot_update_handling_seconds", Help: "Time to handle one update, replies included, by channel.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"channel"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocopbot_update_errors_total", Help: "Updates whose handling ended with an error, by its kind (unavailable, internal...).",
		}, []string{"kind"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocopbot_sends_total",
			Help: "Messages sent to users by channel, path (reply: answers and notices; bulk: announcements, invitations, reminders) and outcome (sent, blocked, failed, outside_window).",
		}, []string{"channel", "path", "outcome"}),
	}
	m.reg.MustRegister(m.updates, m.latency, m.failed, m.sends,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	return m
}

// watch registers what is read at scrape time: queue backlogs, dependency
// errors, the Zalo tokens and the HTTP connections.
func (m *metrics) watch(a *app, guard *connGuard) {
	m.reg.MustRegister(&scraped{a: a, guard: guard})
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ocopbot_dependency_errors_total", Help: "Errors returned by a dependency (SQLite: not constraint conflicts; Redis: not missing keys).",
		ConstLabels: prometheus.Labels{"dependency": "sqlite"},
	}, func() float64 { return float64(a.db.Errors()) }))
	if a.redis != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ocopbot_dependency_errors_total", Help: "Errors returned by a dependency (SQLite: not constraint conflicts; Redis: not missing keys).",
			ConstLabels: prometheus.Labels{"dependency": "redis"},
		}, func() float64 { return float64(a.redis.Errors()) }))
	}
}

// handler serves GET /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// handle wraps the engine's Handle: it counts the update and times it.
func (m *metrics) handle(next func(context.Context, *bot.Update) error) func(context.Context, *bot.Update) error {
	return func(ctx context.Context, u *bot.Update) error {
		start := time.Now()
		err := next(ctx, u)
		m.updates.WithLabelValues(u.Channel, u.Kind.String()).Inc()
		m.latency.WithLabelValues(u.Channel).Observe(time.Since(start).Seconds())
		if err != nil {
			m.failed.WithLabelValues(domain.ErrorKind(err).String()).Inc()
		}
		return err
	}
}

// bulkPath marks the context of a bulk send, so that the channel's
// metered sender counts it as bulk.
type bulkPath struct{}

// bulkSends is the bulk sender's view of the engine, marking its sends.
type bulkSends struct{ bulk.Sender }

func (b bulkSends) SendReplyTo(ctx context.Context, channel, chatID string, r bot.Reply) (string, error) {
	return b.Sender.SendReplyTo(context.WithValue(ctx, bulkPath{}, true), channel, chatID, r)
}

// meteredSender counts the outcome of each message a channel sends.
type meteredSender struct {
	bot.Sender
	counts map[[2]string]prometheus.Counter // path, outcome
}

func (s *meteredSender) Send(ctx context.Context, chatID string, r bot.Reply) (string, error) {
	id, err := s.Sender.Send(ctx, chatID, r)
	path := "reply"
	if ctx.Value(bulkPath{}) != nil {
		path = "bulk"
	}
	outcome := outcomeSent
	switch {
	case err == nil:
	case errors.Is(err, bot.ErrBlocked):
		outcome = outcomeBlocked
	case errors.Is(err, bot.ErrOutsideWindow):
		outcome = outcomeWindow
	case ctx.Err() != nil:
		return id, err // stopping: neither sent nor failed
	default:
		outcome = outcomeFailed
	}
	s.counts[[2]string{path, outcome}].Inc()
	return id, err
}

// meter returns the sender of a channel counting its sends. The engine
// asks a sender for more than Send (downloads, menus, limits): the
// wrapper offers exactly what the channel's sender offers.
func (m *metrics) meter(channel string, s bot.Sender) bot.Sender {
	ms := &meteredSender{Sender: s, counts: map[[2]string]prometheus.Counter{}}
	for _, path := range []string{"reply", "bulk"} {
		for _, o := range []string{outcomeSent, outcomeBlocked, outcomeFailed, outcomeWindow} {
			ms.counts[[2]string{path, o}] = m.sends.WithLabelValues(channel, path, o)
		}
	}
	d, isD := s.(bot.Downloader)
	cm, isM := s.(bot.ChatMenus)
	l, isL := s.(bot.Limited)
	switch {
	case isD && isM && isL:
		return struct {
			*meteredSender
			bot.Downloader
			bot.ChatMenus
			bot.Limited
		}{ms, d, cm, l}
	case isD && isM:
		return struct {
			*meteredSender
			bot.Downloader
			bot.ChatMenus
		}{ms, d, cm}
	case isD && isL:
		return struct {
			*meteredSender
			bot.Downloader
			bot.Limited
		}{ms, d, l}
	case isD:
		return struct {
			*meteredSender
			bot.Downloader
		}{ms, d}
	case isL:
		return struct {
			*meteredSender
			bot.Limited
		}{ms, l}
	case isM:
		return struct {
			*meteredSender
			bot.ChatMenus
		}{ms, cm}
	}
	return ms
}

// scraped collects, at each scrape, what is read rather than counted.
type scraped struct {
	a     *app
	guard *connGuard
}

var (
	descBacklog = prometheus.NewDesc("ocopbot_backlog", "Rows waiting in a queue: inbox (updates recorded, not yet handled), outbox (notices), bulk (announcement recipients).",
		[]string{"queue"}, nil)
	descOldest = prometheus.NewDesc("ocopbot_backlog_oldest_age_seconds", "Age of the oldest row waiting in a queue (0 when none).",
		[]string{"queue"}, nil)
	descZaloUp      = prometheus.NewDesc("ocopbot_zalo_token_up", "1 when the Zalo OA's tokens work, 0 when a refresh failed.", nil, nil)
	descZaloExpires = prometheus.NewDesc("ocopbot_zalo_access_token_expires_timestamp_seconds", "When the stored Zalo access token stops working (unix time).", nil, nil)
	descZaloIssued  = prometheus.NewDesc("ocopbot_zalo_refresh_token_issued_timestamp_seconds", "When the stored Zalo refresh token was issued (it lasts three months; unix time).", nil, nil)
	descConns       = prometheus.NewDesc("ocopbot_http_connections", "Open connections of HTTP_ADDR.", nil, nil)
	descShed        = prometheus.NewDesc("ocopbot_http_connections_shed_total", "Connections closed to make room under HTTP_MAX_CONNS (idle or slow ones).", nil, nil)
	descRefused     = prometheus.NewDesc("ocopbot_http_connections_refused_total", "Connections refused: HTTP_MAX_CONNS reached with every connection busy.", nil, nil)
)

func (s *scraped) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBacklog, descOldest, descZaloUp, descZaloExpires, descZaloIssued, descConns, descShed, descRefused} {
		ch <- d
	}
}

func (s *scraped) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := s.a.now()
	outbox, bulkQ, err := s.a.db.Backlogs(ctx)
	var inbox sqlite.Backlog
	if err == nil {
		inbox, err = s.a.inbox.Backlog(ctx)
	}
	if err != nil {
		s.a.log.Warn("metrics: backlogs", "err", err)
	} else {
		for name, b := range map[string]sqlite.Backlog{"inbox": inbox, "outbox": outbox, "bulk": bulkQ} {
			age := 0.0
			if b.Count > 0 && !b.Oldest.IsZero() {
				age = max(now.Sub(b.Oldest).Seconds(), 0)
			}
			ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(b.Count), name)
			ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age, name)
		}
	}
	if s.a.zaloTokens != nil {
		up := 1.0
		if s.a.zaloTokens.Health() != nil {
			up = 0
		}
		ch <- prometheus.MustNewConstMetric(descZaloUp, prometheus.GaugeValue, up)
		p, ok, err := sqlite.NewZaloTokens(s.a.db).Load(ctx, s.a.cfg.ZaloAppID)
		switch {
		case err != nil:
			s.a.log.Warn("metrics: zalo tokens", "err", err)
		case ok:
			ch <- prometheus.MustNewConstMetric(descZaloExpires, prometheus.GaugeValue, float64(p.AccessExpires.Unix()))
			ch <- prometheus.MustNewConstMetric(descZaloIssued, prometheus.GaugeValue, float64(p.RefreshIssued.Unix()))
		}
	}
	if s.guard != nil {
		open, shed, refused := s.guard.counts()
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(open))
		ch <- prometheus.MustNewConstMetric(descShed, prometheus.CounterValue, float64(shed))
		ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(refused))
	}
}

// livez answers 200 while the process serves HTTP (liveness: restart it
// when this stops answering).
func (a *app) livez(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

// readyz reports each dependency, one per line, and answers 200 only when
// all work (readiness: send traffic here only then): SQLite answers and
// records a write (a full disk or a read-only file fails it), Redis (when
// configured) answers, the Zalo tokens (when configured) work. /healthz is
// the same.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	type check struct {
		name string
		err  error
	}
	checks := []check{{"sqlite", a.db.Ping(ctx)}}
	if checks[0].err == nil {
		checks = append(checks, check{"sqlite_write", a.db.CheckWrite(ctx)})
	}
	if a.redis != nil {
		checks = append(checks, check{"redis", a.redis.Ping(ctx)})
	}
	if a.zaloTokens != nil {
		checks = append(checks, check{"zalo", a.zaloTokens.Health()})
	}
	var b strings.Builder
	code := http.StatusOK
	for _, c := range checks {
		if c.err == nil {
			b.WriteString(c.name + ": ok\n")
			continue
		}
		code = http.StatusServiceUnavailable
		a.log.Warn("not ready", "dependency", c.name, "err", c.err)
		switch c.name {
		case "zalo":
			b.WriteString("zalo: down (the OA token could not be renewed)\n")
		case "sqlite_write":
			b.WriteString("sqlite_write: failed (disk full or database read-only?)\n")
		default:
			b.WriteString(c.name + ": unavailable\n")
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	io.WriteString(w, b.String())
}
