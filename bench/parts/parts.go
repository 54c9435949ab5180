// Package parts measures parts 3 and 4 of the performance issue against
// the real bot binary, run as a child process on loopback against a fake
// Bot API (telegramtest) in this process:
//
//   - Announce: the pacing of an announcement (/thongbao to everyone) under
//     a fake that enforces a global send limit, with a few users chatting
//     meanwhile.
//   - Figures: /thongke and /baocao on a generated province-sized data set.
//
// Each returns its figures; ocopbench prints them as "name value unit".
package parts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ocop-tayninh/ocopbot/bench/internal/proc"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
)

// Figure is one measured value, printed as "Name Value Unit".
type Figure struct {
	Name  string
	Value float64
	Unit  string
}

// BotPackage is the main package of the bot built when no binary is given.
const BotPackage = "github.com/ocop-tayninh/ocopbot/cmd/ocopbot"

// Common is what both parts need to run the bot.
type Common struct {
	// Bin is the built ocopbot binary; "" builds BotPackage into the
	// temporary directory (with GoTool, "go" by default).
	Bin    string
	GoTool string
	// TempDir is where the temporary directory is made ("" = os.TempDir);
	// it is removed at the end unless Keep.
	TempDir string
	Keep    bool
	// RedisURL, when set, is given to the bot (REDIS_URL) with a fresh key
	// prefix, removed at the end. It must be on this machine.
	RedisURL string
	// LogLevel of the bot ("warn" by default).
	LogLevel string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Timeout bounds each wait for the bot (10 s by default).
	Timeout time.Duration
}

