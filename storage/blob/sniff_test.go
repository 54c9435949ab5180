package blob_test

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/blob"
)

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		img.Set(x, x, color.RGBA{R: 200, A: 255})
	}
	return img
}

func jpegFile(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngFile(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifFile(t *testing.T) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const pdfFile = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// ole2File is the header of a compound file (DOC, XLS, but also MSI, PPT).
func ole2File() []byte {
	b := make([]byte, 1024)
	copy(b, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1})
	copy(b[0x18:], []byte{0x3e, 0x00, 0x03, 0x00, 0xfe, 0xff, 0x09, 0x00})
	return b
}

// zipFile builds a ZIP of the named parts, padded so that it is larger than
// a head of SniffLen bytes.
func zipFile(t *testing.T, parts ...string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, name := range parts {
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(bytes.Repeat([]byte("<?xml version=\"1.0\"?>"), 40))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var (
	docxParts = []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml"}
	xlsxParts = []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"}
)

func head(b []byte) []byte { return b[:min(len(b), blob.SniffLen)] }

func TestSniff(t *testing.T) {
	docx, xlsx := zipFile(t, docxParts...), zipFile(t, xlsxParts...)
	plainZip := zipFile(t, "readme.txt", "photos/a.jpg")
	macro := zipFile(t, append(docxParts, "word/vbaProject.bin")...)
	noTypes := zipFile(t, "word/document.xml")
	both := zipFile(t, "[Content_Types].xml", "word/document.xml", "xl/workbook.xml")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 600)...)

	for _, c := range []struct {
		what string
		data []byte
		name string
		want string // "" for refused
	}{
		{"jpeg photo without a name", jpegFile(t), "", blob.MIMEJPEG},
		{"jpeg named .pdf", jpegFile(t), "giay-phep.pdf", blob.MIMEJPEG},
		{"png", pngFile(t), "nhan.png", blob.MIMEPNG},
		{"pdf", []byte(pdfFile), "Mẫu 01.pdf", blob.MIMEPDF},
		{"pdf named .exe", []byte(pdfFile), "x.exe", blob.MIMEPDF},
		{"doc", ole2File(), "Phương án.doc", blob.MIMEDOC},
		{"doc uppercase", ole2File(), "BAO-CAO.DOC", blob.MIMEDOC},
		{"xls", ole2File(), "so-lieu.xls", blob.MIMEXLS},
		{"ole2 named .msi", ole2File(), "setup.msi", ""},
		{"ole2 named .ppt", ole2File(), "slides.ppt", ""},
		{"ole2 without a name", ole2File(), "", ""},
		{"docx whole", docx, "ke-hoach.docx", blob.MIMEDOCX},
		{"docx whole misnamed", docx, "ke-hoach.xlsx", blob.MIMEDOCX},
		{"docx whole without a name", docx, "", blob.MIMEDOCX},
		{"xlsx whole", xlsx, "so-lieu.xlsx", blob.MIMEXLSX},
		{"docx head", head(docx), "ke-hoach.docx", blob.MIMEDOCX},
		{"xlsx head", head(xlsx), "so-lieu.XLSX", blob.MIMEXLSX},
		{"zip head named .zip", head(docx), "ke-hoach.zip", ""},
		{"zip head named .pdf", head(docx), "ke-hoach.pdf", ""},
		{"zip head without a name", head(xlsx), "", ""},
		{"plain zip named .docx", plainZip, "fake.docx", ""},
		{"docm with macros", macro, "ke-hoach.docx", ""},
		{"zip without content types", noTypes, "x.docx", ""},
		{"zip with word and excel parts", both, "x.docx", ""},
		{"exe named .pdf", exe, "Mẫu 02.pdf", ""},
		{"exe named .doc", exe, "x.doc", ""},
		{"gif", gifFile(t), "anh.gif", ""},
		{"gif named .jpg", gifFile(t), "anh.jpg", ""},
		{"text named .pdf", []byte("Hồ sơ OCOP, bản nháp\n"), "x.pdf", ""},
		{"html", []byte("<!DOCTYPE html><html></html>"), "x.docx", ""},
		{"empty", nil, "x.pdf", ""},
		{"truncated jpeg magic", []byte{0xff, 0xd8}, "x.jpg", ""},
		{"truncated pdf magic", []byte("%PD"), "x.pdf", ""},
	} {
		got, ok := blob.Sniff(c.data, c.name)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: Sniff = %q, %v; want %q, %v", c.what, got, ok, c.want, c.want != "")
		}
	}
}

func TestStoreSniffInspectsWholeZip(t *testing.T) {
	s, _ := open(t)
	put := func(b []byte) string {
		t.Helper()
		sum, _, err := s.Put(bytes.NewReader(b), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	for _, c := range []struct {
		what string
		data []byte
		name string
		want string
	}{
		{"docx", zipFile(t, docxParts...), "a.docx", blob.MIMEDOCX},
		{"xlsx under a docx name", zipFile(t, xlsxParts...), "a.docx", ""},
		{"xlsx without a name", zipFile(t, xlsxParts...), "", blob.MIMEXLSX},
		{"plain zip named .docx", zipFile(t, "readme.txt"), "a.docx", ""},
		{"broken zip named .xlsx", append([]byte("PK\x03\x04"), make([]byte, 2000)...), "a.xlsx", ""},
		{"pdf", []byte(pdfFile), "a.pdf", blob.MIMEPDF},
		{"xls", ole2File(), "a.xls", blob.MIMEXLS},
		{"tiny text", []byte("hi"), "a.pdf", ""},
	} {
		got, ok, err := s.Sniff(put(c.data), c.name)
		if err != nil || got != c.want || ok != (c.want != "") {
			t.Errorf("%s: Store.Sniff = %q, %v, %v; want %q", c.what, got, ok, err, c.want)
		}
	}
	if _, _, err := s.Sniff(sha([]byte("never stored")), "a.pdf"); domain.ErrorKind(err) != domain.KindNotFound {
		t.Errorf("Sniff of a blob not stored: %v, want KindNotFound", err)
	}
}
