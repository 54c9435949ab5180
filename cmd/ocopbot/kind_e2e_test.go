package main

import (
	"strings"
	"testing"
)

// TestMatrixHouseholdTypedAsFarmersSayIt: at the registration's first
// step a farmer types "ho kinh doanh", the name people give a registered
// household, without diacritics; it is taken, and the next question says
// what was understood.
func TestMatrixHouseholdTypedAsFarmersSayIt(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(671, "Hộ")
			p.consent()
			p.Send("/dangky")
			p.Expect("register.ask_kind")
			p.Send("ho kinh doanh")
			m := p.Expect("register.ask_name")
			if !strings.Contains(m.PlainText, "Hộ kinh doanh") {
				t.Fatalf("the next question does not say what was taken:\n%s", m.PlainText)
			}
		})
	}
}
