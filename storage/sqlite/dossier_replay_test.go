package sqlite_test

import (
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// An upload handled again after a crash (the same file id and content for
// the same item) is the file stored before; another send of it is a file
// of its own.
func TestAddFileTwiceAfterACrash(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	products, d := sqlite.NewProductStore(db), sqlite.NewDossierStore(db)
	p := newProduct(t, products, newSubject(t, db, "25459").ID, 2025)
	first := addFile(t, d, p.ID, "mau01", "mau01.pdf")
	again := addFile(t, d, p.ID, "mau01", "mau01.pdf")
	if again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("the same upload again: %+v, first %+v", again, first)
	}
	other := first
	other.ID, other.FileID = 0, "tg-second-send"
	if err := d.AddFile(t.Context(), &other); err != nil || other.ID == first.ID {
		t.Fatalf("a second send of the same bytes: %+v, %v", other, err)
	}
	files, err := d.Files(t.Context(), p.ID, "mau01")
	if err != nil || len(files) != 2 {
		t.Fatalf("files: %d, %v", len(files), err)
	}
}
