package sqlite_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func itemState(t *testing.T, d *sqlite.DossierStore, productID int64, itemID string) (domain.ItemState, string) {
	t.Helper()
	items, err := d.Items(t.Context(), productID)
	if err != nil {
		t.Fatalf("Items: %v", err)
	}
	it, ok := items[itemID]
	if !ok {
		return "", ""
	}
	return it.State, it.Reason
}

func addFile(t *testing.T, d *sqlite.DossierStore, productID int64, itemID, name string) domain.ItemFile {
	t.Helper()
	f := domain.ItemFile{ProductID: productID, ItemID: itemID, FileID: "tg-" + name, Blob: sha(name), Name: name,
		MIME: "application/pdf", Size: 1234}
	if err := d.AddFile(t.Context(), &f); err != nil {
		t.Fatalf("AddFile: %v", err)
	}
	return f
}

func TestDossierStatesAndFiles(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	products, d := sqlite.NewProductStore(db), sqlite.NewDossierStore(db)
	p := newProduct(t, products, newSubject(t, db, "25459").ID, 2025)

	items, err := d.Items(ctx, p.ID)
	if err != nil || len(items) != 0 {
		t.Fatalf("Items of a new dossier = %v, %v; want none", items, err)
	}

	// A first file makes the item sent; a second one keeps it so.
	f1 := addFile(t, d, p.ID, "mau01", "trang1.pdf")
	if f1.ID == 0 || !f1.CreatedAt.Equal(c.Now()) {
		t.Fatalf("AddFile set ID %d, CreatedAt %v", f1.ID, f1.CreatedAt)
	}
	if st, _ := itemState(t, d, p.ID, "mau01"); st != domain.ItemSent {
		t.Fatalf("state after a file = %q, want sent", st)
	}
	c.Advance(time.Minute)
	f2 := addFile(t, d, p.ID, "mau01", "trang2.pdf")
	addFile(t, d, p.ID, "mau02", "phuong-an.pdf")

	files, err := d.Files(ctx, p.ID, "mau01")
	if err != nil || !reflect.DeepEqual(files, []domain.ItemFile{f1, f2}) {
		t.Fatalf("Files = %+v, %v\nwant %+v", files, err, []domain.ItemFile{f1, f2})
	}
	if got, err := d.File(ctx, p.ID, f2.ID); err != nil || !reflect.DeepEqual(got, f2) {
		t.Fatalf("File = %+v, %v", got, err)
	}
	counts, err := d.FileCounts(ctx, p.ID)
	if err != nil || !reflect.DeepEqual(counts, map[string]int{"mau01": 2, "mau02": 1}) {
		t.Fatalf("FileCounts = %v, %v", counts, err)
	}

	// Deleting files: the item stays sent while one is left, then is missing.
	if n, err := d.DeleteFile(ctx, p.ID, f1.ID); err != nil || n != 1 {
		t.Fatalf("DeleteFile = %d, %v; want 1 left", n, err)
	}
	if st, _ := itemState(t, d, p.ID, "mau01"); st != domain.ItemSent {
		t.Fatalf("state with a file left = %q, want sent", st)
	}
	if n, err := d.DeleteFile(ctx, p.ID, f2.ID); err != nil || n != 0 {
		t.Fatalf("DeleteFile = %d, %v; want 0 left", n, err)
	}
	if st, _ := itemState(t, d, p.ID, "mau01"); st != domain.ItemMissing {
		t.Fatalf("state with no file left = %q, want missing", st)
	}
	_, err = d.DeleteFile(ctx, p.ID, f2.ID)
	wantKind(t, err, domain.KindNotFound)

	// Paper and returned items become sent with a file; the reason goes.
	if err := d.SetState(ctx, p.ID, "mau03", domain.ItemPaper, ""); err != nil {
		t.Fatal(err)
	}
	f3 := addFile(t, d, p.ID, "mau03", "scan.pdf")
	if st, _ := itemState(t, d, p.ID, "mau03"); st != domain.ItemSent {
		t.Fatalf("paper item after a file = %q, want sent", st)
	}
	if err := d.SetState(ctx, p.ID, "mau03", domain.ItemReturned, "Thiếu chữ ký"); err != nil {
		t.Fatal(err)
	}
	if st, reason := itemState(t, d, p.ID, "mau03"); st != domain.ItemReturned || reason != "Thiếu chữ ký" {
		t.Fatalf("returned item = %q, %q", st, reason)
	}
	c.Advance(time.Minute)
	f3b := addFile(t, d, p.ID, "mau03", "scan-ky.pdf")
	items, err = d.Items(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.DossierItem{ProductID: p.ID, ItemID: "mau03", State: domain.ItemSent, UpdatedAt: c.Now()}
	if !reflect.DeepEqual(items["mau03"], want) {
		t.Fatalf("returned item after a file = %+v, want %+v", items["mau03"], want)
	}

	// An accepted item stays accepted with another file, and when files go
	// (only a sent item falls back to missing).
	if err := d.SetState(ctx, p.ID, "mau03", domain.ItemAccepted, ""); err != nil {
		t.Fatal(err)
	}
	f4 := addFile(t, d, p.ID, "mau03", "phu-luc.pdf")
	if st, _ := itemState(t, d, p.ID, "mau03"); st != domain.ItemAccepted {
		t.Fatalf("accepted item after a file = %q", st)
	}
	for _, f := range []domain.ItemFile{f3, f4, f3b} {
		if _, err := d.DeleteFile(ctx, p.ID, f.ID); err != nil {
			t.Fatal(err)
		}
	}
	if files, _ := d.Files(ctx, p.ID, "mau03"); len(files) != 0 {
		t.Fatalf("%d files left, want 0", len(files))
	}
	if st, _ := itemState(t, d, p.ID, "mau03"); st != domain.ItemAccepted {
		t.Fatalf("accepted item without files = %q, want accepted", st)
	}

	// A paper item with no file stays paper; SetState upserts.
	if err := d.SetState(ctx, p.ID, "mau04", domain.ItemPaper, ""); err != nil {
		t.Fatal(err)
	}
	if err := d.SetState(ctx, p.ID, "mau04", domain.ItemMissing, ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := itemState(t, d, p.ID, "mau04"); st != domain.ItemMissing {
		t.Fatalf("state after upsert = %q", st)
	}
}

func TestDossierInvalidAndMissing(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	d := sqlite.NewDossierStore(db)
	p := newProduct(t, sqlite.NewProductStore(db), newSubject(t, db, "25459").ID, 2025)

	wantKind(t, d.SetState(ctx, p.ID, "mau01", "approved", ""), domain.KindInvalid)
	wantKind(t, d.SetState(ctx, p.ID, "", domain.ItemSent, ""), domain.KindInvalid)
	wantKind(t, d.SetState(ctx, 404, "mau01", domain.ItemSent, ""), domain.KindNotFound)
	wantKind(t, d.AddFile(ctx, &domain.ItemFile{ProductID: 404, ItemID: "mau01", Blob: sha("x")}), domain.KindNotFound)
	wantKind(t, d.AddFile(ctx, &domain.ItemFile{ProductID: p.ID, Blob: sha("x")}), domain.KindInvalid)
	wantKind(t, d.AddFile(ctx, &domain.ItemFile{ProductID: p.ID, ItemID: "mau01"}), domain.KindInvalid)
	_, err := d.Items(ctx, 404)
	wantKind(t, err, domain.KindNotFound)
	if files, err := d.Files(ctx, 404, "mau01"); err != nil || len(files) != 0 {
		t.Errorf("Files of a missing product = %v, %v", files, err)
	}
	if counts, err := d.FileCounts(ctx, p.ID); err != nil || len(counts) != 0 {
		t.Errorf("FileCounts of an empty dossier = %v, %v", counts, err)
	}
}

// A producer who forges (product, file) pairs in callback data reaches
// nothing of another producer's.
func TestDossierForgedFileIDs(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	products, d := sqlite.NewProductStore(db), sqlite.NewDossierStore(db)
	mine := newProduct(t, products, newSubject(t, db, "25459").ID, 2025)
	theirs := newProduct(t, products, newSubject(t, db, "25486").ID, 2025)
	myFile := addFile(t, d, mine.ID, "mau01", "mine.pdf")
	theirFile := addFile(t, d, theirs.ID, "mau01", "theirs.pdf")

	for _, c := range []struct {
		what              string
		productID, fileID int64
	}{
		{"their file under my product", mine.ID, theirFile.ID},
		{"my file under their product", theirs.ID, myFile.ID},
		{"a file that does not exist", mine.ID, theirFile.ID + 100},
		{"a product that does not exist", 404, theirFile.ID},
		{"negative ids", -1, -1},
		{"zero ids", 0, 0},
	} {
		if _, err := d.File(ctx, c.productID, c.fileID); domain.ErrorKind(err) != domain.KindNotFound {
			t.Errorf("%s: File: %v, want KindNotFound", c.what, err)
		}
		if n, err := d.DeleteFile(ctx, c.productID, c.fileID); n != 0 || domain.ErrorKind(err) != domain.KindNotFound {
			t.Errorf("%s: DeleteFile = %d, %v; want KindNotFound", c.what, n, err)
		}
	}
	for _, f := range []domain.ItemFile{myFile, theirFile} {
		files, err := d.Files(ctx, f.ProductID, "mau01")
		if err != nil || len(files) != 1 || files[0].ID != f.ID {
			t.Fatalf("files of product %d = %+v, %v; want file %d untouched", f.ProductID, files, err, f.ID)
		}
		if st, _ := itemState(t, d, f.ProductID, "mau01"); st != domain.ItemSent {
			t.Fatalf("item of product %d = %q, want sent", f.ProductID, st)
		}
	}
}
