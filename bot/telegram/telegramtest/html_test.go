package telegramtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
)

func TestParseHTML(t *testing.T) {
	for _, tc := range []struct {
		in       string
		plain    string
		entities string // fmt of type:offset:length[:extra] list
	}{
		{in: "plain", plain: "plain", entities: ""},
		{in: "<b>bold</b> <i>it</i>", plain: "bold it", entities: "bold:0:4 italic:5:2"},
		{in: "<B>x</B><strong>y</strong><EM>z</EM>", plain: "xyz", entities: "bold:0:1 bold:1:1 italic:2:1"},
		{in: "😀<u>x</u>", plain: "😀x", entities: "underline:2:1"},
		{in: "<b>a<i>b</i></b>", plain: "ab", entities: "bold:0:2 italic:1:1"},
		{in: `<pre><code class="language-go">x := 1</code></pre>`, plain: "x := 1", entities: "pre:0:6:go"},
		{in: "<pre><code>x</code></pre><b><i>y</i></b>", plain: "xy", entities: "pre:0:1 code:0:1 bold:1:1 italic:1:1"},
		{in: `<a href="https://x.y/?a=1&amp;b=2">link</a>`, plain: "link", entities: "text_link:0:4:https://x.y/?a=1&b=2"},
		{in: `<a href=https://x.y>l</a>`, plain: "l", entities: "text_link:0:1:https://x.y"},
		{in: `<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>`, plain: "st", entities: "spoiler:0:1 spoiler:1:1"},
		{in: `<blockquote expandable>q</blockquote><blockquote>r</blockquote>`, plain: "qr", entities: "expandable_blockquote:0:1 blockquote:1:1"},
		{in: `<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, plain: "👍", entities: "custom_emoji:0:2:5368324170671202286"},
		{in: "<s>a</s><strike>b</strike><del>c</del><ins>d</ins><code>e</code>", plain: "abcde", entities: "strikethrough:0:1 strikethrough:1:1 strikethrough:2:1 underline:3:1 code:4:1"},
		{in: "a &lt; b &gt; c &amp; &quot;d&quot; &#65;&#x42;&#X1F600;", plain: `a < b > c & "d" AB😀`, entities: ""},
		{in: "a > b", plain: "a > b", entities: ""},
		{in: "<b></b>x", plain: "x", entities: ""},
		{in: "<b>x</>", plain: "x", entities: "bold:0:1"},
	} {
		plain, ents, err := parseHTML(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if plain != tc.plain || formatEntities(ents) != tc.entities {
			t.Errorf("%q = %q [%s], want %q [%s]", tc.in, plain, formatEntities(ents), tc.plain, tc.entities)
		}
	}
}

func formatEntities(ents []models.MessageEntity) string {
	parts := make([]string, len(ents))
	for i, e := range ents {
		parts[i] = fmt.Sprintf("%s:%d:%d", e.Type, e.Offset, e.Length)
		for _, extra := range []string{e.Language, e.URL, e.CustomEmojiID} {
			if extra != "" {
				parts[i] += ":" + extra
			}
		}
	}
	return strings.Join(parts, " ")
}

func TestParseHTMLErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<b>x", `Can't find end tag corresponding to start tag "b"`},
		{"a < b", `Unsupported start tag "" at byte offset 2`},
		{"a<b", "Unclosed start tag at byte offset 1"},
		{"<script>x</script>", `Unsupported start tag "script" at byte offset 0`},
		{"x</b>", "Unexpected end tag at byte offset 1"},
		{"<b><i>x</b></i>", `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"<b>x</b", "Unclosed end tag at byte offset 4"},
		{"Tom & Jerry", `Character '&' at byte offset 4 must be escaped as "&amp;"`},
		{"&foo;", `Character '&' at byte offset 0`},
		{"&#0;", `Character '&' at byte offset 0`},
		{"&#xD800;", `Character '&' at byte offset 0`},
		{`<a href="x&y">l</a>`, `Character '&' must be escaped`},
		{`<a href="x>l</a>`, "Unclosed start tag at byte offset 0"},
		{`<span>s</span>`, `Tag "span" must have class "tg-spoiler"`},
		{`<tg-emoji>x</tg-emoji>`, `Tag "tg-emoji" must have attribute "emoji-id"`},
		{"<b =x>y</b>", "Empty attribute name"},
	} {
		_, _, e := renderText(tc.in, "HTML", "")
		if e == nil {
			t.Errorf("%q: no error", tc.in)
			continue
		}
		if !strings.HasPrefix(e.Description, "Bad Request: can't parse entities: "+tc.want) || e.Code != 400 {
			t.Errorf("%q: %d %q, want prefix %q", tc.in, e.Code, e.Description, tc.want)
		}
	}
}

func TestUTF16Count(t *testing.T) {
	for in, want := range map[string]int{"": 0, "abc": 3, "Việt": 4, "😀": 2, "a😀b": 4, "漢字": 2} {
		if got := utf16Count(in); got != want {
			t.Errorf("utf16Count(%q) = %d, want %d", in, got, want)
		}
	}
}
