package parts

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocop-tayninh/ocopbot/bench/internal/proc"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// PublicConfig sizes the run of the public product page (/sp/<code>).
// Zero values take the defaults.
type PublicConfig struct {
	Common
	// Products (100,000) and their subjects (half as many), as Figures
	// generates them; half of the products hold a certificate.
	Products int
	// Rate of page requests a second (200), offered for Duration (20 s)
	// on an open loop: a request leaves on time whether or not the
	// earlier ones were answered.
	Rate     float64
	Duration time.Duration
	// While the pages are asked for, Chatters users (50) send /trogiup in
	// turn, ChatRate updates a second in all (20): the bot's usual
	// traffic, whose reply latency is reported beside the pages'.
	Chatters int
	ChatRate float64
}

func (c *PublicConfig) defaults() {
	if c.Products <= 0 {
		c.Products = 100_000
	}
	if c.Rate <= 0 {
		c.Rate = 200
	}
	if c.Duration <= 0 {
		c.Duration = 20 * time.Second
	}
	if c.Chatters <= 0 {
		c.Chatters = 50
	}
	if c.ChatRate <= 0 {
		c.ChatRate = 20
	}
}

const firstPublicChatter int64 = 9_100_000

// Public measures the product page on a generated province: the latency of
// GET /sp/<code> (p50, p99) at Rate requests a second, with the bot
// answering its usual chat traffic meanwhile (whose reply p99 is
// reported too). The page's rate limit per address is lifted
// (PUBLIC_RATE), since every request comes from loopback.
func Public(ctx context.Context, cfg PublicConfig) ([]Figure, error) {
	cfg.defaults()
	r, err := newRun(ctx, cfg.Common, "sp")
	if err != nil {
		return nil, err
	}
	defer r.close()
	t0 := time.Now()
	if err := generateProvince(ctx, r.dbPath(), max(1, cfg.Products/2), cfg.Products); err != nil {
		return nil, fmt.Errorf("generate the data set: %w", err)
	}
	codes, err := publicCodes(ctx, r.dbPath())
	if err != nil {
		return nil, err
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("no certified product in the data set")
	}
	r.logf("%d products (%d with a page) written in %v", cfg.Products, len(codes), time.Since(t0).Round(time.Millisecond))

	fake := telegramtest.NewServer(telegramtest.WithoutCallBodies(), telegramtest.WithFirstUpdateID(1))
	chat := &chatWatch{asked: map[int64]time.Time{}}
	fake.Observe("sendMessage", chat.observe)
	// The page's address is chosen here (a later HTTP_ADDR in the
	// environment wins over startBot's), so that PUBLIC_URL can name it.
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, err
	}
	if err := r.startBot(ctx, fake, "HTTP_ADDR="+addr, "PUBLIC_URL=http://"+addr, "PUBLIC_RATE=100000"); err != nil {
		return nil, err
	}
	base := "http://" + addr + "/sp/"
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	get := func(code string) (time.Duration, int, int64, error) {
		start := time.Now()
		res, err := client.Get(base + code)
		if err != nil {
			return 0, 0, 0, err
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return time.Since(start), res.StatusCode, n, err
	}
	// Warm up: the first requests open connections and fill caches.
	var pageBytes int64
	for i := range 20 {
		_, status, n, err := get(codes[i%len(codes)])
		if err != nil || status != http.StatusOK {
			return nil, r.failf("warm-up: GET /sp/%s: %d %v", codes[i%len(codes)], status, err)
		}
		pageBytes = n
	}

	// The usual traffic.
	chatCtx, stopChat := context.WithCancel(ctx)
	var chatWG sync.WaitGroup
	every := time.Duration(float64(cfg.Chatters) / cfg.ChatRate * float64(time.Second))
	for i := range cfg.Chatters {
		u := telegramtest.User{ID: firstPublicChatter + int64(i), FirstName: "Người " + strconv.Itoa(i), LanguageCode: "vi"}
		chatWG.Add(1)
		go func() {
			defer chatWG.Done()
			if ctxSleep(chatCtx, every*time.Duration(i)/time.Duration(cfg.Chatters)) != nil {
				return
			}
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				upd := fake.TextUpdate(u, "/trogiup")
				chat.ask(u.ID)
				fake.Push(upd)
				select {
				case <-tick.C:
				case <-chatCtx.Done():
					return
				}
			}
		}()
	}
	defer func() { stopChat(); chatWG.Wait() }()
	_ = ctxSleep(ctx, time.Second) // let the chat reach its pace

	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Int64
		wg        sync.WaitGroup
	)
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	start := time.Now()
	total := int(cfg.Duration.Seconds() * cfg.Rate)
	r.logf("offering %d page requests at %.0f/s while %d users chat at %.0f updates/s", total, cfg.Rate, cfg.Chatters, cfg.ChatRate)
	for i := range total {
		if err := ctxSleep(ctx, time.Until(start.Add(time.Duration(i)*interval))); err != nil {
			break
		}
		code := codes[(i*7919)%len(codes)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, status, _, err := get(code)
			if err != nil || status != http.StatusOK {
				failed.Add(1)
				return
			}
			mu.Lock()
			latencies = append(latencies, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	offered := time.Since(start)
	stopChat()
	chatWG.Wait()
	fake.WaitFor(r.c.Timeout, func() bool { return chat.outstanding() == 0 })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	chatLat, chatLost := chat.results()
	return []Figure{
		{"sp_products", float64(cfg.Products), "count"},
		{"sp_offered_rate", float64(total) / offered.Seconds(), "req/s"},
		{"sp_requests", float64(total), "count"},
		{"sp_p50", ms(percentile(latencies, 50)), "ms"},
		{"sp_p99", ms(percentile(latencies, 99)), "ms"},
		{"sp_max", ms(percentile(latencies, 100)), "ms"},
		{"sp_failed", float64(failed.Load()), "count"},
		{"sp_page_bytes", float64(pageBytes), "bytes"},
		{"sp_chat_rate", cfg.ChatRate, "updates/s"},
		{"sp_chat_p99", ms(percentile(chatLat, 99)), "ms"},
		{"sp_chat_lost", float64(chatLost), "count"},
	}, nil
}

// publicCodes returns the public codes of the products that have a page
// (they held a certificate), in id order.
func publicCodes(ctx context.Context, path string) ([]string, error) {
	db, err := sqlite.Open(ctx, path, time.Now)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.SQL().QueryContext(ctx, `SELECT public_code FROM products WHERE cert_no <> '' AND stage IN (?, ?) ORDER BY id`,
		domain.StageRecognised, domain.StageExpired)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c sql.NullString
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		if c.Valid {
			out = append(out, c.String)
		}
	}
	return out, rows.Err()
}

// chatWatch times the reply to each chatter's latest message.
type chatWatch struct {
	mu        sync.Mutex
	asked     map[int64]time.Time
	latencies []time.Duration
	lost      int
}

func (w *chatWatch) ask(chat int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.asked[chat]; ok {
		w.lost++ // the previous one was not answered before the next
	}
	w.asked[chat] = time.Now()
}

func (w *chatWatch) observe(o telegramtest.Observed) {
	if o.Err != nil {
		return
	}
	chat, ok := chatID(o.Call)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if at, ok := w.asked[chat]; ok {
		w.latencies = append(w.latencies, o.Call.At.Sub(at))
		delete(w.asked, chat)
	}
}

func (w *chatWatch) outstanding() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.asked)
}

func (w *chatWatch) results() ([]time.Duration, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latencies, w.lost + len(w.asked)
}
