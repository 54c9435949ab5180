package sqlite

import (
	"context"
	"time"
)

// OpenAtVersion opens the database at path with the migrations up to
// version only, as an older binary would have left it.
func OpenAtVersion(ctx context.Context, path string, now func() time.Time, version int) (*DB, error) {
	return open(ctx, path, now, version)
}
