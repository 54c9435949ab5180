package sqlite

import (
	"fmt"
	"testing"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// A read is kept unless a write that may concern the same user came
// between the read and the keeping; a write of somebody else does not
// count (it did, and a stream of new users kept the cache empty).
func TestUserCacheKeepsReadsThatRacedOtherUsers(t *testing.T) {
	x := domain.User{ID: 1, Channel: "zalo", ChannelID: "x"}
	keyX := userKey(x.Channel, x.ChannelID)
	other := ""
	for i := 0; other == ""; i++ { // a user in another stripe
		if k := userKey("zalo", fmt.Sprint("y", i)); userStripe(k) != userStripe(keyX) {
			other = k
		}
	}
	cases := []struct {
		name  string
		write func(c *userCache)
		kept  bool
	}{
		{"no write", func(*userCache) {}, true},
		{"another user's first message", func(c *userCache) { c.forget(other, 0) }, true},
		{"the same user by key", func(c *userCache) { c.forget(keyX, 0) }, false},
		{"a user not cached, by id (maybe this one)", func(c *userCache) { c.forget("", 1) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c userCache
			if _, ok, _ := c.get(x.Channel, x.ChannelID); ok {
				t.Fatal("cached before any read")
			}
			_, _, gen := c.get(x.Channel, x.ChannelID)
			tc.write(&c)
			c.put(x, gen)
			if _, ok, _ := c.get(x.Channel, x.ChannelID); ok != tc.kept {
				t.Errorf("kept = %v, want %v", ok, tc.kept)
			}
		})
	}

	// A cached user written by id is dropped, and only their stripe counts.
	var c userCache
	_, _, gen := c.get(x.Channel, x.ChannelID)
	c.put(x, gen)
	c.forget("", x.ID)
	if _, ok, _ := c.get(x.Channel, x.ChannelID); ok {
		t.Error("a user written by id stayed cached")
	}
	if c.byID != 0 {
		t.Error("a write of a cached user by id counted as one of an unknown user")
	}
}

// A write keeps the row it returned, unless another write that may concern
// the user came between the read before it and its end; a read in flight
// during the write is not kept over it.
func TestUserCacheKeepsWhatAWriteReturned(t *testing.T) {
	before := domain.User{ID: 1, Channel: "zalo", ChannelID: "x", Name: "old"}
	after := before
	after.Name = "new"

	var c userCache
	_, _, gen := c.get("zalo", "x")      // Touch reads before writing
	_, _, inFlight := c.get("zalo", "x") // another read, of the old row
	c.wrote(after, gen)
	c.put(before, inFlight)
	if u, ok, _ := c.get("zalo", "x"); !ok || u.Name != "new" {
		t.Errorf("cached %+v (%v), want the written row", u, ok)
	}

	var d userCache
	_, _, gen = d.get("zalo", "x")
	d.forget("", 1) // an officer changed the user meanwhile
	d.wrote(after, gen)
	if u, ok, _ := d.get("zalo", "x"); ok {
		t.Errorf("cached %+v although another write came between", u)
	}
}

// Users written together in one transaction (the open-form marks) are all
// kept, even in one stripe; one written meanwhile by somebody else is not.
func TestUserCacheKeepsTheUsersOfOneWrite(t *testing.T) {
	var c userCache
	var us []domain.User
	stripe := -1
	for i := 0; len(us) < 3; i++ { // three users of one stripe
		u := domain.User{ID: int64(i + 1), Channel: "zalo", ChannelID: fmt.Sprint("u", i)}
		k := userKey(u.Channel, u.ChannelID)
		if stripe == -1 {
			stripe = userStripe(k)
		}
		if userStripe(k) == stripe {
			us = append(us, u)
		}
	}
	var gens []userGen
	for _, u := range us {
		_, _, gen := c.get(u.Channel, u.ChannelID)
		c.put(u, gen)
		g, ok := c.genOfID(u.ID)
		if !ok {
			t.Fatal("not cached")
		}
		gens = append(gens, g)
	}
	written := make([]domain.User, len(us))
	for i, u := range us {
		u.OpenForms = []string{"dangky"}
		written[i] = u
	}
	c.wroteAll(written, gens)
	for _, u := range us {
		if got, ok, _ := c.get(u.Channel, u.ChannelID); !ok || len(got.OpenForms) != 1 {
			t.Fatalf("user %d after the write: %+v, cached %v", u.ID, got, ok)
		}
	}

	// A write of the first user between the counts and the write: only
	// that user is dropped.
	for i, u := range us {
		gens[i], _ = c.genOfID(u.ID)
	}
	c.forget(userKey(us[0].Channel, us[0].ChannelID), 0)
	c.wroteAll(written, gens)
	if _, ok, _ := c.get(us[0].Channel, us[0].ChannelID); ok {
		t.Error("a user written meanwhile was kept")
	}
	// The others share its stripe: its write is a write of the stripe.
	if _, ok, _ := c.get(us[1].Channel, us[1].ChannelID); ok {
		t.Error("a user of the same stripe was kept after another's write of it")
	}
}
