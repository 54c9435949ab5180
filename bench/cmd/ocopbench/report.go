package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Markers of the part of BENCHMARKS.md that each run rewrites; the rest
// (analysis, profiles, before and after) is kept.
const (
	mdBegin = "<!-- ocopbench:begin — written by `make bench`; edit outside these markers -->"
	mdEnd   = "<!-- ocopbench:end -->"
)

type figure struct {
	name  string
	value float64
	unit  string
}

// report collects a run's figures for BENCHMARKS.md.
type report struct {
	o       *options
	date    time.Time
	store   string
	figures []figure
	skips   [][2]string
	fails   [][2]string
	gobench string
	elapsed time.Duration
	// loadStart is the load average when the run started.
	loadStart string
}

func newReport(o *options) *report {
	return &report{o: o, date: time.Now().UTC(), loadStart: loadAverage()}
}

// loadAverage returns the 1-minute load average of the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func (r *report) add(name string, v float64, unit string) {
	r.figures = append(r.figures, figure{name, v, unit})
}

func (r *report) skip(name, why string) { r.skips = append(r.skips, [2]string{name, why}) }

func (r *report) fail(name string, err error) {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	r.fails = append(r.fails, [2]string{name, msg})
}

func (r *report) get(name string) (figure, bool) {
	for _, f := range r.figures {
		if f.name == name {
			return f, true
		}
	}
	return figure{}, false
}

// target is one target of the issue and how to judge it from the figures.
type target struct {
	title string
	// judge returns the figures it looked at and "met", "missed" or why it
	// was not judged.
	judge func(r *report) (shown []string, verdict string)
}

var targets = []target{
	{"Full conversation throughput ≥ 50% of the bare echo bot's (polling)", ratioTarget("poll")},
	{"Full conversation throughput ≥ 50% of the bare echo bot's (webhook)", ratioTarget("webhook")},
	{"p99 reply latency ≤ 50 ms at 300 updates a second (polling)", latencyTarget("poll")},
	{"p99 reply latency ≤ 50 ms at 300 updates a second (webhook)", latencyTarget("webhook")},
	{"Zalo: throughput ≥ 50% of the bare webhook handler's", zaloRatioTarget},
	{"Zalo: webhook answer p99 ≤ 100 ms at 300 events a second", zaloAckTarget},
	{"Zalo: reply p99 ≤ 50 ms at 300 events a second", latencyTarget("zalo")},
	{"Announcement to 10,000 within 5% of N / BROADCAST_RATE, no 429 of our own, interactive p99 ≤ 1 s", announceTarget},
	{"/thongke ≤ 200 ms and /baocao ≤ 5 s on 100,000 products", figuresTarget},
	{"Product page p99 ≤ 20 ms at 200 requests a second on 100,000 products, with the bot chatting", publicTarget},
	{"RSS ≤ 150 MB with 10,000 open conversations", memoryTarget},
}

func ratioTarget(p string) func(r *report) ([]string, string) {
	return func(r *report) ([]string, string) {
		f, ok := r.get(p + "_ratio_full_over_echo")
		if !ok {
			return nil, "not measured in this run"
		}
		return r.show(p+"_full_updates_per_s", p+"_echo_updates_per_s", f.name), verdict(f.value >= 0.5)
	}
}

func latencyTarget(p string) func(r *report) ([]string, string) {
	return func(r *report) ([]string, string) {
		f, ok := r.get(p + "_full_open_p99")
		if !ok {
			return nil, "not measured in this run"
		}
		// The closed loop's rate is the bot's capacity in this run: the
		// nearer the offered rate comes to it, the longer the queues.
		shown := r.show(p+"_full_open_offered_rate", p+"_full_updates_per_s", p+"_full_open_p50", p+"_full_open_p95", f.name, p+"_full_open_lost", p+"_echo_open_p99")
		if r.o.openRate != 300 {
			return shown, fmt.Sprintf("not judged: measured at %.0f updates/s (-open-rate 300 for the target)", r.o.openRate)
		}
		lost, _ := r.get(p + "_full_open_lost")
		v := verdict(f.value <= 50 && lost.value == 0)
		if floor, ok := r.get(p + "_echo_open_p99"); ok && floor.value > 25 {
			v += fmt.Sprintf(" (the machine was busy: the bare echo bot's own p99 was %s ms; run again on a quiet machine)", formatValue(floor.value))
		}
		return shown, v
	}
}

