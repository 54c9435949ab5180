package handlers

import (
	"bytes"
	"context"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/report"
)

// The plan's figures (/thongke), budget (/ngansach), showrooms (/diemban)
// and report workbook (/baocao): officer commands over the plan file.

// BudgetBook is what the budget needs of its repository.
type BudgetBook interface {
	AddDisbursement(ctx context.Context, d *domain.Disbursement) error
	// CancelDisbursement: domain.ErrNotFound for an unknown id,
	// KindConflict (with the disbursement) for one cancelled before.
	CancelDisbursement(ctx context.Context, id, by int64, note string) (domain.Disbursement, error)
	Disbursements(ctx context.Context) ([]domain.Disbursement, error)
}

// Showrooms is what /diemban needs of its repository.
type Showrooms interface {
	AddShowroom(ctx context.Context, r *domain.Showroom) error
	Showrooms(ctx context.Context) ([]domain.Showroom, error)
}

// Button data of the figures: "fg|def" (definitions), "fg|sr" (add a
// showroom).
const cbFigures = "fg"

const flowShowroom = "srm"

// Field keys of the showroom form.
const (
	srName    = "name"
	srAddress = "address"
	srCommune = "commune"
	srOpened  = "opened"
)

const (
	maxShowroomText = 200
	maxBudgetNote   = 300
	maxCommuneLines = 12 // communes listed in /thongke; the rest are counted
)

// source is what the figures and the workbook read.
func (a *app) source() report.Source {
	return report.Source{Data: a.ReportData, Figures: a.Figures, Budget: a.Budget, Attendance: a.Attendance,
		Events: a.ReportEvents, Plan: a.Plan, Places: a.Places, Rules: a.Rules,
		T: func(id string) string { return a.e.T(domain.LocaleVI, id, nil) }, Checks: a.reportChecks()}
}

// reportChecks gives the monitoring checks to the workbook, when their
// store can list them by area.
func (a *app) reportChecks() report.Checks {
	if ch, ok := a.Monitoring.(report.Checks); ok {
		return ch
	}
	return nil
}

// scopeOf returns the communes an officer sees: nil for the whole province
// (province officers and admins), their communes otherwise.
func scopeOf(u domain.User) []string {
	if u.Role.IsProvince() {
		return nil
	}
	return append([]string{}, u.Communes...)
}

// columnLabel names a column of figures in the user's language.
func columnLabel(c *bot.Ctx, k report.ColumnKind) string {
	switch k {
	case report.ColumnPlanArea:
		return c.T("figures.col_plan")
	case report.ColumnProvince:
		return c.T("figures.col_province")
	}
	return c.T("figures.col_scope")
}

// figureSet is the figures of each column.
type figureSet struct {
	cols   []report.Column
	counts []domain.FigureCounts
	values [][]domain.FigureValue
}

func (a *app) computeFigures(ctx context.Context, c *bot.Ctx, now time.Time) (figureSet, error) {
	src := a.source()
	fs := figureSet{cols: report.Columns(src, scopeOf(c.User))}
	counts, err := report.Counts(ctx, src, fs.cols, now)
	if err != nil {
		return fs, domain.Op("figures", err)
	}
	fs.counts = counts
	for _, n := range counts {
		fs.values = append(fs.values, a.Plan.Evaluate(n))
	}
	return fs, nil
}

// figuresDay reads the day of /thongke: "" is today; "31/12/2025" is the
// end of that day (its figures come from the stage history). A day after
// today, or not a date, is refused with a Vietnamese answer.
func (a *app) figuresDay(arg string) (now time.Time, past bool, err error) {
	now = a.now()
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return now, false, nil
	}
	day, ok := parseDate(arg, a.loc())
	if !ok {
		return now, false, domain.Invalid("figures.day", "figures.day_invalid")
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, a.loc())
	switch {
	case day.After(today):
		return now, false, domain.Invalid("figures.day", "figures.day_future")
	case day.Equal(today):
		return now, false, nil
	}
	return day.Add(23*time.Hour + 59*time.Minute), true, nil
}

// figures sends the figures beside the plan's targets, as text and as a
// chart: today's, or those at the end of the day typed after the command.
func (a *app) figures(ctx context.Context, c *bot.Ctx) error {
	return a.figuresAt(ctx, c, c.Update.Args)
}

