package load

import (
	"slices"
	"sync"
	"time"
)

// Latencies collects reply latencies from many goroutines.
type Latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *Latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// Len returns the number of latencies.
func (l *Latencies) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

// Percentile returns the p-th percentile (0 < p ≤ 100, nearest rank), or 0
// when there is none.
func (l *Latencies) Percentile(p float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	if !slices.IsSorted(l.d) {
		slices.Sort(l.d)
	}
	rank := int(p/100*float64(len(l.d))+0.999999) - 1
	return l.d[min(max(rank, 0), len(l.d)-1)]
}

// Result is what a loop measured.
type Result struct {
	Users    int           // simulated users who started
	Offered  int           // updates sent
	Answered int           // updates answered completely
	Lost     int           // updates not answered in time
	Elapsed  time.Duration // from the first update to the last answer
	// OfferedFor is the time the updates were offered over (open loop).
	OfferedFor time.Duration
	// Latency holds the reply latencies (see Runner).
	Latency *Latencies
	// Acks holds, on Zalo, the time each update's signed webhook post took
	// to be answered 200; empty on Telegram.
	Acks *Latencies
}

// OfferedRate returns the updates offered per second (open loop).
func (r Result) OfferedRate() float64 {
	if r.OfferedFor <= 0 {
		return 0
	}
	return float64(r.Offered) / r.OfferedFor.Seconds()
}

// PerSecond returns the answered updates per second.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Answered) / r.Elapsed.Seconds()
}
