package bot

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// appendSession writes what json.Marshal writes, byte for byte, on random
// sessions whose strings hold what people type and what breaks JSON:
// quotes, backslashes, control characters, <, > and &, U+2028 and U+2029,
// invalid UTF-8, Vietnamese and emoji.
func TestAppendSessionAsJSONMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"", "a", "Nguyễn Văn An", "\"", "\\", "\n", "\r\t", "\b\f", "\x00", "\x1f", "\x7f", "<b>", "&amp;",
		"\u2028", "\u2029", "\xff", "\xe1\xbb", "😀", "#b:f|x|0|c|1", "đồng ý", " ", "\u00a0"}
	str := func() string {
		var b []byte
		for range r.IntN(5) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		return string(b)
	}
	strMap := func() map[string]string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return map[string]string{}
		}
		m := map[string]string{}
		for range 1 + r.IntN(6) {
			m[str()] = str()
		}
		return m
	}
	strs := func() []string {
		if r.IntN(3) == 0 {
			return nil
		}
		out := make([]string, r.IntN(4))
		for i := range out {
			out[i] = str()
		}
		return out
	}
	form := func() *Form {
		if r.IntN(8) == 0 {
			return nil
		}
		f := &Form{Flow: str(), Nonce: str(), Step: r.IntN(20) - 2, Answers: strMap(), Picks: strs(),
			Confirming: r.IntN(2) == 0, Editing: r.IntN(2) == 0, CancelAsked: r.IntN(2) == 0,
			Started: time.Date(2020+r.IntN(10), 1, 1, 0, 0, r.IntN(100000), r.IntN(1e9), time.FixedZone("", 3600*(r.IntN(24)-12)))}
		if r.IntN(2) == 0 {
			f.RecordID = r.Int64() - r.Int64()
		}
		if r.IntN(3) == 0 {
			f.Offers = []Choice{{Value: str(), Label: str()}}
		}
		if r.IntN(3) == 0 {
			f.Gathering = &Gathered{Text: str(), Files: []GatheredFile{{Photo: true, ID: str()}}}
		}
		return f
	}
	for i := range 20000 {
		s := &Session{V: r.IntN(4), Active: str(), After: str(), Data: strMap(), Numbered: strs(), Labels: strMap()}
		if r.IntN(3) > 0 {
			s.Forms = map[string]*Form{}
			for range r.IntN(3) {
				s.Forms[str()] = form()
			}
		}
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendSession(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("session %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// A form's start outside what JSON times can hold is an error, as with
// json.Marshal.
func TestAppendSessionBadTime(t *testing.T) {
	s := &Session{Forms: map[string]*Form{"reg": {Flow: "reg", Started: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	if _, err := json.Marshal(s); err == nil {
		t.Fatal("json.Marshal took the year 10000")
	}
	if _, err := appendSession(nil, s); err == nil {
		t.Fatal("appendSession took the year 10000")
	}
}
