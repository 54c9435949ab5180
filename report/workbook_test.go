package report_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/report"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// fixture is a database with two subjects and three products, one subject
// in the plan's area (old Tây Ninh) and one outside it (old Long An).
func fixture(t *testing.T) (report.Source, time.Time, string) {
	t.Helper()
	ctx := t.Context()
	loc := time.FixedZone("ICT", 7*3600)
	now := time.Date(2026, 6, 15, 9, 0, 0, 0, loc)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ocop.db"), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fixtureDBs.Store(t, db)
	places, err := domain.DefaultPlaces()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := domain.DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	var inside, outside string
	for _, c := range places.All() {
		if plan.InArea(c) && inside == "" {
			inside = c.Code
		}
		if !plan.InArea(c) && outside == "" {
			outside = c.Code
		}
	}
	subjects, products := sqlite.NewSubjectStore(db), sqlite.NewProductStore(db)
	s1 := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Bánh tráng Trảng Bàng", Phone: "+84912345678",
		CommuneCode: inside, SalesChannels: []domain.SalesChannel{domain.ChannelSupermarket}}
	s2 := domain.Subject{Kind: domain.KindSME, Name: "Công ty Mật ong Bảo An", CommuneCode: outside}
	for _, s := range []*domain.Subject{&s1, &s2} {
		if err := subjects.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []domain.Product{
		{SubjectID: s1.ID, Name: "Bánh tráng phơi sương", Set: 6, Rulebook: "qd26-2026", Stage: domain.StageRecognised, Stars: 4,
			Score: 72.5, CertNo: "12/QĐ-UBND", CertIssued: now.AddDate(-1, 0, 0), CertExpires: now.AddDate(2, 0, 0), Craft: "bánh tráng"},
		{SubjectID: s1.ID, Name: "Muối tôm", Set: 10, Rulebook: "qd26-2026", Stage: domain.StagePreparing},
		{SubjectID: s2.ID, Name: "Mật ong", Set: 4, Rulebook: "qd26-2026", Stage: domain.StageIdea},
	} {
		if err := products.Create(ctx, &p, "", "80"); err != nil {
			t.Fatal(err)
		}
		if p.CertNo != "" {
			// A monitoring check (hậu kiểm) of the certified product.
			chk := domain.MonitoringCheck{ProductID: p.ID, Day: now.AddDate(0, 0, -3), Result: domain.CheckFix, Note: "Nhãn thiếu hạn dùng", By: 1}
			if err := sqlite.NewMonitoringStore(db).AddCheck(ctx, &chk); err != nil {
				t.Fatal(err)
			}
		}
		if p.Stage == domain.StagePreparing {
			if err := sqlite.NewDossierStore(db).SetState(ctx, p.ID, "mau01", domain.ItemSent, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	budget := sqlite.NewBudgetStore(db)
	if err := budget.AddDisbursement(ctx, &domain.Disbursement{Activity: 2, Year: 2024, Amount: domain.MillionsOf(927), Note: "Điểm bán", By: 1}); err != nil {
		t.Fatal(err)
	}
	// Recorded by mistake and cancelled: listed, marked, not counted.
	wrong := domain.Disbursement{Activity: 2, Year: 2024, Amount: domain.MillionsOf(9270), Note: "Điểm bán (nhầm)", By: 1}
	if err := budget.AddDisbursement(ctx, &wrong); err != nil {
		t.Fatal(err)
	}
	if _, err := budget.CancelDisbursement(ctx, wrong.ID, 1, "thừa một số 0"); err != nil {
		t.Fatal(err)
	}
	src := report.Source{Data: sqlite.NewReportStore(db), Figures: sqlite.NewFigureStore(db), Budget: budget,
		Plan: plan, Places: places, Rules: rules, Checks: sqlite.NewMonitoringStore(db)}
	return src, now, inside
}

// fixtureDBs holds each test's fixture database.
var fixtureDBs sync.Map

func reportStore(t *testing.T) *sqlite.ReportStore {
	db, _ := fixtureDBs.Load(t)
	return sqlite.NewReportStore(db.(*sqlite.DB))
}

func subjectStore(t *testing.T) *sqlite.SubjectStore {
	db, _ := fixtureDBs.Load(t)
	return sqlite.NewSubjectStore(db.(*sqlite.DB))
}

// build builds the workbook and opens its bytes with excelize, as
// officers' spreadsheet programs open what they receive.
func build(t *testing.T, src report.Source, scope report.Scope) *excelize.File {
	t.Helper()
	wb, err := report.Build(t.Context(), src, scope)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := wb.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	wb.Close()
	report.WellFormed(t, buf.Bytes())
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func rows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	r, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBuildWorkbook(t *testing.T) {
	src, now, inside := fixture(t)
	f := build(t, src, report.Scope{Now: now})
	if got := f.GetSheetList(); len(got) != len(report.Sheets) {
		t.Fatalf("sheets %v, want %v", got, report.Sheets)
	} else {
		for i := range got {
			if got[i] != report.Sheets[i] {
				t.Errorf("sheet %d = %q, want %q", i, got[i], report.Sheets[i])
			}
		}
	}
	subjects := rows(t, f, report.SheetSubjects)
	if len(subjects) != 3 || subjects[0][2] != "Tên chủ thể" || subjects[1][3] != "Hợp tác xã" || subjects[1][9] != "Có" {
		t.Errorf("subjects sheet: %q", subjects)
	}
	products := rows(t, f, report.SheetProducts)
	rules, _ := src.Rules.Get("qd26-2026")
	if len(products) != 4 {
		t.Fatalf("products sheet has %d rows, want 1 header + 3", len(products))
	}
	if want := 19 + len(rules.Items); len(products[0]) != want {
		t.Errorf("products header has %d columns, want %d (one per dossier item)", len(products[0]), want)
	}
	if products[1][2] != "Bánh tráng phơi sương" || products[1][3] != "HTX Bánh tráng Trảng Bàng" || products[1][9] != "4" || products[1][10] != "72.5" {
		t.Errorf("product row: %q", products[1])
	}
	// Mẫu 01 of the second product was sent.
	col := -1
	for i, h := range products[0] {
		if h == "Mẫu 01" {
			col = i
		}
	}
	if col < 0 || products[2][col] != "đã gửi tệp" || products[3][col] != "còn thiếu" {
		t.Errorf("Mẫu 01 column %d: %q / %q", col, products[2], products[3])
	}
	if h := rows(t, f, report.SheetHistory); len(h) != 4 || h[1][1] != products[1][1] || h[1][2] != "Bánh tráng phơi sương" {
		t.Errorf("history: %q, want 1 + 3 creations with the products' codes and names", h)
	}
	// The header rows stay in view.
	for _, sheet := range []string{report.SheetSubjects, report.SheetProducts, report.SheetHistory, report.SheetFigures} {
		if p, err := f.GetPanes(sheet); err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("%s panes: %+v, %v", sheet, p, err)
		}
	}
	if c := rows(t, f, report.SheetChecks); len(c) != 2 || c[1][1] != products[1][1] || c[1][4] != "Yêu cầu khắc phục" ||
		c[1][5] != "Nhãn thiếu hạn dùng" || c[1][3] != now.AddDate(0, 0, -3).Format("02/01/2006") {
		t.Errorf("monitoring checks sheet: %q", c)
	}
	// An imported certified product has no dossier in the bot: it says so.
	if !strings.Contains(products[1][18], "Nhập từ danh sách đã công nhận") {
		t.Errorf("imported product's dossier column: %q", products[1][18])
	}
	// Its list said nothing of a raw-material area or a circular chain:
	// not known, where a product of the bot says "Không".
	if products[1][16] != "Chưa rõ" || products[1][17] != "Chưa rõ" || products[2][16] != "Không" || products[2][17] != "Không" {
		t.Errorf("raw-material area and circular columns: %q / %q", products[1][16:18], products[2][16:18])
	}
	if e := rows(t, f, report.SheetEvents); len(e) != 1 || e[0][1] != "Sự kiện" {
		t.Errorf("events sheet (no events yet): %q", e)
	}
	fig := rows(t, f, report.SheetFigures)
	if len(fig) < 1+len(src.Plan.Targets) || fig[1][1] != "Sản phẩm OCOP từ 3 sao còn hiệu lực" ||
		fig[1][3] != "1" || fig[1][6] != "1" {
		t.Errorf("figures sheet: %q", fig[:3])
	}
	for _, r := range fig[1 : 1+len(src.Plan.Targets)] {
		if r[1] == "Chủ thể và cán bộ được tập huấn" && r[3] != "Chưa có dữ liệu" {
			t.Errorf("trained without events: %q", r)
		}
	}
	budget := rows(t, f, report.SheetBudget)
	var total, spent, cancelled []string
	for _, r := range budget {
		if len(r) > 0 && r[0] == "Tổng cộng" {
			total = r
		}
		if len(r) > 5 && r[0] == "1" && r[5] == "Điểm bán" {
			spent = r
		}
		if len(r) > 8 && r[0] == "2" && r[5] == "Điểm bán (nhầm)" {
			cancelled = r
		}
	}
	if total == nil || total[4] != "41692" || total[5] != "927" {
		t.Errorf("budget total row (the cancelled entry not counted): %q", total)
	}
	if spent == nil || spent[4] != "927" || spent[1] == "" || (len(spent) > 8 && spent[8] != "") {
		t.Errorf("disbursement row: %q", spent)
	}
	if cancelled == nil || cancelled[4] != "9270" || !strings.HasPrefix(cancelled[8], "Đã hủy ") || !strings.HasSuffix(cancelled[8], ": thừa một số 0") {
		t.Errorf("cancelled disbursement row: %q", cancelled)
	}

	// A commune officer's workbook holds their commune only.
	f2 := build(t, src, report.Scope{Communes: []string{inside}, Now: now})
	if n := len(rows(t, f2, report.SheetProducts)); n != 3 {
		t.Errorf("scoped products sheet has %d rows, want 1 + 2", n)
	}
	if n := len(rows(t, f2, report.SheetSubjects)); n != 2 {
		t.Errorf("scoped subjects sheet has %d rows, want 1 + 1", n)
	}
	if fig := rows(t, f2, report.SheetFigures); fig[0][3] != "Phạm vi được giao: giá trị" {
		t.Errorf("scoped figures header: %q", fig[0])
	}
}

// A product keeps the commune it was filed in when its subject moves: the
// commune's workbook still names the subject on the product's row.
func TestWorkbookSubjectMovedAway(t *testing.T) {
	src, now, inside := fixture(t)
	ctx := t.Context()
	list, err := reportStore(t).Subjects(ctx, domain.Area{Communes: []string{inside}})
	if err != nil || len(list) != 1 {
		t.Fatalf("subjects inside: %v, %v", list, err)
	}
	moved := list[0]
	all, err := reportStore(t).Subjects(ctx, domain.Area{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.CommuneCode != inside {
			moved.CommuneCode = s.CommuneCode
		}
	}
	if err := subjectStore(t).Update(ctx, &moved); err != nil {
		t.Fatal(err)
	}
	f := build(t, src, report.Scope{Communes: []string{inside}, Now: now})
	if n := len(rows(t, f, report.SheetSubjects)); n != 1 {
		t.Errorf("subjects sheet has %d rows, want the header only", n)
	}
	products := rows(t, f, report.SheetProducts)
	if len(products) != 3 || products[1][3] != moved.Name || products[2][3] != moved.Name {
		t.Errorf("products of the moved subject: %q", products)
	}
}

// Names are written as they were typed: Vietnamese letters, characters
// XML escapes; control characters, which XML cannot hold, are dropped.
func TestWorkbookKeepsText(t *testing.T) {
	src, now, inside := fixture(t)
	ctx := t.Context()
	s := domain.Subject{Kind: domain.KindHousehold, Name: "Hộ kinh doanh <Bà Tư> & \"Con gái\" 'Út'\x01",
		Representative: "  Nguyễn Thị Ửng  ", CommuneCode: inside}
	if err := subjectStore(t).Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	p := domain.Product{SubjectID: s.ID, Name: "Bánh & <kẹo> _x0041_", Set: 6, Rulebook: "qd26-2026", Stage: domain.StageIdea}
	v, _ := fixtureDBs.Load(t)
	if err := sqlite.NewProductStore(v.(*sqlite.DB)).Create(ctx, &p, "", "80"); err != nil {
		t.Fatal(err)
	}
	f := build(t, src, report.Scope{Now: now})
	var subject, product, change []string
	for _, r := range rows(t, f, report.SheetSubjects) {
		if len(r) > 1 && r[1] == strconv.FormatInt(s.ID, 10) {
			subject = r
		}
	}
	for _, r := range rows(t, f, report.SheetProducts) {
		if len(r) > 1 && r[1] == p.Code {
			product = r
		}
	}
	for _, r := range rows(t, f, report.SheetHistory) {
		if len(r) > 1 && r[1] == p.Code {
			change = r
		}
	}
	if subject == nil || subject[2] != "Hộ kinh doanh <Bà Tư> & \"Con gái\" 'Út'" || subject[4] != "  Nguyễn Thị Ửng  " {
		t.Errorf("subject row %q", subject)
	}
	if product == nil || product[2] != p.Name || product[3] != subject[2] {
		t.Errorf("product row %q", product)
	}
	if change == nil || change[2] != p.Name || change[4] != "ý tưởng" || change[5] != "Hệ thống" {
		t.Errorf("history row %q", change)
	}
}

// sqliteEvents puts the event store's lists on the events sheet with the
// kind and the answer in words, as cmd/ocopbot does.
type sqliteEvents struct {
	store *sqlite.EventStore
	t     func(id string) string
}

func (e sqliteEvents) EventAttendance(ctx context.Context, area domain.Area) ([]report.EventRow, error) {
	rows, err := e.store.EventAttendance(ctx, area)
	if err != nil {
		return nil, err
	}
	out := make([]report.EventRow, len(rows))
	for i, r := range rows {
		rsvp := map[string]string{"yes": e.t("ev.xlsx_yes"), "no": e.t("ev.xlsx_no")}[r.RSVP]
		out[i] = report.EventRow{Event: r.Event, Kind: e.t("ev_kind." + string(r.Kind)), Starts: r.Starts, Place: r.Place,
			Person: r.Person, Subject: r.Subject, Commune: r.Commune, RSVP: rsvp, Attended: r.Attended}
	}
	return out, nil
}

// A producer who said yes to a training and attended it is a row of the
// events sheet, in their subject's commune's workbook and not another's.
func TestWorkbookEventsSheet(t *testing.T) {
	src, now, inside := fixture(t)
	ctx := t.Context()
	v, _ := fixtureDBs.Load(t)
	db := v.(*sqlite.DB)
	list, err := reportStore(t).Subjects(ctx, domain.Area{Communes: []string{inside}})
	if err != nil || len(list) != 1 {
		t.Fatalf("subjects inside: %v, %v", list, err)
	}
	users := sqlite.NewUserStore(db)
	u, err := users.Touch(ctx, "telegram", "42", "", "Chị Lan")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(ctx, u.ID, list[0].ID); err != nil {
		t.Fatal(err)
	}
	events := sqlite.NewEventStore(db)
	starts := time.Date(2026, 6, 20, 8, 0, 0, 0, now.Location())
	ev := domain.Event{Kind: domain.EventTraining, Title: "Tập huấn xây dựng hồ sơ OCOP", Place: "Hội trường UBND",
		StartsAt: starts, EndsAt: starts.Add(8 * time.Hour), Audience: domain.Audience{Kind: domain.AudienceAll}, CheckinCode: "abc"}
	if _, err := events.CreateEvent(ctx, &ev, nil); err != nil {
		t.Fatal(err)
	}
	if err := events.RSVP(ctx, ev.ID, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := events.MarkAttended(ctx, ev.ID, u.ID, "qr", 0); err != nil {
		t.Fatal(err)
	}
	tr, err := report.VietnameseT()
	if err != nil {
		t.Fatal(err)
	}
	src.Events = sqliteEvents{store: events, t: tr}

	want := []string{"1", ev.Title, "Tập huấn", "20/06/2026 08:00", ev.Place, "Chị Lan", list[0].Name, inside, "Có", "Có"}
	for _, tc := range []struct {
		name     string
		communes []string
		rows     int
	}{
		{"province", nil, 2},
		{"inside", []string{inside}, 2},
		{"another commune", []string{"00000"}, 1},
	} {
		got := rows(t, build(t, src, report.Scope{Communes: tc.communes, Now: now}), report.SheetEvents)
		if len(got) != tc.rows || got[0][1] != "Sự kiện" {
			t.Errorf("%s: events sheet %q, want the header and %d row(s)", tc.name, got, tc.rows-1)
			continue
		}
		if tc.rows == 2 && !slices.Equal(got[1], want) {
			t.Errorf("%s: events row\n got %q\nwant %q", tc.name, got[1], want)
		}
	}
}

// The history sheet gives an import and a revocation's ground in words,
// not the codes they are stored as; an officer's reason stays as typed.
func TestHistoryReasonsInWords(t *testing.T) {
	src, now, _ := fixture(t)
	db, _ := fixtureDBs.Load(t)
	sqlDB := db.(*sqlite.DB).SQL()
	var pid int64
	if err := sqlDB.QueryRow(`SELECT id FROM products ORDER BY id LIMIT 1`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	at := now.Add(-time.Hour).UnixMilli()
	for _, r := range [][3]string{{"y_tuong", "cong_nhan", sqlite.ReasonImported}, {"cong_nhan", "thu_hoi", "violation"}, {"thu_hoi", "chuan_bi_ho_so", "Bổ sung giấy ATTP"}} {
		if _, err := sqlDB.Exec(`INSERT INTO stage_changes (product_id, from_stage, to_stage, reason, at) VALUES (?, ?, ?, ?, ?)`, pid, r[0], r[1], r[2], at); err != nil {
			t.Fatal(err)
		}
	}
	f := build(t, src, report.Scope{Now: now})
	var reasons []string
	for _, r := range rows(t, f, report.SheetHistory) {
		if len(r) > 6 {
			reasons = append(reasons, r[6])
		}
	}
	got := strings.Join(reasons, "|")
	for _, want := range []string{"Nhập từ danh sách đã công nhận", "Vi phạm pháp luật về chất lượng", "Bổ sung giấy ATTP"} {
		if !strings.Contains(got, want) {
			t.Errorf("history reasons %q lack %q", reasons, want)
		}
	}
	for _, never := range []string{"imported", "violation"} {
		if slices.Contains(reasons, never) {
			t.Errorf("history reasons %q show the code %q", reasons, never)
		}
	}
}
