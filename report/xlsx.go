package report

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
)

// A small writer of SpreadsheetML (.xlsx), enough for the report workbook:
// sheets of text and numbers, a bold header style, column widths and a
// frozen header row. Each sheet is written as XML straight into its own
// deflate stream while its rows are produced, so that several sheets can be
// written at once and nothing holds a model of the cells: a province's
// workbook has millions of them, and building them through excelize's
// stream writer (a value boxed, checked and copied several times per cell)
// was most of the time of /baocao.
//
// Text goes out as inline strings, except the words the workbook repeats on
// every row (stages, states, yes and no, communes), which go to the shared
// string table once and are referred to by number.

// Workbook is a built report workbook: its parts, compressed. WriteTo
// writes the .xlsx file.
type Workbook struct {
	parts []part
}

// part is one file of the package, deflated.
type part struct {
	name string
	data []byte
	crc  uint32
	size uint64 // uncompressed
}

// WriteTo writes the workbook as an .xlsx file (a zip archive).
func (w *Workbook) WriteTo(dst io.Writer) (int64, error) {
	cw := &countingWriter{w: dst}
	zw := zip.NewWriter(cw)
	for _, p := range w.parts {
		fw, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate,
			CRC32: p.crc, CompressedSize64: uint64(len(p.data)), UncompressedSize64: p.size})
		if err != nil {
			return cw.n, err
		}
		if _, err := fw.Write(p.data); err != nil {
			return cw.n, err
		}
	}
	err := zw.Close()
	return cw.n, err
}

// Size is at least the size of the .xlsx file WriteTo writes, for a
// buffer to hold it.
func (w *Workbook) Size() int {
	n := 22 // end of the central directory
	for _, p := range w.parts {
		n += len(p.data) + 2*len(p.name) + 30 + 46 + 64 // local and central headers, a little room
	}
	return n
}

