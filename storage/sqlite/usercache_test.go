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
