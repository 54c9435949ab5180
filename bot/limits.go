package bot

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Limits is what a channel cannot show, so that the engine degrades a reply
// the same way wherever it is sent (ZALO.md, "How each gap degrades").
type Limits struct {
	// MaxButtons is the most buttons one message may carry (0: no limit).
	// A reply with more shows every choice as a numbered list in its text,
	// and typing a number presses that choice.
	MaxButtons int
	// NoEdit: messages cannot be edited; an edit is sent as a new message.
	NoEdit bool
	// PlainText: no HTML; the channel renders the text with PlainText.
	PlainText bool
	// NoToast: a pressed button cannot be answered with a small notice.
	// An alert is sent as a message; a short notice only when the update
	// sends nothing else (it would repeat what the next message says).
	NoToast bool
	// NoKeyboard: the channel has no reply keyboard under the input field
	// (Zalo asks for the phone number with a form), so RemoveKeyboard has
	// nothing to remove.
	NoKeyboard bool
}

// Limited is a Sender that tells the engine its limits.
type Limited interface {
	Limits() Limits
}

// limitsOf returns s's limits (none for a Sender that does not say).
func limitsOf(s Sender) Limits {
	if l, ok := s.(Limited); ok {
		return l.Limits()
	}
	return Limits{}
}

// NumbersButtons reports whether a reply with n buttons is shown on this
// channel as a numbered list (more than it shows as buttons).
func (l Limits) NumbersButtons(n int) bool { return l.MaxButtons != 0 && n > l.MaxButtons }

// Degrade fits r to l: with more buttons than the channel shows, the
// buttons become a numbered list under the text and are returned in their
// order (numbered from 1), so that a typed number can press one. The first
// r.Listed of them are in the text already and are not written again.
func (r Reply) Degrade(l Limits) (Reply, []Button) {
	if l.NoEdit {
		r.Edit = ""
	}
	n := 0
	for _, row := range r.Buttons {
		n += len(row)
	}
	if !l.NumbersButtons(n) {
		return r, nil
	}
	flat := make([]Button, 0, n)
	var b strings.Builder
	b.WriteString(r.Text)
	for _, row := range r.Buttons {
		for _, btn := range row {
			flat = append(flat, btn)
			if len(flat) <= r.Listed {
				continue
			}
			if len(flat) == r.Listed+1 && r.Listed > 0 {
				b.WriteString("\n") // apart from the lines the text numbered
			}
			b.WriteString("\n")
			b.WriteString(strconv.Itoa(len(flat)))
			b.WriteString(". ")
			b.WriteString(html.EscapeString(btn.Label))
			if btn.URL != "" {
				b.WriteString(": ")
				b.WriteString(html.EscapeString(btn.URL))
			}
		}
	}
	r.Text = b.String()
	r.Buttons, r.Listed = nil, 0
	return r, flat
}

var (
	tagRE      = regexp.MustCompile(`<[^>]*>`)
	anchorRE   = regexp.MustCompile(`(?is)<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>`)
	blankRunRE = regexp.MustCompile(`\n{3,}`)
)

// PlainText turns the HTML of a reply into plain text: tags are dropped, a
// link keeps its address after its words, entities are decoded.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	if !hasAnchor(s) {
		// No link: the tags are dropped in one pass, without the
		// regular expressions (they were a fifth of the allocations of a
		// Zalo reply, BENCHMARKS.md).
		s = html.UnescapeString(stripTags(s))
		if strings.Contains(s, "\n\n\n") {
			s = blankRunRE.ReplaceAllString(s, "\n\n")
		}
		return s
	}
	return plainTextByRegexp(s)
}

