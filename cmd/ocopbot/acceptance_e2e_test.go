package main

import (
	"context"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// TestZaloAcceptance is the "done when": the bot given only the
// ZALO_* settings (run as a child process, as the binary runs) takes a
// producer from a follow event through registration with the phone by
// Zalo's form, a product and an uploaded paper; it is killed (SIGKILL)
// while it answers the upload, and started again; then an officer on
// Zalo goes through /duyet and /thongbao. Nothing is lost or doubled: one
// subject, one product, one file, every answer once.
func TestZaloAcceptance(t *testing.T) {
	h := newMatrix(t, "zalo", "embedded")
	h.withoutTelegram()
	off := h.user(700, "Cán bộ tỉnh")
	h.env["ADMIN_IDS"] = "zalo:" + off.chatID()
	child := h.startChild()
	waitHTTP(t, h.env["HTTP_ADDR"])

	p := h.user(701, "Hạnh")
	p.Follow()
	p.Expect("start.welcome")
	p.Expect("consent.ask")
	p.Press("Đồng ý")
	p.Edited("consent.given")
	p.Expect("consent.next")
	p.Press("Đăng ký")
	p.Expect("register.ask_kind")
	p.Send("1")
	p.Expect("register.ask_name")
	p.Send("HTX Bánh tráng Bình Minh")
	p.Expect("register.ask_rep")
	p.Send("Lê Thị Hạnh")
	p.Expect("register.ask_phone")
	p.Share("84912000701", true)
	p.Expect("form.noted")
	p.Expect("register.ask_commune")
	p.Send("binh minh")
	p.Expect("register.ask_regno")
	p.Press("Bỏ qua")
	p.Expect("register.ask_channels")
	p.Press("Bỏ qua")
	p.Expect("form.confirm_title")
	p.Press("Xác nhận")
	p.Expect("register.done")
	p.addProduct("Bánh tráng phơi sương", "Thực phẩm", "Chế biến từ gạo, ngũ cốc")
	p.Send("/hoso")
	p.Expect("dossier.header")
	p.Press("Mẫu 01")
	p.Expect("dossier.item_header")

	// The paper arrives; the bot is killed while it answers.
	held, release, restore := holdSends(h)
	p.SendDocument("mau01.pdf", "application/pdf", pdfBytes)
	child.waitFor(held)
	child.kill()
	restore()
	close(release)
	p.zpending = 0 // the child took it, not this process

	h.start()
	p.Expect("dossier.file_saved")
	_, items := required(t, 6)
	p.Press("Về danh sách")
	p.Expect("dossier.header")
	p.onPaper(items, "mau01")
	p.Press("Nộp hồ sơ")
	p.Expect("dossier.submit_confirm")
	p.Press("nộp ngay")
	p.Expect("dossier.submitted")

	// The officer, on Zalo too: the dossier, its paper, an announcement.
	off.Send("/start")
	off.Expect("start.welcome_officer")
	off.Send("/duyet")
	off.Expect("review.queue")
	off.Press("Bánh tráng phơi sương")
	off.Expect("review.subject")
	off.Press("Mẫu 01")
	m := off.Next()
	off.checkFile(m, "mau01.pdf", pdfBytes)
	off.captioned(m, "review.file_caption")
	off.Expect("review.item")
	off.Send("/thongbao")
	off.Expect("ann.ask_content")
	off.Send("Hội chợ OCOP tháng 12: mời bà con đăng ký gian hàng.")
	off.Expect("ann.added")
	off.Press("Xong")
	off.Expect("ann.preview")
	off.waitMsg("aud.ask_kind")
	off.skipTo()
	off.Press("Tất cả")
	off.Expect("form.confirm_title")
	off.Press("Xác nhận")
	// The killed process held the bulk sender's lease: the new one sends
	// once it has run out (18 s at most).
	summary := func() bool {
		for _, m := range off.received() {
			if off.matches(m.Text, "vi", "bulk.summary") {
				return true
			}
		}
		return false
	}
	if !h.zl.WaitFor(45*time.Second, summary) {
		t.Fatalf("no summary of the announcement\n%s", h.log.tail(30))
	}
	p.Expect("ann.header")

	db := h.openDB()
	ctx := context.Background()
	u, err := sqlite.NewUserStore(db).Get(ctx, "zalo", p.chatID())
	if err != nil || u.SubjectID == 0 {
		t.Fatalf("the producer: %+v, %v", u, err)
	}
	prods, err := sqlite.NewProductStore(db).ListBySubject(ctx, u.SubjectID)
	if err != nil || len(prods) != 1 || prods[0].Stage != domain.StageFiled {
		t.Fatalf("products: %+v, %v", prods, err)
	}
	files, err := sqlite.NewDossierStore(db).Files(ctx, prods[0].ID, "mau01")
	if err != nil || len(files) != 1 {
		t.Fatalf("files of Mẫu 01: %+v, %v", files, err)
	}
	var subjects int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM subjects`).Scan(&subjects); err != nil || subjects != 1 {
		t.Fatalf("%d subjects, %v", subjects, err)
	}
	p.Quiet()
}