func (a *app) figuresAt(ctx context.Context, c *bot.Ctx, arg string) error {
	now, past, err := a.figuresDay(arg)
	if err != nil {
		return err
	}
	fs, err := a.computeFigures(ctx, c, now)
	if err != nil {
		return err
	}
	// Draw the chart while the text goes out.
	type drawn struct {
		png []byte
		err error
	}
	chart := make(chan drawn, 1)
	spec := a.figuresChart(c, fs, now)
	go func() {
		png, err := spec.PNG()
		chart <- drawn{png, err}
	}()
	text := a.figuresText(c, fs, now)
	if past {
		text = c.T("figures.as_of", map[string]any{"Date": a.date(now)}) + "\n" + text
	}
	if past {
		// Questions and answers are counted as they stand today only.
	} else if qa, err := a.ticketStatsText(ctx, c); err != nil {
		return err
	} else if qa != "" {
		text += "\n\n" + qa
	}
	buttons := [][]bot.Button{{bot.Data(cbFigures, "def").Button(c.T("figures.button_definitions"))}}
	if end := a.planEnd(); !past && now.After(end.AddDate(0, 0, 1)) {
		// The plan's period is over: its figures are those of its last day.
		text = c.T("figures.period_ended", map[string]any{"To": a.Plan.Period.To, "End": a.date(end)}) + "\n\n" + text
		buttons = append(buttons, []bot.Button{bot.Data(cbFigures, "at").With(end.Format("02/01/2006")).Button(c.T("figures.button_period_end", map[string]any{"End": a.date(end)}))})
	}
	if err := c.Send(ctx, bot.Reply{Text: text, Buttons: buttons}); err != nil {
		<-chart
		return err
	}
	var d drawn
	select {
	case d = <-chart:
	case <-ctx.Done():
		return domain.Op("figures.chart", ctx.Err())
	}
	if d.err != nil {
		return domain.E("figures.chart", domain.KindInternal, d.err)
	}
	png := d.png
	return c.Send(ctx, bot.Reply{
		Photo: &bot.Attachment{Name: "thong-ke-ocop-" + now.Format("2006-01-02") + ".png", Data: png},
		Text:  c.T("figures.chart_caption", map[string]any{"Date": a.date(now)}),
	})
}

// formatValue writes a figure the Vietnamese way: "45", "45,5% (5/11)", or
// "no data".
func formatValue(c *bot.Ctx, v domain.FigureValue) string {
	switch {
	case !v.Known:
		return c.T("figures.no_data")
	case v.Target.Unit == domain.UnitPercent:
		return c.T("figures.share", map[string]any{"Percent": domain.FormatPercent(v.Value / 100), "Num": v.Num, "Den": v.Den})
	}
	return domain.FormatNumber(v.Value, 0)
}

