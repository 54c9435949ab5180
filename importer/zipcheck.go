package importer

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
	"strings"
)

// Limits of a workbook, checked before excelize unpacks anything: a 2 MB
// .xlsx can unpack to gigabytes (a "zip bomb"), and excelize would spend a
// minute and several gigabytes of memory before saying no.
const (
	// MaxUnzipped bounds the sum of the unpacked sizes of a workbook's
	// parts, as its zip directory declares them (Go's zip reader refuses a
	// part that unpacks to more than it declared). A 20,000-row list is
	// about 10 MB unpacked.
	MaxUnzipped = 64 << 20
	// MaxCells bounds the cells of the workbook's sheets, counted in their
	// text before excelize reads them (and again while reading).
	MaxCells = 500_000
)

// checkWorkbook refuses a workbook whose parts unpack to more than
// MaxUnzipped or whose sheets hold more than MaxCells cells.
func checkWorkbook(buf []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		return fileProblem("import.unreadable", map[string]any{"Err": err.Error()})
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > MaxUnzipped || f.UncompressedSize64 > MaxUnzipped {
			return fileProblem("import.too_large_unzipped", map[string]any{"Max": MaxUnzipped >> 20})
		}
	}
	cells := 0
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if path.Dir(name) != "xl/worksheets" || path.Ext(name) != ".xml" {
			continue
		}
		n, err := countCells(f)
		if err != nil {
			return fileProblem("import.unreadable", map[string]any{"Err": err.Error()})
		}
		if cells += n; cells > MaxCells {
			return fileProblem("import.too_many_cells", map[string]any{"Max": MaxCells})
		}
	}
	return nil
}

// countCells counts the cell elements of a sheet part (<c ...>, <c>,
// <c/>) in one pass over its text, without parsing it.
func countCells(f *zip.File) (int, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	buf := make([]byte, 64<<10)
	n, carry := 0, 0
	for {
		k, err := rc.Read(buf[carry:])
		data := buf[:carry+k]
		for i := 0; ; {
			j := bytes.Index(data[i:], []byte("<c"))
			if j < 0 || i+j+2 >= len(data) {
				break
			}
			i += j + 2
			if c := data[i]; c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\n' || c == '\r' {
				n++
			}
		}
		// Keep the last two bytes: a "<c" cut by the buffer's end.
		carry = copy(buf, data[max(len(data)-2, 0):])
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
