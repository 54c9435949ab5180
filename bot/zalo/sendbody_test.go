package zalo

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestTextBodyAsMarshal holds appendTextBody to json.Marshal of the same
// message, on random texts and buttons of both payload kinds.
func TestTextBodyAsMarshal(t *testing.T) {
	words := []string{"Bước 1/7", "Bạn đăng ký với tư cách nào?", "\n", "1. Cá nhân", "<b>", "&", "\"", "\\", "\u2028", "\xff", "😀", ""}
	r := rand.New(rand.NewPCG(3, 4))
	text := func() string {
		var s string
		for range r.IntN(6) {
			s += words[r.IntN(len(words))]
		}
		return s
	}
	for i := range 5000 {
		m := textMessage{Text: text()}
		switch i % 3 {
		case 1:
			m.Attachment = &buttonsAttachment{Type: "template"}
			if r.IntN(4) > 0 {
				m.Attachment.Payload.Buttons = []button{}
			}
			for range r.IntN(6) {
				b := button{Title: text(), Type: "oa.query.hide", Payload: ButtonPrefix + text()}
				if r.IntN(3) == 0 {
					b.Type, b.Payload = "oa.open.url", urlPayload{URL: "https://example.org/?q=" + text()}
				}
				m.Attachment.Payload.Buttons = append(m.Attachment.Payload.Buttons, b)
			}
		case 2:
			m.Attachment = &buttonsAttachment{Type: text(), Payload: buttonsPayload{Buttons: []button{{Title: "x", Type: "y", Payload: 7}}}}
		}
		user := text()
		want, err := json.Marshal(sendBody{Recipient: recipient{UserID: user}, Message: m})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTextBody(nil, user, m); string(got) != string(want) {
			t.Fatalf("appendTextBody:\n%s\njson.Marshal:\n%s", got, want)
		}
	}
}
