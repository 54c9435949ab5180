package bot

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/internal/jsonenc"
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
		b = jsonenc.AppendString(b, s.Active)
	}
	if len(s.Forms) > 0 {
		b = append(b, `,"forms":{`...)
		var buf [8]string
		for i, k := range sortedKeys(buf[:0], s.Forms) {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, k)
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
		b = jsonenc.AppendString(b, s.After)
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
	b = jsonenc.AppendString(b, f.Flow)
	b = append(b, `,"nonce":`...)
	b = jsonenc.AppendString(b, f.Nonce)
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
	if f.Changed {
		b = append(b, `,"changed":true`...)
	}
	if f.Paused {
		b = append(b, `,"paused":true`...)
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
		b = jsonenc.AppendString(b, k)
		b = append(b, ':')
		b = jsonenc.AppendString(b, m[k])
	}
	return append(b, '}')
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, s)
	}
	return append(b, ']')
}
