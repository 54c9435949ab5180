package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/handlers"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// The scripted conversations below run on every channel of the matrix:
// the same script, the same message ids, through the real Telegram client
// against the fake Bot API and through the real Zalo adapter against the
// fake Zalo.

func TestMatrixRegistration(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(601, "Tư")
			p.consent()
			p.Press("Đăng ký")
			p.Expect("form.header", "register.ask_kind")
			p.Send("hop tac xa")
			p.Expect("register.ask_name")
			p.Send("HTX Bánh tráng Tư Hải & con")
			p.Expect("register.ask_rep")
			p.Send("Nguyen Van Tu")
			m := p.Expect("register.ask_phone")
			if m.ReplyKeyboard == nil || !m.ReplyKeyboard.Rows[0][0].RequestContact {
				t.Fatalf("the phone step offers no way to share the phone: %+v", m)
			}
			p.Share("84912000601", true)
			p.Expect("form.noted")
			p.Expect("register.ask_commune")
			p.Send("binh minh")
			p.Expect("register.ask_regno")
			p.Press("Bỏ qua")
			m = p.Expect("register.ask_channels")
			if _, ok := m.FindButton("Siêu thị"); !ok {
				t.Fatalf("no sales channel to pick: %+v", m.Buttons())
			}
			p.Press("Siêu thị")
			p.Expect("register.ask_channels")
			p.Press("Xong")
			m = p.Expect("form.confirm_title")
			if !strings.Contains(m.Text, "Điện thoại: 0912 000 601 (đã xác thực)") {
				t.Fatalf("the shared phone is not shown verified:\n%s", m.Text)
			}
			p.Press("Xác nhận")
			p.Expect("register.done")

			db := h.openDB()
			id := "601"
			if p.zu != nil {
				id = p.zu.ID
			}
			u, err := sqlite.NewUserStore(db).Get(context.Background(), ch, id)
			if err != nil || u.SubjectID == 0 {
				t.Fatalf("the %s user is not linked to a subject: %+v, %v", ch, u, err)
			}
			s, err := sqlite.NewSubjectStore(db).Get(context.Background(), u.SubjectID)
			if err != nil || s.Phone != "+84912000601" || !s.PhoneVerified || s.Name != "HTX Bánh tráng Tư Hải & con" {
				t.Fatalf("subject: %+v, %v", s, err)
			}
		})
	}
}

// staleNumbers: on Zalo a checklist of more than 5 items is a numbered
// list, and a typed number picks from the list shown last
// (bot.Session.Numbered): after an answer that shows the menu, the
// checklist's numbers no longer work and the checklist must be shown again.
const staleNumbers = "the checklist's numbers were replaced by the menu's: /hoso again"

// itemNumbers: the same after a file is saved: the item's own buttons
// replace the checklist's numbers, so the producer goes back to the list.
const itemNumbers = "the item's buttons replaced the checklist's numbers: back to the list"

