package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	redisstore "github.com/ocop-tayninh/ocopbot/storage/redis"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// TestHelperProcess is the bot run as a child process by the crash test;
// it does nothing in a normal test run.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("OCOPBOT_HELPER_PROCESS") != "1" {
		t.Skip("run as a child process by TestUpdateCutShortByACrashIsHandledAfterRestartOnce")
	}
	// As main: SIGTERM asks for a graceful stop (see child.term).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, []string{"ocopbot"}, os.Getenv, strings.NewReader(""), os.Stdout, os.Stderr)
	fmt.Fprintln(os.Stderr, "helper process ended:", err)
	os.Exit(0)
}

func TestUpdateCutShortByACrashIsHandledAfterRestartOnce(t *testing.T) {
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			h := newHarness(t, store)
			p := h.user(601, "Bảo")

			// The first process gets stuck sending its answer, and is killed
			// there: the update was recorded and acknowledged, not finished.
			held := make(chan struct{})
			release := make(chan struct{})
			var once sync.Once
			h.api.Handle("sendMessage", func(telegramtest.Call) (any, error) {
				once.Do(func() { close(held) })
				<-release
				return nil, fmt.Errorf("the bot crashed before this answer")
			})
			child := h.startChild()
			id := h.api.SendText(p.u, "/trogiup")
			child.waitFor(held)
			// Telegram has been told the update arrived (the next offset).
			if !h.api.WaitFor(wait, func() bool { return h.api.ConfirmedOffset() > id }) {
				t.Fatal("the child did not acknowledge the update it recorded")
			}
			child.kill()
			h.api.Handle("sendMessage", nil)
			close(release)

			h.start()
			p.Expect("help.text")
			p.Send("/huy")
			p.Expect("cancel.nothing")
			p.Quiet()

			// A clean restart hands out nothing again.
			h.restart()
			p.Send("/huy")
			p.Expect("cancel.nothing")
			p.Quiet()
		})
	}
}

// Handled updates are marked done in the inbox a little later, together
// (bot.Intake.markDone). A process killed once an update is handled (its
// de-duplication mark says "done") but before that inbox mark hands the
// update out again at the next start, and the de-duplication mark keeps it
// from being answered twice.
func TestUpdateAnsweredJustBeforeACrashIsNotAnsweredAgain(t *testing.T) {
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			h := newHarness(t, store)
			p := h.user(602, "Cúc")
			answered := make(chan struct{})
			var once sync.Once
			h.api.Observe("sendMessage", func(o telegramtest.Observed) {
				if o.Err == nil {
					once.Do(func() { close(answered) })
				}
			})
			child := h.startChild()
			id := h.api.SendText(p.u, "/trogiup")
			child.waitFor(answered)
			kv := h.kv()
			key := fmt.Sprintf("upd:telegram:%d", id)
			if !h.api.WaitFor(wait, func() bool { v, ok, _ := kv.Get(context.Background(), key); return ok && string(v) == "done" }) {
				t.Fatal("the update was never marked handled")
			}
			child.kill() // at once: the inbox mark is most likely still queued
			p.Expect("help.text")

			h.start()
			p.Send("/huy")
			p.Expect("cancel.nothing")
			p.Quiet()
		})
	}
}

// kv opens the store the bot keeps its de-duplication marks in, as the
// bot does (closed with the test).
func (h *harness) kv() bot.KV {
	h.t.Helper()
	ctx := context.Background()
	if url := h.env["REDIS_URL"]; url != "" {
		s, err := redisstore.Open(ctx, url)
		if err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(func() { s.Close() })
		return s.WithPrefix(h.env["REDIS_PREFIX"])
	}
	db, err := sqlite.Open(ctx, h.env["DB_PATH"], nil)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	return sqlite.NewKV(db)
}

// child is the bot run as a child process (TestHelperProcess) with the
// harness's configuration, to be killed.
type child struct {
	h   *harness
	cmd *exec.Cmd
	out syncBuffer
}

func (h *harness) startChild() *child {
	h.t.Helper()
	c := &child{h: h, cmd: exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")}
	c.cmd.Env = append(os.Environ(), "OCOPBOT_HELPER_PROCESS=1")
	for k, v := range h.env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	// The harness's log too: it tells when the child handled an event.
	c.cmd.Stdout, c.cmd.Stderr = io.MultiWriter(&c.out, h.log), io.MultiWriter(&c.out, h.log)
	if err := c.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	return c
}

// waitFor waits until ready is closed, and fails the test (killing the
// child) when it is not in time.
func (c *child) waitFor(ready <-chan struct{}) {
	c.h.t.Helper()
	select {
	case <-ready:
	case <-waitTimer():
		c.cmd.Process.Kill()
		c.cmd.Wait()
		c.h.t.Fatalf("the child never answered:\n%s", c.out.String())
	}
}

// kill ends the child at once, as a crash would.
func (c *child) kill() {
	c.h.t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		c.h.t.Fatal(err)
	}
	c.cmd.Wait()
}

// term stops the child as systemd does: SIGTERM, then it has the grace of
// its stop (10 s for the updates in flight) before it ends by itself.
func (c *child) term() {
	c.h.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.h.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(45 * time.Second):
		c.cmd.Process.Kill()
		<-done
		c.h.t.Fatalf("the child did not stop within 45 s of SIGTERM:\n%s", c.out.String())
	}
}
