package bot

import "testing"

func TestReadIDOnlyAsStrconvWritesIt(t *testing.T) {
	for _, c := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"12", 12, true}, {"-12", -12, true}, {"0", 0, true}, {"", 0, false}, {"+5", 0, false}, {"-0", 0, false},
		{"007", 0, false}, {"dangky", 0, false}, {"12a", 0, false}, {"9223372036854775808", 0, false}, {"-", 0, false},
	} {
		if n, ok := readID(c.in); n != c.n && c.ok || ok != c.ok {
			t.Errorf("readID(%q) = %d, %v; want %d, %v", c.in, n, ok, c.n, c.ok)
		}
	}
}
