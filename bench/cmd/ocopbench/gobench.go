package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// benchLine is a result line of go test -bench -benchmem.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)

// runGoBenchmarks runs the Go benchmarks briefly, shows their output on
// stderr, keeps it for BENCHMARKS.md (benchstat reads it), prints ns/op per
// benchmark, and the in-process pipeline's figures per update.
func runGoBenchmarks(ctx context.Context, e *env) error {
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", e.o.benchtime, "-count", "1", "-timeout", "10m"}
	args = append(args, strings.Fields(e.o.benchPkgs)...)
	e.logf("%s %s", e.o.goTool, strings.Join(args, " "))
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, e.o.goTool, args...)
	cmd.Stdout = io.MultiWriter(&out, e.stderr)
	cmd.Stderr = e.stderr
	runErr := cmd.Run()
	e.report.gobench = append(e.report.gobench, out.String())
	for _, line := range strings.Split(out.String(), "\n") {
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		e.figure("go."+m[1], ns, "ns/op")
		if m[1] == "BenchmarkPipeline" {
			e.figure("pipeline_cpu_per_update", ns/1e6, "ms")
			if m[3] != "" {
				b, _ := strconv.ParseFloat(m[3], 64)
				e.figure("pipeline_bytes_per_update", b, "B")
			}
			if m[4] != "" {
				a, _ := strconv.ParseFloat(m[4], 64)
				e.figure("pipeline_allocs_per_update", a, "allocs")
			}
		}
	}
	if runErr != nil {
		return fmt.Errorf("go test -bench: %w", runErr)
	}
	return nil
}
