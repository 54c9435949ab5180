package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// officerHarness starts the bot with user 900 as a configured admin.
func officerHarness(t *testing.T) *harness {
	h := newHarness(t, "embedded")
	h.env["ADMIN_IDS"] = "900"
	h.start()
	return h
}

// grant makes a user an officer through /capquyen, typed on one line.
func grant(admin, target *person, args string) {
	admin.h.t.Helper()
	admin.Send("/capquyen " + strconv.FormatInt(target.u.ID, 10) + " " + args)
	admin.Expect("form.confirm_title")
	admin.Press("Xác nhận")
	admin.Expect("officer.granted")
}

// submitted registers a producer in Bình Minh with one food product whose
// dossier is submitted: Mẫu 01 as a PDF, the rest on paper.
func submitted(t *testing.T, p *person) {
	t.Helper()
	p.register("HTX Bánh tráng Bình Minh", "binh minh")
	p.addProduct("Bánh tráng phơi sương", "Thực phẩm", "Chế biến từ gạo, ngũ cốc")
	_, items := required(t, 6)
	p.Send("/hoso")
	p.Expect("dossier.header")
	p.Press("Mẫu 01")
	p.Expect("dossier.item_header")
	p.SendDocument("mau01.pdf", "application/pdf", pdfBytes)
	p.Expect("dossier.file_saved")
	p.onZalo(itemNumbers, func() {
		p.Press("Về danh sách")
		p.Expect("dossier.header")
	})
	p.onPaper(items, "mau01")
	p.Press("Nộp hồ sơ")
	p.Expect("dossier.submit_confirm")
	p.Press("nộp ngay")
	p.Expect("dossier.submitted")
}

// onPaper marks every mandatory or knock-out item but those sent as a file
// as handed in on paper (the samples in person), from the checklist.
func (p *person) onPaper(items []domain.Item, sent ...string) {
	p.h.t.Helper()
	for _, it := range items {
		if it.Kind == domain.ItemEvidence || slices.Contains(sent, it.ID) {
			continue
		}
		p.Press(it.Short)
		p.Expect("dossier.item_header")
		if it.InPerson {
			p.Press("Sẽ nộp trực tiếp")
		} else {
			p.Press("Nộp bản giấy")
		}
		p.Expect("dossier.marked_paper")
	}
}

// startCheck has a commune officer open the submitted dossier of
// "Bánh tráng phơi sương" from /duyet and start the commune's check; the
// producer p is told.
func (off *person) startCheck(p *person) {
	off.h.t.Helper()
	off.Send("/duyet")
	off.Expect("review.queue")
	off.Press("Bánh tráng phơi sương")
	off.Expect("review.subject")
	off.Press("Bắt đầu thẩm định")
	off.Expect("review.moved")
	p.ExpectNotice("notice.stage.xa_tham_dinh")
}

// expectNotice waits for a notice (sent by the outbox worker) among the
// user's next messages.
func (p *person) ExpectNotice(id string) {
	p.h.t.Helper()
	p.Expect(id)
}

