package handlers

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Button data of the review: "r|<action>|<product id>[|<item id or stage>]".
const cbReview = "r"

// Forms of the review.
const (
	flowReturn  = "ret" // return an item with a reason (and, from before flowFail, fail a dossier)
	flowFail    = "fai" // fail a dossier with a reason
	flowScore   = "sco" // the province council's result
	flowCentral = "cen" // the central decision on a 5★ candidate
)

// Queue lets the review list submitted dossiers.
type Queue interface {
	Queue(ctx context.Context, stages []domain.Stage, communes []string) ([]domain.Product, error)
	History(ctx context.Context, id int64) ([]domain.StageChange, error)
}

// maxQueue is how many dossiers the queue shows at once.
const maxQueue = 20

// returnFlow returns a dossier item (or fails the dossier) with a reason.
func (a *app) returnFlow() *bot.Flow {
	return &bot.Flow{ID: flowReturn, Title: "review.return_title",
		Steps: []bot.Step{{Key: "reason", Prompt: "review.ask_reason", Label: "review.label_reason", Parse: parseReason}},
		Done:  a.saveReturn, Summary: a.productSummary}
}

// failFlow records that a dossier did not pass ("⛔ Không đạt"), with the
// reason the producer is told: not a return to be completed.
func (a *app) failFlow() *bot.Flow {
	return &bot.Flow{ID: flowFail, Title: "review.fail_title",
		Steps: []bot.Step{{Key: "reason", Prompt: "review.ask_fail_reason", Label: "review.label_reason", Parse: parseReason}},
		Done:  a.saveFail, Summary: a.productSummary}
}

// scoreFlow records the province council's score and its outcome.
func (a *app) scoreFlow() *bot.Flow {
	return &bot.Flow{ID: flowScore, Title: "review.score_title",
		Steps: []bot.Step{
			{Key: "score", Prompt: "review.ask_score", Label: "review.label_score", Parse: parseScore, Show: showScore},
			{Key: "stars", Prompt: "review.ask_stars", Label: "review.label_stars", Choices: starChoices(1, 2, 3, 4, 5),
				When: func(f *bot.Form) bool { return !a.scoreToCentral(f) }, Check: a.checkStars, Show: a.showStars},
			{Key: "cert", Prompt: "review.ask_cert", Label: "review.label_cert", Parse: parseCertNo, When: a.needsCertificate},
			{Key: "issued", Prompt: "review.ask_issued", Label: "review.label_issued", Parse: a.parsePastDate, When: a.needsCertificate},
		},
		Done: a.saveScore, Summary: a.productSummary}
}

// centralFlow records the central council's stars for a 5-star candidate.
func (a *app) centralFlow() *bot.Flow {
	return &bot.Flow{ID: flowCentral, Title: "review.central_title",
		Steps: []bot.Step{
			{Key: "stars", Prompt: "review.ask_central_stars", Label: "review.label_stars", Choices: starChoices(5, 4), Check: a.checkStars,
				Show: a.showStars},
			{Key: "cert", Prompt: "review.ask_cert", Label: "review.label_cert", Parse: parseCertNo},
			{Key: "issued", Prompt: "review.ask_issued", Label: "review.label_issued", Parse: a.parsePastDate},
		},
		Done: a.saveCentral, Summary: a.productSummary}
}

func starChoices(stars ...int) func(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	return func(c *bot.Ctx, _ *bot.Form) []bot.Choice {
		out := make([]bot.Choice, len(stars))
		for i, s := range stars {
			out[i] = bot.Choice{Value: strconv.Itoa(s), Label: c.T("review.stars_choice", map[string]any{"Stars": s, "Icons": strings.Repeat("⭐", s)})}
		}
		return out
	}
}

