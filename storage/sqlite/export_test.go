package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// OpenAtVersion opens the database at path with the migrations up to
// version only, as an older binary would have left it.
func OpenAtVersion(ctx context.Context, path string, now func() time.Time, version int) (*DB, error) {
	return open(ctx, path, now, version, mainSchema)
}

// InTx is inTx, for tests of the transaction's end.
func (db *DB) InTx(ctx context.Context, fn func(*sql.Tx) error) error { return db.inTx(ctx, fn) }
