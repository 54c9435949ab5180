package main

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// zipOf builds a ZIP of the given parts.
func zipOf(t *testing.T, parts map[string][]byte) []byte {
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

// TestMatrixDisguisedUploadsAreRefused: the uploads issue 13 found
// accepted — a PDF named .jpg, a ZIP holding an .exe named .xlsx, a Word
// file with a VBA project, a photo with an archive after it — are refused
// on both channels with the reason, and nothing is recorded; a real file
// after them is saved.
func TestMatrixDisguisedUploadsAreRefused(t *testing.T) {
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), make([]byte, 300)...)
	types := []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(615, "Thu").register("HTX Mật ong Tân Biên", "binh minh")
			p.addProduct("Mật ong rừng", "Thực phẩm", "Mật ong")
			p.Send("/hoso")
			p.Expect("dossier.header")
			p.Press("Mẫu 01")
			p.Expect("dossier.item_header", "dossier.send_file_hint")

			p.SendDocument("anh-giay-phep.jpg", "image/jpeg", pdfBytes)
			p.Expect("upload.mismatch")
			p.SendDocument("so-lieu.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
				zipOf(t, map[string][]byte{"[Content_Types].xml": types, "xl/workbook.xml": []byte("<x/>"), "xl/setup.exe": exe}))
			p.Expect("upload.executable")
			p.SendDocument("ke-hoach.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
				zipOf(t, map[string][]byte{"[Content_Types].xml": types, "word/document.xml": []byte("<x/>"), "word/vbaProject.bin": []byte("x")}))
			p.Expect("upload.macro")
			p.SendDocument("anh.jpg", "image/jpeg", append(bytes.Clone(photo.Bytes()), zipOf(t, map[string][]byte{"run.exe": exe})...))
			p.Expect("upload.executable")

			db := h.openDB()
			list, _ := sqlite.NewProductStore(db).ListBySubject(context.Background(), p.stored(db).SubjectID)
			if files, _ := sqlite.NewDossierStore(db).Files(context.Background(), list[0].ID, "mau01"); len(files) != 0 {
				t.Fatalf("refused files were recorded: %+v", files)
			}
			p.SendDocument("mau01.pdf", "application/pdf", pdfBytes)
			p.Expect("dossier.file_saved")
		})
	}
}
