package bottest_test

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/bottest"
	"github.com/ocop-tayninh/ocopbot/storage/storetest"
)

// The in-memory KV keeps the contract the embedded store and Redis keep,
// so that what passes against it passes against them.
func TestKVContract(t *testing.T) {
	c := bottest.NewClock(bottest.Epoch)
	storetest.TestKV(t, func(*testing.T) storetest.KV { return bottest.NewKV(c.Now) }, c.Advance)
}

// A failing store fails the operations it is told to, then recovers.
func TestKVFails(t *testing.T) {
	kv := bottest.NewKV(nil)
	kv.Fail(1)
	if err := kv.Set(t.Context(), "k", []byte("v"), 0); err == nil {
		t.Fatal("the failing Set succeeded")
	}
	if err := kv.Set(t.Context(), "k", []byte("v"), time.Minute); err != nil {
		t.Fatalf("the Set after: %v", err)
	}
	if n := kv.Ops(); n != 2 {
		t.Fatalf("%d operations counted, want 2", n)
	}
}
