package jsonenc

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestAppendStringAsMarshal holds AppendString to json.Marshal on strings
// of every kind of character it escapes, invalid UTF-8 included.
func TestAppendStringAsMarshal(t *testing.T) {
	pieces := []string{"a", "Đồng ý", "\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe1\xba", "ệ", "😀", " ", "/", "'", "%"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var s string
		for range r.IntN(12) {
			s += pieces[r.IntN(len(pieces))]
		}
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("AppendString(%q) = %s, json.Marshal gives %s", s, got[1:], want)
		}
	}
}
