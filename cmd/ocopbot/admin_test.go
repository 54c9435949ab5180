package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/report"
	"github.com/ocop-tayninh/ocopbot/storage/blob"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// admin runs the binary's run() for an admin command with DB_PATH in dir.
type admin struct {
	t   *testing.T
	env map[string]string
}

func newAdmin(t *testing.T) *admin {
	return &admin{t: t, env: map[string]string{"DB_PATH": filepath.Join(t.TempDir(), "data", "ocop.db")}}
}

// run returns stdout, stderr and the error of "ocopbot args...".
func (a *admin) run(args ...string) (string, string, error) {
	a.t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"ocopbot"}, args...), func(k string) string { return a.env[k] },
		strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// ok runs a command that must succeed and returns its output.
func (a *admin) ok(args ...string) string {
	a.t.Helper()
	out, errOut, err := a.run(args...)
	if err != nil {
		a.t.Fatalf("ocopbot %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func (a *admin) db() *sqlite.DB {
	a.t.Helper()
	db, err := sqlite.Open(context.Background(), a.env["DB_PATH"], time.Now)
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() { db.Close() })
	return db
}

// dump lists the subjects and products with every imported field, to
// compare the database before and after.
func dump(t *testing.T, db *sqlite.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, kind, name, phone, commune_code, updated_at FROM subjects ORDER BY id`,
		`SELECT id, subject_id, code, name, set_id, stage, rulebook, coalesce(score, 0), stars, cert_no,
			coalesce(cert_issued, 0), coalesce(cert_expires, 0), cert_rules, updated_at FROM products ORDER BY id`,
		`SELECT product_id, from_stage, to_stage, reason FROM stage_changes ORDER BY id`,
	} {
		rows, err := db.SQL().QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func example(name string) string { return filepath.Join("..", "..", "testdata", name) }

func TestImportCommand(t *testing.T) {
	a := newAdmin(t)
	out := a.ok("import", example("import-example.csv"))
	if !strings.Contains(out, "8 mới, 0 cập nhật, 0 không đổi") || !strings.Contains(out, "Dòng 2: thêm sản phẩm 80-25708-001-2024 «Bánh tráng phơi sương Trảng Bàng»") {
		t.Fatalf("first import:\n%s", out)
	}
	db := a.db()
	before := dump(t, db)

	// Twice: nothing changes. The workbook holds the same rows.
	for _, f := range []string{"import-example.csv", "import-example.xlsx"} {
		out = a.ok("import", example(f))
		if !strings.Contains(out, "0 mới, 0 cập nhật, 8 không đổi") {
			t.Errorf("%s again:\n%s", f, out)
		}
		if after := dump(t, db); after != before {
			t.Errorf("importing %s again changed the database:\n%s\nwas:\n%s", f, after, before)
		}
	}

	// A changed row updates its product, and says so.
	csv, err := os.ReadFile(example("import-example.csv"))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(csv), `"65,5",3,123/QĐ-UBND`, `"72,5",4,123/QĐ-UBND`, 1)
	changedFile := filepath.Join(t.TempDir(), "changed.csv")
	if err := os.WriteFile(changedFile, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	// A dry run says it and saves nothing.
	out = a.ok("import", "-dry-run", changedFile)
	if !strings.Contains(out, "Chạy thử") || !strings.Contains(out, "0 mới, 1 cập nhật, 7 không đổi") || dump(t, db) != before {
		t.Errorf("dry run:\n%s", out)
	}
	out = a.ok("import", changedFile, "-lang", "en")
	if !strings.Contains(out, "Row 2: updated product 80-25708-001-2024") || !strings.Contains(out, "0 created, 1 updated, 7 unchanged") {
		t.Errorf("changed row:\n%s", out)
	}
	p, err := sqlite.NewProductStore(db).Get(t.Context(), 1)
	if err != nil || p.Score != 72.5 || p.Stars != 4 {
		t.Errorf("product 1 = %+v, %v", p, err)
	}
	h, _ := sqlite.NewProductStore(db).History(t.Context(), 1)
	if len(h) != 2 || h[1].Reason != sqlite.ReasonImported {
		t.Errorf("history %+v", h)
	}

	// A file with bad rows is rejected whole, with row numbers and reasons.
	before = dump(t, db)
	bad := strings.Replace(changed, "0978 000 111", "0276 3822 111", 1) // row 5: a landline
	bad = strings.Replace(bad, "Phường Tân Ninh", "Gò Dầu", 1)          // row 8: a commune and a district
	bad = strings.Replace(bad, `"78,5",4`, `"78,5",5`, 1)               // row 7: stars above the band
	bad = strings.Replace(bad, "Muối tôm Tây Ninh", "Muối tôm ớt", 1)   // row 3: a good change, not imported
	badFile := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(badFile, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := a.run("import", badFile)
	if err == nil || !strings.Contains(err.Error(), "bị từ chối") || !strings.Contains(err.Error(), "3 lỗi") {
		t.Fatalf("bad file: err = %v\n%s", err, out)
	}
	for _, want := range []string{
		"Dòng 5, cột «Số điện thoại»: «0276 3822 111» không phải số di động",
		"Dòng 7, cột «Hạng sao»: 5 sao cao hơn hạng của 78,5 điểm (tối đa 4 sao).",
		"Dòng 8, cột «Xã/phường»: «Gò Dầu» có thể là: Phường Gò Dầu (25654)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if after := dump(t, db); after != before {
		t.Errorf("a rejected file changed the database")
	}

	// Wrong use.
	for _, args := range [][]string{{"import"}, {"import", "a.csv", "b.csv"}} {
		if _, _, err := a.run(args...); err == nil || !strings.Contains(err.Error(), "ocopbot import") {
			t.Errorf("%q: %v", args, err)
		}
	}
	if _, _, err := a.run("import", filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Error("importing a missing file succeeded")
	}
	if _, _, err := a.run("import", "-lang", "fr", changedFile); err == nil {
		t.Error("-lang fr was accepted")
	}
	a.env["PROVINCE_CODE"] = "8"
	if _, _, err := a.run("import", changedFile); err == nil || !strings.Contains(err.Error(), "PROVINCE_CODE") {
		t.Errorf("a bad PROVINCE_CODE: %v", err)
	}
}

// The flags of the bot's configuration work for the admin commands.
func TestImportCommandFlags(t *testing.T) {
	a := newAdmin(t)
	db := filepath.Join(t.TempDir(), "other.db")
	out := a.ok("import", "-db", db, "-province-code", "72", example("import-example.xlsx"))
	if !strings.Contains(out, "8 mới") || !strings.Contains(out, "72-25708-001-2024") {
		t.Errorf("output:\n%s", out)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("-db was not used: %v", err)
	}
	if _, err := os.Stat(a.env["DB_PATH"]); err == nil {
		t.Error("DB_PATH was used despite -db")
	}
}

func TestBackupCommand(t *testing.T) {
	a := newAdmin(t)
	a.ok("import", example("import-example.csv"))
	db := a.db()
	// Files as the bot keeps them: in "files" beside the database.
	blobs, err := blob.Open(filepath.Join(filepath.Dir(a.env["DB_PATH"]), "files"))
	if err != nil {
		t.Fatal(err)
	}
	dossiers := sqlite.NewDossierStore(db)
	for i := range 5 {
		sum, size, err := blobs.Put(strings.NewReader(fmt.Sprintf("%%PDF mẫu %d", i)), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		f := domain.ItemFile{ProductID: 1, ItemID: "mau01", Blob: sum, Name: fmt.Sprintf("mau01-%d.pdf", i), MIME: "application/pdf", Size: size}
		if err := dossiers.AddFile(t.Context(), &f); err != nil {
			t.Fatal(err)
		}
	}

	// The bot goes on writing (subjects, files and their rows) during the
	// backup.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		subjects := sqlite.NewSubjectStore(db)
		for i := 0; ctx.Err() == nil; i++ {
			s := domain.Subject{Kind: domain.KindFarm, Name: fmt.Sprintf("Trang trại %d", i), CommuneCode: "25480"}
			if err := subjects.Create(context.Background(), &s); err != nil {
				t.Error(err)
				return
			}
			sum, size, err := blobs.Put(strings.NewReader(fmt.Sprintf("ảnh %d", i)), 1<<20)
			if err != nil {
				t.Error(err)
				return
			}
			f := domain.ItemFile{ProductID: 2, ItemID: "mau02", Blob: sum, Name: "anh.jpg", Size: size}
			if err := dossiers.AddFile(context.Background(), &f); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	dir := filepath.Join(t.TempDir(), "backups")
	out := a.ok("backup", dir)
	stop()
	wg.Wait()
	if !strings.Contains(out, "Đã sao lưu vào "+filepath.Join(dir, "ocop-")) {
		t.Fatalf("output:\n%s", out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "ocop-") {
		t.Fatalf("backup directory: %v, %v", entries, err)
	}
	copyDir := filepath.Join(dir, entries[0].Name())
	if _, err := time.Parse("ocop-20060102-150405", entries[0].Name()); err != nil {
		t.Errorf("backup named %q: %v", entries[0].Name(), err)
	}

	// The copy opens (as a restored DB_PATH would), holds the imported rows
	// as they are, and every file it refers to.
	snap, err := sqlite.Open(context.Background(), filepath.Join(copyDir, "ocop.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	for id := int64(1); id <= 8; id++ {
		want, err1 := sqlite.NewProductStore(db).Get(t.Context(), id)
		got, err2 := sqlite.NewProductStore(snap).Get(t.Context(), id)
		if err1 != nil || err2 != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("product %d: copy %+v (%v), database %+v (%v)", id, got, err2, want, err1)
		}
	}
	sums, err := snap.ReferencedBlobs(t.Context())
	if err != nil || len(sums) < 5 {
		t.Fatalf("referenced files: %d, %v", len(sums), err)
	}
	for _, s := range sums {
		if !blob.HasIn(filepath.Join(copyDir, "files"), s) {
			t.Errorf("the copy lacks file %s", s)
		}
	}
	var copied, live int
	snap.SQL().QueryRow(`SELECT count(*) FROM subjects`).Scan(&copied)
	db.SQL().QueryRow(`SELECT count(*) FROM subjects`).Scan(&live)
	if copied < 7 || copied > live {
		t.Errorf("%d subjects in the copy, %d live", copied, live)
	}

	// No database: a clear error and no backup.
	a.env["DB_PATH"] = filepath.Join(t.TempDir(), "none.db")
	if _, _, err := a.run("backup", dir); err == nil || !strings.Contains(err.Error(), "Không có cơ sở dữ liệu") {
		t.Errorf("backup without a database: %v", err)
	}
	if _, _, err := a.run("backup"); err == nil || !strings.Contains(err.Error(), "ocopbot backup") {
		t.Errorf("backup without a directory: %v", err)
	}
}

func TestExportCommand(t *testing.T) {
	a := newAdmin(t)
	a.ok("import", example("import-example.csv"))
	if _, _, err := a.run("export", filepath.Join(t.TempDir(), "report.pdf")); err == nil || !strings.Contains(err.Error(), ".xlsx") {
		t.Errorf("export to .pdf: %v", err)
	}
	file := filepath.Join(t.TempDir(), "out", "report.xlsx")
	out := a.ok("export", file)
	if !strings.Contains(out, "Đã xuất báo cáo vào "+file) {
		t.Errorf("output:\n%s", out)
	}
	wb, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if sheets := wb.GetSheetList(); !slices.Equal(sheets, report.Sheets) {
		t.Errorf("sheets %q, want %q", sheets, report.Sheets)
	}
	// The imported products are in it, one row each under the headers.
	rows, err := wb.GetRows(report.Sheets[1])
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprint(rows)
	for _, name := range []string{"Bánh tráng phơi sương Trảng Bàng", "Muối tôm Tây Ninh", "Nhang sạch Hòa Thành"} {
		if !strings.Contains(text, name) {
			t.Errorf("sheet %s lacks %q", report.Sheets[1], name)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("%d files beside the report, want only it", len(entries))
	}
}

func TestRunUnknownCommand(t *testing.T) {
	a := newAdmin(t)
	if _, _, err := a.run("restore", "x"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("restore: %v", err)
	}
	out := a.ok("help")
	for _, c := range []string{"ocopbot import", "ocopbot export", "ocopbot backup"} {
		if !strings.Contains(out, c) {
			t.Errorf("help lacks %q", c)
		}
	}
}

// The exported workbook lists who answered and attended an event, with its
// kind and the answer in words.
func TestExportEventsSheet(t *testing.T) {
	a := newAdmin(t)
	a.ok("import", example("import-example.csv"))
	ctx := t.Context()
	db := a.db()
	subjects, err := sqlite.NewReportStore(db).Subjects(ctx, domain.Area{All: true})
	if err != nil || len(subjects) == 0 {
		t.Fatalf("imported subjects: %v, %v", subjects, err)
	}
	users := sqlite.NewUserStore(db)
	u, err := users.Touch(ctx, "telegram", "42", "", "Chị Lan")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(ctx, u.ID, subjects[0].ID); err != nil {
		t.Fatal(err)
	}
	events := sqlite.NewEventStore(db)
	starts := time.Date(2030, 1, 2, 8, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	ev := domain.Event{Kind: domain.EventFair, Title: "Hội chợ OCOP", Place: "Nhà văn hóa", StartsAt: starts,
		EndsAt: starts.Add(8 * time.Hour), Audience: domain.Audience{Kind: domain.AudienceAll}, CheckinCode: "abc"}
	if _, err := events.CreateEvent(ctx, &ev, nil); err != nil {
		t.Fatal(err)
	}
	if err := events.RSVP(ctx, ev.ID, u.ID, false); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.xlsx")
	a.ok("export", file)
	wb, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.GetRows(report.SheetEvents)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1", "Hội chợ OCOP", "Hội chợ", "02/01/2030 08:00", "Nhà văn hóa", "Chị Lan", subjects[0].Name,
		subjects[0].CommuneCode, "Không", "Không"}
	if len(rows) != 2 || !slices.Equal(rows[1], want) {
		t.Errorf("events sheet %q, want a row %q", rows, want)
	}
}

// TestMatrixImportDoesNotTakeOverARegisteredFarmer: a farmer registered
// with the phone that the list gives another cooperative (row 2 of the
// example) keeps their business: the import is refused, naming the row,
// and saves nothing.
func TestMatrixImportDoesNotTakeOverARegisteredFarmer(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(12345678, "Xoài").register("HTX Xoài Bình Minh", "binh minh") // phone 0912 345 678
			imp := &admin{t: t, env: h.env}
			_, stderr, err := imp.run("import", example("import-example.csv"))
			if err == nil || !strings.Contains(stderr, "Dòng 2") || !strings.Contains(stderr, "«HTX Xoài Bình Minh», cơ sở đã đăng ký qua bot") {
				t.Fatalf("import over a registered farmer: %v\n%s", err, stderr)
			}
			p.Send("/trangthai")
			if m := p.Expect("status.profile"); !strings.Contains(m.PlainText, "HTX Xoài Bình Minh") || strings.Contains(m.PlainText, "Bánh tráng") {
				t.Errorf("the farmer's status after the refused import:\n%s", m.PlainText)
			}
			var n int
			if err := h.openDB().SQL().QueryRow(`SELECT count(*) FROM products`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d products saved by a refused import (%v)", n, err)
			}
		})
	}
}
