package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/telegram"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
)

// scrape returns GET /metrics as metric name with labels -> value.
func (h *harness) scrape() map[string]float64 {
	h.t.Helper()
	resp, err := http.Get("http://" + h.env["HTTP_ADDR"] + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		h.t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			h.t.Fatalf("/metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// get returns GET path's status and body.
func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	resp, err := http.Get("http://" + h.env["HTTP_ADDR"] + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsAreScraped: with Zalo and Telegram served and Redis as the
// store, /metrics shows updates by channel and kind, the handling time,
// replies and bulk sends by outcome (a Telegram user who blocked the bot
// counts as blocked), the queues, dependency errors, the Zalo tokens, the
// HTTP connections and the process; /livez and /readyz report each
// dependency.
func TestMetricsAreScraped(t *testing.T) {
	h := newMatrix(t, "zalo", "redis")
	h.start()
	p := h.user(641, "Lụa")
	p.Send("/trogiup")
	p.Expect("help.text")
	q := h.tgUser(642, "Sen")
	q.Send("/trogiup")
	q.Expect("help.text")

	db := h.openDB()
	seedUsers(t, db, 64300, 3)
	h.api.BlockChat(64302)
	job := createAnnouncementJob(t, db, "metrics-1", "Thông báo đo đếm")
	waitJobDone(t, h, db, job.ID)

	m := h.scrape()
	for name, want := range map[string]func(float64) bool{
		`ocopbot_updates_total{channel="zalo",kind="command"}`:                     func(v float64) bool { return v >= 1 },
		`ocopbot_updates_total{channel="telegram",kind="command"}`:                 func(v float64) bool { return v >= 1 },
		`ocopbot_update_handling_seconds_count{channel="zalo"}`:                    func(v float64) bool { return v >= 1 },
		`ocopbot_update_handling_seconds_bucket{channel="telegram",le="+Inf"}`:     func(v float64) bool { return v >= 1 },
		`ocopbot_sends_total{channel="zalo",outcome="sent",path="reply"}`:          func(v float64) bool { return v >= 1 },
		`ocopbot_sends_total{channel="telegram",outcome="sent",path="reply"}`:      func(v float64) bool { return v >= 1 },
		`ocopbot_sends_total{channel="telegram",outcome="sent",path="bulk"}`:       func(v float64) bool { return v >= 2 },
		`ocopbot_sends_total{channel="telegram",outcome="blocked",path="bulk"}`:    func(v float64) bool { return v == 1 },
		`ocopbot_sends_total{channel="telegram",outcome="failed",path="reply"}`:    func(v float64) bool { return v == 0 },
		`ocopbot_sends_total{channel="zalo",outcome="outside_window",path="bulk"}`: func(v float64) bool { return v == 0 },
		`ocopbot_backlog{queue="inbox"}`:                                           func(v float64) bool { return v == 0 },
		`ocopbot_backlog{queue="outbox"}`:                                          func(v float64) bool { return v >= 0 },
		`ocopbot_backlog{queue="bulk"}`:                                            func(v float64) bool { return v == 0 },
		`ocopbot_backlog_oldest_age_seconds{queue="inbox"}`:                        func(v float64) bool { return v == 0 },
		`ocopbot_dependency_errors_total{dependency="sqlite"}`:                     func(v float64) bool { return v == 0 },
		`ocopbot_dependency_errors_total{dependency="redis"}`:                      func(v float64) bool { return v == 0 },
		`ocopbot_zalo_token_up`:                                                    func(v float64) bool { return v == 1 },
		`ocopbot_zalo_access_token_expires_timestamp_seconds`:                      func(v float64) bool { return v > float64(time.Now().Unix()) },
		`ocopbot_http_connections`:                                                 func(v float64) bool { return v >= 1 },
		`process_resident_memory_bytes`:                                            func(v float64) bool { return v > 0 },
		`go_goroutines`:                                                            func(v float64) bool { return v > 0 },
	} {
		v, ok := m[name]
		if !ok {
			t.Errorf("/metrics lacks %s", name)
			continue
		}
		if !want(v) {
			t.Errorf("%s = %v", name, v)
		}
	}

	if code, body := h.get("/livez"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/livez: %d %q", code, body)
	}
	for _, path := range []string{"/readyz", "/healthz"} {
		code, body := h.get(path)
		if code != http.StatusOK || body != "sqlite: ok\nsqlite_write: ok\nredis: ok\nzalo: ok\n" {
			t.Errorf("%s: %d %q", path, code, body)
		}
	}
}

// TestReadinessFailsWhenNothingCanBeWritten: the disk "full" (the process
// may not grow any file: RLIMIT_FSIZE, so SQLite's writes fail as on a full
// disk) makes /readyz and /healthz answer 503 naming the failed write while
// /livez stays 200, the failed write counts as an SQLite error in
// /metrics, and readiness comes back once the disk has room.
func TestReadinessFailsWhenNothingCanBeWritten(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	if code, _ := h.get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz before: %d", code)
	}
	before := h.scrape()[`ocopbot_dependency_errors_total{dependency="sqlite"}`]

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	full := syscall.Rlimit{Cur: 4096, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
		t.Skipf("cannot lower RLIMIT_FSIZE: %v", err)
	}
	code, body := h.get("/readyz")
	hcode, _ := h.get("/healthz")
	lcode, _ := h.get("/livez")
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if code != http.StatusServiceUnavailable || !regexp.MustCompile(`(?m)^sqlite_write: failed`).MatchString(body) {
		t.Errorf("/readyz with a full disk: %d %q", code, body)
	}
	if hcode != http.StatusServiceUnavailable {
		t.Errorf("/healthz with a full disk: %d", hcode)
	}
	if lcode != http.StatusOK {
		t.Errorf("/livez with a full disk: %d", lcode)
	}
	if after := h.scrape()[`ocopbot_dependency_errors_total{dependency="sqlite"}`]; after <= before {
		t.Errorf("SQLite errors %v before, %v after the failed write", before, after)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		if code, _ := h.get("/readyz"); code == http.StatusOK {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("/readyz did not come back once the disk had room\n%s", h.log.tail(20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMeteredSendersKeepTheirInterfaces: counting a channel's sends hides
// none of what the engine asks a sender for (downloads, chat menus,
// limits). A new optional sender interface must be added to meter.
func TestMeteredSendersKeepTheirInterfaces(t *testing.T) {
	m := newMetrics()
	for name, s := range map[string]bot.Sender{
		"telegram": telegram.NewSender(nil, nil, nil),
		"zalo":     zalo.NewSender(zalo.SenderConfig{}),
	} {
		w := m.meter(name, s)
		for iface, has := range map[string]func(any) bool{
			"Downloader": func(v any) bool { _, ok := v.(bot.Downloader); return ok },
			"ChatMenus":  func(v any) bool { _, ok := v.(bot.ChatMenus); return ok },
			"Limited":    func(v any) bool { _, ok := v.(bot.Limited); return ok },
		} {
			if has(s) != has(w) {
				t.Errorf("%s: the sender is %s: %v, the metered one: %v", name, iface, has(s), has(w))
			}
		}
	}
}
