package bot

import (
	"context"
	"sync"
	"time"
)

// FloodLimit slows a person who sends too much: each user may send burst
// updates at once and then one every per; beyond that their updates are
// not handled, and they are told once (msgID) to slow down, again at most
// every notifyEvery. Everyone else is served as usual: one flooding chat
// never holds the others (see also Pacer.PauseChat).
func FloodLimit(burst int, per time.Duration, msgID string, now func() time.Time) Middleware {
	if now == nil {
		now = time.Now
	}
	f := &flood{burst: float64(burst), per: per, msgID: msgID, now: now, users: map[int64]*floodState{}}
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, c *Ctx) error {
			// Judged by when the message was sent, not when it is
			// handled: a backlog handled late is still a flood.
			at := f.now()
			if sent := c.Update.At; !sent.IsZero() && sent.Before(at) {
				at = sent
			}
			ok, tell := f.take(c.User.ID, at)
			if ok {
				return next.Handle(ctx, c)
			}
			if c.Update.Callback != nil {
				if err := c.Answer(ctx, "", false); err != nil {
					return err
				}
			}
			if tell {
				return c.Say(ctx, f.msgID)
			}
			return nil
		})
	}
}

// notifyEvery is how often a flooding user is told to slow down.
const notifyEvery = 30 * time.Second

type flood struct {
	mu        sync.Mutex
	burst     float64
	per       time.Duration
	msgID     string
	now       func() time.Time
	users     map[int64]*floodState
	lastPrune time.Time
}

type floodState struct {
	tokens float64
	last   time.Time
	told   time.Time
}

// take spends one of the user's tokens: ok when they had one; tell when
// they had none and were not told lately.
func (f *flood) take(user int64, now time.Time) (ok, tell bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.lastPrune) > time.Minute {
		// Those whose bucket is full again are forgotten.
		full := time.Duration(f.burst) * f.per
		for id, s := range f.users {
			if now.Sub(s.last) > full && now.Sub(s.told) > notifyEvery {
				delete(f.users, id)
			}
		}
		f.lastPrune = now
	}
	s := f.users[user]
	if s == nil {
		s = &floodState{tokens: f.burst, last: now}
		f.users[user] = s
	}
	if now.After(s.last) {
		s.tokens = min(f.burst, s.tokens+float64(now.Sub(s.last))/float64(f.per))
		s.last = now
	}
	if s.tokens >= 1 {
		s.tokens--
		return true, false
	}
	if now.Sub(s.told) >= notifyEvery {
		s.told = now
		return false, true
	}
	return false, false
}
