package domain

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii", "binh minh", "binh minh"},
		{"ascii upper", "BINH MINH", "binh minh"},
		{"precomposed", "Bình Minh", "binh minh"},
		{"decomposed", "Bi\u0300nh Minh", "binh minh"},
		{"all tones", "à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ", "a a a a a a a a a a a a a a a a a"},
		{"horn and circumflex", "ơ ờ ư ự ê ệ ô ộ", "o o u u e e o o"},
		{"d with stroke", "Đường đi", "duong di"},
		{"upper vietnamese", "TRẢNG BÀNG", "trang bang"},
		{"old and new tone placement", "Hoà Thành|Hòa Thành", "hoa thanh|hoa thanh"},
		{"zero width space", "Gò\u200bDầu", "godau"},
		{"zero width joiner and non-joiner", "Gò\u200c\u200d Dầu", "go dau"},
		{"word joiner", "Tân\u2060 Biên", "tan bien"},
		{"byte order mark", "\ufeffTân Biên", "tan bien"},
		{"soft hyphen", "Trảng\u00adBàng", "trangbang"},
		{"bidi mark", "\u200eTân An\u200f", "tan an"},
		{"non-breaking space", "Tân\u00a0An", "tan an"},
		{"ideographic space", "Tân\u3000An", "tan an"},
		{"runs of blanks", "  Gò \t\n Dầu  ", "go dau"},
		{"control chars", "Gò\x00\x07 Dầu\x7f", "go dau"},
		{"full width", "ＴＡＹ ＮＩＮＨ ２０２５", "tay ninh 2025"},
		{"ligature", "ﬁ", "fi"},
		{"punctuation kept", "P. Bình Minh, Tây Ninh", "p. binh minh, tay ninh"},
		{"emoji kept", "Bánh tráng 🙂", "banh trang 🙂"},
		{"variation selector dropped", "❤\ufe0f", "❤"},
		{"invalid utf-8 dropped", "G\xffò", "go"},
		{"other scripts", "Ναι ΣΟΦΙΑ", "ναι σοφια"},
		{"hangul", "한국", "한국"},
		{"stacked marks", "a\u0301\u0323\u0302", "a"},
		{"only format chars", "\u200b\u200d\ufeff", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFoldEveryRune checks the properties of Fold on each assigned
// character alone (private use ones have no case, mark or decomposition).
func TestFoldEveryRune(t *testing.T) {
	if testing.Short() {
		t.Skip("walks all of Unicode")
	}
	assigned := []*unicode.RangeTable{unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.In(r, assigned...) {
			checkFold(t, string(r))
			if f, g := Fold(string(r)), foldReference(string(r)); f != g {
				t.Fatalf("Fold(%q) = %q, reference = %q", string(r), f, g)
			}
		}
	}
	checkFold(t, string(rune(0xE000)))  // private use
	checkFold(t, string(rune(0x50000))) // unassigned
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"keeps case and diacritics", "HTX Bò sữa Tân Phú", "HTX Bò sữa Tân Phú"},
		{"composes", "Bi\u0300nh Minh", "Bình Minh"},
		{"zero width between letter and mark", "Bi\u200b\u0300nh", "Bình"},
		{"zero width and bom", "\ufeffNguyễn\u200b Văn\u200d A", "Nguyễn Văn A"},
		{"soft hyphen", "Trảng\u00adBàng", "TrảngBàng"},
		{"collapses blanks and lines", " \tCơ sở\n\n  Hoàng  Xuân \r\n", "Cơ sở Hoàng Xuân"},
		{"non-breaking space", "Tân\u00a0An", "Tân An"},
		{"control chars", "A\x00B\x1bC", "ABC"},
		{"invalid utf-8", "Ch\xe1\xbau", "Chu"},
		{"keeps punctuation and emoji", "Mật ong <Bảo An> & 🐝", "Mật ong <Bảo An> & 🐝"},
		{"keeps full width", "ＡＢ", "ＡＢ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanParagraphs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{" \n\n ", ""},
		{"Họp  khẩn\u200b lúc 14 giờ. ", "Họp khẩn lúc 14 giờ."},
		{"Dòng một\r\nDòng hai", "Dòng một\nDòng hai"},
		{"\n\nĐoạn một\n\n\n \t\nĐoạn hai\n\n", "Đoạn một\n\nĐoạn hai"},
		{"Bi\u0300nh Minh\nA\x00B", "Bình Minh\nAB"},
	} {
		if got := CleanParagraphs(tt.in); got != tt.want {
			t.Errorf("CleanParagraphs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsBlank(t *testing.T) {
	tests := []struct {
		in               string
		blank, letterNum bool
	}{
		{"", true, false},
		{"   ", true, false},
		{"\u200b\u200d\ufeff", true, false},
		{"\n\t", true, false},
		{"🙂🙂", true, false},
		{"👨\u200d👩\u200d👧", true, false},
		{"...!?", true, false},
		{"a", false, true},
		{"7", false, true},
		{"Bò", false, true},
		{"Đ", false, true},
		{" 🐝 Mật ong", false, true},
		{"٣", false, true}, // Arabic-Indic digit
	}
	for _, tt := range tests {
		if got := IsBlank(tt.in); got != tt.blank {
			t.Errorf("IsBlank(%q) = %v, want %v", tt.in, got, tt.blank)
		}
		if got := HasLetterOrDigit(tt.in); got != tt.letterNum {
			t.Errorf("HasLetterOrDigit(%q) = %v, want %v", tt.in, got, tt.letterNum)
		}
	}
}

// checkFold checks the properties Fold promises.
func checkFold(t *testing.T, s string) {
	t.Helper()
	f := Fold(s)
	if !utf8.ValidString(f) {
		t.Fatalf("Fold(%q) = %q: invalid UTF-8", s, f)
	}
	if g := Fold(f); g != f {
		t.Fatalf("Fold not idempotent on %q: %q then %q", s, f, g)
	}
	if f != strings.TrimSpace(f) || strings.Contains(f, "  ") {
		t.Fatalf("Fold(%q) = %q: blanks not collapsed", s, f)
	}
	if !norm.NFC.IsNormalString(f) {
		t.Fatalf("Fold(%q) = %q: not NFC", s, f)
	}
	for _, r := range f {
		switch {
		case unicode.IsUpper(r) || unicode.ToLower(r) != r:
			t.Fatalf("Fold(%q) = %q: upper case %U", s, f, r)
		case unicode.Is(unicode.M, r):
			t.Fatalf("Fold(%q) = %q: mark %U", s, f, r)
		case r == 'đ':
			t.Fatalf("Fold(%q) = %q: đ", s, f)
		case unicode.In(r, unicode.Cc, unicode.Cf):
			t.Fatalf("Fold(%q) = %q: control or format char %U", s, f, r)
		case unicode.IsSpace(r) && r != ' ':
			t.Fatalf("Fold(%q) = %q: blank %U", s, f, r)
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{
		"", "Bình Minh", "Bi\u0300nh Minh", "ĐƯỜNG", "Gò\u200bDầu", "Trảng\u00adBàng",
		" a \t b ", "ＴＡＹ", "ǅ", "İ", "ß", "\xff\xfe", "한국", "\u1100\u1161",
		"a\u200b\u0301", "\u0301", "ﬃ", "㎒", "Ω", "\u0345", "x\u0307\u0323",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFold(t, s)
		f := Fold(s)
		// Canonically equivalent text folds alike.
		if utf8.ValidString(s) {
			if g := Fold(norm.NFD.String(s)); g != f {
				t.Fatalf("Fold(NFD(%q)) = %q, Fold = %q", s, g, f)
			}
			if g := Fold(norm.NFC.String(s)); g != f {
				t.Fatalf("Fold(NFC(%q)) = %q, Fold = %q", s, g, f)
			}
		}
		// Cleaning first changes nothing.
		if g := Fold(Clean(s)); g != f {
			t.Fatalf("Fold(Clean(%q)) = %q, Fold = %q", s, g, f)
		}
		// The fast paths agree with the plain definition.
		if g := foldReference(s); g != f {
			t.Fatalf("Fold(%q) = %q, reference = %q", s, f, g)
		}
		if g := foldGeneral(s); g != f {
			t.Fatalf("Fold(%q) = %q, general = %q", s, f, g)
		}
	})
}

// foldReference is Fold written plainly, with a whole-string NFKD, to check
// the faster rune-by-rune decomposition against.
func foldReference(s string) string {
	t := norm.NFKD.String(strings.ToValidUTF8(s, ""))
	var b strings.Builder
	for _, r := range t {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.M):
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return norm.NFC.String(strings.Join(strings.Fields(b.String()), " "))
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"", "HTX Bò sữa", "Bi\u200b\u0300nh", "\ufeff a \r\n b ", "\x00\x1b", "\xe1\xba",
		" \u0301a", "\u00a0\u2000\u3000", "👨\u200d👩\u200d👧",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if !utf8.ValidString(c) {
			t.Fatalf("Clean(%q) = %q: invalid UTF-8", s, c)
		}
		if d := Clean(c); d != c {
			t.Fatalf("Clean not idempotent on %q: %q then %q", s, c, d)
		}
		if !norm.NFC.IsNormalString(c) {
			t.Fatalf("Clean(%q) = %q: not NFC", s, c)
		}
		if c != strings.TrimSpace(c) || strings.Contains(c, "  ") {
			t.Fatalf("Clean(%q) = %q: blanks not collapsed", s, c)
		}
		for _, r := range c {
			if unicode.In(r, unicode.Cc, unicode.Cf) || unicode.IsSpace(r) && r != ' ' {
				t.Fatalf("Clean(%q) = %q: kept %U", s, c, r)
			}
		}
		if HasLetterOrDigit(c) != HasLetterOrDigit(s) {
			t.Fatalf("Clean(%q) = %q changed HasLetterOrDigit", s, c)
		}
		if IsBlank(s) != (c == "" || !HasLetterOrDigit(c)) {
			t.Fatalf("IsBlank(%q) disagrees with Clean", s)
		}
	})
}

func BenchmarkFold(b *testing.B) {
	inputs := []struct{ name, s string }{
		{"ascii", "phuong binh minh tay ninh"},
		{"nfc", "Phường Bình Minh, Tây Ninh"},
		{"nfd", norm.NFD.String("Phường Bình Minh, Tây Ninh")},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Fold(in.s)
			}
		})
	}
}
