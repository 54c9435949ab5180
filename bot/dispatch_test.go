package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

func TestDispatcherKeepsOneUsersOrderAndRunsUsersInParallel(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]int64{}
	var running, peak atomic.Int32
	release := make(chan struct{})
	handle := func(ctx context.Context, u *Update) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if u.ID == 0 {
			<-release // the first update of every user waits until all have started
		}
		mu.Lock()
		got[u.UserID] = append(got[u.UserID], u.ID)
		mu.Unlock()
		running.Add(-1)
		return nil
	}
	d := NewDispatcher(context.Background(), handle, 8, nil)
	const users, each = 4, 50
	for i := int64(0); i < each; i++ {
		for u := 0; u < users; u++ {
			d.Dispatch(&Update{Channel: "t", UserID: fmt.Sprint(u), ID: i}, nil)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for peak.Load() < users && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	d.Wait()
	if peak.Load() < users {
		t.Errorf("only %d users ran at once, want %d in parallel", peak.Load(), users)
	}
	for u := 0; u < users; u++ {
		ids := got[fmt.Sprint(u)]
		if len(ids) != each {
			t.Fatalf("user %d: %d updates handled, want %d", u, len(ids), each)
		}
		for i, id := range ids {
			if id != int64(i) {
				t.Fatalf("user %d: update %d handled at position %d: %v", u, id, i, ids)
			}
		}
	}
}

func TestDispatcherNeverRunsOneUserTwiceAtOnce(t *testing.T) {
	var inFlight atomic.Int32
	var overlap atomic.Bool
	handle := func(ctx context.Context, u *Update) error {
		if inFlight.Add(1) > 1 {
			overlap.Store(true)
		}
		time.Sleep(100 * time.Microsecond)
		inFlight.Add(-1)
		return nil
	}
	d := NewDispatcher(context.Background(), handle, 16, nil)
	for i := 0; i < 200; i++ {
		d.Dispatch(&Update{Channel: "t", UserID: "same", ID: int64(i)}, nil)
	}
	d.Wait()
	if overlap.Load() {
		t.Fatal("two updates of one user ran at the same time")
	}
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct{ in, cmd, args string }{
		{"/start", "/start", ""},
		{"/start abc", "/start", "abc"},
		{"/DangKy@ocop_bot", "/dangky", ""},
		{"  /trogiup@ocop_bot  now ", "/trogiup", "now"},
		{"/start\npayload", "/start", "payload"},
		{"hello", "", ""},
		{"/", "", ""},
		{"", "", ""},
	} {
		cmd, args := ParseCommand(tc.in)
		if cmd != tc.cmd || args != tc.args {
			t.Errorf("ParseCommand(%q) = %q, %q; want %q, %q", tc.in, cmd, args, tc.cmd, tc.args)
		}
	}
}

func TestMatchChoice(t *testing.T) {
	choices := []Choice{{Value: "htx", Label: "Hợp tác xã"}, {Value: "tht", Label: "Tổ hợp tác"}, {Value: "dn", Label: "Doanh nghiệp nhỏ và vừa"}, {Value: "tt", Label: "Trang trại"}}
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"1", 0, true}, {"4", 3, true}, {"5", 0, false}, {"0", 0, false},
		{"hop tac xa", 0, true}, {"to hop tac", 1, true}, {"doanh nghiep", 2, true},
		{"trang", 3, true}, {"tt", 3, true}, {"ho", 0, false}, {"", 0, false}, {"xyz", 0, false},
	} {
		i, ok := matchChoice(choices, tc.in)
		if ok != tc.ok || (ok && i != tc.want) {
			t.Errorf("matchChoice(%q) = %d, %v; want %d, %v", tc.in, i, ok, tc.want, tc.ok)
		}
	}
}