func TestReviewEndToEnd(t *testing.T) {
	h := officerHarness(t)
	admin := h.user(900, "Quản trị")
	admin.Send("/start")
	admin.Expect("start.welcome_officer")
	commune := h.user(901, "Cán bộ xã")
	commune.Send("/start")
	commune.Expect("start.welcome")
	commune.Expect("consent.ask")
	province := h.user(902, "Cán bộ tỉnh")
	province.u.Username = "canbo_tinh"
	province.Send("/start")
	province.Expect("start.welcome")
	province.Expect("consent.ask")

	grant(admin, commune, "xa 25480")
	commune.ExpectNotice("officer.granted_you")
	admin.Send("/capquyen @canbo_tinh tinh")
	admin.Expect("form.confirm_title")
	admin.Press("Xác nhận")
	admin.Expect("officer.granted")
	province.ExpectNotice("officer.granted_you")
	// The officers' chats got the officers' command menu.
	if !h.api.WaitFor(wait, func() bool {
		for _, call := range h.api.Calls("setMyCommands") {
			if strings.Contains(call.Params["scope"], "901") && strings.Contains(call.Params["commands"], "duyet") {
				return true
			}
		}
		return false
	}) {
		t.Fatal("the commune officer's chat did not get the officers' menu")
	}

	p := h.user(903, "Hạnh")
	submitted(t, p)
	commune.ExpectNotice("notice.officer_submitted")

	// The commune officer returns Mẫu 01 with a reason.
	commune.Send("/duyet")
	commune.Expect("review.queue")
	commune.Press("Bánh tráng phơi sương")
	commune.Expect("review.subject")
	commune.Press("Mẫu 01")
	m := commune.Next() // the file, sent again
	if m.Kind != "document" {
		t.Fatalf("the PDF was not sent to the officer: %+v", m)
	}
	commune.Expect("review.item")
	commune.Press("Trả lại")
	commune.Expect("review.ask_reason")
	commune.Send("Thiếu chữ ký và con dấu")
	commune.Expect("form.confirm_title")
	commune.Press("Xác nhận")
	commune.Expect("review.returned")
	// One message for the returned dossier: the item, the reason, what to do.
	p.ExpectNotice("notice.item_returned")

	// The producer sends it again and re-submits.
	p.Send("/hoso")
	m = p.Expect("dossier.header")
	if !strings.Contains(m.Text, "Thiếu chữ ký và con dấu") {
		t.Fatalf("the checklist lacks the officer's reason:\n%s", m.Text)
	}
	p.Press("Mẫu 01")
	p.Expect("dossier.item_header")
	p.h.api.SendDocumentWithContent(p.u, "mau01-ky.pdf", "application/pdf", append(pdfBytes, []byte("% signed\n")...))
	p.Expect("dossier.file_saved")
	commune.ExpectNotice("notice.officer_resent")
	p.Press("Về danh sách")
	p.Expect("dossier.header")
	p.Press("Nộp hồ sơ")
	p.Expect("dossier.submit_confirm")
	p.Press("nộp ngay")
	p.Expect("dossier.submitted")
	commune.ExpectNotice("notice.officer_submitted")

	// The commune checks, accepts and forwards.
	commune.startCheck(p)
	commune.Press("Chuyển lên tỉnh")
	commune.Expect("review.forward_incomplete")
	commune.Press("Mẫu 01")
	commune.Next() // file 1
	commune.Next() // file 2
	commune.Expect("review.item")
	commune.Press("Chấp nhận")
	commune.Expect("review.accepted")
	p.ExpectNotice("notice.item_accepted")
	commune.Press("Chuyển lên tỉnh")
	commune.Expect("review.forward_confirm") // asked before it leaves the commune
	commune.Press("Có, chuyển lên tỉnh")
	commune.Expect("review.moved")
	p.ExpectNotice("notice.stage.tinh_danh_gia")

	// The province records the council's result: 5★ is above 72,5's band.
	province.Send("/duyet")
	province.Expect("review.queue")
	province.Press("Bánh tráng phơi sương")
	province.Expect("review.subject")
	province.Press("Ghi kết quả hội đồng")
	province.Expect("review.ask_score")
	province.Send("101")
	province.Expect("review.score_invalid")
	province.Send("72,5")
	province.Expect("review.ask_stars")
	province.Press("5 sao")
	province.Expect("review.stars_above_band", "review.ask_stars")
	province.Press("4 sao")
	province.Expect("review.ask_cert")
	province.Send("1234/QĐ-UBND")
	province.Expect("review.ask_issued")
	future := time.Now().AddDate(0, 0, 3).Format("02/01/2006")
	province.Send(future)
	province.Expect("review.date_future")
	// Today in the province: a certificate cannot be dated before the filing.
	vn, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Now().In(vn)
	province.Send(issued.Format("2/1/2006"))
	m = province.Expect("form.confirm_title")
	if !strings.Contains(m.Text, "72,5") { // decimals with a comma
		t.Errorf("the score is not written the Vietnamese way:\n%s", m.Text)
	}
	if province.matches(m.Text, "vi", "review.stars_below_band") {
		t.Errorf("4 stars for 72,5 points is the band, not below it:\n%s", m.Text)
	}
	// Stars below the band are the council's to give, but said so before
	// they are confirmed.
	province.Press("Hạng sao")
	province.Expect("review.ask_stars")
	province.Press("3 sao")
	if m = province.Expect("form.confirm_title"); !province.matches(m.Text, "vi", "review.stars_below_band") || !strings.Contains(m.Text, "72,5 điểm (4 sao)") {
		t.Errorf("3 stars for 72,5 points are not flagged:\n%s", m.Text)
	}
	province.Press("Hạng sao")
	province.Expect("review.ask_stars")
	province.Press("4 sao")
	province.Expect("form.confirm_title")
	province.Press("Xác nhận")
	m = province.Expect("review.certified")
	if _, ok := m.FindButton("Mã QR"); !ok {
		t.Fatalf("the officer's screen of a certified product has no QR code button: %+v", m.Buttons())
	}
	until := issued.AddDate(3, 0, 0).Format("02/01/2006")
	if !strings.Contains(m.Text, until) {
		t.Fatalf("certificate expiry is not 36 months after %s:\n%s", issued.Format("02/01/2006"), m.Text)
	}
	p.ExpectNotice("notice.stage.cong_nhan")
	p.Send("/trangthai")
	m = p.Expect("status.profile")
	for _, want := range []string{"4 sao · 72,5 điểm", "1234/QĐ-UBND", until} {
		if !strings.Contains(m.Text, want) {
			t.Fatalf("status lacks %q:\n%s", want, m.Text)
		}
	}
	db := h.openDB()
	u, _ := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "903")
	list, _ := sqlite.NewProductStore(db).ListBySubject(context.Background(), u.SubjectID)
	hist, _ := sqlite.NewProductStore(db).History(context.Background(), list[0].ID)
	var path []string
	for _, hc := range hist {
		path = append(path, string(hc.To))
	}
	want := "chuan_bi_ho_so da_nop_xa tra_lai_bo_sung da_nop_xa xa_tham_dinh tinh_danh_gia cong_nhan"
	if strings.Join(path, " ") != want {
		t.Fatalf("history = %v, want %s", path, want)
	}
}

