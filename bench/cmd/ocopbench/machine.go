package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// machineInfo is the machine a run measured, written beside its figures:
// the same code gives other figures on another machine, and the figures
// of two runs compare only when their machines do.
type machineInfo struct {
	cpuModel   string  // "model name" of /proc/cpuinfo; "" when not found
	cpuMHz     float64 // "cpu MHz" of the first processor; 0 when not found
	processors int     // processors listed in /proc/cpuinfo
	virtual    bool    // the "hypervisor" flag: a virtual machine
	numCPU     int     // runtime.NumCPU: the CPUs this process may run on
	cpuQuota   float64 // the cgroup's CPU quota in CPUs; 0: none
	memTotal   int64   // bytes, MemTotal of /proc/meminfo; 0 when not found
	memLimit   int64   // the cgroup's memory limit in bytes; 0: none
	kernel     string  // /proc/sys/kernel/osrelease
	arch       string  // uname -m
	goVersion  string
}

// currentMachine describes this machine.
func currentMachine() machineInfo {
	m := readMachine(os.DirFS("/"))
	m.numCPU = runtime.NumCPU()
	m.arch = unameMachine()
	m.goVersion = runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	return m
}

// readMachine reads what the files of fsys (the root of a Linux machine)
// say about it; what is missing stays zero.
func readMachine(fsys fs.FS) machineInfo {
	var m machineInfo
	if b, err := fs.ReadFile(fsys, "proc/cpuinfo"); err == nil {
		m.parseCPUInfo(string(b))
	}
	if b, err := fs.ReadFile(fsys, "proc/meminfo"); err == nil {
		m.memTotal = meminfoBytes(string(b), "MemTotal")
	}
	if b, err := fs.ReadFile(fsys, "proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	m.cpuQuota, m.memLimit = cgroupLimits(fsys)
	return m
}

// parseCPUInfo reads /proc/cpuinfo: one block per processor.
func (m *machineInfo) parseCPUInfo(text string) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch key {
		case "processor":
			m.processors++
		case "model name":
			if m.cpuModel == "" {
				m.cpuModel = value
			}
		case "cpu MHz":
			if m.cpuMHz == 0 {
				m.cpuMHz, _ = strconv.ParseFloat(value, 64)
			}
		case "flags":
			if !m.virtual {
				m.virtual = hasField(value, "hypervisor")
			}
		}
	}
}

func hasField(s, field string) bool {
	for _, f := range strings.Fields(s) {
		if f == field {
			return true
		}
	}
	return false
}

// meminfoBytes returns a "Key: N kB" line of /proc/meminfo in bytes.
func meminfoBytes(text, key string) int64 {
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		return n
	}
	return 0
}

// cgroupLimits returns the CPU quota (in CPUs) and the memory limit (in
// bytes) of this process's cgroup, 0 for none. It reads cgroup v2
// (cpu.max, memory.max) or else v1 (cpu.cfs_quota_us over
// cpu.cfs_period_us, memory.limit_in_bytes), in the process's own cgroup
// and at the root of the hierarchy (what a container sees as its own),
// and keeps the tighter limit.
func cgroupLimits(fsys fs.FS) (cpus float64, mem int64) {
	own := map[string]string{} // controller ("" for v2) → the process's cgroup
	if b, err := fs.ReadFile(fsys, "proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.SplitN(line, ":", 3)
			if len(f) != 3 {
				continue
			}
			if f[1] == "" {
				own[""] = f[2]
				continue
			}
			for _, c := range strings.Split(f[1], ",") {
				own[c] = f[2]
			}
		}
	}
	dirs := func(mount, controller string) []string {
		out := []string{path.Join("sys/fs/cgroup", mount)}
		if p, ok := own[controller]; ok && p != "/" {
			out = append(out, path.Join("sys/fs/cgroup", mount, p))
		}
		return out
	}
	tighter := func(cur, v float64) float64 {
		if v > 0 && (cur == 0 || v < cur) {
			return v
		}
		return cur
	}
	var memF float64
	for _, d := range dirs("", "") { // v2
		cpus = tighter(cpus, cpuMax(fsys, path.Join(d, "cpu.max")))
		memF = tighter(memF, float64(limitBytes(fsys, path.Join(d, "memory.max"))))
	}
	for _, mount := range []string{"cpu", "cpu,cpuacct"} { // v1
		for _, d := range dirs(mount, "cpu") {
			q, p := readInt(fsys, path.Join(d, "cpu.cfs_quota_us")), readInt(fsys, path.Join(d, "cpu.cfs_period_us"))
			if q > 0 && p > 0 {
				cpus = tighter(cpus, float64(q)/float64(p))
			}
		}
	}
	for _, d := range dirs("memory", "memory") {
		memF = tighter(memF, float64(limitBytes(fsys, path.Join(d, "memory.limit_in_bytes"))))
	}
	return cpus, int64(memF)
}

