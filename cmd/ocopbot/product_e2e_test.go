package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// register takes a new user through consent and the whole registration.
func (p *person) register(name, commune string) *person {
	p.h.t.Helper()
	p.consent()
	p.Send("/dangky")
	p.Expect("register.ask_kind")
	p.Send("1")
	p.Expect("register.ask_name")
	p.Send(name)
	p.Expect("register.ask_rep")
	p.Send("Nguyễn Văn Bình")
	p.Expect("register.ask_phone")
	p.Send(fmt.Sprintf("09%08d", p.u.ID))
	p.Expect("form.noted")
	p.Expect("register.ask_commune")
	p.Send(commune)
	p.Expect("register.ask_regno")
	p.Press("Bỏ qua")
	p.Expect("register.ask_channels")
	p.Press("Bỏ qua")
	p.Expect("form.confirm_title")
	p.Press("Xác nhận")
	p.Expect("register.done")
	return p
}

// addProduct adds a product through the form; group and set are labels.
func (p *person) addProduct(name, group, set string) telegramtest.Message {
	p.h.t.Helper()
	p.Send("/themsanpham")
	p.Expect("product.ask_name")
	p.Send(name)
	p.Expect("product.ask_group")
	p.Press(group)
	if set != "" {
		p.Expect("product.ask_set")
		p.Press(set)
	}
	p.Expect("product.ask_existing")
	p.Press("Sản phẩm đã có")
	p.Expect("product.ask_craft")
	p.Press("Bỏ qua")
	p.Expect("product.ask_raw")
	p.Press("Có")
	p.Expect("product.ask_raw_where")
	p.Send("ấp Bình Nguyên, 5 ha")
	p.Expect("product.ask_circular")
	p.Press("Không")
	p.Expect("form.confirm_title")
	p.Press("Xác nhận")
	return p.Expect("product.created")
}

// required counts the mandatory and knock-out items of a product set.
func required(t *testing.T, set int) (n int, items []domain.Item) {
	t.Helper()
	rs, err := domain.DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	r, err := rs.ForNewDossier(time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range r.Checklist(set) {
		if it.Kind != domain.ItemEvidence {
			n++
		}
	}
	return n, r.Checklist(set)
}

var (
	pdfBytes  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	jpegBytes = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}, make([]byte, 200)...)
)

