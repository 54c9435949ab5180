package bot

import (
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/ocop-tayninh/ocopbot/locales"
)

// Every message rendered by joining its parts reads as the template engine
// renders it, whatever the values: strings, numbers, HTML, times, a value
// missing or nil.
func TestSimpleTemplatesRenderAsTheEngine(t *testing.T) {
	tr, err := NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	values := []any{"Bánh tráng & <muối>", HTML("<b>đậm</b>"), 42, 3.5, int64(-7), true,
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), []string{"a", "b"}, nil}
	n := 0
	for lang, ids := range tr.ids {
		for id := range ids {
			st := tr.simple[lang][id]
			if st == nil {
				continue
			}
			n++
			for i, v := range values {
				data := map[string]any{}
				for j, f := range st.fields {
					if j%2 == 1 && i%3 == 0 {
						continue // left out: "<no value>"
					}
					data[f] = v
				}
				td := map[string]any{}
				for k, v := range data {
					td[k] = escapeValue(v)
				}
				want, err := tr.localizers[lang].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: td})
				if err != nil {
					t.Fatalf("%s %s: %v", lang, id, err)
				}
				if got := tr.T(lang, id, data); got != want {
					t.Fatalf("%s %s with %#v:\n got %q\nwant %q", lang, id, v, got, want)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d simple templates", n)
	}
	for _, tmpl := range []string{"{{if .A}}x{{end}}", "{{.A | printf \"%d\"}}", "{{/* c */}}", "{{ .A.B }}"} {
		if compileSimple(tmpl) != nil {
			t.Errorf("%q taken for a simple template", tmpl)
		}
	}
}
