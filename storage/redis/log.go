package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"
)

// SetLogger sends go-redis's own log lines (a connection it could not
// close, a failed re-authentication, a duration it rounded) to log, as
// warnings with "component":"redis", instead of the standard logger's
// plain text on stderr. go-redis has one logger per process.
func SetLogger(log *slog.Logger) {
	goredis.SetLogger(slogPrinter{log.With("component", "redis")})
}

type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(ctx context.Context, format string, v ...any) {
	p.log.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)))
}

// errorHook counts the commands the server or the connection failed (a
// missing key, redis.Nil, is an answer, not an error).
type errorHook struct{ n *atomic.Uint64 }

func (h errorHook) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil {
			h.n.Add(1)
		}
		return c, err
	}
}

func (h errorHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.count(cmd, err)
		return err
	}
}

func (h errorHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		counted := false
		for _, c := range cmds {
			counted = h.count(c, c.Err()) || counted
		}
		if !counted && err != nil && len(cmds) > 0 {
			h.count(cmds[0], err)
		}
		return err
	}
}

// count counts a failed command, except the answers that are not
// failures: a missing key (redis.Nil), a script run by its hash first
// (NOSCRIPT: Script.Run sends it again), the connection's greeting that
// an older server does not know (HELLO, CLIENT SETINFO: go-redis goes on
// without them), and a cancelled context.
func (h errorHook) count(cmd goredis.Cmder, err error) bool {
	if err == nil || errors.Is(err, goredis.Nil) || errors.Is(err, context.Canceled) || goredis.HasErrorPrefix(err, "NOSCRIPT") {
		return false
	}
	if name := cmd.Name(); name == "hello" || name == "client" {
		return false
	}
	h.n.Add(1)
	return true
}

// Errors counts the Redis commands, pipelines and connections that failed
// since the store was opened (the stores made by WithPrefix share it).
func (s *Store) Errors() uint64 { return s.errs.Load() }
