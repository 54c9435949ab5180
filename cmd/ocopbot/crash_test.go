package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

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
	err := run(context.Background(), []string{"ocopbot"}, os.Getenv, strings.NewReader(""), os.Stdout, os.Stderr)
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
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
			cmd.Env = append(os.Environ(), "OCOPBOT_HELPER_PROCESS=1")
			for k, v := range h.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			id := h.api.SendText(p.u, "/trogiup")
			select {
			case <-held:
			case <-waitTimer():
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the child never answered:\n%s", out.String())
			}
			// Telegram has been told the update arrived (the next offset).
			if !h.api.WaitFor(wait, func() bool { return h.api.ConfirmedOffset() > id }) {
				t.Fatal("the child did not acknowledge the update it recorded")
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
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
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
			cmd.Env = append(os.Environ(), "OCOPBOT_HELPER_PROCESS=1")
			for k, v := range h.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			id := h.api.SendText(p.u, "/trogiup")
			select {
			case <-answered:
			case <-waitTimer():
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the child never answered:\n%s", out.String())
			}
			kv := h.kv()
			key := fmt.Sprintf("upd:telegram:%d", id)
			if !h.api.WaitFor(wait, func() bool { v, ok, _ := kv.Get(context.Background(), key); return ok && string(v) == "done" }) {
				t.Fatal("the update was never marked handled")
			}
			if err := cmd.Process.Kill(); err != nil { // at once: the inbox mark is most likely still queued
				t.Fatal(err)
			}
			cmd.Wait()
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