func (c *Common) defaults() {
	if c.GoTool == "" {
		c.GoTool = "go"
	}
	if c.LogLevel == "" {
		c.LogLevel = "warn"
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// run is one part's run: its directory, its bot process and its fake.
type run struct {
	c       Common
	name    string
	dir     string
	start   time.Time
	bin     string
	fake    *telegramtest.Server
	bot     *proc.Proc
	prefix  string // Redis key prefix, "" without Redis
	cleanup []func()
}

func newRun(ctx context.Context, c Common, name string) (*run, error) {
	c.defaults()
	dir, err := os.MkdirTemp(c.TempDir, "ocopbench-"+name+"-")
	if err != nil {
		return nil, err
	}
	r := &run{c: c, name: name, dir: dir, start: time.Now()}
	r.bin = c.Bin
	if r.bin == "" {
		r.logf("building %s", BotPackage)
		if r.bin, err = proc.Build(ctx, c.GoTool, BotPackage, dir); err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

func (r *run) logf(format string, a ...any) {
	fmt.Fprintf(r.c.Log, "parts %s: %6s "+format+"\n", append([]any{r.name, time.Since(r.start).Round(100 * time.Millisecond)}, a...)...)
}

func (r *run) dbPath() string { return filepath.Join(r.dir, "ocop.db") }

// close stops the bot and the fake and removes what the run made.
func (r *run) close() {
	if r.bot != nil {
		if err := r.bot.Stop(15 * time.Second); err != nil {
			r.logf("bot: %v", err)
		}
		r.bot = nil
	}
	if r.fake != nil {
		r.fake.Close()
		r.fake = nil
	}
	for i := len(r.cleanup) - 1; i >= 0; i-- {
		r.cleanup[i]()
	}
	r.cleanup = nil
	if r.prefix != "" {
		cleanRedis(r.c.RedisURL, r.prefix)
	}
	if !r.c.Keep {
		os.RemoveAll(r.dir)
	} else {
		r.logf("kept %s", r.dir)
	}
}

// startBot starts the bot on the run's database against fake, with extra
// environment variables, and waits until it polls.
func (r *run) startBot(ctx context.Context, fake *telegramtest.Server, extra ...string) error {
	r.fake = fake
	addr, err := proc.FreeAddr()
	if err != nil {
		return err
	}
	env := []string{
		"TELEGRAM_BOT_TOKEN=" + fake.Token(),
		"TELEGRAM_API_URL=" + fake.URL(),
		"HTTP_ADDR=" + addr,
		"DB_PATH=" + r.dbPath(),
		"LOG_LEVEL=" + r.c.LogLevel,
		"HOME=" + r.dir,
		"PATH=" + os.Getenv("PATH"),
	}
	if r.c.RedisURL != "" {
		if err := checkLocalRedis(r.c.RedisURL); err != nil {
			return err
		}
		r.prefix = "ocopbench:" + randomHex(6) + ":"
		env = append(env, "REDIS_URL="+r.c.RedisURL, "REDIS_PREFIX="+r.prefix)
	}
	env = append(env, extra...)
	before := fake.CallCount("getUpdates")
	p, err := proc.Start(r.bin, env, filepath.Join(r.dir, "bot.log"))
	if err != nil {
		return err
	}
	r.bot = p
	ok := fake.WaitFor(30*time.Second, func() bool {
		select {
		case <-p.Exited():
			return true
		default:
		}
		return fake.CallCount("getUpdates") > before || ctx.Err() != nil
	})
	select {
	case <-p.Exited():
		return fmt.Errorf("the bot stopped at start:\n%s", p.LogTail(30))
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the bot did not poll within 30 s:\n%s", p.LogTail(30))
	}
	r.logf("bot started (pid %d)", p.Pid())
	return nil
}

// failf returns an error with the tail of the bot's log.
func (r *run) failf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	if r.bot != nil {
		return fmt.Errorf("%w\nbot log:\n%s", err, r.bot.LogTail(30))
	}
	return err
}

// waitButton waits until chat has a message at index from or later with a
// button whose label contains label, and returns it with the number of
// messages in the chat then.
func (r *run) waitButton(chat int64, from int, label string) (telegramtest.Message, int, error) {
	var (
		found telegramtest.Message
		n     int
	)
	ok := r.fake.WaitFor(r.c.Timeout, func() bool {
		msgs := r.fake.Messages(chat)
		n = len(msgs)
		for i := len(msgs) - 1; i >= from; i-- {
			if _, ok := findButton(msgs[i], label); ok {
				found = msgs[i]
				return true
			}
		}
		return false
	})
	if !ok {
		last := ""
		if m, ok := r.fake.LastMessage(chat); ok {
			last = m.Text
		}
		return found, n, r.failf("no button %q from the bot within %v; last message: %q", label, r.c.Timeout, last)
	}
	return found, n, nil
}

// press presses the button of m whose label contains label and waits for
// the answer to the callback.
func (r *run) press(u telegramtest.User, m telegramtest.Message, label string) error {
	b, ok := findButton(m, label)
	if !ok {
		return r.failf("no button %q on %q", label, m.Text)
	}
	_, cb := r.fake.PressButton(u, m.ID, b.Data)
	if _, err := r.fake.WaitCallbackAnswer(r.c.Timeout, cb); err != nil {
		return r.failf("button %q was not answered: %v", label, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func checkLocalRedis(raw string) error {
	opt, err := goredis.ParseURL(raw)
	if err != nil {
		return fmt.Errorf("redis URL: %w", err)
	}
	host, _, _ := net.SplitHostPort(opt.Addr)
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("redis %s is not on this machine", opt.Addr)
	}
	return nil
}

// cleanRedis deletes the keys under prefix (a bounded number of scans).
func cleanRedis(raw, prefix string) {
	opt, err := goredis.ParseURL(raw)
	if err != nil {
		return
	}
	c := goredis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cursor uint64
	for range 10_000 {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return
		}
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}

// percentile returns the p-th percentile (0–100) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fileSize returns the size of path and its WAL, 0 when absent.
func fileSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// chatID reads the chat_id of a call.
func chatID(c telegramtest.Call) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(c.Params["chat_id"]), 10, 64)
	return id, err == nil
}

// ctxSleep sleeps d or until ctx ends.
func ctxSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// findButton returns the first callback button of m whose label contains
// label.
func findButton(m telegramtest.Message, label string) (telegramtest.Button, bool) {
	for _, b := range m.Buttons() {
		if b.Data != "" && strings.Contains(b.Text, label) {
			return b, true
		}
	}
	return telegramtest.Button{}, false
}
