// Command ocopbench measures the bot against the limits of the performance
// issue: it builds the bot and a bare go-telegram/bot echo bot (for Zalo, a
// bare net/http webhook handler, bench/zaloecho), runs each as its own
// process against a fake Bot API or a fake Zalo in this process (loopback
// only), plays simulated users through /start and the registration, and
// prints one line per figure, "name value unit", on stdout. It also runs
// the Go benchmarks of the hot paths and writes the figures of the run into
// BENCHMARKS.md, between its markers. `make bench` runs it.
//
// The whole list of scenarios runs -repeat times (3 by default), each
// round with new processes and databases, like that many runs of make
// bench one after the other; inside a round the closed loops still
// alternate between the bot and its echo in -rounds rounds. Each round's
// figures are printed as they come, then the spread of each (least,
// median, greatest) and the targets' verdicts on the medians.
//
// Scenarios, in order (select some with -only):
//
//	go           Go benchmarks (go test -bench) of the hot paths
//	polling      the bot by long polling: closed loop, open loop, memory; echo bot
//	webhook      the same workload posted to the webhook; echo bot by webhook
//	zalo         the registration as Zalo users play it: signed events posted to
//	             the bot's Zalo webhook; the bare handler that echoes by the same
//	             fake Zalo (zalotest)
//	announce     announcement pacing (skipped until announcements land)
//	figures      /thongke and /baocao on a large data set (skipped until they land)
//	memory       RSS with many half-finished registrations
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ocopbench:", err)
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	users         int
	openRate      float64
	openDuration  time.Duration
	echoOpen      time.Duration
	hookConc      int
	conversations int
	recipients    int
	products      int
	spProducts    int
	spRate        float64
	spDuration    time.Duration
	convConc      int
	timeout       time.Duration
	redisURL      string
	only          string
	benchtime     string
	benchPkgs     string
	goTool        string
	md            string
	logLevel      string
	maxTime       time.Duration
	keep          bool
	profile       string
	trace         bool
	rounds        int
	repeat        int
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("ocopbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.users, "users", 1000, "simulated users of the closed loops (each does /start and the full registration)")
	fs.IntVar(&o.repeat, "repeat", 3, "run every scenario this many times, one round after the other; the targets are judged on the medians")
	fs.IntVar(&o.rounds, "rounds", 4, "the closed loops alternate between the bot and the echo bot in this many rounds of -users/rounds users")
	fs.Float64Var(&o.openRate, "open-rate", 300, "updates offered per second in the open loops")
	fs.DurationVar(&o.openDuration, "open-duration", 20*time.Second, "how long the open loops offer updates, in each round")
	fs.DurationVar(&o.echoOpen, "echo-open-duration", 10*time.Second, "open loop against the echo bot, the latency floor (at most -open-duration; 0: none)")
	fs.IntVar(&o.hookConc, "webhook-concurrency", 40, "webhook calls in flight at most (Telegram's max_connections; the same bound for Zalo's events)")
	fs.IntVar(&o.recipients, "announce-recipients", 10000, "recipients of the announcement (part 3)")
	fs.IntVar(&o.products, "figures-products", 100000, "products of the generated data set for /thongke and /baocao (part 4; half as many subjects)")
	fs.IntVar(&o.spProducts, "sp-products", 100000, "products of the generated data set for the public product page (part sp)")
	fs.Float64Var(&o.spRate, "sp-rate", 200, "public page requests a second (part sp)")
	fs.DurationVar(&o.spDuration, "sp-duration", 20*time.Second, "how long the public pages are asked for (part sp)")
	fs.IntVar(&o.conversations, "open-conversations", 10000, "half-finished registrations kept open for the memory figure")
	fs.IntVar(&o.convConc, "open-conversations-concurrency", 0, "users in flight while opening them (0: -users)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long a user waits for the answer to one update")
	fs.StringVar(&o.redisURL, "redis", "redis://127.0.0.1:6379/0", `Redis on this machine for the bot's sessions when it answers; "" for the embedded store`)
	fs.StringVar(&o.only, "only", "", "comma-separated scenarios to run (go, polling, webhook, zalo, announce, figures, sp, memory); empty: all")
	fs.StringVar(&o.benchtime, "benchtime", "100ms", "go test -benchtime of the Go benchmarks")
	fs.StringVar(&o.benchPkgs, "bench-pkgs", "./domain/... ./bot/... ./bench/...", "packages of the Go benchmarks")
	fs.StringVar(&o.goTool, "go", "go", "the go command")
	fs.StringVar(&o.md, "md", "BENCHMARKS.md", `file whose "last run" section gets the figures; "" to leave it`)
	fs.StringVar(&o.logLevel, "bot-log-level", "info", "LOG_LEVEL of the bot (info writes one record per update, as in production)")
	fs.DurationVar(&o.maxTime, "max-time", 30*time.Minute, "stop everything after this long (the figures measured until then are written)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binaries, databases, logs)")
	fs.BoolVar(&o.trace, "trace", false, "with -profile, also write an execution trace of the bot beside each CPU profile (large: tens of MB a loop)")
	fs.StringVar(&o.profile, "profile", "", "write CPU profiles of the bot's loops and a heap profile of the memory scenario into this directory (builds the bot with a profiler added by go build -overlay)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.users < 1, o.rounds < 1, o.repeat < 1, o.openRate <= 0, o.openDuration <= 0, o.hookConc < 1, o.conversations < 1, o.recipients < 1, o.products < 2, o.spProducts < 2, o.spRate <= 0, o.spDuration <= 0, o.timeout <= 0, o.maxTime <= 0:
		return nil, errors.New("sizes, rates and durations must be positive")
	}
	if o.profile != "" {
		abs, err := filepath.Abs(o.profile)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, err
		}
		o.profile = abs
	}
	if o.convConc <= 0 {
		o.convConc = o.users
	}
	for _, name := range o.selected() {
		if scenarioByName(name) == nil {
			return nil, fmt.Errorf("-only: unknown scenario %q", name)
		}
	}
	return o, nil
}

