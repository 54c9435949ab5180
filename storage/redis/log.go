package redis

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

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
