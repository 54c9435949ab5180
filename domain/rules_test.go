package domain

import (
	"encoding/json"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// loadedRulebooks loads the embedded rulebooks once for all tests, which
// only read them.
var loadedRulebooks = sync.OnceValues(DefaultRulebooks)

func defaultRulebooks(t testing.TB) *Rulebooks {
	t.Helper()
	rs, err := loadedRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func rulebook(t testing.TB, id string) *Rulebook {
	t.Helper()
	r, ok := defaultRulebooks(t).Get(id)
	if !ok {
		t.Fatalf("no rulebook %s", id)
	}
	return r
}

func TestDefaultRulebooks(t *testing.T) {
	rs := defaultRulebooks(t)
	var ids []string
	for _, r := range rs.All() {
		ids = append(ids, r.ID)
	}
	if got, want := strings.Join(ids, " "), "qd1048-2019 qd148-2023 qd148-1489-2025 qd26-2026"; got != want {
		t.Errorf("rulebooks %s, want %s oldest first", got, want)
	}
	for _, tc := range []struct {
		id, instrument      string
		signed, from, until string
		full                bool
	}{
		{"qd1048-2019", "Quyết định 1048/QĐ-TTg", "2019-08-21", "2019-08-21", "2023-02-23", false},
		{"qd148-2023", "Quyết định 148/QĐ-TTg", "2023-02-24", "2023-02-24", "2025-07-05", false},
		{"qd148-1489-2025", "Quyết định 148/QĐ-TTg, sửa đổi bởi Quyết định 1489/QĐ-TTg", "2025-07-06", "2025-07-06", "2026-05-21", false},
		{"qd26-2026", "Quyết định 26/2026/QĐ-TTg", "2026-05-22", "2026-05-22", "", true},
	} {
		r, ok := rs.Get(tc.id)
		if !ok {
			t.Errorf("Get(%s) found nothing", tc.id)
			continue
		}
		date := func(tm time.Time) string {
			if tm.IsZero() {
				return ""
			}
			if _, off := tm.Zone(); off != 7*3600 || tm.Hour() != 0 {
				t.Errorf("%s: %v is not midnight in Vietnam's time", tc.id, tm)
			}
			return tm.Format(time.DateOnly)
		}
		if r.Instrument != tc.instrument || date(r.Signed) != tc.signed || date(r.From) != tc.from ||
			date(r.Until) != tc.until || r.Full != tc.full {
			t.Errorf("%s = %q signed %s in force %s–%s full %v; want %q %s %s–%s %v", tc.id,
				r.Instrument, date(r.Signed), date(r.From), date(r.Until), r.Full,
				tc.instrument, tc.signed, tc.from, tc.until, tc.full)
		}
	}
	if _, ok := rs.Get("qd26"); ok {
		t.Error("Get(qd26) found a rulebook")
	}
}

// TestInForce: which rulebook a dossier takes on the days around each change.
func TestInForce(t *testing.T) {
	loc := hcm(t)
	rs := defaultRulebooks(t)
	for _, tc := range []struct {
		day, want string // want "" for none
	}{
		{"2019-08-20", ""},
		{"2019-08-21", "qd1048-2019"},
		{"2023-02-23", "qd1048-2019"},
		{"2023-02-24", "qd148-2023"},
		{"2023-02-25", "qd148-2023"},
		{"2025-07-05", "qd148-2023"},
		{"2025-07-06", "qd148-1489-2025"},
		{"2025-07-07", "qd148-1489-2025"},
		{"2026-05-21", "qd148-1489-2025"},
		{"2026-05-22", "qd26-2026"},
		{"2026-05-23", "qd26-2026"},
		{"2030-01-01", "qd26-2026"},
	} {
		d := day(t, loc, tc.day).Add(23 * time.Hour) // late in the day: still that day
		got := ""
		if r := rs.InForce(d); r != nil {
			got = r.ID
			if !r.InForceOn(d) {
				t.Errorf("%s.InForceOn(%s) = false", r.ID, tc.day)
			}
		}
		if got != tc.want {
			t.Errorf("InForce(%s) = %q, want %q", tc.day, got, tc.want)
		}
		r, err := rs.ForNewDossier(d, "")
		switch {
		case tc.want == "" && ErrorKind(err) != KindNotFound:
			t.Errorf("ForNewDossier(%s) = %v, %v; want a not-found error", tc.day, r, err)
		case tc.want != "" && (err != nil || r.ID != tc.want):
			t.Errorf("ForNewDossier(%s) = %v, %v; want %s", tc.day, r, err, tc.want)
		}
	}
	// The day is the one in the time's own location: 18:00 UTC on 21/5/2026
	// is 22/5 in Vietnam.
	utc := time.Date(2026, 5, 21, 18, 0, 0, 0, time.UTC)
	if got := rs.InForce(utc).ID; got != "qd148-1489-2025" {
		t.Errorf("InForce(21/5 UTC) = %s", got)
	}
	if got := rs.InForce(utc.In(loc)).ID; got != "qd26-2026" {
		t.Errorf("InForce(22/5 in Vietnam) = %s", got)
	}
}

func TestForNewDossierPinned(t *testing.T) {
	loc := hcm(t)
	rs := defaultRulebooks(t)
	r, err := rs.ForNewDossier(day(t, loc, "2024-03-01"), "qd26-2026")
	if err != nil || r.ID != "qd26-2026" {
		t.Errorf("pinned qd26-2026 = %v, %v", r, err)
	}
	for _, pin := range []string{"qd148-2023", "qd1048-2019", "qd148-1489-2025", "qd26", "QD26-2026"} {
		if r, err := rs.ForNewDossier(day(t, loc, "2026-06-01"), pin); ErrorKind(err) != KindInvalid {
			t.Errorf("pinned %s = %v, %v; want an invalid error", pin, r, err)
		}
	}
}

// rulebookFS returns the embedded rulebook files with the qd26-2026 one
// changed by edit, which gets it decoded as generic JSON.
func rulebookFS(t *testing.T, edit func(m map[string]any)) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(rulebookFiles, "rules", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(rulebookFiles, p)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(p, "rules/")] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out["qd26-2026.json"].Data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out["qd26-2026.json"] = &fstest.MapFile{Data: data}
	return out
}

func TestLoadRulebooks(t *testing.T) {
	rs, err := LoadRulebooks(rulebookFS(t, func(map[string]any) {}))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.All()) != 4 {
		t.Errorf("%d rulebooks", len(rs.All()))
	}
}

