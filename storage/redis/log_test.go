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