func (a *app) figuresText(c *bot.Ctx, fs figureSet, now time.Time) string {
	p := a.Plan
	var b strings.Builder
	b.WriteString(c.T("figures.title", map[string]any{"Instrument": p.Instrument, "From": p.Period.From, "To": p.Period.To, "Date": a.date(now)}))
	b.WriteString("\n")
	if fs.cols[0].Kind == report.ColumnScope {
		b.WriteString(c.T("figures.scope", map[string]any{"Communes": a.communeNames(fs.cols[0].Area.Communes)}))
	} else {
		b.WriteString(c.T("figures.areas", map[string]any{"Plan": len(fs.cols[0].Area.Communes), "Former": p.Area.FormerProvince,
			"All": len(a.Places.All())}))
	}
	for i, t := range p.Targets {
		var vals []string
		for k, col := range fs.cols {
			vals = append(vals, c.T("figures.column_value", map[string]any{"Column": columnLabel(c, col.Kind), "Value": formatValue(c, fs.values[k][i])}))
		}
		b.WriteString("\n\n")
		if fs.cols[0].Kind == report.ColumnScope {
			// A commune's figures: the province's targets are not theirs.
			b.WriteString(c.T("figures.line_scope", map[string]any{"N": i + 1, "Label": t.Label, "Values": strings.Join(vals, " · ")}))
			continue
		}
		mark := ""
		switch v := fs.values[0][i]; {
		case v.Known && v.Met:
			mark = "✅"
		case v.Known:
			mark = "⏳"
		}
		b.WriteString(c.T("figures.line", map[string]any{"N": i + 1, "Label": t.Label, "Values": strings.Join(vals, " · "),
			"Target": report.TargetText(t), "Mark": mark}))
	}

	var names []string
	for _, col := range fs.cols {
		names = append(names, columnLabel(c, col.Kind))
	}
	columns := strings.Join(names, " / ")
	line := func(name string, n func(k int) int) string {
		var vs []string
		for k := range fs.cols {
			vs = append(vs, strconv.Itoa(n(k)))
		}
		return "\n" + c.T("figures.breakdown_line", map[string]any{"Name": name, "Values": strings.Join(vs, " / ")})
	}
	wide := len(fs.cols) - 1
	if fs.counts[wide].Products == 0 {
		b.WriteString("\n\n")
		b.WriteString(c.T("figures.no_products"))
		b.WriteString("\n\n")
		b.WriteString(c.T("figures.footer"))
		return b.String()
	}

	b.WriteString("\n\n")
	b.WriteString(c.T("figures.by_group", map[string]any{"Columns": columns}))
	groups := make([][]domain.GroupCount, len(fs.cols))
	for k := range fs.cols {
		groups[k] = a.Rules.ByGroup(fs.counts[k].BySet, a.now()) // the groups of the rules in force today
	}
	for _, g := range groups[wide] {
		name := g.Name
		if g.Group == 0 {
			name = c.T("figures.group_unknown")
		}
		b.WriteString(line(name, func(k int) int {
			for _, x := range groups[k] {
				if x.Group == g.Group {
					return x.N
				}
			}
			return 0
		}))
	}

	b.WriteString("\n\n")
	b.WriteString(c.T("figures.by_stage", map[string]any{"Columns": columns}))
	for _, st := range a.stageOrder(fs.counts[wide].ByStage) {
		b.WriteString(line(c.T("stage_short."+string(st)), func(k int) int { return fs.counts[k].ByStage[st] }))
	}

	b.WriteString("\n\n")
	b.WriteString(c.T("figures.by_stars", map[string]any{"Columns": columns}))
	for _, stars := range []int{3, 4, 5} {
		b.WriteString(line(strings.Repeat("★", stars), func(k int) int { return fs.counts[k].ByStars[stars] }))
	}

	b.WriteString("\n\n")
	b.WriteString(c.T("figures.by_commune", map[string]any{"Columns": columns}))
	codes := make([]string, 0, len(fs.counts[wide].ByCommune))
	for code := range fs.counts[wide].ByCommune {
		codes = append(codes, code)
	}
	byN := fs.counts[wide].ByCommune
	sort.Slice(codes, func(i, j int) bool {
		if byN[codes[i]] != byN[codes[j]] {
			return byN[codes[i]] > byN[codes[j]]
		}
		return codes[i] < codes[j]
	})
	for i, code := range codes {
		if i == maxCommuneLines {
			b.WriteString("\n")
			b.WriteString(c.T("figures.more_communes", map[string]any{"N": len(codes) - maxCommuneLines}))
			break
		}
		b.WriteString(line(a.communeName(code), func(k int) int { return fs.counts[k].ByCommune[code] }))
	}
	b.WriteString("\n\n")
	b.WriteString(c.T("figures.footer"))
	return b.String()
}

// stageOrder lists the stages that have products, in the order of the
// rulebooks' stages.
func (a *app) stageOrder(by map[domain.Stage]int) []domain.Stage {
	var out []domain.Stage
	seen := map[domain.Stage]bool{}
	for _, r := range a.Rules.All() {
		for _, st := range r.Stages {
			if by[st] > 0 && !seen[st] {
				seen[st] = true
				out = append(out, st)
			}
		}
	}
	var rest []string
	for st, n := range by {
		if n > 0 && !seen[st] {
			rest = append(rest, string(st))
		}
	}
	sort.Strings(rest)
	for _, st := range rest {
		out = append(out, domain.Stage(st))
	}
	return out
}

func (a *app) communeName(code string) string {
	if cm, ok := a.Places.Get(code); ok {
		return cm.Name
	}
	return code
}

func (a *app) communeNames(codes []string) string {
	if len(codes) == 0 {
		return "–"
	}
	names := make([]string, len(codes))
	for i, code := range codes {
		names[i] = a.communeName(code)
	}
	return strings.Join(names, ", ")
}

// figuresChart draws progress towards each target and products by group.
func (a *app) figuresChart(c *bot.Ctx, fs figureSet, now time.Time) report.Chart {
	ch := report.Chart{
		Title:        c.T("figures.chart_title", map[string]any{"Instrument": a.Plan.Instrument}),
		GroupsTitle:  c.T("figures.chart_groups"),
		ProgressAxis: c.T("figures.chart_progress_axis"),
		ProductsAxis: c.T("figures.chart_products_axis"),
		NoData:       c.T("figures.no_data"),
	}
	for _, col := range fs.cols {
		ch.Series = append(ch.Series, columnLabel(c, col.Kind))
	}
	for i, t := range a.Plan.Targets {
		ct := report.ChartTarget{Label: t.Label}
		for k := range fs.cols {
			v := fs.values[k][i]
			switch {
			case !v.Known:
				ct.Progress = append(ct.Progress, math.NaN())
			case t.Min == 0:
				ct.Progress = append(ct.Progress, 100)
			default:
				ct.Progress = append(ct.Progress, 100*v.Value/t.Min)
			}
		}
		ch.Targets = append(ch.Targets, ct)
	}
	groups := make([][]domain.GroupCount, len(fs.cols))
	for k := range fs.cols {
		groups[k] = a.Rules.ByGroup(fs.counts[k].BySet, a.now()) // the groups of the rules in force today
	}
	for _, g := range groups[len(fs.cols)-1] {
		cg := report.ChartGroup{Name: g.Name}
		if g.Group == 0 {
			cg.Name = c.T("figures.group_unknown")
		}
		for k := range fs.cols {
			n := 0
			for _, x := range groups[k] {
				if x.Group == g.Group {
					n = x.N
				}
			}
			cg.N = append(cg.N, n)
		}
		ch.Groups = append(ch.Groups, cg)
	}
	return ch
}

