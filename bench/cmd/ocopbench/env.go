package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ocop-tayninh/ocopbot/bench/internal/load"
	"github.com/ocop-tayninh/ocopbot/bench/internal/proc"
	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
)

// env is what the scenarios share: options, the temporary directory, the
// binaries (built on first use), Redis, and the output.
type env struct {
	o       *options
	dir     string
	stdout  io.Writer
	stderr  io.Writer
	report  *report
	matcher *script.Matcher
	// zaloMatcher checks the bot's plain-text answers on Zalo.
	zaloMatcher *script.Matcher

	mu       sync.Mutex
	bins     map[string]string
	nextUser int64

	redis *goredis.Client // nil: the embedded store
}

func newEnv(ctx context.Context, o *options, stdout, stderr io.Writer) (*env, error) {
	dir, err := os.MkdirTemp("", "ocopbench-")
	if err != nil {
		return nil, err
	}
	m, err := script.NewMatcher(script.Registration())
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	zm, err := script.NewPlainMatcher(script.ZaloRegistration())
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	e := &env{o: o, dir: dir, stdout: stdout, stderr: stderr, matcher: m, zaloMatcher: zm, bins: map[string]string{}, nextUser: 1_000_000}
	e.report = newReport(o)
	e.report.machine = currentMachine()
	for _, l := range e.report.machine.lines() {
		e.logf("machine: %s", l)
	}
	e.redis = e.openRedis(ctx)
	e.report.store = "embedded (SQLite kv table)"
	if e.redis != nil {
		e.report.store = "redis (" + e.redis.Options().Addr + ")"
	}
	store := "embedded"
	if e.redis != nil {
		store = "redis"
	}
	fmt.Fprintf(stdout, "store %s kind\n", store) // the bot's sessions and de-dup marks
	e.logf("temporary directory %s; session store: %s", dir, e.report.store)
	return e, nil
}

func (e *env) close() {
	if e.redis != nil {
		e.redis.Close()
	}
	if !e.o.keep {
		os.RemoveAll(e.dir)
	}
}

// logf writes progress to stderr, with the time since the start.
func (e *env) logf(format string, a ...any) {
	fmt.Fprintf(e.stderr, "ocopbench: %6s "+format+"\n", append([]any{time.Since(e.report.date).Round(time.Second)}, a...)...)
}

// figure prints one figure and keeps it for the report.
func (e *env) figure(name string, value float64, unit string) {
	fmt.Fprintf(e.stdout, "%s %s %s\n", name, formatValue(value), unit)
	e.report.add(name, value, unit)
}

// users reserves n user ids and returns the first.
func (e *env) users(n int) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	first := e.nextUser
	e.nextUser += int64(n)
	return first
}

// openRedis returns a client when the -redis server answers, nil otherwise.
func (e *env) openRedis(ctx context.Context) *goredis.Client {
	if e.o.redisURL == "" {
		return nil
	}
	opt, err := goredis.ParseURL(e.o.redisURL)
	if err != nil {
		e.logf("-redis: %v; using the embedded store", err)
		return nil
	}
	host, _, _ := net.SplitHostPort(opt.Addr)
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		e.logf("-redis: %s is not on this machine; using the embedded store", opt.Addr)
		return nil
	}
	c := goredis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		e.logf("Redis at %s does not answer (%v); using the embedded store", opt.Addr, err)
		c.Close()
		return nil
	}
	return c
}

