package sqlite_test

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
	"github.com/ocop-tayninh/ocopbot/storage/storetest"
)

var _ storetest.KV = (*sqlite.KV)(nil)

func TestKVContract(t *testing.T) {
	// One fake clock for all the stores: the subtests run one at a time.
	c := newClock()
	storetest.TestKV(t, func(t *testing.T) storetest.KV {
		db, _ := open(t, c)
		return sqlite.NewKV(db)
	}, c.Advance)
}

func TestKVPurgeExpired(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	kv := sqlite.NewKV(db)
	for key, ttl := range map[string]time.Duration{"a": time.Second, "b": time.Minute, "c": 0} {
		if err := kv.Set(ctx, key, []byte(key), ttl); err != nil {
			t.Fatal(err)
		}
	}
	c.Advance(time.Second)
	if n, err := kv.PurgeExpired(ctx); err != nil || n != 1 {
		t.Fatalf("PurgeExpired = %d, %v; want 1", n, err)
	}
	var rows int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM kv`).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("%d rows left, %v; want 2", rows, err)
	}
	if _, ok, _ := kv.Get(ctx, "b"); !ok {
		t.Error("b purged before its time")
	}
}
