package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/locales"
)

// The province's name and its example places come from its data, and every
// message that names one gets it, in every language.
func TestPlaceWordsFillEveryMessage(t *testing.T) {
	places, err := domain.DefaultPlaces()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := domain.DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	words := placeWords(places, plan, "80")
	for k, want := range map[string]string{"HomeProvince": "Tây Ninh", "HomePlace": "Tân Ninh", "HomePlaceTyped": "tan ninh", "HomePlaceCode": "25459",
		"HomePlace2": "Bình Minh", "HomePlaceTyped2": "binh minh", "HomePlaceFull2": "Phường Bình Minh", "HomeProvinceCode": "80"} {
		if words[k] != want {
			t.Errorf("%s = %q, want %q", k, words[k], want)
		}
	}
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, lang := range tr.Languages() {
		for id := range tr.IDs(lang) {
			tmpl, _ := tr.Template(lang, id)
			for k := range words {
				if strings.Contains(tmpl, "{{."+k+"}}") {
					used[k] = true
				}
			}
		}
	}
	if err := tr.Define(words); err != nil {
		t.Fatal(err)
	}
	for _, lang := range tr.Languages() {
		for id := range tr.IDs(lang) {
			tmpl, _ := tr.Template(lang, id)
			for k := range words {
				if strings.Contains(tmpl, "{{."+k+"}}") {
					t.Errorf("%s %s: {{.%s}} left unfilled", lang, id, k)
				}
			}
		}
	}
	for k := range words {
		if !used[k] {
			t.Errorf("no message uses %s", k)
		}
	}
	if got := tr.T("vi", "start.welcome", map[string]any{"Name": "An"}); !strings.Contains(got, "tỉnh Tây Ninh") {
		t.Errorf("the welcome: %q", got)
	}
}

// No handler gives data under a name that Define fills in (they begin with
// "Home"): the message would show the province's value instead of it.
func TestNoDataNamedLikeAPlaceWord(t *testing.T) {
	for _, dir := range []string{"../../handlers", "../../bot", "../../report", "."} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "serve.go" {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(src), `"Home`) {
				t.Errorf("%s gives data named \"Home…\", a name the place words take", f)
			}
		}
	}
}