// ParseDecimal reads a number typed the Vietnamese way or the other way:
// "72,5", "72.5", "72".
func ParseDecimal(in string) (float64, bool) {
	s := strings.ReplaceAll(strings.TrimSpace(in), " ", "")
	if s == "" || strings.Count(s, ",")+strings.Count(s, ".") > 1 {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

func parseScore(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	v, ok := ParseDecimal(in)
	if !ok || !domain.ValidScore(v) {
		return "", domain.Invalid("review.score", "review.score_invalid")
	}
	return strconv.FormatFloat(v, 'f', -1, 64), nil
}

// showScore writes a kept score the Vietnamese way: "72,5".
func showScore(ctx context.Context, _ *bot.Ctx, _ *bot.Form, v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return bot.Escape(v)
	}
	return formatScore(f)
}

func scoreValue(f *bot.Form) float64 {
	v, _ := strconv.ParseFloat(f.Answers["score"], 64)
	return v
}

// formRules is the rulebook of the product a review form is about (kept
// in the form when it starts).
func (a *app) formRules(f *bot.Form) *domain.Rulebook {
	r, _ := a.Rules.Get(f.Answers["rules"])
	return r
}

// scoreToCentral says whether the score typed goes to the central level,
// as the product's rulebook says.
func (a *app) scoreToCentral(f *bot.Form) bool {
	r := a.formRules(f)
	_, err := strconv.ParseFloat(f.Answers["score"], 64)
	return r != nil && err == nil && r.ToCentral(scoreValue(f))
}

// needsCertificate says whether the result is recognised with a
// certificate, as the product's rulebook says.
func (a *app) needsCertificate(f *bot.Form) bool {
	r := a.formRules(f)
	stars, _ := strconv.Atoi(f.Answers["stars"])
	return r != nil && !a.scoreToCentral(f) && r.Recognised(stars)
}

func parseReason(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	n := utf8.RuneCountInString(in)
	if n < 3 || !domain.HasLetterOrDigit(in) {
		return "", domain.Invalid("review.reason", "review.reason_invalid")
	}
	if n > 500 {
		return "", domain.Invalid("review.reason", "review.reason_too_long")
	}
	return in, nil
}

func parseCertNo(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	if n := utf8.RuneCountInString(in); n < 2 || n > 60 || !domain.HasLetterOrDigit(in) {
		return "", domain.Invalid("review.cert", "review.cert_invalid")
	}
	return in, nil
}

// parseDate reads a date with its year (domain.ParseDate) as the start of
// that day in loc.
func parseDate(in string, loc *time.Location) (time.Time, bool) {
	d, err := domain.ParseDate(in)
	if err != nil || !d.HasYear {
		return time.Time{}, false
	}
	return d.In(loc), true
}

func (a *app) parsePastDate(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	t, ok := parseDate(in, a.loc())
	if !ok {
		return "", domain.Invalid("review.date", "review.date_invalid")
	}
	if t.After(a.now()) {
		return "", domain.Invalid("review.date", "review.date_future")
	}
	return t.Format("02/01/2006"), nil
}

// checkStars refuses stars above the band of the score (the form's, or the
// product's for the central decision).
func (a *app) checkStars(ctx context.Context, c *bot.Ctx, f *bot.Form, v string) error {
	stars, _ := strconv.Atoi(v)
	score := scoreValue(f)
	id, _ := strconv.ParseInt(f.Answers["pid"], 10, 64)
	p, err := a.Products.Get(ctx, id)
	if err != nil {
		return domain.Invalid("review.stars", "review.out_of_scope")
	}
	if f.Answers["score"] == "" {
		score = p.Score
	}
	r, ok := a.Rules.Get(p.Rulebook)
	if ok && stars > r.MaxStars(score) {
		return domain.Invalid("review.stars", "review.stars_above_band")
	}
	return nil
}

// showStars shows the stars on the confirmation screen, with a warning
// when they are below the score's band: the council may decide so (only
// stars above the band are refused), but a slip of the finger ("1" for
// the first button) must not pass unseen.
func (a *app) showStars(ctx context.Context, c *bot.Ctx, f *bot.Form, v string) string {
	stars, _ := strconv.Atoi(v)
	out := bot.Escape(c.T("review.stars_choice", map[string]any{"Stars": stars, "Icons": strings.Repeat("⭐", stars)}))
	score := scoreValue(f)
	id, _ := strconv.ParseInt(f.Answers["pid"], 10, 64)
	p, err := a.Products.Get(ctx, id)
	if err != nil {
		return out
	}
	if f.Answers["score"] == "" {
		score = p.Score
	}
	if r, ok := a.Rules.Get(p.Rulebook); ok && stars < r.StarsFor(score) {
		out += "\n" + c.T("review.stars_below_band", map[string]any{"Score": formatScore(score), "Band": r.StarsFor(score)})
	}
	return out
}

// reviewStages are the stages an officer's queue holds.
func reviewStages(u domain.User) []domain.Stage {
	switch u.Role {
	case domain.RoleCommuneOfficer:
		return []domain.Stage{domain.StageFiled, domain.StageCommuneCheck}
	case domain.RoleProvinceOfficer:
		return []domain.Stage{domain.StageProvince, domain.StageCentral}
	case domain.RoleAdmin:
		return []domain.Stage{domain.StageFiled, domain.StageCommuneCheck, domain.StageProvince, domain.StageCentral}
	}
	return nil
}

// scope returns the communes an officer sees, nil meaning all.
func scope(u domain.User) []string {
	if u.Role.IsProvince() {
		return nil
	}
	if u.Communes == nil {
		return []string{}
	}
	return u.Communes
}

// reviewQueue lists the dossiers waiting for the officer, oldest first.
func (a *app) reviewQueue(ctx context.Context, c *bot.Ctx) error {
	list, err := a.Queue.Queue(ctx, reviewStages(c.User), scope(c.User))
	if err != nil {
		return domain.Op("review.queue", err)
	}
	self, err := a.producerSelf(ctx, c)
	if err != nil {
		return err
	}
	all := len(list)
	list = slices.DeleteFunc(list, func(p domain.Product) bool { return domain.OwnDossier(self, p) })
	own := all - len(list)
	if len(list) == 0 {
		if own > 0 {
			return c.Say(ctx, "review.queue_only_own")
		}
		return c.Say(ctx, "review.queue_empty")
	}
	var rows [][]bot.Button
	for i, p := range list {
		if i == maxQueue {
			break
		}
		rows = append(rows, []bot.Button{bot.Data(cbReview, "o", p.ID).Button(c.Label("review.queue_item", map[string]any{"Code": p.Code, "Name": p.Name, "Stage": c.T("stage_short." + string(p.Stage))}))})
	}
	return c.Send(ctx, bot.Reply{Text: c.T("review.queue", map[string]any{"Count": len(list), "Shown": len(rows)}), Buttons: rows})
}

// moveAction is the decision behind a move button: a failure, or a
// forward to the commune check or the province.
func moveAction(to domain.Stage) domain.ActionKind {
	if to == domain.StageFailed {
		return domain.ActFail
	}
	return domain.ActForward
}

// may reports whether the officer may take a decision on the product now,
// as the rulebook says (the buttons to show).
func (a *app) may(u domain.User, p domain.Product, kind domain.ActionKind, to domain.Stage) bool {
	return a.Rules.Allowed(p, kind, to, u.Role, a.now(), a.PinnedRules)
}

// producerSelf is the officer as domain.OwnDossier judges them: with the
// subject they are linked to as its producer (the stored link), not the
// one they act for with /thaymat.
func (a *app) producerSelf(ctx context.Context, c *bot.Ctx) (domain.User, error) {
	if c.Session.Get(keyBehalf) == "" {
		return c.User, nil
	}
	u, err := a.Staff.GetByID(ctx, c.User.ID)
	if err != nil {
		return domain.User{}, domain.Op("review.own", err)
	}
	return u, nil
}

// ownDossier reports whether p is the dossier of the officer's own
// subject (domain.OwnDossier).
func (a *app) ownDossier(ctx context.Context, c *bot.Ctx, p domain.Product) (bool, error) {
	u, err := a.producerSelf(ctx, c)
	return err == nil && domain.OwnDossier(u, p), err
}

// refuseOwn is the refusal of a form or command on the officer's own
// dossier (review.own_dossier), nil when p is not theirs.
func (a *app) refuseOwn(ctx context.Context, c *bot.Ctx, p domain.Product) error {
	mine, err := a.ownDossier(ctx, c, p)
	if err != nil {
		return err
	}
	if mine {
		return domain.Invalid("review.own", "review.own_dossier")
	}
	return nil
}

// reviewable loads a product the officer may see.
func (a *app) reviewable(ctx context.Context, c *bot.Ctx, id int64) (domain.Product, *domain.Rulebook, bool) {
	p, err := a.Products.Get(ctx, id)
	if err != nil || !c.User.Sees(p.CommuneCode) {
		return domain.Product{}, nil, false
	}
	r, ok := a.Rules.Get(p.Rulebook)
	return p, r, ok
}

// reviewButton handles "r|<action>|<product>[|<item or stage>]".
func (a *app) reviewButton(ctx context.Context, c *bot.Ctx) error {
	act, arg := c.Pressed.Verb, c.Pressed.Arg
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	p, r, ok := a.reviewable(ctx, c, id)
	if !ok {
		return c.Answer(ctx, c.T("review.out_of_scope"), true)
	}
	if mine, err := a.ownDossier(ctx, c, p); mine || err != nil {
		if err != nil {
			return err
		}
		return c.Answer(ctx, c.T("review.own_dossier"), true)
	}
	item := func() (domain.Item, bool) {
		for _, it := range r.Checklist(p.Set) {
			if it.ID == arg {
				return it, true
			}
		}
		return domain.Item{}, false
	}
	switch act {
	case "o":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.reviewProduct(ctx, c, p, r, "")
	case "i", "a", "x":
		it, ok := item()
		if !ok {
			return c.Answer(ctx, c.T("common.stale_button"), true)
		}
		if act != "i" && !a.canReviewItems(c.User, r, p) {
			return c.Answer(ctx, c.T("review.not_now"), true)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		switch act {
		case "i":
			return a.reviewItem(ctx, c, p, it)
		case "a":
			if err := a.Dossiers.SetState(ctx, p.ID, it.ID, domain.ItemAccepted, ""); err != nil {
				return domain.Op("review.accept", err)
			}
			if err := a.notifySubject(ctx, p.SubjectID, a.noticeKey("accepted", p.ID), bot.Notice{Msg: "notice.item_accepted",
				Data: map[string]string{"Name": p.Name, "Item": it.Short}}); err != nil {
				return err
			}
			return a.reviewProduct(ctx, c, p, r, c.T("review.accepted", map[string]any{"Item": it.Short}))
		default:
			return a.e.StartFlowWith(ctx, c, flowReturn, func(f *bot.Form) error {
				f.Answers["pid"], f.Answers["item"] = strconv.FormatInt(p.ID, 10), it.ID
				return nil
			})
		}
	case "m", "M": // "M": the move confirmed (forwarding to the province asks first)
		to := domain.Stage(arg)
		if !a.may(c.User, p, moveAction(to), to) {
			return c.Answer(ctx, c.T("review.not_now"), true)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		if to == domain.StageFailed {
			return a.e.StartFlowWith(ctx, c, flowFail, func(f *bot.Form) error {
				f.Answers["pid"] = strconv.FormatInt(p.ID, 10)
				return nil
			})
		}
		if to == domain.StageProvince {
			missing, paper, err := a.requiredStates(ctx, r, p)
			if err != nil {
				return err
			}
			if missing != "" {
				return a.reviewProduct(ctx, c, p, r, c.T("review.forward_incomplete", map[string]any{"Items": missing}))
			}
			if act == "m" {
				return a.confirmForward(ctx, c, p, paper)
			}
		}
		moved, err := a.move(ctx, c, p, domain.Action{Kind: domain.ActForward, To: to})
		if err != nil {
			return err
		}
		return a.reviewProduct(ctx, c, moved, r, c.T("review.moved", map[string]any{"Stage": c.T("stage." + string(to))}))
	case "s", "c":
		from, kind := domain.StageProvince, domain.ActScore
		flow := flowScore
		if act == "c" {
			from, kind, flow = domain.StageCentral, domain.ActCentral, flowCentral
		}
		if p.Stage != from || !a.may(c.User, p, kind, "") {
			return c.Answer(ctx, c.T("review.not_now"), true)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.e.StartFlowWith(ctx, c, flow, func(f *bot.Form) error {
			f.Answers["pid"], f.Answers["rules"] = strconv.FormatInt(p.ID, 10), p.Rulebook
			return nil
		})
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

// canReviewItems says whether items may be accepted or returned now: by
// the commune while it has the dossier, by the province while it does.
func (a *app) canReviewItems(u domain.User, _ *domain.Rulebook, p domain.Product) bool {
	switch p.Stage {
	case domain.StageFiled, domain.StageCommuneCheck, domain.StageProvince:
		return a.may(u, p, domain.ActReturn, "")
	}
	return false
}

// requiredStates lists the required items of p not yet accepted nor on
// paper (missing: it cannot be forwarded), and those on paper, which count
// though the officer has seen them only on paper.
func (a *app) requiredStates(ctx context.Context, r *domain.Rulebook, p domain.Product) (missing, paper string, err error) {
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return "", "", domain.Op("review.items", err)
	}
	var miss, onPaper []string
	for _, it := range r.Checklist(p.Set) {
		if it.Kind == domain.ItemEvidence {
			continue
		}
		switch states[it.ID].State {
		case domain.ItemAccepted:
		case domain.ItemPaper:
			onPaper = append(onPaper, it.Short)
		default:
			miss = append(miss, it.Short)
		}
	}
	return strings.Join(miss, ", "), strings.Join(onPaper, ", "), nil
}

func (a *app) noticeKey(kind string, pid int64) string {
	return fmt.Sprintf("%s:%d:%d", kind, pid, a.now().UnixNano())
}

// move takes an officer's decision through the rulebook (writing the
// history) and tells the producer.
func (a *app) move(ctx context.Context, c *bot.Ctx, p domain.Product, act domain.Action) (domain.Product, error) {
	moved, _, err := a.decide(ctx, c.User.ID, c.User.Role, p, act, nil)
	if err != nil {
		return domain.Product{}, err
	}
	if err := a.tell(ctx, p, moved, act.Reason); err != nil {
		return domain.Product{}, err
	}
	return moved, nil
}

// reviewProduct shows a dossier to an officer: the subject, the product,
// each item and what can be done next.
func (a *app) reviewProduct(ctx context.Context, c *bot.Ctx, p domain.Product, r *domain.Rulebook, notice string) error {
	s, err := a.Subjects.Get(ctx, p.SubjectID)
	if err != nil {
		return domain.Op("review.subject", err)
	}
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return domain.Op("review.items", err)
	}
	counts, err := a.Dossiers.FileCounts(ctx, p.ID)
	if err != nil {
		return domain.Op("review.files", err)
	}
	var b strings.Builder
	if notice != "" {
		b.WriteString(notice)
		b.WriteString("\n\n")
	}
	b.WriteString(a.subjectCard(ctx, c, s, domain.FormatPhone(s.Phone), p.CommuneCode))
	b.WriteString("\n\n")
	b.WriteString(a.productCard(c, p))
	b.WriteString(a.afterCertLines(ctx, c, p))
	if p.ReceiptNo != "" {
		b.WriteString("\n")
		b.WriteString(c.T("review.receipt", map[string]any{"Receipt": p.ReceiptNo, "At": a.date(p.SubmittedAt)}))
	}
	var items []bot.Button
	checklist := r.Checklist(p.Set)
	if domain.Imported(p) {
		// Recognised before the bot: its dossier is on paper at the
		// province, not a list of missing items (as /hoso shows it).
		b.WriteString("\n")
		b.WriteString(c.T("lifecycle.imported_dossier"))
		checklist = nil
	}
	for _, it := range checklist {
		st := stateOf(states, it.ID)
		line := stateIcons[st] + " " + c.T("dossier.item_line", map[string]any{"Short": it.Short, "Name": it.Name})
		if n := counts[it.ID]; n > 0 {
			line += " " + c.T("dossier.file_count", map[string]any{"Count": n})
		}
		b.WriteString("\n")
		b.WriteString(line)
		items = append(items, bot.Data(cbReview, "i", p.ID).With(it.ID).Button(stateIcons[st]+" "+it.Short))
	}
	rows := rows2(items)
	if line, qr := a.publicCard(ctx, c, p.ID); qr != nil {
		b.WriteString("\n\n" + line)
		rows = append(rows, qr)
	}
	for _, to := range []domain.Stage{domain.StageCommuneCheck, domain.StageProvince, domain.StageFailed} {
		if a.may(c.User, p, moveAction(to), to) {
			rows = append(rows, []bot.Button{bot.Data(cbReview, "m", p.ID).With(string(to)).Button(c.T("review.button." + string(to)))})
		}
	}
	if p.Stage == domain.StageProvince && a.may(c.User, p, domain.ActScore, "") {
		rows = append(rows, []bot.Button{bot.Data(cbReview, "s", p.ID).Button(c.T("review.button.score"))})
	}
	if p.Stage == domain.StageCentral && a.may(c.User, p, domain.ActCentral, "") {
		rows = append(rows, []bot.Button{bot.Data(cbReview, "c", p.ID).Button(c.T("review.button.central"))})
	}
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: rows})
}

// reviewItem shows one item to an officer with its files, sent again from
// their stored ids (or the stored copy when an id no longer works).
func (a *app) reviewItem(ctx context.Context, c *bot.Ctx, p domain.Product, it domain.Item) error {
	files, err := a.Dossiers.Files(ctx, p.ID, it.ID)
	if err != nil {
		return domain.Op("review.files", err)
	}
	for i, f := range files {
		att := &bot.Attachment{FileID: f.FileID, Name: f.Name}
		if att.Name == "" {
			att.Name = fmt.Sprintf("%s-%d.jpg", it.ID, i+1)
		}
		if rc, err := a.Blobs.Open(f.Blob); err == nil {
			att.Data, _ = io.ReadAll(io.LimitReader(rc, MaxFileSize))
			rc.Close()
		}
		r := bot.Reply{Text: c.T("review.file_caption", map[string]any{"N": i + 1, "Count": len(files), "Item": it.Short})}
		if strings.HasPrefix(f.MIME, "image/") {
			r.Photo = att
		} else {
			r.Document = att
		}
		if err := c.Send(ctx, r); err != nil {
			return err
		}
	}
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return domain.Op("review.items", err)
	}
	st := stateOf(states, it.ID)
	text := c.T("review.item", map[string]any{"Short": it.Short, "Name": it.Name, "Product": p.Name, "Icon": stateIcons[st],
		"State": c.T("item_state." + string(st)), "Files": len(files)})
	if st == domain.ItemReturned && states[it.ID].Reason != "" {
		text += "\n" + c.T("dossier.returned_reason", map[string]any{"Reason": states[it.ID].Reason})
	}
	var rows [][]bot.Button
	r, _ := a.Rules.Get(p.Rulebook)
	if r != nil && a.canReviewItems(c.User, r, p) {
		rows = append(rows, []bot.Button{
			bot.Data(cbReview, "a", p.ID).With(it.ID).Button(c.T("review.button.accept")),
			bot.Data(cbReview, "x", p.ID).With(it.ID).Button(c.T("review.button.return")),
		})
	}
	rows = append(rows, []bot.Button{bot.Data(cbReview, "o", p.ID).Button(c.T("review.button.back"))})
	return c.Send(ctx, bot.Reply{Text: text, Buttons: rows})
}

// formProduct loads the product a review form is about, checking the
// officer may still act on it; it names the product as what the form
// saves (its decision, see bot.Ctx.Saved).
func (a *app) formProduct(ctx context.Context, c *bot.Ctx, f *bot.Form) (domain.Product, *domain.Rulebook, error) {
	id, _ := strconv.ParseInt(f.Answers["pid"], 10, 64)
	p, r, ok := a.reviewable(ctx, c, id)
	if !ok || !c.IsOfficer() {
		return domain.Product{}, nil, domain.Invalid("review.form", "review.out_of_scope")
	}
	if err := a.refuseOwn(ctx, c, p); err != nil {
		return domain.Product{}, nil, err
	}
	c.Saved(strconv.FormatInt(p.ID, 10))
	return p, r, nil
}

// saveReturn returns an item (the product goes back to the producer) or
// fails the dossier, with the officer's reason; the producer is told.
func (a *app) saveReturn(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	p, r, err := a.formProduct(ctx, c, f)
	if err != nil {
		return err
	}
	reason := f.Answers["reason"]
	if f.Answers["fail"] == "1" {
		// A failure opened in the return's form before it had its own,
		// still in a session.
		return a.saveFail(ctx, c, f)
	}
	it, ok := r.Item(f.Answers["item"])
	if !ok || !a.canReviewItems(c.User, r, p) {
		return domain.Invalid("review.return", "review.not_now")
	}
	if err := a.Dossiers.SetState(ctx, p.ID, it.ID, domain.ItemReturned, reason); err != nil {
		return domain.Op("review.return", err)
	}
	moved, _, err := a.decide(ctx, c.User.ID, c.User.Role, p, domain.Action{Kind: domain.ActReturn, Reason: reason}, nil)
	if err != nil {
		return err
	}
	// One message for the returned dossier: the item, the reason and what
	// to do (not a notice of the item and another of the stage).
	if err := a.notifySubject(ctx, p.SubjectID, a.noticeKey("returned", p.ID), bot.Notice{Msg: "notice.item_returned",
		Data: map[string]string{"Name": p.Name, "Item": it.Short, "Reason": reason}}); err != nil {
		return err
	}
	return a.reviewProduct(ctx, c, moved, r, c.T("review.returned", map[string]any{"Item": it.Short}))
}

// saveFail records that the dossier did not pass, with its reason.
func (a *app) saveFail(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	p, r, err := a.formProduct(ctx, c, f)
	if err != nil {
		return err
	}
	moved, err := a.move(ctx, c, p, domain.Action{Kind: domain.ActFail, Reason: f.Answers["reason"]})
	if domain.ErrorMsgID(err) == domain.MsgNotNow {
		return domain.Invalid("review.fail", "review.not_now")
	}
	if err != nil {
		return err
	}
	if moved.Stage == domain.StageRecognised {
		return a.reviewProduct(ctx, c, moved, r, c.T("review.upgrade_not_granted"))
	}
	return a.reviewProduct(ctx, c, moved, r, c.T("review.failed"))
}

// saveScore records the province council's result; the rulebook decides
// what it means: the central level (≥ 90 points), a certificate (a
// recognised star level), or not recognised (an upgrade not granted keeps
// its certificate). Stars above the score's band are refused.
func (a *app) saveScore(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	p, r, err := a.formProduct(ctx, c, f)
	if err != nil {
		return err
	}
	if p.Stage != domain.StageProvince {
		return domain.Invalid("review.score", "review.changed_meanwhile")
	}
	act := domain.Action{Kind: domain.ActScore, Score: scoreValue(f)}
	act.Stars, _ = strconv.Atoi(f.Answers["stars"])
	if err := a.certificateOf(f, &act); err != nil {
		return err
	}
	moved, err := a.move(ctx, c, p, act)
	if err != nil {
		return err
	}
	return a.reviewProduct(ctx, c, moved, r, a.resultText(c, p, moved, act))
}

// certificateOf reads the certificate's number and day of a form, when
// asked.
func (a *app) certificateOf(f *bot.Form, act *domain.Action) error {
	act.CertNo = f.Answers["cert"]
	if v := f.Answers["issued"]; v != "" {
		issued, ok := parseDate(v, a.loc())
		if !ok {
			return domain.Invalid("review.certify", "review.date_invalid")
		}
		act.Issued = issued
	}
	return nil
}

// resultText tells the officer what a result did.
func (a *app) resultText(c *bot.Ctx, before, moved domain.Product, act domain.Action) string {
	switch {
	case moved.Stage == domain.StageCentral:
		return c.T("review.sent_central", map[string]any{"Score": formatScore(act.Score)})
	case noticeFor(before, moved) == "notice.upgrade_not_granted":
		return c.T("review.upgrade_not_granted")
	case moved.Stage == domain.StageRecognised:
		return c.T("review.certified", map[string]any{"Stars": moved.Stars, "CertNo": moved.CertNo, "Until": a.date(moved.CertExpires)})
	}
	return c.T("review.not_recognised", map[string]any{"Score": formatScore(act.Score), "Stars": act.Stars})
}

// saveCentral records the central decision on a 5★ candidate.
func (a *app) saveCentral(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	p, r, err := a.formProduct(ctx, c, f)
	if err != nil {
		return err
	}
	if p.Stage != domain.StageCentral {
		return domain.Invalid("review.central", "review.changed_meanwhile")
	}
	act := domain.Action{Kind: domain.ActCentral, Score: p.Score}
	act.Stars, _ = strconv.Atoi(f.Answers["stars"])
	if err := a.certificateOf(f, &act); err != nil {
		return err
	}
	moved, err := a.move(ctx, c, p, act)
	if err != nil {
		return err
	}
	return a.reviewProduct(ctx, c, moved, r, a.resultText(c, p, moved, act))
}

// notifyOfficers tells the officers who see a commune (its commune
// officers, province officers and admins) that something needs them.
func (a *app) notifyOfficers(ctx context.Context, commune, key string, n bot.Notice) error {
	if a.Enqueue == nil || a.Staff == nil {
		return nil
	}
	officers, err := a.Staff.OfficersOf(ctx, commune)
	if err != nil {
		return domain.Op("notify.officers", err)
	}
	for _, u := range officers {
		if u.Role == domain.RoleProvinceOfficer {
			continue // the commune checks first; the province hears when it is forwarded
		}
		n.Lang = u.Locale
		if err := a.Enqueue(ctx, key+":"+strconv.FormatInt(u.ID, 10), u.Channel, u.ChannelID, n); err != nil {
			return domain.Op("notify.officers", err)
		}
	}
	return nil
}

// subjectCard is the producer's card that officers read: name and kind,
// phone, commune, representative and business registration number (which
// a household needs to file, OCOP-RULES §2).
func (a *app) subjectCard(ctx context.Context, c *bot.Ctx, s domain.Subject, phone, commune string) string {
	var b strings.Builder
	b.WriteString(c.T("review.subject", map[string]any{"Name": s.Name, "Kind": c.T("subject_kind." + string(s.Kind)),
		"Phone": phone, "Commune": bot.HTML(a.showCommune(ctx, c, nil, commune))}))
	if s.Representative != "" {
		b.WriteString("\n")
		b.WriteString(c.T("search.representative", map[string]any{"Name": s.Representative}))
	}
	no := s.BusinessRegNo
	if no == "" {
		no = c.T("form.empty_value")
	}
	b.WriteString("\n")
	b.WriteString(c.T("review.regno", map[string]any{"No": no}))
	return b.String()
}
