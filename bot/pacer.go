package bot

import (
	"context"
	"sync"
	"time"
)

// bulkKey marks a context whose sends are bulk traffic.
type bulkKey struct{}

// WithBulk marks the sends made with ctx as bulk traffic (announcements,
// invitations, reminders): the Pacer holds them to the bulk rate and one a
// second per chat. Other sends are interactive replies.
func WithBulk(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

// IsBulk reports whether ctx was marked by WithBulk.
func IsBulk(ctx context.Context) bool { b, _ := ctx.Value(bulkKey{}).(bool); return b }

// Pacer shares the messenger's send budget between interactive replies and
// bulk traffic, for one sender:
//
//   - every send counts against a global budget (Telegram allows about 30
//     messages a second); an interactive reply never waits for it (it may
//     borrow from the next moment), so bulk traffic slows down while many
//     people chat;
//   - bulk sends also wait for the bulk rate (BROADCAST_RATE) and for one
//     second since the last bulk message to the same chat;
//   - after a 429 for one chat (Telegram's limit per chat), PauseChat holds
//     the sends to that chat only, until the time the messenger asked for:
//     the other chats go on. When several chats are answered 429 within a
//     second, the limit is the bot's as a whole and every send is held;
//   - after a 429 of the whole sender, Pause holds every send, interactive
//     or bulk, until the time the messenger asked for.
type Pacer struct {
	mu          sync.Mutex
	now         func() time.Time
	global      tokenBucket
	bulk        tokenBucket
	perChat     time.Duration
	lastChat    map[string]time.Time
	lastPrune   time.Time
	pausedUntil time.Time
	// held are the chats answered 429, until when; recent429 the chats
	// held in the last second, to tell the bot's limit from a chat's.
	held      map[string]time.Time
	recent429 map[string]time.Time
	stats     PacerStats
}

// globalAfterChats is how many chats answered 429 within a second make the
// pacer hold every chat: then the limit hit is the bot's, not one chat's.
const globalAfterChats = 3

// PacerStats counts what a Pacer did.
type PacerStats struct {
	Interactive, Bulk int64 // sends let through
	Pauses            int64 // 429s that paused the sender
	ChatPauses        int64 // 429s that held one chat
}

// DefaultGlobalRate is the overall budget of a Telegram bot, in messages a
// second.
const DefaultGlobalRate = 30

// GlobalRateFor returns the global budget that goes with a bulk rate: 30 a
// second, or a little more than the bulk rate when that is higher (a local
// Bot API server, a test), so that interactive replies keep some room.
func GlobalRateFor(bulkRate float64) float64 {
	return max(DefaultGlobalRate, bulkRate+5)
}

// NewPacer returns a pacer allowing bulkRate bulk messages a second within
// globalRate messages a second overall.
func NewPacer(bulkRate, globalRate float64) *Pacer {
	if bulkRate <= 0 {
		bulkRate = 25
	}
	if globalRate < bulkRate {
		globalRate = bulkRate
	}
	p := &Pacer{now: time.Now, perChat: time.Second, lastChat: map[string]time.Time{},
		held: map[string]time.Time{}, recent429: map[string]time.Time{}}
	// Small bursts: a second's worth at most, a tenth of it for fast rates,
	// so that a peer's own one-second bucket is never overrun.
	p.global = tokenBucket{rate: globalRate, burst: max(1, globalRate/10)}
	p.bulk = tokenBucket{rate: bulkRate, burst: max(1, bulkRate/10)}
	return p
}

// Wait blocks until a send to chatID may go, by the rules above, or ctx
// ends. An empty chatID (answering a button) only respects a pause.
func (p *Pacer) Wait(ctx context.Context, chatID string) error {
	bulk := IsBulk(ctx)
	for {
		d := p.reserve(chatID, bulk)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// reserve takes the send's tokens and returns 0, or how long to wait
// before trying again.
func (p *Pacer) reserve(chatID string, bulk bool) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if now.Before(p.pausedUntil) {
		return p.pausedUntil.Sub(now)
	}
	if chatID == "" {
		return 0
	}
	if until, ok := p.held[chatID]; ok {
		if now.Before(until) {
			return until.Sub(now)
		}
		delete(p.held, chatID)
	}
	p.global.refill(now)
	if !bulk {
		// Never wait; the debt is bounded so that a storm of replies
		// cannot starve bulk traffic for long.
		p.global.tokens = max(p.global.tokens-1, -p.global.rate)
		p.stats.Interactive++
		return 0
	}
	p.bulk.refill(now)
	var wait time.Duration
	if p.global.tokens < 1 {
		wait = max(wait, p.global.until(1))
	}
	if p.bulk.tokens < 1 {
		wait = max(wait, p.bulk.until(1))
	}
	if last, ok := p.lastChat[chatID]; ok && now.Sub(last) < p.perChat {
		wait = max(wait, p.perChat-now.Sub(last))
	}
	if wait > 0 {
		return wait
	}
	p.global.tokens--
	p.bulk.tokens--
	p.lastChat[chatID] = now
	p.stats.Bulk++
	if now.Sub(p.lastPrune) > 10*p.perChat {
		for k, t := range p.lastChat {
			if now.Sub(t) >= p.perChat {
				delete(p.lastChat, k)
			}
		}
		p.lastPrune = now
	}
	return 0
}

// Pause holds every send for d from now (a 429's retry_after).
func (p *Pacer) Pause(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.now().Add(d); until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
	p.stats.Pauses++
}

// PauseChat holds the sends to one chat for d from now (a 429 answered to
// a send to that chat); the other chats go on, unless globalAfterChats
// chats were answered 429 within a second: then every send is held, as by
// Pause. An empty chatID is Pause.
func (p *Pacer) PauseChat(chatID string, d time.Duration) {
	if chatID == "" {
		p.Pause(d)
		return
	}
	p.mu.Lock()
	now := p.now()
	until := now.Add(d)
	if until.After(p.held[chatID]) {
		p.held[chatID] = until
	}
	p.recent429[chatID] = now
	for k, at := range p.recent429 {
		if now.Sub(at) >= time.Second {
			delete(p.recent429, k)
		}
	}
	global := len(p.recent429) >= globalAfterChats
	p.stats.ChatPauses++
	p.mu.Unlock()
	if global {
		p.Pause(d)
	}
}

// Stats returns the counts so far.
func (p *Pacer) Stats() PacerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// tokenBucket holds at most burst tokens, refilled at rate a second.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func (b *tokenBucket) refill(now time.Time) {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
}

// until returns how long until the bucket holds n tokens.
func (b *tokenBucket) until(n float64) time.Duration {
	if b.tokens >= n {
		return 0
	}
	return time.Duration((n - b.tokens) / b.rate * float64(time.Second))
}
