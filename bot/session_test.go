package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/storage/redis"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// stores returns the two KV implementations the engine runs on.
func stores(t *testing.T) map[string]bot.KV {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kv.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	out := map[string]bot.KV{"embedded": sqlite.NewKV(db)}
	if url := os.Getenv("TEST_REDIS_URL"); url != "" {
		rs, err := redis.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rs.Close() })
		out["redis"] = rs.WithPrefix("ocoptest:" + t.Name() + ":" + time.Now().Format("150405.000000") + ":")
	} else {
		t.Log("TEST_REDIS_URL not set: the Redis store is not tested here")
	}
	return out
}

// The session store behaves the same on both stores: a saved form comes
// back whole, an emptied session is deleted, a session of another version
// starts fresh instead of locking the user out.
func TestSessionStoreContract(t *testing.T) {
	ctx := context.Background()
	for name, kv := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ss := bot.NewSessionStore(kv)
			s, old, err := ss.Load(ctx, "telegram", "1")
			if err != nil || old != nil || s.Active != "" {
				t.Fatalf("fresh session: %+v %q %v", s, old, err)
			}
			s.Active = "reg"
			s.Forms = map[string]*bot.Form{"reg": {Flow: "reg", Nonce: "n1", Step: 2, Answers: map[string]string{"name": "HTX 'a' <b>"}}}
			if err := ss.Save(ctx, "telegram", "1", s, old); err != nil {
				t.Fatal(err)
			}
			back, raw, err := ss.Load(ctx, "telegram", "1")
			if err != nil || back.Active != "reg" || back.Forms["reg"].Step != 2 || back.Forms["reg"].Answers["name"] != "HTX 'a' <b>" {
				t.Fatalf("loaded %+v, %v", back, err)
			}
			if other, _, _ := ss.Load(ctx, "telegram", "2"); other.Active != "" {
				t.Fatal("sessions of two users mixed")
			}
			back.Active, back.Forms = "", nil
			if err := ss.Save(ctx, "telegram", "1", back, raw); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := kv.Get(ctx, "sess:telegram:1"); ok {
				t.Fatal("an empty session was kept")
			}
			if err := kv.Set(ctx, "sess:telegram:3", []byte(`{"v":999,"active":"x"}`), time.Hour); err != nil {
				t.Fatal(err)
			}
			if s3, _, err := ss.Load(ctx, "telegram", "3"); err != nil || s3.Active != "" {
				t.Fatalf("a session of an unknown version: %+v %v", s3, err)
			}
		})
	}
}

func TestDeduperContract(t *testing.T) {
	ctx := context.Background()
	for name, kv := range stores(t) {
		t.Run(name, func(t *testing.T) {
			d := bot.NewDeduper(kv)
			if ok, err := d.Begin(ctx, "telegram", 42); !ok || err != nil {
				t.Fatalf("first Begin: %v %v", ok, err)
			}
			if ok, _ := d.Begin(ctx, "telegram", 42); ok {
				t.Fatal("an update being handled was claimed twice")
			}
			// After a crash the owner of the inbox releases the claim.
			if todo, err := d.Release(ctx, "telegram", 42); !todo || err != nil {
				t.Fatalf("Release of an unfinished update: %v %v", todo, err)
			}
			if ok, _ := d.Begin(ctx, "telegram", 42); !ok {
				t.Fatal("a released update could not be claimed")
			}
			if err := d.Finish(ctx, "telegram", 42); err != nil {
				t.Fatal(err)
			}
			if todo, _ := d.Release(ctx, "telegram", 42); todo {
				t.Fatal("a finished update was handed out again")
			}
			if ok, _ := d.Begin(ctx, "telegram", 42); ok {
				t.Fatal("a finished update was claimed again")
			}
			if ok, _ := d.Begin(ctx, "console", 42); !ok {
				t.Fatal("update ids of two channels collided")
			}
		})
	}
}
