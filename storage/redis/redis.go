// Package redis keeps session state, de-duplication marks and locks in Redis
// through github.com/redis/go-redis/v9, for running more than one instance.
package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	goredis "github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key a Store opened by Open writes.
const DefaultPrefix = "ocop:"

// pingTimeout bounds the check that the server answers at Open.
const pingTimeout = 5 * time.Second

// Store is a key-value store with expiry in Redis. Every key is prefixed, so
// one server can hold several bots or test runs.
type Store struct {
	rdb    *goredis.Client
	prefix string
	errs   *atomic.Uint64 // failed commands (errorHook)
}

// Open connects to the Redis server at redisURL (redis://[user:password@]host:port/db
// or rediss:// for TLS) and checks that it answers.
func Open(ctx context.Context, redisURL string) (*Store, error) {
	const op = "redis.Open"
	opt, err := goredis.ParseURL(redisURL)
	if err != nil {
		return nil, domain.E(op, domain.KindInvalid, fmt.Errorf("bad Redis URL: %w", redactURL(err)))
	}
	s := &Store{rdb: goredis.NewClient(opt), prefix: DefaultPrefix, errs: new(atomic.Uint64)}
	s.rdb.AddHook(errorHook{s.errs})
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := s.rdb.Ping(pctx).Err(); err != nil {
		s.rdb.Close()
		return nil, domain.E(op, domain.KindUnavailable, fmt.Errorf("the Redis server at %s (db %d) does not answer: %w", opt.Addr, opt.DB, err))
	}
	return s, nil
}

// redactURL drops the URL, which may hold a password, from a parse error.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// WithPrefix returns a view of s whose keys start with prefix instead. The
// view shares s's connections: close only one of them.
func (s *Store) WithPrefix(prefix string) *Store {
	return &Store{rdb: s.rdb, prefix: prefix, errs: s.errs}
}

// Close closes the connections.
func (s *Store) Close() error { return s.rdb.Close() }

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return redisError("redis.Ping", err)
	}
	return nil
}

// Get returns the value of key; ok is false when it is absent or expired.
func (s *Store) Get(ctx context.Context, key string) (val []byte, ok bool, err error) {
	val, err = s.rdb.Get(ctx, s.prefix+key).Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, redisError("redis.Get", err)
	}
	return val, true, nil
}

// Set stores val under key; ttl 0 means it never expires.
func (s *Store) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	const op = "redis.Set"
	args, err := s.setArgs(op, key, val, ttl)
	if err != nil {
		return err
	}
	if err := s.rdb.Do(ctx, args...).Err(); err != nil {
		return redisError(op, err)
	}
	return nil
}

// SetNX stores val under key only when the key is absent or expired, and
// reports whether it did.
func (s *Store) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	const op = "redis.SetNX"
	args, err := s.setArgs(op, key, val, ttl)
	if err != nil {
		return false, err
	}
	err = s.rdb.Do(ctx, append(args, "nx")...).Err()
	switch {
	case errors.Is(err, goredis.Nil): // not set
		return false, nil
	case err != nil:
		return false, redisError(op, err)
	}
	return true, nil
}

// Del deletes key; an absent key is not an error.
func (s *Store) Del(ctx context.Context, key string) error {
	if err := s.rdb.Del(ctx, s.prefix+key).Err(); err != nil {
		return redisError("redis.Del", err)
	}
	return nil
}

// setArgs builds SET key val [PX ms], the ttl rounded up to the millisecond.
func (s *Store) setArgs(op, key string, val []byte, ttl time.Duration) ([]any, error) {
	if ttl < 0 {
		return nil, domain.E(op, domain.KindInvalid, errors.New("negative ttl"))
	}
	if val == nil {
		val = []byte{}
	}
	args := []any{"set", s.prefix + key, val}
	if ttl > 0 {
		args = append(args, "px", int64((ttl+time.Millisecond-1)/time.Millisecond))
	}
	return args, nil
}

// redisError classifies err: an error reply from the server is a bug on our
// side, anything else (network, timeout) means Redis is unavailable.
func redisError(op string, err error) error {
	var reply goredis.Error
	if errors.As(err, &reply) {
		return domain.E(op, domain.KindInternal, err)
	}
	return domain.E(op, domain.KindUnavailable, err)
}

// Batch runs ops in order in one pipeline: one round trip for all of them
// (not a transaction: each command is atomic on its own).
func (s *Store) Batch(ctx context.Context, ops []*domain.KVOp) error {
	const op = "redis.Batch"
	cmds := make([]*goredis.Cmd, len(ops))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, o := range ops {
			var args []any
			switch o.Kind {
			case domain.KVGet:
				args = []any{"get", s.prefix + o.Key}
			case domain.KVSet, domain.KVSetNX:
				a, err := s.setArgs(op, o.Key, o.Val, o.TTL)
				if err != nil {
					return err
				}
				if o.Kind == domain.KVSetNX {
					a = append(a, "nx")
				}
				args = a
			case domain.KVDel:
				args = []any{"del", s.prefix + o.Key}
			default:
				return domain.Errorf(op, "unknown operation %d", o.Kind)
			}
			cmds[i] = p.Do(ctx, args...)
		}
		return nil
	})
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	for i, o := range ops {
		c := cmds[i]
		if c == nil {
			continue
		}
		cerr := c.Err()
		switch {
		case errors.Is(cerr, goredis.Nil): // GET of an absent key, SET NX not done
			o.Val, o.OK = nil, false
			continue
		case cerr != nil:
			return redisError(op, cerr)
		}
		switch o.Kind {
		case domain.KVGet:
			v, err := c.Text()
			if err != nil {
				return redisError(op, err)
			}
			o.Val, o.OK = []byte(v), true
		case domain.KVSetNX:
			o.OK = true
		}
	}
	if err != nil && !errors.Is(err, goredis.Nil) {
		return redisError(op, err)
	}
	return nil
}

var _ domain.KVBatcher = (*Store)(nil)
