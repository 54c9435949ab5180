package sqlite_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

const province = "TNI"

func newSubject(t *testing.T, db *sqlite.DB, commune string) domain.Subject {
	t.Helper()
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX " + commune, CommuneCode: commune}
	if err := sqlite.NewSubjectStore(db).Create(t.Context(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func newProduct(t *testing.T, products *sqlite.ProductStore, subjectID int64, year int) domain.Product {
	t.Helper()
	p := domain.Product{SubjectID: subjectID, Name: "Muối tôm", Set: 1, Year: year}
	if err := products.Create(t.Context(), &p, "", province); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return p
}

func TestProductRoundTrip(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, path := open(t, c)
	products := sqlite.NewProductStore(db)
	sub := newSubject(t, db, "25459")

	p := domain.Product{
		SubjectID:    sub.ID,
		Name:         "Bánh tráng phơi sương'); DROP TABLE products;--",
		Set:          3,
		Existing:     true,
		Craft:        "Làng nghề bánh tráng Trảng Bàng",
		RawArea:      true,
		RawAreaWhere: "Ấp Lộc Thuận",
		Circular:     true,
		Rulebook:     "qd148-2023",
		Year:         2025,
	}
	if err := products.Create(ctx, &p, "25459", province); err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.Serial != 1 || p.Code != "TNI-25459-001-2025" || p.Stage != domain.StageIdea {
		t.Fatalf("Create set ID %d, Serial %d, Code %q, Stage %q", p.ID, p.Serial, p.Code, p.Stage)
	}
	if !p.CreatedAt.Equal(c.Now()) || !p.UpdatedAt.Equal(c.Now()) {
		t.Errorf("CreatedAt %v, UpdatedAt %v; want %v", p.CreatedAt, p.UpdatedAt, c.Now())
	}
	got, err := products.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("Get = %+v\nwant  %+v", got, p)
	}

	// Update stores the editable fields only.
	c.Advance(time.Hour)
	edit := got
	edit.Name, edit.Set, edit.Existing, edit.Craft = "Bánh tráng", 4, false, ""
	edit.RawArea, edit.RawAreaWhere, edit.Circular = false, "", false
	edit.Stage, edit.Code, edit.Score, edit.ReceiptNo = domain.StageRecognised, "forged", 99, "1/PĐK"
	if err := products.Update(ctx, &edit); err != nil {
		t.Fatal(err)
	}
	if !edit.UpdatedAt.Equal(c.Now()) {
		t.Errorf("UpdatedAt = %v, want %v", edit.UpdatedAt, c.Now())
	}
	got, err = products.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := p
	want.Name, want.Set, want.Existing, want.Craft = "Bánh tráng", 4, false, ""
	want.RawArea, want.RawAreaWhere, want.Circular = false, "", false
	want.UpdatedAt = c.Now()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after Update Get = %+v\nwant  %+v", got, want)
	}

	// Survives reopening.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2 := reopen(t, path, c)
	if got, err := sqlite.NewProductStore(db2).Get(ctx, p.ID); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen Get = %+v, %v", got, err)
	}
}

func TestProductNotFoundAndInvalid(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	products := sqlite.NewProductStore(db)

	_, err := products.Get(ctx, 404)
	wantKind(t, err, domain.KindNotFound)
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Get of a missing product: %v, want ErrNotFound", err)
	}
	wantKind(t, products.Update(ctx, &domain.Product{ID: 404, Name: "x"}), domain.KindNotFound)
	wantKind(t, products.Delete(ctx, 404), domain.KindNotFound)
	_, err = products.MoveStage(ctx, 404, domain.StageIdea, domain.StagePreparing, 0, "", nil)
	wantKind(t, err, domain.KindNotFound)

	p := domain.Product{SubjectID: 404, Name: "x"}
	wantKind(t, products.Create(ctx, &p, "25459", province), domain.KindNotFound)
	if p.ID != 0 || p.Code != "" {
		t.Errorf("a failed Create set ID %d, Code %q", p.ID, p.Code)
	}
	sub := newSubject(t, db, "")
	wantKind(t, products.Create(ctx, &domain.Product{SubjectID: sub.ID, Name: "x"}, "", province), domain.KindInvalid)
	wantKind(t, products.Create(ctx, &domain.Product{SubjectID: sub.ID, Name: "x"}, "25459", ""), domain.KindInvalid)
	// A failed Create takes no serial.
	ok := newProduct(t, products, newSubject(t, db, "25459").ID, 2025)
	if ok.Serial != 1 {
		t.Errorf("Serial after failed Creates = %d, want 1", ok.Serial)
	}
	if ps, err := products.ListBySubject(ctx, 404); err != nil || len(ps) != 0 {
		t.Errorf("ListBySubject of a missing subject = %v, %v", ps, err)
	}
}

