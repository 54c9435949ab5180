package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text typed by users arrives in every shape: with or without diacritics,
// precomposed (NFC, what most keyboards send) or decomposed (NFD, what some
// phones and copy-paste from PDFs produce), with zero-width characters and
// soft hyphens pasted along, with non-breaking spaces and runs of blanks.
// The functions in this file bring it to two forms:
//
//   - Clean keeps what the user meant, diacritics and case included, and is
//     what gets stored and shown back;
//   - Fold is the search key: two texts a Vietnamese reader considers the same
//     word ("Bình Minh", "binh minh", "BÌNH MINH", "Bi\u0300nh Minh") fold to
//     the same string.

// Fold returns the search key of s: compatibility-normalised, without
// zero-width and other format characters (Unicode Cf) or control characters,
// lower-cased, without combining marks (so "ồ", "ô" and "o" are alike), with
// đ and Đ mapped to d, and with every run of white space collapsed into one
// space and none at either end. Invalid UTF-8 bytes are dropped.
//
// Fold uses compatibility normalisation (NFKD), which includes the canonical
// equivalence of NFC and NFD and also maps full-width letters and digits,
// ligatures, superscripts and the like to their plain forms; the result is
// recomposed to NFC. Fold is idempotent: Fold(Fold(s)) == Fold(s).
func Fold(s string) string {
	if isASCII(s) {
		return foldASCII(s)
	}
	return foldGeneral(s)
}

// foldGeneral is Fold for any input. It decomposes rune by rune (NFKD
// without the canonical reordering, which only moves the marks Fold drops).
func foldGeneral(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is due before the next rune written
	add := func(r rune) {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			return
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.M):
			return
		}
		r = unicode.ToLower(r)
		if r == 'đ' {
			r = 'd'
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			i++ // invalid byte
			continue
		}
		d := norm.NFKD.PropertiesString(s[i:]).Decomposition()
		i += size
		if d == nil {
			add(r)
			continue
		}
		for len(d) > 0 {
			r, size := utf8.DecodeRune(d)
			d = d[size:]
			add(r)
		}
	}
	// Recompose what decomposition split without marks (conjoining Hangul
	// jamo typed apart, for one), so the key is in NFC like everything else.
	return norm.NFC.String(b.String())
}

// foldASCII is Fold for pure ASCII input, which is what users typing without
// diacritics send; it avoids the normalisation passes.
func foldASCII(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isASCIISpace(c):
			space = b.Len() > 0
			continue
		case c < 0x20 || c == 0x7f:
			continue // control character
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Clean returns s as typed but tidy, for storing and showing back: NFC
// normalised, without zero-width and other format characters (Unicode Cf) or
// control characters, with every run of white space (line breaks included)
// collapsed into one space and none at either end. Diacritics and case are
// kept. Invalid UTF-8 bytes are dropped. Clean is meant for one-line fields
// such as names; it is idempotent.
func Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.In(r, unicode.Cc, unicode.Cf):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	// Normalise after stripping, so that a zero-width character pasted
	// between a letter and its mark does not keep them apart.
	return norm.NFC.String(b.String())
}

// CleanParagraphs is Clean for a text of several lines (an officer's
// announcement): each line is cleaned, the line breaks are kept, and at
// most one blank line is left between paragraphs (long texts are split
// there) and none at either end.
func CleanParagraphs(s string) string {
	var out []string
	blank := false
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = Clean(line)
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// HasLetterOrDigit reports whether s contains at least one letter or decimal
// digit, in any script. A name made only of emoji, punctuation or blanks has
// none.
func HasLetterOrDigit(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// IsBlank reports whether s, once cleaned, says nothing: it is empty or has
// no letter or digit (only blanks, zero-width characters, punctuation or
// emoji). Use it to reject a name field.
func IsBlank(s string) bool {
	c := Clean(s)
	return c == "" || !HasLetterOrDigit(c)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isASCIISpace matches the ASCII characters unicode.IsSpace accepts.
func isASCIISpace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r'
}
