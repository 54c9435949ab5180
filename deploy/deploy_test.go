// Package deploy holds the files that run the bot for real: the systemd
// units and, at the repository's root, the Dockerfile. Its tests check
// them.
package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// unit reads a systemd unit: key -> the values it is given, in order.
func unit(t *testing.T, name string) map[string][]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not key=value", name, line)
		}
		out[k] = append(out[k], v)
	}
	return out
}

func has(vals []string, want string) bool {
	for _, v := range vals {
		if v == want {
			return true
		}
	}
	return false
}

// env returns the value of an Environment= setting.
func env(u map[string][]string, key string) string {
	for _, v := range u["Environment"] {
		if k, val, _ := strings.Cut(v, "="); k == key {
			return val
		}
	}
	return ""
}

// TestServiceIsSandboxed: the unit runs the bot as its own user, with the
// system read-only but for the data folder where DB_PATH is, no privileges
// to gain, its own /tmp; systemd itself accepts it and rates its exposure
// "OK" or better (when systemd-analyze is there).
func TestServiceIsSandboxed(t *testing.T) {
	u := unit(t, "ocopbot.service")
	for key, want := range map[string]string{
		"User": "ocopbot", "Group": "ocopbot", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
		"PrivateTmp": "yes", "ProtectHome": "yes", "UMask": "0077", "StateDirectory": "ocopbot",
		"StateDirectoryMode": "0700", "CapabilityBoundingSet": "", "KillSignal": "SIGTERM",
	} {
		if !has(u[key], want) {
			t.Errorf("%s=%q, want %q", key, u[key], want)
		}
	}
	db := env(u, "DB_PATH")
	if db == "" || !has(u["ReadWritePaths"], filepath.Dir(db)) {
		t.Errorf("DB_PATH %q is not in ReadWritePaths %q: the bot could not write its database", db, u["ReadWritePaths"])
	}
	if addr := env(u, "HTTP_ADDR"); !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("HTTP_ADDR=%q: only the reverse proxy should reach it", addr)
	}
	b := unit(t, "ocopbot-backup.service")
	if env(b, "DB_PATH") != db || !has(b["ReadWritePaths"], "/var/backups/ocopbot /var/lib/ocopbot") &&
		!has(b["ReadWritePaths"], "/var/lib/ocopbot /var/backups/ocopbot") {
		t.Errorf("the backup unit: DB_PATH %q, ReadWritePaths %q", env(b, "DB_PATH"), b["ReadWritePaths"])
	}

	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not found: the units are not verified by systemd")
		return
	}
	// systemd checks that ExecStart exists: point it at one that does.
	dir := t.TempDir()
	for _, name := range []string{"ocopbot.service", "ocopbot-backup.service", "ocopbot-backup.timer"} {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.Split(string(raw), "\n") {
			switch {
			case strings.HasPrefix(l, "ExecStart="):
				l = "ExecStart=/bin/true"
			case strings.HasPrefix(l, "ExecStartPost="):
				continue
			}
			lines = append(lines, l)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(sa, "verify", filepath.Join(dir, "ocopbot.service"), filepath.Join(dir, "ocopbot-backup.service"),
		filepath.Join(dir, "ocopbot-backup.timer")).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, name := range []string{"ocopbot.service", "ocopbot-backup.service"} {
		out, err := exec.Command(sa, "security", "--offline=yes", "--threshold=20", filepath.Join(dir, name)).CombinedOutput()
		if err != nil && strings.Contains(string(out), "--offline") {
			t.Logf("this systemd-analyze cannot rate a unit offline: %s", out)
			continue
		}
		if err != nil {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			t.Errorf("%s: exposure above 2.0: %s", name, lines[len(lines)-1])
		}
	}
}

// TestDockerfileIsStaticAndUnprivileged: the image is built in one stage
// and run from another without a shell, as a user who is not root, the
// binary built with CGO_ENABLED=0; and the bot's packages do build without
// cgo (no dependency needs a C compiler).
func TestDockerfileIsStaticAndUnprivileged(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var froms []string
	var user string
	var static bool
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
			user = "" // USER is per stage
		case "USER":
			user = f[1]
		case "RUN":
			if strings.Contains(l, "CGO_ENABLED=0 go build") {
				static = true
			}
		}
	}
	if len(froms) < 2 {
		t.Fatalf("%d stages, want a build stage and a run stage", len(froms))
	}
	if last := froms[len(froms)-1]; last != "scratch" && !strings.HasPrefix(last, "gcr.io/distroless/static") {
		t.Errorf("the run stage is %s: want scratch or distroless/static (no shell, no libc)", last)
	}
	if user == "" || user == "root" || strings.HasPrefix(user, "0:") || user == "0" {
		t.Errorf("the run stage's USER is %q: want a user without privileges", user)
	}
	if !static {
		t.Error("the binary is not built with CGO_ENABLED=0")
	}

	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{if .Error}} ERROR {{.Error}}{{end}}", "./cmd/ocopbot")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("CGO_ENABLED=0 go list: %v\n%s", err, out)
	}
	deps := string(out)
	if strings.Contains(deps, " ERROR ") || strings.Contains(deps, "\nruntime/cgo\n") {
		t.Errorf("a package does not build without cgo:\n%s", deps)
	}
	if !strings.Contains(deps, "\nmodernc.org/sqlite\n") {
		t.Error("the SQLite driver is not modernc.org/sqlite (pure Go)")
	}
}
