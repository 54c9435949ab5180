package domain

import (
	"errors"
	"regexp"
	"testing"
)

func TestParsePhone(t *testing.T) {
	const want = "+84912345678"
	accepted := []struct {
		in, want string
	}{
		{"0912345678", want},
		{"0912 345 678", want},
		{"0912.345.678", want},
		{"091.234.5678", want},
		{"0912-345-678", want},
		{"0912 34 56 78", want},
		{"(091) 234 5678", want},
		{"+84912345678", want},
		{"+84 912 345 678", want},
		{"+84 91 234 5678", want},
		{"(+84) 912-345-678", want},
		{"+84 (0) 912 345 678", want},
		{"+840912345678", want},
		{"84912345678", want},
		{"84 912 345 678", want},
		{"0084 912 345 678", want},
		{"0084912345678", want},
		{"912345678", want}, // leading 0 lost in a spreadsheet
		{"912 345 678", want},
		{"０９１２３４５６７８", want},      // full-width digits
		{"＋８４ ９１２ ３４５ ６７８", want}, // full-width plus
		{"0912–345–678", want},    // en dashes
		{"0912/345/678", want},
		{" 0912\u00a0345\u00a0678 ", want},
		{"09\u200b12345678", want},
		{"SĐT: 0912 345 678", want},
		{"sdt 0912345678", want},
		{"S.Đ.T 0912345678", want},
		{"ĐT: +84 912 345 678", want},
		{"Số điện thoại: 0912.345.678", want},
		{"Điện thoại 0912345678", want},
		{"Zalo: 0912345678", want},
		{"tel:+84912345678", want},
		{"0912345678.", want},
		{"0321234567", "+84321234567"}, // Viettel 03x
		{"0561234567", "+84561234567"}, // Vietnamobile 05x
		{"0701234567", "+84701234567"}, // MobiFone 07x
		{"0812345678", "+84812345678"}, // VinaPhone 08x
		{"0871234567", "+84871234567"}, // iTel
		{"0991234567", "+84991234567"}, // Gmobile
		{"841234567", "+84841234567"},  // 084... with the 0 lost, not a country code
	}
	for _, tt := range accepted {
		got, err := ParsePhone(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}

	rejected := []struct {
		in, msgID string
	}{
		{"", MsgPhoneEmpty},
		{"   ", MsgPhoneEmpty},
		{"\u200b\ufeff", MsgPhoneEmpty},
		{"\n\t", MsgPhoneEmpty},
		{"02763822222", MsgPhoneLandline},   // Tây Ninh landline
		{"0276 3822 222", MsgPhoneLandline}, // the same, grouped
		{"(0276) 3.822.222", MsgPhoneLandline},
		{"+84 276 3822 222", MsgPhoneLandline},
		{"842763822222", MsgPhoneLandline},
		{"028 3829 1234", MsgPhoneLandline}, // Hồ Chí Minh City
		{"024 3825 1234", MsgPhoneLandline}, // Hà Nội
		{"+1 202 555 0123", MsgPhoneForeign},
		{"+855 12 345 678", MsgPhoneForeign}, // Cambodia, across the border
		{"+86 138 0013 8000", MsgPhoneForeign},
		{"00855 12 345 678", MsgPhoneForeign},
		{"0091 98765 43210", MsgPhoneForeign},
		{"091234567", MsgPhoneLength},    // one digit short
		{"09123456789", MsgPhoneLength},  // one digit too many
		{"01689123456", MsgPhoneLength},  // an 11-digit number from before 2018
		{"+84 91234567", MsgPhoneLength}, // short after the country code
		{"+84", MsgPhoneLength},
		{"+", MsgPhoneLength},
		{"0", MsgPhoneLength},
		{"00", MsgPhoneLength},
		{"113", MsgPhoneLength},
		{"1900 1234", MsgPhoneLength},
		{"0912345678 0987654321", MsgPhoneLength}, // two numbers
		{"1234567890123456789012", MsgPhoneLength},
		{"abc", MsgPhoneInvalid},
		{"không có", MsgPhoneInvalid},
		{"0912abc678", MsgPhoneInvalid},
		{"0912345678 (zalo)", MsgPhoneInvalid},
		{"🙂", MsgPhoneInvalid},
		{"---", MsgPhoneInvalid},
		{"+84+912345678", MsgPhoneInvalid},
		{"0912+345678", MsgPhoneInvalid},
		{"0912_345_678", MsgPhoneInvalid},
		{"0412345678", MsgPhoneInvalid}, // 04 is no mobile prefix
		{"0612345678", MsgPhoneInvalid},
		{"0112345678", MsgPhoneInvalid},
		{"+84 0 91234567", MsgPhoneInvalid},
		{"٠٩١٢٣٤٥٦٧٨", MsgPhoneInvalid}, // Arabic-Indic digits
		{"'; DROP TABLE subjects; --", MsgPhoneInvalid},
	}
	for _, tt := range rejected {
		got, err := ParsePhone(tt.in)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalid || e.MsgID != tt.msgID || e.Op != "phone" || got != "" {
			t.Errorf("ParsePhone(%q) = %q, %v; want error %s", tt.in, got, err, tt.msgID)
		}
	}
}

func TestFormatPhone(t *testing.T) {
	tests := []struct{ in, format, mask string }{
		{"+84912345678", "0912 345 678", "+84 91x xxx 678"},
		{"0321234567", "0321 234 567", "+84 32x xxx 567"},
		{"0912.345.678", "0912 345 678", "+84 91x xxx 678"},
		{"", "", "[invalid phone]"},
		{"02763822222", "02763822222", "[invalid phone]"},
		{"+855 12 345 678", "+855 12 345 678", "[invalid phone]"},
	}
	for _, tt := range tests {
		if got := FormatPhone(tt.in); got != tt.format {
			t.Errorf("FormatPhone(%q) = %q, want %q", tt.in, got, tt.format)
		}
		if got := MaskPhone(tt.in); got != tt.mask {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.mask)
		}
	}
}

