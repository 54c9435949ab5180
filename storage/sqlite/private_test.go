package sqlite_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// TestDatabaseFilesArePrivate: with a umask of 0, the database, its -wal
// and -shm are created 0600 in a folder created 0700; files an older
// version left 0644 are set 0600 when the database is opened again.
func TestDatabaseFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	c := newClock()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "ocop.db")
	db, err := sqlite.Open(t.Context(), path, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	ipath := sqlite.InboxPath(path)
	idb, err := sqlite.OpenInboxDB(t.Context(), ipath, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.NewInbox(idb).Record(t.Context(), "telegram", 1, "u", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	want := map[string]fs.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600,
		ipath: 0o600, ipath + "-wal": 0o600, ipath + "-shm": 0o600}
	check := func(when string) {
		t.Helper()
		for p, m := range want {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %v", when, err)
				continue
			}
			if fi.Mode().Perm() != m {
				t.Errorf("%s: %s is %v, want %v", when, filepath.Base(p), fi.Mode().Perm(), m)
			}
		}
	}
	check("created")
	db.Close()
	idb.Close()

	for p := range want {
		if p != dir {
			os.Chmod(p, 0o644)
		}
	}
	reopen(t, path, c)
	reopenInbox(t, ipath, c)
	check("reopened")
}

// TestInboxClearsHandledBodies: a handled update keeps no raw body (what
// the user wrote or shared), a pending one keeps it for handling; the
// migration clears the bodies an older version kept.
func TestInboxClearsHandledBodies(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := openInbox(t, c)
	in := sqlite.NewInbox(db)
	for id, body := range map[int64]string{1: `{"text":"số tôi 0912345678"}`, 2: `{"text":"chưa xử lý"}`} {
		if _, err := in.Record(ctx, "telegram", id, "u", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.MarkDone(ctx, "telegram", 1); err != nil {
		t.Fatal(err)
	}
	bodies := func(db *sqlite.DB) map[int64]string {
		rows, err := db.SQL().QueryContext(ctx, `SELECT update_id, payload FROM inbox`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[int64]string{}
		for rows.Next() {
			var id int64
			var b []byte
			rows.Scan(&id, &b)
			m[id] = string(b)
		}
		return m
	}
	if got := bodies(db); got[1] != "" || got[2] != `{"text":"chưa xử lý"}` {
		t.Errorf("bodies after handling update 1: %v", got)
	}
	pending, err := in.Pending(ctx, "telegram")
	if err != nil || len(pending) != 1 || string(pending[0].Payload) != `{"text":"chưa xử lý"}` {
		t.Errorf("pending: %+v, %v", pending, err)
	}

	// A database an older version left: a handled row with its body.
	oldPath := filepath.Join(t.TempDir(), "old.db")
	olddb, err := sqlite.OpenAtVersion(ctx, oldPath, c.Now, 18)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := olddb.SQL().ExecContext(ctx, `INSERT INTO inbox (channel, update_id, user_key, payload, received_at, state, done_at)
VALUES ('telegram', 7, 'u', '{"contact":"+84912345678"}', 1, 'done', 2), ('telegram', 8, 'u', '{"text":"x"}', 1, 'pending', NULL)`); err != nil {
		t.Fatal(err)
	}
	olddb.Close()
	newdb := reopen(t, oldPath, c)
	if got := bodies(newdb); got[7] != "" || got[8] != `{"text":"x"}` {
		t.Errorf("after the migration: %v", got)
	}
}