func TestProductDossierSubmitAndStatus(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(701, "Hạnh").register("HTX Bánh tráng Trảng Bàng", "binh minh")

	p.Send("/sanpham")
	p.Expect("product.none")
	p.Press("Thêm sản phẩm")
	p.Expect("product.ask_name")
	p.Send("B")
	p.Expect("product.name_too_short", "product.ask_name")
	p.Send(strings.Repeat("bánh ", 100))
	p.Expect("product.name_too_long", "product.ask_name")
	p.Send("Bánh tráng phơi sương")
	p.Expect("product.ask_group")
	p.Send("7") // a group that does not exist
	p.Expect("form.choose_listed", "product.ask_group")
	p.Send("thuc pham")
	p.Expect("product.ask_set")
	p.Send("che bien tu gao") // typed, without diacritics
	p.Expect("product.ask_existing")
	p.Press("Sản phẩm đã có")
	p.Expect("product.ask_craft")
	p.Send("Làng nghề bánh tráng phơi sương Trảng Bàng")
	p.Expect("product.ask_raw")
	p.Press("Không")
	p.Expect("product.ask_circular")
	p.Press("Có")
	m := p.Expect("form.confirm_title")
	if !strings.Contains(m.Text, "Chế biến từ gạo, ngũ cốc") {
		t.Fatalf("set not shown on the confirmation:\n%s", m.Text)
	}
	p.Press("Xác nhận")
	m = p.Expect("product.created")
	year := strconv.Itoa(time.Now().Year())
	if !strings.Contains(m.Text, "Mã sản phẩm: 80-") || !strings.Contains(m.Text, "-001-"+year) {
		t.Fatalf("no product code (province-commune-serial-year):\n%s", m.Text)
	}

	total, items := required(t, 6)
	p.Send("/hoso") // one product: the checklist at once
	m = p.Expect("dossier.header")
	if !strings.Contains(m.Text, fmt.Sprintf("Tiến độ: 0/%d", total)) || !strings.Contains(m.Text, "Mẫu 01") || !strings.Contains(m.Text, "Mẫu 02") {
		t.Fatalf("checklist:\n%s", m.Text)
	}

	// A file with no item selected is not taken.
	h.api.SendDocumentWithContent(p.u, "ho-so.pdf", "application/pdf", pdfBytes)
	p.Expect("dossier.pick_item_first")

	p.Press("Mẫu 01")
	p.Expect("dossier.item_header", "dossier.send_file_hint")
	h.api.SendDocumentWithContent(p.u, "virus.pdf", "application/pdf", []byte("MZ\x90\x00 this is a program"))
	p.Expect("dossier.file_type")
	h.api.SendDocument(p.u, "scan.pdf", "application/pdf", 25<<20)
	p.Expect("dossier.file_too_large")
	h.api.SendDocumentWithContent(p.u, "mau01.pdf", "application/pdf", pdfBytes)
	m = p.Expect("dossier.file_saved")
	if !strings.Contains(m.Text, "mau01.pdf") {
		t.Fatalf("the file is not listed:\n%s", m.Text)
	}
	p.Press("Về danh sách")
	m = p.Expect("dossier.header")
	if !strings.Contains(m.Text, fmt.Sprintf("Tiến độ: 1/%d", total)) {
		t.Fatalf("progress after one file:\n%s", m.Text)
	}
	p.Press("Mẫu 02")
	p.Expect("dossier.item_header")
	h.api.SendPhoto(p.u, "", telegramtest.WithContent(jpegBytes))
	p.Expect("dossier.file_saved")
	h.api.SendPhoto(p.u, "", telegramtest.WithContent(jpegBytes)) // page 2
	p.Expect("dossier.file_saved")
	p.Press("Về danh sách")
	m = p.Expect("dossier.header")
	if !strings.Contains(m.Text, fmt.Sprintf("Tiến độ: 2/%d", total)) || !strings.Contains(m.Text, "(2 tệp)") {
		t.Fatalf("progress after a photo:\n%s", m.Text)
	}
	// The rest goes on paper (samples in person).
	p.onPaper(items, "mau01", "mau02")
	m = p.last()
	if !strings.Contains(m.Text, fmt.Sprintf("Tiến độ: %d/%d", total, total)) {
		t.Fatalf("progress when complete:\n%s", m.Text)
	}
	p.Press("Nộp hồ sơ")
	p.Expect("dossier.submit_confirm")
	p.Press("nộp ngay")
	m = p.Expect("dossier.submitted")
	if !strings.Contains(m.Text, "/PĐK-80-") || !strings.Contains(m.Text, "-"+year) {
		t.Fatalf("no receipt number:\n%s", m.Text)
	}
	p.Send("/trangthai")
	m = p.Expect("status.profile")
	if !h.matches(m.Text, "vi", "stage.da_nop_xa") || !strings.Contains(m.Text, "Xã thẩm định xong chậm nhất ngày") {
		t.Fatalf("status lacks the stage or the commune's deadline:\n%s", m.Text)
	}
	p.Send("ho so cua toi sao roi")
	p.Expect("status.profile")

	db := h.openDB()
	u, _ := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "701")
	list, _ := sqlite.NewProductStore(db).ListBySubject(context.Background(), u.SubjectID)
	if len(list) != 1 || list[0].Stage != domain.StageFiled {
		t.Fatalf("stored: %+v", list)
	}
	hist, _ := sqlite.NewProductStore(db).History(context.Background(), list[0].ID)
	if len(hist) < 2 || hist[len(hist)-1].To != domain.StageFiled {
		t.Fatalf("history: %+v", hist)
	}

	// Withdraw before the commune starts checking.
	p.Send("/hoso")
	p.Expect("dossier.header", "dossier.filed_hint")
	p.Press("Rút hồ sơ")
	// Asked first, as the submission is; "no" leaves it filed.
	m = p.Expect("dossier.withdraw_confirm")
	if !strings.Contains(m.Text, "1/PĐK-") {
		t.Errorf("the question does not name the receipt given up:\n%s", m.Text)
	}
	p.Press("Không, để nguyên")
	p.Expect("dossier.header", "dossier.filed_hint")
	if got, _ := sqlite.NewProductStore(db).Get(context.Background(), list[0].ID); got.Stage != domain.StageFiled {
		t.Fatalf("withdrawn without a yes: %s", got.Stage)
	}
	p.Press("Rút hồ sơ")
	p.Expect("dossier.withdraw_confirm")
	p.Press("Có, rút về")
	p.Expect("dossier.withdrawn")
}

