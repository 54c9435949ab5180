package redis

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/storetest"
)

var _ storetest.KV = (*Store)(nil)

// openTest connects to TEST_REDIS_URL, skipping the test when it is unset, and
// returns a view under a prefix of its own whose keys are deleted at the end.
func openTest(t *testing.T) *Store {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		t.Skip("TEST_REDIS_URL not set")
	}
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	view := s.WithPrefix("ocoptest:" + rand.Text() + ":")
	t.Cleanup(func() {
		deleteAll(t, view)
		s.Close()
	})
	return view
}

func deleteAll(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background() // t.Context is done during cleanup
	iter := s.rdb.Scan(ctx, 0, s.prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		if err := s.rdb.Del(ctx, iter.Val()).Err(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

func TestKVContract(t *testing.T) {
	storetest.TestKV(t, func(t *testing.T) storetest.KV { return openTest(t) }, nil)
}

func TestPrefixAndPX(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	if err := s.Set(ctx, "k", []byte("v"), 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// The key is stored under the prefix, with a millisecond ttl.
	pttl, err := s.rdb.PTTL(ctx, s.prefix+"k").Result()
	if err != nil || pttl <= time.Second || pttl > 1500*time.Millisecond {
		t.Errorf("PTTL = %v, %v; want in (1s, 1.5s]", pttl, err)
	}
	// Another prefix does not see it.
	other := s.WithPrefix(s.prefix + "other:")
	if _, ok, err := other.Get(ctx, "k"); err != nil || ok {
		t.Errorf("Get under another prefix = %v, %v; want absent", ok, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestDefaultPrefix(t *testing.T) {
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		t.Skip("TEST_REDIS_URL not set")
	}
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.prefix != DefaultPrefix || DefaultPrefix != "ocop:" {
		t.Errorf("prefix = %q, want %q", s.prefix, "ocop:")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	_, err := Open(ctx, "http://user:s3cret@localhost:6379/0")
	if domain.ErrorKind(err) != domain.KindInvalid {
		t.Errorf("Open of a bad scheme: %v, want KindInvalid", err)
	}
	_, err = Open(ctx, "redis://user:s3cret@host name:6379/0")
	if domain.ErrorKind(err) != domain.KindInvalid || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of an unparsable URL: %v, want KindInvalid without the password", err)
	}

	// Nothing listens on port 1.
	start := time.Now()
	_, err = Open(ctx, "redis://:s3cret@127.0.0.1:1/0")
	if domain.ErrorKind(err) != domain.KindUnavailable || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of an unreachable server: %v, want KindUnavailable without the password", err)
	}
	if d := time.Since(start); d > 2*pingTimeout {
		t.Errorf("Open took %v to fail", d)
	}
}
