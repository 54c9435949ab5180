// Package blob keeps the files producers send in a content-addressed
// directory beside the database: a file is named by the sha256 of its
// content, so storing the same content twice keeps one copy, and no path is
// ever built from user input.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// MsgFileTooLarge is the message id of the error Put returns for a file over
// its limit; the error's Data holds "max", the limit in bytes.
const MsgFileTooLarge = "dossier.file_too_large"

// Store is a directory of blobs, each at <first 2 hex digits>/<sha256 hex>.
type Store struct{ dir string }

// Open returns the store in dir, creating the directory when missing. The
// store is private, whatever the umask: its folders are 0700 and its files
// 0600, and those an older version left readable by others are set so
// (where this user may).
func Open(dir string) (*Store, error) {
	const op = "blob.Open"
	if dir == "" {
		return nil, domain.E(op, domain.KindInvalid, errors.New("empty blob directory"))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, domain.E(op, domain.KindInternal, err)
	}
	// Best effort: a file another user owns is left as it is.
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi, err := d.Info(); err == nil && fi.Mode().Perm() != want {
			_ = os.Chmod(p, want)
		}
		return nil
	})
	return &Store{dir: dir}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Put stores the content of r and returns its sha256 in lowercase hex and its
// size. It streams r to a temporary file in the store while hashing it, then
// renames that into place, so a blob is either complete or absent. Content
// longer than max bytes is refused with a KindInvalid error whose message id
// is MsgFileTooLarge, and nothing is kept. Putting content already stored
// keeps the stored copy. An error reading r is returned wrapped, with r's
// kind when it has one and KindUnavailable otherwise (r is usually a
// download).
func (s *Store) Put(r io.Reader, max int64) (sum string, size int64, err error) {
	return s.put(r, max, nil)
}

// put is Put, running accept (when given) on the whole temporary file
// before keeping it: an error from accept is returned and nothing is kept.
func (s *Store) put(r io.Reader, max int64, accept func(f *os.File, size int64) error) (sum string, size int64, err error) {
	const op = "blob.Put"
	if max <= 0 {
		return "", 0, domain.Errorf(op, "size limit %d not positive", max)
	}
	tmp, err := os.CreateTemp(s.dir, ".put-*")
	if err != nil {
		return "", 0, domain.E(op, domain.KindInternal, err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(tmp, h), io.LimitReader(readerOnly{r}, max+1))
	var re readError
	switch {
	case errors.As(err, &re):
		kind := domain.ErrorKind(re.err)
		if kind == domain.KindOther {
			kind = domain.KindUnavailable
		}
		return "", 0, domain.E(op, kind, re.err)
	case err != nil:
		return "", 0, domain.E(op, domain.KindInternal, err)
	case size > max:
		e := domain.Invalid(op, MsgFileTooLarge)
		e.Data = map[string]any{"max": max}
		e.Err = fmt.Errorf("more than %d bytes", max)
		return "", 0, e
	}
	if accept != nil {
		if err := accept(tmp, size); err != nil {
			return "", 0, err
		}
	}
	sum = hex.EncodeToString(h.Sum(nil))
	final := s.path(sum)

	if _, err := os.Stat(final); err == nil {
		return sum, size, nil // stored before
	}
	if err := tmp.Chmod(0o600); err != nil {
		return "", 0, domain.E(op, domain.KindInternal, err)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, domain.E(op, domain.KindInternal, err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, domain.E(op, domain.KindInternal, err)
	}
	sub := filepath.Dir(final)
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return "", 0, domain.E(op, domain.KindInternal, err)
	}
	_ = os.Chmod(sub, 0o700) // whatever the umask (best effort, as in Open)
	// Same content, same name: a concurrent Put of it renames over an
	// identical file, which is harmless.
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", 0, domain.E(op, domain.KindInternal, err)
	}
	tmp = nil
	syncDir(sub)
	return sum, size, nil
}

// readerOnly marks r's errors, so that they are told apart from errors
// writing the temporary file.
type readerOnly struct{ r io.Reader }

func (r readerOnly) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// syncDir makes a rename in dir durable where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Open returns the content of the blob. A sum that is not 64 lowercase hex
// digits is a KindInvalid error, a blob not stored a KindNotFound one.
func (s *Store) Open(sum string) (io.ReadCloser, error) { return s.open("blob.Open", sum) }

func (s *Store) open(op, sum string) (*os.File, error) {
	p, err := s.Path(sum)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, domain.E(op, domain.KindNotFound, domain.ErrNotFound)
	case err != nil:
		return nil, domain.E(op, domain.KindInternal, err)
	}
	return f, nil
}

// Path returns the file name of the blob, stored or not. A sum that is not 64
// lowercase hex digits is a KindInvalid error.
func (s *Store) Path(sum string) (string, error) {
	if !ValidSum(sum) {
		return "", domain.E("blob.Path", domain.KindInvalid, fmt.Errorf("not a sha256 sum: %.80q", sum))
	}
	return s.path(sum), nil
}

// Has reports whether the blob is stored. A sum that is not 64 lowercase hex
// digits is a KindInvalid error.
func (s *Store) Has(sum string) (bool, error) {
	p, err := s.Path(sum)
	if err != nil {
		return false, err
	}
	switch _, err := os.Stat(p); {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, domain.E("blob.Has", domain.KindInternal, err)
	}
	return true, nil
}

// path is Path for a sum already checked.
func (s *Store) path(sum string) string { return filepath.Join(s.dir, sum[:2], sum) }

// ValidSum reports whether sum is a sha256 in lowercase hex, the only form of
// a blob name.
func ValidSum(sum string) bool {
	if len(sum) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(sum); i++ {
		c := sum[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Remove deletes a stored blob; one not stored is no error. The caller
// removes only blobs no record refers to any more (an erasure of personal
// data). A sum that is not 64 lowercase hex digits is a KindInvalid error.
func (s *Store) Remove(sum string) error {
	p, err := s.Path(sum)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return domain.E("blob.Remove", domain.KindInternal, err)
	}
	syncDir(filepath.Dir(p))
	return nil
}