// cpuMax reads cgroup v2's cpu.max, "max 100000" or "200000 100000".
func cpuMax(fsys fs.FS, name string) float64 {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) != 2 || f[0] == "max" {
		return 0
	}
	q, err1 := strconv.ParseFloat(f[0], 64)
	p, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0
	}
	return q / p
}

// noMemoryLimit is above any real limit: cgroup v1 writes "no limit" as
// the largest page-aligned int64.
const noMemoryLimit = 1 << 60

// limitBytes reads a memory limit, 0 for "max", none, or no file.
func limitBytes(fsys fs.FS, name string) int64 {
	n := readInt(fsys, name)
	if n <= 0 || n >= noMemoryLimit {
		return 0
	}
	return n
}

// readInt reads a file holding one integer; 0 when missing or "max".
func readInt(fsys fs.FS, name string) int64 {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// lines describes the machine for BENCHMARKS.md, one item a line.
func (m machineInfo) lines() []string {
	cpu := m.cpuModel
	if cpu == "" {
		cpu = "model not given by /proc/cpuinfo"
	}
	if m.cpuMHz > 0 {
		cpu += fmt.Sprintf(" at %.0f MHz", m.cpuMHz)
	}
	if m.virtual {
		cpu += ", a virtual machine (hypervisor flag)"
	}
	if m.processors > 0 {
		cpu += fmt.Sprintf(", %d processors in /proc/cpuinfo", m.processors)
	}
	cores := fmt.Sprintf("%d (runtime.NumCPU)", m.numCPU)
	if m.cpuQuota > 0 {
		cores += ", cgroup CPU quota " + strconv.FormatFloat(m.cpuQuota, 'f', -1, 64) + " CPUs"
	} else {
		cores += ", no cgroup CPU quota"
	}
	mem := "not given by /proc/meminfo"
	if m.memTotal > 0 {
		mem = gib(m.memTotal) + " (MemTotal)"
	}
	if m.memLimit > 0 {
		mem += ", cgroup limit " + gib(m.memLimit)
	} else {
		mem += ", no cgroup limit"
	}
	kernel := m.kernel
	if kernel == "" {
		kernel = "?"
	}
	if m.arch != "" {
		kernel += " (" + m.arch + ")"
	}
	return []string{
		"CPU: " + cpu,
		"Cores for the run: " + cores,
		"Memory: " + mem,
		"Kernel: Linux " + kernel,
		"Go: " + m.goVersion,
	}
}

func gib(n int64) string {
	return strconv.FormatFloat(math.Round(float64(n)/(1<<30)*10)/10, 'f', -1, 64) + " GiB"
}

// loadAverage returns the load averages over 1, 5 and 15 minutes, as
// /proc/loadavg gives them.
func loadAverage(fsys fs.FS) string {
	b, err := fs.ReadFile(fsys, "proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// unameMachine returns the hardware name, as uname -m prints it.
func unameMachine() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return runtime.GOARCH
	}
	var b strings.Builder
	for _, c := range u.Machine {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}