func TestMatrixProductAndDossierWithUploads(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(611, "Hạnh").register("HTX Bánh tráng Trảng Bàng", "binh minh")
			m := p.addProduct("Bánh tráng phơi sương", "Thực phẩm", "Chế biến từ gạo, ngũ cốc")
			if !strings.Contains(m.Text, "Mã sản phẩm: 80-") {
				t.Fatalf("no product code:\n%s", m.Text)
			}

			total, items := required(t, 6)
			p.Send("/hoso")
			m = p.Expect("dossier.header")
			if !strings.Contains(m.Text, fmt.Sprintf("Tiến độ: 0/%d", total)) {
				t.Fatalf("checklist:\n%s", m.Text)
			}
			// A file with no item selected is not taken.
			p.SendDocument("ho-so.pdf", "application/pdf", pdfBytes)
			p.Expect("dossier.pick_item_first")
			p.onZalo(staleNumbers, func() {
				p.Send("/hoso")
				p.Expect("dossier.header")
			})

			p.Press("Mẫu 01")
			p.Expect("dossier.item_header", "dossier.send_file_hint")
			p.SendDocument("virus.pdf", "application/pdf", []byte("MZ\x90\x00 this is a program"))
			p.Expect("dossier.file_type")
			p.SendLargeDocument("scan.pdf", "application/pdf", handlers.MaxFileSize+1)
			p.Expect("dossier.file_too_large")
			p.SendDocument("mau01.pdf", "application/pdf", pdfBytes)
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
			p.SendPhoto(jpegBytes)
			p.Expect("dossier.file_saved")
			p.SendPhoto(jpegBytes) // page 2
			p.Expect("dossier.file_saved")
			p.Press("Về danh sách")
			m = p.Expect("dossier.header")
			if !strings.Contains(m.Text, fmt.Sprintf("Tiến độ: 2/%d", total)) || !strings.Contains(m.Text, "(2 tệp)") {
				t.Fatalf("progress after the photos:\n%s", m.Text)
			}

			// What was stored: the bytes sent, of the type sniffed.
			db := h.openDB()
			ctx := context.Background()
			u := p.stored(db)
			list, _ := sqlite.NewProductStore(db).ListBySubject(ctx, u.SubjectID)
			if len(list) != 1 {
				t.Fatalf("products: %+v", list)
			}
			dossiers := sqlite.NewDossierStore(db)
			for item, want := range map[string]struct {
				n    int
				mime string
				data []byte
			}{"mau01": {1, "application/pdf", pdfBytes}, "mau02": {2, "image/jpeg", jpegBytes}} {
				files, err := dossiers.Files(ctx, list[0].ID, item)
				if err != nil || len(files) != want.n {
					t.Fatalf("%s: %d files, want %d (%v)", item, len(files), want.n, err)
				}
				for _, f := range files {
					if f.MIME != want.mime || f.Size != int64(len(want.data)) {
						t.Errorf("%s: stored %s of %d bytes, want %s of %d", item, f.MIME, f.Size, want.mime, len(want.data))
					}
				}
			}
			if h.zl != nil {
				// The bot fetched the file of the wrong type and the three it
				// took; not the one over the limit, nor the one for no item.
				if n := h.zl.FileFetches(); n != 4 {
					t.Errorf("the bot fetched %d files from Zalo, want 4", n)
				}
			}

			// The rest goes on paper (samples in person), then it is submitted.
			p.onPaper(items, "mau01", "mau02")
			m = p.last()
			if !strings.Contains(m.Text, fmt.Sprintf("Tiến độ: %d/%d", total, total)) {
				t.Fatalf("progress when complete:\n%s", m.Text)
			}
			p.Press("Nộp hồ sơ")
			p.Expect("dossier.submit_confirm")
			p.Press("nộp ngay")
			m = p.Expect("dossier.submitted")
			if !strings.Contains(m.Text, "/PĐK-80-") {
				t.Fatalf("no receipt number:\n%s", m.Text)
			}
			if got, _ := sqlite.NewProductStore(db).Get(ctx, list[0].ID); got.Stage != domain.StageFiled {
				t.Fatalf("stage after submitting: %s", got.Stage)
			}
			p.Send("/trangthai")
			m = p.Expect("status.profile")
			if !p.matches(m.Text, "vi", "stage.da_nop_xa") || !strings.Contains(m.Text, "Xã thẩm định xong chậm nhất ngày") {
				t.Fatalf("status lacks the stage or the commune's deadline:\n%s", m.Text)
			}
			p.Send("ho so cua toi sao roi")
			p.Expect("status.profile")
			p.Quiet()
		})
	}
}

// TestMatrixStatusReevaluationPhase: /trangthai promises a reminder only
// while the re-evaluation's window is ahead; in it, it says to file now and
// by when; after it, that it is too late and until when the certificate
// holds (tried as an officer: a certificate ending in twelve days read
// "Mình sẽ nhắc khi đến lúc đánh giá lại").
func TestMatrixStatusReevaluationPhase(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(613, "Phúc").register("HTX Phúc", "binh minh")
			db := h.openDB()
			u := p.stored(db)
			loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
			y, m, d := time.Now().In(loc).Date()
			today := time.Date(y, m, d, 0, 0, 0, 0, loc)
			for _, c := range []struct {
				name    string
				expires int // days from today
			}{{"Xoài sắp hết hạn", 12}, {"Mật ong đang đánh giá lại", 150}, {"Nấm còn lâu", 400}} {
				exp := today.AddDate(0, 0, c.expires)
				prod := domain.Product{SubjectID: u.SubjectID, Name: c.name, Set: 1, Stage: domain.StageRecognised, Rulebook: "qd26-2026",
					Year: 2024, Score: 72.5, Stars: 4, CertNo: "9/QĐ-UBND", CertIssued: exp.AddDate(-3, 0, 0), CertExpires: exp, CertRules: "qd26-2026"}
				if err := sqlite.NewProductStore(db).Create(context.Background(), &prod, "25480", "80"); err != nil {
					t.Fatal(err)
				}
			}
			p.Send("/trangthai")
			msg := p.Expect("status.profile", "next.reeval_closed")
			block := func(name string) string {
				i := strings.Index(msg.PlainText, name)
				if i < 0 {
					t.Fatalf("no %s in the status:\n%s", name, msg.PlainText)
				}
				rest := msg.PlainText[i:]
				if j := strings.Index(rest[1:], "🧺"); j >= 0 {
					rest = rest[:j+1]
				}
				return rest
			}
			for name, id := range map[string]string{"Xoài sắp hết hạn": "next.reeval_closed", "Mật ong đang đánh giá lại": "next.reeval_open", "Nấm còn lâu": "next.cong_nhan"} {
				if b := block(name); !p.matches(b, "vi", id) {
					t.Errorf("%s: not %s:\n%s", name, id, b)
				}
			}
			if b := block("Xoài sắp hết hạn"); !strings.Contains(b, today.AddDate(0, 0, 12).Format("02/01/2006")) || strings.Contains(b, "Mình sẽ nhắc") {
				t.Errorf("the closed window's line:\n%s", b)
			}
			// No «Đánh giá lại» for the closed window (it could only be
			// refused); the open one has it.
			var labels []string
			for _, b := range msg.Buttons() {
				labels = append(labels, b.Text)
			}
			all := strings.Join(labels, "|")
			if strings.Contains(all, "Đánh giá lại «Xoài sắp hết hạn»") || !strings.Contains(all, "Đánh giá lại «Mật ong đang đánh giá lại»") {
				t.Errorf("the re-evaluation buttons: %s", all)
			}
		})
	}
}

