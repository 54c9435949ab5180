package handlers

import (
	"context"
	"fmt"
	"io"
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
	flowReturn  = "ret" // return an item, or fail a dossier, with a reason
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

// registerReview adds /duyet and its buttons and forms.
func (a *app) registerReview(e *bot.Engine) {
	e.Command(bot.Command{Name: "/duyet", Menu: "menu.duyet", Officer: true, Handle: a.reviewQueue})
	e.Callback(cbReview, true, a.reviewButton)
	e.Flow(&bot.Flow{ID: flowReturn, Title: "review.return_title", Officer: true,
		Steps: []bot.Step{{Key: "reason", Prompt: "review.ask_reason", Label: "review.label_reason", Parse: parseReason}},
		Done:  a.saveReturn})
	e.Flow(&bot.Flow{ID: flowScore, Title: "review.score_title", Officer: true,
		Steps: []bot.Step{
			{Key: "score", Prompt: "review.ask_score", Label: "review.label_score", Parse: parseScore, Show: showScore},
			{Key: "stars", Prompt: "review.ask_stars", Label: "review.label_stars", Choices: starChoices(1, 2, 3, 4, 5),
				When: func(f *bot.Form) bool { return !scoreToCentral(f.Answers["score"]) }, Check: a.checkStars},
			{Key: "cert", Prompt: "review.ask_cert", Label: "review.label_cert", Parse: parseCertNo, When: needsCertificate},
			{Key: "issued", Prompt: "review.ask_issued", Label: "review.label_issued", Parse: a.parsePastDate, When: needsCertificate},
		},
		Done: a.saveScore})
	e.Flow(&bot.Flow{ID: flowCentral, Title: "review.central_title", Officer: true,
		Steps: []bot.Step{
			{Key: "stars", Prompt: "review.ask_central_stars", Label: "review.label_stars", Choices: starChoices(5, 4), Check: a.checkStars},
			{Key: "cert", Prompt: "review.ask_cert", Label: "review.label_cert", Parse: parseCertNo},
			{Key: "issued", Prompt: "review.ask_issued", Label: "review.label_issued", Parse: a.parsePastDate},
		},
		Done: a.saveCentral})
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

func parseScore(_ *bot.Ctx, in string) (string, error) {
	v, ok := ParseDecimal(in)
	if !ok || !domain.ValidScore(v) {
		return "", domain.Invalid("review.score", "review.score_invalid")
	}
	return strconv.FormatFloat(v, 'f', -1, 64), nil
}

// showScore writes a kept score the Vietnamese way: "72,5".
func showScore(_ *bot.Ctx, _ *bot.Form, v string) string {
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

func scoreToCentral(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && f >= 90
}

func needsCertificate(f *bot.Form) bool {
	stars, _ := strconv.Atoi(f.Answers["stars"])
	return !scoreToCentral(f.Answers["score"]) && stars >= 3
}

func parseReason(_ *bot.Ctx, in string) (string, error) {
	n := utf8.RuneCountInString(in)
	if n < 3 || !domain.HasLetterOrDigit(in) {
		return "", domain.Invalid("review.reason", "review.reason_invalid")
	}
	if n > 500 {
		return "", domain.Invalid("review.reason", "review.reason_too_long")
	}
	return in, nil
}

func parseCertNo(_ *bot.Ctx, in string) (string, error) {
	if n := utf8.RuneCountInString(in); n < 2 || n > 60 || !domain.HasLetterOrDigit(in) {
		return "", domain.Invalid("review.cert", "review.cert_invalid")
	}
	return in, nil
}

// parseDate reads dd/mm/yyyy (also d/m/yyyy, with - or .).
func parseDate(in string, loc *time.Location) (time.Time, bool) {
	s := strings.NewReplacer("-", "/", ".", "/", " ", "").Replace(strings.TrimSpace(in))
	for _, layout := range []string{"2/1/2006", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (a *app) parsePastDate(_ *bot.Ctx, in string) (string, error) {
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
func (a *app) checkStars(c *bot.Ctx, f *bot.Form, v string) error {
	stars, _ := strconv.Atoi(v)
	score := scoreValue(f)
	id, _ := strconv.ParseInt(f.Answers["pid"], 10, 64)
	p, err := a.Products.Get(context.Background(), id)
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
		return domain.E("review.queue", domain.KindUnavailable, err)
	}
	if len(list) == 0 {
		return c.Say(ctx, "review.queue_empty")
	}
	var rows [][]bot.Button
	for i, p := range list {
		if i == maxQueue {
			break
		}
		rows = append(rows, []bot.Button{{Label: c.Label("review.queue_item", map[string]any{"Code": p.Code, "Name": p.Name, "Stage": c.T("stage_short." + string(p.Stage))}),
			Data: cbReview + "|o|" + strconv.FormatInt(p.ID, 10)}})
	}
	return c.Send(ctx, bot.Reply{Text: c.T("review.queue", map[string]any{"Count": len(list), "Shown": len(rows)}), Buttons: rows})
}

// actor is who the officer acts as for a move: admins as whichever level
// may make it.
func (a *app) canMove(u domain.User, r *domain.Rulebook, from, to domain.Stage) bool {
	switch u.Role {
	case domain.RoleCommuneOfficer:
		return r.CanMove(from, to, domain.ActorCommune)
	case domain.RoleProvinceOfficer:
		return r.CanMove(from, to, domain.ActorProvince) || r.CanMove(from, to, domain.ActorCentral)
	case domain.RoleAdmin:
		return r.CanMove(from, to, domain.ActorCommune) || r.CanMove(from, to, domain.ActorDistrict) ||
			r.CanMove(from, to, domain.ActorProvince) || r.CanMove(from, to, domain.ActorCentral)
	}
	return false
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

// reviewButton handles "r|<action>|<product>[|<arg>]".
func (a *app) reviewButton(ctx context.Context, c *bot.Ctx) error {
	parts := strings.SplitN(c.Update.Callback.Data, "|", 4)
	for len(parts) < 4 {
		parts = append(parts, "")
	}
	act, arg := parts[1], parts[3]
	id, _ := strconv.ParseInt(parts[2], 10, 64)
	p, r, ok := a.reviewable(ctx, c, id)
	if !ok {
		return c.Answer(ctx, c.T("review.out_of_scope"), true)
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
				return domain.E("review.accept", domain.KindUnavailable, err)
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
		if !a.canMove(c.User, r, p.Stage, to) {
			return c.Answer(ctx, c.T("review.not_now"), true)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		if to == domain.StageFailed {
			return a.e.StartFlowWith(ctx, c, flowReturn, func(f *bot.Form) error {
				f.Answers["pid"], f.Answers["fail"] = strconv.FormatInt(p.ID, 10), "1"
				return nil
			})
		}
		if to == domain.StageProvince {
			if missing := a.notAccepted(ctx, r, p); missing != "" {
				return a.reviewProduct(ctx, c, p, r, c.T("review.forward_incomplete", map[string]any{"Items": missing}))
			}
			if act == "m" {
				return a.confirmForward(ctx, c, p)
			}
		}
		moved, err := a.move(ctx, c, p, to, "", nil)
		if err != nil {
			return err
		}
		return a.reviewProduct(ctx, c, moved, r, c.T("review.moved", map[string]any{"Stage": c.T("stage." + string(to))}))
	case "s", "c":
		from, to := domain.StageProvince, domain.StageRecognised
		flow := flowScore
		if act == "c" {
			from, flow = domain.StageCentral, flowCentral
		}
		if p.Stage != from || !a.canMove(c.User, r, from, to) {
			return c.Answer(ctx, c.T("review.not_now"), true)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.e.StartFlowWith(ctx, c, flow, func(f *bot.Form) error {
			f.Answers["pid"] = strconv.FormatInt(p.ID, 10)
			return nil
		})
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

// canReviewItems says whether items may be accepted or returned now: by
// the commune while it has the dossier, by the province while it does.
func (a *app) canReviewItems(u domain.User, r *domain.Rulebook, p domain.Product) bool {
	switch p.Stage {
	case domain.StageFiled, domain.StageCommuneCheck, domain.StageProvince:
		return a.canMove(u, r, p.Stage, domain.StageReturned)
	}
	return false
}

// notAccepted lists the required items not yet accepted (nor on paper).
func (a *app) notAccepted(ctx context.Context, r *domain.Rulebook, p domain.Product) string {
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return ""
	}
	var missing []string
	for _, it := range r.Checklist(p.Set) {
		if it.Kind == domain.ItemEvidence {
			continue
		}
		if st := states[it.ID].State; st != domain.ItemAccepted && st != domain.ItemPaper {
			missing = append(missing, it.Short)
		}
	}
	return strings.Join(missing, ", ")
}

func (a *app) noticeKey(kind string, pid int64) string {
	return fmt.Sprintf("%s:%d:%d", kind, pid, a.now().UnixNano())
}

// move changes a product's stage (writing the history) and tells the producer.
func (a *app) move(ctx context.Context, c *bot.Ctx, p domain.Product, to domain.Stage, reason string, apply func(*domain.Product)) (domain.Product, error) {
	moved, err := a.Products.MoveStage(ctx, p.ID, p.Stage, to, c.User.ID, reason, func(q *domain.Product, _ Move) error {
		if apply != nil {
			apply(q)
		}
		return nil
	})
	if domain.ErrorKind(err) == domain.KindConflict {
		return domain.Product{}, domain.Invalid("review.move", "review.changed_meanwhile")
	}
	if err != nil {
		return domain.Product{}, domain.E("review.move", domain.KindUnavailable, err)
	}
	data := map[string]string{"Name": moved.Name, "Code": moved.Code, "Reason": reason,
		"Score": formatScore(moved.Score), "Stars": strconv.Itoa(moved.Stars), "CertNo": moved.CertNo, "Until": a.date(moved.CertExpires)}
	if err := a.notifySubject(ctx, moved.SubjectID, a.noticeKey("stage", moved.ID), bot.Notice{Msg: "notice.stage." + string(to), Data: data}); err != nil {
		return domain.Product{}, err
	}
	return moved, nil
}

// reviewProduct shows a dossier to an officer: the subject, the product,
// each item and what can be done next.
func (a *app) reviewProduct(ctx context.Context, c *bot.Ctx, p domain.Product, r *domain.Rulebook, notice string) error {
	s, err := a.Subjects.Get(ctx, p.SubjectID)
	if err != nil {
		return domain.E("review.subject", domain.KindUnavailable, err)
	}
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return domain.E("review.items", domain.KindUnavailable, err)
	}
	counts, err := a.Dossiers.FileCounts(ctx, p.ID)
	if err != nil {
		return domain.E("review.files", domain.KindUnavailable, err)
	}
	var b strings.Builder
	if notice != "" {
		b.WriteString(notice)
		b.WriteString("\n\n")
	}
	b.WriteString(c.T("review.subject", map[string]any{"Name": s.Name, "Kind": c.T("subject_kind." + string(s.Kind)),
		"Phone": domain.FormatPhone(s.Phone), "Commune": bot.HTML(a.showCommune(c, nil, p.CommuneCode))}))
	b.WriteString("\n\n")
	b.WriteString(a.productCard(c, p))
	if p.ReceiptNo != "" {
		b.WriteString("\n")
		b.WriteString(c.T("review.receipt", map[string]any{"Receipt": p.ReceiptNo, "At": a.date(p.SubmittedAt)}))
	}
	pid := strconv.FormatInt(p.ID, 10)
	var items []bot.Button
	for _, it := range r.Checklist(p.Set) {
		st := stateOf(states, it.ID)
		line := stateIcons[st] + " " + c.T("dossier.item_line", map[string]any{"Short": it.Short, "Name": it.Name})
		if n := counts[it.ID]; n > 0 {
			line += " " + c.T("dossier.file_count", map[string]any{"Count": n})
		}
		b.WriteString("\n")
		b.WriteString(line)
		items = append(items, bot.Button{Label: stateIcons[st] + " " + it.Short, Data: cbReview + "|i|" + pid + "|" + it.ID})
	}
	rows := rows2(items)
	for _, to := range []domain.Stage{domain.StageCommuneCheck, domain.StageProvince, domain.StageFailed} {
		if a.canMove(c.User, r, p.Stage, to) {
			rows = append(rows, []bot.Button{{Label: c.T("review.button." + string(to)), Data: cbReview + "|m|" + pid + "|" + string(to)}})
		}
	}
	if p.Stage == domain.StageProvince && a.canMove(c.User, r, p.Stage, domain.StageRecognised) {
		rows = append(rows, []bot.Button{{Label: c.T("review.button.score"), Data: cbReview + "|s|" + pid}})
	}
	if p.Stage == domain.StageCentral && a.canMove(c.User, r, p.Stage, domain.StageRecognised) {
		rows = append(rows, []bot.Button{{Label: c.T("review.button.central"), Data: cbReview + "|c|" + pid}})
	}
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: rows})
}

// reviewItem shows one item to an officer with its files, sent again from
// their stored ids (or the stored copy when an id no longer works).
func (a *app) reviewItem(ctx context.Context, c *bot.Ctx, p domain.Product, it domain.Item) error {
	files, err := a.Dossiers.Files(ctx, p.ID, it.ID)
	if err != nil {
		return domain.E("review.files", domain.KindUnavailable, err)
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
		return domain.E("review.items", domain.KindUnavailable, err)
	}
	st := stateOf(states, it.ID)
	pid := strconv.FormatInt(p.ID, 10)
	text := c.T("review.item", map[string]any{"Short": it.Short, "Name": it.Name, "Product": p.Name, "Icon": stateIcons[st],
		"State": c.T("item_state." + string(st)), "Files": len(files)})
	if st == domain.ItemReturned && states[it.ID].Reason != "" {
		text += "\n" + c.T("dossier.returned_reason", map[string]any{"Reason": states[it.ID].Reason})
	}
	var rows [][]bot.Button
	r, _ := a.Rules.Get(p.Rulebook)
	if r != nil && a.canReviewItems(c.User, r, p) {
		rows = append(rows, []bot.Button{
			{Label: c.T("review.button.accept"), Data: cbReview + "|a|" + pid + "|" + it.ID},
			{Label: c.T("review.button.return"), Data: cbReview + "|x|" + pid + "|" + it.ID},
		})
	}
	rows = append(rows, []bot.Button{{Label: c.T("review.button.back"), Data: cbReview + "|o|" + pid}})
	return c.Send(ctx, bot.Reply{Text: text, Buttons: rows})
}

// formProduct loads the product a review form is about, checking the
// officer may still act on it.
func (a *app) formProduct(ctx context.Context, c *bot.Ctx, f *bot.Form) (domain.Product, *domain.Rulebook, error) {
	id, _ := strconv.ParseInt(f.Answers["pid"], 10, 64)
	p, r, ok := a.reviewable(ctx, c, id)
	if !ok || !c.IsOfficer() {
		return domain.Product{}, nil, domain.Invalid("review.form", "review.out_of_scope")
	}
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
		if !a.canMove(c.User, r, p.Stage, domain.StageFailed) {
			return domain.Invalid("review.fail", "review.not_now")
		}
		moved, err := a.move(ctx, c, p, domain.StageFailed, reason, nil)
		if err != nil {
			return err
		}
		return a.reviewProduct(ctx, c, moved, r, c.T("review.failed"))
	}
	it, ok := r.Item(f.Answers["item"])
	if !ok || !a.canReviewItems(c.User, r, p) {
		return domain.Invalid("review.return", "review.not_now")
	}
	if err := a.Dossiers.SetState(ctx, p.ID, it.ID, domain.ItemReturned, reason); err != nil {
		return domain.E("review.return", domain.KindUnavailable, err)
	}
	if err := a.notifySubject(ctx, p.SubjectID, a.noticeKey("returned", p.ID), bot.Notice{Msg: "notice.item_returned",
		Data: map[string]string{"Name": p.Name, "Item": it.Short, "Reason": reason}}); err != nil {
		return err
	}
	moved, err := a.move(ctx, c, p, domain.StageReturned, reason, nil)
	if err != nil {
		return err
	}
	return a.reviewProduct(ctx, c, moved, r, c.T("review.returned", map[string]any{"Item": it.Short}))
}

// saveScore records the province council's result: ≥ 90 points goes to
// the central level; 3★–4★ are recognised with a certificate; below, the
// product is not recognised. Stars above the score's band are refused.
func (a *app) saveScore(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	p, r, err := a.formProduct(ctx, c, f)
	if err != nil {
		return err
	}
	if p.Stage != domain.StageProvince {
		return domain.Invalid("review.score", "review.changed_meanwhile")
	}
	score := scoreValue(f)
	if r.ToCentral(score) {
		moved, err := a.move(ctx, c, p, domain.StageCentral, "", func(q *domain.Product) { q.Score = score })
		if err != nil {
			return err
		}
		return a.reviewProduct(ctx, c, moved, r, c.T("review.sent_central", map[string]any{"Score": formatScore(score)}))
	}
	stars, _ := strconv.Atoi(f.Answers["stars"])
	if stars > r.MaxStars(score) {
		return domain.Invalid("review.score", "review.stars_above_band")
	}
	if !r.Recognised(stars) {
		moved, err := a.move(ctx, c, p, domain.StageFailed, "", func(q *domain.Product) { q.Score, q.Stars = score, stars })
		if err != nil {
			return err
		}
		return a.reviewProduct(ctx, c, moved, r, c.T("review.not_recognised", map[string]any{"Score": formatScore(score), "Stars": stars}))
	}
	return a.certify(ctx, c, p, r, f, score, stars)
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
	stars, _ := strconv.Atoi(f.Answers["stars"])
	if stars > r.MaxStars(p.Score) {
		return domain.Invalid("review.central", "review.stars_above_band")
	}
	return a.certify(ctx, c, p, r, f, p.Score, stars)
}

// certify recognises the product with its certificate; it expires after the
// validity of the rulebook in force on the day of issue.
func (a *app) certify(ctx context.Context, c *bot.Ctx, p domain.Product, r *domain.Rulebook, f *bot.Form, score float64, stars int) error {
	issued, ok := parseDate(f.Answers["issued"], a.loc())
	if !ok {
		return domain.Invalid("review.certify", "review.date_invalid")
	}
	certRules := r
	if inForce := a.Rules.InForce(issued); inForce != nil {
		certRules = inForce
	}
	moved, err := a.move(ctx, c, p, domain.StageRecognised, "", func(q *domain.Product) {
		q.Score, q.Stars, q.CertNo, q.CertIssued = score, stars, f.Answers["cert"], issued
		q.CertExpires, q.CertRules = certRules.CertificateExpiry(issued), certRules.ID
	})
	if err != nil {
		return err
	}
	return a.reviewProduct(ctx, c, moved, r, c.T("review.certified", map[string]any{"Stars": stars, "CertNo": moved.CertNo, "Until": a.date(moved.CertExpires)}))
}

// notifyOfficers tells the officers who see a commune (its commune
// officers, province officers and admins) that something needs them.
func (a *app) notifyOfficers(ctx context.Context, commune, key string, n bot.Notice) error {
	if a.Enqueue == nil || a.Staff == nil {
		return nil
	}
	officers, err := a.Staff.OfficersOf(ctx, commune)
	if err != nil {
		return domain.E("notify.officers", domain.KindUnavailable, err)
	}
	for _, u := range officers {
		if u.Role == domain.RoleProvinceOfficer {
			continue // the commune checks first; the province hears when it is forwarded
		}
		n.Lang = u.Locale
		if err := a.Enqueue(ctx, key+":"+strconv.FormatInt(u.ID, 10), u.Channel, u.ChannelID, n); err != nil {
			return domain.E("notify.officers", domain.KindUnavailable, err)
		}
	}
	return nil
}
