package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

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
	disbursementHeaders = []string{"STT", "Số khoản", "Hoạt động", "Năm", "Số tiền (triệu đồng)", "Ghi chú", "Người ghi",
		"Thời điểm ghi", "Đã hủy (không cộng vào số đã chi)"}
)

// Words the workbook writes in its cells.
const (
	yes         = "Có"
	no          = "Không"
	noData      = "Chưa có dữ liệu"
	notKnown    = "Chưa rõ"
	notApplied  = "—"
	system      = "Hệ thống"
	wholePeriod = "Cả giai đoạn"
	totalLabel  = "Tổng cộng"
	yearTotal   = "Tổng năm %d"
	activityAll = "Cộng hoạt động %d"
	byGroup     = "Sản phẩm theo ngành"
	byStage     = "Sản phẩm theo giai đoạn"
	byStars     = "Sản phẩm OCOP còn hiệu lực theo hạng sao"
	byCommune   = "Sản phẩm theo xã, phường"
	byTickets   = "Hỏi cán bộ (câu hỏi của người dân)"
	spentTitle  = "Các khoản đã chi"
	// cancelledCell: when and by whom a disbursement was cancelled.
	cancelledCell = "Đã hủy %s, %s"
	unknownGroup  = "Chưa rõ ngành"
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
func Build(ctx context.Context, src Source, scope Scope) (*Workbook, error) {
	b, err := newBuilder(ctx, src, scope)
	if err != nil {
		return nil, err
	}
	// Each sheet is written as it goes (xlsx.go): its rows go out as XML
	// into its own deflate stream as they are read from the database, and
	// the sheets are written at the same time, each by its own goroutine;
	// the monitoring checks, which name products and officers, come after
	// the products and the history.
	sst := newSharedStrings()
	b.sws = map[string]*sheetWriter{}
	for i, name := range Sheets {
		b.sws[name] = newSheetWriter(i, sst)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, steps := range [][]func(context.Context) error{
		{b.products, b.history, b.subjects, b.events, b.figures, b.budget}, {b.checks},
	} {
		if err := together(ctx, cancel, steps); err != nil {
			return nil, err
		}
	}
	parts, err := packageParts(Sheets, sst)
	if err != nil {
		return nil, err
	}
	for _, name := range Sheets {
		p, err := b.sws[name].close()
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return &Workbook{parts: parts}, nil
}

type builder struct {
	src     Source
	scope   Scope
	area    domain.Area
	now     time.Time
	t       func(string) string
	current *domain.Rulebook
	// refs are the code and name of each product, by id, and authors the
	// names of the users who moved them, for the checks sheet.
	refs    map[int64][2]string
	authors map[int64]string
	// sws write the rows of each sheet.
	sws map[string]*sheetWriter
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

// row writes values from column A of a row (1-based) of the sheet being
// built (see sheetWriter.Values); rows go in increasing order.
func (b *builder) row(sheet string, n int, values ...any) error {
	sw := b.sws[sheet]
	sw.Row(n)
	sw.Values(values...)
	return sw.err
}

// header writes a bold header row; freeze (for a header in row 1 only)
// also widens the columns and freezes the rows above the data.
func (b *builder) header(sheet string, n int, headers []string, freeze bool) error {
	sw := b.sws[sheet]
	if freeze {
		sw.SetColWidth(1, max(len(headers), 1), 18)
		sw.Freeze(n)
	}
	sw.Row(n)
	for _, h := range headers {
		sw.StrStyle(h, styleBold)
	}
	return sw.err
}

// Layouts of the dates and moments in the sheets.
const (
	dateLayout   = "02/01/2006"
	momentLayout = "02/01/2006 15:04"
)

func (b *builder) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(b.now.Location()).Format(dateLayout)
}

func (b *builder) moment(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(b.now.Location()).Format(momentLayout)
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

// lookups remember, for the rows of one sheet, the names asked for on
// every row: translations by prefix and key, communes by code. Each sheet
// has its own (no locks).
type lookups struct {
	b        *builder
	words    map[[2]string]string
	communes map[string]communeInfo
}

type communeInfo struct {
	name, province string
	inPlan         bool
}

func (b *builder) lookups() *lookups {
	return &lookups{b: b, words: map[[2]string]string{}, communes: map[string]communeInfo{}}
}

// t translates the message id prefix+key.
func (l *lookups) t(prefix, key string) string {
	k := [2]string{prefix, key}
	v, ok := l.words[k]
	if !ok {
		v = l.b.t(prefix + key)
		l.words[k] = v
	}
	return v
}

// reason is a stage change's reason as the sheet shows it: the officer's
// words as typed; an import and a revocation's ground, which are stored
// as codes, in words.
func (l *lookups) reason(h *domain.StageChange) string {
	switch {
	case h.Reason == domain.ReasonImported:
		return l.t("history_reason.", "imported")
	case h.To == domain.StageRevoked && slices.Contains(domain.RevocationGrounds, domain.RevocationGround(h.Reason)):
		return l.t("revoke_ground.", h.Reason)
	}
	return h.Reason
}

func (l *lookups) commune(code string) communeInfo {
	c, ok := l.communes[code]
	if !ok {
		c.name, c.province, c.inPlan = l.b.commune(code)
		l.communes[code] = c
	}
	return c
}

func (b *builder) subjects(ctx context.Context) error {
	if err := b.header(SheetSubjects, 1, subjectHeaders, true); err != nil {
		return err
	}
	sw, l, loc := b.sws[SheetSubjects], b.lookups(), b.now.Location()
	var channels []byte
	n := 0
	return b.src.Data.EachSubject(ctx, b.area, func(s *domain.Subject) error {
		c := l.commune(s.CommuneCode)
		channels = channels[:0]
		modern := false
		for j, ch := range s.SalesChannels {
			if j > 0 {
				channels = append(channels, "; "...)
			}
			channels = append(channels, l.t("sales_channel.", string(ch))...)
			modern = modern || ch.Modern()
		}
		n++
		sw.Row(n + 1)
		sw.Int(int64(n))
		sw.Int(s.ID)
		sw.Str(s.Name)
		sw.Word(l.t("subject_kind.", string(s.Kind)))
		sw.Str(s.Representative)
		sw.Str(domain.FormatPhone(s.Phone))
		sw.Word(s.CommuneCode)
		sw.Word(c.name)
		sw.Word(c.province)
		sw.Word(yesNo(c.inPlan))
		sw.Str(s.BusinessRegNo)
		sw.WordBytes(channels)
		sw.Word(yesNo(modern))
		sw.Time(s.CreatedAt, loc, dateLayout)
		return sw.err
	})
}

// productLayout is what a product's row takes from its rulebook and
// product set: the same for every product of the pair.
type productLayout struct {
	group, set string
	// required are the ids of the required items of the checklist.
	required []string
	// applies says, for each item of the rulebook in force (a column),
	// whether it applies to the product.
	applies []bool
}

func (b *builder) productLayout(rulebook string, setID int) *productLayout {
	rules, ok := b.src.Rules.Get(rulebook)
	if !ok {
		rules = b.current
	}
	l := &productLayout{}
	for _, r := range []*domain.Rulebook{rules, b.current} {
		if ps, ok := r.Set(setID); ok {
			l.set = ps.Name
			if g, ok := r.Group(ps.Group); ok {
				l.group = g.Name
			}
			break
		}
	}
	for _, it := range rules.Checklist(setID) {
		if it.Kind.Required() {
			l.required = append(l.required, it.ID)
		}
	}
	for _, it := range b.current.Items {
		applies := it.AppliesTo(setID)
		if own, ok := rules.Item(it.ID); ok {
			applies = own.AppliesTo(setID)
		}
		l.applies = append(l.applies, applies)
	}
	return l
}

func (b *builder) products(ctx context.Context) error {
	subjects, err := b.src.Data.ProductSubjects(ctx, b.area)
	if err != nil {
		return err
	}
	headers := append([]string(nil), productHeaders...)
	for _, it := range b.current.Items {
		headers = append(headers, it.Short)
	}
	if err := b.header(SheetProducts, 1, headers, true); err != nil {
		return err
	}
	sw, l, loc := b.sws[SheetProducts], b.lookups(), b.now.Location()
	type layoutKey struct {
		rulebook string
		set      int
	}
	layouts := map[layoutKey]*productLayout{}
	imported := b.t("lifecycle.imported_dossier") // no dossier in the bot: not "0/4"
	missing := l.t("item_state.", string(domain.ItemMissing))
	var progress []byte
	refs := map[int64][2]string{}
	n := 0
	err = b.src.Data.EachProduct(ctx, b.area, func(p *domain.Product, state map[string]domain.ItemState) error {
		refs[p.ID] = [2]string{p.Code, p.Name}
		lay := layouts[layoutKey{p.Rulebook, p.Set}]
		if lay == nil {
			lay = b.productLayout(p.Rulebook, p.Set)
			layouts[layoutKey{p.Rulebook, p.Set}] = lay
		}
		n++
		sw.Row(n + 1)
		sw.Int(int64(n))
		sw.Str(p.Code)
		sw.Str(p.Name)
		sw.Str(subjects[p.SubjectID])
		sw.Word(p.CommuneCode)
		sw.Word(l.commune(p.CommuneCode).name)
		sw.Word(lay.group)
		sw.Word(lay.set)
		sw.Word(l.t("stage_short.", string(p.Stage)))
		if p.Stars > 0 {
			sw.Int(int64(p.Stars))
		} else {
			sw.Skip()
		}
		if p.Score > 0 {
			sw.Float(p.Score)
		} else {
			sw.Skip()
		}
		sw.Str(p.CertNo)
		sw.Time(p.CertIssued, loc, dateLayout)
		sw.Time(p.CertExpires, loc, dateLayout)
		sw.Word(p.Rulebook)
		sw.Word(p.Craft)
		if domain.DetailsAsked(*p) {
			sw.Word(yesNo(p.RawArea))
			sw.Word(yesNo(p.Circular))
		} else {
			sw.Word(notKnown) // an imported product: its list did not say
			sw.Word(notKnown)
		}
		if domain.Imported(*p) {
			sw.Word(imported)
			return sw.err
		}
		done := 0
		for _, id := range lay.required {
			if state[id].Counts() {
				done++
			}
		}
		progress = strconv.AppendInt(progress[:0], int64(done), 10)
		progress = append(progress, '/')
		progress = strconv.AppendInt(progress, int64(len(lay.required)), 10)
		sw.WordBytes(progress)
		for j, it := range b.current.Items {
			switch st, ok := state[it.ID]; {
			case !lay.applies[j]:
				sw.Word(notApplied)
			case ok:
				sw.Word(l.t("item_state.", string(st)))
			default:
				sw.Word(missing)
			}
		}
		return sw.err
	})
	b.refs = refs
	return err
}

func (b *builder) history(ctx context.Context) error {
	names, err := b.src.Data.ChangeAuthors(ctx, b.area)
	if err != nil {
		return err
	}
	b.authors = names
	if err := b.header(SheetHistory, 1, historyHeaders, true); err != nil {
		return err
	}
	sw, l, loc := b.sws[SheetHistory], b.lookups(), b.now.Location()
	n := 0
	return b.src.Data.EachChange(ctx, b.area, func(h *domain.StageChange, code, name string) error {
		n++
		sw.Row(n + 1)
		sw.Int(int64(n))
		sw.Str(code)
		sw.Str(name)
		if h.From != "" {
			sw.Word(l.t("stage_short.", string(h.From)))
		} else {
			sw.Skip()
		}
		sw.Word(l.t("stage_short.", string(h.To)))
		who := system
		if h.By != 0 {
			who = names[h.By]
			if who == "" {
				who = fmt.Sprintf("#%d", h.By)
			}
		}
		sw.Word(who)
		sw.Str(l.reason(h))
		sw.Time(h.At, loc, momentLayout)
		return sw.err
	})
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
		p := b.refs[c.ProductID]
		who := b.authors[c.By]
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
		ids = append(ids, d.By, d.CancelledBy)
	}
	names := map[int64]string{}
	if un, ok := b.src.Data.(UserNamer); ok {
		if names, err = un.UserNames(ctx, ids); err != nil {
			return err
		}
	}
	who := func(id int64) string {
		if n := names[id]; n != "" {
			return n
		}
		return fmt.Sprintf("#%d", id)
	}
	for i, d := range spent {
		r++
		cancelled := ""
		if d.Cancelled() {
			cancelled = fmt.Sprintf(cancelledCell, b.moment(d.CancelledAt), who(d.CancelledBy))
			if d.CancelledNote != "" {
				cancelled += ": " + d.CancelledNote
			}
		}
		if err := b.row(SheetBudget, r, i+1, d.ID, d.Activity, d.Year, d.Amount.Millions(), d.Note, who(d.By), b.moment(d.At), cancelled); err != nil {
			return err
		}
	}
	return nil
}