func TestProductCodesPerCommuneAndYear(t *testing.T) {
	ctx := t.Context()
	c := newClock() // 2025
	db, _ := open(t, c)
	products := sqlite.NewProductStore(db)
	a1, a2 := newSubject(t, db, "25459"), newSubject(t, db, "25459")
	b := newSubject(t, db, "25486")

	var codes []string
	add := func(sub domain.Subject, year int) {
		p := domain.Product{SubjectID: sub.ID, Name: "x", Year: year}
		if err := products.Create(ctx, &p, "", province); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%s-%s-%03d-%d", province, sub.CommuneCode, p.Serial, p.Year); p.Code != want {
			t.Errorf("Code %q, want %q", p.Code, want)
		}
		codes = append(codes, p.Code)
	}
	add(a1, 0) // the clock's year
	add(a2, 2025)
	add(b, 2025)
	add(a1, 2026)
	add(b, 2026)
	add(a2, 2025)
	add(b, 2026)
	want := []string{
		"TNI-25459-001-2025", "TNI-25459-002-2025", "TNI-25486-001-2025",
		"TNI-25459-001-2026", "TNI-25486-001-2026", "TNI-25459-003-2025", "TNI-25486-002-2026",
	}
	if !reflect.DeepEqual(codes, want) {
		t.Fatalf("codes %v\nwant  %v", codes, want)
	}

	// The commune passed wins over the subject's (the caller copied it).
	p := domain.Product{SubjectID: a1.ID, Name: "x", Year: 2025}
	if err := products.Create(ctx, &p, "25486", province); err != nil || p.Code != "TNI-25486-002-2025" {
		t.Fatalf("Create with a commune = %q, %v", p.Code, err)
	}

	// Serials beyond 999 keep counting.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE counters SET value = 999 WHERE name LIKE '%25486:2026'`); err != nil {
		t.Fatal(err)
	}
	p = domain.Product{SubjectID: b.ID, Name: "x", Year: 2026}
	if err := products.Create(ctx, &p, "", province); err != nil || p.Code != "TNI-25486-1000-2026" {
		t.Fatalf("1000th product = %q, %v", p.Code, err)
	}

	ps, err := products.ListBySubject(ctx, a1.ID)
	if err != nil || len(ps) != 3 {
		t.Fatalf("ListBySubject = %d products, %v; want 3", len(ps), err)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i-1].ID >= ps[i].ID {
			t.Errorf("ListBySubject not ordered by id: %d before %d", ps[i-1].ID, ps[i].ID)
		}
	}
}

func TestProductConcurrentCreate(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	products := sqlite.NewProductStore(db)
	sub := newSubject(t, db, "25459")

	const n = 10
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		seen  = make(map[int]string)
		codes = make(map[string]bool)
	)
	for range n {
		wg.Go(func() {
			p := domain.Product{SubjectID: sub.ID, Name: "x", Year: 2025}
			if err := products.Create(ctx, &p, "", province); err != nil {
				t.Errorf("Create: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if prev, dup := seen[p.Serial]; dup {
				t.Errorf("serial %d given twice (%s, %s)", p.Serial, prev, p.Code)
			}
			seen[p.Serial], codes[p.Code] = p.Code, true
		})
	}
	wg.Wait()
	for i := 1; i <= n; i++ {
		if _, ok := seen[i]; !ok {
			t.Errorf("serial %d not given; serials %v", i, seen)
		}
	}
	if len(codes) != n {
		t.Errorf("%d distinct codes, want %d", len(codes), n)
	}
}

