package domain

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Message ids of ParsePhone's rejections; each is the re-prompt that says
// what is expected.
const (
	MsgPhoneEmpty    = "phone.invalid_empty"    // nothing typed
	MsgPhoneLandline = "phone.invalid_landline" // a Vietnamese landline (02x...)
	MsgPhoneForeign  = "phone.invalid_foreign"  // another country's code
	MsgPhoneLength   = "phone.invalid_length"   // too few or too many digits
	MsgPhoneInvalid  = "phone.invalid"          // anything else: letters, an unused prefix
)

const (
	opPhone       = "phone"
	vnCountryCode = "84"
	// nationalLen is the length of a Vietnamese mobile number without the
	// trunk 0 or the country code: 91 234 5678.
	nationalLen = 9
	// maxPhoneDigits bounds the digits worth looking at; E.164 allows 15.
	maxPhoneDigits = 15
)

// phoneLabels are the folded words (spaces removed) people put before a
// number they type: "SĐT: 0912 345 678", "Zalo 0912345678".
var phoneLabels = map[string]bool{
	"sdt": true, "dt": true, "dd": true, "didong": true, "sodidong": true,
	"dienthoai": true, "sodienthoai": true, "tel": true, "phone": true,
	"mobile": true, "zalo": true,
}

// ParsePhone reads a Vietnamese mobile number as people type it and returns
// it in E.164 form, "+84912345678".
//
// A mobile number is 0 followed by 3, 5, 7, 8 or 9 and eight more digits. It
// may be written with the country code instead of the 0 (+84, 84 or 0084,
// tolerating a stray 0 after it as in "+84 (0)912 345 678"), grouped with
// spaces, dots, dashes, slashes or parentheses, in full-width digits, after a
// label such as "SĐT:" or "Zalo", and, as spreadsheets do, with its leading 0
// lost ("912345678").
//
// A rejection is a KindInvalid *Error with one of the MsgPhone* message ids.
// Landlines (02x) and numbers of other countries get their own; an 11-digit
// 01x number from before the 2018 renumbering counts as the wrong length.
func ParsePhone(s string) (string, error) {
	s = Clean(s)
	if s == "" {
		return "", Invalid(opPhone, MsgPhoneEmpty)
	}
	// Compatibility normalisation turns full-width digits, plus sign and
	// parentheses (typed with some Asian input methods) into ASCII ones.
	s = norm.NFKC.String(s)
	s, ok := trimPhoneLabel(s)
	if !ok {
		return "", Invalid(opPhone, MsgPhoneInvalid)
	}

	var buf [maxPhoneDigits + 1]byte
	digits := buf[:0]
	plus := false
	for _, r := range s {
		switch {
		case '0' <= r && r <= '9':
			if len(digits) > maxPhoneDigits {
				return "", Invalid(opPhone, MsgPhoneLength)
			}
			digits = append(digits, byte(r))
		case r == '+':
			if plus || len(digits) > 0 {
				return "", Invalid(opPhone, MsgPhoneInvalid)
			}
			plus = true
		case isPhoneSeparator(r):
		default:
			return "", Invalid(opPhone, MsgPhoneInvalid)
		}
	}
	d := string(digits)
	if d == "" {
		if plus {
			return "", Invalid(opPhone, MsgPhoneLength)
		}
		return "", Invalid(opPhone, MsgPhoneInvalid) // only separators, e.g. "---"
	}

	// n becomes the national number without the trunk 0: 912345678.
	var n string
	international := true
	switch {
	case plus:
		if !strings.HasPrefix(d, vnCountryCode) {
			return "", Invalid(opPhone, MsgPhoneForeign)
		}
		n = d[len(vnCountryCode):]
	case strings.HasPrefix(d, "00"+vnCountryCode):
		n = d[len("00"+vnCountryCode):]
	case strings.HasPrefix(d, "00"):
		// The international call prefix; "00" alone is too short.
		if len(d) <= 2 {
			return "", Invalid(opPhone, MsgPhoneLength)
		}
		return "", Invalid(opPhone, MsgPhoneForeign)
	case strings.HasPrefix(d, "0"):
		n, international = d[1:], false
	case strings.HasPrefix(d, vnCountryCode) && len(d) > len(vnCountryCode)+nationalLen-1:
		// 84 and at least nine more digits: the country code without "+".
		// (Nine digits starting with 84 are 084... with the 0 lost.)
		n = d[len(vnCountryCode):]
	default:
		// No trunk 0 and no country code: the 0 was lost, as spreadsheets
		// drop it.
		n, international = d, false
	}
	if international && len(n) == nationalLen+1 && n[0] == '0' {
		n = n[1:] // "+84 (0)912 345 678", "+840912345678"
	}

	switch {
	case n == "":
		return "", Invalid(opPhone, MsgPhoneLength)
	case n[0] == '2' && len(n) >= nationalLen && len(n) <= nationalLen+1:
		// Landlines are 02 + area code + subscriber, 11 digits in all.
		return "", Invalid(opPhone, MsgPhoneLandline)
	case len(n) != nationalLen:
		return "", Invalid(opPhone, MsgPhoneLength)
	case !isMobilePrefix(n[0]):
		return "", Invalid(opPhone, MsgPhoneInvalid)
	}
	return "+" + vnCountryCode + n, nil
}

// FormatPhone returns a phone number for display as people in Viet Nam
// write it, "0912 345 678" (it is stored as +84912345678). Input that
// ParsePhone rejects is returned unchanged.
func FormatPhone(phone string) string {
	e164, err := ParsePhone(phone)
	if err != nil {
		return phone
	}
	n := e164[len("+"+vnCountryCode):]
	return "0" + n[:3] + " " + n[3:6] + " " + n[6:]
}

// MaskPhone returns a phone number fit for logs, keeping the first two and
// the last three digits of the national number: "+84 91x xxx 678". Input
// that ParsePhone rejects is masked entirely as "[invalid phone]", so that a
// log never holds what the user typed.
func MaskPhone(phone string) string {
	e164, err := ParsePhone(phone)
	if err != nil {
		return "[invalid phone]"
	}
	n := e164[len("+"+vnCountryCode):]
	return "+" + vnCountryCode + " " + n[:2] + "x xxx " + n[6:]
}

// isMobilePrefix reports whether a national number starting with c is a
// mobile one (03, 05, 07, 08, 09 with the trunk 0).
func isMobilePrefix(c byte) bool {
	return c == '3' || c == '5' || c == '7' || c == '8' || c == '9'
}

// isPhoneSeparator reports whether r may group the digits of a number.
func isPhoneSeparator(r rune) bool {
	switch r {
	case ' ', '.', '-', '(', ')', '/':
		return true
	}
	return unicode.Is(unicode.Pd, r) // en dash, em dash and other dashes
}

// trimPhoneLabel removes a label such as "SĐT:" or "Điện thoại" before the
// number. It reports false when s starts with letters that are not a known
// label.
func trimPhoneLabel(s string) (string, bool) {
	i := strings.IndexFunc(s, func(r rune) bool {
		return r == '+' || '0' <= r && r <= '9'
	})
	if i < 0 {
		i = len(s)
	}
	head := s[:i]
	if !strings.ContainsFunc(head, unicode.IsLetter) {
		return s, true
	}
	// Keep the separators before the number, drop a colon after the label.
	label := strings.TrimRightFunc(head, func(r rune) bool {
		return r == ':' || isPhoneSeparator(r)
	})
	key := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' {
			return -1
		}
		return r
	}, Fold(label))
	if !phoneLabels[key] {
		return s, false
	}
	return strings.TrimLeft(s[len(label):], ": "), true
}
