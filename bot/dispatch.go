package bot

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Dispatcher runs updates one at a time per user and different users in
// parallel, on a fixed set of long-lived workers: a goroutine started for
// each burst of a user's updates grew its stack again through the SQLite
// driver's deep frames every time (runtime.newstack: 7 % of the bot's CPU,
// see BENCHMARKS.md). Workers are started as work arrives, up to the limit,
// and end with ctx.
//
// An update that could not be handled (a store unavailable: Redis down) is
// tried again later, with a growing pause, for as long as the process
// runs; meanwhile the user's later updates wait behind it, so that they
// are handled in the order they came, and the worker serves other users.
type Dispatcher struct {
	handle  func(ctx context.Context, u *Update) error
	ctx     context.Context
	log     *slog.Logger
	workers int

	mu      sync.Mutex
	cond    *sync.Cond
	queues  map[string][]job // a user's updates; present while it has work
	ready   []string         // users with work and no worker on them
	started int              // workers started
	idle    int              // workers waiting for work and not yet claimed
	wakeups int              // signals sent to claimed idle workers, not yet taken
	wg      sync.WaitGroup   // updates dispatched and not yet done
	// parked are the users whose first update failed, until it is tried
	// again; tries counts the failures of a user's first update.
	parked map[string]*time.Timer
	tries  map[string]int
	// first and last are the pauses before the first try again and the
	// longest (firstRetry, lastRetry).
	first, last time.Duration
}

type job struct {
	u    *Update
	done func(error)
}