func memoryTarget(r *report) ([]string, string) {
	f, ok := r.get("mem_open_peak_rss")
	if !ok {
		return nil, "not measured in this run"
	}
	shown := r.show("mem_open_conversations", "mem_open_rss", f.name)
	if r.o.conversations != 10000 {
		return shown, fmt.Sprintf("not judged: %d conversations (-open-conversations 10000 for the target)", r.o.conversations)
	}
	return shown, verdict(f.value <= 150)
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}

// show formats the named figures that exist.
func (r *report) show(names ...string) []string {
	var out []string
	for _, n := range names {
		if f, ok := r.get(n); ok {
			out = append(out, fmt.Sprintf("`%s` %s %s", f.name, formatValue(f.value), f.unit))
		}
	}
	return out
}

// markdown renders the run.
func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("%s\n\n## Last run\n\n", mdBegin)
	w("- Date: %s\n", r.date.Format("2006-01-02 15:04 MST"))
	w("- Machine: %s (`uname -m`), %d CPUs (nproc), %s, %s/%s\n", machine(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	w("- Load average (1 min) of the machine at the start and at the end: %s and %s (other work on the machine slows both bots and skews latencies)\n", r.loadStart, loadAverage())
	w("- Session store of the bot: %s\n", r.store)
	w("- Sizes: `-users %d -rounds %d -open-rate %g -open-duration %v -webhook-concurrency %d -open-conversations %d -benchtime %s`\n",
		r.o.users, r.o.rounds, r.o.openRate, r.o.openDuration, r.o.hookConc, r.o.conversations, r.o.benchtime)
	w("- Run time: %v\n", r.elapsed.Round(time.Second))
	for _, f := range r.fails {
		w("- **Failed**: %s: %s\n", f[0], f[1])
	}
	w("\n### Targets\n")
	for _, t := range targets {
		shown, v := t.judge(r)
		w("\n#### %s\n\n%s", t.title, capitalize(v))
		if len(shown) > 0 {
			w(": %s", strings.Join(shown, ", "))
		}
		w(".\n")
		if strings.HasPrefix(v, verdict(false)) {
			w("What limits it is written after this run's figures.\n")
		}
	}
	w("\n### Figures\n\n| name | value | unit |\n|---|---:|---|\n")
	for _, f := range r.figures {
		if strings.HasPrefix(f.name, "go.") {
			continue // in the Go benchmarks below
		}
		w("| %s | %s | %s |\n", f.name, formatValue(f.value), f.unit)
	}
	for _, s := range r.skips {
		w("| %s | skipped | %s |\n", s[0], s[1])
	}
	if r.gobench != "" {
		w("\n### Go benchmarks\n\nbenchstat reads this block as it is (`-benchtime %s`, one count: too short to compare small differences).\n\n```\n%s```\n", r.o.benchtime, r.gobench)
	}
	w("\n%s\n", mdEnd)
	return b.String()
}

func capitalize(s string) string {
	if s == "" || s[0] == '*' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// writeMarkdown replaces the generated part of path, keeping the rest.
func (r *report) writeMarkdown(path string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(old)
	if text == "" {
		text = "# Benchmarks\n\nFigures of `make bench` (see the performance issue). The part between the markers is rewritten by every run.\n\n"
	}
	gen := r.markdown()
	i := strings.Index(text, mdBegin)
	j := strings.Index(text, mdEnd)
	if i >= 0 && j > i {
		text = text[:i] + strings.TrimSuffix(gen, "\n") + text[j+len(mdEnd):]
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n" + gen
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// machine returns the hardware name, as uname -m prints it.
func machine() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return runtime.GOARCH
	}
	var b strings.Builder
	for _, c := range u.Machine {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}