// TestMatrixStatusFailedReevaluation: a producer whose re-evaluation did
// not pass reads in /trangthai that the old certificate stopped counting
// the day before the failure, not "sau ngày 31/12/0000".
func TestMatrixStatusFailedReevaluation(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(614, "Hạnh").register("HTX Hạnh", "binh minh")
			db := h.openDB()
			u := p.stored(db)
			loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
			issued := time.Date(2023, 5, 2, 0, 0, 0, 0, loc)
			prod := domain.Product{SubjectID: u.SubjectID, Name: "Bánh tráng Hạnh", Set: 6, Stage: domain.StageFailed, Rulebook: "qd26-2026", Purpose: domain.PurposeReeval,
				Year: 2023, Score: 45, Stars: 3, CertNo: "31/QĐ-UBND", CertIssued: issued, CertExpires: issued.AddDate(3, 0, 0), CertRules: "qd26-2026"}
			if err := sqlite.NewProductStore(db).Create(context.Background(), &prod, "25480", "80"); err != nil {
				t.Fatal(err)
			}
			p.Send("/trangthai")
			msg := p.Expect("status.profile")
			yesterday := time.Now().In(loc).AddDate(0, 0, -1).Format("02/01/2006")
			if !p.matches(msg.Text, "vi", "status.certificate_lapsed") || strings.Contains(msg.PlainText, "0000") || !strings.Contains(msg.PlainText, yesterday) {
				t.Errorf("the certificate of a failed re-evaluation, want lapsed after %s:\n%s", yesterday, msg.PlainText)
			}
		})
	}
}

func TestMatrixStatusAndFAQ(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(612, "Lộc")
			p.Send("ho so cua toi sao roi")
			p.Expect("status.not_registered")
			p.register("HTX Dưa lưới Hoàng Xuân", "binh minh")
			db := h.openDB()
			u := p.stored(db)
			loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
			issued := time.Date(2025, 3, 10, 0, 0, 0, 0, loc)
			prod := domain.Product{SubjectID: u.SubjectID, Name: "Dưa lưới Hoàng Xuân", Set: 1, Stage: domain.StageRecognised, Rulebook: "qd148-2023",
				Year: 2025, Score: 72.5, Stars: 4, CertNo: "456/QĐ-UBND", CertIssued: issued, CertExpires: issued.AddDate(3, 0, 0), CertRules: "qd148-2023"}
			if err := sqlite.NewProductStore(db).Create(context.Background(), &prod, "25480", "80"); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{"/trangthai", "ho so cua toi sao roi", "bao nhieu sao", "Hồ sơ của tôi sao rồi?"} {
				p.Send(q)
				m := p.Expect("status.profile", "status.stars", "status.certificate", "status.reevaluation")
				for _, want := range []string{"4 sao · 72,5 điểm", "456/QĐ-UBND", "10/03/2028", "12/09/2027", "11/11/2027"} {
					if !strings.Contains(m.Text, want) {
						t.Fatalf("%q: status lacks %q:\n%s", q, want, m.Text)
					}
				}
			}
			for _, qa := range [][2]string{
				{"ocop la gi", "faq.ocop"},
				{"OCOP là gì", "faq.ocop"},
				{"mau 01 la gi", "faq.mau01"},
				{"nop ho so o dau", "faq.where"},
				{"cach tinh sao the nao", "faq.stars"},
				{"lam sao de duoc 4 sao", "faq.stars"},
				{"diem bao nhieu thi duoc 3 sao", "faq.stars"},
				{"chung nhan ocop co thoi han bao lau", "faq.validity"},
				{"khi nao danh gia", "faq.rounds"},
				{"được hỗ trợ gì", "faq.support"},
				{"xyz không hiểu gì cả abc", "qa.not_understood"},
			} {
				p.Send(qa[0])
				p.Expect(qa[1])
			}
			p.Quiet()
		})
	}
}