// binary builds a main package once.
func (e *env) binary(ctx context.Context, pkg string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if b, ok := e.bins[pkg]; ok {
		return b, nil
	}
	dir := filepath.Join(e.dir, "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var flags []string
	if e.o.profile != "" && pkg == fullPkg {
		overlay, err := e.profilerOverlay(ctx, pkg)
		if err != nil {
			return "", err
		}
		flags = append(flags, overlay)
	}
	e.logf("building %s %s", pkg, strings.Join(flags, " "))
	b, err := proc.Build(ctx, e.o.goTool, pkg, dir, flags...)
	if err != nil {
		return "", err
	}
	e.bins[pkg] = b
	return b, nil
}

// Programs under test.
const (
	fullPkg     = "./cmd/ocopbot"
	echoPkg     = "./bench/echobot"
	zaloEchoPkg = "./bench/zaloecho"
)

// botProc is a bot process attached to a fake.
type botProc struct {
	*proc.Proc
	e      *env
	name   string
	prefix string // Redis key prefix, "" for the embedded store
	db     string
	prof   *profiler // nil unless -profile
}

// startBot starts the bot (load.Full) or the echo bot against fake, in the
// fake's mode, and waits until it polls or its webhook answers.
func (e *env) startBot(ctx context.Context, kind load.Bot, fake *load.Fake) (*botProc, error) {
	pkg := fullPkg
	if kind == load.Echo {
		pkg = echoPkg
	}
	bin, err := e.binary(ctx, pkg)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-%s-%d", kind, fake.Mode(), e.users(1))
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
		"TELEGRAM_BOT_TOKEN=" + fake.Token(),
		"TELEGRAM_API_URL=" + fake.URL(),
		"HTTP_ADDR=" + addr,
		"DB_PATH=" + b.db,
		"LOG_LEVEL=" + e.o.logLevel,
	}
	more, err := e.storeVars(kind, b)
	if err != nil {
		return nil, err
	}
	vars = append(vars, more...)
	if fake.Mode() == load.Webhook {
		vars = append(vars, "TELEGRAM_WEBHOOK_URL=http://"+addr+"/hook", "TELEGRAM_WEBHOOK_SECRET="+randomHex(16))
	}
	before := fake.CallCount("getUpdates")
	p, err := proc.Start(bin, vars, filepath.Join(dir, "log"))
	if err != nil {
		return nil, err
	}
	b.Proc = p
	ready := func() bool { return fake.CallCount("getUpdates") > before }
	if fake.Mode() == load.Webhook {
		ready = func() bool { return fake.Webhook().URL != "" }
	}
	if err := b.waitFor(ctx, ready, 30*time.Second); err != nil {
		b.stop()
		return nil, fmt.Errorf("%s did not start: %w\n%s", name, err, p.LogTail(20))
	}
	if fake.Mode() == load.Webhook {
		if err := p.WaitListening(ctx, addr, 30*time.Second); err != nil {
			b.stop()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return b, nil
}

// storeVars returns the bot's settings of the session store (a fresh Redis
// key prefix) and of the profiler, none for an echo bot.
func (e *env) storeVars(kind load.Bot, b *botProc) ([]string, error) {
	var vars []string
	if kind == load.Full && e.redis != nil {
		b.prefix = "ocopbench:" + randomHex(6) + ":"
		vars = append(vars, "REDIS_URL="+e.o.redisURL, "REDIS_PREFIX="+b.prefix)
	}
	if kind == load.Full && e.o.profile != "" {
		paddr, err := proc.FreeAddr()
		if err != nil {
			return nil, err
		}
		b.prof = newProfiler(paddr, e.o.profile)
		vars = append(vars, "OCOPBENCH_PPROF_ADDR="+paddr)
		if e.o.trace {
			vars = append(vars, "OCOPBENCH_TRACE=1")
		}
	}
	return vars, nil
}

func (b *botProc) waitFor(ctx context.Context, cond func() bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v", timeout)
		}
		select {
		case <-b.Exited():
			return errors.New("the process ended")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// stop stops the process and deletes its Redis keys.
func (b *botProc) stop() {
	if err := b.Stop(15 * time.Second); err != nil {
		b.e.logf("%s: %v\n%s", b.name, err, b.LogTail(10))
	}
	if b.prefix != "" && b.e.redis != nil {
		if n, err := deleteKeys(b.e.redis, b.prefix); err != nil {
			b.e.logf("%s: deleting its Redis keys: %v", b.name, err)
		} else {
			b.e.logf("%s: deleted its %d Redis keys", b.name, n)
		}
	}
}

// failure adds the tail of the process's log to an error.
func (b *botProc) failure(err error) error {
	return fmt.Errorf("%s: %w\nlast lines of its log:\n%s", b.name, err, b.LogTail(15))
}

// deleteKeys deletes the keys starting with prefix, in bounded rounds.
func deleteKeys(c *goredis.Client, prefix string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cursor uint64
	n := 0
	for round := 0; round < 100_000; round++ {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return n, err
		}
		if len(keys) > 0 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				return n, err
			}
			n += len(keys)
		}
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
	return n, errors.New("too many rounds")
}

// countKeys counts the keys starting with prefix.
func countKeys(ctx context.Context, c *goredis.Client, prefix string) (int, error) {
	var cursor uint64
	n := 0
	for round := 0; round < 100_000; round++ {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return n, err
		}
		n += len(keys)
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
	return n, errors.New("too many rounds")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// formatValue prints a figure with about three significant digits.
func formatValue(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 100 || v <= -100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10 || v <= -10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1 || v <= -1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
