package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// Issue 12: farmers are understood. The scripts run on both channels.

// trickyName holds what HTML would eat: "&", "<", ">" and quotes.
const trickyName = `Bánh tráng & muối tôm <Tư> "ngon"`

// labelOf returns the label of the button (or numbered choice) of m
// that contains part.
func labelOf(t *testing.T, m telegramtest.Message, part string) string {
	t.Helper()
	for _, b := range m.Buttons() {
		if strings.Contains(b.Text, part) {
			return b.Text
		}
	}
	t.Fatalf("no button with %q: %+v\n%s", part, m.Buttons(), m.Text)
	return ""
}

// submitNamed adds a food product named name to a registered producer and
// submits its dossier (every item on paper, the samples in person).
func submitNamed(t *testing.T, p *person, name string) {
	t.Helper()
	p.addProduct(name, "Thực phẩm", "Chế biến từ gạo, ngũ cốc")
	_, items := required(t, 6)
	p.Send("/hoso")
	p.Expect("dossier.header")
	p.onPaper(items)
	p.Press("Nộp hồ sơ")
	p.Expect("dossier.submitted")
}

// TestMatrixButtonLabelsArePlainText: a name with "&", "<" and quotes
// reads the same on every button: the product list, the commune offered,
// the officers' queue.
func TestMatrixButtonLabelsArePlainText(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			off := h.admin(900, "Quản trị", ch)
			h.start()
			off.Send("/start")
			off.Expect("start.welcome")
			off.Expect("consent.ask")

			p := h.user(631, "Tư").register("HTX Tư & con", "binh minh")
			submitNamed(t, p, trickyName)
			off.ExpectNotice("notice.officer_submitted")

			p.Send("/sanpham")
			m := p.Expect("product.list")
			if got := labelOf(t, m, "Bánh tráng"); !strings.Contains(got, trickyName) {
				t.Errorf("the product list's button reads %q, want the name %q as typed", got, trickyName)
			}
			off.Send("/duyet")
			m = off.Expect("review.queue")
			if got := labelOf(t, m, "Bánh tráng"); !strings.Contains(got, trickyName) {
				t.Errorf("the queue's button reads %q, want the name %q as typed", got, trickyName)
			}
			off.Press("Bánh tráng")
			m = off.Expect("review.subject")
			if !strings.Contains(m.PlainText, "HTX Tư & con") {
				t.Errorf("the dossier does not name the subject as typed:\n%s", m.PlainText)
			}
		})
	}
}

// TestMatrixGrantRefusesAnUnknownCommune: "/capquyen 42 xa khong co xa
// nay" says the commune was not found and asks for the communes; the
// grant then names the commune.
func TestMatrixGrantRefusesAnUnknownCommune(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome")
			admin.Expect("consent.ask")
			officer := h.user(942, "Cán bộ Trảng Bàng")
			officer.Send("/start")
			officer.Expect("start.welcome")
			officer.Expect("consent.ask")

			admin.Send("/capquyen " + officer.chatID() + " xa khong co xa nay")
			m := admin.Expect("officer.commune_unknown")
			if !strings.Contains(m.PlainText, "«khong co xa nay»") {
				t.Errorf("the refusal does not say what was not found:\n%s", m.PlainText)
			}
			admin.Expect("officer.ask_communes")
			admin.Send("phuong trang bang")
			admin.Expect("form.confirm_title")
			admin.Press("Xác nhận")
			m = admin.Expect("officer.granted_communes")
			who := "Cán bộ Trảng Bàng"
			if ch == "zalo" {
				who = "Zalo " + officer.chatID() // Zalo gives no names
			}
			want := "✅ Đã cấp quyền Cán bộ xã cho " + who
			if !strings.HasPrefix(m.PlainText, want) || !strings.HasSuffix(m.PlainText, "phụ trách: Phường Trảng Bàng.") {
				t.Errorf("the grant reads:\n%s\nwant %q … %q", m.PlainText, want, "phụ trách: Phường Trảng Bàng.")
			}
			db := h.openDB()
			u := officer.stored(db)
			got, err := sqlite.NewUserStore(db).Communes(context.Background(), u.ID)
			if err != nil || len(got) != 1 {
				t.Fatalf("communes of the officer: %v, %v", got, err)
			}
		})
	}
}
