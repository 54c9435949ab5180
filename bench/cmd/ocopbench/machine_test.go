package main

import (
	"strings"
	"testing"
	"testing/fstest"
)

// cpuinfo is /proc/cpuinfo of a 2-core virtual machine, shortened.
const cpuinfo = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 85
model name	: Intel(R) Xeon(R) Processor
stepping	: 4
cpu MHz		: 2593.906
cache size	: 16384 KB
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep hypervisor lahf_lm
bogomips	: 5187.81

processor	: 1
vendor_id	: GenuineIntel
cpu family	: 6
model		: 85
model name	: Intel(R) Xeon(R) Processor
stepping	: 4
cpu MHz		: 2593.906
cache size	: 16384 KB
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep hypervisor lahf_lm
bogomips	: 5187.81
`

const meminfo = `MemTotal:        4026532 kB
MemFree:          815940 kB
MemAvailable:    2890732 kB
`

func TestReadMachine(t *testing.T) {
	base := func() fstest.MapFS {
		return fstest.MapFS{
			"proc/cpuinfo":              {Data: []byte(cpuinfo)},
			"proc/meminfo":              {Data: []byte(meminfo)},
			"proc/sys/kernel/osrelease": {Data: []byte("6.1.0-27-cloud-amd64\n")},
		}
	}
	t.Run("cgroup v2 with limits", func(t *testing.T) {
		fsys := base()
		fsys["proc/self/cgroup"] = &fstest.MapFile{Data: []byte("0::/\n")}
		fsys["sys/fs/cgroup/cpu.max"] = &fstest.MapFile{Data: []byte("150000 100000\n")}
		fsys["sys/fs/cgroup/memory.max"] = &fstest.MapFile{Data: []byte("2147483648\n")}
		m := readMachine(fsys)
		if m.cpuModel != "Intel(R) Xeon(R) Processor" || m.processors != 2 || !m.virtual || m.cpuMHz != 2593.906 {
			t.Errorf("CPU: %+v", m)
		}
		if m.memTotal != 4026532*1024 || m.kernel != "6.1.0-27-cloud-amd64" {
			t.Errorf("memory or kernel: %+v", m)
		}
		if m.cpuQuota != 1.5 || m.memLimit != 2<<30 {
			t.Errorf("cgroup limits: %v CPUs, %d bytes", m.cpuQuota, m.memLimit)
		}
		m.numCPU, m.arch, m.goVersion = 2, "x86_64", "go1.26.8 linux/amd64"
		got := strings.Join(m.lines(), "\n")
		want := strings.Join([]string{
			"CPU: Intel(R) Xeon(R) Processor at 2594 MHz, a virtual machine (hypervisor flag), 2 processors in /proc/cpuinfo",
			"Cores for the run: 2 (runtime.NumCPU), cgroup CPU quota 1.5 CPUs",
			"Memory: 3.8 GiB (MemTotal), cgroup limit 2 GiB",
			"Kernel: Linux 6.1.0-27-cloud-amd64 (x86_64)",
			"Go: go1.26.8 linux/amd64",
		}, "\n")
		if got != want {
			t.Errorf("lines:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("cgroup v2 without limits", func(t *testing.T) {
		fsys := base()
		fsys["proc/self/cgroup"] = &fstest.MapFile{Data: []byte("0::/user.slice\n")}
		fsys["sys/fs/cgroup/user.slice/cpu.max"] = &fstest.MapFile{Data: []byte("max 100000\n")}
		fsys["sys/fs/cgroup/user.slice/memory.max"] = &fstest.MapFile{Data: []byte("max\n")}
		if m := readMachine(fsys); m.cpuQuota != 0 || m.memLimit != 0 {
			t.Errorf("limits where there are none: %v CPUs, %d bytes", m.cpuQuota, m.memLimit)
		}
	})
	t.Run("cgroup v1, the tighter of the process's and the root's", func(t *testing.T) {
		fsys := base()
		fsys["proc/self/cgroup"] = &fstest.MapFile{Data: []byte("5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n")}
		fsys["sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"] = &fstest.MapFile{Data: []byte("-1\n")}
		fsys["sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"] = &fstest.MapFile{Data: []byte("100000\n")}
		fsys["sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us"] = &fstest.MapFile{Data: []byte("200000\n")}
		fsys["sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us"] = &fstest.MapFile{Data: []byte("100000\n")}
		fsys["sys/fs/cgroup/memory/memory.limit_in_bytes"] = &fstest.MapFile{Data: []byte("9223372036854771712\n")} // none
		fsys["sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes"] = &fstest.MapFile{Data: []byte("1073741824\n")}
		if m := readMachine(fsys); m.cpuQuota != 2 || m.memLimit != 1<<30 {
			t.Errorf("limits: %v CPUs, %d bytes", m.cpuQuota, m.memLimit)
		}
	})
	t.Run("nothing to read", func(t *testing.T) {
		m := readMachine(fstest.MapFS{})
		m.numCPU = 4
		if m.processors != 0 || m.cpuQuota != 0 || m.memTotal != 0 {
			t.Errorf("%+v", m)
		}
		lines := strings.Join(m.lines(), "\n")
		for _, want := range []string{"CPU: model not given by /proc/cpuinfo", "Cores for the run: 4 (runtime.NumCPU), no cgroup CPU quota", "Kernel: Linux ?"} {
			if !strings.Contains(lines, want) {
				t.Errorf("lines lack %q:\n%s", want, lines)
			}
		}
	})
}

func TestLoadAverage(t *testing.T) {
	fsys := fstest.MapFS{"proc/loadavg": {Data: []byte("0.79 0.50 0.31 2/300 1234\n")}}
	if got := loadAverage(fsys); got != "0.79 0.50 0.31" {
		t.Errorf("loadAverage = %q", got)
	}
	if got := loadAverage(fstest.MapFS{}); got != "?" {
		t.Errorf("loadAverage without the file = %q", got)
	}
}