func TestTourismHasNoSamplesAndProducersStayApart(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	a := h.user(702, "An").register("Khu du lịch sinh thái Hồ Dầu Tiếng", "cau khoi")
	b := h.user(703, "Bé").register("HTX Mật ong Bảo An", "tra vong")

	m := a.addProduct("Tour trải nghiệm Hồ Dầu Tiếng", "Dịch vụ du lịch", "")
	_ = m
	a.Send("/hoso")
	m = a.Expect("dossier.header")
	_, items := required(t, 26)
	for _, it := range items {
		if it.InPerson {
			t.Fatalf("tourism checklist has the samples item %q", it.Short)
		}
	}
	if strings.Contains(m.Text, "5 mẫu") {
		t.Fatalf("tourism checklist shows samples:\n%s", m.Text)
	}
	a.Press("Mẫu 01")
	a.Expect("dossier.item_header")
	h.api.SendDocumentWithContent(a.u, "mau01.pdf", "application/pdf", pdfBytes)
	a.Expect("dossier.file_saved")

	// B forges buttons with A's product and file ids.
	db := h.openDB()
	ua, _ := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "702")
	prods, _ := sqlite.NewProductStore(db).ListBySubject(context.Background(), ua.SubjectID)
	pid := strconv.FormatInt(prods[0].ID, 10)
	files, _ := sqlite.NewDossierStore(db).Files(context.Background(), prods[0].ID, "mau01")
	if len(files) != 1 {
		t.Fatalf("files: %+v", files)
	}
	b.addProduct("Mật ong Bảo An", "Thực phẩm", "Mật ong")
	last := b.last()
	for _, data := range []string{"d|c|" + pid, "d|i|" + pid + "|mau01", "d|f|" + pid + "|" + strconv.FormatInt(files[0].ID, 10),
		"d|g|" + pid + "|mau02", "d|s|" + pid, "p|v|" + pid, "p|e|" + pid, "p|X|" + pid} {
		ans := b.PressData(last.ID, data)
		if !strings.Contains(ans.Text, "Không tìm thấy sản phẩm") {
			t.Errorf("forged %q answered %q", data, ans.Text)
		}
	}
	b.Quiet()
	if files, _ := sqlite.NewDossierStore(db).Files(context.Background(), prods[0].ID, "mau01"); len(files) != 1 {
		t.Fatal("a forged button deleted another producer's file")
	}
	if p, err := sqlite.NewProductStore(db).Get(context.Background(), prods[0].ID); err != nil || p.Stage.Submitted() {
		t.Fatalf("a forged button changed another producer's product: %+v %v", p, err)
	}

	// A deleted product's buttons are stale.
	a.Send("/sanpham")
	a.Expect("product.list")
	a.Press("Tour trải nghiệm")
	a.Expect("product.card")
	a.Press("Xóa sản phẩm")
	a.Expect("product.confirm_delete")
	stale := a.last()
	a.Press("Xóa hẳn")
	a.Expect("product.deleted")
	a.Expect("product.none")
	ans := a.PressData(stale.ID, "d|c|"+pid)
	if !strings.Contains(ans.Text, "Không tìm thấy sản phẩm") {
		t.Fatalf("stale button after delete: %q", ans.Text)
	}
}

