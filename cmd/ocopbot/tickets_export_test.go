package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/report"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// The workbook's figures count the questions to officers: asked,
// answered, and the median hours to an answer.
func TestExportTicketFigures(t *testing.T) {
	a := newAdmin(t)
	ctx := t.Context()
	db := a.db()
	users := sqlite.NewUserStore(db)
	u, err := users.Touch(ctx, "zalo", "5001", "", "")
	if err != nil {
		t.Fatal(err)
	}
	tickets := sqlite.NewTicketStore(db)
	for _, q := range []string{"Tem làm ở đâu?", "Có phí không?", "Bao giờ chấm?"} {
		tk := domain.Ticket{UserID: u.ID, Commune: "25480", Question: q}
		if err := tickets.Create(ctx, &tk); err != nil {
			t.Fatal(err)
		}
		if q != "Bao giờ chấm?" {
			if _, err := tickets.Answer(ctx, tk.ID, u.ID, "Trả lời"); err != nil {
				t.Fatal(err)
			}
		}
	}
	file := filepath.Join(t.TempDir(), "report.xlsx")
	a.ok("export", file)
	wb, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.GetRows(report.SheetFigures)
	if err != nil {
		t.Fatal(err)
	}
	at := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "Hỏi cán bộ (câu hỏi của người dân)" })
	if at < 0 || at+3 >= len(rows) {
		t.Fatalf("no table of questions in the figures sheet: %q", rows)
	}
	asked, answered, median := rows[at+1], rows[at+2], rows[at+3]
	// Columns: the plan's area (old Tây Ninh, with Bình Minh), the province.
	if asked[0] != "Câu hỏi đã nhận" || asked[len(asked)-1] != "3" || answered[len(answered)-1] != "2" || median[len(median)-1] != "0" {
		t.Errorf("questions table:\n%q\n%q\n%q", asked, answered, median)
	}
}
