package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// blobFile is where the bot keeps a stored file.
func (h *harness) blobFile(sum string) string {
	return filepath.Join(filepath.Dir(h.env["DB_PATH"]), "files", sum[:2], sum)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestMatrixMyDataSeeTakeWithdrawErase: /xoadulieu shows what is kept,
// sends it as JSON and .xlsx, withdraws consent and erases, each asking
// first; the data is then gone from the database and the files from
// files/, except what the province must keep (a certified product and its
// history, without personal details) and files another record uses.
func TestMatrixMyDataSeeTakeWithdrawErase(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.env["PUBLIC_URL"] = "http://" + h.env["HTTP_ADDR"]
			db := h.openDB()
			ctx := context.Background()
			sql := db.SQL()
			off := h.user(980, "Cán bộ xã")
			seedOfficer(t, db, off, "25480")
			// A producer with a certified product, seeded.
			kim := h.user(982, "Kim")
			kimID := seedPerson(t, db, kim, "Kim", "25480", 6)
			h.start()

			p := h.user(981, "Hạnh").register("HTX Bánh tráng Trảng Bàng", "binh minh")
			p.addProduct("Bánh tráng phơi sương", "Thực phẩm", "Chế biến từ gạo, ngũ cốc")
			p.Send("/hoso")
			p.Expect("dossier.header")
			p.Press("Mẫu 01")
			p.Expect("dossier.item_header", "dossier.send_file_hint")
			p.SendDocument("mau01.pdf", "application/pdf", pdfBytes)
			p.Expect("dossier.file_saved")
			p.Press("Về danh sách")
			p.Expect("dossier.header")
			p.Press("Mẫu 02")
			p.Expect("dossier.item_header")
			p.SendPhoto(jpegBytes)
			p.Expect("dossier.file_saved")
			me := p.stored(db)
			var pdfSum, jpegSum string
			if err := sql.QueryRowContext(ctx, `SELECT f.blob FROM item_files f JOIN products p ON p.id = f.product_id
	WHERE p.subject_id = ? AND f.item_id = 'mau01'`, me.SubjectID).Scan(&pdfSum); err != nil {
				t.Fatal(err)
			}
			if err := sql.QueryRowContext(ctx, `SELECT f.blob FROM item_files f JOIN products p ON p.id = f.product_id
	WHERE p.subject_id = ? AND f.item_id = 'mau02'`, me.SubjectID).Scan(&jpegSum); err != nil {
				t.Fatal(err)
			}
			// Kim's certified product refers to the same PDF.
			var kimProduct int64
			if err := sql.QueryRowContext(ctx, `SELECT p.id FROM products p JOIN users u ON u.subject_id = p.subject_id WHERE u.id = ?`, kimID).Scan(&kimProduct); err != nil {
				t.Fatal(err)
			}
			if _, err := sql.ExecContext(ctx, `UPDATE products SET stage = 'cong_nhan', stars = 4, cert_no = 'CN-2026-07', cert_issued = ? WHERE id = ?`,
				time.Now().UnixMilli(), kimProduct); err != nil {
				t.Fatal(err)
			}
			if _, err := sql.ExecContext(ctx, `INSERT INTO item_files (product_id, item_id, blob, name, mime, size, created_at) VALUES (?, 'mau01', ?, 'mau01.pdf', 'application/pdf', ?, ?)`,
				kimProduct, pdfSum, len(pdfBytes), time.Now().UnixMilli()); err != nil {
				t.Fatal(err)
			}
			for _, sum := range []string{pdfSum, jpegSum} {
				if !exists(h.blobFile(sum)) {
					t.Fatalf("the file %s is not stored", sum)
				}
			}

			// A question for the officers, kept with the rest.
			p.Send("hoi can bo: tem truy xuat lam o dau?")
			p.Expect("qa.asked")
			off.ExpectNotice("qa.new_from")

			// See: everything kept.
			p.Send("/xoadulieu")
			m := p.Expect("mydata.title", "mydata.account", "mydata.subject", "mydata.products", "mydata.product", "mydata.files", "mydata.file", "mydata.questions", "mydata.choose")
			for _, want := range []string{"HTX Bánh tráng Trảng Bàng", "Nguyễn Văn Bình", "Bánh tráng phơi sương", "mau01.pdf", "tem truy xuat"} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("the data shown lacks %q:\n%s", want, m.Text)
				}
			}
			// Take: JSON and a workbook.
			p.Press("Tải về")
			js := p.Expect("mydata.export_json")
			var got struct {
				Subject struct {
					Name, Representative, Phone string
				}
				Products []struct{ Name string }
				Files    []struct{ Name string }
			}
			if err := json.Unmarshal(p.docOf(js), &got); err != nil {
				t.Fatalf("the JSON export: %v", err)
			}
			if got.Subject.Name != "HTX Bánh tráng Trảng Bàng" || got.Subject.Phone == "" || len(got.Products) != 1 || len(got.Files) != 2 {
				t.Errorf("the JSON export: %+v", got)
			}
			xl := p.Expect("mydata.export_xlsx")
			book := p.docOf(xl)
			if zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book))); err != nil || !bytes.Contains(book, []byte("PK")) {
				t.Errorf("the workbook is not an .xlsx: %v", err)
			} else if !zipHas(zr, "Bánh tráng phơi sương") {
				t.Errorf("the workbook lacks the product")
			}

			// Withdraw consent (from /caidat this time): asked first, then
			// no more announcements.
			p.Send("/caidat")
			p.Expect("settings.title")
			p.Press("Dữ liệu của tôi")
			p.Expect("mydata.title")
			p.Press("Rút lại đồng ý")
			p.Expect("mydata.withdraw_confirm")
			p.Press("Rút lại đồng ý")
			p.Expect("mydata.withdrawn")
			if u := p.stored(db); u.Consent != domain.ConsentDeclined {
				t.Fatalf("consent after withdrawing: %q", u.Consent)
			}
			// Erase: "no" keeps everything; "yes" erases.
			p.Send("/xoadulieu")
			p.Expect("mydata.title")
			p.Press("Xóa dữ liệu của tôi")
			p.Expect("mydata.erase_confirm")
			p.Press("Không, giữ nguyên")
			p.Expect("mydata.kept")
			if u := p.stored(db); u.SubjectID != me.SubjectID {
				t.Fatal("the data went without a yes")
			}
			p.Send("/xoadulieu")
			p.Expect("mydata.title")
			p.Press("Xóa dữ liệu của tôi")
			p.Expect("mydata.erase_confirm")
			p.Press("Xóa hẳn")
			p.Expect("mydata.erased")

			count := func(q string, args ...any) int {
				t.Helper()
				var n int
				if err := sql.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			for q, args := range map[string][]any{
				`SELECT count(*) FROM users WHERE channel = ? AND channel_id = ?`:                                              {p.channel(), p.chatID()},
				`SELECT count(*) FROM users WHERE id = ?`:                                                                      {me.ID},
				`SELECT count(*) FROM subjects WHERE id = ? OR name LIKE '%Trảng Bàng%' OR representative = 'Nguyễn Văn Bình'`: {me.SubjectID},
				`SELECT count(*) FROM products WHERE subject_id = ? OR name = 'Bánh tráng phơi sương'`:                         {me.SubjectID},
				`SELECT count(*) FROM item_files WHERE blob = ?`:                                                               {jpegSum},
				`SELECT count(*) FROM tickets WHERE question LIKE '%tem truy xuat%'`:                                           nil,
				`SELECT count(*) FROM stage_changes WHERE product_id NOT IN (SELECT id FROM products)`:                         nil,
			} {
				if n := count(q, args...); n != 0 {
					t.Errorf("%s %v: %d rows left", q, args, n)
				}
			}
			if n := count(`SELECT count(*) FROM download_files`); n != 0 {
				t.Errorf("%d download files of the erased person are left", n)
			}
			if exists(h.blobFile(jpegSum)) {
				t.Error("the photo nobody else uses is still in files/")
			}
			if !exists(h.blobFile(pdfSum)) {
				t.Error("the PDF Kim's dossier refers to was removed")
			}
			// The audit: the requests, not their content.
			if n := count(`SELECT count(*) FROM privacy_requests WHERE user_id = ? AND kind IN ('view', 'export', 'withdraw', 'erase')`, me.ID); n < 4 {
				t.Errorf("audit lines: %d", n)
			}
			// An officer finds nothing of it.
			off.Send("/thaymat 0900000981")
			off.Expect("trust.not_found_here")

			// Kim's certificate is kept, without who she is; her files go.
			kim.Send("/xoadulieu")
			kim.Expect("mydata.title")
			kim.Press("Xóa dữ liệu của tôi")
			kim.Expect("mydata.erase_confirm", "mydata.erase_will_keep")
			kim.Press("Xóa hẳn")
			m = kim.Expect("mydata.erased_kept")
			if !strings.Contains(m.Text, "80-") {
				t.Errorf("the codes kept are not named:\n%s", m.Text)
			}
			var name, rep, phone, cert string
			if err := sql.QueryRowContext(ctx, `SELECT s.name, s.representative, s.phone, p.cert_no FROM products p JOIN subjects s ON s.id = p.subject_id WHERE p.id = ?`,
				kimProduct).Scan(&name, &rep, &phone, &cert); err != nil {
				t.Fatalf("the certified product was not kept: %v", err)
			}
			if name != "" || rep != "" || phone != "" || cert != "CN-2026-07" {
				t.Errorf("kept: name %q, representative %q, phone %q, certificate %q", name, rep, phone, cert)
			}
			if n := count(`SELECT count(*) FROM stage_changes WHERE product_id = ?`, kimProduct); n == 0 {
				t.Error("the stage history of the certified product went")
			}
			if n := count(`SELECT count(*) FROM users WHERE id = ?`, kimID); n != 0 {
				t.Error("Kim's account is still there")
			}
			if exists(h.blobFile(pdfSum)) {
				t.Error("the PDF nobody refers to any more is still in files/")
			}

			// Nothing of theirs is left in files/ (on Zalo the exports
			// went through download links, backed by files too).
			_ = filepath.WalkDir(filepath.Join(filepath.Dir(h.env["DB_PATH"]), "files"), func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					t.Errorf("a file is left in files/: %s", path)
				}
				return nil
			})

			// Writing again starts afresh.
			p.Send("/start")
			p.Expect("start.welcome")
			p.Expect("consent.ask")
			p.Quiet()
			off.Quiet()
		})
	}
}

