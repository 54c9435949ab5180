package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// message returns the current state of one of the bot's messages to a user.
func (p *person) message(id int) telegramtest.Message {
	p.h.t.Helper()
	for _, m := range p.h.api.Messages(p.u.ID) {
		if m.ID == id {
			return m
		}
	}
	p.h.t.Fatalf("no message %d to user %d", id, p.u.ID)
	return telegramtest.Message{}
}

// searchResults sends "/timkiem text" and returns the answer.
func (p *person) search(text string) telegramtest.Message {
	p.h.t.Helper()
	p.Send("/timkiem " + text)
	return p.Next()
}

func TestSearchEndToEnd(t *testing.T) {
	h := newHarness(t, "embedded")
	h.env["ADMIN_IDS"] = "900"
	// The officers' list of rated products, imported before the bot starts.
	a := &admin{t: t, env: h.env}
	a.ok("import", example("import-example.csv"))
	// The commune officer of Trảng Bàng, given the role before the bot
	// starts (while it runs, roles change only through the bot).
	admin, officer, producer := h.user(900, "Quản trị"), h.user(901, "Cán bộ Trảng Bàng"), h.user(902, "Hạnh")
	seedOfficer(t, h.openDB(), officer, "25708")
	h.start()

	admin.Send("/start")
	admin.Expect("start.welcome_officer")
	producer.Send("/start")
	producer.Expect("start.welcome")
	producer.Expect("consent.ask")

	// A producer is refused, and so is a forged page button.
	producer.Send("/timkiem banh trang")
	producer.Expect("common.officers_only")
	if ans := producer.PressData(producer.last().ID, "tk|abcd|1"); !h.matches(ans.Text, "vi", "common.officers_only") {
		t.Errorf("a producer's forged button: %q", ans.Text)
	}
	producer.Quiet()

	// Without text: what to find is asked; a command in between drops
	// the asking, and a text without letters or digits gets the usage.
	admin.Send("/timkiem")
	admin.Expect("search.ask")
	admin.Send("/trogiup")
	admin.Expect("help.text")
	admin.Send("/timkiem")
	admin.Expect("search.ask")
	admin.Send("!!!")
	admin.Expect("search.usage")

	// Diacritics optional: "banh trang" finds "Bánh tráng ...".
	m := admin.search("banh trang")
	if !h.matches(m.Text, "vi", "search.header") || !strings.Contains(m.Text, "Bánh tráng phơi sương Trảng Bàng") ||
		!strings.Contains(m.Text, "Bánh tráng siêu mỏng Tân Nhiên") {
		t.Errorf("banh trang:\n%s", m.Text)
	}
	if first := strings.Index(m.PlainText, "1. "); first < 0 || !strings.HasPrefix(m.PlainText[first:], "1. 📦 Bánh tráng") {
		t.Errorf("the best match is not first:\n%s", m.Text)
	}

	// A phone in any format finds its subject, then its products.
	for _, phone := range []string{"0912.345.678", "+84 912 345 678", "84912345678", "0912 345 678"} {
		m := admin.search(phone)
		if !strings.Contains(m.PlainText, "1. 👤 HTX Bánh tráng Trảng Bàng") || !strings.Contains(m.PlainText, "0912 345 678") ||
			!strings.Contains(m.PlainText, "2. 📦 Bánh tráng phơi sương Trảng Bàng") || strings.Contains(m.PlainText, "3. ") {
			t.Errorf("phone %q:\n%s", phone, m.PlainText)
		}
	}

	// A product code finds its product only.
	m = admin.search("80-25480-001-2024")
	if !strings.Contains(m.PlainText, ": 1 mục") || !strings.Contains(m.Text, "Muối tôm Tây Ninh") {
		t.Errorf("product code:\n%s", m.PlainText)
	}
	// A commune by code or by name.
	for _, q := range []string{"25480", "Phường Bình Minh", "binh minh"} {
		if m := admin.search(q); !strings.Contains(m.Text, "Cơ sở Muối tôm Tây Ninh") {
			t.Errorf("commune %q:\n%s", q, m.PlainText)
		}
	}
	// Nothing found.
	admin.search("sầu riêng bà rịa")
	if !h.matches(admin.last().Text, "vi", "search.none") {
		t.Errorf("no match: %q", admin.last().Text)
	}
	if m := admin.search(strings.Repeat("bánh ", 30)); !h.matches(m.Text, "vi", "search.too_long") {
		t.Errorf("too long: %q", m.Text)
	}

	// Pages: 6 hits for "HTX", 3 on a page, each with a button that opens
	// it; the page buttons turn the page in place.
	m = admin.search("HTX")
	if !strings.Contains(m.PlainText, "6 mục · trang 1/2") || !strings.Contains(m.Text, "3. ") || strings.Contains(m.Text, "4. ") {
		t.Fatalf("page 1:\n%s", m.PlainText)
	}
	if _, ok := m.FindButton("◀ Trang trước"); ok {
		t.Error("page 1 has a previous button")
	}
	if n := len(m.Buttons()); n != 4 {
		t.Errorf("page 1 has %d buttons, want 3 results and the next page", n)
	}
	admin.Press("Trang sau")
	page := admin.message(m.ID)
	if !strings.Contains(page.PlainText, "trang 2/2") || !strings.Contains(page.Text, "6. ") || strings.Contains(page.Text, "3. ") || page.Edits != 1 {
		t.Errorf("page 2 (%d edits):\n%s", page.Edits, page.PlainText)
	}
	if _, ok := page.FindButton("Trang sau ▶"); ok {
		t.Error("the last page has a next button")
	}
	admin.Press("Trang trước")
	if page := admin.message(m.ID); !strings.Contains(page.PlainText, "trang 1/2") {
		t.Errorf("back to page 1:\n%s", page.PlainText)
	}
	// A new search makes the old page buttons stale.
	admin.search("banh trang")
	prev, _ := page.FindButton("◀ Trang trước")
	if ans := admin.PressData(m.ID, prev.Data); !h.matches(ans.Text, "vi", "search.stale") {
		t.Errorf("a stale page button: %q", ans.Text)
	}
	admin.Quiet()

	// A commune officer sees only the communes in scope: Trảng Bàng's
	// products, not Bình Minh's.
	m = officer.search("banh trang")
	if !strings.Contains(m.Text, "Bánh tráng phơi sương Trảng Bàng") || !strings.Contains(m.Text, "Bánh tráng siêu mỏng Tân Nhiên") {
		t.Errorf("officer, in scope:\n%s", m.PlainText)
	}
	for _, outside := range []string{"Muối tôm", "Phường Bình Minh", "Mãng cầu"} {
		if strings.Contains(m.Text, outside) {
			t.Errorf("officer sees %q outside the scope:\n%s", outside, m.PlainText)
		}
	}
	officer.search("0913 111 222") // Muối tôm's subject, in Bình Minh
	if !h.matches(officer.last().Text, "vi", "search.none") {
		t.Errorf("officer, out of scope: %q", officer.last().Text)
	}
	officer.Quiet()
}