// TestMatrixOfficerReview: an officer reviews a producer's dossier, views
// the document and returns it with a reason; the producer is told (through
// the outbox), sends it again, and the officer is told. On the Zalo side of
// the matrix the producer is on Zalo and the officer on Telegram, or on
// Zalo too (an admin given as zalo:<id>).
func TestMatrixOfficerReview(t *testing.T) {
	for _, ch := range channels {
		for _, offCh := range []string{"telegram", "zalo"} {
			if ch == "telegram" && offCh == "zalo" {
				continue
			}
			t.Run(ch+"/officer_on_"+offCh, func(t *testing.T) {
				h := newMatrix(t, ch, "embedded")
				off := h.admin(900, "Quản trị", offCh)
				h.start()
				off.Send("/start")
				off.Expect("start.welcome_officer")

				p := h.user(613, "Hạnh")
				submitted(t, p)
				off.ExpectNotice("notice.officer_submitted")

				off.Send("/duyet")
				off.Expect("review.queue")
				off.Press("Bánh tráng phơi sương")
				off.Expect("review.subject")
				off.Press("Mẫu 01")
				m := off.Next() // the file, sent again
				if m.Kind != telegramtest.KindDocument {
					t.Fatalf("the PDF was not sent to the officer: %+v", m)
				}
				off.checkFile(m, "mau01.pdf", pdfBytes)
				off.captioned(m, "review.file_caption")
				off.Expect("review.item")
				off.Press("Trả lại")
				off.Expect("review.ask_reason")
				off.Send("Thiếu chữ ký và con dấu")
				off.Expect("form.confirm_title")
				off.Press("Xác nhận")
				off.Expect("review.returned")
				// One message for the returned dossier: the item, the reason, what to do.
				p.ExpectNotice("notice.item_returned")

				db := h.openDB()
				ctx := context.Background()
				list, _ := sqlite.NewProductStore(db).ListBySubject(ctx, p.stored(db).SubjectID)
				if len(list) != 1 || list[0].Stage != domain.StageReturned {
					t.Fatalf("after the return: %+v", list)
				}
				states, err := sqlite.NewDossierStore(db).Items(ctx, list[0].ID)
				if err != nil || states["mau01"].State != domain.ItemReturned || states["mau01"].Reason != "Thiếu chữ ký và con dấu" {
					t.Fatalf("Mẫu 01 after the return: %+v, %v", states["mau01"], err)
				}

				// The producer sees the reason and sends the paper again.
				p.Send("/hoso")
				m = p.Expect("dossier.header")
				if !strings.Contains(m.Text, "Thiếu chữ ký và con dấu") {
					t.Fatalf("the checklist lacks the officer's reason:\n%s", m.Text)
				}
				p.Press("Mẫu 01")
				p.Expect("dossier.item_header")
				p.SendDocument("mau01-ky.pdf", "application/pdf", append(pdfBytes, []byte("% signed\n")...))
				p.Expect("dossier.file_saved")
				off.ExpectNotice("notice.officer_resent")
				p.Quiet()
				off.Quiet()
			})
		}
	}
}

