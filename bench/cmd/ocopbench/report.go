package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Markers of the part of BENCHMARKS.md that each run rewrites; the rest
// (analysis, profiles, before and after) is kept.
const (
	mdBegin = "<!-- ocopbench:begin — written by `make bench`; edit outside these markers -->"
	mdEnd   = "<!-- ocopbench:end -->"
)

// figure is one figure as a target judges it: a round's value, or the
// median of the rounds.
type figure struct {
	name  string
	value float64
	unit  string
}

// series is a figure over the rounds of a run.
type series struct {
	name string
	unit string
	// values has one value per round; NaN where the round did not
	// measure it (it failed, or the run stopped first).
	values []float64
}

// failure is a scenario that failed in a round.
type failure struct {
	round    int
	scenario string
	msg      string
}

// report collects a run's figures, round by round, for BENCHMARKS.md.
type report struct {
	o       *options
	date    time.Time
	store   string
	machine machineInfo
	series  []*series
	byName  map[string]*series
	// round is the round being measured, from 0; rounds how many
	// started, roundLoad the load average at the start of each and
	// roundTime how long each took.
	round     int
	rounds    int
	roundLoad []string
	roundTime []time.Duration
	skips     [][2]string
	fails     []failure
	gobench   []string // go test -bench output of each round
	elapsed   time.Duration
	// stopped says why fewer rounds than -repeat ran to their end, "" if
	// all did.
	stopped string
	// loadStart is the load average when the run started.
	loadStart string
}

func newReport(o *options) *report {
	return &report{o: o, date: time.Now().UTC(), byName: map[string]*series{}, loadStart: loadAverage(os.DirFS("/"))}
}

// beginRound starts round i (from 0): the figures added next are its.
func (r *report) beginRound(i int) {
	r.round = i
	r.rounds = max(r.rounds, i+1)
	r.roundLoad = append(r.roundLoad, loadAverage(os.DirFS("/")))
}

// endRound records how long the round took.
func (r *report) endRound(took time.Duration) { r.roundTime = append(r.roundTime, took) }

// add records a figure of the current round; a second value of the same
// name in one round replaces the first.
func (r *report) add(name string, v float64, unit string) {
	s := r.byName[name]
	if s == nil {
		s = &series{name: name, unit: unit}
		r.byName[name] = s
		r.series = append(r.series, s)
	}
	r.rounds = max(r.rounds, r.round+1)
	for len(s.values) <= r.round {
		s.values = append(s.values, math.NaN())
	}
	s.values[r.round] = v
}

// skip records a scenario left out, once for the run.
func (r *report) skip(name, why string) {
	for _, s := range r.skips {
		if s[0] == name {
			return
		}
	}
	r.skips = append(r.skips, [2]string{name, why})
}

func (r *report) fail(name string, err error) {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	r.fails = append(r.fails, failure{r.round, name, msg})
}

// spread returns the least, the median and the greatest of the values
// that were measured (NaN is not), and how many there were. The median
// of an even number of values is the mean of the middle two.
func spread(values []float64) (lo, median, hi float64, n int) {
	var v []float64
	for _, x := range values {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN(), math.NaN(), math.NaN(), 0
	}
	slices.Sort(v)
	n = len(v)
	median = v[n/2]
	if n%2 == 0 {
		median = (v[n/2-1] + v[n/2]) / 2
	}
	return v[0], median, v[n-1], n
}

// view is the figures as a target judges them: the median of the rounds
// (round < 0) or one round's.
type view struct {
	o     *options
	r     *report
	round int
}

func (r *report) medians() view      { return view{r.o, r, -1} }
func (r *report) inRound(i int) view { return view{r.o, r, i} }

// get returns the figure in this view, false when it was not measured.
func (v view) get(name string) (figure, bool) {
	s := v.r.byName[name]
	if s == nil {
		return figure{}, false
	}
	if v.round < 0 {
		_, med, _, n := spread(s.values)
		return figure{name, med, s.unit}, n > 0
	}
	if v.round >= len(s.values) || math.IsNaN(s.values[v.round]) {
		return figure{}, false
	}
	return figure{name, s.values[v.round], s.unit}, true
}

// lacking returns the rounds (numbered from 1) that measured other but
// not name; none in the view of one round.
func (v view) lacking(name, other string) []string {
	if v.round >= 0 {
		return nil
	}
	var out []string
	for i := range v.r.rounds {
		_, has := v.r.inRound(i).get(name)
		if _, ok := v.r.inRound(i).get(other); ok && !has {
			out = append(out, strconv.Itoa(i+1))
		}
	}
	return out
}

