package load

import (
	"testing"
	"time"
)

func TestLatencyPercentiles(t *testing.T) {
	var l Latencies
	if l.Percentile(99) != 0 {
		t.Fatal("a percentile of no latencies")
	}
	for i := 100; i >= 1; i-- { // unsorted on purpose
		l.add(time.Duration(i) * time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50, 95: 95, 99: 99, 100: 100, 0.1: 1} {
		if got := l.Percentile(p); got != want*time.Millisecond {
			t.Errorf("p%g = %v, want %v", p, got, want*time.Millisecond)
		}
	}
	l.add(time.Microsecond) // sorts again after an add
	if got := l.Percentile(0.5); got != time.Microsecond {
		t.Errorf("p0.5 after add = %v", got)
	}
}
