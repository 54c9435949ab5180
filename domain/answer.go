package domain

import (
	"strconv"
	"strings"
	"unicode"
)

// Farmers answer a question with buttons under it by typing as they
// speak: "đồng ý", "dong y", "ok", "dạ có", "đúng rồi ạ", "chưa có",
// "không có", "4 sao", "4★", "50 người". The functions here read such
// short answers; every channel and every form uses them, so that a typed
// answer means the same wherever a button could have been pressed.

// Answer is what a short typed reply means.
type Answer uint8

const (
	AnswerUnknown Answer = iota
	AnswerYes            // "có", "đồng ý", "ok", "đúng rồi", "xác nhận", "tham gia"
	AnswerNo             // "không", "không đồng ý", "không tham gia", "từ chối"
	AnswerSkip           // "bỏ qua", "chưa có", "không có", "để sau"
)

func (a Answer) String() string {
	switch a {
	case AnswerYes:
		return "yes"
	case AnswerNo:
		return "no"
	case AnswerSkip:
		return "skip"
	}
	return "unknown"
}

// answerWords are the folded phrases of each answer, polite words taken
// off (see answerKey).
var answerWords = buildAnswerWords()

func buildAnswerWords() map[string]Answer {
	m := map[string]Answer{}
	for a, words := range map[Answer][]string{
		AnswerYes: {
			"co", "co a", "dong y", "co dong y", "toi dong y", "em dong y", "chap nhan", "ok", "oke", "okay", "okie", "oki", "okla", "yes", "y",
			"u", "uh", "um", "uhm", "vang", "da", "dung", "dung roi", "dung vay", "dung the", "chinh xac", "xac nhan",
			"chac chan", "duoc", "duoc roi", "luu", "confirm", "sure", "tham gia", "co tham gia", "se tham gia",
			"toi tham gia", "toi se tham gia", "co toi tham gia", "co se tham gia", "dang ky tham gia", "di", "co di", "toi di",
		},
		AnswerNo: {
			"khong", "ko", "k", "kg", "hong", "hok", "hem", "no", "khong dong y", "ko dong y", "k dong y", "tu choi",
			"khong dung", "sai", "sai roi", "chua dung", "khong phai", "khong tham gia", "ko tham gia", "k tham gia",
			"toi khong tham gia", "khong di", "ko di", "toi khong di", "khong duoc", "ban", "toi ban",
		},
		AnswerSkip: {
			"bo qua", "skip", "chua co", "khong co", "ko co", "k co", "kg co", "hong co", "chua", "de sau", "sau",
			"chua biet", "khong biet", "ko biet", "chua co so", "khong co so", "chua lam", "chua dang ky", "khong can",
			"none", "later", "khong gioi han", "vo han",
		},
	} {
		for _, w := range words {
			m[w] = a
		}
	}
	return m
}

// politeHead and politeTail are words said around an answer: "dạ có ạ",
// "vâng, đúng rồi nhé", "ok em".
var (
	politeHead = []string{"da", "vang", "thua", "u", "a", "oi", "toi", "em", "minh"} // "tôi không biết", "em đồng ý"
	politeTail = []string{"a", "nhe", "nha", "nhen", "ne", "roi", "luon", "em", "anh", "chi", "ban", "bot", "minh", "nhe ban", "a nhe"}
)

// answerKey folds s to letters, digits and single spaces.
func answerKey(s string) []string {
	f := Fold(s)
	var b strings.Builder
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// ParseAnswer reads a short reply as yes, no or skip, with or without
// diacritics, in any case, with polite words around it ("dạ đúng rồi ạ")
// and punctuation or emoji beside it ("OK!", "👍 có"). Anything longer
// or other is AnswerUnknown: a sentence is not taken for a yes.
func ParseAnswer(s string) Answer {
	words := answerKey(s)
	if len(words) == 0 || len(words) > 6 {
		return AnswerUnknown
	}
	if a, ok := answerWords[strings.Join(words, " ")]; ok {
		return a
	}
	// Take polite words off both ends, one at a time, while something is
	// left: "da dung roi a" -> "dung roi a" -> "dung roi".
	for len(words) > 1 {
		trimmed := false
		if contains(politeHead, words[0]) {
			words = words[1:]
			trimmed = true
		} else if contains(politeTail, words[len(words)-1]) {
			words = words[:len(words)-1]
			trimmed = true
		}
		if a, ok := answerWords[strings.Join(words, " ")]; ok {
			return a
		}
		if !trimmed {
			break
		}
	}
	return AnswerUnknown
}

func contains(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

// numberWords are the small numbers said in words ("bốn sao").
var numberWords = map[string]int{
	"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9, "muoi": 10,
}

// aboutWords may come before a number: "khoảng 50 người", "tối đa 30".
var aboutWords = []string{"khoang", "tam", "chung", "toi da", "max", "duoc", "la", "co"}

// ParseCount reads a whole number typed with or without one of units
// (folded, e.g. "nguoi", "sao"): "50", "50 người", "khoảng 50 người",
// "1.000 người", "4 sao", "4★", "⭐⭐⭐⭐", "bốn sao". Star marks count as
// stars when "sao" is a unit. It reports false for anything else (another
// unit, a second number, words around it, a negative or huge number).
func ParseCount(s string, units ...string) (int, bool) {
	stars := false
	for _, u := range units {
		if u == "sao" {
			stars = true
		}
	}
	t := strings.TrimSpace(s)
	if stars {
		// "4★", "★★★★", "⭐⭐⭐⭐": marks become the word "sao", a run
		// of marks alone is its count.
		n := strings.Count(t, "★") + strings.Count(t, "⭐")
		if n > 0 {
			rest := strings.TrimSpace(strings.NewReplacer("★", "", "⭐", "", "\ufe0f", "").Replace(t))
			if rest == "" {
				return n, n <= 10
			}
			t = rest + " sao"
		}
	}
	f := Fold(t)
	for _, tail := range []string{" a", " nhe", " nha"} {
		f = strings.TrimSuffix(f, tail)
	}
	for _, w := range aboutWords {
		if r, ok := strings.CutPrefix(f, w+" "); ok {
			f = r
			break
		}
	}
	// Digits with thousands dots or commas ("1.000"), then a unit.
	i := 0
	for i < len(f) && (f[i] >= '0' && f[i] <= '9' || f[i] == '.' || f[i] == ',') {
		i++
	}
	num, unit := f[:i], strings.TrimSpace(f[i:])
	var n int
	if num == "" {
		word, rest, _ := strings.Cut(f, " ")
		v, ok := numberWords[word]
		if !ok {
			return 0, false
		}
		n, unit = v, strings.TrimSpace(rest)
	} else {
		v, ok := wholeNumber(num)
		if !ok {
			return 0, false
		}
		n = v
	}
	if unit != "" && !contains(units, unit) {
		return 0, false
	}
	return n, true
}

// wholeNumber reads "50", "1.000", "1,000" or "12.500": dots and commas
// only between groups of three digits.
func wholeNumber(s string) (int, bool) {
	s = strings.TrimRight(s, ".,")
	if s == "" {
		return 0, false
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == ',' })
	if len(parts) > 1 {
		if len(parts[0]) > 3 || strings.Count(s, ".")+strings.Count(s, ",") != len(parts)-1 {
			return 0, false
		}
		for _, p := range parts[1:] {
			if len(p) != 3 {
				return 0, false
			}
		}
	}
	digits := strings.Join(parts, "")
	if len(digits) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 0
}
