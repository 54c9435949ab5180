package public_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/locales"
	"github.com/ocop-tayninh/ocopbot/public"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

var hcm = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return l
}()

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, hcm) }

// fixture is a real database with products in every state, and the server
// over it.
type fixture struct {
	db    *sqlite.DB
	pub   *sqlite.PublicStore
	srv   *public.Server
	codes map[string]string // by product name: its public code
	subID int64
	now   time.Time
}

func newFixture(t testing.TB, cfg public.Config, extra int) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{codes: map[string]string{}, now: time.Date(2026, 12, 7, 9, 0, 0, 0, hcm)}
	clock := f.now
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ocop.db"), func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db, f.pub = db, sqlite.NewPublicStore(db)
	sub := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Bánh tráng Trảng Bàng", Representative: "Nguyễn Văn Bảy",
		Phone: "+84912345678", CommuneCode: "25459"}
	if err := sqlite.NewSubjectStore(db).Create(ctx, &sub); err != nil {
		t.Fatal(err)
	}
	f.subID = sub.ID
	products := sqlite.NewProductStore(db)
	add := func(name string, set int, stage domain.Stage, stars int, issued time.Time, at time.Time) {
		clock = at
		p := domain.Product{SubjectID: sub.ID, Name: name, Set: set, Year: 2024, Stage: stage, Stars: stars, Rulebook: "qd26-2026"}
		if !issued.IsZero() {
			p.CertNo, p.CertIssued, p.CertExpires = "1234/QĐ-UBND", issued, issued.AddDate(3, 0, 0)
		}
		if err := products.Create(ctx, &p, "", "80"); err != nil {
			t.Fatal(err)
		}
		pp, err := f.pub.ByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.codes[name] = pp.PublicCode
	}
	add("Bánh tráng phơi sương", 3, domain.StageRecognised, 4, day(2024, 3, 15), day(2024, 3, 15))
	add("Muối tôm", 1, domain.StageRecognised, 3, day(2023, 12, 6), day(2023, 12, 6)) // last day 6/12/2026: expired yesterday
	add("Nước mắm cá linh", 1, domain.StageRevoked, 4, day(2024, 1, 10), time.Date(2025, 6, 2, 14, 0, 0, 0, hcm))
	add("Mật ong rừng", 1, domain.StageReevaluation, 5, day(2024, 5, 20), day(2026, 12, 1))
	add("Ý tưởng chưa nộp", 1, domain.StageIdea, 0, time.Time{}, day(2026, 1, 1))
	for i := range extra {
		add("Sản phẩm số "+strconv.Itoa(100+i), 2, domain.StageRecognised, 3, day(2025, 1, 1), day(2025, 1, 1))
	}
	clock = f.now
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	places, err := domain.DefaultPlaces()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store == nil {
		cfg.Store = f.pub
	}
	cfg.Places, cfg.Rules, cfg.Location = places, rules, hcm
	cfg.Now = func() time.Time { return f.now }
	cfg.T = func(id string, data map[string]any) string {
		for k, v := range data {
			if s, ok := v.(string); ok {
				data[k] = bot.HTML(s)
			}
		}
		return tr.T("vi", id, data)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://ocop.example.vn"
	}
	if cfg.Rate == 0 {
		cfg.Rate, cfg.Burst = 1e9, 1000000
	}
	f.srv, err = public.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) get(t *testing.T, method, path string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = "203.0.113.7:5555"
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestProductPage(t *testing.T) {
	f := newFixture(t, public.Config{}, 0)
	res, body := f.get(t, "GET", "/sp/"+f.codes["Bánh tráng phơi sương"])
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	for _, want := range []string{"Bánh tráng phơi sương", "HTX Bánh tráng Trảng Bàng", "Phường Tân Ninh", `class="stars" id="stars"`, "★★★★<span>4 sao OCOP",
		"Còn hiệu lực", "Gạo, ngũ cốc, hạt sơ chế", "1234/QĐ-UBND", "15/03/2024", "15/03/2027", `property="og:title" content="Bánh tráng phơi sương — OCOP 4 sao"`,
		`property="og:image" content="https://ocop.example.vn/sp/` + f.codes["Bánh tráng phơi sương"] + `.png"`, `lang="vi"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, never := range []string{"Nguyễn Văn Bảy", "912", "<script"} {
		if strings.Contains(body, never) {
			t.Errorf("page shows %q", never)
		}
	}
	h := res.Header
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("headers %v", h)
	}
	if len(body) > 8000 {
		t.Errorf("page is %d bytes: keep it small for slow networks", len(body))
	}
	// The producer chooses to show a contact.
	if err := f.pub.SetPublicContact(t.Context(), f.subID, true); err != nil {
		t.Fatal(err)
	}
	if _, body := f.get(t, "GET", "/sp/"+f.codes["Bánh tráng phơi sương"]); !strings.Contains(body, "Liên hệ") || !strings.Contains(body, "0912 345 678") {
		t.Errorf("the chosen contact is not shown: %s", body)
	}
	// The preview picture named by og:image: the label.
	if res, body := f.get(t, "GET", "/sp/"+f.codes["Bánh tráng phơi sương"]+".png"); res.StatusCode != 200 ||
		res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(body, "\x89PNG") {
		t.Errorf("label picture: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := f.get(t, "GET", "/sp/"+f.codes["Ý tưởng chưa nộp"]+".png"); res.StatusCode != 404 {
		t.Errorf("label of a product without a page: %d", res.StatusCode)
	}
	// HEAD: the headers, no body.
	if res, body := f.get(t, "HEAD", "/sp/"+f.codes["Bánh tráng phơi sương"]); res.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d, %d bytes", res.StatusCode, len(body))
	}
}

func TestStatusesAsJSON(t *testing.T) {
	f := newFixture(t, public.Config{}, 0)
	for name, want := range map[string]struct{ status, text, date string }{
		"Bánh tráng phơi sương": {"valid", "Còn hiệu lực", ""},
		"Muối tôm":              {"expired", "Hết hiệu lực từ ngày 07/12/2026", "2026-12-06"},
		"Nước mắm cá linh":      {"revoked", "Đã bị thu hồi ngày 02/06/2025", "2025-06-02"},
		"Mật ong rừng":          {"reevaluation", "Đang đánh giá lại", ""},
	} {
		res, body := f.get(t, "GET", "/sp/"+strings.ToUpper(f.codes[name])+".json")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %s", name, res.StatusCode, body)
		}
		var rec public.Record
		if err := json.Unmarshal([]byte(body), &rec); err != nil {
			t.Fatal(err)
		}
		if string(rec.Status) != want.status || rec.StatusText != want.text || rec.StatusDate != want.date || rec.Name != name {
			t.Errorf("%s: %+v", name, rec)
		}
		if rec.URL != "https://ocop.example.vn/sp/"+f.codes[name] || rec.Contact != "" {
			t.Errorf("%s: url %q contact %q", name, rec.URL, rec.Contact)
		}
		_, page := f.get(t, "GET", "/sp/"+f.codes[name])
		if !strings.Contains(page, `class="status `+want.status+`"`) || !strings.Contains(page, want.text) {
			t.Errorf("%s: the page does not show %q", name, want.text)
		}
		lapsed := want.status == "expired" || want.status == "revoked"
		if lapsed != strings.Contains(page, `class="stars lapsed"`) || lapsed == strings.Contains(page, "Có hiệu lực đến hết ngày") ||
			lapsed != strings.Contains(page, "Hạn ghi trên giấy chứng nhận") {
			t.Errorf("%s: a lapsed certificate must show grey stars and its printed expiry, not «valid through»", name)
		}
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, public.Config{}, 0)
	for _, path := range []string{"/sp/2222222222", "/sp/" + f.codes["Ý tưởng chưa nộp"],
		"/sp/%3Cscript%3E", "/sp/" + strings.Repeat("a", 5000), "/sp/a/b/c"} {
		res, body := f.get(t, "GET", path)
		if res.StatusCode != 404 || !strings.Contains(body, "Không tìm thấy sản phẩm") || strings.Contains(body, "<script>") {
			t.Errorf("%s: %d %q", path[:min(len(path), 30)], res.StatusCode, body[:min(len(body), 200)])
		}
	}
	if res, body := f.get(t, "GET", "/sp/2222222222.json"); res.StatusCode != 404 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("json: %d %s", res.StatusCode, body)
	}
	// The code of the dossier, typed by a buyer who read it somewhere, is
	// searched in the catalogue (which lists only products that hold their
	// stars) rather than answered "may not be OCOP".
	res, _ := f.get(t, "GET", "/sp/80-25459-001-2024")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/sp?q=80-25459-001-2024" {
		t.Fatalf("a dossier's code: %d to %q", res.StatusCode, loc)
	}
	if res, body := f.get(t, "GET", res.Header.Get("Location")); res.StatusCode != 200 || !strings.Contains(body, "80-25459-001-2024") {
		t.Errorf("the catalogue does not search the code: %d\n%s", res.StatusCode, body[:min(len(body), 400)])
	}
}

func TestOnlyReadsAndRateLimit(t *testing.T) {
	f := newFixture(t, public.Config{Rate: 0.5, Burst: 3}, 0)
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		res, body := f.get(t, m, "/sp")
		if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" || !strings.Contains(body, "Trang này chỉ để xem") {
			t.Errorf("%s: %d %v", m, res.StatusCode, res.Header)
		}
	}
	// The 405s above cost no token; three pages pass, the fourth waits.
	for i := range 3 {
		if res, _ := f.get(t, "GET", "/sp"); res.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	res, body := f.get(t, "GET", "/sp")
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "2" || !strings.Contains(body, "Bạn mở trang quá nhanh") ||
		!strings.Contains(body, "chờ 2 giây") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("429: %d %v %s", res.StatusCode, res.Header, body)
	}
	// Another address is not limited.
	req := httptest.NewRequest("GET", "/sp", nil)
	req.RemoteAddr = "198.51.100.1:1"
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("another address: %d", w.Code)
	}
	// Time passes: a token comes back.
	f.now = f.now.Add(2 * time.Second)
	if res, _ := f.get(t, "GET", "/sp"); res.StatusCode != 200 {
		t.Fatalf("after the wait: %d", res.StatusCode)
	}
}

// gate holds every read until it is opened.
type gate struct {
	*sqlite.PublicStore
	entered chan struct{}
	open    chan struct{}
}

func (g gate) ByCode(ctx context.Context, code string) (domain.PublicProduct, error) {
	g.entered <- struct{}{}
	<-g.open
	return g.PublicStore.ByCode(ctx, code)
}

func TestBusyPagesWaitTheirTurn(t *testing.T) {
	g := gate{entered: make(chan struct{}, 10), open: make(chan struct{})}
	f := newFixture(t, public.Config{Concurrency: 1, Wait: 100 * time.Millisecond}, 0)
	g.PublicStore = f.pub
	srv, err := public.New(public.Config{Store: g, T: func(id string, _ map[string]any) string { return id }, Concurrency: 1,
		Wait: 100 * time.Millisecond, Rate: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	first := httptest.NewRecorder()
	go func() {
		defer wg.Done()
		srv.ServeHTTP(first, httptest.NewRequest("GET", "/sp/"+f.codes["Muối tôm"], nil))
	}()
	<-g.entered // the one slot is taken
	second := httptest.NewRecorder()
	srv.ServeHTTP(second, httptest.NewRequest("GET", "/sp/"+f.codes["Muối tôm"], nil))
	if second.Code != 503 || second.Header().Get("Retry-After") == "" || !strings.Contains(second.Body.String(), "public.busy_text") {
		t.Fatalf("second request while the slot is taken: %d", second.Code)
	}
	close(g.open)
	wg.Wait()
	if first.Code != 200 {
		t.Fatalf("first: %d", first.Code)
	}
}

func TestCatalogue(t *testing.T) {
	f := newFixture(t, public.Config{}, 25)
	_, body := f.get(t, "GET", "/sp")
	// 25 + the valid one + the one under re-evaluation; not the expired,
	// revoked or idea ones.
	if !strings.Contains(body, "27 sản phẩm · trang 1/2") {
		t.Fatalf("summary: %s", body)
	}
	_, body2 := f.get(t, "GET", "/sp?trang=2")
	for _, name := range []string{"Muối tôm", "Nước mắm cá linh", "Ý tưởng chưa nộp"} {
		if strings.Contains(body+body2, name) {
			t.Errorf("%s is listed", name)
		}
	}
	if !strings.Contains(body+body2, "Bánh tráng phơi sương") || !strings.Contains(body+body2, "Mật ong rừng") {
		t.Errorf("valid products missing")
	}
	for q, want := range map[string]string{
		"banh trang":            "Bánh tráng phơi sương", // no diacritics
		"Bánh Tráng":            "Bánh tráng phơi sương",
		"mat ong":               "Mật ong rừng",
		"tan ninh":              "Bánh tráng phơi sương", // the commune
		"chau thanh":            "Bánh tráng phơi sương", // the former district
		f.codes["Mật ong rừng"]: "Mật ong rừng",
	} {
		_, body := f.get(t, "GET", "/sp?q="+strings.ReplaceAll(q, " ", "+"))
		if !strings.Contains(body, ">"+want+"</a>") {
			t.Errorf("q=%q: %q not found", q, want)
		}
	}
	_, body = f.get(t, "GET", "/sp?q=xyzxyz")
	if !strings.Contains(body, "Không có sản phẩm OCOP còn hiệu lực nào khớp với «xyzxyz»") {
		t.Errorf("no hit: %s", body)
	}
	_, body = f.get(t, "GET", "/sp?q=%3Cb%3E")
	if strings.Contains(body, "<b>") {
		t.Errorf("query not escaped")
	}
}

// TestErasedProducer: a certified product of a producer who had their
// data erased keeps its page (the register of certificates), says the
// producer is not published, and leaves no empty part in the preview's
// description.
func TestErasedProducer(t *testing.T) {
	f := newFixture(t, public.Config{}, 0)
	// What the erasure leaves of the subject (sqlite eraseSubject).
	if _, err := f.db.SQL().Exec(`UPDATE subjects SET name = '', representative = '', phone = '' WHERE id = ?`, f.subID); err != nil {
		t.Fatal(err)
	}
	res, body := f.get(t, "GET", "/sp/"+f.codes["Bánh tráng phơi sương"])
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{"Chủ thể sản xuất", "Không công bố (chủ thể đã xóa thông tin cá nhân)", "Còn hiệu lực", "Phường Tân Ninh"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, never := range []string{"HTX Bánh tráng Trảng Bàng", "·  ·", "· ·"} {
		if strings.Contains(body, never) {
			t.Errorf("page shows %q", never)
		}
	}
}

// TestSetOfAnOldRulebook: a product recognised under a rulebook whose list
// of sets is not known (qd148-2023, imported) shows its set as today's
// catalogue names its number, as the import read it and the figures group
// it, not a bare number.
func TestSetOfAnOldRulebook(t *testing.T) {
	f := newFixture(t, public.Config{}, 0)
	if _, err := f.db.SQL().Exec(`UPDATE products SET rulebook = 'qd148-2023', cert_rules = 'qd148-2023', set_id = 6 WHERE name = ?`, "Bánh tráng phơi sương"); err != nil {
		t.Fatal(err)
	}
	_, body := f.get(t, "GET", "/sp/"+f.codes["Bánh tráng phơi sương"])
	if !strings.Contains(body, "Chế biến từ gạo, ngũ cốc") {
		t.Errorf("the set is not named:\n%s", body)
	}
}
