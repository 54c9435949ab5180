package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// TestStartMovesTheInboxToItsFile: the bot started on a database where an
// older version kept the inbox finds that version's pending updates in
// the inbox's own file, ready to be handed out again, and the offsets with
// them; the main file's inbox is left empty.
func TestStartMovesTheInboxToItsFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ocop.db")
	old, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.SQL().ExecContext(ctx, `INSERT INTO inbox (channel, update_id, user_key, payload, received_at)
VALUES ('telegram', 41, 'telegram:7', '{"update_id":41}', 1), ('zalo', 9, 'zalo:5', '{}', 2)`); err != nil {
		t.Fatal(err)
	}
	old.Close()

	cfg, err := parseConfig("serve", nil, env(map[string]string{"DB_PATH": path}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if got := filepath.Base(sqlite.InboxPath(path)); got != "ocop-inbox.db" {
		t.Errorf("inbox file %s", got)
	}
	for ch, want := range map[string]int64{"telegram": 41, "zalo": 9} {
		p, err := a.inbox.Pending(ctx, ch)
		if err != nil || len(p) != 1 || p[0].UpdateID != want {
			t.Errorf("%s pending in the inbox's file: %+v, %v", ch, p, err)
		}
	}
	if off, err := a.inbox.NextOffset(ctx, "telegram"); err != nil || off != 42 {
		t.Errorf("telegram offset %d, %v; want 42", off, err)
	}
	var left int
	if err := a.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM inbox`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d rows left in the main file's inbox, %v", left, err)
	}
	if b, err := a.inbox.Backlog(ctx); err != nil || b.Count != 2 {
		t.Errorf("backlog %+v, %v", b, err)
	}
}