func TestScoreOf90GoesToTheCentralLevel(t *testing.T) {
	h := officerHarness(t)
	admin := h.user(900, "Quản trị")
	p := h.user(904, "Tân")
	submitted(t, p)
	db := h.openDB()
	u, _ := sqlite.NewUserStore(db).Get(context.Background(), "telegram", "904")
	products := sqlite.NewProductStore(db)
	list, _ := products.ListBySubject(context.Background(), u.SubjectID)
	// The commune's part, done directly.
	for _, st := range [][2]domain.Stage{{domain.StageFiled, domain.StageCommuneCheck}, {domain.StageCommuneCheck, domain.StageProvince}} {
		if _, err := products.MoveStage(context.Background(), list[0].ID, st[0], st[1], 0, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	admin.Send("/duyet")
	admin.Expect("review.queue")
	admin.Press("Bánh tráng phơi sương")
	admin.Expect("review.subject")
	admin.Press("Ghi kết quả hội đồng")
	admin.Expect("review.ask_score")
	admin.Send("91")
	admin.Expect("form.confirm_title") // no stars: ≥ 90 goes up
	admin.Press("Xác nhận")
	admin.Expect("review.sent_central")
	got, _ := products.Get(context.Background(), list[0].ID)
	if got.Stage != domain.StageCentral || got.Stars != 0 || got.Score != 91 {
		t.Fatalf("after 91: %+v", got)
	}
	admin.Press("Ghi kết quả Trung ương")
	admin.Expect("review.ask_central_stars")
	admin.Press("5 sao")
	admin.Expect("review.ask_cert")
	admin.Send("99/QĐ-BNNMT")
	admin.Expect("review.ask_issued")
	// Today in the province (from 17:00 UTC it is already tomorrow there,
	// and a certificate cannot be dated before the filing).
	vn, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	admin.Send(time.Now().In(vn).Format("02/01/2006"))
	admin.Expect("form.confirm_title")
	admin.Press("Xác nhận")
	admin.Expect("review.certified")
	got, _ = products.Get(context.Background(), list[0].ID)
	if got.Stage != domain.StageRecognised || got.Stars != 5 {
		t.Fatalf("after the central decision: %+v", got)
	}
}

func TestGrantWithTheUserPicker(t *testing.T) {
	h := officerHarness(t)
	admin := h.user(900, "Quản trị")
	target := h.user(905, "Người được chọn")
	target.Send("/start")
	target.Expect("start.welcome")
	target.Expect("consent.ask")

	admin.Send("/capquyen")
	admin.Expect("officer.ask_who")
	kb, ok := h.api.CurrentReplyKeyboard(admin.u.ID)
	if !ok || len(kb.Rows) == 0 || !strings.Contains(kb.Rows[0][0].Text, "Chọn người") {
		t.Fatalf("no person-picker button: %+v", kb)
	}
	var picked models.Update
	raw := `{"message":{"message_id":77,"date":1,"chat":{"id":900,"type":"private"},"from":{"id":900,"is_bot":false,"first_name":"Quản trị"},
		"users_shared":{"request_id":1,"users":[{"user_id":905,"first_name":"Người được chọn"}]}}}`
	if err := json.Unmarshal([]byte(raw), &picked); err != nil {
		t.Fatal(err)
	}
	h.api.Push(picked)
	admin.Expect("form.noted")
	admin.Expect("officer.ask_role")
	admin.Press("Cán bộ tỉnh")
	m := admin.Expect("form.confirm_title")
	if !strings.Contains(m.Text, "Người được chọn (905)") {
		t.Fatalf("the picked person is not on the confirmation:\n%s", m.Text)
	}
	admin.Press("Xác nhận")
	admin.Expect("officer.granted")
	target.ExpectNotice("officer.granted_you")
	// An unknown person picked is refused, and the step asked again.
	admin.Send("/capquyen")
	admin.Expect("officer.ask_who")
	raw = strings.Replace(raw, `"user_id":905`, `"user_id":123456`, 1)
	_ = json.Unmarshal([]byte(raw), &picked)
	h.api.Push(picked)
	admin.Expect("officer.who_unknown", "officer.ask_who")
}

// TestMatrixFailADossier: "⛔ Không đạt" opens a form of its own (its
// title and question are the failure's, not a return's), and the
// producer is told the reason.
func TestMatrixFailADossier(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			commune := h.user(901, "Cán bộ xã")
			seedOfficer(t, h.openDB(), commune, "25480")
			h.start()
			p := h.user(903, "Hạnh")
			submitted(t, p)
			commune.ExpectNotice("notice.officer_submitted")

			commune.startCheck(p)
			commune.Press("Không đạt")
			m := commune.Expect("form.header", "review.ask_fail_reason")
			if !strings.Contains(m.PlainText, "Hồ sơ không đạt") || strings.Contains(m.PlainText, "Trả lại") {
				t.Errorf("the failure's form:\n%s", m.PlainText)
			}
			commune.Send("Sản phẩm chưa có bao bì, nhãn mác")
			commune.Expect("form.confirm_title")
			commune.Press("Xác nhận")
			commune.Expect("review.failed")
			if n := p.Expect("notice.stage.khong_dat"); !strings.Contains(n.PlainText, "chưa có bao bì, nhãn mác") {
				t.Errorf("the producer's notice lacks the reason:\n%s", n.PlainText)
			}
			db := h.openDB()
			list, _ := sqlite.NewProductStore(db).ListBySubject(context.Background(), p.stored(db).SubjectID)
			if len(list) != 1 || list[0].Stage != domain.StageFailed {
				t.Fatalf("products %+v, want one not passed", list)
			}
		})
	}
}

