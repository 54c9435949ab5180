package main

import (
	"context"
	"fmt"
	"runtime/pprof"
	"time"

	"github.com/ocop-tayninh/ocopbot/bench/internal/load"
	"github.com/ocop-tayninh/ocopbot/bench/internal/proc"
	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// scenario is one part of the list. A scenario whose feature has
// not landed has a skip reason instead of run; to add it, write its run
// function (start a bot with env.startBot against a load.NewFake, drive
// it, report with env.figure) and drop the reason.
type scenario struct {
	name string
	skip string
	run  func(ctx context.Context, e *env) error
}

var scenarios = []scenario{
	{name: "go", run: runGoBenchmarks},
	{name: "polling", run: func(ctx context.Context, e *env) error { return runConversations(ctx, e, load.Polling) }},
	{name: "webhook", run: func(ctx context.Context, e *env) error { return runConversations(ctx, e, load.Webhook) }},
	{name: "zalo", run: runZalo},
	{name: "announce", run: runAnnounce},
	{name: "figures", run: runFigures},
	{name: "sp", run: runPublic},
	{name: "memory", run: runMemory},
}

func scenarioByName(name string) *scenario {
	for i := range scenarios {
		if scenarios[i].name == name {
			return &scenarios[i]
		}
	}
	return nil
}

const mb = 1 << 20

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runConversations measures the bot and the echo bot with the same users,
// delivered in one mode. Both run at once, each against its own fake, and
// the closed loop alternates between them in rounds, so that a change of
// the machine's load during the run weighs on both alike. Then each gets
// the open loop alone.
func runConversations(ctx context.Context, e *env, mode load.Mode) error {
	p := "poll"
	if mode == load.Webhook {
		p = "webhook"
		e.figure("webhook_concurrency", float64(e.o.hookConc), "calls")
	}
	full, err := e.newSubject(ctx, mode, load.Full, p+"_full")
	if err != nil {
		return err
	}
	defer full.close()
	echo, err := e.newSubject(ctx, mode, load.Echo, p+"_echo")
	if err != nil {
		return err
	}
	defer echo.close()
	return e.compare(ctx, p, full, echo, len(script.Registration()), "updates on each bot")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// subject is a bot under test with its own fake, and its closed-loop sums.
type subject struct {
	e    *env
	name string
	b    *botProc
	// newRun returns the users of a loop of n users; closeFake stops the
	// fake.
	newRun    func(users int) load.Runner
	closeFake func()
	cpu       time.Duration
	self      time.Duration // the bench's own CPU over the same rounds
	answer    int
	took      time.Duration
}

func (e *env) newSubject(ctx context.Context, mode load.Mode, kind load.Bot, name string) (*subject, error) {
	var fake *load.Fake
	labelled(ctx, name, func() { fake = load.NewFake(mode, e.o.hookConc) })
	b, err := e.startBot(ctx, kind, fake)
	if err != nil {
		fake.Close()
		return nil, err
	}
	steps := script.Registration()
	newRun := func(users int) load.Runner {
		return &load.Run{Fake: fake, Bot: kind, Steps: steps, Matcher: e.matcher, FirstUser: e.users(users), Timeout: e.o.timeout}
	}
	return &subject{e: e, name: name, b: b, newRun: newRun, closeFake: fake.Close}, nil
}

func (s *subject) close() {
	s.b.stop()
	s.closeFake()
}

func (s *subject) run(users int) load.Runner { return s.newRun(users) }

// labelled runs fn with the profiler label loop=name on this goroutine and
// on every goroutine it starts (the fake's server, which serves each
// connection on a goroutine of its own; the simulated users and their
// HTTP connections), so that the bench's own profile (-profile,
// ocopbench.cpu.pprof) tells each loop's cost apart: go tool pprof
// -tagfocus loop=zalo_full.
func labelled(ctx context.Context, name string, fn func()) {
	pprof.Do(ctx, pprof.Labels("loop", name), func(context.Context) { fn() })
}

// closed runs n new users at once through the script, adding to the sums.
func (s *subject) closed(ctx context.Context, n int) error {
	cpu0, _ := s.b.CPU()
	self0, _ := proc.SelfCPU()
	if s.answer == 0 { // profile the first round
		s.b.startCPU(s.name + "_closed")
		defer s.b.stopCPU()
	}
	var res load.Result
	var err error
	labelled(ctx, s.name, func() { res, err = load.Closed(ctx, s.run(n), n, 0) })
	if err != nil {
		return s.b.failure(err)
	}
	cpu1, _ := s.b.CPU()
	self1, _ := proc.SelfCPU()
	s.cpu += cpu1 - cpu0
	s.self += self1 - self0
	s.answer += res.Answered
	s.took += res.Elapsed
	msg := fmt.Sprintf("%s: %d users, %.0f updates/s; reply p50 %.2f ms, p99 %.2f ms", s.name, n, res.PerSecond(),
		ms(res.Latency.Percentile(50)), ms(res.Latency.Percentile(99)))
	if res.Acks.Len() > 0 {
		msg += fmt.Sprintf("; webhook answer p50 %.2f ms, p99 %.2f ms", ms(res.Acks.Percentile(50)), ms(res.Acks.Percentile(99)))
	}
	s.e.logf("%s", msg)
	return nil
}

// report prints the closed-loop figures and returns the updates per second.
func (s *subject) report() float64 {
	rate := float64(s.answer) / max(s.took.Seconds(), 1e-9)
	s.e.figure(s.name+"_updates_per_s", rate, "updates/s")
	s.e.figure(s.name+"_cpu_per_update", ms(s.cpu)/float64(max(s.answer, 1)), "ms")
	// What the fake and the simulated users spent per update of this bot,
	// on the same cores: the rest of the cost of each update.
	s.e.figure(s.name+"_bench_cpu_per_update", ms(s.self)/float64(max(s.answer, 1)), "ms")
	return rate
}

// open offers updates at the -open-rate for d.
func (s *subject) open(ctx context.Context, d time.Duration) error {
	rate := s.e.o.openRate
	s.e.logf("%s: open loop, %.0f updates/s for %v", s.name, rate, d)
	s.b.startCPU(s.name + "_open")
	var res load.Result
	var err error
	labelled(ctx, s.name, func() { res, err = load.Open(ctx, s.run(int(rate*d.Seconds())+1), rate, d) })
	s.b.stopCPU()
	if err != nil {
		return s.b.failure(err)
	}
	s.e.figure(s.name+"_open_offered_rate", res.OfferedRate(), "updates/s")
	s.e.figure(s.name+"_open_p50", ms(res.Latency.Percentile(50)), "ms")
	s.e.figure(s.name+"_open_p95", ms(res.Latency.Percentile(95)), "ms")
	s.e.figure(s.name+"_open_p99", ms(res.Latency.Percentile(99)), "ms")
	s.e.figure(s.name+"_open_max", ms(res.Latency.Percentile(100)), "ms")
	s.e.figure(s.name+"_open_lost", float64(res.Lost), "updates")
	if res.Acks.Len() > 0 { // Zalo: the webhook's answers
		s.e.figure(s.name+"_open_ack_p50", ms(res.Acks.Percentile(50)), "ms")
		s.e.figure(s.name+"_open_ack_p95", ms(res.Acks.Percentile(95)), "ms")
		s.e.figure(s.name+"_open_ack_p99", ms(res.Acks.Percentile(99)), "ms")
		s.e.figure(s.name+"_open_ack_max", ms(res.Acks.Percentile(100)), "ms")
	}
	return nil
}

// runMemory opens many registrations and leaves them half-finished (half
// at form step 3, half at step 4), then reads the bot's memory.
func runMemory(ctx context.Context, e *env) error {
	fake := load.NewFake(load.Polling, 1)
	defer fake.Close()
	b, err := e.startBot(ctx, load.Full, fake)
	if err != nil {
		return err
	}
	defer b.stop()
	n := e.o.conversations
	half := n / 2
	e.logf("memory: opening %d registrations, %d users in flight", n, e.o.convConc)
	start := time.Now()
	updates := 0
	for _, part := range []struct{ users, step int }{{half, 3}, {n - half, 4}} {
		if part.users == 0 {
			continue
		}
		steps := script.OpenAt(part.step)
		r := &load.Run{Fake: fake, Bot: load.Full, Steps: steps, Matcher: e.matcher, FirstUser: e.users(part.users), Timeout: e.o.timeout}
		res, err := load.Closed(ctx, r, part.users, e.o.convConc)
		if err != nil {
			return b.failure(err)
		}
		updates += res.Answered
	}
	elapsed := time.Since(start)
	select { // let the last replies' garbage be collected
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	m, err := b.Memory()
	if err != nil {
		return b.failure(err)
	}
	b.heap("mem_open") // after reading the RSS: it collects garbage first
	sessions, err := b.sessions(ctx)
	if err != nil {
		return b.failure(err)
	}
	e.figure("mem_open_conversations", float64(n), "conversations")
	e.figure("mem_open_sessions_stored", float64(sessions), "sessions")
	e.figure("mem_open_updates_per_s", float64(updates)/elapsed.Seconds(), "updates/s")
	e.figure("mem_open_rss", float64(m.RSS)/mb, "MB")
	e.figure("mem_open_peak_rss", float64(m.Peak)/mb, "MB")
	if sessions != n {
		return fmt.Errorf("%d sessions stored for %d open conversations", sessions, n)
	}
	return nil
}

// sessions counts the sessions the bot keeps.
func (b *botProc) sessions(ctx context.Context) (int, error) {
	if b.prefix != "" {
		return countKeys(ctx, b.e.redis, b.prefix+"sess:")
	}
	db, err := sqlite.Open(ctx, b.db, nil)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM kv WHERE key LIKE 'sess:%'`).Scan(&n)
	return n, err
}

// compare runs the closed loops of the bot and its bare counterpart in
// alternating rounds (their ratio), then each open loop, and reports both
// peak memories: the same for every channel.
func (e *env) compare(ctx context.Context, p string, full, echo *subject, steps int, what string) error {
	rounds := max(1, min(e.o.rounds, e.o.users))
	e.logf("%s: closed loops, %d users × %d %s, in %d alternating rounds", p, e.o.users, steps, what, rounds)
	for r := 0; r < rounds; r++ {
		n := e.o.users/rounds + btoi(r < e.o.users%rounds)
		for _, s := range []*subject{full, echo} {
			if err := s.closed(ctx, n); err != nil {
				return err
			}
		}
	}
	fullRate, echoRate := full.report(), echo.report()
	if echoRate > 0 {
		e.figure(p+"_ratio_full_over_echo", fullRate/echoRate, "ratio")
	}
	if err := full.open(ctx, e.o.openDuration); err != nil {
		return err
	}
	if d := min(e.o.echoOpen, e.o.openDuration); d > 0 {
		if err := echo.open(ctx, d); err != nil {
			return err
		}
	}
	for _, s := range []*subject{full, echo} {
		m, err := s.b.Memory()
		if err != nil {
			return s.b.failure(err)
		}
		e.figure(s.name+"_peak_rss", float64(m.Peak)/mb, "MB")
	}
	return nil
}
