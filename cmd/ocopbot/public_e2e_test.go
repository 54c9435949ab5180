package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// seedCertified gives the subject of a seeded person a product in stage,
// with a 4★ certificate issued on issued (valid 36 months), entered in its
// stage at since. It returns the product's public code.
func seedCertified(t *testing.T, db *sqlite.DB, subjectID int64, name string, stage domain.Stage, issued, since time.Time) (int64, string) {
	t.Helper()
	ctx := context.Background()
	p := domain.Product{SubjectID: subjectID, Name: name, Set: 3, Stage: stage, Rulebook: "qd26-2026", Year: issued.Year(),
		Stars: 4, Score: 75, CertNo: "1234/QĐ-UBND", CertIssued: issued, CertExpires: issued.AddDate(3, 0, 0), CertRules: "qd26-2026"}
	if err := sqlite.NewProductStore(db).Create(ctx, &p, "", "80"); err != nil {
		t.Fatal(err)
	}
	if !since.IsZero() {
		if _, err := db.SQL().ExecContext(ctx, `UPDATE stage_changes SET at = ? WHERE product_id = ?`, since.UnixMilli(), p.ID); err != nil {
			t.Fatal(err)
		}
	}
	pp, err := sqlite.NewPublicStore(db).ByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, pp.PublicCode
}

// readQR decodes the QR code of a PNG.
func readQR(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code in the picture the bot sent: %v", err)
	}
	return res.GetText()
}

// fileOf returns the bytes of a photo or document the bot sent the person.
func (p *person) fileOf(m telegramtest.Message) []byte {
	p.h.t.Helper()
	if p.zu != nil {
		up, ok := p.h.zl.UploadByID(m.FileID)
		if !ok {
			p.h.t.Fatalf("zalo: no upload %q", m.FileID)
		}
		return up.Data
	}
	b, ok := p.h.api.FileContent(m.FileID)
	if !ok {
		p.h.t.Fatalf("telegram: no file %q", m.FileID)
	}
	return b
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestMatrixQRCode: a producer's product screen has "Mã QR"; the picture it
// sends reads back to the product's page, which opens in a real browser;
// an officer prints a sheet of labels for a commune; a producer cannot;
// the producer chooses to show a contact on the page (/caidat).
func TestMatrixQRCode(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			base := "http://" + h.env["HTTP_ADDR"]
			h.env["PUBLIC_URL"] = base
			off := h.admin(960, "Quản trị", ch)
			p := h.user(961, "Hoa")
			db := h.openDB()
			uid := seedPerson(t, db, p, "Hoa", "25459", 0)
			u, _ := sqlite.NewUserStore(db).GetByID(context.Background(), uid)
			_, code := seedCertified(t, db, u.SubjectID, "Bánh tráng phơi sương", domain.StageRecognised, time.Now().AddDate(-1, 0, 0), time.Time{})
			h.start()

			p.Send("/sanpham")
			p.Expect("product.list")
			p.Press("Bánh tráng phơi sương")
			m := p.Expect("product.card")
			if !strings.Contains(m.Text, code) {
				t.Fatalf("the product screen does not show the public code %s:\n%s", code, m.Text)
			}
			p.Press("Mã QR")
			m = p.Next()
			if m.Kind != telegramtest.KindPhoto {
				t.Fatalf("the QR code came as %s, not a picture", m.Kind)
			}
			p.captioned(m, "qr.sent")
			link := readQR(t, p.fileOf(m))
			if link != base+"/sp/"+code {
				t.Fatalf("the QR code reads %q, want %q", link, base+"/sp/"+code)
			}
			if ch == "telegram" {
				// The address read from the picture opens the page in a browser.
				b := newBrowser(t)
				page := b.open(link, 360)
				if page.status != "Còn hiệu lực" || page.name != "Bánh tráng phơi sương" {
					t.Fatalf("the page behind the QR code: %+v", page)
				}
			} else if status, body := httpGet(t, link); status != 200 || !strings.Contains(body, "Bánh tráng phơi sương") {
				t.Fatalf("the page behind the QR code: %d", status)
			}

			// Labels: officers only.
			p.Send("/nhanqr Tân Ninh")
			p.Expect("common.officers_only")
			off.Send("/nhanqr Tân Ninh")
			m = off.Next()
			if m.Kind != telegramtest.KindDocument {
				t.Fatalf("labels came as %s, not a document", m.Kind)
			}
			if pdf := off.fileOf(m); !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/Subtype /Image")) {
				t.Fatalf("the labels are not a PDF with a QR code (%d bytes)", len(pdf))
			}
			off.captioned(m, "qr.labels_sent")
			off.Send("/nhanqr 2222222222, " + code)
			m = off.Next()
			off.captioned(m, "qr.labels_sent")
			caption := m.Text
			if ch == "zalo" {
				caption = off.last().Text // a file carries no text on Zalo
			}
			if !strings.Contains(caption, "2222222222") {
				t.Fatalf("the unknown code is not reported:\n%s", caption)
			}
			// A place outside the province is not two unknown codes.
			off.Send("/nhanqr ha noi")
			if m := off.Expect("qr.labels_no_place"); !strings.Contains(m.PlainText, "«ha noi»") {
				t.Errorf("a place not found:\n%s", m.PlainText)
			}

			// The contact shows on the page only once the producer asks.
			if _, body := httpGet(t, link); strings.Contains(body, "Liên hệ") {
				t.Fatal("the phone shows before the producer chose to show it")
			}
			p.Send("/caidat")
			p.Expect("settings.title")
			p.Press("Hiện số điện thoại")
			p.onZalo("no edit on Zalo: the settings come again, once the setting is saved", func() {
				if m := p.Expect("settings.title"); !strings.Contains(m.Text, "☑ Hiện số điện thoại") {
					t.Fatalf("the settings do not show the contact on:\n%s", m.Text)
				}
			})
			if on, _ := sqlite.NewPublicStore(db).PublicContact(context.Background(), u.SubjectID); !on {
				t.Fatal("the setting did not turn the contact on")
			}
			if _, body := httpGet(t, link); !strings.Contains(body, "Liên hệ") {
				t.Fatal("the chosen contact does not show on the page")
			}
		})
	}
}