// TestMatrixNoReviewOfOnesOwnDossier: a producer who is made a commune
// officer of their own commune does not review their own dossier: /duyet
// leaves it out and says why, a forged button to open it is refused, and
// the other officer of the commune reviews it as usual.
func TestMatrixNoReviewOfOnesOwnDossier(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			commune := h.user(901, "Cán bộ xã")
			seedOfficer(t, h.openDB(), commune, "25480")
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			p := h.user(903, "Hạnh")
			submitted(t, p)
			commune.ExpectNotice("notice.officer_submitted")
			admin.ExpectNotice("notice.officer_submitted")

			admin.Send("/capquyen " + p.chatID() + " xa binh minh")
			admin.Expect("form.confirm_title")
			admin.Press("Xác nhận")
			admin.Expect("officer.granted_communes")
			p.ExpectNotice("officer.granted_you")

			p.Send("/duyet")
			p.Expect("review.queue_only_own")
			db := h.openDB()
			list, err := sqlite.NewProductStore(db).ListBySubject(context.Background(), p.stored(db).SubjectID)
			if err != nil || len(list) != 1 {
				t.Fatalf("products %+v, %v", list, err)
			}
			p.pressRefused(fmt.Sprintf("r|o|%d", list[0].ID), "review.own_dossier")
			p.pressRefused(fmt.Sprintf("r|m|%d|%s", list[0].ID, domain.StageCommuneCheck), "review.own_dossier")

			// Nor can they move themselves to another subject to get round it.
			p.Send("/lienket " + p.ref() + " 0912345678")
			p.Expect("behalf.link_self")

			commune.startCheck(p)
			if got, _ := sqlite.NewProductStore(db).Get(context.Background(), list[0].ID); got.Stage != domain.StageCommuneCheck {
				t.Fatalf("stage %s after the other officer's start", got.Stage)
			}

			// Made a province officer, the same for the monitoring checks
			// and revocations of their own products.
			admin.Send("/capquyen " + p.chatID() + " tinh")
			admin.Expect("form.confirm_title")
			admin.Press("Xác nhận")
			admin.Expect("officer.granted")
			p.ExpectNotice("officer.granted_you")
			p.Send("/haukiem " + list[0].Code)
			p.Expect("review.own_dossier")
			p.Send("/thuhoi " + list[0].Code)
			p.Expect("review.own_dossier")
		})
	}
}
