package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// wellFormed opens an .xlsx file as a zip archive (reading each part to
// its end checks its CRC) and parses every XML part, and returns the
// parts' names.
func wellFormed(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		r, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		d := xml.NewDecoder(r)
		for {
			_, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
		r.Close()
	}
	return names
}

// The writer's sheets read back, through excelize, as they were written:
// text with Vietnamese letters and characters XML escapes, numbers as
// numbers, words shared between sheets written at the same time, gaps
// where a value was left out, the bold header, widths and frozen rows.
func TestSheetWriterReadsBack(t *testing.T) {
	long := strings.Repeat("ạ", maxCellChars+10)
	loc := time.FixedZone("ICT", 7*3600)
	at := time.Date(2026, 6, 15, 8, 30, 0, 0, time.UTC)
	type cell struct {
		write func(*sheetWriter)
		want  string
	}
	text := func(v string) func(*sheetWriter) { return func(s *sheetWriter) { s.Str(v) } }
	word := func(v string) func(*sheetWriter) { return func(s *sheetWriter) { s.Word(v) } }
	row := []cell{
		{func(s *sheetWriter) { s.Int(42) }, "42"},
		{text("Hợp tác xã Bánh tráng Trảng Bàng"), "Hợp tác xã Bánh tráng Trảng Bàng"},
		{text(`A & B <c> "d" 'e' ]]>`), `A & B <c> "d" 'e' ]]>`},
		{text("a\x00b\x01c\x1fd\ufffee\uffff"), "abcde"}, // characters XML cannot hold are dropped
		{text("bad \xff\xfe utf-8"), "bad  utf-8"},
		{text("  hai dòng\r\nvà tab\t  "), "  hai dòng\r\nvà tab\t  "},
		{text("_x0041_ và _x005F_x0042_ _xZZ_"), "_x0041_ và _x005F_x0042_ _xZZ_"},
		{text(long), strings.Repeat("ạ", maxCellChars)},
		{func(s *sheetWriter) { s.Skip() }, ""},
		{text(""), ""},
		{func(s *sheetWriter) { s.Float(72.5) }, "72.5"},
		{func(s *sheetWriter) { s.Float(0.1 + 0.2) }, "0.3"},
		{func(s *sheetWriter) { s.Float(-1234567.125) }, "-1234567.125"},
		{word("còn thiếu"), "còn thiếu"},
		{word("Sự kiện & điểm danh"), "Sự kiện & điểm danh"},
		{func(s *sheetWriter) { s.WordBytes([]byte("0/3")) }, "0/3"},
		{func(s *sheetWriter) { s.Time(at, loc, momentLayout) }, "15/06/2026 15:30"},
		{func(s *sheetWriter) { s.Time(time.Time{}, loc, dateLayout) }, ""},
		{func(s *sheetWriter) { s.Values(7, int64(8), 9.5, "x", nil, "", true, Bold("đậm")) }, ""},
	}
	var want []string
	for _, c := range row[:len(row)-1] {
		want = append(want, c.want)
	}
	want = append(want, "7", "8", "9.5", "x", "", "", "TRUE", "đậm")
	headers := []string{"STT", "Tên", "Ghi chú"}
	const lastRow = 100

	sst := newSharedStrings()
	sheets := []*sheetWriter{newSheetWriter(0, sst), newSheetWriter(1, sst)}
	var wg sync.WaitGroup
	for _, s := range sheets {
		wg.Go(func() {
			s.SetColWidth(1, len(headers), 18)
			s.Freeze(1)
			s.Row(1)
			for _, h := range headers {
				s.StrStyle(h, styleBold)
			}
			for r := 2; r < lastRow; r += 1 + r%3 { // rows with gaps between them
				s.Row(r)
				for _, c := range row {
					c.write(s)
				}
			}
		})
	}
	wg.Wait()
	names := []string{"Chủ thể", "Sự kiện & điểm danh"}
	parts, err := packageParts(names, sst)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sheets {
		p, err := s.close()
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	var buf bytes.Buffer
	wb := &Workbook{parts: parts}
	n, err := wb.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d", n, err, buf.Len())
	}
	if wb.Size() < buf.Len() {
		t.Errorf("Size %d, but the file has %d bytes", wb.Size(), buf.Len())
	}
	if got := wellFormed(t, buf.Bytes()); !slices.Contains(got, "xl/sharedStrings.xml") || !slices.Contains(got, "xl/worksheets/sheet2.xml") {
		t.Errorf("parts %q", got)
	}

	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("excelize does not open the workbook: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, names) {
		t.Errorf("sheets %q, want %q", got, names)
	}
	for _, name := range names {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], headers) {
			t.Errorf("%s: header %q", name, rows[0])
		}
		for r := 2; r <= len(rows); r++ {
			got := rows[r-1]
			if len(got) == 0 { // a gap
				continue
			}
			for i := range want {
				if g := got[i]; g != want[i] {
					t.Fatalf("%s row %d column %d = %q, want %q", name, r, i+1, g, want[i])
				}
			}
		}
		written := 0
		for _, r := range rows[1:] {
			if len(r) > 0 {
				written++
			}
		}
		if expect := writtenRows(lastRow); written != expect {
			t.Errorf("%s: %d rows with cells, want %d", name, written, expect)
		}
		if typ, _ := f.GetCellType(name, "A2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s A2 type %v, want a number", name, typ)
		}
		if v, _ := f.GetCellValue(name, "K2", excelize.Options{RawCellValue: true}); v != "72.5" {
			t.Errorf("%s K2 = %q", name, v)
		}
		style, err := f.GetCellStyle(name, "B1")
		if err != nil {
			t.Fatal(err)
		}
		if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold || s.Alignment == nil || !s.Alignment.WrapText {
			t.Errorf("%s header style %d: %+v, %v", name, style, s, err)
		}
		if style, _ := f.GetCellStyle(name, "B2"); style != 0 {
			t.Errorf("%s B2 has style %d", name, style)
		}
		if p, err := f.GetPanes(name); err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("%s panes %+v, %v", name, p, err)
		}
		if w, err := f.GetColWidth(name, "C"); err != nil || w != 18 {
			t.Errorf("%s width of C: %v, %v", name, w, err)
		}
	}
	if i, _ := f.GetSheetIndex(names[0]); f.GetActiveSheetIndex() != i {
		t.Errorf("active sheet %d, want the first", f.GetActiveSheetIndex())
	}
}

// writtenRows counts the rows the test above writes before row n.
func writtenRows(n int) int {
	c := 0
	for r := 2; r < n; r += 1 + r%3 {
		c++
	}
	return c
}

// A row must come after the last one.
func TestSheetWriterRowOrder(t *testing.T) {
	s := newSheetWriter(0, newSharedStrings())
	s.Row(2)
	s.Row(2)
	if _, err := s.close(); err == nil {
		t.Error("row 2 twice: no error")
	}
}

func TestAppendFloat(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 1: "1", -2.5: "-2.5", 41692: "41692", 0.1 + 0.2: "0.3", 1.0 / 3: "0.333333333333333",
		123456789012345678: "123456789012345000", 1e-7: "0.0000001",
	} {
		if got := string(appendFloat([]byte("x"), v)); got != "x"+want {
			t.Errorf("appendFloat(%v) = %q, want %q", v, got, "x"+want)
		}
	}
}

// WellFormed is wellFormed for the tests of package report_test.
var WellFormed = wellFormed