// show formats the named figures that exist; the medians with each
// round's value after them when there were several rounds and they
// differ.
func (v view) show(names ...string) []string {
	var out []string
	for _, n := range names {
		f, ok := v.get(n)
		if !ok {
			continue
		}
		line := fmt.Sprintf("`%s` %s %s", f.name, formatValue(f.value), f.unit)
		if vals := roundValues(v.r.byName[n].values, v.r.rounds); v.round < 0 && len(vals) > 1 && slices.ContainsFunc(vals, func(s string) bool { return s != vals[0] }) {
			line += " (" + strings.Join(vals, ", ") + ")"
		}
		out = append(out, line)
	}
	return out
}

// roundValues formats the value of each of the first rounds, "–" where
// a round has none.
func roundValues(values []float64, rounds int) []string {
	out := make([]string, rounds)
	for i := range out {
		out[i] = "–"
		if i < len(values) && !math.IsNaN(values[i]) {
			out[i] = formatValue(values[i])
		}
	}
	return out
}

// target is one target of the issue and how to judge it from the figures.
type target struct {
	title string
	// judge returns the figures it looked at and "met", "missed" or why it
	// was not judged.
	judge func(v view) (shown []string, verdict string)
}

// The thresholds of the performance issue (#16) that are shared by
// several targets.
const (
	// minRatio is the least conversation throughput of the bot, as a
	// share of the bare echo program's, in each mode.
	minRatio = 0.6
	// maxThongkeMS and maxBaocaoMS bound /thongke and /baocao on
	// 100,000 products.
	maxThongkeMS = 150
	maxBaocaoMS  = 4000
)

var targets = []target{
	{"Conversation throughput ≥ 0.6 × the bare echo bot's (polling)", ratioTarget("poll")},
	{"Conversation throughput ≥ 0.6 × the bare echo bot's (webhook)", ratioTarget("webhook")},
	{"p99 reply latency ≤ 50 ms at 300 updates a second (polling)", latencyTarget("poll")},
	{"p99 reply latency ≤ 50 ms at 300 updates a second (webhook)", latencyTarget("webhook")},
	{"Zalo: throughput ≥ 0.6 × the bare webhook handler's", zaloRatioTarget},
	{"Zalo: webhook answer p99 ≤ 100 ms at 300 events a second", zaloAckTarget},
	{"Zalo: reply p99 ≤ 50 ms at 300 events a second", latencyTarget("zalo")},
	{"Announcement to 10,000 within 5% of N / BROADCAST_RATE, no 429 of our own, interactive p99 ≤ 1 s", announceTarget},
	{"/thongke ≤ 150 ms and /baocao ≤ 4 s on 100,000 products", figuresTarget},
	{"Product page p99 ≤ 20 ms at 200 requests a second on 100,000 products, with the bot chatting", publicTarget},
	{"RSS ≤ 150 MB with 10,000 open conversations", memoryTarget},
}

func ratioTarget(p string) func(v view) ([]string, string) {
	return func(r view) ([]string, string) {
		f, ok := r.get(p + "_ratio_full_over_echo")
		if !ok {
			return nil, "not measured in this run"
		}
		return r.show(p+"_full_updates_per_s", p+"_echo_updates_per_s", f.name), verdict(f.value >= minRatio)
	}
}