// Close lets the workbook's memory go.
func (w *Workbook) Close() error {
	w.parts = nil
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// compressed deflates a whole small part.
func compressed(name string, data []byte) (part, error) {
	var out bytes.Buffer
	z, err := flate.NewWriter(&out, flate.BestSpeed)
	if err != nil {
		return part{}, err
	}
	if _, err := z.Write(data); err != nil {
		return part{}, err
	}
	if err := z.Close(); err != nil {
		return part{}, err
	}
	return part{name: name, data: out.Bytes(), crc: crc32.ChecksumIEEE(data), size: uint64(len(data))}, nil
}

// Namespaces and content types of the package.
const (
	nsMain          = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel           = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPackageRel    = "http://schemas.openxmlformats.org/package/2006/relationships"
	relWorksheet    = nsRel + "/worksheet"
	relStyles       = nsRel + "/styles"
	relSharedString = nsRel + "/sharedStrings"
	relDocument     = nsRel + "/officeDocument"
	ctWorksheet     = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
	xmlHeader       = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
)

// styleBold is the style of header cells: bold, wrapped, at the top.
const styleBold = 1

// stylesXML holds the workbook's two cell styles: the default (Calibri 11)
// and styleBold.
const stylesXML = xmlHeader + `<styleSheet xmlns="` + nsMain + `">` +
	`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
	`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`

// packageParts returns the parts around the sheets: content types,
// relationships, the workbook (sheet names in order, the first one
// active), the styles and the shared strings.
func packageParts(names []string, sst *sharedStrings) ([]part, error) {
	var ct, rels, wb strings.Builder
	ct.WriteString(xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	rels.WriteString(xmlHeader + `<Relationships xmlns="` + nsPackageRel + `">`)
	wb.WriteString(xmlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
		`<bookViews><workbookView activeTab="0"/></bookViews><sheets>`)
	for i, name := range names {
		n := strconv.Itoa(i + 1)
		fmt.Fprintf(&ct, `<Override PartName="/%s" ContentType="%s"/>`, sheetPart(i), ctWorksheet)
		fmt.Fprintf(&rels, `<Relationship Id="rId%s" Type="%s" Target="worksheets/sheet%s.xml"/>`, n, relWorksheet, n)
		wb.WriteString(`<sheet name="`)
		wb.Write(appendAttr(nil, name))
		fmt.Fprintf(&wb, `" sheetId="%s" r:id="rId%s"/>`, n, n)
	}
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s" Target="styles.xml"/>`, len(names)+1, relStyles)
	words := sst.words()
	if len(words) > 0 {
		ct.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s" Target="sharedStrings.xml"/>`, len(names)+2, relSharedString)
	}
	ct.WriteString(`</Types>`)
	rels.WriteString(`</Relationships>`)
	wb.WriteString(`</sheets></workbook>`)

	var out []part
	add := func(name string, data []byte) error {
		p, err := compressed(name, data)
		out = append(out, p)
		return err
	}
	if err := add("[Content_Types].xml", []byte(ct.String())); err != nil {
		return nil, err
	}
	root := xmlHeader + `<Relationships xmlns="` + nsPackageRel + `"><Relationship Id="rId1" Type="` + relDocument + `" Target="xl/workbook.xml"/></Relationships>`
	if err := add("_rels/.rels", []byte(root)); err != nil {
		return nil, err
	}
	if err := add("xl/workbook.xml", []byte(wb.String())); err != nil {
		return nil, err
	}
	if err := add("xl/_rels/workbook.xml.rels", []byte(rels.String())); err != nil {
		return nil, err
	}
	if err := add("xl/styles.xml", []byte(stylesXML)); err != nil {
		return nil, err
	}
	if len(words) > 0 {
		b := []byte(xmlHeader + `<sst xmlns="` + nsMain + `" count="`)
		b = strconv.AppendInt(b, sst.refs.Load(), 10)
		b = append(b, `" uniqueCount="`...)
		b = strconv.AppendInt(b, int64(len(words)), 10)
		b = append(b, `">`...)
		for _, w := range words {
			b = append(b, `<si>`...)
			b = appendT(b, w)
			b = append(b, `</si>`...)
		}
		b = append(b, `</sst>`...)
		if err := add("xl/sharedStrings.xml", b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sheetPart is the name of the part of the i-th sheet (0-based).
func sheetPart(i int) string { return "xl/worksheets/sheet" + strconv.Itoa(i+1) + ".xml" }

// sharedStrings is the workbook's table of repeated words, shared by the
// sheets being written at the same time.
type sharedStrings struct {
	mu    sync.Mutex
	index map[string]int
	list  []string
	refs  atomic.Int64 // cells referring to the table
}

func newSharedStrings() *sharedStrings { return &sharedStrings{index: map[string]int{}} }

// id returns the number of a word, adding it to the table the first time.
func (t *sharedStrings) id(s string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.index[s]
	if !ok {
		i = len(t.list)
		t.index[s] = i
		t.list = append(t.list, s)
	}
	return i
}

func (t *sharedStrings) words() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.list
}

// sheetWriter writes one worksheet, row by row, into its deflate stream.
// Set the column widths and the frozen rows before the first row. It is
// not safe for use by several goroutines; each sheet has its own.
type sheetWriter struct {
	index  int // place of the sheet, 0-based
	sst    *sharedStrings
	words  map[string]int // words of this sheet already numbered
	nwords int64          // references to shared strings

	widths  []colWidth
	freeze  int // rows frozen at the top
	started bool

	row    int    // the row being written (1-based), 0 before the first
	open   bool   // a <row> is open
	col    int    // the next column of the row, 0-based
	rowNum []byte // digits of row

	buf  []byte // XML not yet compressed
	z    *flate.Writer
	out  bytes.Buffer
	crc  hash.Hash32
	size uint64
	err  error
}

type colWidth struct {
	min, max int
	width    float64
}

// flushAt is how much XML a sheet gathers before deflating it.
const flushAt = 64 << 10

func newSheetWriter(index int, sst *sharedStrings) *sheetWriter {
	s := &sheetWriter{index: index, sst: sst, words: map[string]int{}, crc: crc32.NewIEEE(), buf: make([]byte, 0, flushAt+4096)}
	// The fastest deflate, klauspost/compress's (twice as fast as the
	// standard library's at the same level and size): a province's
	// workbook is a quarter of a gigabyte of XML, and compressing it was
	// a quarter of the CPU of the workbook with the standard one.
	s.z, s.err = flate.NewWriter(&s.out, flate.BestSpeed)
	return s
}

// SetColWidth sets the width of columns first..last (1-based).
func (s *sheetWriter) SetColWidth(first, last int, width float64) {
	s.widths = append(s.widths, colWidth{first, last, width})
}

// Freeze keeps the top rows in view when scrolling.
func (s *sheetWriter) Freeze(rows int) { s.freeze = rows }

// start writes what comes before the rows.
func (s *sheetWriter) start() {
	s.started = true
	b := append(s.buf, xmlHeader+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheetViews><sheetView`...)
	if s.index == 0 {
		b = append(b, ` tabSelected="1"`...)
	}
	b = append(b, ` workbookViewId="0"`...)
	if s.freeze > 0 {
		b = append(b, `><pane ySplit="`...)
		b = strconv.AppendInt(b, int64(s.freeze), 10)
		b = append(b, `" topLeftCell="A`...)
		b = strconv.AppendInt(b, int64(s.freeze+1), 10)
		b = append(b, `" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>`...)
	} else {
		b = append(b, `/>`...)
	}
	b = append(b, `</sheetViews><sheetFormatPr defaultRowHeight="15"/>`...)
	if len(s.widths) > 0 {
		b = append(b, `<cols>`...)
		for _, w := range s.widths {
			b = append(b, `<col min="`...)
			b = strconv.AppendInt(b, int64(w.min), 10)
			b = append(b, `" max="`...)
			b = strconv.AppendInt(b, int64(w.max), 10)
			b = append(b, `" width="`...)
			b = strconv.AppendFloat(b, w.width, 'f', -1, 64)
			b = append(b, `" customWidth="1"/>`...)
		}
		b = append(b, `</cols>`...)
	}
	s.buf = append(b, `<sheetData>`...)
}

// Row starts row n (1-based); rows go in increasing order.
func (s *sheetWriter) Row(n int) {
	if !s.started {
		s.start()
	}
	if n <= s.row {
		s.fail(fmt.Errorf("report: row %d written after row %d", n, s.row))
		return
	}
	s.endRow()
	s.row, s.col, s.open = n, 0, true
	s.rowNum = strconv.AppendInt(s.rowNum[:0], int64(n), 10)
	s.buf = append(s.buf, `<row r="`...)
	s.buf = append(s.buf, s.rowNum...)
	s.buf = append(s.buf, `">`...)
}

func (s *sheetWriter) endRow() {
	if !s.open {
		return
	}
	s.buf = append(s.buf, `</row>`...)
	s.open = false
	if len(s.buf) >= flushAt {
		s.flush()
	}
}

func (s *sheetWriter) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

func (s *sheetWriter) flush() {
	if s.err == nil && len(s.buf) > 0 {
		s.crc.Write(s.buf)
		s.size += uint64(len(s.buf))
		_, s.err = s.z.Write(s.buf)
	}
	s.buf = s.buf[:0]
}

// cell opens the next cell with its reference, style and type ("" for a
// number); the value and "</c>" follow.
func (s *sheetWriter) cell(style int, typ string) {
	b := append(s.buf, `<c r="`...)
	b = appendColumn(b, s.col)
	b = append(b, s.rowNum...)
	b = append(b, '"')
	if style != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	if typ != "" {
		b = append(b, ` t="`...)
		b = append(b, typ...)
		b = append(b, '"')
	}
	s.buf = append(b, '>')
	s.col++
}

// Skip leaves the next cell out.
func (s *sheetWriter) Skip() { s.col++ }

// Str writes text as an inline string; "" leaves the cell out.
func (s *sheetWriter) Str(v string) { s.StrStyle(v, 0) }

// StrStyle writes text in a style.
func (s *sheetWriter) StrStyle(v string, style int) {
	if v == "" {
		s.col++
		return
	}
	s.cell(style, "inlineStr")
	s.buf = append(s.buf, `<is>`...)
	s.buf = appendT(s.buf, v)
	s.buf = append(s.buf, `</is></c>`...)
}

// Word writes text that repeats down the sheet (a stage, a state, a
// commune): it goes to the shared strings once. "" leaves the cell out.
func (s *sheetWriter) Word(v string) {
	if v == "" {
		s.col++
		return
	}
	i, ok := s.words[v]
	if !ok {
		i = s.sst.id(v)
		s.words[v] = i
	}
	s.nwords++
	s.cell(0, "s")
	s.buf = append(s.buf, `<v>`...)
	s.buf = strconv.AppendInt(s.buf, int64(i), 10)
	s.buf = append(s.buf, `</v></c>`...)
}

// WordBytes is Word of text held in a byte slice.
func (s *sheetWriter) WordBytes(v []byte) {
	if len(v) == 0 {
		s.col++
		return
	}
	i, ok := s.words[string(v)]
	if !ok {
		w := string(v)
		i = s.sst.id(w)
		s.words[w] = i
	}
	s.nwords++
	s.cell(0, "s")
	s.buf = append(s.buf, `<v>`...)
	s.buf = strconv.AppendInt(s.buf, int64(i), 10)
	s.buf = append(s.buf, `</v></c>`...)
}

// Int writes a whole number.
func (s *sheetWriter) Int(v int64) {
	s.cell(0, "")
	s.buf = append(s.buf, `<v>`...)
	s.buf = strconv.AppendInt(s.buf, v, 10)
	s.buf = append(s.buf, `</v></c>`...)
}

// Float writes a number, to Excel's 15 significant digits.
func (s *sheetWriter) Float(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		s.Str(fmt.Sprint(v))
		return
	}
	s.cell(0, "")
	s.buf = append(s.buf, `<v>`...)
	s.buf = appendFloat(s.buf, v)
	s.buf = append(s.buf, `</v></c>`...)
}

