package parts

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bench/internal/proc"
)

// buildBot builds the bot once for the tests of the package.
func buildBot(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := proc.Build(ctx, "go", BotPackage, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p[:len(p)-min(1, len(p))]))
	return len(p), nil
}

func figureMap(t *testing.T, figs []Figure) map[string]Figure {
	t.Helper()
	m := map[string]Figure{}
	for _, f := range figs {
		t.Logf("%s %g %s", f.Name, f.Value, f.Unit)
		if _, dup := m[f.Name]; dup {
			t.Errorf("figure %s given twice", f.Name)
		}
		m[f.Name] = f
	}
	return m
}

func TestPartsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bot binary (-short)")
	}
	bin := buildBot(t)
	common := func(t *testing.T) Common {
		dir := t.TempDir()
		return Common{Bin: bin, TempDir: dir, RedisURL: os.Getenv("TEST_REDIS_URL"), Log: logWriter{t}, Timeout: 20 * time.Second}
	}
	t.Run("announce", func(t *testing.T) {
		t.Parallel()
		c := common(t)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		const n = 200
		figs, err := Announce(ctx, AnnounceConfig{Common: c, Recipients: n, FakeRate: 600, BroadcastRate: 500, Chatters: 3, ChatEvery: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		m := figureMap(t, figs)
		for _, name := range []string{"announce_finish_over_ideal", "announce_effective_rate", "announce_interactive_p99"} {
			if f, ok := m[name]; !ok || !(f.Value > 0) {
				t.Errorf("%s: %+v", name, f)
			}
		}
		if m["announce_recipients"].Value != n || m["announce_missing"].Value != 0 || m["announce_duplicates"].Value != 0 {
			t.Errorf("not every recipient got exactly one copy: %v", figs)
		}
		if m["announce_interactive_lost"].Value != 0 || m["announce_interactive_replies"].Value < 1 {
			t.Errorf("chatters: %v", figs)
		}
		if _, ok := m["announce_429"]; !ok {
			t.Error("no announce_429")
		}
		assertRemoved(t, c.TempDir)
	})
	t.Run("figures", func(t *testing.T) {
		t.Parallel()
		c := common(t)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		figs, err := Figures(ctx, FiguresConfig{Common: c, Products: 500, Subjects: 250, Runs: 2, ReportRuns: 2})
		if err != nil {
			t.Fatal(err)
		}
		m := figureMap(t, figs)
		for _, name := range []string{"thongke_ms", "thongke_cold_ms", "baocao_ms", "baocao_cold_ms", "db_size_mb"} {
			if f, ok := m[name]; !ok || !(f.Value > 0) {
				t.Errorf("%s: %+v", name, f)
			}
		}
		if m["figures_products"].Value != 500 || m["figures_subjects"].Value != 250 {
			t.Errorf("sizes: %v", figs)
		}
		assertRemoved(t, c.TempDir)
	})
}

// assertRemoved checks that a part left nothing in its temporary directory.
func assertRemoved(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, "ocopbench-*"))
	if len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