// Without PUBLIC_URL the QR button says the province must set it.
func TestQRCodeWithoutPublicURL(t *testing.T) {
	h := newHarness(t, "embedded")
	p := h.tgUser(971, "Lan")
	db := h.openDB()
	uid := seedPerson(t, db, p, "Lan", "25459", 0)
	u, _ := sqlite.NewUserStore(db).GetByID(context.Background(), uid)
	seedCertified(t, db, u.SubjectID, "Muối tôm", domain.StageRecognised, time.Now().AddDate(-1, 0, 0), time.Time{})
	off := h.admin(972, "Quản trị", "telegram")
	h.start()
	p.Send("/sanpham")
	p.Expect("product.list")
	p.Press("Muối tôm")
	p.Expect("product.card")
	p.Press("Mã QR")
	p.Expect("qr.no_public_url")
	off.Send("/nhanqr Tân Ninh")
	off.Expect("qr.no_public_url")
}

// TestPublicPagesInBrowser opens the public pages in headless Chromium at
// a phone's width: a valid, an expired, a revoked product, one under
// re-evaluation and an unknown code; then searches the catalogue by typing
// in its form.
func TestPublicPagesInBrowser(t *testing.T) {
	h := newHarness(t, "embedded")
	base := "http://" + h.env["HTTP_ADDR"]
	h.env["PUBLIC_URL"] = base
	p := h.tgUser(981, "Sáu")
	db := h.openDB()
	uid := seedPerson(t, db, p, "Sáu Trảng Bàng", "25459", 0)
	u, _ := sqlite.NewUserStore(db).GetByID(context.Background(), uid)
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	_, valid := seedCertified(t, db, u.SubjectID, "Bánh tráng phơi sương", domain.StageRecognised, today.AddDate(-1, 0, 0), time.Time{})
	expiredIssued := today.AddDate(-3, 0, -10)
	_, expired := seedCertified(t, db, u.SubjectID, "Muối tôm", domain.StageExpired, expiredIssued, time.Time{})
	revokedOn := today.AddDate(0, -2, 0).Add(10 * time.Hour)
	_, revoked := seedCertified(t, db, u.SubjectID, "Nước mắm cá linh", domain.StageRevoked, today.AddDate(-2, 0, 0), revokedOn)
	_, reeval := seedCertified(t, db, u.SubjectID, "Mật ong rừng", domain.StageReevaluation, today.AddDate(-3, 0, 100), time.Time{})
	h.start()
	waitHTTP(t, h.env["HTTP_ADDR"])
	b := newBrowser(t)

	for _, tc := range []struct {
		code, name, status, class string
		colour                    [3]uint8
	}{
		{valid, "Bánh tráng phơi sương", "Còn hiệu lực", "valid", [3]uint8{0x1b, 0x7f, 0x3b}},
		{expired, "Muối tôm", "Hết hiệu lực từ ngày " + expiredIssued.AddDate(3, 0, 1).Format("02/01/2006"), "expired", [3]uint8{0x8a, 0x5a, 0x00}},
		{revoked, "Nước mắm cá linh", "Đã bị thu hồi ngày " + revokedOn.Format("02/01/2006"), "revoked", [3]uint8{0xb3, 0x26, 0x1e}},
		{reeval, "Mật ong rừng", "Đang đánh giá lại", "reevaluation", [3]uint8{0x1f, 0x5f, 0xa8}},
	} {
		s := b.open(base+"/sp/"+tc.code, 360)
		if s.name != tc.name || s.status != tc.status || s.statusClass != "status "+tc.class {
			t.Errorf("%s: the page shows %q, %q (%s)", tc.name, s.name, s.status, s.statusClass)
		}
		if !strings.HasPrefix(s.stars, "★★★★") || !strings.Contains(s.stars, "4 sao OCOP") || strings.Contains(s.stars, "★★★★★") {
			t.Errorf("%s: stars %q", tc.name, s.stars)
		}
		holds := tc.class == "valid" || tc.class == "reevaluation"
		if lapsed := strings.Contains(s.stars, "không còn hiệu lực"); lapsed == holds {
			t.Errorf("%s: stars %q", tc.name, s.stars)
		}
		// The screenshot at 360 px: no sideways scrolling, the status box's
		// colour and the gold stars are on screen.
		if s.scrollWidth > 360 {
			t.Errorf("%s: the page is %d px wide on a 360 px phone", tc.name, s.scrollWidth)
		}
		if got := colourShare(t, s.screenshot, tc.colour[0], tc.colour[1], tc.colour[2], 6); got < 0.02 {
			t.Errorf("%s: the status colour covers %.3f of the screen", tc.name, got)
		}
		// Gold stars while the certificate holds, grey ones after.
		gold := colourShare(t, s.screenshot, 0xe0, 0xa0, 0x00, 40)
		grey := colourShare(t, s.screenshot, 0x9a, 0x9a, 0x9a, 12)
		if holds && gold < 0.001 {
			t.Errorf("%s: no gold stars in the screenshot (%.4f)", tc.name, gold)
		}
		if !holds && (gold > 0.0002 || grey < 0.001) {
			t.Errorf("%s: the lapsed stars are not grey (gold %.4f, grey %.4f)", tc.name, gold, grey)
		}
	}

	// An unknown code: a Vietnamese page, status 404.
	s := b.open(base+"/sp/2222222222", 360)
	if s.message != "Không tìm thấy sản phẩm" || s.status != "" {
		t.Errorf("unknown code: %+v", s)
	}
	if code, _ := httpGet(t, base+"/sp/2222222222"); code != 404 {
		t.Errorf("unknown code: HTTP %d", code)
	}

	// The catalogue: typed without diacritics in the search box.
	b.open(base+"/sp", 360)
	b.do(chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "banh trang"), chromedp.Submit(chromedp.CSS("form")))
	b.do(chromedp.WaitReady(chromedp.CSS("#summary")))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(eval[string](b, b.ctx, `location.search`), "q=") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if q := eval[string](b, b.ctx, `location.search`); q != "?q=banh+trang" {
		t.Fatalf("the search form went to %q", q)
	}
	b.do(chromedp.WaitReady(chromedp.CSS("#list")))
	list := b.text("#list")
	if !strings.Contains(list, "Bánh tráng phơi sương") || strings.Contains(list, "Mật ong") || strings.Contains(list, "Muối tôm") {
		t.Errorf("search «banh trang»: %q", list)
	}
	b.open(base+"/sp?q=tan+ninh", 360)
	list = b.text("#list")
	for _, want := range []string{"Bánh tráng phơi sương", "Mật ong rừng"} {
		if !strings.Contains(list, want) {
			t.Errorf("search by commune: %q lacks %q", list, want)
		}
	}
	for _, never := range []string{"Muối tôm", "Nước mắm"} {
		if strings.Contains(list, never) {
			t.Errorf("the catalogue lists %q, which does not hold its stars", never)
		}
	}
}

