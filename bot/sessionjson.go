package bot

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendSession appends s as json.Marshal writes it (the same bytes: the
// test compares them on random sessions), without reflection: the session
// is written at every update, and json.Marshal's maps (the labels, the
// answers) cost an allocation per key and per value (BENCHMARKS.md, fifth
// pass). The rare parts (a search step's offers, a gathering) go through
// json.Marshal.
func appendSession(b []byte, s *Session) ([]byte, error) {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(s.V), 10)
	if s.Active != "" {
		b = append(b, `,"active":`...)
		b = appendJSONString(b, s.Active)
	}
	if len(s.Forms) > 0 {
		b = append(b, `,"forms":{`...)
		var buf [8]string
		for i, k := range sortedKeys(buf[:0], s.Forms) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendForm(b, s.Forms[k]); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	if s.After != "" {
		b = append(b, `,"after":`...)
		b = appendJSONString(b, s.After)
	}
	if len(s.Data) > 0 {
		b = append(b, `,"data":`...)
		b = appendStringMap(b, s.Data)
	}
	if len(s.Numbered) > 0 {
		b = append(b, `,"numbered":`...)
		b = appendStrings(b, s.Numbered)
	}
	if len(s.Labels) > 0 {
		b = append(b, `,"labels":`...)
		b = appendStringMap(b, s.Labels)
	}
	return append(b, '}'), nil
}

func appendForm(b []byte, f *Form) ([]byte, error) {
	if f == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"flow":`...)
	b = appendJSONString(b, f.Flow)
	b = append(b, `,"nonce":`...)
	b = appendJSONString(b, f.Nonce)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, int64(f.Step), 10)
	if len(f.Answers) > 0 {
		b = append(b, `,"answers":`...)
		b = appendStringMap(b, f.Answers)
	}
	if len(f.Picks) > 0 {
		b = append(b, `,"picks":`...)
		b = appendStrings(b, f.Picks)
	}
	if len(f.Offers) > 0 {
		raw, err := json.Marshal(f.Offers)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"offers":`...), raw...)
	}
	if f.Gathering != nil {
		raw, err := json.Marshal(f.Gathering)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"gathering":`...), raw...)
	}
	if f.Confirming {
		b = append(b, `,"confirming":true`...)
	}
	if f.Editing {
		b = append(b, `,"editing":true`...)
	}
	if f.CancelAsked {
		b = append(b, `,"cancel_asked":true`...)
	}
	if f.RecordID != 0 {
		b = append(b, `,"record_id":`...)
		b = strconv.AppendInt(b, f.RecordID, 10)
	}
	b = append(b, `,"started":`...)
	if y := f.Started.Year(); y < 0 || y > 9999 {
		// What time.Time.MarshalJSON refuses.
		_, err := f.Started.MarshalJSON()
		return nil, err
	}
	b = append(b, '"')
	b = f.Started.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"', '}'), nil
}

// sortedKeys appends the keys of m to keys (a buffer on the caller's
// stack, for the few keys of a session) and sorts them.
func sortedKeys[V any](keys []string, m map[string]V) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendStringMap(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	var buf [16]string
	for i, k := range sortedKeys(buf[:0], m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString appends s quoted as encoding/json quotes a string: <, >
// and & escaped for HTML, U+2028 and U+2029 escaped, invalid UTF-8 as
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