// planEnd is the last day of the plan's period: 31/12 of its last year.
func (a *app) planEnd() time.Time {
	return time.Date(a.Plan.Period.To, time.December, 31, 0, 0, 0, 0, a.loc())
}

func (a *app) figuresButton(ctx context.Context, c *bot.Ctx) error {
	switch c.Pressed.Verb {
	case "at":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.figuresAt(ctx, c, c.Pressed.Arg)
	case "def":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.definitions(ctx, c)
	case "sr":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.e.StartFlow(ctx, c, flowShowroom)
	case "bc", "bk": // a disbursement's cancellation confirmed, or kept
		return a.cancelDisbursementButton(ctx, c)
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

// definitions explains how each figure is counted.
func (a *app) definitions(ctx context.Context, c *bot.Ctx) error {
	p := a.Plan
	var b strings.Builder
	b.WriteString(c.T("figures.definitions_title", map[string]any{"Instrument": p.Instrument}))
	for i, t := range p.Targets {
		b.WriteString("\n\n")
		b.WriteString(c.T("figures.definition", map[string]any{"N": i + 1, "Label": t.Label, "Target": report.TargetText(t), "Definition": t.Definition}))
	}
	if p.Area.Note != "" {
		b.WriteString("\n\n")
		b.WriteString(c.T("figures.area_note", map[string]any{"Note": p.Area.Note}))
	}
	if len(p.Crafts.List) > 0 {
		names := make([]string, len(p.Crafts.List))
		for i, cr := range p.Crafts.List {
			names[i] = cr.Name
		}
		b.WriteString("\n\n")
		b.WriteString(c.T("figures.crafts", map[string]any{"Crafts": strings.Join(names, "; "), "Note": p.Crafts.Note}))
	}
	return c.Send(ctx, bot.Reply{Text: b.String()})
}

// reportTimeout bounds the building of a workbook.
const reportTimeout = 5 * time.Minute

// report builds the workbook and sends it as a document, with a progress
// message first that is edited when the workbook is done.
//
// The workbook goes once: the update is marked handled just before it is
// sent (bot.Ctx.Finish), so that a stop or a crash while it is on its way
// does not send it again after the restart. A hard stop (SIGTERM, and the
// grace over) before that leaves the update for the next start, which
// builds and sends it then.
func (a *app) report(ctx context.Context, c *bot.Ctx) error {
	now := a.now()
	progress, err := c.SendID(ctx, bot.Reply{Text: c.T("baocao.progress")})
	if err != nil {
		return err
	}
	// A province-wide workbook may take longer than an ordinary update
	// may; it stops with the process, not with the update's deadline.
	buildCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			cancel()
		}
	})()
	stopped := func() bool { return errors.Is(ctx.Err(), context.Canceled) }
	f, err := report.Build(buildCtx, a.source(), report.Scope{Communes: scopeOf(c.User), Now: now})
	if err != nil {
		if stopped() {
			return ctx.Err()
		}
		if progress != "" {
			_ = c.Send(buildCtx, bot.Reply{Edit: progress, Text: c.T("baocao.failed")})
		}
		return domain.E("report.build", domain.KindInternal, err)
	}
	var buf bytes.Buffer
	buf.Grow(f.Size())
	_, err = f.WriteTo(&buf)
	f.Close()
	if err != nil {
		return domain.E("report.write", domain.KindInternal, err)
	}
	scope := c.T("baocao.scope_province")
	if communes := scopeOf(c.User); communes != nil {
		scope = a.communeNames(communes)
	}
	if stopped() {
		return ctx.Err()
	}
	if err := c.Finish(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	if err := c.Send(buildCtx, bot.Reply{
		Document: &bot.Attachment{Name: "bao-cao-ocop-" + now.Format("2006-01-02") + ".xlsx", Data: buf.Bytes()},
		Text:     c.T("baocao.caption", map[string]any{"Date": a.date(now), "Scope": scope}),
	}); err != nil {
		return err
	}
	if progress == "" {
		return nil
	}
	return c.Send(buildCtx, bot.Reply{Edit: progress, Text: c.T("baocao.done")})
}

