package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// startClocked starts the bot with an injected clock, on the matrix's
// channel.
func (h *harness) startClocked(clock *fakeClock) {
	h.t.Helper()
	h.startAt(clock)
	if h.zl != nil {
		waitHTTP(h.t, h.env["HTTP_ADDR"])
	}
}

// certified stores a recognised product of a subject, as an import would.
func certified(t *testing.T, db *sqlite.DB, subject int64, name string, set, stars int, issued time.Time) domain.Product {
	t.Helper()
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	cr := rules.InForce(issued)
	p := domain.Product{SubjectID: subject, Name: name, Set: set, Stage: domain.StageRecognised, Rulebook: "qd26-2026", Year: issued.Year(),
		Stars: stars, Score: float64(40 + 10*stars), CertNo: name + "/QĐ-UBND", CertIssued: issued, CertExpires: cr.CertificateExpiry(issued), CertRules: cr.ID}
	if err := sqlite.NewProductStore(db).CreateIn(context.Background(), &p, "25480", "80", issued.Location()); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitStage waits until a product reaches a stage (a job of the outbox
// worker's rounds, every 2 s).
func waitStage(t *testing.T, db *sqlite.DB, id int64, want domain.Stage) domain.Product {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		p, err := sqlite.NewProductStore(db).Get(context.Background(), id)
		if err == nil && p.Stage == want {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("product %d is %s, not %s", id, p.Stage, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMatrixCertificateLifecycle: on each channel a producer's certificate
// expires just after midnight of its last valid day (once, across a
// restart); a re-evaluation is refused outside its window and filed
// inside it, then recognised again with a new certificate; an upgrade is
// granted; a 5★ certificate is revoked by the Minister's decision. The
// producer is told each time, and the figures follow.
func TestMatrixCertificateLifecycle(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			ctx := context.Background()
			loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
			clock := &fakeClock{}
			clock.Set(time.Date(2026, 12, 7, 10, 0, 0, 0, loc))
			h := newMatrix(t, ch, "embedded")
			off := h.admin(900, "Quản trị", "telegram")
			p := h.user(621, "Hoa")
			db := h.openDB()
			uid := seedPerson(t, db, p, "Hoa", "25480", 0)
			u, _ := sqlite.NewUserStore(db).GetByID(ctx, uid)
			day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
			// Last valid day today (7/12/2026).
			expiring := certified(t, db, u.SubjectID, "Bánh tráng", 6, 4, day(2023, 12, 7))
			// Expires 1/3/2027: its window closed on 1/11/2026.
			late := certified(t, db, u.SubjectID, "Muối tôm", 10, 3, day(2024, 3, 1))
			// Expires 1/6/2027: its window is 3/12/2026 – 1/2/2027.
			honey := certified(t, db, u.SubjectID, "Mật ong", 6, 4, day(2024, 6, 1))
			// 5★, for the revocation.
			five := certified(t, db, u.SubjectID, "Dưa lưới", 1, 5, day(2025, 1, 10))
			// The figures read with the bot's clock, which decides what
			// "today" is.
			fdb, err := sqlite.Open(ctx, h.env["DB_PATH"], clock.Now)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { fdb.Close() })
			figures := sqlite.NewFigureStore(fdb)
			counts := func() domain.FigureCounts {
				t.Helper()
				c, err := figures.Counts(ctx, []domain.Area{{All: true}}, clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				return c[0]
			}
			if c := counts(); c.Recognised != 4 || c.Rated != 4 {
				t.Fatalf("on the last valid day: %d valid of %d rated, want 4 of 4", c.Recognised, c.Rated)
			}

			h.startClocked(clock)
			off.Send("/start")
			off.Expect("start.welcome_officer")
			p.Send("/trangthai")
			m := p.Expect("status.profile")
			if !strings.Contains(m.Text, "07/12/2026") {
				t.Fatalf("status lacks the last valid day:\n%s", m.Text)
			}

			// Expiry: not during its last day, just after midnight.
			clock.Set(time.Date(2026, 12, 7, 23, 59, 0, 0, loc))
			time.Sleep(2500 * time.Millisecond) // a round of the worker
			if got, _ := sqlite.NewProductStore(db).Get(ctx, expiring.ID); got.Stage != domain.StageRecognised {
				t.Fatalf("expired during its last valid day: %s", got.Stage)
			}
			clock.Set(time.Date(2026, 12, 8, 0, 1, 0, 0, loc))
			m = p.Expect("notice.stage.het_han")
			if !strings.Contains(m.Text, "Bánh tráng") || !strings.Contains(m.Text, "07/12/2026") {
				t.Fatalf("expiry notice:\n%s", m.Text)
			}
			waitStage(t, db, expiring.ID, domain.StageExpired)
			if c := counts(); c.Recognised != 3 || c.Rated != 4 || c.ByStage[domain.StageExpired] != 1 {
				t.Fatalf("after the expiry: %d valid, %d ever recognised, %d expired", c.Recognised, c.Rated, c.ByStage[domain.StageExpired])
			}
			h.stop()
			h.startClocked(clock)
			time.Sleep(2500 * time.Millisecond)
			p.Quiet() // told once, whatever the restart

			// Re-evaluation: Muối tôm's window has closed; Mật ong's is open.
			p.Send("/trangthai")
			m = p.Expect("status.profile")
			for _, b := range m.Buttons() {
				if strings.Contains(b.Text, "Đánh giá lại «Muối tôm»") {
					t.Errorf("a re-evaluation past its window is offered: %q", b.Text)
				}
			}
			// A button of an older screen is refused, saying why.
			p.PressData(m.ID, "d|re|"+strconv.FormatInt(late.ID, 10))
			m = p.Expect("lifecycle.reeval_closed")
			if !strings.Contains(m.Text, "01/11/2026") || !strings.Contains(m.Text, "01/03/2027") {
				t.Fatalf("the refusal does not say when it closed and until when the certificate runs:\n%s", m.Text)
			}
			p.Send("/trangthai")
			p.Expect("status.profile")
			p.Press("Đánh giá lại «Mật ong»")
			m = p.Expect("lifecycle.reevaluation_opened", "dossier.header")
			if !p.matches(m.Text, "vi", "lifecycle.dossier_reevaluation") || !strings.Contains(m.Text, "01/02/2027") {
				t.Fatalf("the re-evaluation dossier does not say what it needs and by when:\n%s", m.Text)
			}
			_, items := required(t, 6)
			p.onPaper(items)
			p.Press("Nộp hồ sơ")
			p.Expect("dossier.submit_confirm")
			p.Press("nộp ngay")
			m = p.Expect("dossier.submitted")
			off.Expect("notice.officer_submitted")
			// Filed at 00:01 in Tây Ninh (still 7/12 in UTC): /trangthai
			// gives the commune's deadline the filing message gave.
			checkBy := regexp.MustCompile(`chậm nhất ngày (\d\d/\d\d/\d{4})`).FindStringSubmatch(m.Text)
			if checkBy == nil {
				t.Fatalf("the filing message has no deadline:\n%s", m.Text)
			}
			p.Send("/trangthai")
			m = p.Expect("status.profile")
			if !strings.Contains(m.Text, "Xã thẩm định xong chậm nhất ngày "+checkBy[1]) {
				t.Fatalf("/trangthai does not give the commune's deadline %s of the filing message:\n%s", checkBy[1], m.Text)
			}
			got, _ := sqlite.NewProductStore(db).Get(ctx, honey.ID)
			if got.Stage != domain.StageFiled || got.Purpose != domain.PurposeReeval || !got.ValidUntil.Equal(day(2027, 11, 28)) {
				t.Fatalf("filed re-evaluation: %s %q valid until %v", got.Stage, got.Purpose, got.ValidUntil)
			}
			if c := counts(); c.Recognised != 3 {
				t.Fatalf("a filed re-evaluation left the valid count: %d", c.Recognised)
			}
			// Commune check and province decision as usual.
			off.Send("/duyet")
			off.Expect("review.queue")
			off.Press("Mật ong")
			off.Expect("review.subject")
			off.Press("Bắt đầu thẩm định")
			off.Expect("review.moved")
			p.Expect("notice.stage.xa_tham_dinh")
			off.Press("Chuyển lên tỉnh")
			off.Expect("review.forward_confirm")
			off.Press("Có, chuyển lên tỉnh")
			m = off.Expect("review.moved", "lifecycle.line_reevaluation")
			if !strings.Contains(m.Text, "chậm nhất ngày 22/01/2027 (45 ngày)") {
				t.Fatalf("the officer is not shown the 45 days from the province's receipt (8/12/2026):\n%s", m.Text)
			}
			p.Expect("notice.stage.tinh_danh_gia")
			off.Press("Ghi kết quả hội đồng")
			off.Expect("review.ask_score")
			off.Send("80")
			off.Expect("review.ask_stars")
			off.Send("4★") // typed, as an officer would
			off.Expect("review.ask_cert")
			off.Send("77/QĐ-UBND")
			off.Expect("review.ask_issued")
			off.Send("08/12/2026")
			off.Expect("form.confirm_title")
			off.Press("Xác nhận")
			off.Expect("review.certified")
			m = p.Expect("notice.stage.cong_nhan")
			if !strings.Contains(m.Text, "77/QĐ-UBND") || !strings.Contains(m.Text, "08/12/2029") {
				t.Fatalf("the new certificate and its 36 months:\n%s", m.Text)
			}
			if c := counts(); c.Recognised != 3 || c.Upgraded != 1 {
				t.Fatalf("after the re-evaluation: %d valid, %d consolidated or upgraded", c.Recognised, c.Upgraded)
			}

			// Upgrade of Muối tôm (3★), any time; granted with 4★.
			p.Send("/trangthai")
			p.Expect("status.profile")
			p.Press("Nâng hạng «Muối tôm»")
			p.Expect("lifecycle.upgrade_opened", "dossier.header")
			if c := counts(); c.Recognised != 3 || c.ByStars[3] != 1 {
				t.Fatalf("an upgrade in preparation left the valid count: %+v", c.ByStars)
			}
			_, items = required(t, 10)
			p.onPaper(items)
			p.Press("Nộp hồ sơ")
			p.Expect("dossier.submit_confirm")
			p.Press("nộp ngay")
			p.Expect("dossier.submitted")
			off.Expect("notice.officer_submitted")
			products := sqlite.NewProductStore(db)
			for _, st := range [][2]domain.Stage{{domain.StageFiled, domain.StageCommuneCheck}, {domain.StageCommuneCheck, domain.StageProvince}} {
				if _, err := products.MoveStage(ctx, late.ID, st[0], st[1], 0, "", nil); err != nil {
					t.Fatal(err)
				}
			}
			off.Send("/duyet")
			off.Expect("review.queue")
			off.Press("Muối tôm")
			off.Expect("review.subject")
			off.Press("Ghi kết quả hội đồng")
			off.Expect("review.ask_score")
			off.Send("75")
			off.Expect("review.ask_stars")
			off.Send("bon sao") // typed without diacritics
			off.Expect("review.ask_cert")
			off.Send("78/QĐ-UBND")
			off.Expect("review.ask_issued")
			off.Send("08/12/2026")
			off.Expect("form.confirm_title")
			off.Press("Xác nhận")
			off.Expect("review.certified")
			p.Expect("notice.stage.cong_nhan")
			if c := counts(); c.ByStars[4] != 2 || c.ByStars[3] != 0 || c.Upgraded != 2 {
				t.Fatalf("after the upgrade: %+v, upgraded %d", c.ByStars, c.Upgraded)
			}

			// A monitoring check (hậu kiểm) of the 5★ product, shown on it.
			off.Send("/haukiem " + five.Code)
			m = off.Expect("lifecycle.check_intro")
			if !off.matches(m.Text, "vi", "lifecycle.line_no_checks") {
				t.Fatalf("the product shows no checks yet:\n%s", m.Text)
			}
			off.Expect("lifecycle.ask_check_day")
			// Not before the certificate (issued 10/01/2025).
			off.Send("01/01/2020")
			if m := off.Expect("lifecycle.date_before_issue", "lifecycle.ask_check_day"); !strings.Contains(m.Text, "(10/01/2025)") {
				t.Errorf("the refusal does not say when the certificate was issued:\n%s", m.Text)
			}
			off.Send("06/12/2026")
			off.Expect("lifecycle.ask_check_result")
			off.Press("Vi phạm, đề nghị thu hồi")
			off.Expect("lifecycle.ask_check_note")
			off.Send("Dùng nhãn OCOP cho sản phẩm khác")
			off.Expect("form.confirm_title")
			off.Press("Xác nhận")
			m = off.Expect("lifecycle.check_saved")
			if !strings.Contains(m.Text, "Hậu kiểm ngày 06/12/2026: Vi phạm, đề nghị thu hồi — Dùng nhãn OCOP cho sản phẩm khác") {
				t.Fatalf("the check is not shown on the product:\n%s", m.Text)
			}

			// Revocation of the 5★ certificate: the Minister's decision.
			off.Send("/thuhoi " + five.Code)
			m = off.Expect("lifecycle.revoke_intro")
			if !strings.Contains(m.Text, "Hậu kiểm ngày 06/12/2026") {
				t.Fatalf("the revocation does not show the product's checks:\n%s", m.Text)
			}
			off.Expect("lifecycle.ask_ground")
			off.Press("Vi phạm pháp luật về chất lượng")
			off.Expect("lifecycle.ask_decision_no")
			off.Send("45/QĐ-BNNMT")
			off.Expect("lifecycle.ask_decision_date")
			off.Send("09/12/2026")
			off.Expect("review.date_future", "lifecycle.ask_decision_date")
			off.Send("09/01/2025")
			off.Expect("lifecycle.date_before_issue", "lifecycle.ask_decision_date")
			off.Send("05/12/2026")
			off.Expect("form.confirm_title")
			off.Press("Xác nhận")
			m = off.Expect("lifecycle.revoked")
			if !strings.Contains(m.Text, "Bộ trưởng") {
				t.Fatalf("a 5★ revocation is the Minister's:\n%s", m.Text)
			}
			m = p.Expect("notice.stage.thu_hoi")
			for _, want := range []string{"Dưa lưới", "Vi phạm pháp luật về chất lượng", "45/QĐ-BNNMT", "05/12/2026", "Bộ trưởng"} {
				if !strings.Contains(m.Text, want) {
					t.Fatalf("the producer is not told %q:\n%s", want, m.Text)
				}
			}
			if c := counts(); c.Recognised != 2 || c.ByStars[5] != 0 || c.Rated != 4 {
				t.Fatalf("after the revocation: %d valid, 5★ %d, rated %d", c.Recognised, c.ByStars[5], c.Rated)
			}
			// As of 7/12/2026, the day before all this, from the history.
			past, err := figures.Counts(ctx, []domain.Area{{All: true}}, day(2026, 12, 7).Add(20*time.Hour))
			if err != nil || past[0].Recognised != 4 || past[0].ByStars[5] != 1 || past[0].ByStars[3] != 1 {
				t.Fatalf("figures as of 7/12/2026: %+v, %v", past[0], err)
			}
			// The producer's status says so too, with the ground and the
			// decision, and no longer that the certificate runs.
			p.Send("/trangthai")
			m = p.Expect("status.profile")
			if !p.matches(m.Text, "vi", "status.certificate_revoked") || !strings.Contains(m.Text, "45/QĐ-BNNMT") ||
				strings.Contains(m.Text, "còn hiệu lực đến 10/01/2028") {
				t.Fatalf("/trangthai after the revocation:\n%s", m.Text)
			}
			p.Quiet()
		})
	}
}

// TestMatrixReevaluationGraceEnds: a re-evaluation filed in time keeps the
// certificate valid while it waits, at most 180 days past expiry (Điều
// 12.3). When that ends with no decision the product keeps its stage, its
// producer is told once (not again at a restart), and a grace that ended
// long ago (before the bot ran) is not told late.
func TestMatrixReevaluationGraceEnds(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			ctx := context.Background()
			loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
			clock := &fakeClock{}
			clock.Set(time.Date(2026, 12, 7, 10, 0, 0, 0, loc))
			h := newMatrix(t, ch, "embedded")
			p := h.user(622, "Lan")
			db := h.openDB()
			uid := seedPerson(t, db, p, "Lan", "25480", 0)
			u, _ := sqlite.NewUserStore(db).GetByID(ctx, uid)
			day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
			waiting := func(name string, issued, until time.Time) domain.Product {
				t.Helper()
				pr := certified(t, db, u.SubjectID, name, 6, 4, issued)
				// As a re-evaluation filed in time and sent to the province leaves it.
				if _, err := db.SQL().ExecContext(ctx, `UPDATE products SET stage = ?, purpose = ?, valid_until = ? WHERE id = ?`,
					domain.StageProvince, domain.PurposeReeval, until.UnixMilli(), pr.ID); err != nil {
					t.Fatal(err)
				}
				return pr
			}
			// Expired 9/6/2026: valid while waiting through 6/12/2026.
			honey := waiting("Mật ong", day(2023, 6, 9), day(2026, 12, 6))
			// Its grace ended on 1/10/2026, long before this start.
			waiting("Muối tôm", day(2023, 4, 4), day(2026, 10, 1))

			h.startClocked(clock)
			m := p.Expect("notice.grace_ended")
			if !strings.Contains(m.PlainText, "Mật ong") || !strings.Contains(m.PlainText, "06/12/2026") {
				t.Fatalf("the notice:\n%s", m.PlainText)
			}
			if got, _ := sqlite.NewProductStore(db).Get(ctx, honey.ID); got.Stage != domain.StageProvince {
				t.Fatalf("the product moved to %s; the re-evaluation is still to be decided", got.Stage)
			}
			h.stop()
			h.startClocked(clock)
			time.Sleep(2500 * time.Millisecond) // a round of the worker
			p.Quiet()                           // told once, and not of Muối tôm
			// The same in the outbox: one notice of the grace's end, Mật ong's.
			var keys []string
			rows, err := db.SQL().QueryContext(ctx, `SELECT key FROM outbox WHERE key LIKE 'grace-ended:%'`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k)
			}
			rows.Close()
			if want := fmt.Sprintf("grace-ended:%d:20261206:%d", honey.ID, uid); len(keys) != 1 || keys[0] != want {
				t.Fatalf("outbox keys %v, want [%s]", keys, want)
			}
		})
	}
}