// TestSearchOpensResults opens what /timkiem found, on each channel: a
// product as the review shows it, a subject with its products in the
// officer's communes. On Zalo the page's buttons are real buttons (three
// results and the page buttons: five at most).
func TestSearchOpensResults(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			imp := &admin{t: t, env: h.env}
			imp.ok("import", example("import-example.csv"))
			admin := h.admin(900, "Quản trị", ch)
			officer := h.user(901, "Cán bộ Trảng Bàng")
			db := h.openDB()
			seedOfficer(t, db, officer, "25708")
			outside, err := sqlite.NewSubjectStore(db).FindByPhone(context.Background(), "+84913111222") // Bình Minh
			if err != nil {
				t.Fatal(err)
			}
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome_officer")

			// A product found opens as the review shows it.
			m := admin.search("banh trang")
			if !h.matches(m.Text, "vi", "search.header") {
				t.Fatalf("banh trang:\n%s", m.PlainText)
			}
			if ch == "zalo" {
				zm := h.zl.Messages(admin.zu.ID)
				if last := zm[len(zm)-1]; len(last.Buttons) == 0 || len(last.Buttons) > 5 {
					t.Errorf("zalo: %d buttons on a page of results, want 1 to 5", len(last.Buttons))
				}
			}
			admin.Press("📦 Bánh tráng phơi sương Trảng Bàng")
			card := admin.Expect("review.subject")
			if !strings.Contains(card.PlainText, "HTX Bánh tráng Trảng Bàng") || !strings.Contains(card.PlainText, "Bánh tráng phơi sương Trảng Bàng") {
				t.Errorf("the product opened:\n%s", card.PlainText)
			}
			// Imported under qd148-2023, whose rulebook does not list its
			// sets: the set and its group as today's catalogue names the
			// number, as the figures count it.
			if !strings.Contains(card.PlainText, "Ngành: Thực phẩm\nBộ sản phẩm: Chế biến từ gạo, ngũ cốc\n") {
				t.Errorf("the group and set of a product of an old rulebook:\n%s", card.PlainText)
			}
			// Its dossier is on paper at the province: no list of missing
			// papers to act on.
			if !admin.matches(card.Text, "vi", "lifecycle.imported_dossier") || strings.Contains(card.PlainText, "⏳") {
				t.Errorf("an imported product's card lists papers:\n%s", card.PlainText)
			}
			// Its list said nothing of a raw-material area or a circular
			// chain: not known, not "Không".
			if !strings.Contains(card.PlainText, "Vùng nguyên liệu ổn định: (chưa rõ: sản phẩm nhập từ danh sách đã công nhận)") {
				t.Errorf("an imported product's details unknown shown as known:\n%s", card.PlainText)
			}

			// An expired certificate is not shown as valid.
			admin.search("nhang sach")
			admin.Press("📦 Nhang sạch Hòa Thành")
			card = admin.Expect("review.subject")
			if !admin.matches(card.Text, "vi", "lifecycle.line_certificate_lapsed") || strings.Contains(card.PlainText, "còn hiệu lực") {
				t.Errorf("an expired certificate on the officers' view:\n%s", card.PlainText)
			}

			// A subject found opens with its products, each opening as above.
			admin.search("0912 345 678")
			admin.Press("1. 👤 HTX Bánh tráng Trảng Bàng")
			card = admin.Expect("review.subject")
			for _, want := range []string{"HTX Bánh tráng Trảng Bàng", "0912 345 678", "Bánh tráng phơi sương Trảng Bàng", "/thaymat "} {
				if !strings.Contains(card.PlainText, want) {
					t.Errorf("the subject opened lacks %q:\n%s", want, card.PlainText)
				}
			}
			admin.Press("Bánh tráng phơi sương Trảng Bàng")
			if card := admin.Expect("review.subject"); !strings.Contains(card.PlainText, "Bánh tráng phơi sương Trảng Bàng") {
				t.Errorf("the subject's product opened:\n%s", card.PlainText)
			}
			admin.Quiet()

			// The list's craft column counts: bánh tráng and muối tôm are
			// valid 3-star products of two of the plan's six crafts (the
			// nhang's certificate has lapsed).
			admin.Send("/thongke")
			if m := admin.Expect("figures.title", "figures.areas", "figures.footer"); !strings.Contains(m.PlainText, "Toàn tỉnh: 33,3% (2/6)") {
				t.Errorf("the crafts' figure after the import:\n%s", m.PlainText)
			}

			// A commune officer opens what is in scope, and a subject
			// outside it (a forged button) answers as one not found.
			m = officer.search("banh trang")
			if strings.Contains(m.Text, "Muối tôm") {
				t.Errorf("officer sees Bình Minh:\n%s", m.PlainText)
			}
			ans := officer.PressData(m.ID, "tks|o|"+strconv.FormatInt(outside.ID, 10))
			if ch == "zalo" {
				officer.Expect("search.subject_gone")
			} else if !h.matches(ans.Text, "vi", "search.subject_gone") {
				t.Errorf("a subject outside the scope: %q", ans.Text)
			}
			officer.Quiet()
		})
	}
}

