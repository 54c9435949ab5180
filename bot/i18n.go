package bot

import (
	"fmt"
	"html"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// HTML marks a template value that is already safe HTML and must not be
// escaped again (a list of lines built from escaped parts, say).
type HTML string

// Translator renders message ids in a user's language. Vietnamese is the
// default and the fallback; template data is HTML-escaped unless it is HTML.
type Translator struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	ids        map[string]map[string]bool   // lang -> message ids
	templates  map[string]map[string]string // lang -> id -> raw template
	// plain remembers the messages rendered without data (lang -> id ->
	// text): most buttons and prompts, asked for on every update. (Keyed
	// by lang + id in a sync.Map, the key cost an allocation a call.)
	plainMu sync.RWMutex
	plain   map[string]map[string]string
	// simple holds the messages whose only actions are {{.Field}}, cut
	// at them: they are rendered by joining the parts, without running the
	// template engine (lang -> id).
	simple map[string]map[string]*simpleTemplate
	tags   map[string]language.Tag // lang -> the bundle's tag of its files
}

// simpleTemplate is a template made of literal text and {{.Field}}
// placeholders only: parts[0] field[0] parts[1] … parts[n].
type simpleTemplate struct {
	parts  []string
	fields []string
	size   int // bytes of the parts
}

var (
	fieldRE  = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
	actionRE = regexp.MustCompile(`\{\{`)
)

// compileSimple cuts tmpl at its placeholders, or returns nil when it
// has any other action ({{if}}, pipelines, comments).
func compileSimple(tmpl string) *simpleTemplate {
	if len(actionRE.FindAllStringIndex(tmpl, -1)) != len(fieldRE.FindAllStringIndex(tmpl, -1)) {
		return nil
	}
	st := &simpleTemplate{}
	last := 0
	for _, m := range fieldRE.FindAllStringSubmatchIndex(tmpl, -1) {
		st.parts = append(st.parts, tmpl[last:m[0]])
		st.fields = append(st.fields, tmpl[m[2]:m[3]])
		last = m[1]
	}
	st.parts = append(st.parts, tmpl[last:])
	for _, p := range st.parts {
		st.size += len(p)
	}
	return st
}

// render fills the placeholders from data as text/template prints them
// ("<no value>" for a missing one).
func (st *simpleTemplate) render(data map[string]any, value func(any) any) string {
	var b strings.Builder
	b.Grow(st.size + 16*len(st.fields))
	for i, f := range st.fields {
		b.WriteString(st.parts[i])
		v := data[f]
		if value != nil {
			v = value(v)
		}
		switch x := v.(type) {
		case nil:
			b.WriteString("<no value>")
		case string:
			b.WriteString(x)
		default:
			fmt.Fprint(&b, x)
		}
	}
	b.WriteString(st.parts[len(st.parts)-1])
	return b.String()
}

// NewTranslator loads every <lang>.toml file of fsys.
func NewTranslator(fsys fs.FS) (*Translator, error) {
	b := i18n.NewBundle(language.Vietnamese)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	t := &Translator{bundle: b, localizers: map[string]*i18n.Localizer{}, ids: map[string]map[string]bool{}, templates: map[string]map[string]string{},
		simple: map[string]map[string]*simpleTemplate{}, plain: map[string]map[string]string{}, tags: map[string]language.Tag{}}
	files, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("locales: no message files")
	}
	for _, f := range files {
		buf, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		mf, err := b.ParseMessageFileBytes(buf, f)
		if err != nil {
			return nil, fmt.Errorf("locales: %s: %w", f, err)
		}
		// "vi.toml" or "<area>.vi.toml": the language is the last part.
		name := strings.TrimSuffix(path.Base(f), ".toml")
		lang := name[strings.LastIndexByte(name, '.')+1:]
		if t.ids[lang] == nil {
			t.ids[lang], t.templates[lang] = map[string]bool{}, map[string]string{}
			t.simple[lang] = map[string]*simpleTemplate{}
		}
		t.tags[lang] = mf.Tag
		for _, m := range mf.Messages {
			if t.ids[lang][m.ID] {
				return nil, fmt.Errorf("locales: %s: message %q is defined twice", f, m.ID)
			}
			t.ids[lang][m.ID] = true
			t.templates[lang][m.ID] = m.Other
			if st := compileSimple(m.Other); st != nil {
				t.simple[lang][m.ID] = st
			}
		}
		t.localizers[lang] = i18n.NewLocalizer(b, lang, "vi")
	}
	if t.localizers["vi"] == nil {
		return nil, fmt.Errorf("locales: vi.toml is missing")
	}
	return t, nil
}

