package parts

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// FiguresConfig sizes the figures run. Zero values take the defaults.
type FiguresConfig struct {
	Common
	// Products (100,000) and Subjects (50,000), spread over the 96
	// communes of the embedded places list.
	Products int
	Subjects int
	// Runs of /thongke (3) and of /baocao (ReportRuns, 1: it is slow at
	// the default size); the median is reported, and the first (cold) run
	// separately.
	Runs       int
	ReportRuns int
	// ReportTimeout bounds the wait for /baocao's workbook (5 min).
	ReportTimeout time.Duration
}

func (c *FiguresConfig) defaults() {
	if c.Products <= 0 {
		c.Products = 100_000
	}
	if c.Subjects <= 0 {
		c.Subjects = 50_000
	}
	if c.Runs <= 0 {
		c.Runs = 3
	}
	if c.ReportRuns <= 0 {
		c.ReportRuns = 1
	}
	if c.ReportTimeout <= 0 {
		c.ReportTimeout = 5 * time.Minute
	}
}

const figuresAdmin int64 = 9_000_002

// adminWatch records when the admin's chat receives each kind of file.
type adminWatch struct {
	mu    sync.Mutex
	chat  int64
	last  map[string]time.Time // method → arrival of the latest call
	count map[string]int
}

func (w *adminWatch) observe(o telegramtest.Observed) {
	if o.Err != nil {
		return
	}
	if chat, ok := chatID(o.Call); !ok || chat != w.chat {
		return
	}
	w.mu.Lock()
	w.last[o.Call.Method] = o.Call.At
	w.count[o.Call.Method]++
	w.mu.Unlock()
}

func (w *adminWatch) seen(method string) (int, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count[method], w.last[method]
}

// Figures measures /thongke (text and chart) and /baocao (the workbook) of
// an admin over the whole province on a generated data set, and the size
// of the database file. When a command fails, the figures measured so far
// are returned with the error.
func Figures(ctx context.Context, cfg FiguresConfig) ([]Figure, error) {
	cfg.defaults()
	r, err := newRun(ctx, cfg.Common, "figures")
	if err != nil {
		return nil, err
	}
	defer r.close()

	t0 := time.Now()
	if err := generateProvince(ctx, r.dbPath(), cfg.Subjects, cfg.Products); err != nil {
		return nil, fmt.Errorf("generate the data set: %w", err)
	}
	r.logf("%d subjects and %d products written in %v", cfg.Subjects, cfg.Products, time.Since(t0).Round(time.Millisecond))
	size := fileSize(r.dbPath())

	fake := telegramtest.NewServer(telegramtest.WithoutCallBodies(), telegramtest.WithFirstUpdateID(1))
	w := &adminWatch{chat: figuresAdmin, last: map[string]time.Time{}, count: map[string]int{}}
	for _, m := range []string{"sendMessage", "sendPhoto", "sendDocument"} {
		fake.Observe(m, w.observe)
	}
	if err := r.startBot(ctx, fake, "ADMIN_IDS="+strconv.FormatInt(figuresAdmin, 10)); err != nil {
		return nil, err
	}
	admin := telegramtest.User{ID: figuresAdmin, FirstName: "Quản trị", LanguageCode: "vi"}

	// timeCmd sends cmd and returns the time until the next call of method
	// to the admin arrives.
	timeCmd := func(cmd, method string, timeout time.Duration) (time.Duration, error) {
		before, _ := w.seen(method)
		upd := fake.TextUpdate(admin, cmd)
		start := time.Now()
		fake.Push(upd)
		var at time.Time
		ok := fake.WaitFor(timeout, func() bool {
			var n int
			n, at = w.seen(method)
			return n > before || ctx.Err() != nil
		})
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if !ok {
			last := ""
			if m, ok := fake.LastMessage(admin.ID); ok {
				last = m.PlainText
			}
			return 0, r.failf("%s: no %s within %v; last message: %q", cmd, method, timeout, last)
		}
		// Let the rest of the answer (e.g. the progress edit) settle.
		_ = ctxSleep(ctx, 200*time.Millisecond)
		return at.Sub(start), nil
	}

	var figs []Figure
	for _, c := range []struct{ cmd, method, name string }{
		{"/thongke", "sendPhoto", "thongke"},
		{"/baocao", "sendDocument", "baocao"},
	} {
		var ds []time.Duration
		runs := cfg.Runs
		if c.name == "baocao" {
			runs = cfg.ReportRuns
		}
		for i := range runs {
			timeout := r.c.Timeout + time.Minute
			if c.name == "baocao" {
				timeout = cfg.ReportTimeout
			}
			d, err := timeCmd(c.cmd, c.method, timeout)
			if err != nil {
				return append(figs, Figure{"db_size_mb", float64(size) / (1 << 20), "MB"}), err
			}
			r.logf("%s run %d: %v", c.cmd, i+1, d.Round(time.Millisecond))
			ds = append(ds, d)
		}
		first := ds[0]
		slices.Sort(ds)
		figs = append(figs,
			Figure{c.name + "_ms", ms(ds[(len(ds)-1)/2]), "ms"},
			Figure{c.name + "_cold_ms", ms(first), "ms"},
		)
	}
	figs = append(figs,
		Figure{"figures_products", float64(cfg.Products), "count"},
		Figure{"figures_subjects", float64(cfg.Subjects), "count"},
		Figure{"db_size_mb", float64(size) / (1 << 20), "MB"},
	)
	return figs, nil
}

