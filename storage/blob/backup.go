package blob

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// CopyTo copies every stored blob into dir (created when missing), under
// the same names, and returns how many files and bytes it copied.
//
// Blobs never change once stored (a name is the sum of its content) and
// are written completely before any row refers to them, so a copy made
// after a snapshot of the database holds every blob the snapshot refers to;
// blobs stored meanwhile are copied too and are harmless. Temporary files
// of a Put in progress are skipped.
func (s *Store) CopyTo(dir string) (files int, bytes int64, err error) {
	const op = "blob.CopyTo"
	err = filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != s.dir {
				return nil // removed meanwhile (a temporary file)
			}
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || !ValidSum(d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		n, err := copyFile(path, filepath.Join(dir, rel))
		if err != nil {
			return err
		}
		files++
		bytes += n
		return nil
	})
	if err != nil {
		return files, bytes, domain.E(op, domain.KindInternal, err)
	}
	return files, bytes, nil
}

// copyFile copies src to dst (a new file) and syncs it.
func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return 0, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
	}
	return n, err
}

// HasIn reports whether the blob sum is stored in dir, a copy of a store.
func HasIn(dir, sum string) bool {
	if !ValidSum(sum) {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, sum[:2], sum))
	return err == nil && fi.Mode().IsRegular()
}
