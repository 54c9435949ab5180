package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// bkSubjects reads every subject's id and name.
func bkSubjects(t *testing.T, db *sqlite.DB) map[int64]string {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT id, name FROM subjects`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		out[id] = name
	}
	return out
}

// A backup taken while another connection writes is a consistent snapshot:
// it opens, and holds exactly the rows committed before some moment.
func TestBackupWhileWriting(t *testing.T) {
	c := newClock()
	db, path := open(t, c)
	writer := reopen(t, path, c) // another pool, as the running bot
	subjects := sqlite.NewSubjectStore(writer)
	for i := range 20 {
		s := domain.Subject{Kind: domain.KindFarm, Name: fmt.Sprintf("Trang trại %03d", i), CommuneCode: "25480"}
		if err := subjects.Create(t.Context(), &s); err != nil {
			t.Fatal(err)
		}
	}

	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	written := 0
	go func() {
		defer wg.Done()
		for i := 20; ctx.Err() == nil; i++ {
			// A subject and its product in one transaction each: a copy
			// never has a product without its subject.
			s := domain.Subject{Kind: domain.KindFarm, Name: fmt.Sprintf("Trang trại %03d", i), CommuneCode: "25480"}
			if err := subjects.Create(context.Background(), &s); err != nil {
				t.Error(err)
				return
			}
			p := domain.Product{SubjectID: s.ID, Name: "Sầu riêng", Set: 1}
			if err := sqlite.NewProductStore(writer).Create(context.Background(), &p, "", "80"); err != nil {
				t.Error(err)
				return
			}
			written++
		}
	}()
	time.Sleep(20 * time.Millisecond)
	copyPath := filepath.Join(t.TempDir(), "backup", "ocop.db")
	if err := db.BackupTo(t.Context(), copyPath); err == nil {
		t.Fatal("BackupTo into a missing directory succeeded")
	}
	copyPath = filepath.Join(t.TempDir(), "ocop.db")
	if err := db.BackupTo(t.Context(), copyPath); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	stop()
	wg.Wait()
	if written == 0 {
		t.Fatal("nothing was written during the backup")
	}
	wantKind(t, db.BackupTo(t.Context(), copyPath), domain.KindConflict)

	snap := reopen(t, copyPath, c)
	got, all := bkSubjects(t, snap), bkSubjects(t, db)
	if len(got) < 20 || len(got) >= len(all) {
		t.Fatalf("the copy has %d subjects; 20 before the backup, %d at the end", len(got), len(all))
	}
	for id, name := range got {
		if all[id] != name {
			t.Errorf("subject %d is %q in the copy, %q in the database", id, name, all[id])
		}
	}
	// Every subject up to the newest in the copy, none after: a prefix.
	var maxID int64
	for id := range got {
		maxID = max(maxID, id)
	}
	for id := range all {
		if _, ok := got[id]; id <= maxID && !ok {
			t.Errorf("the copy lacks subject %d", id)
		}
	}
	var orphans int
	if err := snap.SQL().QueryRowContext(t.Context(), `SELECT count(*) FROM products WHERE subject_id NOT IN (SELECT id FROM subjects)`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d products without their subject (%v)", orphans, err)
	}
}

func TestReferencedBlobs(t *testing.T) {
	db, _ := open(t, newClock())
	s := newSubject(t, db, "25480")
	p := newProduct(t, sqlite.NewProductStore(db), s.ID, 2026)
	d := sqlite.NewDossierStore(db)
	for _, f := range []domain.ItemFile{
		{ProductID: p.ID, ItemID: "mau01", Blob: sha("b"), Name: "a.pdf"},
		{ProductID: p.ID, ItemID: "mau02", Blob: sha("a"), Name: "b.pdf"},
		{ProductID: p.ID, ItemID: "mau02", Blob: sha("b"), Name: "c.pdf"},
	} {
		if err := d.AddFile(t.Context(), &f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ReferencedBlobs(t.Context())
	if err != nil || len(got) != 2 || got[0] != sha("a") || got[1] != sha("b") {
		t.Errorf("ReferencedBlobs = %q, %v", got, err)
	}
}
