package sqlite_test

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
	"github.com/ocop-tayninh/ocopbot/storage/storetest"
)

var _ storetest.Lease = (*sqlite.Leases)(nil)

func TestLeaseContract(t *testing.T) {
	// One fake clock for all the stores: the subtests run one at a time.
	c := newClock()
	storetest.TestLease(t, func(t *testing.T) storetest.Lease {
		db, _ := open(t, c)
		return sqlite.NewLeases(db)
	}, c.Advance)
}

// Two processes share one database file: the lease is theirs to share too.
func TestLeaseAcrossConnections(t *testing.T) {
	c := newClock()
	db, path := open(t, c)
	other := reopen(t, path, c)
	a, b := sqlite.NewLeases(db), sqlite.NewLeases(other)
	ctx := t.Context()
	if ok, err := a.Acquire(ctx, "outbox", "pid-1", time.Minute); err != nil || !ok {
		t.Fatalf("first Acquire = %v, %v", ok, err)
	}
	if ok, err := b.Acquire(ctx, "outbox", "pid-2", time.Minute); err != nil || ok {
		t.Fatalf("second process Acquire = %v, %v; want false", ok, err)
	}
	c.Advance(time.Minute)
	if ok, err := b.Acquire(ctx, "outbox", "pid-2", time.Minute); err != nil || !ok {
		t.Fatalf("Acquire after expiry = %v, %v; want true", ok, err)
	}
}
