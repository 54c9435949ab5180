package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	redisstore "github.com/ocop-tayninh/ocopbot/storage/redis"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func TestParseHolder(t *testing.T) {
	for in, want := range map[string]string{
		"may-chu-1-4242-1765000000000000000": "may-chu-1 4242",
		"host-7-1":                           "host 7",
	} {
		host, pid, ok := parseHolder(in)
		if got := fmt.Sprintf("%s %d", host, pid); !ok || got != want {
			t.Errorf("parseHolder(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "host", "host-12", "host-x-1", "-1-2", "host-0-1", "host-1-x"} {
		if _, _, ok := parseHolder(in); ok {
			t.Errorf("parseHolder(%q) accepted", in)
		}
	}
}

// TestLeaseTakenOverFromADeadProcessOnly: on both stores, a lease held by
// a process of this host that is gone is taken at once; one held by a
// process that runs, or by another host, is waited for (and the wait is
// logged once).
func TestLeaseTakenOverFromADeadProcessOnly(t *testing.T) {
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	deadPID := gone.Process.Pid
	host, _ := os.Hostname()
	stores := map[string]leaseStore{}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ocop.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stores["embedded"] = sqlite.NewLeases(db)
	if url := os.Getenv("TEST_REDIS_URL"); url != "" {
		rs, err := redisstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		stores["redis"] = rs.WithPrefix("ocoptest:" + randomHex(6) + ":")
	}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var log syncBuffer
			l := newTakeoverLease(store, slog.New(slog.NewJSONHandler(&log, nil)))
			me := fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixNano())
			for i, tc := range []struct {
				holder string
				taken  bool
			}{
				{fmt.Sprintf("%s-%d-1", host, deadPID), true},
				{fmt.Sprintf("%s-%d-2", host, os.Getpid()), false}, // this process: alive
				{fmt.Sprintf("autre-hote-%d-3", deadPID), false},   // another host: cannot tell
			} {
				lease := fmt.Sprintf("test-%d", i)
				if ok, err := store.Acquire(ctx, lease, tc.holder, time.Minute); err != nil || !ok {
					t.Fatalf("%s takes %s: %v %v", tc.holder, lease, ok, err)
				}
				for range 2 {
					ok, err := l.Acquire(ctx, lease, me, 20*time.Second)
					if err != nil || ok != tc.taken {
						t.Errorf("held by %s: Acquire = %v %v, want %v", tc.holder, ok, err, tc.taken)
					}
				}
				if cur, _, _, _ := store.Holder(ctx, lease); (cur == me) != tc.taken {
					t.Errorf("held by %s: the holder is now %s", tc.holder, cur)
				}
			}
			out := log.String()
			if n := strings.Count(out, "lease taken over"); n != 1 {
				t.Errorf("%d takeovers logged:\n%s", n, out)
			}
			if n := strings.Count(out, "waiting until it is released or expires"); n != 2 {
				t.Errorf("%d waits logged, want one per holder:\n%s", n, out)
			}
		})
	}
}

// TestBulkResumesAtOnceAfterACrash: a process killed in the middle of an
// announcement held the bulk sender's lease for about 17 s more; the
// restarted process on the same host sees its holder is gone and goes on
// within a few seconds.
func TestBulkResumesAtOnceAfterACrash(t *testing.T) {
	const n = 40
	text := "Thông báo sau sự cố"
	h := newEventsHarness(t, "embedded")
	h.env["BROADCAST_RATE"] = "4"
	db := h.openDB()
	seedUsers(t, db, 45000, n)
	createAnnouncementJob(t, db, "takeover-1", text)
	sent := func() int {
		total := 0
		for _, c := range copiesOf(h.api, 45000, n, text) {
			total += c
		}
		return total
	}
	child := h.startChild()
	if !h.api.WaitFor(wait, func() bool { return sent() >= 3 }) {
		child.kill()
		t.Fatalf("the child sent nothing\n%s", h.log.tail(20))
	}
	child.kill()
	before := sent()
	killed := time.Now()
	h.start()
	h.waitLong(15*time.Second, "the restarted bot did not resume the announcement", func() bool { return sent() > before })
	if took := time.Since(killed); took > 8*time.Second {
		t.Errorf("resumed %v after the crash, want within a few seconds (the lease lasts %v)", took.Round(100*time.Millisecond), 18*time.Second)
	}
	if !strings.Contains(h.log.String(), "lease taken over from a process that is gone") || !strings.Contains(h.log.String(), bulk.LeaseName) {
		t.Errorf("the takeover is not logged\n%s", h.log.tail(20))
	}
}