func TestStatusOfACertifiedProductAndFAQ(t *testing.T) {
	h := newHarness(t, "embedded")
	h.start()
	p := h.user(704, "Lộc").register("HTX Dưa lưới Hoàng Xuân", "binh minh")
	db := h.openDB()
	u, _ := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "704")
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	issued := time.Date(2025, 3, 10, 0, 0, 0, 0, loc)
	prod := domain.Product{SubjectID: u.SubjectID, Name: "Dưa lưới Hoàng Xuân", Set: 1, Stage: domain.StageRecognised, Rulebook: "qd148-2023",
		Year: 2025, Score: 72.5, Stars: 4, CertNo: "456/QĐ-UBND", CertIssued: issued, CertExpires: issued.AddDate(3, 0, 0), CertRules: "qd148-2023"}
	if err := sqlite.NewProductStore(db).Create(context.Background(), &prod, "25480", "80"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"bao nhieu sao", "khi nao het han", "Hồ sơ của tôi sao rồi?"} {
		p.Send(q)
		m := p.Expect("status.profile", "status.stars", "status.certificate", "status.reevaluation")
		for _, want := range []string{"4 sao · 72,5 điểm", "456/QĐ-UBND", "10/03/2028", "12/09/2027", "11/11/2027"} {
			if !strings.Contains(m.Text, want) {
				t.Fatalf("%q: status lacks %q:\n%s", q, want, m.Text)
			}
		}
	}
	// Typed like the menu's "Thêm sản phẩm", without diacritics: the form,
	// not the list; "san pham" alone is the list.
	for _, q := range []string{"them san pham", "Thêm sản phẩm mới", "dang ky san pham"} {
		p.Send(q)
		p.Expect("form.header", "product.ask_name")
		p.Send("/huy")
		labelOf(t, p.Expect("form.cancelled"), "Hồ sơ") // with the menu: not a dead end
	}
	p.Send("san pham cua toi")
	p.Expect("product.list")
	p.Send("co san pham moi nao o hoi cho thang sau khong") // a question, not a request: the fairs
	p.Expect("ev.none")
	for q, id := range map[string]string{
		"OCOP là gì":               "faq.ocop",
		"mau 01 la gi":             "faq.mau01",
		"Mẫu 02 là gì vậy":         "faq.mau02",
		"nop ho so o dau":          "faq.where",
		"cach tinh sao the nao":    "faq.stars",
		"co may nhom san pham":     "faq.groups",
		"khi nao danh gia":         "faq.rounds",
		"được hỗ trợ gì":           "faq.support",
		"xyz không hiểu gì cả abc": "qa.not_understood",
	} {
		p.Send(q)
		p.Expect(id)
	}
}

// TestMatrixChecklistOnAPhone: on Zalo the checklist's lines carry the
// numbers to type (the items are not listed a second time as choices), and
// after an action the list comes back without the explanations it gave
// the first time; on Telegram the items are buttons.
func TestMatrixChecklistOnAPhone(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(617, "Mười Bảy").register("HTX Xoài Mười Bảy", "binh minh")
			p.addProduct("Xoài cát Mười Bảy", "Thực phẩm", "Rau, củ, quả, hạt tươi")
			p.Send("/hoso")
			m := p.Expect("dossier.header")
			if ch == "telegram" && !strings.Contains(m.PlainText, "Chứng minh:") {
				t.Errorf("the first checklist explains the extra papers:\n%s", m.PlainText)
			}
			if ch == "zalo" {
				if strings.Contains(m.PlainText, "Chứng minh:") || utf8.RuneCountInString(m.PlainText) > zalo.MaxText {
					t.Errorf("zalo: the checklist should fit one message, the explanations on the items' pages:\n%s", m.PlainText)
				}
				if !strings.Contains(m.PlainText, "\n1. ⏳ Mẫu 01 — ") || !strings.Contains(m.PlainText, "\n4. ⏳ Giấy ATTP — ") ||
					strings.Contains(m.PlainText, "\n1. ⏳ Mẫu 01\n") || !p.matches(m.PlainText, "vi", "dossier.pick_item_hint_numbered") {
					t.Errorf("zalo: the items' lines should carry the numbers, once:\n%s", m.PlainText)
				}
				if n := strings.Count(m.PlainText, "Giấy ATTP"); n != 1 {
					t.Errorf("zalo: Giấy ATTP named %d times:\n%s", n, m.PlainText)
				}
				// The last choice, after the items, is numbered on.
				if !strings.Contains(m.PlainText, "\n19. 🧺 Danh sách sản phẩm") {
					t.Errorf("zalo: the product list's choice:\n%s", m.PlainText)
				}
				p.Send("4")
			} else {
				if strings.Contains(m.PlainText, "1. ⏳") || !p.matches(m.Text, "vi", "dossier.pick_item_hint") {
					t.Errorf("telegram: numbered lines beside the buttons:\n%s", m.PlainText)
				}
				p.Press("Giấy ATTP")
			}
			if it := p.Expect("dossier.item_header"); !strings.Contains(it.PlainText, "Giấy ATTP") {
				t.Fatalf("the fourth item opened:\n%s", it.PlainText)
			}
			if ch == "zalo" {
				// The start of the button's words, as a farmer types it.
				p.Send("nop ban giay")
			} else {
				p.Press("Nộp bản giấy")
			}
			m = p.Expect("dossier.marked_paper", "dossier.header")
			if strings.Contains(m.PlainText, "Chứng minh:") {
				t.Errorf("after an action the explanations come again:\n%s", m.PlainText)
			}
			if ch == "zalo" && !strings.Contains(m.PlainText, "\n4. 📄 Giấy ATTP — ") {
				t.Errorf("zalo: the marked item's line:\n%s", m.PlainText)
			}
			// «quay lại» typed at an item's page goes back to the list.
			p.Press("Mẫu 02")
			p.Expect("dossier.item_header")
			p.Send("quay lai")
			p.Expect("dossier.header")
		})
	}
}