// Time writes a moment in the given layout as text ("02/01/2006"); the
// zero time leaves the cell out.
func (s *sheetWriter) Time(t time.Time, loc *time.Location, layout string) {
	if t.IsZero() {
		s.col++
		return
	}
	s.cell(0, "inlineStr")
	s.buf = append(s.buf, `<is><t>`...)
	s.buf = t.In(loc).AppendFormat(s.buf, layout)
	s.buf = append(s.buf, `</t></is></c>`...)
}

// Values writes cells of several kinds: text (inline), whole numbers,
// numbers, true/false, a Bold header; nil and "" leave the cell out.
func (s *sheetWriter) Values(vals ...any) {
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			s.Skip()
		case string:
			s.Str(v)
		case Bold:
			s.StrStyle(string(v), styleBold)
		case int:
			s.Int(int64(v))
		case int64:
			s.Int(v)
		case float64:
			s.Float(v)
		case bool:
			s.cell(0, "b")
			if v {
				s.buf = append(s.buf, `<v>1</v></c>`...)
			} else {
				s.buf = append(s.buf, `<v>0</v></c>`...)
			}
		default:
			s.Str(fmt.Sprint(v))
		}
	}
}

// Bold is the text of a header cell.
type Bold string

// close ends the sheet and returns its part.
func (s *sheetWriter) close() (part, error) {
	if !s.started {
		s.start()
	}
	s.endRow()
	s.buf = append(s.buf, `</sheetData></worksheet>`...)
	s.flush()
	if s.err != nil {
		return part{}, s.err
	}
	if err := s.z.Close(); err != nil {
		return part{}, err
	}
	s.sst.refs.Add(s.nwords)
	return part{name: sheetPart(s.index), data: s.out.Bytes(), crc: s.crc.Sum32(), size: s.size}, nil
}