var e164VN = regexp.MustCompile(`^\+84[35789]\d{8}$`)

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{
		"0912345678", "+84 912 345 678", "(+84) 912-345-678", "+84 (0) 912 345 678", "0084912345678",
		"84912345678", "912345678", "０９１２３４５６７８", "SĐT: 0912 345 678", "02763822222",
		"+855 12 345 678", "091234567", "abc", "", "+", "00", "+840912345678", "841234567",
		"Zalo:+84912345678", "0912\u200b345678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParsePhone(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindInvalid {
				t.Fatalf("ParsePhone(%q): error %v is not a KindInvalid *Error", s, err)
			}
			switch e.MsgID {
			case MsgPhoneEmpty, MsgPhoneLandline, MsgPhoneForeign, MsgPhoneLength, MsgPhoneInvalid:
			default:
				t.Fatalf("ParsePhone(%q): unknown message id %q", s, e.MsgID)
			}
			if got != "" {
				t.Fatalf("ParsePhone(%q) = %q with an error", s, got)
			}
			if m := MaskPhone(s); m != "[invalid phone]" {
				t.Fatalf("MaskPhone(%q) = %q", s, m)
			}
			return
		}
		if !e164VN.MatchString(got) {
			t.Fatalf("ParsePhone(%q) = %q, not a Vietnamese mobile in E.164", s, got)
		}
		if again, err := ParsePhone(got); again != got || err != nil {
			t.Fatalf("ParsePhone(%q) = %q, %v; want itself", got, again, err)
		}
		formatted := FormatPhone(s)
		if again, err := ParsePhone(formatted); again != got || err != nil {
			t.Fatalf("ParsePhone(FormatPhone(%q)) = %q, %v; want %q", s, again, err, got)
		}
		if m := MaskPhone(s); len(m) != len("+84 91x xxx 678") || m[:6] != got[:3]+" "+got[3:5] || m[12:] != got[9:] {
			t.Fatalf("MaskPhone(%q) = %q for %q", s, m, got)
		}
	})
}
