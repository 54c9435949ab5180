package public

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// rateLimiter keeps a token bucket per client address: rate tokens a
// second, up to burst. Buckets idle for a minute are dropped; past maxKeys
// addresses the oldest half is dropped, so a flood of addresses cannot
// grow it without bound.
type rateLimiter struct {
	rate, burst float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

const maxKeys = 100_000

func newRateLimiter(rate float64, burst int, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key; when none is left it says how long until
// the next one.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute || len(l.buckets) >= maxKeys {
		l.sweep(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

func (l *rateLimiter) sweep(now time.Time) {
	l.swept = now
	for k, b := range l.buckets {
		if now.Sub(b.last) > time.Minute {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxKeys {
		cut := now.Add(-time.Second)
		for k, b := range l.buckets {
			if b.last.Before(cut) || len(l.buckets) >= maxKeys/2 {
				delete(l.buckets, k)
			}
		}
	}
}

// clientAddr is the address a request came from, without its port (the
// limit is per address: a proxy in front makes every request one address,
// so put the limit in the proxy then).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