// budget shows the plan's budget lines beside what was spent, or records a
// disbursement (/ngansach chi <activity> <year> <million VND> <note>),
// lists the recorded ones with their numbers (/ngansach ds) or cancels one
// recorded by mistake (/ngansach huy <number> <why>).
func (a *app) budget(ctx context.Context, c *bot.Ctx) error {
	args := strings.TrimSpace(c.Update.Args)
	if args == "" {
		return a.budgetTable(ctx, c)
	}
	first, rest, _ := strings.Cut(args, " ")
	switch w := domain.Fold(first); {
	case w == "ds" || w == "list" || w == "danhsach" || domain.Fold(args) == "danh sach":
		return a.budgetList(ctx, c)
	case w == "huy" || w == "xoa" || w == "cancel":
		if !c.User.Role.IsProvince() {
			return c.Say(ctx, "budget.cancel_province_only")
		}
		return a.cancelDisbursement(ctx, c, rest)
	case w != "chi" && w != "spend":
		return c.Say(ctx, "budget.usage")
	}
	if !c.User.Role.IsProvince() {
		return c.Say(ctx, "budget.province_only")
	}
	d, err := parseDisbursement(args, a.Plan)
	if err != nil {
		var de *domain.Error
		if domain.ErrorKind(err) != domain.KindInvalid || !asError(err, &de) {
			return err
		}
		data := de.Data
		if data == nil {
			data = map[string]any{}
		}
		data["Usage"] = bot.HTML(c.T("budget.usage"))
		return c.Say(ctx, de.MsgID, data)
	}
	d.By = c.User.ID
	if err := a.Budget.AddDisbursement(ctx, &d); err != nil {
		return domain.Op("budget.add", err)
	}
	return a.sayBudgetCell(ctx, c, "budget.recorded", d)
}

// sayBudgetCell says id about disbursement d with what is now spent on its
// activity and year.
func (a *app) sayBudgetCell(ctx context.Context, c *bot.Ctx, id string, d domain.Disbursement) error {
	spent, err := a.Budget.Disbursements(ctx)
	if err != nil {
		return domain.Op("budget.list", err)
	}
	act, _ := a.Plan.Budget.Activity(d.Activity)
	cell := a.Plan.Budget.Use(spent).Cells[[2]int{d.Activity, d.Year}]
	return c.Say(ctx, id, map[string]any{
		"ID": d.ID, "Amount": domain.FormatMoney(d.Amount), "Activity": d.Activity, "Name": act.Name, "Year": d.Year,
		"Spent": domain.FormatMoney(cell.Spent), "Planned": domain.FormatMoney(cell.Planned), "Percent": sharePercent(cell),
	})
}

// keyBudgetCancel holds the cancellation asked and not yet confirmed:
// "<id>|<reason>".
const keyBudgetCancel = "bud.cancel"

// cancelDisbursement reads "<number> <why>" ("#12", "so 12" too), shows
// that disbursement and asks to confirm its cancellation: once cancelled it
// stays in the list and the workbook, marked, and no longer counts. A
// reason is required: the cancellation is part of the record.
func (a *app) cancelDisbursement(ctx context.Context, c *bot.Ctx, args string) error {
	fields := strings.Fields(domain.Clean(args))
	if len(fields) > 0 && (domain.Fold(fields[0]) == "so" || domain.Fold(fields[0]) == "khoan") {
		fields = fields[1:]
	}
	if len(fields) == 0 {
		return c.Say(ctx, "budget.cancel_usage")
	}
	id, err := strconv.ParseInt(strings.TrimRight(strings.TrimPrefix(fields[0], "#"), ",.:;"), 10, 64)
	if err != nil || id <= 0 {
		return c.Say(ctx, "budget.cancel_usage")
	}
	note := strings.Join(fields[1:], " ")
	switch {
	case !domain.HasLetterOrDigit(note):
		return c.Say(ctx, "budget.cancel_reason_needed", map[string]any{"ID": id})
	case utf8.RuneCountInString(note) > maxBudgetNote:
		return c.Say(ctx, "budget.note_too_long")
	}
	d, err := a.disbursement(ctx, id)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return c.Say(ctx, "budget.no_such_entry", map[string]any{"ID": id})
	case err != nil:
		return err
	case d.Cancelled():
		return c.Say(ctx, "budget.already_cancelled", map[string]any{"ID": id, "Date": a.date(d.CancelledAt)})
	}
	c.Session.Put(keyBudgetCancel, strconv.FormatInt(id, 10)+"|"+note)
	act, _ := a.Plan.Budget.Activity(d.Activity)
	return c.Send(ctx, bot.Reply{
		Text: c.T("budget.cancel_confirm", map[string]any{"ID": d.ID, "Amount": domain.FormatMoney(d.Amount), "Activity": d.Activity,
			"Name": act.Name, "Year": d.Year, "Note": d.Note, "Date": a.date(d.At), "Reason": note}),
		Buttons: [][]bot.Button{{bot.Data(cbFigures, "bc", id).Button(c.T("budget.button_cancel")),
			bot.Data(cbFigures, "bk", id).Button(c.T("budget.button_keep"))}},
	})
}

