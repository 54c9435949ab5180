package bot

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPlainTextAsTheRegexpsDid: the pass without regular expressions
// gives, on every input, what the regular expressions give.
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
		want := in
		if strings.ContainsAny(in, "<&") {
			want = plainTextByRegexp(in)
		}
		if got := PlainText(in); got != want {
			t.Fatalf("PlainText(%q) = %q, the regexps gave %q", in, got, want)
		}
	}
}
