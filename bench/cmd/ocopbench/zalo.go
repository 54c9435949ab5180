package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ocop-tayninh/ocopbot/bench/internal/load"
	"github.com/ocop-tayninh/ocopbot/bench/internal/proc"
	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
)

// zaloWebhookPath is where the bot (its default ZALO_WEBHOOK_PATH) and the
// bare handler serve the webhook.
const zaloWebhookPath = "/zalo/webhook"

// runZalo measures the bot's Zalo channel and the bare handler
// (bench/zaloecho) with the same users, as runConversations does for
// Telegram: closed loops in alternating rounds, then the open loop on
// each. Each gets its own fake Zalo; the events are posted signed to the
// webhook, at most -webhook-concurrency at once.
func runZalo(ctx context.Context, e *env) error {
	const p = "zalo"
	e.figure(p+"_concurrency", float64(e.o.hookConc), "calls")
	full, err := e.newZaloSubject(ctx, load.Full, p+"_full")
	if err != nil {
		return err
	}
	defer full.close()
	echo, err := e.newZaloSubject(ctx, load.Echo, p+"_echo")
	if err != nil {
		return err
	}
	defer echo.close()
	return e.compare(ctx, p, full, echo, len(script.ZaloRegistration()), "events on each")
}

// newZaloSubject starts the bot (load.Full) or the bare handler against a
// new fake Zalo.
func (e *env) newZaloSubject(ctx context.Context, kind load.Bot, name string) (*subject, error) {
	var fake *load.ZaloFake
	labelled(ctx, name, func() { fake = load.NewZaloFake(e.o.hookConc) })
	b, err := e.startZaloBot(ctx, kind, fake)
	if err != nil {
		fake.Close()
		return nil, err
	}
	steps := script.ZaloRegistration()
	newRun := func(users int) load.Runner {
		return &load.ZaloRun{Fake: fake, Bot: kind, Steps: steps, Matcher: e.zaloMatcher, FirstUser: e.users(users), Timeout: e.o.timeout}
	}
	return &subject{e: e, name: name, b: b, newRun: newRun, closeFake: fake.Close}, nil
}

// startZaloBot starts the bot, on Zalo only (no TELEGRAM_BOT_TOKEN), or
// the bare handler, with the fake's identity and tokens; sets the fake's
// webhook to it; and waits until it listens and has its access token.
func (e *env) startZaloBot(ctx context.Context, kind load.Bot, fake *load.ZaloFake) (*botProc, error) {
	pkg := fullPkg
	if kind == load.Echo {
		pkg = zaloEchoPkg
	}
	bin, err := e.binary(ctx, pkg)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-zalo-%d", kind, e.users(1))
	dir := filepath.Join(e.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, err
	}
	b := &botProc{e: e, name: name, db: filepath.Join(dir, "ocop.db")}
	vars := []string{
		"ZALO_APP_ID=" + fake.AppID(),
		"ZALO_APP_SECRET=" + fake.AppSecret(),
		"ZALO_OA_SECRET=" + fake.OASecret(),
		"ZALO_REFRESH_TOKEN=" + fake.RefreshToken(),
		"ZALO_API_URL=" + fake.URL(),
		"ZALO_OAUTH_URL=" + fake.OAuthURL(),
		"ZALO_WEBHOOK_PATH=" + zaloWebhookPath,
		"HTTP_ADDR=" + addr,
		"DB_PATH=" + b.db,
		"LOG_LEVEL=" + e.o.logLevel,
	}
	more, err := e.storeVars(kind, b)
	if err != nil {
		return nil, err
	}
	vars = append(vars, more...)
	fake.SetWebhook("http://" + addr + zaloWebhookPath)
	p, err := proc.Start(bin, vars, filepath.Join(dir, "log"))
	if err != nil {
		return nil, err
	}
	b.Proc = p
	if err := p.WaitListening(ctx, addr, 30*time.Second); err != nil {
		b.stop()
		return nil, fmt.Errorf("%s: %w\n%s", name, err, p.LogTail(20))
	}
	if err := b.waitFor(ctx, func() bool { return fake.Refreshes() > 0 }, 30*time.Second); err != nil {
		b.stop()
		return nil, fmt.Errorf("%s got no access token: %w\n%s", name, err, p.LogTail(20))
	}
	return b, nil
}

func zaloRatioTarget(r view) ([]string, string) { return ratioTarget("zalo")(r) }

// zaloAckTarget judges the time the webhook takes to answer 200.
func zaloAckTarget(r view) ([]string, string) {
	f, ok := r.get("zalo_full_open_ack_p99")
	if !ok {
		return nil, "not measured in this run"
	}
	shown := r.show("zalo_full_open_offered_rate", "zalo_full_updates_per_s", "zalo_full_open_ack_p50", "zalo_full_open_ack_p95", f.name,
		"zalo_full_open_lost", "zalo_echo_open_ack_p99")
	if r.o.openRate != 300 {
		return shown, fmt.Sprintf("not judged: measured at %.0f events/s (-open-rate 300 for the target)", r.o.openRate)
	}
	lost, _ := r.get("zalo_full_open_lost")
	return shown, verdict(f.value <= 100 && lost.value == 0)
}