// disbursement finds a recorded disbursement by its number.
func (a *app) disbursement(ctx context.Context, id int64) (domain.Disbursement, error) {
	all, err := a.Budget.Disbursements(ctx)
	if err != nil {
		return domain.Disbursement{}, domain.Op("budget.list", err)
	}
	for _, d := range all {
		if d.ID == id {
			return d, nil
		}
	}
	return domain.Disbursement{}, domain.ErrNotFound
}

// cancelDisbursementButton carries out ("bc") or drops ("bk") the
// cancellation asked last: the button's number must be that one's.
func (a *app) cancelDisbursementButton(ctx context.Context, c *bot.Ctx) error {
	if !c.User.Role.IsProvince() {
		return c.Answer(ctx, c.T("budget.cancel_province_only"), true)
	}
	id, err := c.Pressed.ID(0)
	pending, note, _ := strings.Cut(c.Session.Get(keyBudgetCancel), "|")
	if err != nil || pending != strconv.FormatInt(id, 10) {
		return c.Answer(ctx, c.T("common.stale_button"), true)
	}
	c.Session.Put(keyBudgetCancel, "")
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	if c.Pressed.Verb == "bk" {
		return c.Say(ctx, "budget.cancel_kept", map[string]any{"ID": id})
	}
	d, err := a.Budget.CancelDisbursement(ctx, id, c.User.ID, note)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return c.Say(ctx, "budget.no_such_entry", map[string]any{"ID": id})
	case domain.ErrorKind(err) == domain.KindConflict && d.Cancelled():
		return c.Say(ctx, "budget.already_cancelled", map[string]any{"ID": id, "Date": a.date(d.CancelledAt)})
	case err != nil:
		return domain.Op("budget.cancel", err)
	}
	return a.sayBudgetCell(ctx, c, "budget.cancelled", d)
}

// budgetListMax is how many disbursements /ngansach ds shows, newest
// first; the workbook lists them all.
const budgetListMax = 20

// budgetList lists the recorded disbursements, newest first, with the
// numbers /ngansach huy takes, who recorded each and the cancelled ones
// marked.
func (a *app) budgetList(ctx context.Context, c *bot.Ctx) error {
	spent, err := a.Budget.Disbursements(ctx)
	if err != nil {
		return domain.Op("budget.list", err)
	}
	if len(spent) == 0 {
		return c.Say(ctx, "budget.list_empty")
	}
	shown := spent[max(0, len(spent)-budgetListMax):]
	ids := make([]int64, 0, 2*len(shown))
	for _, d := range shown {
		ids = append(ids, d.By, d.CancelledBy)
	}
	names := map[int64]string{}
	if un, ok := a.ReportData.(report.UserNamer); ok {
		if names, err = un.UserNames(ctx, ids); err != nil {
			return domain.Op("budget.names", err)
		}
	}
	who := func(id int64) string {
		if n := names[id]; n != "" {
			return n
		}
		return "#" + strconv.FormatInt(id, 10)
	}
	var b strings.Builder
	b.WriteString(c.T("budget.list_title", map[string]any{"N": len(spent)}))
	for i := len(shown) - 1; i >= 0; i-- {
		d := shown[i]
		b.WriteString("\n")
		b.WriteString(c.T("budget.list_item", map[string]any{"ID": d.ID, "Date": a.date(d.At), "Activity": d.Activity, "Year": d.Year,
			"Amount": domain.FormatMoney(d.Amount), "Note": d.Note, "By": who(d.By)}))
		if d.Cancelled() {
			b.WriteString(" ")
			b.WriteString(c.T("budget.list_cancelled", map[string]any{"Date": a.date(d.CancelledAt), "By": who(d.CancelledBy), "Note": d.CancelledNote}))
		}
	}
	if n := len(spent) - len(shown); n > 0 {
		b.WriteString("\n")
		b.WriteString(c.T("budget.list_more", map[string]any{"N": n}))
	}
	if c.User.Role.IsProvince() {
		b.WriteString("\n\n")
		b.WriteString(c.T("budget.cancel_usage"))
	}
	return c.Send(ctx, bot.Reply{Text: b.String()})
}

