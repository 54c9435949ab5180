package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// walFrames returns the frames in the WAL and those already copied into
// the database file (a passive checkpoint of nothing new reports them).
func walFrames(t *testing.T, db *DB) (log, copied int) {
	t.Helper()
	var busy int
	if err := db.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied); err != nil {
		t.Fatal(err)
	}
	return log, copied
}

// Commits never checkpoint on their own (an automatic checkpoint made the
// caller that crossed 1,000 pages wait for two fsyncs); the checkpointer
// does, in the background, and Close does a last one.
func TestCheckpointsRunInTheBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ck.db")
	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.stopCheckpoints() // this test drives the checkpoints itself

	// Every pooled connection has automatic checkpoints off.
	conns := make([]interface{ Close() error }, 0, 4)
	for range 4 {
		c, err := db.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("wal_autocheckpoint = %d on a pooled connection, want 0", n)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}

	// Well over 1,000 pages of commits: nothing is copied on the way.
	kv := NewKV(db)
	big := make([]byte, 3000)
	for i := range 1500 {
		if err := kv.Set(ctx, "k"+string(rune('a'+i%26))+time.Duration(i).String(), big, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	// The pages are in the WAL only: the database file has not grown.
	if size := fileSize(t, path); size > 1<<20 {
		t.Errorf("the database file is %d bytes before any checkpoint: the commits checkpointed", size)
	}
	if size := fileSize(t, path+"-wal"); size < 5<<20 {
		t.Fatalf("the WAL is only %d bytes: the test wrote too little", size)
	}

	// The checkpointer copies them.
	stop := db.checkpointer(time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if l, c := walFrames(t, db); l > 0 && l == c {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the checkpointer did not copy the WAL")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if size := fileSize(t, path); size < 4<<20 {
		t.Errorf("the database file is %d bytes after the checkpoint", size)
	}
	db.stopCheckpoints = stop
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
