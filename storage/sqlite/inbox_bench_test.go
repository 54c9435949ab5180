package sqlite_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// BenchmarkInboxRecord: one op records one update of the size of a Zalo
// text event, alone in its batch (as a webhook call meets an idle inbox),
// and every 32 ops the handled ones are marked done in one call (as the
// intake's marks of 50 ms gather them).
func BenchmarkInboxRecord(b *testing.B) {
	ctx := b.Context()
	db, err := sqlite.OpenInboxDB(ctx, sqlite.InboxPath(filepath.Join(b.TempDir(), "ocop.db")), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	in := sqlite.NewInbox(db)
	payload := bytes.Repeat([]byte("x"), 600)
	var done []int64
	b.ReportAllocs()
	for i := range b.N {
		id := int64(i + 1)
		if _, err := in.Record(ctx, "zalo", id, "zalo:5000000000000000001", payload); err != nil {
			b.Fatal(err)
		}
		if done = append(done, id); len(done) == 32 {
			if err := in.MarkDone(ctx, "zalo", done...); err != nil {
				b.Fatal(err)
			}
			done = done[:0]
		}
	}
}
