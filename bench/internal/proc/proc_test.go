package proc

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestStartMemoryCPUAndStop(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	q, err := Start(sleep, nil, filepath.Join(t.TempDir(), "log"), "30")
	if err != nil {
		t.Fatal(err)
	}
	m, err := q.Memory()
	if err != nil || m.RSS <= 0 || m.Peak < m.RSS {
		t.Fatalf("memory %+v, %v", m, err)
	}
	if _, err := q.CPU(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := q.Stop(5 * time.Second); err == nil {
		t.Error("a process ended by SIGTERM reported no error")
	}
	if time.Since(start) > 4*time.Second {
		t.Error("Stop waited for the grace period although sleep ends on SIGTERM")
	}
}

// SelfCPU grows as this process works. The process spins until it has
// grown by 20 ms, for at most 10 s of the clock: on a busy machine 60 ms
// of the clock may give it less than 20 ms of CPU.
func TestSelfCPU(t *testing.T) {
	before, err := SelfCPU()
	if err != nil {
		t.Fatal(err)
	}
	after := before
	for end := time.Now().Add(10 * time.Second); after < before+20*time.Millisecond && time.Now().Before(end); {
		for spin := time.Now().Add(10 * time.Millisecond); time.Now().Before(spin); {
		}
		if after, err = SelfCPU(); err != nil {
			t.Fatal(err)
		}
	}
	if after < before+20*time.Millisecond {
		t.Errorf("SelfCPU %v then %v after 10 s of spinning, want at least 20 ms more", before, after)
	}
}