func TestSessionRoundTripAndVersion(t *testing.T) {
	s := &Session{Active: "reg", Forms: map[string]*Form{"reg": {Flow: "reg", Nonce: "abcd", Step: 3, Answers: map[string]string{"name": "HTX <b>"}}}}
	raw, err := encodeSession(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeSession(raw)
	if err != nil {
		t.Fatal(err)
	}
	if back.Forms["reg"].Step != 3 || back.Forms["reg"].Answers["name"] != "HTX <b>" || back.Active != "reg" {
		t.Fatalf("round trip lost data: %+v", back)
	}
	if _, err := decodeSession([]byte(`{"v":99,"active":"reg"}`)); err == nil {
		t.Fatal("a session of an unknown version was accepted")
	}
}

// markInbox is an Inbox that records MarkDone calls.
type markInbox struct {
	Inbox
	mu    sync.Mutex
	calls [][]int64
}

func (m *markInbox) MarkDone(ctx context.Context, channel string, ids ...int64) error {
	m.mu.Lock()
	m.calls = append(m.calls, append([]int64(nil), ids...))
	m.mu.Unlock()
	return nil
}

// Handled updates are marked done in the inbox together, a little later:
// twenty handled at once cost one write (two at most, should the delay fall
// between them), and Flush writes what is still queued.
func TestIntakeMarksHandledUpdatesTogether(t *testing.T) {
	inbox := &markInbox{}
	d := NewDispatcher(context.Background(), func(context.Context, *Update) error { return nil }, 8, nil)
	in := &Intake{Channel: "t", Inbox: inbox, Dispatcher: d,
		Decode: func(p []byte) (*Update, error) { return &Update{Channel: "t", UserID: string(p), ID: int64(p[0])}, nil }}
	for id := int64(1); id <= 20; id++ {
		in.dispatch(InboxItem{Channel: "t", UpdateID: id, Payload: []byte{byte(id)}})
	}
	d.Wait()
	time.Sleep(2 * markDelay)
	in.dispatch(InboxItem{Channel: "t", UpdateID: 21, Payload: []byte{21}})
	d.Wait()
	in.Flush() // as at a stop: update 21 is written now, not after the delay
	inbox.mu.Lock()
	defer inbox.mu.Unlock()
	marked := map[int64]bool{}
	for _, c := range inbox.calls {
		for _, id := range c {
			marked[id] = true
		}
	}
	if len(marked) != 21 {
		t.Fatalf("%d updates marked done, want 21: %v", len(marked), inbox.calls)
	}
	if len(inbox.calls) > 3 {
		t.Errorf("%d writes for 21 updates, want the 20 together (at most 2 writes) and then 21: %v", len(inbox.calls), inbox.calls)
	}
}

// An update the channel decoded already is handled as given; the others are
// decoded from their payload.
func TestIntakeDecodesOnlyWhatTheChannelDidNot(t *testing.T) {
	var decoded atomic.Int32
	var mu sync.Mutex
	var handled []string
	d := NewDispatcher(context.Background(), func(_ context.Context, u *Update) error {
		mu.Lock()
		handled = append(handled, u.Text)
		mu.Unlock()
		return nil
	}, 1, nil)
	inbox := &markInbox{}
	in := &Intake{Channel: "t", Inbox: inbox, Dispatcher: d, Decode: func(p []byte) (*Update, error) {
		decoded.Add(1)
		return &Update{Channel: "t", UserID: "u", Text: string(p)}, nil
	}}
	in.dispatch(InboxItem{Channel: "t", UpdateID: 1, Payload: []byte("raw"), Decoded: true, Update: &Update{Channel: "t", UserID: "u", Text: "given"}})
	in.dispatch(InboxItem{Channel: "t", UpdateID: 2, Payload: []byte("ignored"), Decoded: true}) // nothing to handle
	in.dispatch(InboxItem{Channel: "t", UpdateID: 3, Payload: []byte("payload")})
	d.Wait()
	mu.Lock()
	defer mu.Unlock()
	if decoded.Load() != 1 || len(handled) != 2 || handled[0] != "given" || handled[1] != "payload" {
		t.Errorf("decoded %d times, handled %q; want 1 and [given payload]", decoded.Load(), handled)
	}
}

// recordInbox records batches; the first RecordBatch blocks until release
// is closed, and fail makes the later ones fail.
type recordInbox struct {
	markInbox
	mu      sync.Mutex
	batches [][]int64
	started chan struct{}
	hold    chan struct{}
	fail    error
}

func (r *recordInbox) RecordBatch(_ context.Context, _ string, items []InboxItem) ([]InboxItem, error) {
	r.mu.Lock()
	var ids []int64
	for _, it := range items {
		ids = append(ids, it.UpdateID)
	}
	r.batches = append(r.batches, ids)
	n, fail := len(r.batches), r.fail
	r.mu.Unlock()
	if n == 1 {
		close(r.started)
		<-r.hold
		return items, nil
	}
	if fail != nil {
		return nil, fail
	}
	return items, nil
}

// Webhook calls that arrive while one is being recorded are recorded
// together in the next transaction, each returns once its own items are
// recorded, and each update is handled once.
func TestIntakeRecordsConcurrentCallsTogether(t *testing.T) {
	for _, fail := range []error{nil, errors.New("disk full")} {
		inbox := &recordInbox{started: make(chan struct{}), hold: make(chan struct{}), fail: fail}
		var handled atomic.Int32
		d := NewDispatcher(context.Background(), func(context.Context, *Update) error { handled.Add(1); return nil }, 4, nil)
		in := &Intake{Channel: "t", Inbox: inbox, Dispatcher: d, Decode: func(p []byte) (*Update, error) {
			return &Update{Channel: "t", UserID: string(p), ID: int64(p[0])}, nil
		}}
		item := func(id int) []InboxItem {
			return []InboxItem{{Channel: "t", UpdateID: int64(id), Payload: []byte{byte(id)}}}
		}
		errs := make(chan error, 11)
		go func() { errs <- in.Accept(context.Background(), item(1)) }()
		<-inbox.started
		for id := 2; id <= 11; id++ {
			go func() { errs <- in.Accept(context.Background(), item(id)) }()
		}
		// Wait for the ten to queue behind the first.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			in.acceptMu.Lock()
			n := len(in.accepts)
			in.acceptMu.Unlock()
			if n == 10 {
				break
			}
		}
		close(inbox.hold)
		failed := 0
		for range 11 {
			if err := <-errs; err != nil {
				failed++
			}
		}
		d.Wait()
		inbox.mu.Lock()
		batches := inbox.batches
		inbox.mu.Unlock()
		if len(batches) != 2 || len(batches[1]) != 10 {
			t.Errorf("fail=%v: batches %v, want [1] then the ten others together", fail, batches)
		}
		wantFailed, wantHandled := 0, int32(11)
		if fail != nil {
			wantFailed, wantHandled = 10, 1
		}
		if failed != wantFailed || handled.Load() != wantHandled {
			t.Errorf("fail=%v: %d calls failed, %d updates handled; want %d and %d", fail, failed, handled.Load(), wantFailed, wantHandled)
		}
	}
}

