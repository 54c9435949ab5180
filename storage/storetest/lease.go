package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Lease is a named, expiring lock: one holder at a time does a job, such as
// sending the outbox.
type Lease interface {
	// Acquire takes the lease, or extends it when holder holds it already.
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// Release gives it up if holder holds it.
	Release(ctx context.Context, name, holder string) error
}

// TestLease runs the Lease contract. newLease returns an empty store for one
// subtest. advance moves the store's clock forward; nil means the clock is
// real and the suite sleeps instead. The subtests run one after another, so a
// fake clock may be shared by all the stores newLease returns.
func TestLease(t *testing.T, newLease func(t *testing.T) Lease, advance func(d time.Duration)) {
	if advance == nil {
		advance = time.Sleep
	}
	const ttl = 300 * time.Millisecond

	t.Run("OneHolderAtATime", func(t *testing.T) {
		l := newLease(t)
		wantAcquire(t, l, "sender", "a", ttl, true)
		wantAcquire(t, l, "sender", "b", ttl, false)
		wantAcquire(t, l, "sender", "a", ttl, true) // held by a: extended
		wantAcquire(t, l, "other", "b", ttl, true)  // names are independent
		mustRelease(t, l, "sender", "b")            // not b's: nothing happens
		wantAcquire(t, l, "sender", "b", ttl, false)
		mustRelease(t, l, "sender", "a")
		wantAcquire(t, l, "sender", "b", ttl, true)
		wantAcquire(t, l, "sender", "a", ttl, false)
		mustRelease(t, l, "never-taken", "a") // releasing a free lease is harmless
	})

	t.Run("Expiry", func(t *testing.T) {
		l := newLease(t)
		wantAcquire(t, l, "sender", "a", ttl, true)
		advance(2 * ttl)
		wantAcquire(t, l, "sender", "b", ttl, true) // a's lease expired
		wantAcquire(t, l, "sender", "a", ttl, false)
		mustRelease(t, l, "sender", "a") // a's late release does not free b's lease
		wantAcquire(t, l, "sender", "a", ttl, false)
	})

	t.Run("RenewalExtends", func(t *testing.T) {
		l := newLease(t)
		step := ttl * 6 / 10
		wantAcquire(t, l, "sender", "a", ttl, true)
		advance(step)
		wantAcquire(t, l, "sender", "a", ttl, true) // renewed: ttl from now
		advance(step)                               // past the first ttl, within the second
		wantAcquire(t, l, "sender", "b", ttl, false)
		advance(2 * ttl)
		wantAcquire(t, l, "sender", "b", ttl, true)
	})

	t.Run("BadArguments", func(t *testing.T) {
		ctx, l := t.Context(), newLease(t)
		for _, c := range []struct {
			name, holder string
			ttl          time.Duration
		}{
			{"sender", "a", 0},
			{"sender", "a", -time.Second},
			{"", "a", ttl},
			{"sender", "", ttl},
		} {
			ok, err := l.Acquire(ctx, c.name, c.holder, c.ttl)
			if ok || domain.ErrorKind(err) != domain.KindInvalid {
				t.Errorf("Acquire(%q, %q, %v) = %v, %v; want false and a KindInvalid error", c.name, c.holder, c.ttl, ok, err)
			}
		}
		wantAcquire(t, l, "sender", "b", ttl, true)
	})

	t.Run("Race", func(t *testing.T) {
		ctx, l := t.Context(), newLease(t)
		const n = 20
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
		)
		for i := range n {
			wg.Go(func() {
				holder := fmt.Sprintf("process-%d", i)
				ok, err := l.Acquire(ctx, "sender", holder, time.Minute)
				if err != nil {
					t.Errorf("Acquire by %s: %v", holder, err)
					return
				}
				if ok {
					mu.Lock()
					winners = append(winners, holder)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("%d winners %v, want exactly 1", len(winners), winners)
		}
		wantAcquire(t, l, "sender", winners[0], time.Minute, true)
		wantAcquire(t, l, "sender", "late", time.Minute, false)
	})
}

func wantAcquire(t *testing.T, l Lease, name, holder string, ttl time.Duration, want bool) {
	t.Helper()
	ok, err := l.Acquire(t.Context(), name, holder, ttl)
	if err != nil {
		t.Fatalf("Acquire(%q, %q): %v", name, holder, err)
	}
	if ok != want {
		t.Fatalf("Acquire(%q, %q) = %v, want %v", name, holder, ok, want)
	}
}

func mustRelease(t *testing.T, l Lease, name, holder string) {
	t.Helper()
	if err := l.Release(t.Context(), name, holder); err != nil {
		t.Fatalf("Release(%q, %q): %v", name, holder, err)
	}
}