// TestMatrixFiledChecklistHint: a filed dossier's checklist says how to
// open an item where its lines are the numbers to type (Zalo).
func TestMatrixFiledChecklistHint(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(618, "Mười Tám")
			submitted(t, p)
			p.Send("/hoso")
			m := p.Expect("dossier.header", "dossier.filed_hint")
			if got := p.matches(m.PlainText, "vi", "dossier.view_item_hint_numbered"); got != (ch == "zalo") {
				t.Errorf("%s: the hint to type a number shown: %v\n%s", ch, got, m.PlainText)
			}
		})
	}
}

// TestMatrixProductNamedAtTheMenu: a producer who types one of their
// products' names, without diacritics, gets that product's status and its
// dossier; a name two products share shows the list; a name of someone
// else's product, or a single word that is only part of a name, is not
// taken for one.
func TestMatrixProductNamedAtTheMenu(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			other := h.user(619, "Mười Chín").register("HTX Mít Mười Chín", "binh minh")
			other.addProduct("Mít sấy Mười Chín", "Thực phẩm", "Chế biến từ rau, củ, quả, hạt")
			p := h.user(618, "Mười Tám").register("HTX Xoài Mười Tám", "binh minh")
			p.addProduct("Xoài cát Mười Tám", "Thực phẩm", "Rau, củ, quả, hạt tươi")
			p.addProduct("Xoài sấy dẻo Mười Tám", "Thực phẩm", "Chế biến từ rau, củ, quả, hạt")

			p.Send("xoai cat muoi tam")
			m := p.Expect("status.product")
			if !strings.Contains(m.PlainText, "Xoài cát Mười Tám") || strings.Contains(m.PlainText, "sấy dẻo") {
				t.Fatalf("the status of the product named:\n%s", m.PlainText)
			}
			labelOf(t, m, "Hồ sơ")
			p.Press("Hồ sơ")
			if m := p.Expect("dossier.header"); !strings.Contains(m.PlainText, "Xoài cát Mười Tám") {
				t.Errorf("the dossier opened is not the product's:\n%s", m.PlainText)
			}
			// Two words of a run of the name, with diacritics.
			p.Send("sấy dẻo")
			if m := p.Expect("status.product"); !strings.Contains(m.PlainText, "Xoài sấy dẻo Mười Tám") {
				t.Errorf("a run of the name's words:\n%s", m.PlainText)
			}
			// Both products start with "xoai": the list, to pick from.
			p.Send("xoai muoi tam")
			p.Expect("product.list")
			// One word of a name is too little to be sure: asked about
			// («Có phải …?» with the product's buttons), the list when both
			// products have it; only the start of a word is not taken.
			p.Send("deo")
			m = p.Expect("fallback.product_guess")
			if !strings.Contains(m.PlainText, "«Xoài sấy dẻo Mười Tám»") {
				t.Errorf("the product guessed from one word:\n%s", m.PlainText)
			}
			p.Press("Hồ sơ")
			if m := p.Expect("dossier.header"); !strings.Contains(m.PlainText, "Xoài sấy dẻo Mười Tám") {
				t.Errorf("the dossier opened is not the product's:\n%s", m.PlainText)
			}
			p.Send("xoai")
			p.Expect("product.list")
			p.Send("deo")
			p.Expect("fallback.product_guess")
			p.Send("co") // presses «Có, xem sản phẩm»
			if m := p.Expect("product.card"); !strings.Contains(m.PlainText, "Xoài sấy dẻo Mười Tám") {
				t.Errorf("«có» to the product guessed:\n%s", m.PlainText)
			}
			p.Send("xoa")
			p.Expect("qa.not_understood")
			p.Send("mit")
			p.Expect("qa.not_understood")
			// Another producer's product is none of this one's business.
			p.Send("mit say muoi chin")
			p.Expect("qa.not_understood")
		})
	}
}
