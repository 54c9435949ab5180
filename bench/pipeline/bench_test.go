package pipeline_test

import (
	"context"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
	"github.com/ocop-tayninh/ocopbot/bench/pipeline"
)

// BenchmarkPipeline: one op is one update of a full registration, handled
// by the engine over a real SQLite file.
func BenchmarkPipeline(b *testing.B) { pipeline.Benchmark(b) }

// TestPipelineRegisters plays two full registrations, so that a change of
// the flow shows up here before it breaks make bench.
func TestPipelineRegisters(t *testing.T) {
	ctx := context.Background()
	p, err := pipeline.New(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	steps := script.Registration()
	d := p.NewDriver(steps, 100)
	for i := 0; i < 2*len(steps); i++ {
		if err := d.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// One message per step (the contact step's note removes the reply
	// keyboard on its own), and one round trip to the sessions' store per
	// update but the first of each user's and the callbacks' own.
	if m := p.Messages(); m != int64(2*12) {
		t.Errorf("%d messages for two registrations, want %d", m, 2*12)
	}
	if n := p.Trips(); n > int64(2*(len(steps)+1)) {
		t.Errorf("%d round trips for %d updates, want at most %d", n, 2*len(steps), 2*(len(steps)+1))
	}
	t.Logf("%d messages, %d round trips for %d updates", p.Messages(), p.Trips(), 2*len(steps))
}
