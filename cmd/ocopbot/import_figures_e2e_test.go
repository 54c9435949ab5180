package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// TestMatrixImportThenFigures: a list of already-rated products is
// imported with "ocopbot import", then an officer's /thongke shows exactly
// the counts the file implies: valid products by stars (a certificate on
// its last valid day included), expired ones, and "ever recognised" (the
// expired included) — today, and at the end of a past day from the
// history.
func TestMatrixImportThenFigures(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
			now := time.Now().In(loc)
			if now.Month() == time.February && now.Day() == 29 {
				t.Skip("the rows are dated whole years back from today")
			}
			today := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, loc)
			clock := &fakeClock{}
			clock.Set(today)
			h := newMatrix(t, ch, "embedded")
			off := h.admin(900, "Quản trị", ch)

			d := func(years, days int) string { return today.AddDate(-years, 0, -days).Format("02/01/2006") }
			rows := []string{
				"HTX Một,HTX,0912000701,25480,Bánh tráng,6,65,3,701/QĐ,," + d(1, 0),           // 3★ valid
				"HTX Hai,HTX,0912000702,25480,Muối tôm,10,62,3,702/QĐ,," + d(3, 0),            // 3★ on its last valid day
				"HTX Ba,HTX,0912000703,25480,Mật ong,4,75,4,703/QĐ,," + d(3, 1),               // 4★ expired yesterday
				"HTX Bốn,HTX,0912000704,25480,Dưa lưới,1,78,4,704/QĐ,," + d(2, 0),             // 4★ valid
				"HTX Năm,HTX,0912000705,25480,Bánh tráng siêu mỏng,6,92,5,705/QĐ,," + d(1, 0), // 5★ valid
				"HTX Sáu,HTX,0912000706,25480,Mãng cầu,1,60,3,706/QĐ,," + d(5, 0),             // 3★ expired long ago
				"HTX Bảy,HTX,0912000707,25480,Nước mắm,9,45,,,,",                              // below 50: not recognised
			}
			var csv bytes.Buffer
			csv.WriteString("Tên chủ thể,Loại chủ thể,Số điện thoại,Xã/phường,Tên sản phẩm,Bộ sản phẩm,Điểm,Hạng sao,Số chứng nhận,Bộ quy định,Ngày cấp\n")
			for _, r := range rows {
				csv.WriteString(r + "\n")
			}
			file := filepath.Join(t.TempDir(), "da-cong-nhan.csv")
			if err := os.WriteFile(file, csv.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string { return h.env[k] }
			if err := run(context.Background(), []string{"ocopbot", "import", file}, getenv, strings.NewReader(""), &stdout, &stderr); err != nil {
				t.Fatalf("import: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}

			h.startClocked(clock)
			off.Send("/start")
			off.Expect("start.welcome_officer")

			figures := func(args string) string {
				t.Helper()
				off.Send(strings.TrimSpace("/thongke " + args))
				m := off.Expect("figures.title")
				off.Next() // the chart
				return m.Text
			}
			check := func(when, text string, want ...string) {
				t.Helper()
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s: /thongke lacks %q:\n%s", when, w, text)
					}
				}
			}
			// Today: valid 3★ 2, 4★ 1, 5★ 1 (4 in the plan's figure);
			// expired 2; ever recognised 6 (the share's denominator).
			text := figures("")
			check("today", text, "• ★★★: 2 / 2", "• ★★★★: 1 / 1", "• ★★★★★: 1 / 1", "• hết hạn: 2 / 2",
				"Vùng KH: 0% (0/6) · Toàn tỉnh: 0% (0/6) · mục tiêu ≥ 50%", "Vùng KH: 4 · Toàn tỉnh: 4")
			// At the end of the day before the 1-year-old certificates:
			// Muối tôm and Mật ong valid (3★ 1, 4★ 2 with Dưa lưới),
			// Mãng cầu expired, 4 ever recognised.
			past := today.AddDate(-1, 0, -1)
			text = figures(past.Format("2/1/2006"))
			if !h.matches(text, "vi", "figures.as_of") || !strings.Contains(text, past.Format("02/01/2006")) {
				t.Errorf("the past figures do not say their day:\n%s", text)
			}
			check("as of "+past.Format("02/01/2006"), text, "• ★★★: 1 / 1", "• ★★★★: 2 / 2", "• ★★★★★: 0 / 0",
				"• hết hạn: 1 / 1", "Vùng KH: 0% (0/4) · Toàn tỉnh: 0% (0/4) · mục tiêu ≥ 50%", "Vùng KH: 3 · Toàn tỉnh: 3")
			// A day to come, or not a date, is refused in words.
			off.Send("/thongke " + today.AddDate(0, 0, 1).Format("02/01/2006"))
			off.Expect("figures.day_future")
			off.Send("/thongke hom qua")
			off.Expect("figures.day_invalid")
			off.Quiet()

			// A commune officer sees the figures of their commune, without
			// the province's targets beside them.
			com := h.tgUser(902, "Cán bộ xã")
			db := h.openDB()
			users := sqlite.NewUserStore(db)
			u, err := users.Touch(context.Background(), "telegram", "902", "", "Cán bộ xã")
			if err == nil {
				err = users.SetConsent(context.Background(), u.ID, domain.ConsentGiven)
			}
			if err == nil {
				err = users.Grant(context.Background(), 0, u.ID, domain.RoleCommuneOfficer, []string{"25480"})
			}
			if err != nil {
				t.Fatal(err)
			}
			com.Send("/thongke")
			m := com.Expect("figures.title", "figures.scope")
			if strings.Contains(m.Text, "mục tiêu") || !strings.Contains(m.Text, "Xã của bạn: 4") || !strings.Contains(m.Text, "• ★★★: 2") {
				t.Errorf("a commune officer's figures:\n%s", m.Text)
			}
		})
	}
}
