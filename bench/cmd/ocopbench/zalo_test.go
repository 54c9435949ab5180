package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestZaloPart runs the Zalo part small, with the real bot and the bare
// handler built as for make bench: a Zalo flow that no longer matches the
// script (a message, a button, the phone form) fails it.
func TestZaloPart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the bot (-short)")
	}
	t.Chdir("../../..") // the packages are built as make bench builds them, from the module's root
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args := []string{"-only", "zalo", "-repeat", "2", "-users", "6", "-rounds", "2", "-open-rate", "40", "-open-duration", "500ms",
		"-echo-open-duration", "250ms", "-timeout", "20s", "-md", "", "-bot-log-level", "warn", "-redis", os.Getenv("TEST_REDIS_URL")}
	err := run(ctx, args, &stdout, &stderr)
	t.Log(stderr.String())
	if err != nil {
		t.Fatal(err)
	}
	figs := map[string]float64{} // the last round's
	spread := map[string]bool{}  // figures with a line "name min median max unit"
	for _, line := range strings.Split(stdout.String(), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3:
			if v, err := strconv.ParseFloat(f[1], 64); err == nil {
				figs[f[0]] = v
			}
		case len(f) == 5 && f[0] != "#":
			spread[f[0]] = true
		}
	}
	for _, want := range []string{"# round 1 of 2\n", "# round 2 of 2\n", "# spread over 2 rounds", "target Zalo: throughput ≥ 0.6 × the bare webhook handler's: "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, stdout.String())
		}
	}
	if !spread["zalo_ratio_full_over_echo"] || !spread["zalo_full_open_p99"] {
		t.Errorf("no spread of the figures:\n%s", stdout.String())
	}
	for _, name := range []string{"zalo_full_updates_per_s", "zalo_echo_updates_per_s", "zalo_ratio_full_over_echo",
		"zalo_full_open_p99", "zalo_full_open_ack_p99", "zalo_echo_open_p99", "zalo_echo_open_ack_p99", "zalo_full_peak_rss"} {
		if !(figs[name] > 0) {
			t.Errorf("%s = %v\n%s", name, figs[name], stdout.String())
		}
	}
	if figs["zalo_full_open_lost"] != 0 || figs["zalo_echo_open_lost"] != 0 {
		t.Errorf("updates lost in the open loops:\n%s", stdout.String())
	}
}
