package bot

import (
	"html"
	"math/rand/v2"
	"strings"
	"testing"
)

// plainTextByRegexp is PlainText as it was before its pass without
// regular expressions: what the pass must give, on every input.
func plainTextByRegexp(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	s = anchorRE.ReplaceAllStringFunc(s, func(a string) string {
		m := anchorRE.FindStringSubmatch(a)
		href, label := html.UnescapeString(m[1]), tagRE.ReplaceAllString(m[2], "")
		if href == "" || strings.Contains(html.UnescapeString(label), href) {
			return label
		}
		return label + " (" + m[1] + ")"
	})
	s = html.UnescapeString(tagRE.ReplaceAllString(s, ""))
	return blankRunRE.ReplaceAllString(s, "\n\n")
}

func TestPlainTextAsTheRegexpsDid(t *testing.T) {
	pieces := []string{"<", ">", "a", "A", " ", "\t", "b", "/", "&amp;", "&lt;", "&#10;", "\n", "\n\n\n", "é", "ộ",
		`<a href="https://x.vn">`, "</a>", "<b>", "</b>", "<i>", `href="`, `"`, "<a\n", "<<", "x"}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := r.IntN(12); k >= 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		in := b.String()
		if got, want := PlainText(in), plainTextByRegexp(in); got != want {
			t.Fatalf("PlainText(%q) = %q, the regexps gave %q", in, got, want)
		}
	}
}