// TestLoadRulebooksRejects: each change to the qd26-2026 file breaks one
// rule of the data and must be refused.
func TestLoadRulebooksRejects(t *testing.T) {
	// at returns the JSON object at a path of keys and indexes.
	at := func(m map[string]any, path ...any) map[string]any {
		var v any = m
		for _, p := range path {
			switch p := p.(type) {
			case string:
				v = v.(map[string]any)[p]
			case int:
				v = v.([]any)[p]
			}
		}
		return v.(map[string]any)
	}
	item := func(m map[string]any, id string) map[string]any {
		for _, it := range m["items"].([]any) {
			if it := it.(map[string]any); it["id"] == id {
				return it
			}
		}
		t.Fatalf("no item %s", id)
		return nil
	}
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want string // part of the error
	}{
		{"unknown field", func(m map[string]any) { m["validity"] = 36 }, "unknown field"},
		{"id of another file", func(m map[string]any) { m["id"] = "qd27-2026" }, "name the file after its id"},
		{"bad id", func(m map[string]any) { m["id"] = "QĐ 26" }, "id"},
		{"no instrument", func(m map[string]any) { m["instrument"] = " " }, "instrument"},
		{"bad date", func(m map[string]any) { m["from"] = "22/5/2026" }, "YYYY-MM-DD"},
		{"in force before signed", func(m map[string]any) { m["from"] = "2026-05-01" }, "before it was signed"},
		{"overlap", func(m map[string]any) { m["signed"], m["from"] = "2026-05-01", "2026-05-01" }, "not before"},
		{"band gap", func(m map[string]any) { at(m, "bands", 2)["min"] = 51.0 }, "gap or overlap"},
		{"band overlap", func(m map[string]any) { at(m, "bands", 3)["max"] = 95.0 }, "gap or overlap"},
		{"bands not from 0", func(m map[string]any) { at(m, "bands", 0)["min"] = 1.0 }, "not 0"},
		{"bands not to 100", func(m map[string]any) { at(m, "bands", 4)["max"] = 99.0 }, "not 100"},
		{"stars fall", func(m map[string]any) { at(m, "bands", 4)["stars"] = 3.0 }, "stars must rise"},
		{"parts not 100", func(m map[string]any) { at(m, "parts", 0)["points"] = 35.0 }, "add up to 95"},
		{"validity", func(m map[string]any) { m["validity_months"] = 0.0 }, "validity"},
		{"recognised not a band", func(m map[string]any) { m["recognised"] = []any{3.0, 4.0, 6.0} }, "recognised"},
		{"no certifier", func(m map[string]any) { at(m, "certifiers", 1)["stars"] = []any{3.0} }, "another certifier"},
		{"certifier level", func(m map[string]any) { at(m, "certifiers", 0)["level"] = "commune" }, "level"},
		{"set twice", func(m map[string]any) { at(m, "groups", 1, "sub_groups", 0, "sets", 0)["id"] = 13.0 }, "twice"},
		{"set gap", func(m map[string]any) { at(m, "groups", 5, "sub_groups", 0, "sets", 0)["id"] = 27.0 }, "without gaps"},
		{"group id", func(m map[string]any) { at(m, "groups", 1)["id"] = 7.0 }, "number groups"},
		{"empty sub-group", func(m map[string]any) { at(m, "groups", 5, "sub_groups", 0)["sets"] = []any{} }, "no product sets"},
		{"item set missing", func(m map[string]any) { item(m, "attp")["sets"] = map[string]any{"only": []any{1.0, 27.0}} }, "no product set 27"},
		{"item sets twice", func(m map[string]any) { item(m, "attp")["sets"] = map[string]any{"all": true, "except": []any{26.0}} }, "exactly one"},
		{"item no sets", func(m map[string]any) { item(m, "attp")["sets"] = map[string]any{} }, "exactly one"},
		{"item id", func(m map[string]any) { item(m, "attp")["id"] = "giấy" }, "ascii"},
		{"item id twice", func(m map[string]any) { item(m, "attp")["id"] = "mau01" }, "twice"},
		{"item kind", func(m map[string]any) { item(m, "attp")["kind"] = "optional" }, "kind"},
		{"evidence proves nothing", func(m map[string]any) { delete(item(m, "dkkd"), "proves") }, "proves"},
		{"short too long", func(m map[string]any) { item(m, "dkkd")["short"] = "Giấy chứng nhận đăng ký" }, "short label"},
		{"decomposed text", func(m map[string]any) { item(m, "mau01")["short"] = "Me\u0302\u0303u 01" }, "NFC"},
		{"two lines", func(m map[string]any) { item(m, "mau01")["help"] = "Dòng một.\nDòng hai." }, "NFC"},
		{"samples on paper", func(m map[string]any) { item(m, "mau_sp")["paper"] = true }, "in person"},
		{"unknown stage", func(m map[string]any) {
			m["stages"] = append(m["stages"].([]any), "cho_duyet")
		}, "unknown to the code"},
		{"stage not in rulebook", func(m map[string]any) { at(m, "transitions", 0)["to"] = "huyen_danh_gia" }, "not between two stages"},
		{"unknown actor", func(m map[string]any) { at(m, "transitions", 0)["by"] = []any{"farmer"} }, "actor"},
		{"nobody", func(m map[string]any) { at(m, "transitions", 0)["by"] = []any{} }, "nobody"},
		{"move twice", func(m map[string]any) {
			m["transitions"] = append(m["transitions"].([]any), at(m, "transitions", 0))
		}, "twice"},
		{"unreachable stage", func(m map[string]any) {
			var keep []any
			for _, tr := range m["transitions"].([]any) {
				if tr.(map[string]any)["to"] != "nang_hang" {
					keep = append(keep, tr)
				}
			}
			m["transitions"] = keep
		}, "no transition leads"},
		{"cut-off 31/4", func(m map[string]any) { at(m, "deadlines", "province_rounds", 0, "cutoff")["day"] = 31.0 }, "invalid days"},
		{"decided before cut-off", func(m map[string]any) { at(m, "deadlines", "province_rounds", 0, "decided_by")["month"] = 3.0 }, "decided before"},
		{"rounds out of order", func(m map[string]any) {
			rounds := at(m, "deadlines")["province_rounds"].([]any)
			rounds[0], rounds[1] = rounds[1], rounds[0]
		}, "order of the year"},
		{"window reversed", func(m map[string]any) { at(m, "deadlines", "reevaluation")["open_days_before"] = 100.0 }, "re-evaluation window"},
		{"full with unknowns", func(m map[string]any) { m["unknown"] = []any{"deadlines"} }, "unknown facts"},
		{"full without deadlines", func(m map[string]any) { delete(m, "deadlines") }, "province rounds"},
		{"full without items", func(m map[string]any) { m["items"] = []any{} }, "mandatory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadRulebooks(rulebookFS(t, tc.edit))
			if err == nil {
				t.Fatal("accepted")
			}
			if ErrorKind(err) != KindInvalid {
				t.Errorf("kind %v, want invalid: %v", ErrorKind(err), err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func BenchmarkDefaultRulebooks(b *testing.B) {
	for b.Loop() {
		if _, err := DefaultRulebooks(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadRulebooksEmpty(t *testing.T) {
	if _, err := LoadRulebooks(fstest.MapFS{}); ErrorKind(err) != KindInvalid {
		t.Errorf("no files: %v", err)
	}
}
