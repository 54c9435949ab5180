package load

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
)

// Runner is the simulated users of a loop: a *Run (Telegram, through a
// Fake) or a *ZaloRun (Zalo, through a ZaloFake).
type Runner interface {
	// newPlayer returns the k-th user of the run (from 0).
	newPlayer(k int64) player
	// script is the steps every user goes through.
	script() []script.Step
	// waitLimit bounds the wait for the answer to one update.
	waitLimit() time.Duration
}

// player is one simulated user.
type player interface {
	// do sends the update of step and waits for the bot's whole answer.
	do(ctx context.Context, step script.Step) (sample, error)
	// close stops routing the bot's messages to the user.
	close()
}

// sample is what one answered update measured.
type sample struct {
	reply time.Duration // to the first message of the answer
	ack   time.Duration // to the webhook's 200 (Zalo), 0 if not measured
}

func (res *Result) add(s sample) {
	res.Latency.add(s.reply)
	if s.ack > 0 {
		res.Acks.add(s.ack)
	}
}

// Closed runs n users at once, at most concurrency of them in flight (0: all
// n), each doing every step of the run as soon as the bot has answered the
// step before. It stops at the first wrong answer or timeout.
func Closed(ctx context.Context, r Runner, n, concurrency int) (Result, error) {
	if concurrency <= 0 || concurrency > n {
		concurrency = n
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	res := Result{Latency: &Latencies{}, Acks: &Latencies{}}
	steps := r.script()
	var answered, offered atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k := next.Add(1) - 1
				if k >= int64(n) {
					return
				}
				u := r.newPlayer(k)
				for _, step := range steps {
					offered.Add(1)
					s, err := u.do(ctx, step)
					if err != nil {
						if ctx.Err() == nil {
							cancel(err)
						}
						break
					}
					res.add(s)
					answered.Add(1)
				}
				u.close()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Users = int(min(next.Load(), int64(n)))
	res.Offered, res.Answered = int(offered.Load()), int(answered.Load())
	res.Lost = res.Offered - res.Answered
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return res, err
	}
	return res, ctx.Err()
}

// Open offers updates at rate a second for d: each one is the next step of
// a user whose last update has been answered, or the first update of a new
// user when none is waiting, so the rate holds whatever the bot's speed.
// Updates not answered within the run's timeout are counted as lost; a
// wrong answer stops the run. After d it waits (at most the run's timeout)
// for the answers still due.
func Open(ctx context.Context, r Runner, rate float64, d time.Duration) (Result, error) {
	if rate <= 0 || d <= 0 {
		return Result{}, errors.New("load: open loop needs a positive rate and duration")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	res := Result{Latency: &Latencies{}, Acks: &Latencies{}}
	steps := r.script()
	total := int(rate * d.Seconds())
	ready := make(chan chan<- struct{}, total+1) // users waiting for their turn
	stop := make(chan struct{})                  // idle users leave
	var answered, lost atomic.Int64
	var wg sync.WaitGroup
	var users int64

	spawn := func() chan<- struct{} {
		turn := make(chan struct{}, 1)
		u := r.newPlayer(users)
		users++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer u.close()
			for i, step := range steps {
				select {
				case <-turn:
				case <-stop:
					return
				case <-ctx.Done():
					return
				}
				s, err := u.do(ctx, step)
				switch {
				case errors.Is(err, ErrTimeout):
					lost.Add(1)
					return
				case err != nil:
					if ctx.Err() == nil {
						cancel(err)
					}
					return
				}
				res.add(s)
				answered.Add(1)
				if i < len(steps)-1 {
					ready <- turn // capacity total+1: never blocks
				}
			}
		}()
		return turn
	}

	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for k := 0; k < total && ctx.Err() == nil; k++ {
		if wait := time.Until(start.Add(time.Duration(k) * interval)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		var turn chan<- struct{}
		select {
		case turn = <-ready:
		default:
			turn = spawn()
		}
		turn <- struct{}{}
		res.Offered++
	}
	res.OfferedFor = time.Since(start)
	// Let the answers still due arrive, then send the idle users away.
	deadline := time.Now().Add(r.waitLimit() + time.Second)
	for answered.Load()+lost.Load() < int64(res.Offered) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	res.Elapsed = time.Since(start)
	close(stop)
	wg.Wait()
	res.Users = int(users)
	res.Answered, res.Lost = int(answered.Load()), int(lost.Load())
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return res, err
	}
	return res, ctx.Err()
}
