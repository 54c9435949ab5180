package sqlite_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// impRow is a recognised product of an import file.
func impRow(line int, phone, subject, commune, product, cert string, score float64, stars int, issued time.Time) sqlite.ImportRow {
	r := sqlite.ImportRow{Line: line,
		Subject: domain.Subject{Kind: domain.KindCooperative, Name: subject, Phone: phone, CommuneCode: commune},
		Product: domain.Product{Name: product, Set: 6, Existing: true, Score: score, Stars: stars, Stage: domain.StageRecognised,
			Rulebook: "qd148-2023", CertRules: "qd148-2023", CertNo: cert, CertIssued: issued, CertExpires: issued.AddDate(3, 0, 0),
			Year: issued.Year()},
	}
	return r
}

func impCount(t *testing.T, db *sqlite.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func impBatch(t *testing.T, db *sqlite.DB, rows []sqlite.ImportRow) sqlite.ImportResult {
	t.Helper()
	res, err := sqlite.NewImportStore(db).ImportBatch(t.Context(), rows, sqlite.ImportOptions{ProvinceCode: "80"})
	if err != nil {
		t.Fatalf("ImportBatch: %v", err)
	}
	return res
}

func impWant(t *testing.T, res sqlite.ImportResult, created, updated, unchanged int) {
	t.Helper()
	if res.Created != created || res.Updated != updated || res.Unchanged != unchanged {
		t.Fatalf("result = %d created, %d updated, %d unchanged; want %d, %d, %d",
			res.Created, res.Updated, res.Unchanged, created, updated, unchanged)
	}
}

func TestImportBatchTwiceChangesNothing(t *testing.T) {
	db, _ := open(t, newClock())
	issued := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	rows := []sqlite.ImportRow{
		impRow(2, "+84912345678", "HTX Bánh tráng", "25708", "Bánh tráng phơi sương", "1/GCN", 65.5, 3, issued),
		impRow(3, "+84912345678", "HTX Bánh tráng", "25708", "Bánh tráng nướng", "2/GCN", 72, 4, issued),
		impRow(4, "", "Cơ sở Muối tôm", "25480", "Muối tôm", "", 62, 3, issued),
	}
	res := impBatch(t, db, rows)
	impWant(t, res, 3, 0, 0)
	if res.Rows[0].Product.Code != "80-25708-001-2024" || res.Rows[1].Product.Code != "80-25708-002-2024" || res.Rows[2].Product.Code != "80-25480-001-2024" {
		t.Errorf("codes %q %q %q", res.Rows[0].Product.Code, res.Rows[1].Product.Code, res.Rows[2].Product.Code)
	}
	products := sqlite.NewProductStore(db)
	p, err := products.Get(t.Context(), res.Rows[0].Product.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stage != domain.StageRecognised || p.Score != 65.5 || p.Stars != 3 || p.CertNo != "1/GCN" || !p.CertIssued.Equal(issued) ||
		p.CertRules != "qd148-2023" || p.CommuneCode != "25708" || !p.Existing {
		t.Errorf("stored %+v", p)
	}
	h, err := products.History(t.Context(), p.ID)
	if err != nil || len(h) != 1 || h[0].To != domain.StageRecognised || h[0].Reason != sqlite.ReasonImported || h[0].From != "" {
		t.Errorf("history %+v, %v", h, err)
	}
	sub, err := sqlite.NewSubjectStore(db).FindByPhone(t.Context(), "+84912345678")
	if err != nil || sub.Name != "HTX Bánh tráng" || sub.PhoneVerified {
		t.Errorf("subject %+v, %v", sub, err)
	}

	before := map[string]int{}
	for _, table := range []string{"subjects", "products", "stage_changes", "counters"} {
		before[table] = impCount(t, db, table)
	}
	impWant(t, impBatch(t, db, rows), 0, 0, 3)
	for table, n := range before {
		if got := impCount(t, db, table); got != n {
			t.Errorf("%s: %d rows after the second import, %d before", table, got, n)
		}
	}
	if before["subjects"] != 2 {
		t.Errorf("%d subjects, want 2", before["subjects"])
	}
}

func TestImportBatchUpdates(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	issued := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	row := impRow(2, "+84912345678", "HTX Bánh tráng", "25708", "Bánh tráng", "1/GCN", 65.5, 3, issued)
	row.Product.Craft = "Bánh tráng phơi sương"
	first := impBatch(t, db, []sqlite.ImportRow{row}).Rows[0].Product
	products := sqlite.NewProductStore(db)
	if first.Craft != "Bánh tráng phơi sương" {
		t.Errorf("created with craft %q", first.Craft)
	}
	if p, _ := products.Get(t.Context(), first.ID); p.Craft != "Bánh tráng phơi sương" {
		t.Errorf("stored craft %q", p.Craft)
	}

	// A new name for the same certificate: updated, no stage change.
	row.Product.Name = "Bánh tráng phơi sương"
	c.Advance(time.Hour)
	res := impBatch(t, db, []sqlite.ImportRow{row})
	impWant(t, res, 0, 1, 0)
	if h, _ := products.History(t.Context(), first.ID); len(h) != 1 {
		t.Errorf("a renamed product has %d stage changes, want 1", len(h))
	}
	// Upgraded to 4 stars with a new certificate, found by its name.
	row.Product.CertNo, row.Product.Score, row.Product.Stars = "9/GCN", 75, 4
	row.Product.CertIssued = issued.AddDate(1, 0, 0)
	row.Product.CertExpires = row.Product.CertIssued.AddDate(3, 0, 0)
	res = impBatch(t, db, []sqlite.ImportRow{row})
	impWant(t, res, 0, 1, 0)
	p, _ := products.Get(t.Context(), first.ID)
	if p.Code != first.Code || p.CertNo != "9/GCN" || p.Stars != 4 || p.Score != 75 || p.Name != "Bánh tráng phơi sương" {
		t.Errorf("updated %+v", p)
	}
	h, _ := products.History(t.Context(), first.ID)
	if len(h) != 2 || h[1].From != domain.StageRecognised || h[1].To != domain.StageRecognised || h[1].Reason != sqlite.ReasonImported {
		t.Errorf("history %+v", h)
	}
	impWant(t, impBatch(t, db, []sqlite.ImportRow{row}), 0, 0, 1)

	// The subject renamed: the row is updated.
	row.Subject.Name = "HTX Bánh tráng Trảng Bàng"
	impWant(t, impBatch(t, db, []sqlite.ImportRow{row}), 0, 1, 0)
	if n := impCount(t, db, "subjects"); n != 1 {
		t.Errorf("%d subjects, want 1", n)
	}

	// A craft given is written; a list without it keeps the stored one.
	row.Product.Craft = "Làm bánh tráng"
	impWant(t, impBatch(t, db, []sqlite.ImportRow{row}), 0, 1, 0)
	row.Product.Craft = ""
	impWant(t, impBatch(t, db, []sqlite.ImportRow{row}), 0, 0, 1)
	if p, _ := products.Get(t.Context(), first.ID); p.Craft != "Làm bánh tráng" {
		t.Errorf("craft %q after a list without it, want kept", p.Craft)
	}
	// «không»: cleared.
	row.NoCraft = true
	impWant(t, impBatch(t, db, []sqlite.ImportRow{row}), 0, 1, 0)
	if p, _ := products.Get(t.Context(), first.ID); p.Craft != "" {
		t.Errorf("craft %q after «không», want none", p.Craft)
	}
	impWant(t, impBatch(t, db, []sqlite.ImportRow{row}), 0, 0, 1)
	row.NoCraft = false

	// A product that moved on since (re-evaluation) keeps its stage when
	// the file says the same again.
	if _, err := products.MoveStage(t.Context(), first.ID, domain.StageRecognised, domain.StageReevaluation, 0, "", nil); err != nil {
		t.Fatal(err)
	}
	impWant(t, impBatch(t, db, []sqlite.ImportRow{row}), 0, 0, 1)
	if p, _ := products.Get(t.Context(), first.ID); p.Stage != domain.StageReevaluation {
		t.Errorf("stage %q after a re-import, want %q", p.Stage, domain.StageReevaluation)
	}
}

// Subjects and products registered through the bot are found, not doubled.
func TestImportBatchFindsRegistered(t *testing.T) {
	db, _ := open(t, newClock())
	subjects, products := sqlite.NewSubjectStore(db), sqlite.NewProductStore(db)
	sub := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Mật ong Bảo An", Phone: "+84911111111", PhoneVerified: true, CommuneCode: "25657"}
	if err := subjects.Create(t.Context(), &sub); err != nil {
		t.Fatal(err)
	}
	idea := domain.Product{SubjectID: sub.ID, Name: "Mật ong Bảo An", Set: 4, Rulebook: "qd26-2026"}
	if err := products.Create(t.Context(), &idea, "", "80"); err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2025, 10, 10, 0, 0, 0, 0, time.UTC)
	// Another phone, the name without diacritics: the same subject by name
	// and commune; its confirmed phone is kept.
	row := impRow(2, "+84922222222", "HTX MAT ONG BAO AN", "25657", "mật ong bảo an", "302/GCN", 72, 4, issued)
	row.Subject.Name = "HTX Mật ong Bảo An"
	res := impBatch(t, db, []sqlite.ImportRow{row})
	impWant(t, res, 0, 1, 0)
	if res.Rows[0].Product.ID != idea.ID {
		t.Errorf("product %d, want the registered %d", res.Rows[0].Product.ID, idea.ID)
	}
	got, _ := subjects.Get(t.Context(), sub.ID)
	if got.Phone != "+84911111111" || !got.PhoneVerified {
		t.Errorf("subject %+v: the confirmed phone must stay", got)
	}
	p, _ := products.Get(t.Context(), idea.ID)
	if p.Stage != domain.StageRecognised || p.Rulebook != "qd26-2026" || p.CertRules != "qd148-2023" || p.Name != "mật ong bảo an" {
		t.Errorf("product %+v", p)
	}
	h, _ := products.History(t.Context(), idea.ID)
	if len(h) != 2 || h[1].From != domain.StageIdea || h[1].To != domain.StageRecognised {
		t.Errorf("history %+v", h)
	}
	impWant(t, impBatch(t, db, []sqlite.ImportRow{row}), 0, 0, 1)
	if n := impCount(t, db, "subjects"); n != 1 {
		t.Errorf("%d subjects, want 1", n)
	}
}

func TestImportBatchAllOrNothing(t *testing.T) {
	db, _ := open(t, newClock())
	issued := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	good := impRow(2, "+84912345678", "HTX A", "25708", "Bánh tráng", "1/GCN", 65.5, 3, issued)
	bad := impRow(3, "", "HTX B", "25708", "Nem", "", 70, 4, issued)
	bad.Subject.Kind = ""
	_, err := sqlite.NewImportStore(db).ImportBatch(t.Context(), []sqlite.ImportRow{good, bad}, sqlite.ImportOptions{ProvinceCode: "80"})
	wantKind(t, err, domain.KindInvalid)

	// A dry run says what would happen and keeps nothing.
	res, err := sqlite.NewImportStore(db).ImportBatch(t.Context(), []sqlite.ImportRow{good}, sqlite.ImportOptions{ProvinceCode: "80", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	impWant(t, res, 1, 0, 0)

	// A failure inside the transaction, after a row was written: nothing
	// stays.
	if _, err := db.SQL().ExecContext(t.Context(), `CREATE TRIGGER fail_import BEFORE INSERT ON products
WHEN NEW.name = 'FAIL' BEGIN SELECT RAISE(ABORT, 'refused'); END`); err != nil {
		t.Fatal(err)
	}
	failing := impRow(3, "", "HTX B", "25480", "FAIL", "2/GCN", 70, 4, issued)
	if _, err := sqlite.NewImportStore(db).ImportBatch(t.Context(), []sqlite.ImportRow{good, failing}, sqlite.ImportOptions{ProvinceCode: "80"}); err == nil {
		t.Fatal("the failing import succeeded")
	}
	for _, table := range []string{"subjects", "products", "stage_changes", "counters"} {
		if n := impCount(t, db, table); n != 0 {
			t.Errorf("%s has %d rows after failed imports", table, n)
		}
	}
}

// TestPastFiguresCountImportedSubjects: a subject imported today with a
// certificate of 2024 existed at the end of 2025 (the plan's last day):
// the figures of that day count it, where its row's creation (today) would
// not. A subject registered today with nothing before stays out.
func TestPastFiguresCountImportedSubjects(t *testing.T) {
	c := newClock() // 1/7/2025
	db, _ := open(t, c)
	impBatch(t, db, []sqlite.ImportRow{
		impRow(2, "+84912345678", "HTX Bánh tráng", "25708", "Bánh tráng phơi sương", "1/GCN", 65.5, 3, time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)),
	})
	fresh := domain.Subject{Kind: domain.KindSME, Name: "Công ty mới", Phone: "+84913000111", CommuneCode: "25708"}
	if err := sqlite.NewSubjectStore(db).Create(t.Context(), &fresh); err != nil {
		t.Fatal(err)
	}
	figures := sqlite.NewFigureStore(db)
	for _, tc := range []struct {
		day                 time.Time
		subjects, coops, sm int
	}{
		{time.Date(2024, 12, 31, 12, 0, 0, 0, time.UTC), 1, 1, 0}, // the imported one, certified in January 2024
		{time.Date(2023, 12, 31, 12, 0, 0, 0, time.UTC), 0, 0, 0}, // before its certificate
		{c.Now(), 2, 1, 1}, // today: both
	} {
		got, err := figures.Counts(t.Context(), []domain.Area{{All: true}}, tc.day)
		if err != nil {
			t.Fatal(err)
		}
		if g := got[0]; g.Subjects != tc.subjects || g.Cooperatives != tc.coops || g.SMEs != tc.sm {
			t.Errorf("as of %s: %d subjects, %d cooperatives, %d SMEs; want %d, %d, %d",
				tc.day.Format(time.DateOnly), g.Subjects, g.Cooperatives, g.SMEs, tc.subjects, tc.coops, tc.sm)
		}
	}
}

// A row whose phone is that of a subject registered through the bot under
// another name does not rename it: the import is refused with every such
// row, nothing saved. Not registered through the bot, the list wins.
func TestImportBatchDoesNotTakeOverARegisteredSubject(t *testing.T) {
	db, _ := open(t, newClock())
	ctx := t.Context()
	subjects, users := sqlite.NewSubjectStore(db), sqlite.NewUserStore(db)
	sub := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Xoài Bình Minh", Phone: "+84912345678", PhoneVerified: true, CommuneCode: "25480"}
	if err := subjects.Create(ctx, &sub); err != nil {
		t.Fatal(err)
	}
	u, err := users.Touch(ctx, "zalo", "78", "", "A")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(ctx, u.ID, sub.ID); err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	rows := []sqlite.ImportRow{
		impRow(2, "+84912345678", "HTX Bánh tráng Trảng Bàng", "25708", "Bánh tráng", "1/GCN", 65.5, 3, issued),
		impRow(3, "+84987654321", "Cơ sở Muối tôm", "25480", "Muối tôm", "2/GCN", 62, 3, issued),
	}
	_, err = sqlite.NewImportStore(db).ImportBatch(ctx, rows, sqlite.ImportOptions{ProvinceCode: "80"})
	var conflicts *sqlite.ImportConflicts
	if !errors.As(err, &conflicts) || len(conflicts.Rows) != 1 || conflicts.Rows[0] != (sqlite.ImportConflict{Line: 2, Phone: "+84912345678", Stored: "HTX Xoài Bình Minh", Name: "HTX Bánh tráng Trảng Bàng"}) {
		t.Fatalf("ImportBatch = %v, want the conflict of row 2", err)
	}
	if got, _ := subjects.Get(ctx, sub.ID); got.Name != sub.Name || got.CommuneCode != sub.CommuneCode {
		t.Errorf("the registered subject changed: %+v", got)
	}
	if n := impCount(t, db, "products"); n != 0 {
		t.Errorf("%d products saved by a refused import", n)
	}
	// The same name written otherwise (case, diacritics): the same subject,
	// its name as the producer gave it.
	rows[0].Subject.Name, rows[0].Subject.CommuneCode = "HTX XOAI BINH MINH", "25480"
	impWant(t, impBatch(t, db, rows), 2, 0, 0)
	if got, _ := subjects.Get(ctx, sub.ID); got.Name != "HTX Xoài Bình Minh" {
		t.Errorf("the registered name became %q", got.Name)
	}
}
