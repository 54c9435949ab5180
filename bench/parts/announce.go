package parts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// AnnounceConfig sizes the announcement run. Zero values take the defaults.
type AnnounceConfig struct {
	Common
	// Recipients is the number of consenting users (10,000).
	Recipients int
	// FakeRate is the fake Bot API's global send limit a second (300);
	// BroadcastRate is the bot's BROADCAST_RATE (250), just under it.
	FakeRate      int
	BroadcastRate float64
	// Chatters users (50, among the recipients) each send /trogiup every
	// ChatEvery (2 s) while the announcement goes out: 25 updates a second
	// in all, each person at a pace people type (USER_RATE slows a person
	// who sends more than two a second for long: one /trogiup every 200 ms
	// from each of 5 people, as before, was a flood).
	Chatters  int
	ChatEvery time.Duration
	// MaxWait bounds the wait for the announcement (default: 3 × the ideal
	// time + 60 s).
	MaxWait time.Duration
}

func (c *AnnounceConfig) defaults() {
	if c.Recipients <= 0 {
		c.Recipients = 10_000
	}
	if c.FakeRate <= 0 {
		c.FakeRate = 300
	}
	if c.BroadcastRate <= 0 {
		c.BroadcastRate = 250
	}
	if c.Chatters < 0 {
		c.Chatters = 0
	} else if c.Chatters == 0 {
		c.Chatters = 50
	}
	c.Chatters = min(c.Chatters, c.Recipients)
	if c.ChatEvery <= 0 {
		c.ChatEvery = 2 * time.Second
	}
	if c.MaxWait <= 0 {
		ideal := time.Duration(float64(c.Recipients) / c.BroadcastRate * float64(time.Second))
		c.MaxWait = 3*ideal + time.Minute
	}
}

// Ids of the announcement run's Telegram users.
const (
	announceAdmin     int64 = 9_000_001
	firstRecipient    int64 = 10_000_000
	announcementTitle       = "Mời bà con tham dự hội chợ OCOP Tây Ninh 2026"
)

// announceWatch follows the fake's send calls: announcement copies per
// recipient, and the chatters' replies.
type announceWatch struct {
	marker  string
	first   int64 // first recipient id
	n       int64
	chatter int64 // chats first..first+chatter-1 chat

	mu          sync.Mutex
	copies      map[int64]int
	firstSend   time.Time
	lastSend    time.Time
	pending     map[int64][]time.Time // per chatter: push times awaiting a reply
	latencies   []time.Duration
	extraReplys int
}

func (w *announceWatch) observe(o telegramtest.Observed) {
	if o.Err != nil {
		return
	}
	chat, ok := chatID(o.Call)
	if !ok || chat < w.first || chat >= w.first+w.n {
		return
	}
	text := o.Call.Params["text"] + o.Call.Params["caption"]
	w.mu.Lock()
	defer w.mu.Unlock()
	if o.Call.Method == "sendMessage" && strings.Contains(text, w.marker) {
		w.copies[chat]++
		if w.firstSend.IsZero() || o.Call.At.Before(w.firstSend) {
			w.firstSend = o.Call.At
		}
		if o.Call.At.After(w.lastSend) {
			w.lastSend = o.Call.At
		}
		return
	}
	if chat >= w.first+w.chatter {
		return
	}
	q := w.pending[chat]
	if len(q) == 0 {
		w.extraReplys++
		return
	}
	w.latencies = append(w.latencies, o.Call.At.Sub(q[0]))
	w.pending[chat] = q[1:]
}

// ask records a chatter's request just before it is pushed.
func (w *announceWatch) ask(chat int64, at time.Time) {
	w.mu.Lock()
	w.pending[chat] = append(w.pending[chat], at)
	w.mu.Unlock()
}

func (w *announceWatch) delivered() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.copies)
}

func (w *announceWatch) outstanding() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, q := range w.pending {
		n += len(q)
	}
	return n
}