// TestFailedReevaluationCertificateLine: a product whose re-evaluation did
// not pass keeps its old certificate's number; the officers' view says the
// certificate no longer counts from the day it failed, not from year 0.
func TestFailedReevaluationCertificateLine(t *testing.T) {
	h := newHarness(t, "embedded")
	admin := h.admin(900, "Quản trị", "telegram")
	db := h.openDB()
	ctx := context.Background()
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Thất Bại", Phone: "+84912000999", CommuneCode: "25480"}
	if err := sqlite.NewSubjectStore(db).Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	issued := time.Date(2024, 2, 1, 0, 0, 0, 0, loc)
	p := domain.Product{SubjectID: s.ID, Name: "Chả lụa Thất Bại", Set: 6, Stage: domain.StageFailed, Rulebook: "qd26-2026", Purpose: domain.PurposeReeval,
		Year: 2024, Stars: 4, Score: 45, CertNo: "77/QĐ-UBND", CertIssued: issued, CertExpires: issued.AddDate(3, 0, 0), CertRules: "qd26-2026"}
	if err := sqlite.NewProductStore(db).Create(ctx, &p, "", "80"); err != nil {
		t.Fatal(err)
	}
	h.start()
	admin.Send("/start")
	admin.Expect("start.welcome_officer")
	admin.search("cha lua")
	admin.Press("📦 Chả lụa Thất Bại")
	card := admin.Expect("review.subject")
	if !admin.matches(card.Text, "vi", "lifecycle.line_certificate_lapsed") || strings.Contains(card.PlainText, "0000") || strings.Contains(card.PlainText, "còn hiệu lực") {
		t.Errorf("the certificate of a failed re-evaluation:\n%s", card.PlainText)
	}
}

// TestMatrixSearchByRepresentative: an officer who knows the person, not
// the name of their cooperative, finds it by the representative's name
// (the subject, its products from there); the hit and the dossier's card
// name the representative.
func TestMatrixSearchByRepresentative(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			p := h.user(616, "Bình")
			submitted(t, p) // represented by Nguyễn Văn Bình
			admin.ExpectNotice("notice.officer_submitted")

			// "/timkiem" alone asks what to find; the next text is it.
			admin.Send("/timkiem")
			admin.Expect("search.ask")
			admin.Send("nguyen van binh")
			m := admin.Next()
			if !admin.matches(m.Text, "vi", "search.header") || !strings.Contains(m.PlainText, "HTX Bánh tráng Bình Minh · Hợp tác xã · đại diện: Nguyễn Văn Bình") {
				t.Fatalf("searched by the representative:\n%s", m.PlainText)
			}
			if strings.Contains(m.PlainText, "📦") {
				t.Errorf("a representative's name found the subject's products too:\n%s", m.PlainText)
			}
			admin.Press("1. 👤 HTX Bánh tráng Bình Minh")
			admin.Expect("review.subject", "search.representative")
			admin.Press("Bánh tráng phơi sương")
			if card := admin.Expect("review.subject"); !strings.Contains(card.PlainText, "Người đại diện: Nguyễn Văn Bình") {
				t.Errorf("the dossier's card without its representative:\n%s", card.PlainText)
			}
		})
	}
}
