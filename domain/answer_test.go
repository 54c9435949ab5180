package domain

import (
	"strconv"
	"testing"
)

func TestParseAnswer(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Answer
	}{
		{"đồng ý", AnswerYes}, {"dong y", AnswerYes}, {"Đồng Ý!", AnswerYes}, {"ok", AnswerYes}, {"OK", AnswerYes},
		{"oke", AnswerYes}, {"có", AnswerYes}, {"co", AnswerYes}, {"Có ạ", AnswerYes}, {"dạ có", AnswerYes},
		{"đúng rồi", AnswerYes}, {"dạ đúng rồi", AnswerYes}, {"da dung roi a", AnswerYes}, {"em đồng ý", AnswerYes}, {"tôi không biết", AnswerSkip}, {"toi khong", AnswerNo}, {"toi", AnswerUnknown}, {"xác nhận", AnswerYes},
		{"xac nhan nhe", AnswerYes}, {"tham gia", AnswerYes}, {"có tham gia", AnswerYes}, {"vâng", AnswerYes},
		{"👍 ok", AnswerYes}, {"Co\u0301", AnswerYes}, {"yes", AnswerYes}, {"u", AnswerYes},
		{"không", AnswerNo}, {"khong", AnswerNo}, {"ko", AnswerNo}, {"không đồng ý", AnswerNo}, {"Không tham gia", AnswerNo},
		{"từ chối", AnswerNo}, {"dạ không ạ", AnswerNo}, {"no", AnswerNo}, {"bận", AnswerNo},
		{"bỏ qua", AnswerSkip}, {"bo qua", AnswerSkip}, {"chưa có", AnswerSkip}, {"chua co", AnswerSkip},
		{"không có", AnswerSkip}, {"dạ chưa có ạ", AnswerSkip}, {"skip", AnswerSkip}, {"để sau", AnswerSkip},
		{"", AnswerUnknown}, {"   ", AnswerUnknown}, {"huỷ", AnswerUnknown}, {"hủy", AnswerUnknown}, {"quay lại", AnswerUnknown},
		{"ocop là gì", AnswerUnknown}, {"có tốn tiền không", AnswerUnknown}, {"HTX Bình Minh", AnswerUnknown},
		{"không biết ocop là gì hết trơn vậy đó", AnswerUnknown}, {"0912345678", AnswerUnknown}, {"4 sao", AnswerUnknown},
		{"da", AnswerYes}, {"ạ", AnswerUnknown}, {"nhé", AnswerUnknown},
	} {
		if got := ParseAnswer(tc.in); got != tc.want {
			t.Errorf("ParseAnswer(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseCount(t *testing.T) {
	for _, tc := range []struct {
		in    string
		units []string
		want  int
		ok    bool
	}{
		{"50", []string{"nguoi"}, 50, true},
		{"50 người", []string{"nguoi"}, 50, true},
		{"50 nguoi", []string{"nguoi"}, 50, true},
		{"khoảng 50 người", []string{"nguoi"}, 50, true},
		{"tối đa 30 người", []string{"nguoi"}, 30, true},
		{"1.000 người", []string{"nguoi"}, 1000, true},
		{"1,000", []string{"nguoi"}, 1000, true},
		{"4 sao", []string{"sao"}, 4, true},
		{"4sao", []string{"sao"}, 4, true},
		{"4★", []string{"sao"}, 4, true},
		{"4 ⭐", []string{"sao"}, 4, true},
		{"⭐⭐⭐⭐", []string{"sao"}, 4, true},
		{"★★★", []string{"sao"}, 3, true},
		{"bốn sao", []string{"sao"}, 4, true},
		{"ba", []string{"sao"}, 3, true},
		{"4 sao ạ", []string{"sao"}, 4, true},
		{"50 kg", []string{"nguoi"}, 0, false},
		{"50 người 30", []string{"nguoi"}, 0, false},
		{"năm mươi", []string{"nguoi"}, 0, false},
		{"-5", []string{"nguoi"}, 0, false},
		{"1.00", []string{"nguoi"}, 0, false},
		{"12345678901", nil, 0, false},
		{"", nil, 0, false},
		{"người", []string{"nguoi"}, 0, false},
		{"4★", []string{"nguoi"}, 0, false},
		{"ocop", nil, 0, false},
	} {
		got, ok := ParseCount(tc.in, tc.units...)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseCount(%q, %v) = %d, %v; want %d, %v", tc.in, tc.units, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{"đồng ý", "dạ đúng rồi ạ", "chưa có", "không", "ok!", "Co\u0301", "\u200bco", "ocop la gi"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := ParseAnswer(s)
		if a > AnswerSkip {
			t.Fatalf("ParseAnswer(%q) = %d", s, a)
		}
		// The answer depends on the folded words only.
		if b := ParseAnswer(Fold(s)); b != a {
			t.Fatalf("ParseAnswer(%q) = %s but of its fold %s", s, a, b)
		}
	})
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"50 người", "4★", "⭐⭐⭐", "1.000", "khoảng 30 người", "bốn sao", "-1", "9999999999"} {
		f.Add(s, 42)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if v, ok := ParseCount(s, "nguoi", "sao"); ok && (v < 0 || v > 999999999) {
			t.Fatalf("ParseCount(%q) = %d", s, v)
		}
		if n < 0 || n > 999999999 {
			return
		}
		for _, in := range []string{strconv.Itoa(n), strconv.Itoa(n) + " người"} {
			if v, ok := ParseCount(in, "nguoi"); !ok || v != n {
				t.Fatalf("ParseCount(%q) = %d, %v; want %d", in, v, ok, n)
			}
		}
	})
}