// No more than the workers given run at once, and the workers outlive a
// burst (they are not started again for every user).
func TestDispatcherBoundsWorkers(t *testing.T) {
	var running, peak atomic.Int32
	handle := func(context.Context, *Update) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		running.Add(-1)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := NewDispatcher(ctx, handle, 3, nil)
	for round := 0; round < 2; round++ {
		for u := 0; u < 20; u++ {
			d.Dispatch(&Update{Channel: "t", UserID: fmt.Sprint(u), ID: int64(round)}, nil)
		}
		d.Wait()
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("%d updates ran at once, want up to 3 (and more than 1)", p)
	}
	d.mu.Lock()
	started := d.started
	d.mu.Unlock()
	if started != 3 {
		t.Errorf("%d workers started for two bursts, want 3", started)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		d.mu.Lock()
		started = d.started
		d.mu.Unlock()
		if started == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Errorf("%d workers still running after the context ended", started)
}

// A user whose update arrives while the one idle worker is being woken for
// another user's slow update gets a worker of their own, not a place
// behind the slow one.
func TestDispatcherWakesOrStartsAWorkerForEachUser(t *testing.T) {
	for range 20 {
		release := make(chan struct{})
		other := make(chan struct{})
		d := NewDispatcher(context.Background(), func(_ context.Context, u *Update) error {
			switch u.UserID {
			case "slow":
				<-release
			case "other":
				close(other)
			}
			return nil
		}, 64, nil)
		d.Dispatch(&Update{Channel: "t", UserID: "warm"}, nil) // one worker, idle after this
		d.Wait()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			d.mu.Lock()
			idle := d.idle
			d.mu.Unlock()
			if idle == 1 {
				break
			}
		}
		d.Dispatch(&Update{Channel: "t", UserID: "slow"}, nil)
		d.Dispatch(&Update{Channel: "t", UserID: "other"}, nil)
		select {
		case <-other:
		case <-time.After(5 * time.Second):
			t.Fatal("the second user waited behind the first one's slow update")
		}
		close(release)
		d.Wait()
	}
}

