package blob_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/blob"
)

func open(t *testing.T) (*blob.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data", "blobs")
	s, err := blob.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, dir
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func readAll(t *testing.T, s *blob.Store, sum string) []byte {
	t.Helper()
	r, err := s.Open(sum)
	if err != nil {
		t.Fatalf("Open(%s): %v", sum, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenCreatesDir(t *testing.T) {
	_, dir := open(t)
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("Stat(%s) = %v, %v; want a directory", dir, fi, err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode %v, want 0700", perm)
	}
	if _, err := blob.Open(""); domain.ErrorKind(err) != domain.KindInvalid {
		t.Errorf("Open(\"\") = %v, want KindInvalid", err)
	}
}

func TestPutOpenHas(t *testing.T) {
	s, dir := open(t)
	content := make([]byte, 100_000)
	rand.Read(content)
	want := sha(content)

	if ok, err := s.Has(want); err != nil || ok {
		t.Fatalf("Has before Put = %v, %v; want false", ok, err)
	}
	if _, err := s.Open(want); domain.ErrorKind(err) != domain.KindNotFound || !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Open before Put: %v, want KindNotFound", err)
	}

	sum, size, err := s.Put(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if sum != want || size != int64(len(content)) {
		t.Fatalf("Put = %s, %d; want %s, %d", sum, size, want, len(content))
	}
	if got := readAll(t, s, sum); !bytes.Equal(got, content) {
		t.Fatal("Open returned other content")
	}
	if ok, err := s.Has(sum); err != nil || !ok {
		t.Fatalf("Has after Put = %v, %v; want true", ok, err)
	}
	p, err := s.Path(sum)
	if err != nil || p != filepath.Join(dir, sum[:2], sum) {
		t.Fatalf("Path = %q, %v; want %q", p, err, filepath.Join(dir, sum[:2], sum))
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("blob mode %v, want 0600", perm)
	}
	if got := files(t, dir); len(got) != 1 || got[0] != sum[:2]+"/"+sum {
		t.Errorf("files %v, want just %s/%s (no temporary file left)", got, sum[:2], sum)
	}

	// The same content again: the same blob, one copy.
	sum2, size2, err := s.Put(bytes.NewReader(content), int64(len(content)))
	if err != nil || sum2 != sum || size2 != size {
		t.Fatalf("second Put = %s, %d, %v; want %s, %d", sum2, size2, err, sum, size)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Errorf("files after a second Put %v, want one", got)
	}

	// Empty content is a blob too.
	sum, size, err = s.Put(strings.NewReader(""), 10)
	if err != nil || sum != sha(nil) || size != 0 {
		t.Fatalf("Put of nothing = %s, %d, %v", sum, size, err)
	}
}

func TestPutSizeLimit(t *testing.T) {
	s, dir := open(t)
	const max = 1000
	exact := bytes.Repeat([]byte("a"), max)
	if _, size, err := s.Put(bytes.NewReader(exact), max); err != nil || size != max {
		t.Fatalf("Put of exactly max bytes = %d, %v", size, err)
	}
	before := files(t, dir)

	over := bytes.Repeat([]byte("b"), max+1)
	sum, size, err := s.Put(bytes.NewReader(over), max)
	if sum != "" || size != 0 || domain.ErrorKind(err) != domain.KindInvalid {
		t.Fatalf("Put of max+1 bytes = %q, %d, %v; want a KindInvalid error", sum, size, err)
	}
	if id := domain.ErrorMsgID(err); id != "dossier.file_too_large" {
		t.Errorf("message id %q, want dossier.file_too_large", id)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Data["max"] != int64(max) {
		t.Errorf("error data %v, want max=%d", de, max)
	}
	// A large stream is cut off, not read to its end.
	huge := &countingReader{r: io.LimitReader(zeros{}, 1<<30)}
	if _, _, err := s.Put(huge, max); domain.ErrorMsgID(err) != blob.MsgFileTooLarge {
		t.Fatalf("Put of 1 GiB: %v", err)
	}
	if huge.n > max+64*1024 {
		t.Errorf("read %d bytes of a stream over the limit", huge.n)
	}
	if got := files(t, dir); len(got) != len(before) {
		t.Errorf("files after refused Puts %v, want %v", got, before)
	}
	if _, _, err := s.Put(strings.NewReader("x"), 0); domain.ErrorKind(err) != domain.KindInternal {
		t.Errorf("Put with limit 0: %v, want KindInternal", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestPutReadError(t *testing.T) {
	s, dir := open(t)
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))
	_, _, err := s.Put(r, 1<<20)
	if !errors.Is(err, boom) || domain.ErrorKind(err) != domain.KindUnavailable {
		t.Fatalf("Put of a failing reader: %v; want KindUnavailable wrapping the cause", err)
	}
	// A reader's own kind is kept.
	_, _, err = s.Put(iotest.ErrReader(domain.E("telegram.getFile", domain.KindInvalid, boom)), 1<<20)
	if domain.ErrorKind(err) != domain.KindInvalid {
		t.Fatalf("Put of a reader failing with KindInvalid: %v", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("files after failed Puts: %v", got)
	}
}

func TestConcurrentPutSameContent(t *testing.T) {
	s, dir := open(t)
	content := []byte("Mẫu 01 — phiếu đăng ký")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			sum, _, err := s.Put(bytes.NewReader(content), 1<<20)
			if err != nil || sum != sha(content) {
				t.Errorf("Put = %s, %v", sum, err)
			}
		})
	}
	wg.Wait()
	if got := files(t, dir); len(got) != 1 {
		t.Errorf("files %v, want one", got)
	}
	if got := readAll(t, s, sha(content)); !bytes.Equal(got, content) {
		t.Errorf("content %q", got)
	}
}

func TestSumsFromUserInputRefused(t *testing.T) {
	s, dir := open(t)
	// A file outside the store that a path would reach.
	secret := filepath.Join(filepath.Dir(dir), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	valid := sha([]byte("x"))
	for _, sum := range []string{
		"",
		"../../etc/passwd",
		"../secret",
		"/etc/passwd",
		strings.ToUpper(valid),
		valid[:63],
		valid + "0",
		valid[:2] + "/" + valid[3:],
		"../" + valid[3:],
		valid[:63] + "\x00",
		valid[:62] + "g0",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 ",
		strings.Repeat(".", 64),
	} {
		if _, err := s.Open(sum); domain.ErrorKind(err) != domain.KindInvalid {
			t.Errorf("Open(%q): %v, want KindInvalid", sum, err)
		}
		if p, err := s.Path(sum); p != "" || domain.ErrorKind(err) != domain.KindInvalid {
			t.Errorf("Path(%q) = %q, %v; want KindInvalid", sum, p, err)
		}
		if ok, err := s.Has(sum); ok || domain.ErrorKind(err) != domain.KindInvalid {
			t.Errorf("Has(%q) = %v, %v; want KindInvalid", sum, ok, err)
		}
		if _, _, err := s.Sniff(sum, "a.pdf"); domain.ErrorKind(err) != domain.KindInvalid {
			t.Errorf("Sniff(%q): %v, want KindInvalid", sum, err)
		}
		if blob.ValidSum(sum) {
			t.Errorf("ValidSum(%q) = true", sum)
		}
	}
	if !blob.ValidSum(valid) {
		t.Errorf("ValidSum(%q) = false", valid)
	}
}

func TestRemove(t *testing.T) {
	s, _ := open(t)
	sum, _, err := s.Put(bytes.NewReader([]byte("a file to forget")), 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(sum); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if ok, err := s.Has(sum); err != nil || ok {
		t.Fatalf("Has after Remove = %v, %v; want false", ok, err)
	}
	if err := s.Remove(sum); err != nil {
		t.Fatalf("Remove of a blob not stored: %v", err)
	}
	if err := s.Remove("../x"); domain.ErrorKind(err) != domain.KindInvalid {
		t.Fatalf("Remove(../x) = %v, want KindInvalid", err)
	}
}
