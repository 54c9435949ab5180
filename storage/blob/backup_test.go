package blob_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/blob"
)

func TestCopyTo(t *testing.T) {
	s, err := blob.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	var sums []string
	for _, content := range []string{"một", "hai", "ba"} {
		sum, _, err := s.Put(strings.NewReader(content), 100)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	// A Put in progress leaves a temporary file: not copied.
	if err := os.WriteFile(filepath.Join(s.Dir(), ".put-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy", "files")
	n, size, err := s.CopyTo(dst)
	if err != nil || n != 3 || size != int64(len("một")+len("hai")+len("ba")) {
		t.Fatalf("CopyTo = %d, %d, %v", n, size, err)
	}
	for i, sum := range sums {
		if !blob.HasIn(dst, sum) {
			t.Errorf("blob %d is not in the copy", i)
		}
		copied, err := blob.Open(dst)
		if err != nil {
			t.Fatal(err)
		}
		r, err := copied.Open(sum)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(r)
		r.Close()
		if want := []string{"một", "hai", "ba"}[i]; b.String() != want {
			t.Errorf("copy of blob %d = %q, want %q", i, b.String(), want)
		}
	}
	if blob.HasIn(dst, "nothex") || blob.HasIn(dst, strings.Repeat("0", 64)) {
		t.Error("HasIn found a blob that is not there")
	}
	if entries, _ := os.ReadDir(dst); len(entries) != 3 {
		t.Errorf("%d entries in the copy, want 3 sub-directories", len(entries))
	}
	// Copying into a copy that has the files already fails rather than
	// mixing two stores.
	if _, _, err := s.CopyTo(dst); err == nil {
		t.Error("a second CopyTo into the same directory succeeded")
	}
}
