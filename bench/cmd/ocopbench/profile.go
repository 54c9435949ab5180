package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// profilerSource is added to the bot's main package with go build -overlay
// when -profile is set, without touching the source tree: it serves CPU
// profile start/stop and heap dumps on OCOPBENCH_PPROF_ADDR (loopback);
// with OCOPBENCH_TRACE set (-trace), an execution trace beside each CPU
// profile (name.cpu.pprof.trace, for go tool trace: where the updates
// wait, not only what they compute).
const profilerSource = `package main

import (
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sync"
)

func init() {
	addr := os.Getenv("OCOPBENCH_PPROF_ADDR")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return
	}
	var mu sync.Mutex
	var cpu, tr *os.File
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cpu/start", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.Create(r.URL.Query().Get("file"))
		if err == nil {
			if err = pprof.StartCPUProfile(f); err == nil {
				cpu = f
				if os.Getenv("OCOPBENCH_TRACE") != "" {
					if t, err := os.Create(f.Name() + ".trace"); err == nil {
						if trace.Start(t) == nil {
							tr = t
						} else {
							t.Close()
						}
					}
				}
				return
			}
			f.Close()
		}
		http.Error(w, err.Error(), http.StatusInternalServerError)
	})
	mux.HandleFunc("POST /cpu/stop", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if cpu != nil {
			pprof.StopCPUProfile()
			// What was allocated since the start, beside it: go tool pprof
			// -sample_index=alloc_space.
			if a, err := os.Create(cpu.Name() + ".allocs"); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(a, 0)
				a.Close()
			}
			cpu.Close()
			cpu = nil
			if tr != nil {
				trace.Stop()
				tr.Close()
				tr = nil
			}
		}
	})
	mux.HandleFunc("POST /heap", func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		f, err := os.Create(r.URL.Query().Get("file"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		_ = pprof.Lookup("heap").WriteTo(f, 0)
	})
	go func() { _ = http.Serve(ln, mux) }()
}
`

// profilerOverlay writes the overlay that adds profilerSource to pkg and
// returns the go build flag using it.
func (e *env) profilerOverlay(ctx context.Context, pkg string) (string, error) {
	out, err := exec.CommandContext(ctx, e.o.goTool, "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", pkg, err)
	}
	dir := filepath.Join(e.dir, "overlay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	src := filepath.Join(dir, "zz_ocopbench_profiler.go")
	if err := os.WriteFile(src, []byte(profilerSource), 0o644); err != nil {
		return "", err
	}
	target := filepath.Join(strings.TrimSpace(string(out)), "zz_ocopbench_profiler.go")
	js, err := json.Marshal(map[string]map[string]string{"Replace": {target: src}})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, js, 0o644); err != nil {
		return "", err
	}
	return "-overlay=" + overlay, nil
}

// profiler talks to the profiler of a bot built with profilerSource; its
// methods do nothing when profiling is off.
type profiler struct {
	addr string // "" when off
	dir  string
	hc   *http.Client
}

func (p *profiler) call(what, file string) error {
	if p == nil || p.addr == "" {
		return nil
	}
	u := "http://" + p.addr + "/" + what + "?file=" + url.QueryEscape(filepath.Join(p.dir, file))
	resp, err := p.hc.Post(u, "text/plain", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profiler %s: %s", what, resp.Status)
	}
	return nil
}

// profileName is the file name of a profile: name and the suffix, with
// the round's number between them when there are several rounds
// ("poll_full_closed.r2.cpu.pprof").
func (e *env) profileName(name, suffix string) string {
	if e.o.repeat > 1 {
		name += fmt.Sprintf(".r%d", e.report.round+1)
	}
	return name + suffix
}

// startCPU starts a CPU profile into name.cpu.pprof; stopCPU ends it.
func (b *botProc) startCPU(name string) {
	if err := b.prof.call("cpu/start", b.e.profileName(name, ".cpu.pprof")); err != nil {
		b.e.logf("%s: %v", b.name, err)
	}
}

func (b *botProc) stopCPU() {
	if err := b.prof.call("cpu/stop", ""); err != nil {
		b.e.logf("%s: %v", b.name, err)
	}
}

// heap writes a heap profile (after a GC) into name.heap.pprof.
func (b *botProc) heap(name string) {
	if err := b.prof.call("heap", b.e.profileName(name, ".heap.pprof")); err != nil {
		b.e.logf("%s: %v", b.name, err)
	}
}

func newProfiler(addr, dir string) *profiler {
	return &profiler{addr: addr, dir: dir, hc: &http.Client{Timeout: 30 * time.Second}}
}
