package bot_test

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/locales"
)

type stringer struct{}

func (stringer) String() string { return "<s>" }

// Messages render in the user's language, Vietnamese when the language
// or the message is missing; values are escaped unless they are HTML; a
// message id that exists nowhere renders as itself.
func TestTranslator(t *testing.T) {
	tr, err := bot.NewTranslator(fstest.MapFS{
		"vi.toml":   {Data: []byte("[t]\nhi = \"Chào {{.Name}}\"\nonly_vi = \"Chỉ tiếng Việt {{.N}}\"\ncond = \"{{if .Many}}Nhiều{{else}}Một{{end}} {{.Name}}\"\nplain = \"Xin chào\"\n")},
		"t.en.toml": {Data: []byte("[t]\nhi = \"Hello {{.Name}}\"\ncond = \"{{if .Many}}Many{{else}}One{{end}} {{.Name}}\"\nplain = \"Hello\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Languages(); !slices.Equal(got, []string{"en", "vi"}) {
		t.Fatalf("languages %q", got)
	}
	if !tr.IDs("en")["t.hi"] || tr.IDs("en")["t.only_vi"] || !tr.Has("t.only_vi") || tr.Has("t.none") {
		t.Fatal("ids")
	}
	for _, tc := range []struct {
		lang, id string
		data     map[string]any
		want     string
	}{
		{"vi", "t.hi", map[string]any{"Name": "<An>"}, "Chào &lt;An&gt;"},
		{"en", "t.hi", map[string]any{"Name": bot.HTML("<b>An</b>")}, "Hello <b>An</b>"},
		{"fr", "t.hi", map[string]any{"Name": stringer{}}, "Chào &lt;s&gt;"},
		{"en", "t.only_vi", map[string]any{"N": 3}, "Chỉ tiếng Việt 3"},
		{"vi", "t.hi", map[string]any{"Other": 1}, "Chào <no value>"},
		{"vi", "t.cond", map[string]any{"Many": true, "Name": "A&B"}, "Nhiều A&amp;B"},
		{"en", "t.cond", map[string]any{"Many": false, "Name": "x"}, "One x"},
		{"en", "t.plain", nil, "Hello"},
		{"en", "t.plain", nil, "Hello"}, // from the cache
		{"vi", "t.none", nil, "t.none"},
		{"vi", "t.none", map[string]any{"X": 1}, "t.none"},
	} {
		if got := tr.T(tc.lang, tc.id, tc.data); got != tc.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tc.lang, tc.id, tc.data, got, tc.want)
		}
	}
	if tmpl, ok := tr.Template("en", "t.hi"); !ok || tmpl != "Hello {{.Name}}" {
		t.Errorf("template %q, %v", tmpl, ok)
	}
}

// Defined values are written into every message that names them, escaped,
// in every language, with data or without, cached or not.
func TestTranslatorDefine(t *testing.T) {
	tr, err := bot.NewTranslator(fstest.MapFS{
		"vi.toml":   {Data: []byte("[t]\nwelcome = \"Chào {{.Name}}, tỉnh {{.Home}}\"\nplain = \"Ở {{.Home}}: {{.Place}}\"\ncond = \"{{if .X}}có{{end}} {{.Home}}\"\n")},
		"t.en.toml": {Data: []byte("[t]\nplain = \"In {{.Home}}\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.T("vi", "t.plain", nil); got != "Ở <no value>: <no value>" {
		t.Fatalf("before Define: %q", got) // and now in the cache
	}
	if err := tr.Define(map[string]string{"Home": "Bình <Phước>", "Place": "Đồng Xoài"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, id string
		data     map[string]any
		want     string
	}{
		{"vi", "t.welcome", map[string]any{"Name": "An"}, "Chào An, tỉnh Bình &lt;Phước&gt;"},
		{"vi", "t.plain", nil, "Ở Bình &lt;Phước&gt;: Đồng Xoài"},
		{"en", "t.plain", nil, "In Bình &lt;Phước&gt;"},
		{"vi", "t.cond", map[string]any{"X": true}, "có Bình &lt;Phước&gt;"},
		{"en", "t.welcome", map[string]any{"Name": "An"}, "Chào An, tỉnh Bình &lt;Phước&gt;"},
	} {
		if got := tr.T(tc.lang, tc.id, tc.data); got != tc.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tc.lang, tc.id, tc.data, got, tc.want)
		}
	}
	if tmpl, _ := tr.Template("vi", "t.welcome"); tmpl != "Chào {{.Name}}, tỉnh Bình &lt;Phước&gt;" {
		t.Errorf("template %q", tmpl)
	}
}

// Message files that cannot be loaded say why.
func TestTranslatorRefusesBadFiles(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no files":      {},
		"no vietnamese": {"en.toml": {Data: []byte("a = \"b\"\n")}},
		"twice":         {"vi.toml": {Data: []byte("a = \"b\"\n")}, "x.vi.toml": {Data: []byte("a = \"c\"\n")}},
		"not toml":      {"vi.toml": {Data: []byte("a = = b\n")}},
	} {
		if _, err := bot.NewTranslator(fsys); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if _, err := bot.NewTranslator(locales.FS); err != nil {
		t.Fatal(err)
	}
}

// The global budget leaves room above the bulk rate.
func TestGlobalRateFor(t *testing.T) {
	for _, tc := range []struct{ bulk, want float64 }{{10, 30}, {25, 30}, {40, 45}} {
		if got := bot.GlobalRateFor(tc.bulk); got != tc.want {
			t.Errorf("GlobalRateFor(%v) = %v, want %v", tc.bulk, got, tc.want)
		}
	}
	p := bot.NewPacer(0, 0) // defaults
	if err := p.Wait(bot.WithBulk(t.Context()), "c"); err != nil {
		t.Fatal(err)
	}
	if !bot.IsBulk(bot.WithBulk(t.Context())) || bot.IsBulk(t.Context()) {
		t.Fatal("IsBulk")
	}
	if s := p.Stats(); s.Bulk != 1 {
		t.Fatalf("stats %+v", s)
	}
}
