package redis

import (
	"context"
	"errors"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	goredis "github.com/redis/go-redis/v9"
)

// leaseKey is the key of the lease name, under the store's prefix.
func (s *Store) leaseKey(name string) string { return s.prefix + "lease:" + name }

// extendScript extends the lease KEYS[1] to ARGV[2] ms if ARGV[1] holds it.
var extendScript = goredis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)

// releaseScript deletes the lease KEYS[1] if ARGV[1] holds it.
var releaseScript = goredis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Acquire takes the lease name for holder for ttl and reports whether it did.
// It succeeds when the lease is free or expired, or already held by holder,
// whose lease it then extends to ttl from now. The holder should renew well
// before ttl passes and stop the job when a renewal fails.
//
// Taking a free lease is one SET NX PX; extending checks the holder and sets
// the expiry in one script. A lease that expires between the two reads as
// not acquired; the next attempt takes it.
func (s *Store) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	const op = "redis.Acquire"
	if name == "" || holder == "" {
		return false, domain.E(op, domain.KindInvalid, errors.New("empty lease name or holder"))
	}
	if ttl <= 0 {
		return false, domain.E(op, domain.KindInvalid, errors.New("lease ttl not positive"))
	}
	ms := int64((ttl + time.Millisecond - 1) / time.Millisecond)
	key := s.leaseKey(name)
	err := s.rdb.Do(ctx, "set", key, holder, "nx", "px", ms).Err()
	switch {
	case err == nil:
		return true, nil
	case !errors.Is(err, goredis.Nil):
		return false, redisError(op, err)
	}
	n, err := extendScript.Run(ctx, s.rdb, []string{key}, holder, ms).Int()
	if err != nil {
		return false, redisError(op, err)
	}
	return n == 1, nil
}

// Release gives the lease up if holder holds it; otherwise it does nothing.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	if err := releaseScript.Run(ctx, s.rdb, []string{s.leaseKey(name)}, holder).Err(); err != nil {
		return redisError("redis.Release", err)
	}
	return nil
}

// takeoverScript gives the lease KEYS[1] to ARGV[2] for ARGV[3] ms if
// ARGV[1] holds it.
var takeoverScript = goredis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) and 1 or 0
end
return 0`)

// Holder returns who holds the lease name and until when; ok is false when
// nobody does.
func (s *Store) Holder(ctx context.Context, name string) (holder string, until time.Time, ok bool, err error) {
	const op = "redis.Holder"
	key := s.leaseKey(name)
	pipe := s.rdb.Pipeline()
	get := pipe.Get(ctx, key)
	ttl := pipe.PTTL(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return "", time.Time{}, false, redisError(op, err)
	}
	holder, err = get.Result()
	if errors.Is(err, goredis.Nil) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, redisError(op, err)
	}
	return holder, time.Now().Add(ttl.Val()), true, nil
}

// Takeover gives the lease name to holder for ttl if from still holds it
// (a holder known to be gone), and reports whether it did.
func (s *Store) Takeover(ctx context.Context, name, from, holder string, ttl time.Duration) (bool, error) {
	const op = "redis.Takeover"
	if from == "" || holder == "" || ttl <= 0 {
		return false, domain.E(op, domain.KindInvalid, errors.New("empty holder or ttl not positive"))
	}
	ms := int64((ttl + time.Millisecond - 1) / time.Millisecond)
	n, err := takeoverScript.Run(ctx, s.rdb, []string{s.leaseKey(name)}, from, holder, ms).Int()
	if err != nil {
		return false, redisError(op, err)
	}
	return n == 1, nil
}