func latencyTarget(p string) func(v view) ([]string, string) {
	return func(r view) ([]string, string) {
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

func memoryTarget(r view) ([]string, string) {
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

// judged tells whether a verdict is "met" or "missed" rather than why the
// target was not judged.
func judged(v string) bool {
	return strings.HasPrefix(v, verdict(true)) || strings.HasPrefix(v, verdict(false))
}

// judge returns the verdict of t on the medians, the figures it looked
// at, and its verdict in each round ("met" or "missed", "not measured"),
// nil when the medians were not judged.
func (r *report) judge(t target) (shown []string, v string, rounds []string) {
	shown, v = t.judge(r.medians())
	if !judged(v) || r.rounds < 2 {
		return shown, v, nil
	}
	for i := range r.rounds {
		_, rv := t.judge(r.inRound(i))
		switch {
		case strings.HasPrefix(rv, verdict(true)):
			rv = "met"
		case strings.HasPrefix(rv, verdict(false)):
			rv = "missed"
		}
		rounds = append(rounds, rv)
	}
	return shown, v, rounds
}

// markdown renders the run.
func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("%s\n\n## Last run\n\n", mdBegin)
	w("- Date: %s\n", r.date.Format("2006-01-02 15:04 MST"))
	w("- Rounds: %d of `-repeat %d`, each running every scenario afresh (new processes, new databases); the targets are judged on the medians\n", r.rounds, r.o.repeat)
	if r.stopped != "" {
		w("- **Stopped** in round %d: %s\n", r.rounds, r.stopped)
	}
	w("- Machine:\n")
	for _, l := range r.machine.lines() {
		w("  - %s\n", l)
	}
	w("- Load average (1, 5, 15 min) at the start and at the end of the run: %s and %s; at the start of each round: %s (other work on the machine slows both bots and skews latencies)\n",
		r.loadStart, loadAverage(os.DirFS("/")), strings.Join(r.roundLoad, "; "))
	w("- Session store of the bot: %s\n", r.store)
	w("- Sizes: `-users %d -rounds %d -open-rate %g -open-duration %v -echo-open-duration %v -webhook-concurrency %d -announce-recipients %d -figures-products %d -open-conversations %d -benchtime %s`\n",
		r.o.users, r.o.rounds, r.o.openRate, r.o.openDuration, r.o.echoOpen, r.o.hookConc, r.o.recipients, r.o.products, r.o.conversations, r.o.benchtime)
	var took []string
	for _, d := range r.roundTime {
		took = append(took, d.Round(time.Second).String())
	}
	w("- Run time: %v (rounds: %s)\n", r.elapsed.Round(time.Second), strings.Join(took, ", "))
	for _, f := range r.fails {
		w("- **Failed** in round %d: %s: %s\n", f.round+1, f.scenario, f.msg)
	}
	w("\n### Targets\n")
	if r.rounds > 1 {
		w("\nJudged on the medians of the %d rounds; each figure is its median, then its value in each round in brackets (unless all are the same).\n", r.rounds)
	}
	for _, t := range targets {
		shown, v, rounds := r.judge(t)
		w("\n#### %s\n\n%s", t.title, capitalize(v))
		if len(shown) > 0 {
			w(": %s", strings.Join(shown, ", "))
		}
		w(".\n")
		if len(rounds) > 0 {
			w("Round by round: %s.\n", strings.Join(rounds, ", "))
		}
		if strings.HasPrefix(v, verdict(false)) {
			w("What limits it is written after this run's figures.\n")
		}
	}
	w("\n### Figures\n\n| name | unit |")
	for i := range r.rounds {
		w(" round %d |", i+1)
	}
	w(" min | median | max |\n|---|---|%s\n", strings.Repeat("---:|", r.rounds+3))
	for _, s := range r.series {
		if strings.HasPrefix(s.name, "go.") {
			continue // in the Go benchmarks below
		}
		lo, med, hi, _ := spread(s.values)
		w("| %s | %s | %s | %s | %s | %s |\n", s.name, s.unit, strings.Join(roundValues(s.values, r.rounds), " | "),
			dash(lo), dash(med), dash(hi))
	}
	for _, s := range r.skips {
		w("\nSkipped: %s (%s).\n", s[0], s[1])
	}
	if len(r.gobench) > 0 {
		w("\n### Go benchmarks\n\nbenchstat reads this block as it is (`-benchtime %s`, one count in each of %d rounds: too short to compare small differences).\n\n```\n%s```\n",
			r.o.benchtime, len(r.gobench), strings.Join(r.gobench, ""))
	}
	w("\n%s\n", mdEnd)
	return b.String()
}

// dash formats a value, "–" for none.
func dash(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return formatValue(v)
}

// printSpread writes the spread of every figure and the verdicts on the
// medians, after the rounds' figures, to w.
func (r *report) printSpread(w io.Writer) {
	fmt.Fprintf(w, "# spread over %d rounds: the least, the median and the greatest value of each figure\n", r.rounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "# name\tmin\tmedian\tmax\tunit\n")
	for _, s := range r.series {
		lo, med, hi, _ := spread(s.values)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.name, dash(lo), dash(med), dash(hi), s.unit)
	}
	tw.Flush()
	fmt.Fprintf(w, "# targets, on the medians\n")
	for _, t := range targets {
		_, v, rounds := r.judge(t)
		line := "target " + t.title + ": " + strings.ReplaceAll(v, "**", "")
		if len(rounds) > 0 {
			line += "; rounds: " + strings.Join(rounds, ", ")
		}
		fmt.Fprintln(w, line)
	}
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