// Announce measures announcement pacing: cfg.Recipients consenting users,
// a fake Bot API that answers 429 beyond cfg.FakeRate sends a second, and
// the bot at BROADCAST_RATE cfg.BroadcastRate. An admin sends the
// announcement through /thongbao to "Tất cả"; meanwhile cfg.Chatters of
// the recipients send /trogiup every cfg.ChatEvery.
//
// Figures: the time from the confirmation to the last copy over the ideal
// N / BROADCAST_RATE, the effective rate (first to last copy), the 429s,
// the chatters' reply latency (push of the update to the reply's arrival
// at the fake), and the recipients missed or sent more than one copy.
func Announce(ctx context.Context, cfg AnnounceConfig) ([]Figure, error) {
	cfg.defaults()
	r, err := newRun(ctx, cfg.Common, "announce")
	if err != nil {
		return nil, err
	}
	defer r.close()

	t0 := time.Now()
	if err := seedRecipients(ctx, r.dbPath(), firstRecipient, cfg.Recipients); err != nil {
		return nil, fmt.Errorf("seed recipients: %w", err)
	}
	r.logf("%d consenting users written in %v", cfg.Recipients, time.Since(t0).Round(time.Millisecond))

	fake := telegramtest.NewServer(telegramtest.WithRateLimit(cfg.FakeRate), telegramtest.WithoutCallLog(), telegramtest.WithFirstUpdateID(1))
	w := &announceWatch{
		marker: announcementTitle + " #" + randomHex(4), first: firstRecipient, n: int64(cfg.Recipients), chatter: int64(cfg.Chatters),
		copies: make(map[int64]int, cfg.Recipients), pending: map[int64][]time.Time{},
	}
	fake.Observe("sendMessage", w.observe)
	fake.Observe("sendPhoto", w.observe)
	if err := r.startBot(ctx, fake, "ADMIN_IDS="+strconv.FormatInt(announceAdmin, 10),
		"BROADCAST_RATE="+strconv.FormatFloat(cfg.BroadcastRate, 'f', -1, 64),
		// The fake's limit is the bot's overall budget, as 30 a second is
		// Telegram's: the room above BROADCAST_RATE is the replies'.
		"TELEGRAM_RATE="+strconv.Itoa(cfg.FakeRate)); err != nil {
		return nil, err
	}

	// The officer writes the announcement and picks everyone.
	admin := telegramtest.User{ID: announceAdmin, FirstName: "Cán bộ", LanguageCode: "vi"}
	fake.SendText(admin, "/thongbao")
	_, n, err := r.waitButton(admin.ID, 0, "Xong")
	if err != nil {
		return nil, fmt.Errorf("/thongbao: %w", err)
	}
	fake.SendText(admin, w.marker+". Thời gian: 08:00 sáng thứ Bảy, tại Nhà văn hóa tỉnh.")
	m, n, err := r.waitButton(admin.ID, n, "Xong")
	if err != nil {
		return nil, fmt.Errorf("announcement text: %w", err)
	}
	if err := r.press(admin, m, "Xong"); err != nil {
		return nil, err
	}
	if m, n, err = r.waitButton(admin.ID, n, "Tất cả"); err != nil {
		return nil, fmt.Errorf("audience: %w", err)
	}
	if err := r.press(admin, m, "Tất cả"); err != nil {
		return nil, err
	}
	if m, _, err = r.waitButton(admin.ID, n, "Xác nhận"); err != nil {
		return nil, fmt.Errorf("confirmation: %w", err)
	}
	if want := fmt.Sprintf("(%d người nhận)", cfg.Recipients); !strings.Contains(m.PlainText, want) && !strings.Contains(m.Text, want) {
		return nil, r.failf("the confirmation does not say %s: %q", want, m.PlainText)
	}

	// Chatters talk from the confirmation until the last copy.
	chatCtx, stopChat := context.WithCancel(ctx)
	var chatWG sync.WaitGroup
	for i := range cfg.Chatters {
		u := telegramtest.User{ID: firstRecipient + int64(i), FirstName: "Người " + strconv.Itoa(i), LanguageCode: "vi"}
		chatWG.Add(1)
		go func() {
			defer chatWG.Done()
			// Spread the chatters over the interval.
			if ctxSleep(chatCtx, cfg.ChatEvery*time.Duration(i)/time.Duration(cfg.Chatters)) != nil {
				return
			}
			tick := time.NewTicker(cfg.ChatEvery)
			defer tick.Stop()
			for {
				upd := fake.TextUpdate(u, "/trogiup")
				w.ask(u.ID, time.Now())
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

	confirmed := time.Now()
	if err := r.press(admin, m, "Xác nhận"); err != nil {
		return nil, err
	}
	r.logf("announcement confirmed for %d recipients at BROADCAST_RATE %g, fake limit %d/s", cfg.Recipients, cfg.BroadcastRate, cfg.FakeRate)
	lastLog := time.Now()
	done := fake.WaitFor(cfg.MaxWait, func() bool {
		d := w.delivered()
		if time.Since(lastLog) > 5*time.Second {
			lastLog = time.Now()
			r.logf("%d of %d delivered", d, cfg.Recipients)
		}
		return d >= cfg.Recipients || ctx.Err() != nil
	})
	stopChat()
	chatWG.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !done {
		return nil, r.failf("the announcement reached %d of %d recipients within %v", w.delivered(), cfg.Recipients, cfg.MaxWait)
	}
	// The last replies to the chatters, and any late duplicate copy.
	fake.WaitFor(r.c.Timeout, func() bool { return w.outstanding() == 0 })
	_ = ctxSleep(ctx, 500*time.Millisecond)

	w.mu.Lock()
	defer w.mu.Unlock()
	ideal := float64(cfg.Recipients) / cfg.BroadcastRate
	finish := w.lastSend.Sub(confirmed).Seconds()
	spread := w.lastSend.Sub(w.firstSend).Seconds()
	missing, dup := 0, 0
	for id := firstRecipient; id < firstRecipient+int64(cfg.Recipients); id++ {
		switch c := w.copies[id]; {
		case c == 0:
			missing++
		case c > 1:
			dup += c - 1
		}
	}
	lost := 0
	for _, q := range w.pending {
		lost += len(q)
	}
	r.logf("finished in %.2f s (ideal %.2f s); %d replies to chatters, %d unanswered", finish, ideal, len(w.latencies), lost)
	figs := []Figure{
		{"announce_recipients", float64(cfg.Recipients), "count"},
		{"announce_finish_over_ideal", finish / ideal, "ratio"},
		{"announce_finish_s", finish, "s"},
		{"announce_effective_rate", float64(cfg.Recipients) / max(spread, 1e-3), "msg/s"},
		{"announce_429", float64(fake.TooManyRequests()), "count"},
		{"announce_missing", float64(missing), "count"},
		{"announce_duplicates", float64(dup), "count"},
	}
	if cfg.Chatters > 0 {
		figs = append(figs,
			Figure{"announce_interactive_p50", ms(percentile(w.latencies, 50)), "ms"},
			Figure{"announce_interactive_p99", ms(percentile(w.latencies, 99)), "ms"},
			Figure{"announce_interactive_replies", float64(len(w.latencies)), "count"},
			Figure{"announce_interactive_lost", float64(lost), "count"},
		)
	}
	return figs, nil
}

// seedRecipients creates the database at path (migrated) and stores n
// consenting Telegram users with ids from first on, in one transaction.
func seedRecipients(ctx context.Context, path string, first int64, n int) error {
	db, err := sqlite.Open(ctx, path, time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO users (channel, channel_id, name, consent, consent_at, created_at, updated_at)
VALUES ('telegram', ?, ?, 'given', ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UnixMilli()
	for i := range int64(n) {
		if _, err := st.ExecContext(ctx, strconv.FormatInt(first+i, 10), fmt.Sprintf("Người %d", first+i), now, now, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}
