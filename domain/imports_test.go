package domain

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestImports keeps the domain package free of the outside world (STYLE §1):
// it may depend on the standard library and golang.org/x/text only.
func TestImports(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The test runs in the package's directory, so "." is this package.
	cmd := exec.CommandContext(ctx, gobin, "list", "-deps", "-f", "{{.ImportPath}}", ".")
	out, err := cmd.Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		t.Fatalf("go list: %v\n%s", err, ee.Stderr)
	} else if err != nil {
		t.Fatalf("go list: %v", err)
	}
	self, err := exec.CommandContext(ctx, gobin, "list", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkg := strings.TrimSpace(string(self))

	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list printed no packages")
	}
	for _, dep := range deps {
		if dep != pkg && !allowedImport(dep) {
			t.Errorf("%s depends on %s; domain may import only the standard library and golang.org/x/text", pkg, dep)
		}
	}
}

// allowedImport reports whether the domain package may depend on path: a
// standard library package (no dot in its first element) or golang.org/x/text.
func allowedImport(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") ||
		path == "golang.org/x/text" || strings.HasPrefix(path, "golang.org/x/text/")
}

func TestAllowedImport(t *testing.T) {
	for path, want := range map[string]bool{
		"fmt":                                    true,
		"unicode/utf8":                           true,
		"vendor/golang.org/x/net/dns/dnsmessage": true,
		"golang.org/x/text/unicode/norm":         true,
		"golang.org/x/text":                      true,
		"golang.org/x/textual":                   false,
		"golang.org/x/sys/unix":                  false,
		"github.com/ocop-tayninh/ocopbot/storage/sqlite": false,
		"modernc.org/sqlite":                             false,
	} {
		if got := allowedImport(path); got != want {
			t.Errorf("allowedImport(%q) = %v, want %v", path, got, want)
		}
	}
}