// plainTextByRegexp is PlainText by regular expressions, for a text that
// may hold a link; for any other it gives what PlainText's one pass
// gives (TestPlainTextAsTheRegexpsDid).
func plainTextByRegexp(s string) string {
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

// hasAnchor reports whether s may hold a link (anchorRE): "<a" and a
// space, in either case.
func hasAnchor(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i+2 < len(s); {
		if (s[i+1] == 'a' || s[i+1] == 'A') && strings.IndexByte(" \t\n\r\f", s[i+2]) >= 0 {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// stripTags drops what tagRE matches: from a "<" to the next ">".
func stripTags(s string) string {
	i := strings.IndexByte(s, '<')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		b.WriteString(s[:i])
		s = s[i+end+1:]
		i = strings.IndexByte(s, '<')
	}
	b.WriteString(s)
	return b.String()
}

// SplitText cuts text into parts of at most limit characters, at paragraph
// boundaries when it can, then at line ends, then at spaces.
func SplitText(text string, limit int) []string {
	var parts []string
	for len([]rune(text)) > limit {
		r := []rune(text)
		head := string(r[:limit])
		cut := strings.LastIndex(head, "\n\n")
		if cut <= 0 {
			cut = strings.LastIndex(head, "\n")
		}
		if cut <= 0 {
			cut = strings.LastIndex(head, " ")
		}
		if cut <= 0 {
			cut = len(head)
		}
		parts = append(parts, strings.TrimRight(text[:cut], "\n "))
		text = strings.TrimLeft(text[cut:], "\n ")
	}
	return append(parts, text)
}

// numberedChoice returns the button a typed number picks from the numbered
// list last shown, if the text is such a number.
func numberedChoice(text string, list []string) (string, bool) {
	if len(list) == 0 {
		return "", false
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), ".")))
	if err != nil || n < 1 || n > len(list) {
		return "", false
	}
	return list[n-1], list[n-1] != ""
}

// labelKey is how a typed text is matched with a button's label: folded
// (no diacritics, no case), letters and digits only ("📤 Nộp hồ sơ" and
// "nop ho so" have the same key).
// labelFacts returns labelKey and labelMeaning of a button's label,
// remembered: the same few dozen labels come on every message, and
// folding them again for each was 3 % of the bot's CPU in the Zalo
// benchmark (BENCHMARKS.md).
func labelFacts(label string) (key string, meaning domain.Answer) {
	labelMemo.mu.RLock()
	f, ok := labelMemo.m[label]
	labelMemo.mu.RUnlock()
	if ok {
		return f.key, f.meaning
	}
	f = labelFact{labelKey(label), labelMeaning(label)}
	labelMemo.mu.Lock()
	defer labelMemo.mu.Unlock()
	if labelMemo.m == nil || len(labelMemo.m) >= maxLabelMemo {
		labelMemo.m = map[string]labelFact{} // labels of products and places too: bounded
	}
	labelMemo.m[label] = f
	return f.key, f.meaning
}

type labelFact struct {
	key     string
	meaning domain.Answer
}

// labelMemo holds labelFacts' results; a pure function's memory, shared
// by every engine.
var labelMemo struct {
	mu sync.RWMutex
	m  map[string]labelFact
}

const maxLabelMemo = 4096

func labelKey(s string) string {
	f := domain.Fold(s)
	var b strings.Builder
	space := false
	for _, r := range f {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// labeledChoice returns the button whose label the text is, typed with or
// without diacritics, among the buttons of the latest message; or, with
// prefix, the one button whose label begins with the text's words, two or
// more of them ("nop ban giay" presses «📄 Nộp bản giấy tại xã»), when
// the text is not a question. (A form's step matches its choices itself,
// and says what it understood: there the caller asks no prefix.)
func labeledChoice(text string, labels map[string]string, prefix bool) (string, bool) {
	if len(labels) == 0 {
		return "", false
	}
	key := labelKey(text)
	if data, ok := labels[key]; ok {
		return data, data != ""
	}
	if prefix && backWords[key] {
		// "quay lại" outside a form: the one button that goes back («⬅️
		// Về danh sách giấy tờ», «Quay lại»), as /trogiup says.
		return uniqueLabel(labels, func(k string) bool { return strings.HasPrefix(k, "ve ") || backWords[k] })
	}
	if !prefix || strings.Count(key, " ") < 1 || strings.ContainsAny(text, "?？") {
		return "", false
	}
	return uniqueLabel(labels, func(k string) bool { return strings.HasPrefix(k, key+" ") })
}

// backWords are the folded ways of saying "go back".
var backWords = map[string]bool{"quay lai": true, "tro lai": true, "tro ve": true, "quay ve": true, "ve": true, "back": true}

// MeansBack reports whether text says "go back" ("quay lại", "trở lại",
// "về"), with or without diacritics: the engine presses the one button
// that goes back; where there is none, a handler may say where one is.
func MeansBack(text string) bool { return backWords[labelKey(text)] }

// uniqueLabel returns the data of the one button whose label key match
// accepts; none when two buttons match (neither is meant).
func uniqueLabel(labels map[string]string, match func(key string) bool) (string, bool) {
	found := ""
	for k, data := range labels {
		if !strings.HasPrefix(k, "=") && data != "" && match(k) {
			if found != "" && found != data {
				return "", false
			}
			found = data
		}
	}
	return found, found != ""
}
