package parts

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/report"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

var benchProducts = flag.Int("products", 20000, "products of the generated data set of the figures benchmarks (half as many subjects)")

// figuresDB generates the data set once per size into a cache directory
// (it takes a while at 100,000 products) and opens it.
func figuresDB(b testing.TB) (*sqlite.DB, report.Source) {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), "ocopbench-figures")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "p"+strconv.Itoa(*benchProducts)+".db")
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		os.Remove(tmp)
		if err := generateProvince(ctx, tmp, *benchProducts/2, *benchProducts); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	db, err := sqlite.Open(ctx, path, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	places, err := domain.DefaultPlaces()
	if err != nil {
		b.Fatal(err)
	}
	plan, err := domain.DefaultPlan()
	if err != nil {
		b.Fatal(err)
	}
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		b.Fatal(err)
	}
	events := sqlite.NewEventStore(db)
	return db, report.Source{Data: sqlite.NewReportStore(db), Figures: sqlite.NewFigureStore(db), Budget: sqlite.NewBudgetStore(db),
		Attendance: events, Plan: plan, Places: places, Rules: rules}
}

// BenchmarkFigureCounts is the database part of /thongke for the whole
// province: the plan's area and the province.
func BenchmarkFigureCounts(b *testing.B) {
	_, src := figuresDB(b)
	ctx := context.Background()
	now := time.Now()
	for b.Loop() {
		if _, err := report.Counts(ctx, src, report.Columns(src, nil), now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReportBuild is /baocao's workbook for the whole province. Besides
// the time it reports the CPU time of the process per workbook (cpu-ms/op,
// all goroutines and the garbage collector: what the two cores of a busy
// machine share) and the workbook's size.
func BenchmarkReportBuild(b *testing.B) {
	_, src := figuresDB(b)
	ctx := context.Background()
	cpu0 := cpuTime()
	var size int64
	for b.Loop() {
		f, err := report.Build(ctx, src, report.Scope{Now: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		n, err := f.WriteTo(io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		size = n
		f.Close()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(size)/(1<<20), "MB")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
