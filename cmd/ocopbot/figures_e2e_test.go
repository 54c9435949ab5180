package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/report"
)

// upload returns the file the bot uploaded in its latest call of method.
func upload(t *testing.T, h *harness, method, field string) []byte {
	t.Helper()
	calls := h.api.Calls(method)
	if len(calls) == 0 {
		t.Fatalf("no %s call", method)
	}
	f, ok := calls[len(calls)-1].Files[field]
	if !ok || len(f.Content) == 0 {
		t.Fatalf("%s carried no %q upload: %+v", method, field, calls[len(calls)-1].Params)
	}
	return f.Content
}

func TestFiguresBudgetShowroomsReportEndToEnd(t *testing.T) {
	h := newHarness(t, "embedded")
	h.env["ADMIN_IDS"] = "900"
	h.start()
	admin := h.user(900, "Quản trị")
	producer := h.user(901, "Hạnh").register("HTX Bánh tráng Trảng Bàng", "binh minh")
	producer.addProduct("Bánh tráng phơi sương", "Thực phẩm", "Chế biến từ gạo, ngũ cốc")

	// A producer gets the refusal and no figures, for each command and a
	// forged button.
	for _, cmd := range []string{"/thongke", "/baocao", "/ngansach", "/ngansach chi 2 2024 1.500 x", "/diemban", "/themdiemban"} {
		producer.Send(cmd)
		if m := producer.Expect("common.officers_only"); strings.Contains(m.Text, "Vùng KH") {
			t.Fatalf("%s leaked figures: %s", cmd, m.Text)
		}
	}
	if a := producer.PressData(producer.last().ID, "fg|def"); !a.ShowAlert || !strings.Contains(a.Text, "chỉ dành cho cán bộ") {
		t.Errorf("forged definitions button answered %+v", a)
	}
	producer.Quiet()
	if n := h.api.CallCount("sendPhoto") + h.api.CallCount("sendDocument"); n != 0 {
		t.Fatalf("%d files sent to a producer", n)
	}

	// The admin sees the figures as text and as a PNG chart.
	admin.Send("/thongke")
	m := admin.Expect("figures.title", "figures.areas", "figures.footer")
	for _, want := range []string{"Vùng KH: 36 xã, phường thuộc Tỉnh Tây Ninh", "Sản phẩm OCOP từ 3 sao còn hiệu lực",
		"Vùng KH: 0 · Toàn tỉnh: 0 · mục tiêu 100–120 ⏳", "Chủ thể là hợp tác xã", "100% (1/1)", "Thực phẩm: 1 / 1"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("figures text lacks %q:\n%s", want, m.Text)
		}
	}
	photo := admin.Next()
	if photo.Kind != telegramtest.KindPhoto || !h.matches(photo.Text, "vi", "figures.chart_caption") {
		t.Fatalf("second message is %s %q, want the chart", photo.Kind, photo.Text)
	}
	if _, err := png.Decode(bytes.NewReader(upload(t, h, "sendPhoto", "photo"))); err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	admin.Press("Định nghĩa")
	if d := admin.Expect("figures.definitions_title"); !strings.Contains(d.Text, "trung_uong_danh_gia") && !strings.Contains(d.Text, "gửi lên Trung ương") {
		t.Errorf("definitions: %s", d.Text)
	}

	// Budget: read both ways, refused when wrong, shown beside the plan.
	admin.Send("/ngansach chi 2 2024 1.500 Dự án điểm giới thiệu sản phẩm")
	if r := admin.Expect("budget.recorded"); !strings.Contains(r.Text, "1.500 triệu đồng") || !strings.Contains(r.Text, "1.500 / 1.854") {
		t.Errorf("recorded: %s", r.Text)
	}
	admin.Send("/ngansach chi 1 2023 1,5 Hội nghị")
	admin.Expect("budget.recorded")
	admin.Send("/ngansach chi 2 2024 abc x")
	admin.Expect("budget.amount_invalid", "budget.usage")
	admin.Send("/ngansach chi 2 2024 -5 x")
	admin.Expect("budget.amount_negative")
	admin.Send("/ngansach chi 9 2024 5 x")
	admin.Expect("budget.activity_unknown")
	admin.Send("/ngansach chi 2 2030 5 x")
	admin.Expect("budget.year_outside")
	admin.Send("/ngansach")
	if b := admin.Expect("budget.title", "budget.by_year", "budget.by_source"); !strings.Contains(b.Text, "1.501,5 / 41.692") || !strings.Contains(b.Text, "2024: 1.500 / 13.654") ||
		!strings.Contains(b.Text, ": 1.312") || !strings.Contains(b.Text, ": 34.200") {
		t.Errorf("budget table:\n%s", b.Text)
	}

	// Showrooms: a future opening is refused, a past one recorded.
	admin.Send("/diemban")
	admin.Expect("showroom.list_title", "showroom.none")
	admin.Press("Thêm điểm bán")
	admin.Expect("showroom.ask_name")
	admin.Send("Điểm giới thiệu sản phẩm OCOP Tây Ninh")
	admin.Expect("showroom.ask_address")
	admin.Send("Phường Tân Ninh, Tây Ninh")
	admin.Expect("showroom.ask_commune")
	admin.Send("Tân Ninh")
	admin.Expect("showroom.ask_opened")
	admin.Send("01/01/2099")
	admin.Expect("showroom.date_future", "showroom.ask_opened")
	admin.Send("08/03/2025")
	admin.Expect("form.confirm_title")
	admin.Press("Xác nhận")
	admin.Expect("showroom.saved")
	admin.Send("/diemban")
	if l := admin.Expect("showroom.list_title", "showroom.item"); !strings.Contains(l.Text, "khai trương 08/03/2025") {
		t.Errorf("showrooms: %s", l.Text)
	}

	// The report: a progress message, the workbook, the progress edited.
	admin.Send("/baocao")
	progress := admin.Expect("baocao.progress")
	doc := admin.Next()
	if doc.Kind != telegramtest.KindDocument || !strings.HasSuffix(doc.FileName, ".xlsx") {
		t.Fatalf("expected the workbook, got %s %q", doc.Kind, doc.FileName)
	}
	f, err := excelize.OpenReader(bytes.NewReader(upload(t, h, "sendDocument", "document")))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), "|"); got != strings.Join(report.Sheets, "|") {
		t.Errorf("sheets %s", got)
	}
	for sheet, want := range map[string]int{report.SheetSubjects: 2, report.SheetProducts: 2, report.SheetHistory: 2, report.SheetEvents: 1} {
		if rows, _ := f.GetRows(sheet); len(rows) != want {
			t.Errorf("%s has %d rows, want %d", sheet, len(rows), want)
		}
	}
	if !h.api.WaitFor(wait, func() bool {
		m, _ := h.api.MessageByID(admin.u.ID, progress.ID)
		return h.matches(m.Text, "vi", "baocao.done")
	}) {
		t.Error("the progress message was not edited when the report was done")
	}
}

