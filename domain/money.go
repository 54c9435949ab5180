package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount of the OCOP budget in thousands of VND, so that the
// plan's "million VND" figures keep up to three decimals exactly: 1,5 triệu
// is Money(1500), 41.692 triệu is Money(41692000).
type Money int64

// MoneyPerMillion is how many Money units make one million VND.
const MoneyPerMillion = 1000

// Millions returns m in million VND.
func (m Money) Millions() float64 { return float64(m) / MoneyPerMillion }

// MillionsOf converts an amount in million VND, rounded to the thousand VND.
func MillionsOf(v float64) Money { return Money(math.Round(v * MoneyPerMillion)) }

// MarshalJSON writes the amount in million VND (41692, 1.5).
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(m.Millions(), 'f', -1, 64)), nil
}

// UnmarshalJSON reads an amount in million VND with at most three decimals.
func (m *Money) UnmarshalJSON(b []byte) error {
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("amount %s: want a number of million VND", b)
	}
	if v != math.Round(v*MoneyPerMillion)/MoneyPerMillion || math.Abs(v) > maxMillions {
		return fmt.Errorf("amount %s: at most three decimals and %g million", b, float64(maxMillions))
	}
	*m = MillionsOf(v)
	return nil
}

// maxMillions bounds an amount (a hundred thousand billion VND), far above
// any OCOP budget line, so that a slip of the finger is refused.
const maxMillions = 100_000_000

// ParseMoney reads an amount in million VND the way officers type it, the
// Vietnamese way first and the other way too:
//
//   - "1.500", "1.500.000" and "1500": the dot groups thousands when every
//     group after it has three digits;
//   - "1,5" and "1.500,25": the comma is the decimal mark ("1,500" is one
//     and a half, as a Vietnamese reader takes it);
//   - "1.5", "72.5": a dot not followed by a group of three digits is the
//     decimal mark;
//   - "1,500,000" and "1,500.5": several commas, or a comma before a later
//     dot, group thousands the English way.
//
// At most three decimals (a thousand VND). Zero, negative numbers and
// anything that is not a number are refused with a KindInvalid error whose
// message id says which: budget.amount_invalid, budget.amount_negative,
// budget.amount_zero, budget.amount_too_precise, budget.amount_too_large.
func ParseMoney(s string) (Money, error) {
	const op = "money.parse"
	s = strings.TrimSpace(Clean(s))
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		if _, err := ParseMoney(strings.TrimLeft(s, "-−")); err == nil {
			return 0, Invalid(op, "budget.amount_negative")
		}
		return 0, Invalid(op, "budget.amount_invalid")
	}
	s = strings.TrimPrefix(s, "+")
	intPart, frac, err := splitNumber(s)
	if err != nil {
		return 0, Invalid(op, "budget.amount_invalid")
	}
	if len(frac) > 3 {
		return 0, Invalid(op, "budget.amount_too_precise")
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > len(strconv.Itoa(maxMillions)) {
		return 0, Invalid(op, "budget.amount_too_large")
	}
	whole := int64(0)
	if intPart != "" {
		whole, _ = strconv.ParseInt(intPart, 10, 64)
	}
	if whole > maxMillions {
		return 0, Invalid(op, "budget.amount_too_large")
	}
	thousands := int64(0)
	if frac != "" {
		thousands, _ = strconv.ParseInt((frac + "00")[:3], 10, 64)
	}
	m := Money(whole*MoneyPerMillion + thousands)
	if m == 0 {
		return 0, Invalid(op, "budget.amount_zero")
	}
	return m, nil
}

// splitNumber splits a typed number into its integer digits (thousands
// separators removed) and its decimal digits, by the rules of ParseMoney.
func splitNumber(s string) (intPart, frac string, err error) {
	bad := errors.New("not a number")
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' && r != ',' {
			return "", "", bad
		}
	}
	dots, commas := strings.Count(s, "."), strings.Count(s, ",")
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	var group byte // the thousands separator, 0 when none
	decimal := -1  // the index of the decimal mark, -1 when none
	switch {
	case dots > 0 && commas > 0:
		// The later mark is the decimal one; the other groups.
		if lastComma > lastDot && commas == 1 {
			group, decimal = '.', lastComma
		} else if lastDot > lastComma && dots == 1 {
			group, decimal = ',', lastDot
		} else {
			return "", "", bad
		}
	case commas == 1:
		decimal = lastComma
	case commas > 1:
		group = ','
	case dots > 1:
		group = '.'
	case dots == 1:
		if len(s)-lastDot-1 == 3 && lastDot > 0 && lastDot <= 3 {
			group = '.'
		} else {
			decimal = lastDot
		}
	}
	intPart = s
	if decimal >= 0 {
		intPart, frac = s[:decimal], s[decimal+1:]
		if intPart == "" || frac == "" {
			return "", "", bad // ",5" or "5,"
		}
	}
	if group != 0 {
		parts := strings.Split(intPart, string(group))
		if len(parts[0]) == 0 || len(parts[0]) > 3 {
			return "", "", bad
		}
		for _, p := range parts[1:] {
			if len(p) != 3 {
				return "", "", bad
			}
		}
		intPart = strings.Join(parts, "")
	}
	if intPart == "" || strings.ContainsAny(intPart+frac, ".,") {
		return "", "", bad
	}
	return intPart, frac, nil
}

// FormatMoney writes an amount in million VND the Vietnamese way: "41.692",
// "1,5", "0,025".
func FormatMoney(m Money) string {
	neg := m < 0
	if neg {
		m = -m
	}
	whole, rest := int64(m)/MoneyPerMillion, int64(m)%MoneyPerMillion
	s := groupThousands(whole)
	if rest != 0 {
		s += "," + strings.TrimRight(fmt.Sprintf("%03d", rest), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// FormatNumber writes v the Vietnamese way with at most decimals decimals,
// dropping trailing zeros: 41692 → "41.692", 72.5 → "72,5".
func FormatNumber(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := groupThousands(n)
	if frac != "" {
		out += "," + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// FormatPercent writes a share (0.455) as a Vietnamese percentage with one
// decimal at most: "45,5%", "50%".
func FormatPercent(share float64) string { return FormatNumber(share*100, 1) + "%" }

// groupThousands writes n with dots between groups of three digits.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