// panicInbox panics while recording the first batch.
type panicInbox struct {
	markInbox
	calls atomic.Int32
}

func (p *panicInbox) RecordBatch(_ context.Context, _ string, items []InboxItem) ([]InboxItem, error) {
	if p.calls.Add(1) == 1 {
		panic("disk on fire")
	}
	return items, nil
}

// A panic while one call records (net/http recovers from it) does not
// leave the next calls waiting for ever.
func TestIntakeSurvivesAPanicWhileRecording(t *testing.T) {
	inbox := &panicInbox{}
	d := NewDispatcher(context.Background(), func(context.Context, *Update) error { return nil }, 2, nil)
	in := &Intake{Channel: "t", Inbox: inbox, Dispatcher: d, Decode: func(p []byte) (*Update, error) {
		return &Update{Channel: "t", UserID: "u", ID: int64(p[0])}, nil
	}}
	func() {
		defer func() { _ = recover() }()
		_ = in.Accept(context.Background(), []InboxItem{{Channel: "t", UpdateID: 1, Payload: []byte{1}}})
	}()
	done := make(chan error, 1)
	go func() {
		done <- in.Accept(context.Background(), []InboxItem{{Channel: "t", UpdateID: 2, Payload: []byte{2}}})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the next call: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the next call waited for ever after a panic")
	}
	d.Wait()
}

// failOnceInbox fails the first MarkDone as if the database were busy.
type failOnceInbox struct {
	markInbox
	failed atomic.Bool
}

func (f *failOnceInbox) MarkDone(ctx context.Context, channel string, ids ...int64) error {
	if f.failed.CompareAndSwap(false, true) {
		return domain.E("test", domain.KindUnavailable, errors.New("database is locked"))
	}
	return f.markInbox.MarkDone(ctx, channel, ids...)
}

// Marks that could not be written are tried again.
func TestIntakeRetriesMarksThatFailed(t *testing.T) {
	inbox := &failOnceInbox{}
	d := NewDispatcher(context.Background(), func(context.Context, *Update) error { return nil }, 2, nil)
	in := &Intake{Channel: "t", Inbox: inbox, Dispatcher: d, Decode: func(p []byte) (*Update, error) {
		return &Update{Channel: "t", UserID: "u", ID: int64(p[0])}, nil
	}}
	in.dispatch(InboxItem{Channel: "t", UpdateID: 7, Payload: []byte{7}})
	d.Wait()
	in.Flush() // fails, and queues the mark again
	in.Flush()
	inbox.mu.Lock()
	defer inbox.mu.Unlock()
	if len(inbox.calls) != 1 || len(inbox.calls[0]) != 1 || inbox.calls[0][0] != 7 {
		t.Errorf("marks written: %v, want [[7]] after the failed try", inbox.calls)
	}
}