func sharePercent(l domain.BudgetLine) string {
	if s, ok := l.Share(); ok {
		return domain.FormatPercent(s)
	}
	return "–"
}

func (a *app) budgetTable(ctx context.Context, c *bot.Ctx) error {
	spent, err := a.Budget.Disbursements(ctx)
	if err != nil {
		return domain.Op("budget.list", err)
	}
	plan := a.Plan.Budget
	use := plan.Use(spent)
	line := func(id string, label any, l domain.BudgetLine) string {
		return "\n" + c.T(id, map[string]any{"Label": label, "Spent": domain.FormatMoney(l.Spent),
			"Planned": domain.FormatMoney(l.Planned), "Percent": sharePercent(l)})
	}
	var b strings.Builder
	b.WriteString(c.T("budget.title", map[string]any{"Instrument": a.Plan.Instrument, "Unit": plan.Unit}))
	for _, act := range plan.Activities {
		b.WriteString("\n\n")
		b.WriteString(c.T("budget.activity", map[string]any{"ID": act.ID, "Name": act.Name, "Source": act.Source}))
		for _, y := range plan.Years() {
			if cell := use.Cells[[2]int{act.ID, y}]; cell.Planned != 0 || cell.Spent != 0 {
				b.WriteString(line("budget.line", y, cell))
			}
		}
		b.WriteString(line("budget.line_total", "", use.ByActivity[act.ID]))
	}
	b.WriteString("\n\n")
	b.WriteString(c.T("budget.by_year"))
	for _, y := range plan.Years() {
		b.WriteString(line("budget.line", y, use.ByYear[y]))
	}
	if len(plan.Sources) > 0 {
		// What each source puts in over the plan (Phụ lục II); spending is
		// recorded by activity, so it is not split by source.
		b.WriteString("\n\n")
		b.WriteString(c.T("budget.by_source"))
		for _, src := range plan.Sources {
			b.WriteString("\n")
			b.WriteString(c.T("budget.source_line", map[string]any{"Name": plan.SourceName(src.ID), "Planned": domain.FormatMoney(plan.SourceTotal(src.ID))}))
		}
	}
	b.WriteString("\n\n")
	b.WriteString(c.T("budget.total", map[string]any{"Spent": domain.FormatMoney(use.Total.Spent),
		"Planned": domain.FormatMoney(use.Total.Planned), "Percent": sharePercent(use.Total), "Unit": plan.Unit}))
	if c.User.Role.IsProvince() {
		b.WriteString("\n\n")
		b.WriteString(c.T("budget.usage"))
	}
	return c.Send(ctx, bot.Reply{Text: b.String()})
}

// parseDisbursement reads "chi <activity> <year> <million VND> [note]".
// Errors are KindInvalid with the message id that says what is wrong and
// its template data.
func parseDisbursement(args string, plan *domain.Plan) (domain.Disbursement, error) {
	const op = "disbursement.parse"
	fields := strings.Fields(domain.Clean(args))
	if len(fields) < 4 {
		return domain.Disbursement{}, domain.Invalid(op, "budget.usage_error")
	}
	var d domain.Disbursement
	ids := make([]string, len(plan.Budget.Activities))
	for i, act := range plan.Budget.Activities {
		ids[i] = strconv.Itoa(act.ID)
	}
	id, err := strconv.Atoi(fields[1])
	if _, ok := plan.Budget.Activity(id); err != nil || !ok {
		e := domain.Invalid(op, "budget.activity_unknown")
		e.Data = map[string]any{"Activity": fields[1], "List": strings.Join(ids, ", ")}
		return d, e
	}
	d.Activity = id
	years := plan.Budget.Years()
	year, err := strconv.Atoi(fields[2])
	if err != nil || !plan.HasYear(year) {
		e := domain.Invalid(op, "budget.year_outside")
		e.Data = map[string]any{"Year": fields[2], "From": years[0], "To": years[len(years)-1]}
		return d, e
	}
	d.Year = year
	if d.Amount, err = domain.ParseMoney(fields[3]); err != nil {
		var de *domain.Error
		if asError(err, &de) {
			de.Data = map[string]any{"Amount": fields[3]}
		}
		return d, err
	}
	d.Note = strings.Join(fields[4:], " ")
	if utf8.RuneCountInString(d.Note) > maxBudgetNote {
		return d, domain.Invalid(op, "budget.note_too_long")
	}
	return d, nil
}