// columns holds the letters of the first columns (A … ZZ).
var columns = func() []string {
	out := make([]string, 0, 26+26*26)
	for i := range 26 + 26*26 {
		out = append(out, columnName(i))
	}
	return out
}()

func columnName(i int) string {
	var b []byte
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}

// appendColumn appends the letters of column i (0-based).
func appendColumn(b []byte, i int) []byte {
	if i < len(columns) {
		return append(b, columns[i]...)
	}
	return append(b, columnName(i)...)
}

// maxCellChars is the most UTF-16 code units a cell holds (Excel's limit).
const maxCellChars = 32767

// appendT appends a <t> element holding v: cut to what a cell holds,
// spaces at either end kept, "_xHHHH_" kept literally.
func appendT(b []byte, v string) []byte {
	if len(v) > maxCellChars {
		v = truncateUTF16(v, maxCellChars)
	}
	if v == "" {
		return append(b, `<t></t>`...)
	}
	switch v[0] {
	case ' ', '\t', '\n', '\r':
		b = append(b, `<t xml:space="preserve">`...)
	default:
		switch v[len(v)-1] {
		case ' ', '\t', '\n', '\r':
			b = append(b, `<t xml:space="preserve">`...)
		default:
			b = append(b, `<t>`...)
		}
	}
	b = appendText(b, v)
	return append(b, `</t>`...)
}

