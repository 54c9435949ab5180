package report

import (
	"archive/zip"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// The sheets of the workbook, in order. The names are part of the format:
// leadership templates refer to them.
const (
	SheetSubjects = "Chủ thể"
	SheetProducts = "Sản phẩm"
	SheetHistory  = "Lịch sử"
	SheetChecks   = "Hậu kiểm"
	SheetEvents   = "Sự kiện & điểm danh"
	SheetFigures  = "Chỉ tiêu"
	SheetBudget   = "Ngân sách"
)

// Sheets lists the sheet names in order.
var Sheets = []string{SheetSubjects, SheetProducts, SheetHistory, SheetChecks, SheetEvents, SheetFigures, SheetBudget}

// The fixed columns of each sheet; the products sheet adds one column per
// dossier item of the rulebook in force.
var (
	subjectHeaders = []string{"STT", "Mã chủ thể", "Tên chủ thể", "Loại hình", "Người đại diện", "Điện thoại",
		"Mã xã", "Xã, phường", "Tỉnh (trước 1/7/2025)", "Thuộc vùng kế hoạch", "Số ĐKKD", "Kênh bán hàng",
		"Có kênh hiện đại", "Ngày đăng ký"}
	productHeaders = []string{"STT", "Mã sản phẩm", "Tên sản phẩm", "Chủ thể", "Mã xã", "Xã, phường", "Ngành",
		"Bộ sản phẩm", "Giai đoạn", "Số sao", "Điểm", "Số giấy chứng nhận", "Ngày cấp", "Ngày hết hạn",
		"Bộ tiêu chí", "Nghề truyền thống", "Vùng nguyên liệu ổn định", "Kinh tế tuần hoàn, xanh", "Hồ sơ bắt buộc đã nộp"}
	historyHeaders = []string{"STT", "Mã sản phẩm", "Tên sản phẩm", "Từ giai đoạn", "Đến giai đoạn", "Người thực hiện",
		"Lý do", "Thời điểm"}
	checkHeaders = []string{"STT", "Mã sản phẩm", "Tên sản phẩm", "Ngày kiểm tra", "Kết quả", "Ghi chú", "Người ghi", "Thời điểm ghi"}
	eventHeaders = []string{"STT", "Sự kiện", "Loại", "Bắt đầu", "Địa điểm", "Người", "Chủ thể", "Mã xã",
		"Trả lời", "Có mặt", "Lời mời"}
	budgetHeaders = []string{"Hoạt động", "Nội dung", "Nguồn vốn", "Năm", "Kế hoạch (triệu đồng)",
		"Đã chi (triệu đồng)", "Tỷ lệ đã chi (%)"}
	disbursementHeaders = []string{"STT", "Hoạt động", "Năm", "Số tiền (triệu đồng)", "Ghi chú", "Người ghi",
		"Thời điểm ghi"}
)

// Words the workbook writes in its cells.
const (
	yes          = "Có"
	no           = "Không"
	noData       = "Chưa có dữ liệu"
	notApplied   = "—"
	system       = "Hệ thống"
	wholePeriod  = "Cả giai đoạn"
	totalLabel   = "Tổng cộng"
	yearTotal    = "Tổng năm %d"
	activityAll  = "Cộng hoạt động %d"
	byGroup      = "Sản phẩm theo ngành"
	byStage      = "Sản phẩm theo giai đoạn"
	byStars      = "Sản phẩm OCOP còn hiệu lực theo hạng sao"
	byCommune    = "Sản phẩm theo xã, phường"
	byTickets    = "Hỏi cán bộ (câu hỏi của người dân)"
	spentTitle   = "Các khoản đã chi"
	unknownGroup = "Chưa rõ ngành"
)

// ColumnName is the Vietnamese name of a column of figures.
func ColumnName(k ColumnKind) string {
	switch k {
	case ColumnPlanArea:
		return "Vùng kế hoạch"
	case ColumnProvince:
		return "Toàn tỉnh"
	}
	return "Phạm vi được giao"
}

// Build makes the report workbook over a scope: subjects, products (one
// column per dossier item of the rulebook in force), stage history, events
// and attendance, the plan's figures against its targets, and the budget
// beside what was spent.
func Build(ctx context.Context, src Source, scope Scope) (*excelize.File, error) {
	b, err := newBuilder(ctx, src, scope)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	// The fastest deflate: a province's workbook is tens of megabytes of
	// XML, and the default level spent longer compressing it than building
	// it, for a file only a little smaller.
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	b.f = f
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	for i, name := range Sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
			continue
		}
		if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
	}
	// Each sheet is streamed: its rows go out as XML as they are written,
	// instead of building excelize's model of every cell (a province's
	// workbook has millions of cells). The rows are read from the database
	// one sheet ahead of the writing, and the two big sheets (products,
	// history) are written at the same time, each by its own writer.
	b.sws = map[string]*excelize.StreamWriter{}
	for _, name := range Sheets {
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return nil, err
		}
		b.sws[name] = sw
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	b.bold = bold
	loadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.data = b.load(loadCtx)
	for _, steps := range [][]func(context.Context) error{
		{b.subjects}, {b.products, b.history}, {b.checks, b.events}, {b.figures}, {b.budget},
	} {
		if err := together(loadCtx, cancel, steps); err != nil {
			return nil, err
		}
	}
	for _, name := range Sheets {
		if err := b.sws[name].Flush(); err != nil {
			return nil, err
		}
	}
	f.SetActiveSheet(0)
	ok = true
	return f, nil
}

