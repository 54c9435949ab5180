package bot

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// fakeTime drives a Pacer's clock by hand.
type fakeTime struct{ t time.Time }

func (f *fakeTime) now() time.Time { return f.t }

func newTestPacer(bulk, global float64) (*Pacer, *fakeTime) {
	ft := &fakeTime{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := NewPacer(bulk, global)
	p.now = ft.now
	return p, ft
}

var chatSeq int

// sendable counts how many bulk sends to new chats go at once.
func sendable(p *Pacer, n int, _ string) int {
	ok := 0
	for range n {
		chatSeq++
		if p.reserve(strconv.Itoa(chatSeq), true) == 0 {
			ok++
		}
	}
	return ok
}

func TestPacerHoldsBulkToItsRateAndBurst(t *testing.T) {
	p, ft := newTestPacer(250, 300)
	if n := sendable(p, 100, "x"); n != 25 {
		t.Fatalf("burst of %d, want 25 (a tenth of a second)", n)
	}
	// Over one second at most rate more go, whatever the pressure.
	total := 0
	for range 100 {
		ft.t = ft.t.Add(10 * time.Millisecond)
		total += sendable(p, 50, "y")
	}
	if total < 240 || total > 250 {
		t.Fatalf("%d bulk sends in one second, want about 250", total)
	}
}

func TestPacerOneBulkMessageASecondPerChat(t *testing.T) {
	p, ft := newTestPacer(100, 100)
	if d := p.reserve("42", true); d != 0 {
		t.Fatalf("first send waits %s", d)
	}
	if d := p.reserve("42", true); d <= 0 || d > time.Second {
		t.Fatalf("second send to the chat waits %s, want up to 1 s", d)
	}
	ft.t = ft.t.Add(time.Second)
	if d := p.reserve("42", true); d != 0 {
		t.Fatalf("after a second the chat waits %s", d)
	}
}

func TestPacerInteractiveNeverWaitsButSlowsBulk(t *testing.T) {
	p, _ := newTestPacer(25, 30)
	for i := range 40 {
		if d := p.reserve("7", false); d != 0 {
			t.Fatalf("reply %d waited %s", i, d)
		}
	}
	if d := p.reserve("8", true); d <= 0 {
		t.Fatal("bulk went through a spent global budget")
	}
	if s := p.Stats(); s.Interactive != 40 || s.Bulk != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestPacerPauseHoldsEverySend(t *testing.T) {
	p, ft := newTestPacer(25, 30)
	p.Pause(2 * time.Second)
	if d := p.reserve("1", false); d != 2*time.Second {
		t.Fatalf("a reply during a pause waits %s", d)
	}
	if d := p.reserve("", false); d <= 0 {
		t.Fatal("a button answer ignores the pause")
	}
	ft.t = ft.t.Add(2 * time.Second)
	if d := p.reserve("1", true); d != 0 {
		t.Fatalf("after the pause bulk waits %s", d)
	}
	ctx, cancel := context.WithCancel(WithBulk(context.Background()))
	cancel()
	p.Pause(time.Hour)
	if err := p.Wait(ctx, "2"); err == nil {
		t.Fatal("Wait ignores a cancelled context")
	}
}

// BenchmarkPacerBulk measures the bulk rate a Pacer lets through on the
// real clock (25 a second by default): msgs/s is reported.
func BenchmarkPacerBulk(b *testing.B) {
	p := NewPacer(1000, GlobalRateFor(1000))
	ctx := WithBulk(context.Background())
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		if err := p.Wait(ctx, strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
