package locales_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/locales"
)

// flatten turns nested TOML tables into dotted message ids.
func flatten(prefix string, m map[string]any, out map[string]string) {
	for k, v := range m {
		id := k
		if prefix != "" {
			id = prefix + "." + k
		}
		switch x := v.(type) {
		case string:
			out[id] = x
		case map[string]any:
			if other, ok := x["other"].(string); ok {
				out[id] = other
				continue
			}
			flatten(id, x, out)
		}
	}
}

// load merges every message file of a language: "vi.toml" and
// "<area>.vi.toml"; an id defined twice fails.
func load(t *testing.T, name string) map[string]string {
	t.Helper()
	lang := strings.TrimSuffix(name, ".toml")
	files, err := fs.Glob(locales.FS, "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		if f != lang+".toml" && !strings.HasSuffix(f, "."+lang+".toml") {
			continue
		}
		buf, err := fs.ReadFile(locales.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := toml.Unmarshal(buf, &raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		part := map[string]string{}
		flatten("", raw, part)
		for id, v := range part {
			if _, dup := out[id]; dup {
				t.Errorf("%s: message %q is defined twice", f, id)
			}
			out[id] = v
		}
	}
	return out
}

var idRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.$|^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// literals collects the string literals of the project's non-test Go code
// that could be message ids, leaving out error operation names (the first
// argument of domain.Invalid, domain.E, domain.Op, domain.Errorf and Op fields).
func literals(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "telegramtest") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		skip := map[*ast.BasicLit]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch f := x.Fun.(type) {
				case *ast.SelectorExpr:
					name = f.Sel.Name
				case *ast.Ident:
					name = f.Name
				}
				switch name {
				case "Invalid", "E", "Op", "Errorf", "textField":
					if len(x.Args) > 0 {
						if lit, ok := x.Args[0].(*ast.BasicLit); ok {
							skip[lit] = true
						}
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Op" {
					if lit, ok := x.Value.(*ast.BasicLit); ok {
						skip[lit] = true
					}
				}
			case *ast.BasicLit:
				if x.Kind != token.STRING || skip[x] {
					return true
				}
				s, err := strconv.Unquote(x.Value)
				if err == nil && idRE.MatchString(s) {
					rel, _ := filepath.Rel(root, path)
					found[s] = append(found[s], rel)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestEveryLocaleHasTheSameIDs(t *testing.T) {
	vi, en := load(t, "vi.toml"), load(t, "en.toml")
	for id := range vi {
		if _, ok := en[id]; !ok {
			t.Errorf("en.toml lacks %q", id)
		}
	}
	for id := range en {
		if _, ok := vi[id]; !ok {
			t.Errorf("vi.toml lacks %q (Vietnamese is the complete locale)", id)
		}
	}
	for id, s := range vi {
		if strings.TrimSpace(s) == "" {
			t.Errorf("vi.toml: %q is empty", id)
		}
	}
}

func TestEveryUsedIDExistsAndNoneIsOrphaned(t *testing.T) {
	vi := load(t, "vi.toml")
	sections := map[string]bool{}
	for id := range vi {
		sections[strings.SplitN(id, ".", 2)[0]] = true
	}
	used := literals(t)
	var prefixes []string
	for lit, where := range used {
		if strings.HasSuffix(lit, ".") {
			prefixes = append(prefixes, lit)
			continue
		}
		if !sections[strings.SplitN(lit, ".", 2)[0]] {
			continue // not a message id (a file name, a package path...)
		}
		if _, ok := vi[lit]; !ok {
			t.Errorf("message id %q used in %v is missing from the locales", lit, where)
		}
	}
	var orphans []string
	for id := range vi {
		if _, ok := used[id]; ok {
			continue
		}
		dynamic := false
		for _, p := range prefixes {
			if strings.HasPrefix(id, p) {
				dynamic = true
			}
		}
		if !dynamic {
			orphans = append(orphans, id)
		}
	}
	sort.Strings(orphans)
	for _, id := range orphans {
		t.Errorf("message id %q is in the locales but used nowhere", id)
	}
}

func TestVietnameseHasDiacritics(t *testing.T) {
	// A Vietnamese file typed without diacritics would read as broken to
	// users; every sentence of some length must carry at least one.
	vi := load(t, "vi.toml")
	marks := regexp.MustCompile(`[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]`)
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}|<[^>]*>`)
	for id, s := range vi {
		words := 0
		for _, w := range strings.Fields(placeholder.ReplaceAllString(s, " ")) {
			if regexp.MustCompile(`[\pL]{2,}`).MatchString(w) {
				words++
			}
		}
		if words >= 4 && !marks.MatchString(strings.ToLower(s)) {
			t.Errorf("vi.toml %q has no Vietnamese diacritics: %q", id, s)
		}
	}
	if _, err := os.Stat("vi.toml"); err != nil {
		t.Fatal(err)
	}
}

// TestEveryMessageIsValidTelegramHTML renders each message with sample
// data and checks it the way Telegram parses HTML: a stray "<" or "&" in
// a translation would make the message fail to send.
func TestEveryMessageIsValidTelegramHTML(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		for id, tmpl := range load(t, lang+".toml") {
			text := regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(tmpl, "x")
			if err := telegramtest.CheckHTML(text); err != nil {
				t.Errorf("%s %s: %v", lang, id, err)
			}
		}
	}
}