type builder struct {
	src     Source
	scope   Scope
	area    domain.Area
	now     time.Time
	t       func(string) string
	current *domain.Rulebook
	f       *excelize.File
	bold    int
	// data is filled by load while the sheets are written.
	data *rows
	// subjectNames are the names of the subjects sheet's rows, for the
	// products sheet.
	subjectNames map[int64]string
	// sws write the rows of each sheet.
	sws map[string]*excelize.StreamWriter
}

// together runs steps at the same time and returns the first error, after
// which the others are cancelled.
func together(ctx context.Context, cancel func(), steps []func(context.Context) error) error {
	if len(steps) == 1 {
		return steps[0](ctx)
	}
	errs := make(chan error, len(steps))
	for _, step := range steps {
		go func() {
			err := step(ctx)
			if err != nil {
				cancel()
			}
			errs <- err
		}()
	}
	var first error
	for range steps {
		if err := <-errs; err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = err
		}
	}
	return first
}

func newBuilder(ctx context.Context, src Source, scope Scope) (*builder, error) {
	if src.Data == nil || src.Figures == nil || src.Budget == nil || src.Plan == nil || src.Places == nil || src.Rules == nil {
		return nil, domain.Errorf("report.build", "incomplete source")
	}
	b := &builder{src: src, scope: scope, now: scope.Now, t: src.T}
	if b.now.IsZero() {
		b.now = time.Now()
	}
	if b.t == nil {
		t, err := VietnameseT()
		if err != nil {
			return nil, err
		}
		b.t = t
	}
	// The same few names (stages, kinds, states) are asked for on every
	// row: remember them.
	t, seen := b.t, sync.Map{}
	b.t = func(id string) string {
		if v, ok := seen.Load(id); ok {
			return v.(string)
		}
		v := t(id)
		seen.Store(id, v)
		return v
	}
	b.area = domain.Area{All: true}
	if scope.Communes != nil {
		b.area = domain.Area{Communes: scope.Communes}
	}
	b.current = src.Rules.InForce(b.now)
	if b.current == nil {
		all := src.Rules.All()
		b.current = all[len(all)-1]
	}
	return b, ctx.Err()
}

// rows are the workbook's data, each part ready when its channel is
// closed (after which its fields may be read).
type rows struct {
	subjectsReady, productsReady, historyReady chan struct{}

	subjects    []domain.Subject
	subjectsErr error
	products    []domain.Product
	items       map[int64]map[string]domain.DossierItem
	refs        map[int64][2]string // product id -> code, name (for the history)
	productsErr error
	history     []domain.StageChange
	names       map[int64]string
	historyErr  error
}

