package blob

import (
	"archive/zip"
	"bytes"
	"path"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// The types a dossier accepts, as Sniff names them.
const (
	MIMEJPEG = "image/jpeg"
	MIMEPNG  = "image/png"
	MIMEPDF  = "application/pdf"
	MIMEDOC  = "application/msword"
	MIMEXLS  = "application/vnd.ms-excel"
	MIMEDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	MIMEXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// SniffLen is how many leading bytes of a file Sniff needs.
const SniffLen = 512

var (
	magicJPEG = []byte{0xff, 0xd8, 0xff}
	magicPNG  = []byte("\x89PNG\r\n\x1a\n")
	magicPDF  = []byte("%PDF-")
	magicOLE2 = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}
	magicZIP  = []byte("PK\x03\x04")
)

// Sniff tells by content whether a file is of a type a dossier accepts —
// JPEG, PNG, PDF, DOC, XLS, DOCX or XLSX — and returns its MIME type. head is
// the start of the file (SniffLen bytes are enough) or all of it; name is the
// file name the sender gave, consulted only where the content cannot decide:
//
//   - an OLE2 compound file is DOC when named .doc and XLS when named .xls;
//     under any other name (.msi, .ppt, none...) it is refused;
//   - a ZIP file is inspected when head holds all of it: DOCX or XLSX when
//     [Content_Types].xml and the main part of a Word document or an Excel
//     workbook are there, refused otherwise (and when it carries macros).
//     When head holds only the start, a .docx or .xlsx name decides, and
//     any other name is refused; Store.Check inspects a stored file whole
//     (and PutChecked a file before it is kept).
//
// Anything else (an executable renamed .pdf, a GIF, text) is refused.
func Sniff(head []byte, name string) (mime string, ok bool) {
	if bytes.HasPrefix(head, magicZIP) {
		if zr, err := zip.NewReader(bytes.NewReader(head), int64(len(head))); err == nil {
			return sniffOOXML(zr)
		}
		switch ext(name) {
		case ".docx":
			return MIMEDOCX, true
		case ".xlsx":
			return MIMEXLSX, true
		}
		return "", false
	}
	return sniffHead(head, name)
}

// Sniff is Check with a yes or no: whether the stored blob is a file a
// dossier accepts, inspected whole, and its MIME type.
func (s *Store) Sniff(sum, name string) (mime string, ok bool, err error) {
	mime, err = s.Check(sum, name)
	if domain.ErrorKind(err) == domain.KindInvalid && ValidSum(sum) {
		return "", false, nil
	}
	return mime, err == nil, err
}

// sniffHead recognises the types told by their first bytes.
func sniffHead(head []byte, name string) (string, bool) {
	switch {
	case bytes.HasPrefix(head, magicJPEG):
		return MIMEJPEG, true
	case bytes.HasPrefix(head, magicPNG):
		return MIMEPNG, true
	case bytes.HasPrefix(head, magicPDF):
		return MIMEPDF, true
	case bytes.HasPrefix(head, magicOLE2):
		switch ext(name) {
		case ".doc":
			return MIMEDOC, true
		case ".xls":
			return MIMEXLS, true
		}
	}
	return "", false
}

// sniffOOXML tells a Word document from an Excel workbook by their parts,
// refusing anything else and files with macros.
func sniffOOXML(zr *zip.Reader) (string, bool) {
	var types, word, excel bool
	for _, f := range zr.File {
		switch name := f.Name; {
		case name == "[Content_Types].xml":
			types = true
		case name == "word/document.xml":
			word = true
		case name == "xl/workbook.xml":
			excel = true
		case strings.HasSuffix(strings.ToLower(name), "vbaproject.bin"):
			return "", false // .docm, .xlsm: macros are not accepted
		}
	}
	switch {
	case !types || word == excel:
		return "", false
	case word:
		return MIMEDOCX, true
	default:
		return MIMEXLSX, true
	}
}

// ext returns the lowercase extension of a file name.
func ext(name string) string { return strings.ToLower(path.Ext(name)) }