// TestMatrixEventAndRSVP: an officer creates a training for Bình Minh; the
// producers there, on Zalo and on Telegram, get the invitation with its
// RSVP buttons and answer; the second "yes" finds it full.
func TestMatrixEventAndRSVP(t *testing.T) {
	for _, ch := range channels {
		for _, offCh := range []string{"telegram", "zalo"} {
			if ch == "telegram" && offCh == "zalo" {
				continue
			}
			t.Run(ch+"/officer_on_"+offCh, func(t *testing.T) {
				h := newMatrix(t, ch, "embedded")
				off := h.admin(900, "Cán bộ", offCh)
				db := h.openDB()
				ctx := context.Background()
				lan := h.user(621, "Lan") // on the channel of the matrix
				lanID := seedPerson(t, db, lan, "Lan", "25480", 6)
				mai := h.tgUser(622, "Mai") // on Telegram
				maiID := seedPerson(t, db, mai, "Mai", "25480", 6)
				outside := h.user(623, "Hoa")
				seedPerson(t, db, outside, "Hoa", "25645", 6)
				h.start()

				loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
				when := time.Now().In(loc).AddDate(0, 0, 10)
				off.Send("/taosukien")
				off.Expect("ev.ask_kind")
				off.Send("tap huan")
				off.Expect("ev.ask_title")
				off.Send("Tập huấn xây dựng hồ sơ OCOP")
				off.Expect("ev.ask_when")
				off.Send(when.Format("02/01/2006") + " 08:00")
				off.Expect("ev.ask_place")
				off.Send("Hội trường UBND phường Bình Minh")
				off.Expect("ev.ask_desc")
				off.Send("Mang theo giấy đăng ký kinh doanh")
				off.Expect("aud.ask_kind")
				off.Press("Một số xã/phường")
				off.Expect("aud.ask_communes")
				off.Send("Bình Minh")
				off.Expect("ev.ask_capacity")
				off.Send("1")
				m := off.Expect("form.confirm_title")
				if !strings.Contains(m.Text, "(2 người nhận)") {
					t.Errorf("preview without the audience: %q", m.Text)
				}
				off.Press("Xác nhận")
				off.Expect("bulk.starting")
				off.Expect("ev.created", "ev.officer_card")
				off.waitMsg("bulk.summary")

				// The invitations, with the RSVP buttons on Zalo too.
				inv := lan.Expect("ev.invite")
				if !strings.HasPrefix(button(t, inv, "✅ Tham gia"), "ev|y|") || !strings.HasPrefix(button(t, inv, "Không tham gia"), "ev|n|") {
					t.Fatalf("the invitation's RSVP buttons: %+v", inv.Buttons())
				}
				mai.Expect("ev.invite")
				if n := outside.count("ev.invite"); n != 0 {
					t.Errorf("a producer outside the audience got %d invitations", n)
				}
				mai.Press("✅ Tham gia")
				mai.Expect("ev.rsvp_yes")
				// The one place is taken: refused (an alert on Telegram, a
				// message on Zalo).
				lan.Press("✅ Tham gia")
				lan.Expect("ev.full")
				lan.knownDuplicate("ev.full", dupAlert)
				lan.Press("Không tham gia")
				lan.Expect("ev.rsvp_no")
				events := sqlite.NewEventStore(db)
				var evID int64
				if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM events`).Scan(&evID); err != nil {
					t.Fatal(err)
				}
				for id, want := range map[int64]string{lanID: "no", maiID: "yes"} {
					if got, err := events.RSVPOf(ctx, evID, id); err != nil || got != want {
						t.Errorf("RSVP of user %d = %q (%v), want %q", id, got, err, want)
					}
				}

				// A producer outside the audience forges the buttons (ids
				// are sequential): neither the card nor a seat, and the
				// same answer as for an event that does not exist.
				for _, data := range []string{fmt.Sprintf("ev|s|%d", evID), fmt.Sprintf("ev|y|%d", evID), fmt.Sprintf("ev|n|%d", evID), fmt.Sprintf("ev|s|%d", evID+100)} {
					outside.pressRefused(data, "common.stale_button")
				}
				if got, err := events.RSVPOf(ctx, evID, outside.stored(db).ID); err != nil || got != "" {
					t.Errorf("the producer outside the audience answered %q (%v)", got, err)
				}
				outside.Send("/sukien")
				outside.Expect("ev.none")

				// The officer sees the counts.
				off.skipTo()
				off.Press("Danh sách")
				m = off.Expect("ev.people_head")
				if !strings.Contains(m.Text, "Tham gia: 1 · Không tham gia: 1") {
					t.Errorf("counts: %q", m.Text)
				}
				lan.Quiet()
				mai.Quiet()
			})
		}
	}
}

// TestMatrixAnnouncement: /thongbao to "Tất cả" reaches every consented
// user, on Telegram and on Zalo, once. The officer gets the progress: on
// Telegram one message edited until done; on Zalo, which cannot edit, new
// messages at most every 30 s, and the summary once.
func TestMatrixAnnouncement(t *testing.T) {
	const nTG, nZalo = 12, 6
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.env["BROADCAST_RATE"] = "10"
			off := h.user(900, "Cán bộ")
			h.env["ADMIN_IDS"] = off.chatID()
			if off.zu != nil {
				h.env["ADMIN_IDS"] = "zalo:" + off.chatID()
			}
			db := h.openDB()
			ctx := context.Background()
			seedUsers(t, db, 3000, nTG)
			var zusers []*person
			if h.zl != nil {
				users := sqlite.NewUserStore(db)
				for i := range int64(nZalo) {
					p := h.user(4000+i, fmt.Sprintf("Zalo %d", i))
					u, err := users.Touch(ctx, zalo.ChannelName, p.chatID(), "", p.zu.Name)
					if err != nil {
						t.Fatal(err)
					}
					if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
						t.Fatal(err)
					}
					zusers = append(zusers, p)
				}
			}
			total := nTG + len(zusers)
			h.start()

			const text = "Mời bà con tham dự hội chợ OCOP Tây Ninh 2026."
			off.Send("/thongbao")
			off.Expect("ann.ask_content")
			off.Send(text)
			off.Expect("ann.added")
			off.Press("Xong")
			off.Expect("ann.preview")
			off.waitMsg("aud.ask_kind")
			off.skipTo()
			off.Press("Tất cả")
			m := off.Expect("form.confirm_title")
			if !strings.Contains(m.Text, fmt.Sprintf("(%d người nhận)", total)) {
				t.Fatalf("audience: %q", m.Text)
			}
			off.Press("Xác nhận")
			progress := off.Expect("bulk.starting")
			summary := off.waitMsg("bulk.summary")
			if !strings.Contains(summary.Text, fmt.Sprintf("%d/%d", total, total)) {
				t.Errorf("summary: %q", summary.Text)
			}

			// Everyone got it once, on either channel.
			for id := int64(3000); id < 3000+nTG; id++ {
				if n := copiesOf(h.api, id, 1, text)[id]; n != 1 {
					t.Errorf("telegram user %d got %d copies", id, n)
				}
			}
			for _, p := range zusers {
				copies := 0
				for _, m := range p.received() {
					if strings.Contains(m.Text, text) {
						copies++
					}
				}
				if copies != 1 {
					t.Errorf("zalo user %s got %d copies", p.chatID(), copies)
				}
			}

			// The officer's progress.
			off.skipTo()
			if off.zu == nil {
				pm, _ := h.api.MessageByID(off.u.ID, progress.ID)
				if !matchesTemplate(t, h.tr, pm.Text, "vi", "bulk.done") || pm.Edits == 0 {
					t.Errorf("progress message not edited to done: %d edits, %q", pm.Edits, pm.Text)
				}
			} else {
				checkZaloProgress(t, off)
			}
			if n := off.count("bulk.summary"); n != 1 {
				t.Errorf("the summary came %d times", n)
			}
			for _, m := range off.received() {
				if strings.Contains(m.Text, text) && !off.matches(m.Text, "vi", "ann.preview") && m.Date.After(progress.Date) {
					t.Errorf("the officer got a copy: %q", m.Text)
				}
			}
		})
	}
}

// checkZaloProgress checks the progress of a bulk send on Zalo: from the
// starting message to the summary, new messages (nothing to edit), at
// least 30 s apart, and no "done" message (the summary ends it).
func checkZaloProgress(t *testing.T, off *person) {
	t.Helper()
	var (
		last       time.Time
		started    bool
		progresses int
	)
	for _, m := range off.received() {
		switch {
		case off.matches(m.Text, "vi", "bulk.starting"):
			started, last = true, m.Date
		case !started:
		case off.matches(m.Text, "vi", "bulk.done"):
			t.Errorf("a done message on Zalo: %q", m.Text)
		case off.matches(m.Text, "vi", "bulk.progress"):
			gap := m.Date.Sub(last)
			switch {
			case gap >= bulk.NoEditProgressEvery:
			default:
				t.Errorf("a progress message %v after the one before, want at least %v: %q", gap.Round(time.Millisecond), bulk.NoEditProgressEvery, m.Text)
			}
			last = m.Date
			progresses++
		}
	}
	if !started {
		t.Error("no starting message")
	}
}

// TestMatrixOtherMessagesFollowAndUnfollow: stickers, places, voice and
// video get the same short answer; following (Zalo) or /start (Telegram)
// gets the welcome; a user who unfollows (Zalo) or blocks the bot
// (Telegram) is marked blocked and sent nothing, not even an announcement
// to everyone, until they write again.
func TestMatrixOtherMessagesFollowAndUnfollow(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(631, "Nga")
			p.Follow()
			p.Expect("start.welcome")
			p.Expect("consent.ask")
			p.Press("Đồng ý")
			p.Edited("consent.given")
			p.Expect("consent.next")
			for _, send := range []func(){p.SendSticker, p.SendLocation, p.SendVoice, p.SendVideo} {
				send()
				p.Expect("fallback.text_only")
			}

			db := h.openDB()
			ctx := context.Background()
			users := sqlite.NewUserStore(db)
			blocked := func(want bool) {
				t.Helper()
				if !p.waitUntil(func() bool {
					u, err := users.Get(ctx, p.channel(), p.chatID())
					return err == nil && u.Blocked == want
				}) {
					t.Fatalf("the %s user's blocked flag did not become %v", ch, want)
				}
			}
			p.Unfollow()
			blocked(true)

			// An announcement to everyone reaches another user, not this one.
			other := h.tgUser(632, "Khoa").consent()
			job := createAnnouncementJob(t, db, "after-unfollow", "Thông báo sau khi bỏ theo dõi")
			waitJobDone(t, h, db, job.ID)
			if n := copiesOf(h.api, other.u.ID, 1, "Thông báo sau khi bỏ theo dõi")[other.u.ID]; n != 1 {
				t.Fatalf("the other user got %d copies", n)
			}
			var state string
			if err := db.SQL().QueryRowContext(ctx, `SELECT state FROM job_recipients WHERE job_id = ? AND user_id = ?`, job.ID, p.stored(db).ID).Scan(&state); err == nil && state == "sent" {
				t.Errorf("the blocked user's recipient row is %q", state)
			}
			p.Quiet()

			// Writing again unblocks.
			p.Comeback()
			p.Send("/trogiup")
			p.Expect("help.text")
			blocked(false)
			p.Quiet()
		})
	}
}

// holdSends makes the messenger hold the bot's sends until release is
// closed (then they fail, as if the bot had crashed before they went
// out); held is closed at the first one. restore ends it.
func holdSends(h *harness) (held <-chan struct{}, release chan struct{}, restore func()) {
	heldC, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	if h.zl != nil {
		h.zl.Handle(zalotest.PathSend, func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(heldC) })
			select {
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusBadGateway)
		})
		return heldC, release, func() { h.zl.Handle(zalotest.PathSend, nil) }
	}
	h.api.Handle("sendMessage", func(telegramtest.Call) (any, error) {
		once.Do(func() { close(heldC) })
		<-release
		return nil, fmt.Errorf("the bot crashed before this answer")
	})
	return heldC, release, func() { h.api.Handle("sendMessage", nil) }
}

// TestMatrixCrashInTheMiddleOfAnUpdate: a process killed (SIGKILL) while
// it sends its answer leaves the event recorded in the inbox; the next
// process answers it once; nothing is lost or doubled, and a clean restart
// hands out nothing again. A process killed just after answering (the
// de-duplication mark "done", the inbox mark maybe not) does not answer
// again.
func TestMatrixCrashInTheMiddleOfAnUpdate(t *testing.T) {
	for _, ch := range channels {
		for _, store := range []string{"embedded", "redis"} {
			if ch == "telegram" && store == "redis" {
				continue // TestUpdateCutShortByACrashIsHandledAfterRestartOnce
			}
			t.Run(ch+"/"+store, func(t *testing.T) {
				h := newMatrix(t, ch, store)
				p := h.user(641, "Bảo")
				held, release, restore := holdSends(h)
				child := h.startChild()
				if h.zl != nil {
					waitHTTP(t, h.env["HTTP_ADDR"])
				}
				p.Send("/trogiup") // Zalo: answered 200 once recorded
				child.waitFor(held)
				// Telegram has been told the update arrived (the next offset).
				if h.zl == nil && !h.api.WaitFor(wait, func() bool { return h.api.ConfirmedOffset() > p.lastUpdate }) {
					t.Fatal("the child did not acknowledge the update it recorded")
				}
				child.kill()
				restore()
				close(release)
				p.zpending = 0 // the child took it, not this process

				h.start()
				p.Expect("help.text")
				p.Send("/huy")
				p.Expect("cancel.nothing")
				p.Quiet()
				// A clean restart hands out nothing again.
				h.restart()
				p.Send("/huy")
				p.Expect("cancel.nothing")
				p.Quiet()
				h.stop()

				// Killed just after answering.
				q := h.user(642, "Cúc")
				child = h.startChild()
				if h.zl != nil {
					waitHTTP(t, h.env["HTTP_ADDR"])
				}
				q.Send("/trogiup")
				answered := make(chan struct{})
				go func() {
					defer close(answered)
					if h.zl != nil {
						h.zl.WaitMessages(wait, q.chatID(), 1)
					} else {
						h.api.WaitMessages(wait, q.u.ID, 1)
					}
				}()
				child.waitFor(answered)
				kv := h.kv()
				key := fmt.Sprintf("upd:%s:%d", q.channel(), q.lastUpdate)
				if !q.waitUntil(func() bool { v, ok, _ := kv.Get(context.Background(), key); return ok && string(v) == "done" }) {
					t.Fatal("the update was never marked handled")
				}
				child.kill() // at once: the inbox mark is most likely still queued
				q.zpending = 0
				q.Expect("help.text")
				h.start()
				q.Send("/huy")
				q.Expect("cancel.nothing")
				q.Quiet()
			})
		}
	}
}

// TestMatrixSameEventTwiceIsHandledOnce: Zalo retries an event it got no
// 200 for in time, with the same body; a retry (several at once, or after
// a restart) is handled once, for messages (msg_id), button taps, files
// and events without a msg_id (follow).
func TestMatrixSameEventTwiceIsHandledOnce(t *testing.T) {
	h := newMatrix(t, "zalo", "embedded")
	db := h.openDB()
	q := h.user(644, "Quý")
	seedPerson(t, db, q, "Quý", "25480", 6)
	h.start()
	p := h.user(643, "Dũng")
	replay := func(raw []byte, times int) {
		t.Helper()
		var wg sync.WaitGroup
		for range times {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code, err := h.zl.Replay(raw); err != nil || code != http.StatusOK {
					t.Errorf("a retry was answered %d, %v", code, err)
				}
			}()
		}
		wg.Wait()
	}
	p.Follow()
	replay(h.zl.LastEvent(), 2)
	p.Expect("start.welcome")
	p.Expect("consent.ask")
	p.Press("Đồng ý")
	replay(h.zl.LastEvent(), 3)
	p.Expect("consent.given")
	p.Expect("consent.next")
	p.Send("/trogiup")
	replay(h.zl.LastEvent(), 3)
	p.Expect("help.text")
	p.Send("/huy") // answered after any duplicate would have been
	p.Expect("cancel.nothing")
	p.Quiet()

	// A file sent twice is stored once.
	q.Send("/hoso")
	q.Expect("dossier.header")
	q.Press("Mẫu 01")
	q.Expect("dossier.item_header")
	q.SendDocument("mau01.pdf", "application/pdf", pdfBytes)
	file := h.zl.LastEvent()
	replay(file, 2)
	q.Expect("dossier.file_saved")
	q.Send("/huy")
	q.Expect("cancel.nothing")
	q.Quiet()

	// A late retry, after a restart.
	h.restart()
	replay(file, 1)
	q.Send("/huy")
	q.Expect("cancel.nothing")
	q.Quiet()
	p.Quiet()
	list, _ := sqlite.NewProductStore(db).ListBySubject(context.Background(), q.stored(db).SubjectID)
	if files, _ := sqlite.NewDossierStore(db).Files(context.Background(), list[0].ID, "mau01"); len(files) != 1 {
		t.Fatalf("a file sent once and retried is stored %d times", len(files))
	}
}

// TestMatrixZaloAlone: given only the ZALO_* settings (no Telegram token),
// the bot serves Zalo and /healthz says it is up; once the OA's tokens can
// no longer be renewed (the refresh is refused when the bot, its access
// token refused, tries), /healthz says it is down and the admins' notice
// is queued.
func TestMatrixZaloAlone(t *testing.T) {
	h := newMatrix(t, "zalo", "embedded")
	h.withoutTelegram()
	admin := h.user(900, "Quản trị")
	h.env["ADMIN_IDS"] = "zalo:" + admin.chatID()
	h.start()
	if code := h.health(); code != http.StatusOK {
		t.Fatalf("/healthz: %d", code)
	}
	admin.Send("/start")
	admin.Expect("start.welcome_officer")
	p := h.user(651, "Tư")
	p.consent()
	p.Send("/trogiup")
	p.Expect("help.text")
	if n := h.api.CallCount("getUpdates") + h.api.CallCount("getMe") + h.api.CallCount("sendMessage"); n != 0 {
		t.Errorf("the bot called the Bot API %d times without a token", n)
	}
	refreshes := h.zl.Refreshes()

	h.zl.FailRefresh(true)
	h.zl.ExpireAccessTokens()
	p.Send("/trogiup") // the reply's send is refused: the bot tries to refresh
	if !h.zl.WaitFor(wait, func() bool { return h.health() == http.StatusServiceUnavailable }) {
		t.Fatalf("/healthz still %d after the refresh failed\n%s", h.health(), h.log.tail(20))
	}
	if h.zl.RefreshAttempts() <= refreshes || h.zl.Refreshes() != refreshes {
		t.Errorf("refreshes: %d attempts, %d done (%d before)", h.zl.RefreshAttempts(), h.zl.Refreshes(), refreshes)
	}
	db := h.openDB()
	var queued int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM outbox WHERE key LIKE 'zalo-token-failed:%' AND chat_id = ?`, admin.chatID()).Scan(&queued); err != nil || queued != 1 {
		t.Errorf("the admin's notice: %d queued (%v)", queued, err)
	}
}

// pressRefused presses a button with forged data and checks the refusal:
// the answer to the press on Telegram, a message on Zalo.
func (p *person) pressRefused(data, id string) {
	p.h.t.Helper()
	msgID := 1
	if p.zu == nil {
		if msgs := p.h.api.Messages(p.u.ID); len(msgs) > 0 {
			msgID = msgs[len(msgs)-1].ID
		}
	}
	ans := p.PressData(msgID, data)
	if p.zu != nil {
		p.Expect(id)
		return
	}
	if !p.h.matches(ans.Text, "vi", id) {
		p.h.t.Errorf("pressing %s: answer %q, want %s", data, ans.Text, id)
	}
}