// NewDispatcher returns a dispatcher calling handle with ctx (which should
// outlive the intake: in-flight updates finish after a stop is asked for),
// at most workers users at a time.
func NewDispatcher(ctx context.Context, handle func(context.Context, *Update) error, workers int, log *slog.Logger) *Dispatcher {
	if workers < 1 {
		workers = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{handle: handle, ctx: ctx, log: log, workers: workers, queues: map[string][]job{},
		parked: map[string]*time.Timer{}, tries: map[string]int{}, first: firstRetry, last: lastRetry}
	d.cond = sync.NewCond(&d.mu)
	context.AfterFunc(ctx, func() {
		d.mu.Lock()
		// The parked updates are not tried again: they are handed back
		// (failed) and stay pending in the inbox for the next start.
		for key, t := range d.parked {
			t.Stop()
			delete(d.parked, key)
			d.readyLocked(key)
		}
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	return d
}

// Dispatch queues u behind the user's earlier updates; done (may be nil) is
// called with the handling's error once it is over.
func (d *Dispatcher) Dispatch(u *Update, done func(error)) {
	key := u.UserKey()
	d.wg.Add(1)
	d.mu.Lock()
	q, busy := d.queues[key]
	d.queues[key] = append(q, job{u: u, done: done})
	if !busy {
		d.readyLocked(key)
	}
	d.mu.Unlock()
}

// readyLocked makes the user's queue ready for a worker, waking or
// starting one; d.mu is held.
func (d *Dispatcher) readyLocked(key string) {
	d.ready = append(d.ready, key)
	if d.idle > 0 {
		// Claim the idle worker now, so that the next Dispatch before it
		// wakes starts another one rather than signalling it again.
		d.idle--
		d.wakeups++
		d.cond.Signal()
	} else if d.started < d.workers {
		d.started++
		go d.work()
	}
}

// work takes a user with work, handles their updates in order until none
// is left, and starts again; it ends with the dispatcher's context once
// nothing is ready.
func (d *Dispatcher) work() {
	d.mu.Lock()
	for {
		for len(d.ready) == 0 {
			if d.ctx.Err() != nil {
				d.started--
				d.mu.Unlock()
				return
			}
			d.idle++
			d.cond.Wait()
			if d.wakeups > 0 {
				d.wakeups-- // claimed by Dispatch, which counted it out of idle
			} else {
				d.idle-- // woken at the end of the context
			}
		}
		key := d.ready[0]
		d.ready[0] = ""
		d.ready = d.ready[1:]
		for {
			q := d.queues[key]
			if len(q) == 0 {
				delete(d.queues, key)
				break
			}
			j := q[0]
			d.mu.Unlock()
			err := d.handle(d.ctx, j.u)
			d.mu.Lock()
			if err != nil && d.ctx.Err() == nil && d.retry(key, j.u, err) {
				break // parked: the update stays first in the queue
			}
			delete(d.tries, key)
			q = d.queues[key]
			q[0] = job{}
			d.queues[key] = q[1:]
			d.mu.Unlock()
			if j.done != nil {
				j.done(err)
			}
			d.wg.Done()
			d.mu.Lock()
		}
	}
}

// Pauses before an update that failed is tried again: the first doubled
// at each failure, up to the last. An update whose store was unavailable
// is tried again for as long as the process runs; one that failed
// otherwise, up to maxTries times.
const (
	firstRetry = 200 * time.Millisecond
	lastRetry  = 15 * time.Second
	maxTries   = 3
)

// retry parks the user whose first update failed, to be tried again after
// a pause, and reports whether it did; d.mu is held.
func (d *Dispatcher) retry(key string, u *Update, err error) bool {
	n := d.tries[key]
	if n >= maxTries && domain.ErrorKind(err) != domain.KindUnavailable {
		return false
	}
	d.tries[key] = n + 1
	pause := d.last
	if n < 20 && d.first<<n < d.last {
		pause = d.first << n
	}
	d.log.Warn("update not handled, trying again", "channel", u.Channel, "update", u.ID, "attempt", n+1, "in_ms", pause.Milliseconds(), "err", err)
	d.parked[key] = time.AfterFunc(pause, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if _, ok := d.parked[key]; ok {
			delete(d.parked, key)
			d.readyLocked(key)
		}
	})
	return true
}

// Wait blocks until every queued update has been handled.
func (d *Dispatcher) Wait() { d.wg.Wait() }

// InboxItem is a recorded, raw update.
type InboxItem struct {
	Channel  string
	UpdateID int64
	UserKey  string
	Payload  []byte
	// Decoded is true when the channel has already decoded Payload into
	// Update (nil: nothing to handle), so that it is not decoded twice.
	Decoded bool
	Update  *Update
}

// Inbox is the durable record of incoming updates.
type Inbox interface {
	RecordBatch(ctx context.Context, channel string, items []InboxItem) ([]InboxItem, error)
	// MarkDone marks updates handled, several in one write.
	MarkDone(ctx context.Context, channel string, updateIDs ...int64) error
	Pending(ctx context.Context, channel string) ([]InboxItem, error)
	NextOffset(ctx context.Context, channel string) (int64, error)
}

// Intake records raw updates of one channel before they are acknowledged,
// then hands them to the dispatcher; an update is marked done in the inbox
// once handled, so a crash in between hands it out again after a restart.
type Intake struct {
	Channel    string
	Inbox      Inbox
	Dedup      *Deduper
	Dispatcher *Dispatcher
	// Decode turns a payload into an update; nil means "nothing to handle".
	Decode func(payload []byte) (*Update, error)
	Log    *slog.Logger

	// done holds the ids of handled updates waiting to be marked: they are
	// written together at most markDelay after the first of them.
	doneMu    sync.Mutex
	done      []int64
	doneTimer *time.Timer
	writeMu   sync.Mutex // one write of marks at a time

	// Accept's group commit: calls that arrive while one records join the
	// next transaction (webhook calls come many at once).
	acceptMu  sync.Mutex
	accepts   []*acceptWait
	accepting bool
}

// acceptWait is one Accept call waiting for its items to be recorded.
type acceptWait struct {
	items []InboxItem
	done  chan struct{} // closed when recorded, or when it is to lead
	lead  bool
	err   error
}

// Accept records items in one transaction and dispatches the new ones. When
// it returns nil, the items may be acknowledged to the channel. Calls made
// at the same time share a transaction: one call records what all the
// others waiting have brought, then hands the next batch to one of the
// calls that came meanwhile, so that no caller waits for more than its own
// batch and the one before.
func (in *Intake) Accept(ctx context.Context, items []InboxItem) error {
	w := &acceptWait{items: items, done: make(chan struct{})}
	in.acceptMu.Lock()
	in.accepts = append(in.accepts, w)
	lead := !in.accepting
	in.accepting = true
	in.acceptMu.Unlock()
	if !lead {
		<-w.done
		if !w.lead {
			return w.err
		}
	} else {
		// Let the calls that are running now join this transaction.
		runtime.Gosched()
	}
	in.acceptMu.Lock()
	batch := in.accepts
	in.accepts = nil
	in.acceptMu.Unlock()

	// Whatever happens below (a panic included, which net/http recovers
	// from), the others are answered and the lead is handed on.
	err := errors.New("intake: the updates could not be recorded")
	defer func() {
		in.acceptMu.Lock()
		if len(in.accepts) > 0 {
			next := in.accepts[0]
			next.lead = true
			close(next.done)
		} else {
			in.accepting = false
		}
		in.acceptMu.Unlock()
		for _, b := range batch {
			b.err = err
			if b != w {
				close(b.done)
			}
		}
	}()
	var all []InboxItem
	for _, b := range batch {
		all = append(all, b.items...)
	}
	// With the leading caller's context: when it is cancelled (the process
	// stops, the webhook caller went away) before the record, nothing is
	// recorded and every call of the batch fails, so that the channel
	// sends the updates again. (The record itself, a statement of a
	// moment, is not cut short: a copy sent again is refused as known.)
	var fresh []InboxItem
	fresh, err = in.Inbox.RecordBatch(ctx, in.Channel, all)
	if err == nil {
		for _, it := range fresh {
			in.dispatch(it)
		}
	}
	return err
}

// Recover hands out again the updates recorded but not handled before the
// last stop.
func (in *Intake) Recover(ctx context.Context) (int, error) {
	items, err := in.Inbox.Pending(ctx, in.Channel)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if in.Dedup != nil {
			todo, err := in.Dedup.Release(ctx, in.Channel, it.UpdateID)
			if err != nil {
				return n, err
			}
			if !todo {
				if err := in.Inbox.MarkDone(ctx, in.Channel, it.UpdateID); err != nil {
					return n, err
				}
				continue
			}
		}
		in.dispatchRecovered(it)
		n++
	}
	return n, nil
}

// dispatchRecovered hands out an update recorded before the last stop,
// marked so that the engine checks it was not handled then.
func (in *Intake) dispatchRecovered(it InboxItem) {
	if it.Decoded && it.Update != nil {
		u := *it.Update
		u.Recovered = true
		it.Update = &u
	} else if !it.Decoded {
		decode := in.Decode
		it.Decoded = true
		it.Update, _ = decode(it.Payload)
		if it.Update == nil {
			it.Decoded = false
		} else {
			it.Update.Recovered = true
		}
	}
	in.dispatch(it)
}

func (in *Intake) dispatch(it InboxItem) {
	markDone := func(herr error) {
		// An update that got its answer (or an error reply) is not to be
		// handled again; one that could not be handled at all stays pending
		// for the next start.
		if herr != nil {
			in.logger().Error("update left pending", "channel", in.Channel, "update", it.UpdateID, "err", herr)
			return
		}
		in.markDone(it.UpdateID)
	}
	u, err := it.Update, error(nil)
	if !it.Decoded {
		u, err = in.Decode(it.Payload)
	}
	if err != nil || u == nil {
		if err != nil {
			in.logger().Warn("undecodable update", "channel", in.Channel, "update", it.UpdateID, "err", err)
		}
		markDone(nil)
		return
	}
	in.Dispatcher.Dispatch(u, markDone)
}

// markDelay is how long a handled update may wait to be marked done in
// the inbox, so that the marks of a busy moment are one write. An update
// handled but not yet marked when the process dies is handed out again at
// the next start, where its de-duplication mark ("done") says it was
// handled: it is marked then and not handled twice.
const markDelay = 50 * time.Millisecond

// markDone queues an update to be marked handled in the inbox.
func (in *Intake) markDone(id int64) {
	in.doneMu.Lock()
	in.done = append(in.done, id)
	if in.doneTimer == nil {
		in.doneTimer = time.AfterFunc(markDelay, in.Flush)
	}
	in.doneMu.Unlock()
}

// Flush marks the queued updates done in the inbox now. The process calls
// it when it stops, after the dispatcher's Wait.
func (in *Intake) Flush() {
	in.writeMu.Lock()
	defer in.writeMu.Unlock()
	in.doneMu.Lock()
	ids := in.done
	in.done = nil
	if in.doneTimer != nil {
		in.doneTimer.Stop()
		in.doneTimer = nil
	}
	in.doneMu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := in.Inbox.MarkDone(context.Background(), in.Channel, ids...); err != nil {
		// Try them again later (they are handled: a second copy would meet
		// their de-duplication marks, but those expire).
		in.logger().Error("inbox mark done", "channel", in.Channel, "updates", len(ids), "err", err)
		if domain.ErrorKind(err) != domain.KindNotFound {
			in.doneMu.Lock()
			in.done = append(in.done, ids...)
			if in.doneTimer == nil {
				in.doneTimer = time.AfterFunc(markDelay, in.Flush)
			}
			in.doneMu.Unlock()
		}
	}
}

func (in *Intake) logger() *slog.Logger {
	if in.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Log
}