// A flood of page requests on HTTP_ADDR (more at once than the pages'
// slots, with the rate limit lifted) does not hold up the answers of the
// Zalo webhook on the same address: each is recorded and answered 200
// well within Zalo's 2 s while the flood goes on, and the pages are
// served too, in turn.
func TestPublicFloodDoesNotDelayWebhooks(t *testing.T) {
	h := newMatrix(t, "zalo", "embedded")
	base := "http://" + h.env["HTTP_ADDR"]
	h.env["PUBLIC_URL"] = base
	h.env["PUBLIC_RATE"] = "100000"
	p := h.user(991, "Bảy")
	db := h.openDB()
	uid := seedPerson(t, db, p, "Bảy", "25459", 0)
	u, _ := sqlite.NewUserStore(db).GetByID(context.Background(), uid)
	for i := range 30 {
		seedCertified(t, db, u.SubjectID, fmt.Sprintf("Sản phẩm số %d", i), domain.StageRecognised, time.Now().AddDate(-1, 0, 0), time.Time{})
	}
	h.start()

	ctx, stop := context.WithCancel(context.Background())
	var (
		wg          sync.WaitGroup
		served, all atomic.Int64
	)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				res, err := client.Get(base + "/sp?q=san+pham")
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				all.Add(1)
				if res.StatusCode == http.StatusOK {
					served.Add(1)
				}
			}
		}()
	}
	defer func() { stop(); wg.Wait() }()
	time.Sleep(300 * time.Millisecond) // the flood is on

	var slowest time.Duration
	for i := range 10 {
		start := time.Now()
		status, err := h.zl.SendText(*p.zu, "/trogiup")
		d := time.Since(start)
		if err != nil || status != 200 {
			t.Fatalf("webhook call %d during the flood: %d, %v", i, status, err)
		}
		slowest = max(slowest, d)
		p.Expect("help.text")
	}
	stop()
	wg.Wait()
	if slowest > 1500*time.Millisecond {
		t.Errorf("a webhook call took %v during the flood of page requests", slowest)
	}
	if served.Load() == 0 {
		t.Errorf("no page was served during the flood (%d requests)", all.Load())
	}
	t.Logf("slowest webhook answer %v; %d of %d page requests served", slowest, served.Load(), all.Load())
}