// load reads the workbook's rows in the order of the sheets, in a
// goroutine of its own.
func (b *builder) load(ctx context.Context) *rows {
	d := &rows{subjectsReady: make(chan struct{}), productsReady: make(chan struct{}), historyReady: make(chan struct{})}
	go func() {
		d.subjects, d.subjectsErr = b.src.Data.Subjects(ctx, b.area)
		close(d.subjectsReady)
		d.products, d.productsErr = b.src.Data.Products(ctx, b.area)
		if d.productsErr == nil {
			d.items, d.productsErr = b.src.Data.DossierItems(ctx, b.area)
		}
		d.refs = make(map[int64][2]string, len(d.products))
		for _, p := range d.products {
			d.refs[p.ID] = [2]string{p.Code, p.Name}
		}
		close(d.productsReady)
		d.history, d.names, d.historyErr = b.src.Data.History(ctx, b.area)
		close(d.historyReady)
	}()
	return d
}

// wait waits for a part of the rows.
func wait(ctx context.Context, ready chan struct{}) error {
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// row writes values from column A of a row (1-based) of the sheet being
// built; rows go in increasing order.
func (b *builder) row(sheet string, n int, values ...any) error {
	cell, err := excelize.CoordinatesToCellName(1, n)
	if err != nil {
		return err
	}
	for i, v := range values {
		if v == "" { // no cell at all rather than an empty one
			values[i] = nil
		}
	}
	return b.sws[sheet].SetRow(cell, values)
}

// header writes a bold header row; freeze (for a header in row 1 only)
// also widens the columns and freezes the rows above the data.
func (b *builder) header(sheet string, n int, headers []string, freeze bool) error {
	if freeze {
		sw := b.sws[sheet]
		if err := sw.SetColWidth(1, max(len(headers), 1), 18); err != nil {
			return err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: n, TopLeftCell: fmt.Sprintf("A%d", n+1), ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	vals := make([]any, len(headers))
	for i, h := range headers {
		vals[i] = excelize.Cell{StyleID: b.bold, Value: h}
	}
	return b.row(sheet, n, vals...)
}

func (b *builder) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(b.now.Location()).Format("02/01/2006")
}

func (b *builder) moment(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(b.now.Location()).Format("02/01/2006 15:04")
}

func yesNo(v bool) string {
	if v {
		return yes
	}
	return no
}

func (b *builder) commune(code string) (name, province string, inPlan bool) {
	c, ok := b.src.Places.Get(code)
	if !ok {
		return "", "", false
	}
	return c.Name, c.FormerProvince, b.src.Plan.InArea(c)
}

func (b *builder) subjects(ctx context.Context) error {
	if err := wait(ctx, b.data.subjectsReady); err != nil {
		return err
	}
	list, err := b.data.subjects, b.data.subjectsErr
	if err != nil {
		return err
	}
	if err := b.header(SheetSubjects, 1, subjectHeaders, true); err != nil {
		return err
	}
	b.subjectNames = make(map[int64]string, len(list))
	for i, s := range list {
		b.subjectNames[s.ID] = s.Name
		name, prov, inPlan := b.commune(s.CommuneCode)
		var channels []string
		modern := false
		for _, ch := range s.SalesChannels {
			channels = append(channels, b.t("sales_channel."+string(ch)))
			modern = modern || ch.Modern()
		}
		if err := b.row(SheetSubjects, i+2, i+1, s.ID, s.Name, b.t("subject_kind."+string(s.Kind)), s.Representative,
			domain.FormatPhone(s.Phone), s.CommuneCode, name, prov, yesNo(inPlan), s.BusinessRegNo,
			strings.Join(channels, "; "), yesNo(modern), b.date(s.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) products(ctx context.Context) error {
	if err := wait(ctx, b.data.productsReady); err != nil {
		return err
	}
	list, items, err := b.data.products, b.data.items, b.data.productsErr
	if err != nil {
		return err
	}
	b.data.products, b.data.items = nil, nil // free them as the sheet is written
	subjectName := b.subjectNames
	var others []int64
	for _, p := range list {
		if _, ok := subjectName[p.SubjectID]; !ok {
			others = append(others, p.SubjectID)
		}
	}
	if len(others) > 0 {
		names, err := b.src.Data.SubjectNames(ctx, others)
		if err != nil {
			return err
		}
		for id, name := range names {
			subjectName[id] = name
		}
	}
	headers := append([]string(nil), productHeaders...)
	for _, it := range b.current.Items {
		headers = append(headers, it.Short)
	}
	if err := b.header(SheetProducts, 1, headers, true); err != nil {
		return err
	}
	for i, p := range list {
		rules, ok := b.src.Rules.Get(p.Rulebook)
		if !ok {
			rules = b.current
		}
		group, set := "", ""
		for _, r := range []*domain.Rulebook{rules, b.current} {
			if ps, ok := r.Set(p.Set); ok {
				set = ps.Name
				if g, ok := r.Group(ps.Group); ok {
					group = g.Name
				}
				break
			}
		}
		name, _, _ := b.commune(p.CommuneCode)
		var stars, score any = "", ""
		if p.Stars > 0 {
			stars = p.Stars
		}
		if p.Score > 0 {
			score = p.Score
		}
		state := items[p.ID]
		done, required := 0, 0
		for _, it := range rules.Checklist(p.Set) {
			if it.Kind.Required() {
				required++
				if state[it.ID].State.Counts() {
					done++
				}
			}
		}
		progress := fmt.Sprintf("%d/%d", done, required)
		imported := domain.Imported(p)
		if imported {
			progress = b.t("lifecycle.imported_dossier") // no dossier in the bot: not "0/4"
		}
		vals := []any{i + 1, p.Code, p.Name, subjectName[p.SubjectID], p.CommuneCode, name, group, set,
			b.t("stage_short." + string(p.Stage)), stars, score, p.CertNo, b.date(p.CertIssued), b.date(p.CertExpires),
			p.Rulebook, p.Craft, yesNo(p.RawArea), yesNo(p.Circular), progress}
		for _, it := range b.current.Items {
			if imported {
				vals = append(vals, "")
				continue
			}
			applies := it.AppliesTo(p.Set)
			if own, ok := rules.Item(it.ID); ok {
				applies = own.AppliesTo(p.Set)
			}
			switch st, ok := state[it.ID]; {
			case !applies:
				vals = append(vals, notApplied)
			case ok:
				vals = append(vals, b.t("item_state."+string(st.State)))
			default:
				vals = append(vals, b.t("item_state."+string(domain.ItemMissing)))
			}
		}
		if err := b.row(SheetProducts, i+2, vals...); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) history(ctx context.Context) error {
	if err := wait(ctx, b.data.historyReady); err != nil {
		return err
	}
	changes, names, err := b.data.history, b.data.names, b.data.historyErr
	if err != nil {
		return err
	}
	if err := wait(ctx, b.data.productsReady); err != nil {
		return err
	}
	refs := b.data.refs
	b.data.history = nil
	if err := b.header(SheetHistory, 1, historyHeaders, true); err != nil {
		return err
	}
	for i, h := range changes {
		from := ""
		if h.From != "" {
			from = b.t("stage_short." + string(h.From))
		}
		who := system
		if h.By != 0 {
			who = names[h.By]
			if who == "" {
				who = fmt.Sprintf("#%d", h.By)
			}
		}
		p := refs[h.ProductID]
		if err := b.row(SheetHistory, i+2, i+1, p[0], p[1], from, b.t("stage_short."+string(h.To)), who, h.Reason, b.moment(h.At)); err != nil {
			return err
		}
	}
	return nil
}

// checks writes the monitoring checks (hậu kiểm) of the area's products.
func (b *builder) checks(ctx context.Context) error {
	if err := b.header(SheetChecks, 1, checkHeaders, true); err != nil {
		return err
	}
	if b.src.Checks == nil {
		return nil
	}
	list, err := b.src.Checks.ChecksIn(ctx, b.area)
	if err != nil {
		return err
	}
	for i, c := range list {
		p := b.data.refs[c.ProductID]
		who := b.data.names[c.By]
		if who == "" {
			who = fmt.Sprintf("#%d", c.By)
		}
		if err := b.row(SheetChecks, i+2, i+1, p[0], p[1], b.date(c.Day), b.t("check_result."+string(c.Result)), c.Note, who,
			b.moment(c.At)); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) events(ctx context.Context) error {
	if err := b.header(SheetEvents, 1, eventHeaders, true); err != nil {
		return err
	}
	if b.src.Events == nil {
		return nil
	}
	rows, err := b.src.Events.EventAttendance(ctx, b.area)
	if err != nil {
		return err
	}
	for i, r := range rows {
		if err := b.row(SheetEvents, i+2, i+1, r.Event, r.Kind, b.moment(r.Starts), r.Place, r.Person, r.Subject,
			r.Commune, r.RSVP, yesNo(r.Attended), r.Invitation); err != nil {
			return err
		}
	}
	return nil
}

// TargetText writes a target the Vietnamese way: "100–120", "≥ 50%".
func TargetText(t domain.Target) string {
	unit := ""
	if t.Unit == domain.UnitPercent {
		unit = "%"
	}
	if t.Max > 0 && t.Max != t.Min {
		return domain.FormatNumber(t.Min, 1) + "–" + domain.FormatNumber(t.Max, 1) + unit
	}
	return "≥ " + domain.FormatNumber(t.Min, 1) + unit
}

func (b *builder) figures(ctx context.Context) error {
	cols := Columns(b.src, b.scope.Communes)
	counts, err := Counts(ctx, b.src, cols, b.now)
	if err != nil {
		return err
	}
	values := make([][]domain.FigureValue, len(cols))
	for i, c := range counts {
		values[i] = b.src.Plan.Evaluate(c)
	}
	headers := []string{"STT", "Chỉ tiêu", "Mục tiêu"}
	for _, col := range cols {
		n := ColumnName(col.Kind)
		headers = append(headers, n+": giá trị", n+": tử số", n+": mẫu số")
	}
	headers = append(headers, "Đạt mục tiêu ("+ColumnName(cols[0].Kind)+")", "Định nghĩa")
	if err := b.header(SheetFigures, 1, headers, true); err != nil {
		return err
	}
	r := 2
	for i, t := range b.src.Plan.Targets {
		vals := []any{i + 1, t.Label, TargetText(t)}
		for c := range cols {
			v := values[c][i]
			switch {
			case !v.Known:
				vals = append(vals, noData, "", "")
			case t.Unit == domain.UnitPercent:
				vals = append(vals, math.Round(v.Value*10)/10, v.Num, v.Den)
			default:
				vals = append(vals, v.Value, "", "")
			}
		}
		met := noData
		if values[0][i].Known {
			met = yesNo(values[0][i].Met)
		}
		vals = append(vals, met, t.Definition)
		if err := b.row(SheetFigures, r, vals...); err != nil {
			return err
		}
		r++
	}

	// Breakdowns, one table each, a column per area.
	table := func(title string, rows [][]any) error {
		r++
		head := []string{title}
		for _, col := range cols {
			head = append(head, ColumnName(col.Kind))
		}
		if err := b.header(SheetFigures, r, head, false); err != nil {
			return err
		}
		r++
		for _, vals := range rows {
			if err := b.row(SheetFigures, r, vals...); err != nil {
				return err
			}
			r++
		}
		return nil
	}
	groups := make([][]domain.GroupCount, len(cols))
	for c := range cols {
		groups[c] = b.src.Rules.ByGroup(counts[c].BySet, b.now)
	}
	var rows [][]any
	for _, g := range groups[len(cols)-1] {
		name := g.Name
		if g.Group == 0 {
			name = unknownGroup
		}
		vals := []any{name}
		for c := range cols {
			n := 0
			for _, x := range groups[c] {
				if x.Group == g.Group {
					n = x.N
				}
			}
			vals = append(vals, n)
		}
		rows = append(rows, vals)
	}
	if err := table(byGroup, rows); err != nil {
		return err
	}
	rows = nil
	for _, st := range b.current.Stages {
		vals := []any{b.t("stage_short." + string(st))}
		for c := range cols {
			vals = append(vals, counts[c].ByStage[st])
		}
		rows = append(rows, vals)
	}
	if err := table(byStage, rows); err != nil {
		return err
	}
	rows = nil
	for _, stars := range []int{3, 4, 5} {
		vals := []any{fmt.Sprintf("%d sao", stars)}
		for c := range cols {
			vals = append(vals, counts[c].ByStars[stars])
		}
		rows = append(rows, vals)
	}
	if err := table(byStars, rows); err != nil {
		return err
	}
	rows = nil
	wide := counts[len(cols)-1].ByCommune
	codes := make([]string, 0, len(wide))
	for code := range wide {
		codes = append(codes, code)
	}
	sort.Slice(codes, func(i, j int) bool {
		if wide[codes[i]] != wide[codes[j]] {
			return wide[codes[i]] > wide[codes[j]]
		}
		return codes[i] < codes[j]
	})
	for _, code := range codes {
		name, _, _ := b.commune(code)
		if name == "" {
			name = code
		}
		vals := []any{name}
		for c := range cols {
			vals = append(vals, counts[c].ByCommune[code])
		}
		rows = append(rows, vals)
	}
	if err := table(byCommune, rows); err != nil {
		return err
	}
	return b.ticketTable(ctx, cols, table)
}

// ticketTable adds the figures of "Hỏi cán bộ" (questions asked, answered,
// median hours to an answer), a column per area, when the data has them.
func (b *builder) ticketTable(ctx context.Context, cols []Column, table func(string, [][]any) error) error {
	td, ok := b.src.Data.(interface {
		TicketsIn(ctx context.Context, area domain.Area) ([]domain.Ticket, error)
	})
	if !ok {
		return nil
	}
	rows := [][]any{{"Câu hỏi đã nhận"}, {"Đã trả lời"}, {"Thời gian trả lời trung vị (giờ)"}}
	for _, col := range cols {
		list, err := td.TicketsIn(ctx, col.Area)
		if err != nil {
			return err
		}
		st := domain.StatsOf(list)
		median := any(noData)
		if st.Answered > 0 {
			median = math.Round(st.Median.Hours()*10) / 10
		}
		rows[0], rows[1], rows[2] = append(rows[0], st.Asked), append(rows[1], st.Answered), append(rows[2], median)
	}
	return table(byTickets, rows)
}

func (b *builder) budget(ctx context.Context) error {
	spent, err := b.src.Budget.Disbursements(ctx)
	if err != nil {
		return err
	}
	plan := b.src.Plan.Budget
	use := plan.Use(spent)
	if err := b.header(SheetBudget, 1, budgetHeaders, true); err != nil {
		return err
	}
	r := 2
	line := func(activity any, name, source string, year any, l domain.BudgetLine) error {
		var share any = ""
		if s, ok := l.Share(); ok {
			share = math.Round(s*1000) / 10
		}
		err := b.row(SheetBudget, r, activity, name, source, year, l.Planned.Millions(), l.Spent.Millions(), share)
		r++
		return err
	}
	for _, a := range plan.Activities {
		for _, y := range plan.Years() {
			l := use.Cells[[2]int{a.ID, y}]
			if l.Planned == 0 && l.Spent == 0 {
				continue
			}
			if err := line(a.ID, a.Name, a.Source, y, l); err != nil {
				return err
			}
		}
		if err := line(fmt.Sprintf(activityAll, a.ID), a.Name, a.Source, wholePeriod, use.ByActivity[a.ID]); err != nil {
			return err
		}
	}
	for _, y := range plan.Years() {
		if err := line(fmt.Sprintf(yearTotal, y), "", "", y, use.ByYear[y]); err != nil {
			return err
		}
	}
	if err := line(totalLabel, "", "", wholePeriod, use.Total); err != nil {
		return err
	}

	r++
	if err := b.row(SheetBudget, r, spentTitle); err != nil {
		return err
	}
	r++
	if err := b.header(SheetBudget, r, disbursementHeaders, false); err != nil {
		return err
	}
	var ids []int64
	for _, d := range spent {
		ids = append(ids, d.By)
	}
	names := map[int64]string{}
	if un, ok := b.src.Data.(interface {
		UserNames(ctx context.Context, ids []int64) (map[int64]string, error)
	}); ok {
		if names, err = un.UserNames(ctx, ids); err != nil {
			return err
		}
	}
	for i, d := range spent {
		r++
		who := names[d.By]
		if who == "" {
			who = fmt.Sprintf("#%d", d.By)
		}
		if err := b.row(SheetBudget, r, i+1, d.Activity, d.Year, d.Amount.Millions(), d.Note, who, b.moment(d.At)); err != nil {
			return err
		}
	}
	return nil
}