// showrooms lists the recorded showrooms and offers to add one.
func (a *app) showrooms(ctx context.Context, c *bot.Ctx) error {
	if c.Session.Forms[flowShowroom] != nil {
		return a.e.StartFlow(ctx, c, flowShowroom) // resume the unfinished form
	}
	list, err := a.Showrooms.Showrooms(ctx)
	if err != nil {
		return domain.Op("showroom.list", err)
	}
	target := ""
	if t, ok := a.Plan.Target(domain.TargetShowrooms); ok {
		target = report.TargetText(t)
	}
	var b strings.Builder
	b.WriteString(c.T("showroom.list_title", map[string]any{"N": len(list), "Target": target}))
	if len(list) == 0 {
		b.WriteString("\n")
		b.WriteString(c.T("showroom.none"))
	}
	for i, r := range list {
		b.WriteString("\n")
		b.WriteString(c.T("showroom.item", map[string]any{"N": i + 1, "Name": r.Name, "Address": r.Address,
			"Opened": r.Opened.Format("02/01/2006")}))
	}
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: [][]bot.Button{{bot.Data(cbFigures, "sr").Button(c.T("showroom.add"))}}})
}

// showroomFlow records a showroom: name, address and opening day.
func (a *app) showroomFlow() *bot.Flow {
	return &bot.Flow{
		ID: flowShowroom, Title: "showroom.title",
		Steps: []bot.Step{
			{Key: srName, Prompt: "showroom.ask_name", Label: "showroom.label_name", Parse: parseShowroomText("showroom.name_invalid")},
			{Key: srAddress, Prompt: "showroom.ask_address", Label: "showroom.label_address", Parse: parseShowroomText("showroom.address_invalid")},
			{Key: srCommune, Prompt: "showroom.ask_commune", Label: "showroom.label_commune", Search: a.searchCommune, Show: a.showCommune,
				Check: a.checkShowroomCommune},
			{Key: srOpened, Prompt: "showroom.ask_opened", Label: "showroom.label_opened", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
				d, err := parseOpeningDay(in, a.now())
				if err != nil {
					return "", err
				}
				return d.Format("02/01/2006"), nil
			}},
		},
		Done: a.saveShowroom,
	}
}

func parseShowroomText(msgID string) func(context.Context, *bot.Ctx, string) (string, error) {
	return func(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
		if n := utf8.RuneCountInString(in); !domain.HasLetterOrDigit(in) || n < 2 || n > maxShowroomText {
			return "", domain.Invalid("showroom.text", msgID)
		}
		return in, nil
	}
}

// parseOpeningDay reads a day with its year (domain.ParseDate) and
// refuses a day after today: a showroom is recorded once it has opened, so
// that the figure counts real showrooms.
func parseOpeningDay(in string, now time.Time) (time.Time, error) {
	const op = "opening_day.parse"
	d, err := domain.ParseDate(in)
	if err != nil || !d.HasYear || d.Year < 1990 {
		return time.Time{}, domain.Invalid(op, "showroom.date_invalid")
	}
	day := d.In(time.UTC)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if day.After(today) {
		return time.Time{}, domain.Invalid(op, "showroom.date_future")
	}
	return day, nil
}

func (a *app) saveShowroom(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	if !c.IsOfficer() {
		return domain.Invalid("showroom.save", "common.officers_only")
	}
	day, err := time.Parse("02/01/2006", f.Answers[srOpened])
	if err != nil {
		return domain.Invalid("showroom.save", "showroom.date_invalid")
	}
	if err := a.checkShowroomCommune(ctx, c, f, f.Answers[srCommune]); err != nil {
		return err
	}
	r := domain.Showroom{Name: f.Answers[srName], Address: f.Answers[srAddress], Opened: day, By: c.User.ID, CommuneCode: f.Answers[srCommune]}
	if err := a.Showrooms.AddShowroom(ctx, &r); err != nil {
		return domain.Op("showroom.save", err)
	}
	c.Saved(strconv.FormatInt(r.ID, 10))
	return c.Say(ctx, "showroom.saved", map[string]any{"Name": r.Name, "Opened": f.Answers[srOpened]})
}

// checkShowroomCommune keeps a commune officer's showrooms in their
// communes.
func (a *app) checkShowroomCommune(ctx context.Context, c *bot.Ctx, _ *bot.Form, code string) error {
	if !c.User.Sees(code) {
		return domain.Invalid("showroom.commune", "showroom.commune_outside")
	}
	return nil
}

// asError is errors.As for *domain.Error.
func asError(err error, target **domain.Error) bool { return errors.As(err, target) }