func TestMoveStage(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	products := sqlite.NewProductStore(db)
	sub := newSubject(t, db, "25459")
	p := newProduct(t, products, sub.ID, 2025)
	created := c.Now()

	c.Advance(time.Hour)
	moved, err := products.MoveStage(ctx, p.ID, domain.StageIdea, domain.StagePreparing, 7, "bắt đầu", nil)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Stage != domain.StagePreparing || !moved.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("MoveStage = stage %q, updated %v", moved.Stage, moved.UpdatedAt)
	}

	// A move from a stage the product is no longer in is a conflict and
	// changes nothing; apply is not called.
	_, err = products.MoveStage(ctx, p.ID, domain.StageIdea, domain.StageFiled, 7, "", func(*domain.Product, domain.Move) error {
		t.Error("apply called on a stale move")
		return nil
	})
	wantKind(t, err, domain.KindConflict)

	// Submission takes a receipt number inside the move.
	c.Advance(time.Hour)
	submit := func(id int64, from domain.Stage) (domain.Product, error) {
		return products.MoveStage(ctx, id, from, domain.StageFiled, 7, "", func(p *domain.Product, m domain.Move) error {
			n, err := m.NextReceiptSerial(2025)
			if err != nil {
				return err
			}
			p.ReceiptNo = fmt.Sprintf("%d/PĐK-%s-%s-%d", n, province, m.CommuneCode(), 2025)
			p.SubmittedAt = c.Now().In(time.FixedZone("ICT", 7*3600))
			p.Stage = domain.StageRecognised // ignored: the move decides the stage
			return nil
		})
	}
	filed, err := submit(p.ID, domain.StagePreparing)
	if err != nil {
		t.Fatal(err)
	}
	if filed.Stage != domain.StageFiled || filed.ReceiptNo != "1/PĐK-TNI-25459-2025" || !filed.SubmittedAt.Equal(c.Now()) {
		t.Fatalf("submitted: stage %q, receipt %q, at %v", filed.Stage, filed.ReceiptNo, filed.SubmittedAt)
	}
	got, err := products.Get(ctx, p.ID)
	if err != nil || !reflect.DeepEqual(got, filed) {
		t.Fatalf("Get after submit = %+v, %v\nwant %+v", got, err, filed)
	}

	// An error from apply cancels the move and takes no receipt number.
	q := newProduct(t, products, sub.ID, 2025)
	if _, err := products.MoveStage(ctx, q.ID, domain.StageIdea, domain.StagePreparing, 7, "", nil); err != nil {
		t.Fatal(err)
	}
	refused := domain.Invalid("dossier.submit", "dossier.incomplete")
	_, err = products.MoveStage(ctx, q.ID, domain.StagePreparing, domain.StageFiled, 7, "", func(p *domain.Product, m domain.Move) error {
		if _, err := m.NextReceiptSerial(2025); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("MoveStage with a failing apply: %v, want the apply's error", err)
	}
	if got, _ := products.Get(ctx, q.ID); got.Stage != domain.StagePreparing || got.ReceiptNo != "" {
		t.Fatalf("after a cancelled move: stage %q, receipt %q", got.Stage, got.ReceiptNo)
	}
	filedQ, err := submit(q.ID, domain.StagePreparing)
	if err != nil || filedQ.ReceiptNo != "2/PĐK-TNI-25459-2025" {
		t.Fatalf("second submission = %q, %v; want receipt 2 (no gap)", filedQ.ReceiptNo, err)
	}

	// Withdrawal clears the receipt; recognition sets score and certificate.
	c.Advance(time.Hour)
	withdrawn, err := products.MoveStage(ctx, p.ID, domain.StageFiled, domain.StagePreparing, 7, "rút hồ sơ", func(p *domain.Product, _ domain.Move) error {
		p.ReceiptNo, p.SubmittedAt = "", time.Time{}
		return nil
	})
	if err != nil || withdrawn.ReceiptNo != "" || !withdrawn.SubmittedAt.IsZero() {
		t.Fatalf("withdrawn = %+v, %v", withdrawn, err)
	}
	issued := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	cert, err := products.MoveStage(ctx, q.ID, domain.StageFiled, domain.StageRecognised, 9, "hội đồng tỉnh", func(p *domain.Product, _ domain.Move) error {
		p.Score, p.Stars, p.CertNo, p.CertRules = 72.5, 4, "123/QĐ-UBND", "qd148-2023"
		p.CertIssued, p.CertExpires = issued, issued.AddDate(3, 0, 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := products.Get(ctx, q.ID); !reflect.DeepEqual(got, cert) || got.Score != 72.5 || got.Stars != 4 {
		t.Fatalf("Get after recognition = %+v\nwant %+v", got, cert)
	}

	hist, err := products.History(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantHist := []domain.StageChange{
		{ProductID: p.ID, From: "", To: domain.StageIdea, By: 0, At: created},
		{ProductID: p.ID, From: domain.StageIdea, To: domain.StagePreparing, By: 7, Reason: "bắt đầu", At: created.Add(time.Hour)},
		{ProductID: p.ID, From: domain.StagePreparing, To: domain.StageFiled, By: 7, At: created.Add(2 * time.Hour)},
		{ProductID: p.ID, From: domain.StageFiled, To: domain.StagePreparing, By: 7, Reason: "rút hồ sơ", At: created.Add(3 * time.Hour)},
	}
	if !reflect.DeepEqual(hist, wantHist) {
		t.Fatalf("History = %+v\nwant %+v", hist, wantHist)
	}

	wantKind(t, func() error {
		_, err := products.MoveStage(ctx, p.ID, domain.StagePreparing, "", 0, "", nil)
		return err
	}(), domain.KindInvalid)
}

func TestMoveStageRace(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	products := sqlite.NewProductStore(db)
	p := newProduct(t, products, newSubject(t, db, "25459").ID, 2025)

	// Two officers act on the same product at once: one wins.
	const n = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		won      int
		conflict int
	)
	for i := range n {
		wg.Go(func() {
			_, err := products.MoveStage(ctx, p.ID, domain.StageIdea, domain.StagePreparing, int64(i+1), "", nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case domain.ErrorKind(err) == domain.KindConflict:
				conflict++
			default:
				t.Errorf("MoveStage: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || conflict != n-1 {
		t.Fatalf("%d won, %d conflicts; want 1, %d", won, conflict, n-1)
	}
	if hist, _ := products.History(ctx, p.ID); len(hist) != 2 {
		t.Fatalf("%d history rows, want 2", len(hist))
	}
}

func TestListForReminders(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	products := sqlite.NewProductStore(db)
	sub := newSubject(t, db, "25459")
	other := newSubject(t, db, "25486")
	expires := time.Date(2028, 12, 1, 0, 0, 0, 0, time.UTC)

	var want []int64
	var rulebook string // the rulebook the products are under
	for _, c := range []struct {
		sub     domain.Subject
		stage   domain.Stage
		expires time.Time
		listed  bool
	}{
		{sub, domain.StageIdea, time.Time{}, true},
		{sub, domain.StagePreparing, time.Time{}, true},
		{other, domain.StageReturned, time.Time{}, true},
		{sub, domain.StageFiled, time.Time{}, false},
		{sub, domain.StageProvince, time.Time{}, false},
		{other, domain.StageRecognised, expires, true},
		{sub, domain.StageRecognised, time.Time{}, false}, // no expiry known
		{sub, domain.StageExpired, expires, false},
		{sub, domain.StageFailed, time.Time{}, false},
	} {
		p := domain.Product{SubjectID: c.sub.ID, Name: string(c.stage), Stage: c.stage, CertExpires: c.expires}
		if err := products.Create(ctx, &p, "", province); err != nil {
			t.Fatal(err)
		}
		if c.listed {
			want = append(want, p.ID)
		}
		rulebook = p.Rulebook
	}
	books := []string{rulebook}
	around := [][2]time.Time{{expires.AddDate(0, 0, -1), expires.AddDate(0, 0, 1)}}
	ps, err := products.ListForReminders(ctx, books, around)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, p := range ps {
		got = append(got, p.ID)
		if p.SubjectID == 0 {
			t.Errorf("product %d without SubjectID", p.ID)
		}
		if p.Stage == domain.StageRecognised && !p.CertExpires.Equal(expires) {
			t.Errorf("product %d CertExpires %v", p.ID, p.CertExpires)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ListForReminders = %v, want %v", got, want)
	}

	// Narrowed: another rulebook's dossiers, and certificates expiring
	// outside the ranges, are left out.
	if ps, err := products.ListForReminders(ctx, []string{"other"}, [][2]time.Time{{expires.AddDate(0, 0, 1), expires.AddDate(0, 0, 9)}}); err != nil || len(ps) != 0 {
		t.Fatalf("narrowed to nothing: %d products (%v)", len(ps), err)
	}
	if ps, err := products.ListForReminders(ctx, nil, around); err != nil || len(ps) != 1 || ps[0].Stage != domain.StageRecognised {
		t.Fatalf("the certificates only: %+v (%v)", ps, err)
	}
}

func TestProductCascadeDelete(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	products, dossiers := sqlite.NewProductStore(db), sqlite.NewDossierStore(db)
	sub := newSubject(t, db, "25459")
	p := newProduct(t, products, sub.ID, 2025)
	keep := newProduct(t, products, sub.ID, 2025)
	for _, id := range []int64{p.ID, keep.ID} {
		if _, err := products.MoveStage(ctx, id, domain.StageIdea, domain.StagePreparing, 1, "", nil); err != nil {
			t.Fatal(err)
		}
		if err := dossiers.AddFile(ctx, &domain.ItemFile{ProductID: id, ItemID: "mau01", Blob: sha("a")}); err != nil {
			t.Fatal(err)
		}
		if err := dossiers.SetState(ctx, id, "mau02", domain.ItemPaper, ""); err != nil {
			t.Fatal(err)
		}
	}
	count := func(table string, id int64) int {
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE product_id = ?`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tables := []string{"dossier_items", "item_files", "stage_changes"}

	if err := products.Delete(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, func() error { _, err := products.Get(ctx, p.ID); return err }(), domain.KindNotFound)
	for _, table := range tables {
		if n := count(table, p.ID); n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
		if n := count(table, keep.ID); n == 0 {
			t.Errorf("the other product's %s rows deleted", table)
		}
	}

	// Deleting the subject deletes its products and all that hangs on them.
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM subjects WHERE id = ?`, sub.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, func() error { _, err := products.Get(ctx, keep.ID); return err }(), domain.KindNotFound)
	for _, table := range tables {
		if n := count(table, keep.ID); n != 0 {
			t.Errorf("%d rows left in %s after the subject was deleted", n, table)
		}
	}
}

// sha returns a well-formed blob name for s.
func sha(s string) string { return fmt.Sprintf("%064x", []byte(s)) }