func TestPlanFileSetting(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("..", "..", "domain", "plans", "tay-ninh-2023-2025.json"))
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(string(good), `"name": "Tây Ninh"`, `"name": "Tỉnh thử"`, 1)
	ok := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(ok, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(good), `"total": 41692`, `"total": 41000`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := parseConfig("serve", nil, getenv(map[string]string{"PLAN_FILE": ok}), &bytes.Buffer{})
	if err != nil || cfg.Plan == nil || cfg.Plan.Province.Name != "Tỉnh thử" {
		t.Fatalf("PLAN_FILE: %v %+v", err, cfg)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.json")} {
		if _, err := parseConfig("serve", nil, getenv(map[string]string{"PLAN_FILE": path}), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "PLAN_FILE") {
			t.Errorf("PLAN_FILE=%s: err %v", path, err)
		}
	}
}

// TestMatrixBudgetCancel: a disbursement recorded by mistake is cancelled
// by its number, stays listed and marked, and no longer counts; the right
// amount is recorded anew. Producers cannot touch the budget.
func TestMatrixBudgetCancel(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			commune := h.user(901, "Cán bộ xã")
			seedOfficer(t, h.openDB(), commune, "25480")
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			producer := h.user(615, "Tâm").register("HTX Tâm", "binh minh")

			admin.Send("/ngansach chi 2 2024 1500 Dự án điểm bán")
			if r := admin.Expect("budget.recorded"); !strings.Contains(r.PlainText, "số 1:") || !strings.Contains(r.PlainText, "/ngansach huy 1") {
				t.Errorf("recorded without its number:\n%s", r.PlainText)
			}
			admin.Send("/ngansach chi 2 2024 15 Dự án điểm bán")
			admin.Expect("budget.recorded")

			producer.Send("/ngansach huy 1")
			producer.Expect("common.officers_only")
			commune.Send("/ngansach huy 1 nhầm")
			commune.Expect("budget.cancel_province_only")

			// A reason is needed; the entry is shown and the cancellation
			// asked; «Giữ lại» keeps it.
			admin.Send("/ngansach huy 1")
			admin.Expect("budget.cancel_reason_needed")
			admin.Send("/ngansach huy 1 thừa hai số 0")
			if m := admin.Expect("budget.cancel_confirm"); !strings.Contains(m.PlainText, "1.500 triệu đồng") || !strings.Contains(m.PlainText, "thừa hai số 0") {
				t.Errorf("the cancellation asked:\n%s", m.PlainText)
			}
			admin.Press("Không, giữ lại")
			admin.Expect("budget.cancel_kept")
			admin.Send("/ngansach huy #1: thừa hai số 0")
			admin.Expect("budget.cancel_confirm")
			admin.Send("dong y") // typed as officers answer: a yes
			admin.Expect("budget.cancelled")
			admin.Send("/ngansach chi 2 2024 1500 Dự án điểm bán (ghi lại)")
			admin.Expect("budget.recorded")
			admin.Send("/ngansach huy 3 ghi lại thử")
			admin.Expect("budget.cancel_confirm")
			admin.Send("khong")
			admin.Expect("budget.cancel_kept")
			admin.Send("/ngansach huy 3 ghi lại thử")
			admin.Expect("budget.cancel_confirm")
			admin.Press("Có, hủy khoản này")
			if r := admin.Expect("budget.cancelled"); !strings.Contains(r.PlainText, "15 / 1.854") {
				t.Errorf("after the cancellation, activity 2 in 2024 should read 15 spent:\n%s", r.PlainText)
			}
			admin.Send("/ngansach huy 1 lần nữa")
			admin.Expect("budget.already_cancelled")
			admin.Send("/ngansach huy so 99 nhầm")
			admin.Expect("budget.no_such_entry")
			admin.Send("/ngansach huy mot")
			admin.Expect("budget.cancel_usage")

			admin.Send("/ngansach ds")
			l := admin.Expect("budget.list_title", "budget.list_cancelled", "budget.cancel_usage")
			two, one := strings.Index(l.PlainText, "Khoản 2 "), strings.Index(l.PlainText, "Khoản 1 ")
			if two < 0 || one < two || !strings.Contains(l.PlainText[one:], "đã hủy") || !strings.Contains(l.PlainText[one:], "thừa hai số 0") ||
				strings.Contains(l.PlainText[two:one], "đã hủy") {
				t.Errorf("the list, newest first, the cancelled one marked:\n%s", l.PlainText)
			}
			admin.Send("/ngansach")
			if b := admin.Expect("budget.title"); !strings.Contains(b.PlainText, "đã chi 15 / 41.692") {
				t.Errorf("the table counts the cancelled entry:\n%s", b.PlainText)
			}
		})
	}
}
