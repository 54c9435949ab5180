package redis

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/storage/storetest"
)

var _ storetest.Lease = (*Store)(nil)

func TestLeaseContract(t *testing.T) {
	storetest.TestLease(t, func(t *testing.T) storetest.Lease { return openTest(t) }, nil)
}

func TestLeaseKeyAndPX(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	if ok, err := s.Acquire(ctx, "outbox", "pid-1", 1500*time.Millisecond); err != nil || !ok {
		t.Fatalf("Acquire = %v, %v", ok, err)
	}
	key := s.prefix + "lease:outbox"
	if v, err := s.rdb.Get(ctx, key).Result(); err != nil || v != "pid-1" {
		t.Errorf("GET %s = %q, %v; want pid-1", key, v, err)
	}
	pttl, err := s.rdb.PTTL(ctx, key).Result()
	if err != nil || pttl <= time.Second || pttl > 1500*time.Millisecond {
		t.Errorf("PTTL = %v, %v; want in (1s, 1.5s]", pttl, err)
	}
	// Renewal by the holder sets the ttl anew.
	if ok, err := s.Acquire(ctx, "outbox", "pid-1", time.Minute); err != nil || !ok {
		t.Fatalf("renewal = %v, %v", ok, err)
	}
	if pttl, err := s.rdb.PTTL(ctx, key).Result(); err != nil || pttl <= 50*time.Second {
		t.Errorf("PTTL after renewal = %v, %v; want about a minute", pttl, err)
	}
	if err := s.Release(ctx, "outbox", "pid-1"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Errorf("key exists after Release: %d, %v", n, err)
	}
}
