package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// A notice to a Zalo user silent for more than 7 days waits for them to
// write; one to a user who blocked the bot is not sent; Telegram has no
// window.
func TestOutboxWaitsOutsideTheReplyWindow(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db, _ := open(t, c)
	users := sqlite.NewUserStore(db)
	out := sqlite.NewOutbox(db)
	for _, u := range []struct{ ch, id string }{{"zalo", "z-old"}, {"zalo", "z-new"}, {"telegram", "t-old"}, {"zalo", "z-blocked"}} {
		if _, err := users.Touch(ctx, u.ch, u.id, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	c.Advance(8 * 24 * time.Hour)
	if _, err := users.Touch(ctx, "zalo", "z-new", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := users.SetBlocked(ctx, "zalo", "z-blocked", true); err != nil {
		t.Fatal(err)
	}
	for _, m := range []sqlite.OutboxMessage{
		{Key: "a", Channel: "zalo", ChatID: "z-old", Payload: []byte(`{}`)},
		{Key: "b", Channel: "zalo", ChatID: "z-new", Payload: []byte(`{}`)},
		{Key: "c", Channel: "telegram", ChatID: "t-old", Payload: []byte(`{}`)},
		{Key: "d", Channel: "zalo", ChatID: "z-blocked", Payload: []byte(`{}`)},
	} {
		if _, err := out.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := out.Claim(ctx, c.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, m := range got {
		keys[m.Key] = true
	}
	if len(got) != 2 || !keys["b"] || !keys["c"] {
		t.Fatalf("claimed %+v; want b and c", got)
	}
	// The silent user writes: their notice goes out at the next claim.
	c.Advance(time.Minute)
	if _, err := users.Touch(ctx, "zalo", "z-old", "", ""); err != nil {
		t.Fatal(err)
	}
	got, err = out.Claim(ctx, c.Now(), 10)
	if err != nil || len(got) != 1 || got[0].Key != "a" {
		t.Fatalf("after the user wrote: %+v, %v", got, err)
	}
	// Refused by Zalo anyway: it waits again.
	if err := out.MarkWaiting(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := out.Claim(ctx, c.Now(), 10); len(got) != 0 {
		t.Fatalf("a waiting notice was claimed: %+v", got)
	}
}
