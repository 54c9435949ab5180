package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMarkdownKeepsWhatIsOutsideTheMarkers(t *testing.T) {
	o, err := parseOptions([]string{"-users", "10", "-open-conversations", "10000"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	r := newReport(o)
	r.store = "embedded"
	r.add("poll_full_updates_per_s", 400, "updates/s")
	r.add("poll_echo_updates_per_s", 1000, "updates/s")
	r.add("poll_ratio_full_over_echo", 0.4, "ratio")
	r.add("poll_full_open_p99", 12.5, "ms")
	r.add("poll_full_open_lost", 0, "updates")
	r.add("mem_open_peak_rss", 80, "MB")
	r.add("announce_finish_over_ideal", 1.02, "ratio")
	r.add("announce_429", 0, "count")
	r.add("announce_interactive_p99", 80, "ms")
	r.add("thongke_ms", 350, "ms")
	r.fail("webhook", errors.New("boom\nsecond line"))
	r.elapsed = time.Minute

	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	head, tail := "# Benchmarks\n\nintro\n\n", "\n\n## Analysis\n\nkept by hand\n"
	if err := os.WriteFile(path, []byte(head+mdBegin+"\nold figures\n"+mdEnd+tail), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // twice: the second run replaces the first
		if err := r.writeMarkdown(path); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	md := string(b)
	for _, want := range []string{
		head, tail, "| poll_ratio_full_over_echo | 0.4 | ratio |",
		"#### Full conversation throughput ≥ 50% of the bare echo bot's (polling)\n\n**missed**",
		"#### p99 reply latency ≤ 50 ms at 300 updates a second (polling)\n\n**met**",
		"#### RSS ≤ 150 MB with 10,000 open conversations\n\n**met**",
		"#### Announcement to 10,000 within 5% of N / BROADCAST_RATE, no 429 of our own, interactive p99 ≤ 1 s\n\n**met**",
		"#### /thongke ≤ 200 ms and /baocao ≤ 5 s on 100,000 products\n\n**missed** (/baocao did not finish)",
		"**Failed**: webhook: boom\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("BENCHMARKS.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "old figures") || strings.Count(md, mdBegin) != 1 {
		t.Errorf("the generated part was not replaced once:\n%s", md)
	}
}

func TestBenchLine(t *testing.T) {
	m := benchLine.FindStringSubmatch("BenchmarkPipeline-2   \t    4632\t    634892 ns/op\t   13558 B/op\t     282 allocs/op")
	if m == nil || m[1] != "BenchmarkPipeline" || m[2] != "634892" || m[3] != "13558" || m[4] != "282" {
		t.Fatalf("parsed %q", m)
	}
	if m := benchLine.FindStringSubmatch("BenchmarkFold/ascii-8 100 12.5 ns/op"); m == nil || m[1] != "BenchmarkFold/ascii" || m[2] != "12.5" {
		t.Fatalf("parsed %q", m)
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 40: "40", 1234.56: "1235", 12.34: "12.3", 1.234: "1.23", 0.01234: "0.0123"} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestOptions(t *testing.T) {
	if _, err := parseOptions([]string{"-only", "polling,nope"}, os.Stderr); err == nil {
		t.Error("an unknown scenario was accepted")
	}
	if _, err := parseOptions([]string{"-users", "0"}, os.Stderr); err == nil {
		t.Error("zero users were accepted")
	}
	o, err := parseOptions([]string{"-only", "memory, go"}, os.Stderr)
	if err != nil || !o.wants("go") || !o.wants("memory") || o.wants("polling") {
		t.Errorf("-only: %v %+v", err, o)
	}
}

func TestZaloTargets(t *testing.T) {
	o, err := parseOptions([]string{"-only", "zalo"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	r := newReport(o)
	r.add("zalo_full_updates_per_s", 900, "updates/s")
	r.add("zalo_echo_updates_per_s", 3000, "updates/s")
	r.add("zalo_ratio_full_over_echo", 0.3, "ratio")
	r.add("zalo_full_open_offered_rate", 300, "updates/s")
	r.add("zalo_full_open_p99", 12, "ms")
	r.add("zalo_full_open_lost", 0, "updates")
	r.add("zalo_full_open_ack_p99", 120, "ms")
	md := r.markdown()
	for _, want := range []string{
		"#### Zalo: throughput ≥ 50% of the bare webhook handler's\n\n**missed**: `zalo_full_updates_per_s` 900 updates/s, `zalo_echo_updates_per_s` 3000 updates/s, `zalo_ratio_full_over_echo` 0.3 ratio.",
		"#### Zalo: webhook answer p99 ≤ 100 ms at 300 events a second\n\n**missed**",
		"`zalo_full_open_ack_p99` 120 ms",
		"#### Zalo: reply p99 ≤ 50 ms at 300 events a second\n\n**met**",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}