// Define writes values that are the same in every message into the
// templates, once: the province's name and examples of its places, which
// come from the province's data (the places file, the plan) and not from
// the message files, so that another province's bot does not speak of Tây
// Ninh. A message refers to one as {{.Name}}; the value is HTML-escaped.
// The names must be ones no handler gives as data, since every template
// that holds one is filled. Call it before the translator is used.
func (t *Translator) Define(values map[string]string) error {
	for lang, ids := range t.templates {
		var changed []*i18n.Message
		for id, tmpl := range ids {
			out := tmpl
			for name, v := range values {
				out = strings.ReplaceAll(out, "{{."+name+"}}", html.EscapeString(v))
			}
			if out == tmpl {
				continue
			}
			ids[id] = out
			t.simple[lang][id] = compileSimple(out)
			changed = append(changed, &i18n.Message{ID: id, Other: out})
		}
		if err := t.bundle.AddMessages(t.tags[lang], changed...); err != nil {
			return fmt.Errorf("locales: %s: %w", lang, err)
		}
	}
	t.plainMu.Lock()
	t.plain = map[string]map[string]string{}
	t.plainMu.Unlock()
	return nil
}

// Languages lists the loaded language codes, sorted.
func (t *Translator) Languages() []string {
	out := make([]string, 0, len(t.ids))
	for l := range t.ids {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// IDs returns the message ids of one language.
func (t *Translator) IDs(lang string) map[string]bool { return t.ids[lang] }

// Template returns the raw template of a message (tests match replies
// against its literal parts).
func (t *Translator) Template(lang, id string) (string, bool) {
	s, ok := t.templates[lang][id]
	return s, ok
}

// Has reports whether the message id exists in Vietnamese.
func (t *Translator) Has(id string) bool { return t.ids["vi"][id] }

// T renders id in lang with data. A missing id renders as the id itself, so
// a mistake shows up in tests rather than as an empty message.
func (t *Translator) T(lang, id string, data map[string]any) string {
	l := t.localizers[lang]
	if l == nil {
		l = t.localizers["vi"]
	}
	if len(data) == 0 {
		if t.localizers[lang] == nil {
			lang = "vi" // what l is
		}
		t.plainMu.RLock()
		s, ok := t.plain[lang][id]
		t.plainMu.RUnlock()
		if ok {
			return s
		}
		s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id})
		if err != nil {
			return id
		}
		t.plainMu.Lock()
		if t.plain[lang] == nil {
			t.plain[lang] = map[string]string{}
		}
		t.plain[lang][id] = s
		t.plainMu.Unlock()
		return s
	}
	if st := t.simpleOf(lang, id); st != nil {
		return st.render(data, escapeValue) // no copy of data (BENCHMARKS.md)
	}
	td := make(map[string]any, len(data))
	for k, v := range data {
		td[k] = escapeValue(v)
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: td})
	if err != nil {
		return id
	}
	return s
}

// simpleOf returns the simple template of id in lang, falling back to
// Vietnamese as the localizer does; nil when the template engine must
// render it.
func (t *Translator) simpleOf(lang, id string) *simpleTemplate {
	if t.localizers[lang] == nil {
		lang = "vi"
	}
	if t.ids[lang][id] {
		return t.simple[lang][id]
	}
	return t.simple["vi"][id]
}

// Plain renders id in lang with data left as it is: for button labels,
// which every channel shows as plain text (never HTML). The template
// itself must hold no HTML.
func (t *Translator) Plain(lang, id string, data map[string]any) string {
	if len(data) == 0 {
		return t.T(lang, id, nil)
	}
	l := t.localizers[lang]
	if l == nil {
		l = t.localizers["vi"]
	}
	td := make(map[string]any, len(data))
	for k, v := range data {
		switch x := v.(type) {
		case HTML:
			td[k] = string(x)
		case fmt.Stringer:
			td[k] = x.String()
		default:
			td[k] = v
		}
	}
	if st := t.simpleOf(lang, id); st != nil {
		return st.render(td, nil)
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: td})
	if err != nil {
		return id
	}
	return s
}

func escapeValue(v any) any {
	switch x := v.(type) {
	case HTML:
		return string(x)
	case string:
		return html.EscapeString(x)
	case fmt.Stringer:
		return html.EscapeString(x.String())
	default:
		return v
	}
}
