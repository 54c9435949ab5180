package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// leaseStore is a lease store (SQLite or Redis) that can say who holds a
// lease and hand it over from a holder known to be gone.
type leaseStore interface {
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, name, holder string) error
	Holder(ctx context.Context, name string) (holder string, until time.Time, ok bool, err error)
	Takeover(ctx context.Context, name, from, holder string, ttl time.Duration) (bool, error)
}

// takeoverLease is the leases of the bulk sender, the outbox and the Zalo
// tokens, taken over at once from a holder that is gone. A holder is named
// "host-pid-start" (serve.go, events.go, zalo.go); after a crash the restarted process
// finds the lease held by the dead one, which would keep it for the rest of
// its time (about 17 s for the bulk sender) with nothing sent. When the
// holder ran on this host and its process is gone, the lease is taken at
// once; otherwise (another host, or a process that still runs) it is waited
// for until it expires, and the wait is logged once.
type takeoverLease struct {
	leaseStore
	host  string
	alive func(pid int) bool
	log   *slog.Logger

	mu     sync.Mutex
	logged map[string]string // lease -> the holder whose wait was logged
}

func newTakeoverLease(s leaseStore, log *slog.Logger) *takeoverLease {
	host, _ := os.Hostname()
	return &takeoverLease{leaseStore: s, host: host, alive: processAlive, log: log, logged: map[string]string{}}
}

// parseHolder splits a holder name into its host and pid.
func parseHolder(s string) (host string, pid int, ok bool) {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", 0, false
	}
	j := strings.LastIndexByte(s[:i], '-')
	if j <= 0 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(s[j+1 : i])
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	if _, err := strconv.ParseInt(s[i+1:], 10, 64); err != nil {
		return "", 0, false
	}
	return s[:j], pid, true
}

func (l *takeoverLease) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	ok, err := l.leaseStore.Acquire(ctx, name, holder, ttl)
	if ok || err != nil {
		return ok, err
	}
	cur, until, held, err := l.Holder(ctx, name)
	if err != nil || !held || cur == holder {
		return false, err
	}
	if host, pid, parsed := parseHolder(cur); parsed && host == l.host && !l.alive(pid) {
		took, err := l.Takeover(ctx, name, cur, holder, ttl)
		if took {
			l.log.Info("lease taken over from a process that is gone", "lease", name, "from", cur)
		}
		return took, err
	}
	l.mu.Lock()
	first := l.logged[name] != cur
	l.logged[name] = cur
	l.mu.Unlock()
	if first {
		l.log.Info("lease held by another process: waiting until it is released or expires", "lease", name, "holder", cur,
			"wait_s", int(time.Until(until).Round(time.Second).Seconds()))
	}
	return false, nil
}

// processAlive reports whether a process of this host with that pid runs
// this program: a pid that is gone, a zombie, or a pid now used by another
// program is not alive. When it cannot tell (another user's process), it
// says alive, and the lease is waited for.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	if i := strings.LastIndexByte(string(stat), ')'); i > 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return false
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return true
	}
	self, err := os.Executable()
	return err != nil || exe == self
}
