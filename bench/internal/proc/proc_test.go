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

// SelfCPU grows as this process works.
func TestSelfCPU(t *testing.T) {
	before, err := SelfCPU()
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(60 * time.Millisecond); time.Now().Before(end); {
	}
	after, err := SelfCPU()
	if err != nil || after < before+20*time.Millisecond {
		t.Errorf("SelfCPU %v then %v (%v), want at least 20 ms more", before, after, err)
	}
}
