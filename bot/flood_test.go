package bot

import (
	"testing"
	"time"
)

func TestFloodLimit(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	f := &flood{burst: 3, per: time.Second, users: map[int64]*floodState{}}
	for i := range 3 {
		if ok, _ := f.take(1, now); !ok {
			t.Fatalf("update %d within the burst refused", i+1)
		}
	}
	if ok, tell := f.take(1, now); ok || !tell {
		t.Fatalf("beyond the burst: ok %v, tell %v; want refused and told", ok, tell)
	}
	if ok, tell := f.take(1, now); ok || tell {
		t.Fatalf("again: ok %v, tell %v; want refused, not told twice", ok, tell)
	}
	// Someone else is not held.
	if ok, _ := f.take(2, now); !ok {
		t.Fatal("another user was refused")
	}
	// One a second comes back.
	now = now.Add(time.Second)
	if ok, _ := f.take(1, now); !ok {
		t.Fatal("a second later, refused")
	}
	if ok, tell := f.take(1, now); ok || tell {
		t.Fatalf("at once again: ok %v, tell %v", ok, tell)
	}
	// Told again once notifyEvery passed (the bucket full by then).
	now = now.Add(notifyEvery)
	for range 3 {
		f.take(1, now)
	}
	if ok, tell := f.take(1, now); ok || !tell {
		t.Fatalf("after %v: ok %v, tell %v; want told again", notifyEvery, ok, tell)
	}
}
