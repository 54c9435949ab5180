package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// BackupTo writes a consistent copy of the database to path, a file that
// must not exist, while the database stays in use: SQLite's VACUUM INTO
// reads one snapshot (a read transaction, which in WAL mode blocks no
// writer) and writes it compacted to the new file. The copy has every
// transaction committed before the snapshot began and none after.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	const op = "sqlite.DB.BackupTo"
	if _, err := os.Lstat(path); err == nil {
		return domain.E(op, domain.KindConflict, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return domain.E(op, domain.KindInternal, err)
	}
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return dbError(op, err)
	}
	return nil
}

// ReferencedBlobs returns the sums of the stored files the database refers
// to, each once, sorted.
func (db *DB) ReferencedBlobs(ctx context.Context) ([]string, error) {
	const op = "sqlite.DB.ReferencedBlobs"
	rows, err := db.db.QueryContext(ctx, `SELECT DISTINCT blob FROM item_files WHERE blob != '' ORDER BY blob`)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, s)
	}
	return out, dbError(op, rows.Err())
}