// docOf returns a document the bot sent: on Telegram the file, on Zalo
// (which carries no .json or .xlsx) what its download link serves.
func (p *person) docOf(m telegramtest.Message) []byte {
	p.h.t.Helper()
	if p.zu == nil {
		return p.fileOf(m)
	}
	url := linkRE.FindString(m.Text)
	if url == "" {
		p.h.t.Fatalf("zalo: no download link in %q", m.Text)
	}
	status, body := httpGet(p.h.t, url)
	if status != http.StatusOK {
		p.h.t.Fatalf("zalo: the download link answered %d", status)
	}
	return []byte(body)
}

var linkRE = regexp.MustCompile(`http://\S+/dl/[0-9a-f]{48}`)

// zipHas reports whether a file of the archive holds s.
func zipHas(zr *zip.Reader, s string) bool {
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			continue
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(r)
		r.Close()
		if bytes.Contains(b.Bytes(), []byte(s)) {
			return true
		}
	}
	return false
}

// TestRetentionCleanupRunsInTheService: a person who never registered and
// has been silent past the retention limit is erased by the service's
// daily cleanup; someone who wrote lately stays.
func TestRetentionCleanupRunsInTheService(t *testing.T) {
	h := newHarness(t, "embedded")
	db := h.openDB()
	ctx := context.Background()
	old, recent := h.tgUser(990, "Cũ"), h.tgUser(991, "Mới")
	for _, p := range []*person{old, recent} {
		p.Send("/start")
	}
	h.start()
	old.Expect("start.welcome")
	recent.Expect("start.welcome")
	h.stop()
	long := time.Now().Add(-domain.InactiveRetention - 24*time.Hour).UnixMilli()
	if _, err := db.SQL().ExecContext(ctx, `UPDATE users SET last_seen_at = ?, updated_at = ? WHERE channel_id = '990'`, long, long); err != nil {
		t.Fatal(err)
	}
	h.start()
	gone := func() bool {
		var n int
		_ = db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE channel_id = '990'`).Scan(&n)
		return n == 0
	}
	deadline := time.Now().Add(wait)
	for !gone() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !gone() {
		t.Fatal("the silent person was not erased by the cleanup")
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE channel_id = '991'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the person who wrote lately: %d rows, %v", n, err)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM privacy_requests WHERE kind = ?`, domain.PrivacyExpired).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit of the cleanup: %d, %v", n, err)
	}
}
