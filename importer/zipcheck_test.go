package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// goodWorkbook is a one-row import file as Excel would save it.
func goodWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, line := range []string{goodHeader, goodRow} {
		for i, v := range strings.Split(strings.TrimSpace(line), ",") {
			cell, _ := excelize.CoordinatesToCellName(i+1, r+1)
			f.SetCellValue("Sheet1", cell, v)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rezip copies a workbook's parts, replacing or adding those of extra
// (by name): a raw entry when its header is given.
func rezip(t *testing.T, wb []byte, extra map[string]string, raw ...rawPart) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(wb), int64(len(wb)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if _, ok := extra[f.Name]; ok {
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range extra {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	for _, p := range raw {
		w, err := zw.CreateRaw(&p.hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

type rawPart struct {
	hdr  zip.FileHeader
	data []byte
}

// zeros is a part that unpacks to n MB of zero bytes, stored in about
// 1 KB a megabyte: one megabyte of zeros compressed once and its deflate
// blocks repeated (each starts on a byte and only looks back at zeros).
func zeros(t *testing.T, name string, n int) rawPart {
	t.Helper()
	mb := make([]byte, 1<<20)
	var chunk bytes.Buffer
	fw, _ := flate.NewWriter(&chunk, flate.BestCompression)
	fw.Write(mb)
	fw.Flush()
	one := bytes.Clone(chunk.Bytes())
	chunk.Reset()
	fw.Close()
	tail := chunk.Bytes()
	data := bytes.Repeat(one, n)
	data = append(data, tail...)
	crc := crc32.NewIEEE()
	for i := 0; i < n; i++ {
		crc.Write(mb)
	}
	return rawPart{hdr: zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(n) << 20}, data: data}
}

// TestWorkbookBombsAreRefusedUpFront: a 1 MB .xlsx whose parts unpack to
// 1 GB or declares 2 GB, and sheets of more than MaxCells cells, are refused with their own message, quickly, and a good
// workbook still reads.
func TestWorkbookBombsAreRefusedUpFront(t *testing.T) {
	wb := goodWorkbook(t)
	if rows, err := Read(bytes.NewReader(wb), "x.xlsx", testEnv(t)); err != nil || len(rows) != 1 {
		t.Fatalf("the good workbook: %d rows, %v", len(rows), err)
	}

	bomb := rezip(t, wb, nil, zeros(t, "xl/media/image1.png", 1024))
	if len(bomb) > MaxFileSize {
		t.Fatalf("the bomb is %d bytes, more than a file may be", len(bomb))
	}
	// Declared larger than the file says in total.
	claims := zeros(t, "xl/worksheets/sheet2.xml", 1)
	claims.hdr.UncompressedSize64 = 2 << 30

	var wide strings.Builder
	wide.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r := 1; r <= 25; r++ {
		fmt.Fprintf(&wide, `<row r="%d">`, r)
		for c := 0; c < 25_000; c++ {
			wide.WriteString(`<c><v>1</v></c>`)
		}
		wide.WriteString(`</row>`)
	}
	wide.WriteString(`</sheetData></worksheet>`)
	declared := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">` +
		strings.Repeat(`<c r="A1" t="n"><v>1</v></c>`, MaxCells+1) + `</row></sheetData></worksheet>`

	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"unpacks to 1 GB", bomb, "import.too_large_unzipped"},
		{"declares 2 GB", rezip(t, wb, nil, claims), "import.too_large_unzipped"},
		{"600,001 cells in a row", rezip(t, wb, map[string]string{"xl/worksheets/sheet1.xml": declared}), "import.too_many_cells"},
		{"625,000 cells in 25 rows", rezip(t, wb, map[string]string{"xl/worksheets/sheet1.xml": wide.String()}), "import.too_many_cells"},
	} {
		start := time.Now()
		_, err := Read(bytes.NewReader(tc.file), "bom.xlsx", testEnv(t))
		var re *RejectedError
		if !errors.As(err, &re) || re.Problems[0].MsgID != tc.want {
			t.Errorf("%s (%d KB): %v, want %s", tc.name, len(tc.file)>>10, err, tc.want)
			continue
		}
		t.Logf("%s (%d KB): refused in %v", tc.name, len(tc.file)>>10, time.Since(start).Round(time.Millisecond))
	}
}
