package blob_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/blob"
)

// TestStoreIsPrivateWhateverTheUmask: with a umask of 0, the store's
// folders are 0700 and its files 0600; a store an older version left
// readable by others is made private when opened.
func TestStoreIsPrivateWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "files")
	s, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, err := s.Put(bytes.NewReader([]byte("giấy phép")), 100)
	if err != nil {
		t.Fatal(err)
	}
	modes := func() map[string]fs.FileMode {
		m := map[string]fs.FileMode{}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil {
				fi, _ := d.Info()
				m[p] = fi.Mode().Perm()
			}
			return nil
		})
		return m
	}
	check := func(when string) {
		t.Helper()
		for p, m := range modes() {
			want := fs.FileMode(0o600)
			if fi, _ := os.Stat(p); fi.IsDir() {
				want = 0o700
			}
			if m != want {
				t.Errorf("%s: %s is %v, want %v", when, p, m, want)
			}
		}
	}
	check("created")

	// An older store: 0755 folders, 0644 files.
	p, _ := s.Path(sum)
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(p), 0o755)
	os.Chmod(p, 0o644)
	if _, err := blob.Open(dir); err != nil {
		t.Fatal(err)
	}
	check("reopened")
}
