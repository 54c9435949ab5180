// Package storetest holds contract tests that every implementation of a
// storage port must pass, so that the embedded stores and Redis behave alike.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// KV is the key-value store with expiry that sessions, de-duplication and
// locks are kept in.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
	Del(ctx context.Context, key string) error
}

// TestKV runs the KV contract. newKV returns an empty store for one subtest.
// advance moves the store's clock forward; nil means the clock is real and
// the suite sleeps instead. The subtests run one after another, so a fake
// clock may be shared by all the stores newKV returns.
func TestKV(t *testing.T, newKV func(t *testing.T) KV, advance func(d time.Duration)) {
	if advance == nil {
		advance = time.Sleep
	}
	const ttl = 150 * time.Millisecond
	past := 2 * ttl // how far to advance for a ttl to pass

	t.Run("SetGetOverwriteDelete", func(t *testing.T) {
		ctx, kv := t.Context(), newKV(t)
		if v, ok, err := kv.Get(ctx, "missing"); err != nil || ok || v != nil {
			t.Fatalf("Get(missing) = %q, %v, %v; want nil, false, nil", v, ok, err)
		}
		mustSet(t, kv, "sess:telegram:42", []byte("one"), 0)
		wantValue(t, kv, "sess:telegram:42", []byte("one"))
		mustSet(t, kv, "sess:telegram:42", []byte("two"), 0)
		wantValue(t, kv, "sess:telegram:42", []byte("two"))
		if err := kv.Del(ctx, "sess:telegram:42"); err != nil {
			t.Fatalf("Del: %v", err)
		}
		wantAbsent(t, kv, "sess:telegram:42")
		if err := kv.Del(ctx, "sess:telegram:42"); err != nil {
			t.Fatalf("Del of an absent key: %v", err)
		}
	})

	t.Run("BinaryValuesAndKeys", func(t *testing.T) {
		kv := newKV(t)
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		cases := map[string][]byte{
			"bytes":           all,
			"empty":           {},
			"invalid-utf8":    {0xff, 0xfe, 0x00, 0xc3},
			"khoá:tiếng việt": []byte("Hợp tác xã 🍵 <b>&amp;</b> Robert'); DROP TABLE kv;--"),
			"nul\x00in key":   []byte("x"),
		}
		for k, v := range cases {
			mustSet(t, kv, k, v, 0)
		}
		for k, v := range cases {
			wantValue(t, kv, k, v)
		}
	})

	t.Run("SetNX", func(t *testing.T) {
		ctx, kv := t.Context(), newKV(t)
		if ok := mustSetNX(t, kv, "lock", []byte("a"), 0); !ok {
			t.Fatal("first SetNX = false, want true")
		}
		if ok := mustSetNX(t, kv, "lock", []byte("b"), 0); ok {
			t.Fatal("second SetNX = true, want false")
		}
		wantValue(t, kv, "lock", []byte("a"))
		if err := kv.Del(ctx, "lock"); err != nil {
			t.Fatalf("Del: %v", err)
		}
		if ok := mustSetNX(t, kv, "lock", []byte("c"), 0); !ok {
			t.Fatal("SetNX after Del = false, want true")
		}
		wantValue(t, kv, "lock", []byte("c"))
	})

	t.Run("SetNXAfterExpiry", func(t *testing.T) {
		kv := newKV(t)
		if ok := mustSetNX(t, kv, "dedup", []byte("a"), ttl); !ok {
			t.Fatal("first SetNX = false, want true")
		}
		if ok := mustSetNX(t, kv, "dedup", []byte("b"), ttl); ok {
			t.Fatal("SetNX before expiry = true, want false")
		}
		advance(past)
		if ok := mustSetNX(t, kv, "dedup", []byte("c"), 0); !ok {
			t.Fatal("SetNX after expiry = false, want true")
		}
		advance(past)
		wantValue(t, kv, "dedup", []byte("c")) // set without ttl: kept
	})

	t.Run("TTL", func(t *testing.T) {
		kv := newKV(t)
		mustSet(t, kv, "short", []byte("v"), ttl)
		mustSet(t, kv, "forever", []byte("v"), 0)
		mustSet(t, kv, "renewed", []byte("v"), ttl)
		mustSet(t, kv, "renewed", []byte("w"), 0) // a Set without ttl clears it
		wantValue(t, kv, "short", []byte("v"))
		advance(past)
		wantAbsent(t, kv, "short")
		wantValue(t, kv, "forever", []byte("v"))
		wantValue(t, kv, "renewed", []byte("w"))
		mustSet(t, kv, "short", []byte("again"), 0)
		wantValue(t, kv, "short", []byte("again"))
	})

	t.Run("NegativeTTL", func(t *testing.T) {
		ctx, kv := t.Context(), newKV(t)
		if err := kv.Set(ctx, "k", []byte("v"), -time.Second); domain.ErrorKind(err) != domain.KindInvalid {
			t.Errorf("Set with negative ttl: %v, want a KindInvalid error", err)
		}
		if _, err := kv.SetNX(ctx, "k", []byte("v"), -time.Second); domain.ErrorKind(err) != domain.KindInvalid {
			t.Errorf("SetNX with negative ttl: %v, want a KindInvalid error", err)
		}
		wantAbsent(t, kv, "k")
	})

	t.Run("ConcurrentSetNX", func(t *testing.T) {
		ctx, kv := t.Context(), newKV(t)
		const n = 20
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []int
		)
		for i := range n {
			wg.Go(func() {
				ok, err := kv.SetNX(ctx, "race", fmt.Appendf(nil, "%d", i), time.Minute)
				if err != nil {
					t.Errorf("SetNX %d: %v", i, err)
					return
				}
				if ok {
					mu.Lock()
					winners = append(winners, i)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("%d winners %v, want exactly 1", len(winners), winners)
		}
		wantValue(t, kv, "race", fmt.Appendf(nil, "%d", winners[0]))
	})

	t.Run("LargeValue", func(t *testing.T) {
		kv := newKV(t)
		big := make([]byte, 1<<20)
		rand.Read(big)
		mustSet(t, kv, "big", big, 0)
		wantValue(t, kv, "big", big)
	})

	t.Run("Batch", func(t *testing.T) {
		ctx, kv := t.Context(), newKV(t)
		b, ok := kv.(domain.KVBatcher)
		if !ok {
			t.Skip("not a KVBatcher")
		}
		mustSet(t, kv, "sess", []byte("old"), 0)
		mustSet(t, kv, "gone", []byte("x"), 0)
		claim := &domain.KVOp{Kind: domain.KVSetNX, Key: "upd:1", Val: []byte("run"), TTL: time.Hour}
		read := &domain.KVOp{Kind: domain.KVGet, Key: "sess"}
		absent := &domain.KVOp{Kind: domain.KVGet, Key: "nothing", Val: []byte("stale")}
		if err := b.Batch(ctx, []*domain.KVOp{claim, read, absent}); err != nil {
			t.Fatal(err)
		}
		if !claim.OK || !read.OK || string(read.Val) != "old" || absent.OK || absent.Val != nil {
			t.Fatalf("claim %+v, read %+v, absent %+v", claim, read, absent)
		}
		again := &domain.KVOp{Kind: domain.KVSetNX, Key: "upd:1", Val: []byte("run"), TTL: time.Hour}
		save := &domain.KVOp{Kind: domain.KVSet, Key: "sess", Val: []byte("new"), TTL: time.Hour}
		done := &domain.KVOp{Kind: domain.KVSet, Key: "upd:1", Val: []byte("done")}
		del := &domain.KVOp{Kind: domain.KVDel, Key: "gone"}
		if err := b.Batch(ctx, []*domain.KVOp{again, save, done, del}); err != nil {
			t.Fatal(err)
		}
		if again.OK {
			t.Error("a second claim of the same key succeeded")
		}
		wantValue(t, kv, "sess", []byte("new"))
		wantValue(t, kv, "upd:1", []byte("done"))
		wantAbsent(t, kv, "gone")
		// Expiry applies to what a batch stores.
		if err := b.Batch(ctx, []*domain.KVOp{{Kind: domain.KVSet, Key: "short", Val: []byte("v"), TTL: ttl}}); err != nil {
			t.Fatal(err)
		}
		advance(past)
		wantAbsent(t, kv, "short")
	})
}

func mustSet(t *testing.T, kv KV, key string, val []byte, ttl time.Duration) {
	t.Helper()
	if err := kv.Set(t.Context(), key, val, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustSetNX(t *testing.T, kv KV, key string, val []byte, ttl time.Duration) bool {
	t.Helper()
	ok, err := kv.SetNX(t.Context(), key, val, ttl)
	if err != nil {
		t.Fatalf("SetNX(%q): %v", key, err)
	}
	return ok
}

func wantValue(t *testing.T, kv KV, key string, want []byte) {
	t.Helper()
	got, ok, err := kv.Get(t.Context(), key)
	if err != nil || !ok {
		t.Fatalf("Get(%q) = _, %v, %v; want the value", key, ok, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %s, want %s", key, abbrev(got), abbrev(want))
	}
}

func wantAbsent(t *testing.T, kv KV, key string) {
	t.Helper()
	if got, ok, err := kv.Get(t.Context(), key); err != nil || ok {
		t.Fatalf("Get(%q) = %s, %v, %v; want absent", key, abbrev(got), ok, err)
	}
}

func abbrev(b []byte) string {
	if len(b) > 32 {
		return fmt.Sprintf("%q… (%d bytes)", b[:32], len(b))
	}
	return fmt.Sprintf("%q", b)
}
