package bot_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// While the store is down, an update that cannot be handled is tried
// again, as long as the process runs and past the tries of other errors;
// the same user's later update waits behind it, and other users are
// served meanwhile.
func TestDispatcherKeepsTryingThroughAnOutageInEachUsersOrder(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	down := true
	var handled []int64
	tries := 0
	d := bot.NewDispatcher(ctx, func(_ context.Context, u *bot.Update) error {
		mu.Lock()
		defer mu.Unlock()
		if u.UserID == "a" && down {
			tries++
			if tries >= 8 && len(handled) > 0 {
				down = false // back, after eight tries at least and the other user served
			}
			return domain.E("test", domain.KindUnavailable, errors.New("redis down"))
		}
		handled = append(handled, u.ID)
		return nil
	}, 4, nil)
	d.SetRetryPauses(time.Millisecond, 5*time.Millisecond)
	results := make(chan int64, 3)
	for _, u := range []*bot.Update{{Channel: "t", ID: 1, UserID: "a"}, {Channel: "t", ID: 2, UserID: "a"}, {Channel: "t", ID: 3, UserID: "b"}} {
		d.Dispatch(u, func(err error) {
			if err != nil {
				t.Errorf("update %d: %v", u.ID, err)
			}
			results <- u.ID
		})
	}
	var order []int64
	for range 3 {
		order = append(order, <-results)
	}
	d.Wait()
	if order[0] != 3 {
		t.Errorf("the other user waited for the outage: %v", order)
	}
	mu.Lock()
	defer mu.Unlock()
	if tries < 8 || len(handled) != 3 || handled[1] != 1 || handled[2] != 2 {
		t.Fatalf("handled %v after %d tries, want user a's updates in order once the store is back", handled, tries)
	}
}

// An update still failing when the dispatcher stops is given back failed
// (it stays pending in the inbox), and so is the one waiting behind it.
func TestDispatcherGivesBackParkedUpdatesAtTheStop(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	d := bot.NewDispatcher(ctx, func(_ context.Context, u *bot.Update) error {
		return domain.E("test", domain.KindUnavailable, errors.New("redis down"))
	}, 2, nil)
	d.SetRetryPauses(time.Hour, time.Hour)
	errs := make(chan error, 2)
	d.Dispatch(&bot.Update{Channel: "t", ID: 1, UserID: "a"}, func(err error) { errs <- err })
	d.Dispatch(&bot.Update{Channel: "t", ID: 2, UserID: "a"}, func(err error) { errs <- err })
	time.Sleep(20 * time.Millisecond) // parked for an hour
	cancel()
	for range 2 {
		if err := <-errs; err == nil {
			t.Fatal("an update not handled was reported handled")
		}
	}
	d.Wait()
}

// The claim of an update whose store is down is an unavailable error (the
// dispatcher tries it again), and nothing is said to the user.
func TestClaimFailureIsUnavailable(t *testing.T) {
	h := bottest.New(t)
	h.Engine.Command(bot.Command{Name: "/a", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error { return c.Say(ctx, "common.done") }})
	h.KV.Fail(1)
	r := h.Send("u", "/a")
	if domain.ErrorKind(r.Err) != domain.KindUnavailable || len(r.Sent) != 0 {
		t.Fatalf("claim over a store down: %v, %d sent", r.Err, len(r.Sent))
	}
}

// A form lost with its session (the store restarted empty while this
// process did not hold it) is told about at the user's next message,
// which is not read as an answer; then things go on as usual.
func TestLostFormIsToldPlainly(t *testing.T) {
	h, saved := formHarness(t)
	h.Send("u1", "/thu").Expect("ftest.ask_name")
	h.Send("u1", "An").Expect("ftest.ask_kind")
	if err := h.Engine.FlushMarks(context.Background()); err != nil {
		t.Fatal(err)
	}
	if u, _ := h.Users.Get(h.Channel, "u1"); len(u.OpenForms) != 1 || u.OpenForms[0] != "ft" {
		t.Fatalf("open forms recorded: %v", u.OpenForms)
	}
	// Redis restarted empty, and so did this process (no copy of it).
	for k := range h.KV.Keys("sess:") {
		_ = h.KV.Del(context.Background(), k)
	}
	h.Sessions.DropCopies()
	r := h.Send("u1", "Trồng trọt")
	r.Expect("form.lost")
	if len(r.Sent) != 1 {
		t.Fatalf("the answer was read too:\n%s", r.Texts())
	}
	if err := h.Engine.FlushMarks(context.Background()); err != nil {
		t.Fatal(err)
	}
	if u, _ := h.Users.Get(h.Channel, "u1"); len(u.OpenForms) != 0 {
		t.Fatalf("open forms after the notice: %v", u.OpenForms)
	}
	h.Send("u1", "/thu").Expect("ftest.ask_name")
	if len(*saved) != 0 {
		t.Fatal("something was saved")
	}
}

// The open-form marks are written behind the updates, together: none is
// in the store right after the step, both users' are after the flush.
// A form closed whose mark is not yet written is not told as lost when
// the session store loses everything (the store still marks it open).
func TestFormMarksAreWrittenBehindAndReadFirst(t *testing.T) {
	h, _ := formHarness(t)
	ctx := context.Background()
	h.Send("u1", "/thu").Expect("ftest.ask_name")
	h.Send("u2", "/thu").Expect("ftest.ask_name")
	if u, _ := h.Users.Get(h.Channel, "u1"); len(u.OpenForms) != 0 {
		t.Fatalf("open forms written at once: %v", u.OpenForms)
	}
	if err := h.Engine.FlushMarks(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"u1", "u2"} {
		if u, _ := h.Users.Get(h.Channel, id); len(u.OpenForms) != 1 || u.OpenForms[0] != "ft" {
			t.Fatalf("%s: open forms after the flush: %v", id, u.OpenForms)
		}
	}

	// u1 leaves the form; the store still has it open.
	h.Send("u1", "hủy").Expect("form.cancelled")
	if u, _ := h.Users.Get(h.Channel, "u1"); len(u.OpenForms) != 1 {
		t.Fatalf("the closed form's mark written at once: %v", u.OpenForms)
	}
	for k := range h.KV.Keys("sess:") {
		_ = h.KV.Del(ctx, k)
	}
	h.Sessions.DropCopies()
	if r := h.Send("u1", "/trogiup"); r.Has("form.lost") {
		t.Fatalf("a form closed is told as lost:\n%s", r.Texts())
	}
	h.Send("u2", "Bình").Expect("form.lost")

	// A failed write keeps the marks for the next one.
	h.Users.Fail(errors.New("disk full"))
	if err := h.Engine.FlushMarks(ctx); err == nil {
		t.Fatal("the flush did not fail with the store")
	}
	h.Users.Fail(nil)
	if err := h.Engine.FlushMarks(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"u1", "u2"} {
		if u, _ := h.Users.Get(h.Channel, id); len(u.OpenForms) != 0 {
			t.Fatalf("%s: open forms after the retried flush: %v", id, u.OpenForms)
		}
	}
}

// Without a flush, the marks are written by themselves soon after.
func TestFormMarksAreWrittenWithoutAFlush(t *testing.T) {
	h, _ := formHarness(t)
	h.Send("u1", "/thu").Expect("ftest.ask_name")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if u, _ := h.Users.Get(h.Channel, "u1"); len(u.OpenForms) == 1 && u.OpenForms[0] == "ft" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the open form's mark was never written")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
