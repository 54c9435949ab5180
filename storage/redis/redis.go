// Package redis keeps session state, de-duplication marks and locks in Redis
// through github.com/redis/go-redis/v9, for running more than one instance.
package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
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
	batch  *batcher
}

// Open connects to the Redis server at redisURL (redis://[user:password@]host:port/db
// or rediss:// for TLS) and checks that it answers.
func Open(ctx context.Context, redisURL string) (*Store, error) {
	const op = "redis.Open"
	opt, err := goredis.ParseURL(redisURL)
	if err != nil {
		return nil, domain.E(op, domain.KindInvalid, fmt.Errorf("bad Redis URL: %w", redactURL(err)))
	}
	s := &Store{rdb: goredis.NewClient(opt), prefix: DefaultPrefix, errs: new(atomic.Uint64), batch: new(batcher)}
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
	return &Store{rdb: s.rdb, prefix: prefix, errs: s.errs, batch: s.batch}
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
	args := make([]any, 3, 6) // room for px and nx: one allocation
	args[0], args[1], args[2] = "set", s.prefix+key, val
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
// (not a transaction: each command is atomic on its own). Calls made while
// another's pipeline is on the wire share the next pipeline (a group
// commit): every update ends with one, and under load the round trips and
// their system calls were a tenth of the bot's CPU (BENCHMARKS.md). A
// caller waits for at most the pipeline in flight and its own.
func (s *Store) Batch(ctx context.Context, ops []*domain.KVOp) error {
	const op = "redis.Batch"
	call := &batchCall{ops: ops, args: make([][]any, len(ops)), done: make(chan struct{})}
	for i, o := range ops {
		switch o.Kind {
		case domain.KVGet:
			call.args[i] = []any{"get", s.prefix + o.Key}
		case domain.KVSet, domain.KVSetNX:
			a, err := s.setArgs(op, o.Key, o.Val, o.TTL)
			if err != nil {
				return err
			}
			if o.Kind == domain.KVSetNX {
				a = append(a, "nx")
			}
			call.args[i] = a
		case domain.KVDel:
			call.args[i] = []any{"del", s.prefix + o.Key}
		default:
			return domain.Errorf(op, "unknown operation %d", o.Kind)
		}
	}
	if len(ops) == 0 {
		return nil
	}
	return s.batch.run(ctx, s.rdb, call)
}

// batcher merges the Batch calls that wait while a pipeline is in flight
// into the next one. It is shared by the views of a Store.
type batcher struct {
	mu      sync.Mutex
	waiting []*batchCall
	running bool
}

// batchCall is one Batch call: its operations, their commands' arguments,
// and its result once done is closed.
type batchCall struct {
	ops  []*domain.KVOp
	args [][]any
	done chan struct{} // closed when its results are in, or when it is to lead
	lead bool
	err  error
}

func (b *batcher) run(ctx context.Context, rdb *goredis.Client, call *batchCall) error {
	b.mu.Lock()
	b.waiting = append(b.waiting, call)
	lead := !b.running
	b.running = true
	b.mu.Unlock()
	if !lead {
		<-call.done
		if !call.lead {
			return call.err
		}
	}
	b.mu.Lock()
	calls := b.waiting
	b.waiting = nil
	b.mu.Unlock()

	// Whatever happens below, the others get their answers and the next
	// pipeline its leader.
	defer func() {
		b.mu.Lock()
		if len(b.waiting) > 0 {
			next := b.waiting[0]
			next.lead = true
			close(next.done)
		} else {
			b.running = false
		}
		b.mu.Unlock()
		for _, c := range calls {
			if c != call {
				close(c.done)
			}
		}
	}()
	for _, c := range calls {
		c.err = errors.New("redis: the batch was not run")
	}
	cmds := make([][]*goredis.Cmd, len(calls))
	// Not cancelled with this caller's context, which the others do not
	// share: the client's read and write timeouts bound the round trip.
	pctx := context.WithoutCancel(ctx)
	_, _ = rdb.Pipelined(pctx, func(p goredis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = make([]*goredis.Cmd, len(c.args))
			for j, a := range c.args {
				cmds[i][j] = p.Do(pctx, a...)
			}
		}
		return nil
	})
	for i, c := range calls {
		c.err = results(c.ops, cmds[i])
	}
	return call.err
}

// results fills ops from their commands' replies.
func results(ops []*domain.KVOp, cmds []*goredis.Cmd) error {
	const op = "redis.Batch"
	for i, o := range ops {
		c := cmds[i]
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
	return nil
}

var _ domain.KVBatcher = (*Store)(nil)