// truncateUTF16 cuts s to at most n UTF-16 code units, at a character.
func truncateUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += max(utf16.RuneLen(r), 1)
		if units > n {
			return s[:i]
		}
	}
	return s
}

// appendText appends s as XML character data: &, < and > escaped, a
// carriage return as a reference (a parser would read a bare one as a line
// feed), the characters XML cannot hold dropped (control characters other
// than tab and line feed, U+FFFE, U+FFFF, bytes that are not UTF-8), and
// "_xHHHH_" kept as written rather than read as Excel's escape of a
// character (its "_" escaped as "_x005F_").
func appendText(b []byte, s string) []byte {
	// Most text needs none of this: copy it whole.
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '&' && c != '<' && c != '>' && c != '_' || c == '\t' || c == '\n' {
				i++
				continue
			}
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			break
		}
		i += size
	}
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '\r':
				b = append(b, "&#xD;"...)
			case c == '_' && isCharEscape(s[i:]):
				b = append(b, "_x005F_"...)
			case c >= 0x20 || c == '\t' || c == '\n':
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF) {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// isCharEscape reports whether s starts with "_xHHHH_", which Excel reads
// as the character of code HHHH.
func isCharEscape(s string) bool {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// appendAttr appends s escaped for an attribute value in double quotes.
func appendAttr(b []byte, s string) []byte {
	for _, r := range s {
		switch r {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&quot;"...)
		default:
			if r >= 0x20 && r != 0xFFFE && r != 0xFFFF && r != utf8.RuneError {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return b
}

// appendFloat appends v as Excel keeps numbers: at most 15 significant
// digits, no exponent.
func appendFloat(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	if math.Abs(v) == math.MaxFloat64 {
		return b
	}
	str := b[start:]
	const maxPrec = 15
	decimal := bytes.IndexByte(str, '.')
	significant := 0
	for idx, c := range str {
		if c < '0' || c > '9' || significant == 0 && c == '0' {
			continue
		}
		significant++
		if significant <= maxPrec {
			continue
		}
		if decimal >= 0 && idx > decimal {
			return bytes.TrimSuffix(b[:start+idx], []byte("."))
		}
		if decimal < 0 {
			decimal = len(str)
		}
		for ; idx < decimal; idx++ {
			str[idx] = '0'
		}
		return b[:start+decimal]
	}
	return b
}
