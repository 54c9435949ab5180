package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestGoRedisLogsThroughSlog: a line go-redis writes itself (here: a
// duration below its precision, rounded) comes out as a slog JSON record.
func TestGoRedisLogsThroughSlog(t *testing.T) {
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		t.Skip("TEST_REDIS_URL is not set (make test sets it)")
	}
	var buf syncBuf
	SetLogger(slog.New(slog.NewJSONHandler(&buf, nil)))
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.rdb.Set(context.Background(), "ocoptest:log:"+time.Now().Format(time.RFC3339Nano), "v", 500*time.Microsecond).Err(); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	line, _, _ := strings.Cut(buf.String(), "\n")
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("go-redis's line is not a slog record: %q", buf.String())
	}
	if rec["component"] != "redis" || rec["level"] != "WARN" || !strings.Contains(rec["msg"].(string), "truncating to 1ms") {
		t.Errorf("record: %v", rec)
	}
}

type syncBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestErrorsCountsFailedCommands: a command the server refuses counts, a
// missing key and a script's first run by its hash do not.
func TestErrorsCountsFailedCommands(t *testing.T) {
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		t.Skip("TEST_REDIS_URL is not set (make test sets it)")
	}
	ctx := context.Background()
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s = s.WithPrefix("ocoptest:errs:" + time.Now().Format(time.RFC3339Nano) + ":")
	base := s.Errors()
	if _, ok, err := s.Get(ctx, "missing"); err != nil || ok {
		t.Fatalf("Get of a missing key: %v %v", ok, err)
	}
	if _, err := s.Acquire(ctx, "lease", "me", time.Second); err != nil { // a script
		t.Fatal(err)
	}
	if n := s.Errors() - base; n != 0 {
		t.Fatalf("%d errors counted for answers that are not failures", n)
	}
	key := s.prefix + "text"
	s.rdb.Set(ctx, key, "không phải số", time.Minute)
	if err := s.rdb.Incr(ctx, key).Err(); err == nil {
		t.Fatal("INCR of text succeeded")
	}
	if n := s.Errors() - base; n != 1 {
		t.Errorf("%d errors counted, want 1", n)
	}
}
