package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Limits of a file.
const (
	MaxFileSize = 20 << 20 // bytes
	MaxRows     = 20000
)

// cell is one value of the table with where it came from.
type row struct {
	line  int // the row number shown by a spreadsheet (1 = first row)
	cells []string
}

// readTable reads the rows of a CSV or XLSX file, chosen by name's
// extension. Values are as written: XLSX cells are read raw, so a date is
// its serial number and a number has no display format.
func readTable(r io.Reader, name string) ([]row, error) {
	buf, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fileProblem("import.unreadable", map[string]any{"Err": err.Error()})
	}
	if len(buf) > MaxFileSize {
		return nil, fileProblem("import.too_large", map[string]any{"Max": MaxFileSize >> 20})
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		return readCSV(buf)
	case ".xlsx", ".xlsm":
		return readXLSX(buf)
	}
	return nil, fileProblem("import.unsupported_format", map[string]any{"Name": filepath.Base(name)})
}

// readCSV reads comma, semicolon or tab separated values (the separator
// that the header row uses most), UTF-8 with or without a byte order mark.
func readCSV(buf []byte) ([]row, error) {
	buf = bytes.TrimPrefix(buf, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(buf) {
		return nil, fileProblem("import.not_utf8", nil)
	}
	first, _, _ := bufio.NewReader(bytes.NewReader(buf)).ReadLine()
	sep, best := ',', strings.Count(string(first), ",")
	for _, c := range []rune{';', '\t'} {
		if n := strings.Count(string(first), string(c)); n > best {
			sep, best = c, n
		}
	}
	cr := csv.NewReader(bytes.NewReader(buf))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var rows []row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fileProblem("import.unreadable", map[string]any{"Err": err.Error()})
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, row{line: line, cells: rec})
		if len(rows) > MaxRows+1 {
			return nil, fileProblem("import.too_many_rows", map[string]any{"Max": MaxRows})
		}
	}
	return rows, nil
}

// readXLSX reads the first sheet of a workbook.
func readXLSX(buf []byte) ([]row, error) {
	if err := checkWorkbook(buf); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: MaxUnzipped})
	if err != nil {
		return nil, fileProblem("import.unreadable", map[string]any{"Err": err.Error()})
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileProblem("import.empty", nil)
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileProblem("import.unreadable", map[string]any{"Err": err.Error()})
	}
	defer it.Close()
	var rows []row
	cellCount := 0
	for n := 1; it.Next(); n++ {
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fileProblem("import.unreadable", map[string]any{"Err": fmt.Sprintf("row %d: %v", n, err)})
		}
		// A sheet that declares no range is counted as it is read.
		if cellCount += len(cells); cellCount > MaxCells {
			return nil, fileProblem("import.too_many_cells", map[string]any{"Max": MaxCells})
		}
		rows = append(rows, row{line: n, cells: cells})
		if len(rows) > MaxRows+1 {
			return nil, fileProblem("import.too_many_rows", map[string]any{"Max": MaxRows})
		}
	}
	if err := it.Error(); err != nil {
		return nil, fileProblem("import.unreadable", map[string]any{"Err": err.Error()})
	}
	return rows, nil
}