func (o *options) selected() []string {
	if strings.TrimSpace(o.only) == "" {
		return nil
	}
	var out []string
	for _, s := range strings.Split(o.only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (o *options) wants(name string) bool {
	sel := o.selected()
	if sel == nil {
		return true
	}
	for _, s := range sel {
		if s == name {
			return true
		}
	}
	return false
}

// run is the whole program.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.maxTime)
	defer cancel()
	if o.profile != "" {
		// The bench's own side (the fake Bot API, the simulated users)
		// shares the machine with the bots: its profile shows what it costs.
		f, err := os.Create(filepath.Join(o.profile, "ocopbench.cpu.pprof"))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	env, err := newEnv(ctx, o, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	started := time.Now()
	var failed []string
	for round := 0; round < o.repeat && ctx.Err() == nil; round++ {
		env.report.beginRound(round)
		fmt.Fprintf(stdout, "# round %d of %d\n", round+1, o.repeat)
		env.logf("== round %d of %d (load average %s)", round+1, o.repeat, env.report.roundLoad[round])
		roundStart := time.Now()
		for _, sc := range scenarios {
			if !o.wants(sc.name) {
				continue
			}
			if sc.skip != "" {
				if round == 0 {
					fmt.Fprintf(stdout, "skip %s %s\n", sc.name, sc.skip)
				}
				env.report.skip(sc.name, sc.skip)
				continue
			}
			env.logf("== %s (round %d)", sc.name, round+1)
			if err := sc.run(ctx, env); err != nil {
				env.logf("%s: FAILED in round %d: %v", sc.name, round+1, err)
				env.report.fail(sc.name, err)
				failed = append(failed, fmt.Sprintf("%s (round %d)", sc.name, round+1))
				if ctx.Err() != nil {
					break
				}
			}
		}
		env.report.endRound(time.Since(roundStart))
	}
	env.report.elapsed = time.Since(started)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		env.report.stopped = fmt.Sprintf("`-max-time %v` ran out", o.maxTime)
	case ctx.Err() != nil:
		env.report.stopped = "interrupted"
	}
	env.report.printSpread(stdout)
	if o.md != "" {
		if err := env.report.writeMarkdown(o.md); err != nil {
			return err
		}
		env.logf("figures written to %s", o.md)
	}
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
	}
	return ctx.Err()
}