// generateProvince creates the database at path and writes subjects and
// products spread over the communes, with their sales channels, stage
// histories and serial counters, in one transaction. The mix is fixed
// (no randomness), so that runs compare.
func generateProvince(ctx context.Context, path string, subjects, products int) error {
	places, err := domain.DefaultPlaces()
	if err != nil {
		return err
	}
	communes := places.All()
	if len(communes) == 0 {
		return fmt.Errorf("no communes")
	}
	db, err := sqlite.Open(ctx, path, time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	prep := func(q string) (*preparedStmt, error) {
		st, err := tx.PrepareContext(ctx, q)
		return &preparedStmt{st}, err
	}
	insSubject, err := prep(`INSERT INTO subjects (id, kind, name, representative, phone, phone_verified, commune_code, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insSubject.Close()
	insChannel, err := prep(`INSERT INTO subject_sales_channels (subject_id, channel) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer insChannel.Close()
	insProduct, err := prep(`INSERT INTO products (id, subject_id, code, serial, year, commune_code, name, set_id, existing,
	raw_area, circular, stage, rulebook, score, stars, cert_no, cert_issued, cert_expires, cert_rules, valid_until, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insProduct.Close()
	insChange, err := prep(`INSERT INTO stage_changes (product_id, from_stage, to_stage, reason, at) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insChange.Close()

	kinds := []domain.SubjectKind{domain.KindCooperative, domain.KindHousehold, domain.KindSME, domain.KindCoopGroup, domain.KindHousehold, domain.KindFarm}
	channels := []domain.SalesChannel{domain.ChannelMarket, domain.ChannelOwnShop, domain.ChannelEcommerce, domain.ChannelSupermarket, domain.ChannelConvenience}
	now := time.Now()
	nowMS := now.UnixMilli()
	subjectCommune := make([]string, subjects+1)
	for i := 1; i <= subjects; i++ {
		c := communes[i%len(communes)].Code
		subjectCommune[i] = c
		if err := insSubject.exec(ctx, i, kinds[i%len(kinds)], fmt.Sprintf("Cơ sở sản xuất số %d", i), fmt.Sprintf("Nguyễn Văn %d", i),
			fmt.Sprintf("+849%08d", i), i%2, c, nowMS, nowMS); err != nil {
			return err
		}
		for k := range i % 3 {
			if err := insChannel.exec(ctx, i, channels[(i+k)%len(channels)]); err != nil {
				return err
			}
		}
	}

	serials := map[string]int{}
	day := int64(24 * time.Hour / time.Millisecond)
	for i := 1; i <= products; i++ {
		subject := 1 + (i*7919)%subjects
		commune := subjectCommune[subject]
		year := 2019 + i%7
		key := fmt.Sprintf("product-serial:%s:%d", commune, year)
		serials[key]++
		serial := serials[key]
		code := fmt.Sprintf("80-%s-%03d-%d", commune, serial, year)
		created := time.Date(year, time.Month(1+i%12), 1+i%28, 9, 0, 0, 0, time.UTC).UnixMilli()
		var (
			stage                  domain.Stage
			score                  any
			stars                  int
			certNo, certRules      string
			certIssued, certExpiry any
			validUntil             any
		)
		history := []domain.Stage{domain.StageIdea}
		switch i % 10 {
		case 0, 1, 2, 3, 4:
			stage = domain.StageRecognised
			stars = 3 + i%3
			score = 50.0 + float64(i%50)
			certNo = fmt.Sprintf("%d/QĐ-UBND", i)
			certRules = "qd148-2023"
			issued := created + 120*day
			certIssued, certExpiry = issued, issued+3*365*day
			validUntil = certExpiry
			history = append(history, domain.StageFiled, domain.StageProvince, domain.StageRecognised)
			if i%50 == 0 || issued+3*365*day < nowMS {
				// Expired, as the daily expiry job leaves a certificate
				// whose last valid day has passed.
				stage = domain.StageExpired
				history = append(history, domain.StageExpired)
			}
		case 5:
			stage = domain.StagePreparing
			history = append(history, stage)
		case 6:
			stage = domain.StageFiled
			history = append(history, domain.StagePreparing, stage)
		case 7:
			stage = domain.StageProvince
			history = append(history, domain.StagePreparing, domain.StageFiled, stage)
		case 8:
			stage = domain.StageFailed
			score = float64(30 + i%20)
			history = append(history, domain.StageFiled, domain.StageProvince, stage)
		default:
			stage = domain.StageIdea
		}
		if err := insProduct.exec(ctx, i, subject, code, serial, year, commune, fmt.Sprintf("Sản phẩm %d", i), 1+i%26, i%3 == 0,
			i%4 == 0, i%5 == 0, stage, "qd148-2023", score, stars, certNo, certIssued, certExpiry, certRules, validUntil, created, created); err != nil {
			return err
		}
		from := domain.Stage("")
		for k, to := range history {
			if err := insChange.exec(ctx, i, from, to, "", created+int64(k)*30*day); err != nil {
				return err
			}
			from = to
		}
	}
	for name, v := range serials {
		if _, err := tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)`, name, v); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Fold the WAL into the file, so that its size is the data's.
	_, err = db.SQL().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// preparedStmt is a prepared statement run for its effect.
type preparedStmt struct{ *sql.Stmt }

func (s *preparedStmt) exec(ctx context.Context, args ...any) error {
	_, err := s.ExecContext(ctx, args...)
	return err
}
