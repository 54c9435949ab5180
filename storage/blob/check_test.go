package blob_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/blob"
)

// zipParts builds a ZIP of the given parts and contents.
func zipParts(t *testing.T, parts map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, data := range parts {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const contentTypes = `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="xml" ContentType="application/xml"/></Types>`

func office(t *testing.T, main string, extra map[string][]byte) []byte {
	parts := map[string][]byte{"[Content_Types].xml": []byte(contentTypes), "_rels/.rels": []byte("<Relationships/>"), main: []byte("<x/>")}
	for k, v := range extra {
		parts[k] = v
	}
	return zipParts(t, parts)
}

var exeBytes = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xffThis program cannot be run in DOS mode."), make([]byte, 600)...)

// TestPutCheckedRefusesDisguisedFiles: what issue 13 found accepted — a
// ZIP with a VBA project named .docx, a ZIP holding an .exe named .xlsx, a
// PDF named .jpg — and their cousins are refused by their whole content,
// with the reason, and nothing is kept; real files pass.
func TestPutCheckedRefusesDisguisedFiles(t *testing.T) {
	s, dir := open(t)
	jpg, png := jpegFile(t), pngFile(t)
	ole := ole2File()
	oleMacro := append(bytes.Clone(ole), []byte("R\x00o\x00o\x00t\x00_\x00V\x00B\x00A\x00_\x00P\x00R\x00O\x00J\x00E\x00C\x00T\x00")...)
	olePackage := append(bytes.Clone(ole), []byte("\x01\x00O\x00l\x00e\x001\x000\x00N\x00a\x00t\x00i\x00v\x00e\x00")...)
	for _, c := range []struct {
		what, name string
		data       []byte
		want       string // the MIME type, or the message id of the refusal
	}{
		{"a photo", "", jpg, blob.MIMEJPEG},
		{"a photo named .jpg", "anh.jpg", jpg, blob.MIMEJPEG},
		{"a PNG named .jpg", "photo.jpg", png, blob.MIMEPNG},
		{"a PDF", "mau01.pdf", []byte(pdfFile), blob.MIMEPDF},
		{"a DOCX", "ke-hoach.docx", office(t, "word/document.xml", nil), blob.MIMEDOCX},
		{"an XLSX", "so-lieu.xlsx", office(t, "xl/workbook.xml", nil), blob.MIMEXLSX},
		{"a DOC", "phuong-an.doc", ole, blob.MIMEDOC},
		{"a DOCX with an embedded XLSX", "a.docx", office(t, "word/document.xml",
			map[string][]byte{"word/embeddings/Microsoft_Excel_Worksheet.xlsx": office(t, "xl/workbook.xml", nil)}), blob.MIMEDOCX},

		{"a PDF named .jpg", "anh.jpg", []byte(pdfFile), blob.MsgFileMismatch},
		{"a JPEG named .pdf", "giay-phep.pdf", jpg, blob.MsgFileMismatch},
		{"an XLSX named .docx", "a.docx", office(t, "xl/workbook.xml", nil), blob.MsgFileMismatch},
		{"a ZIP with a VBA project named .docx", "ke-hoach.docx", office(t, "word/document.xml",
			map[string][]byte{"word/vbaProject.bin": ole}), blob.MsgFileMacro},
		{"a macro content type named .xlsx", "a.xlsx", zipParts(t, map[string][]byte{"xl/workbook.xml": []byte("<x/>"),
			"[Content_Types].xml": []byte(`<Types><Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>`)}), blob.MsgFileMacro},
		{"ActiveX in a DOCX", "a.docx", office(t, "word/document.xml", map[string][]byte{"word/activeX/activeX1.xml": []byte("<x/>")}), blob.MsgFileMacro},
		{"a ZIP holding an .exe named .xlsx", "so-lieu.xlsx", zipParts(t, map[string][]byte{"setup.exe": exeBytes}), blob.MsgFileExecutable},
		{"an XLSX with an .exe inside", "so-lieu.xlsx", office(t, "xl/workbook.xml", map[string][]byte{"xl/media/image1.png": exeBytes}), blob.MsgFileExecutable},
		{"an XLSX with a .bat", "so-lieu.xlsx", office(t, "xl/workbook.xml", map[string][]byte{"xl/run.bat": []byte("@echo off")}), blob.MsgFileExecutable},
		{"a DOCX with a packaged file", "a.docx", office(t, "word/document.xml", map[string][]byte{"word/embeddings/oleObject1.bin": olePackage}), blob.MsgFileExecutable},
		{"a plain ZIP named .xlsx", "a.xlsx", zipParts(t, map[string][]byte{"readme.txt": []byte("hi")}), blob.MsgFileType},
		{"a DOC with macros", "a.doc", oleMacro, blob.MsgFileMacro},
		{"a DOC with a packaged file", "a.doc", olePackage, blob.MsgFileExecutable},
		{"a PDF that launches a program", "a.pdf", []byte("%PDF-1.4\n1 0 obj << /OpenAction << /S /Launch /F (cmd.exe) >> >> endobj\n%%EOF\n"), blob.MsgFileExecutable},
		{"a PDF with JavaScript", "a.pdf", []byte("%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n"), blob.MsgFileMacro},
		{"a photo with a ZIP after it", "anh.jpg", append(bytes.Clone(jpg), office(t, "word/document.xml", nil)...), blob.MsgFileExecutable},
		{"a PNG with a PDF after it", "anh.png", append(bytes.Clone(png), pdfFile...), blob.MsgFileExecutable},
		{"an exe named .pdf", "mau02.pdf", exeBytes, blob.MsgFileType},
	} {
		sum, _, mime, err := s.PutChecked(bytes.NewReader(c.data), 1<<20, c.name)
		got := mime
		if err != nil {
			var e *domain.Error
			if domain.ErrorKind(err) != domain.KindInvalid || !errors.As(err, &e) {
				t.Errorf("%s: %v", c.what, err)
				continue
			}
			got = e.MsgID
			if sum != "" {
				t.Errorf("%s: refused but a sum was returned", c.what)
			}
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
		// Check says the same of a stored copy.
		if err == nil {
			if m, err := s.Check(sum, c.name); err != nil || m != mime {
				t.Errorf("%s: Check of the stored copy = %q, %v", c.what, m, err)
			}
		}
	}
	// Nothing refused was kept: only the accepted files are in the store
	// (the photo twice, once).
	if kept := files(t, dir); len(kept) != 7 {
		t.Errorf("%d files kept, want the 7 accepted: %v", len(kept), kept)
	}
}
