package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportRefusesAWorkbookBomb: "ocopbot import" of a small .xlsx whose
// directory says it unpacks to 2 GB is refused at once, in Vietnamese,
// and saves nothing.
func TestImportRefusesAWorkbookBomb(t *testing.T) {
	a := newAdmin(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CompressedSize64: 2, UncompressedSize64: 2 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte{3, 0}) // an empty final deflate block
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "danh-sach.xlsx")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := a.run("import", file)
	if err == nil || !strings.Contains(err.Error(), "bị từ chối") {
		t.Fatalf("the bomb: err = %v", err)
	}
	if !strings.Contains(errOut, "Tệp .xlsx giải nén ra quá lớn (tối đa 64 MB)") {
		t.Errorf("stderr lacks the reason:\n%s", errOut)
	}
}
