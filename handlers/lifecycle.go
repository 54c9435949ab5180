package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// After certification: re-evaluation and upgrade (producers, from
// /trangthai), revocation (/thuhoi, province officers), and the one way
// every stage decision is taken and stored (decide). The rules themselves
// are domain.Rulebooks.Apply's.

// flowRevoke is the revocation form; flowCheck the monitoring check's.
const (
	flowRevoke = "rvk"
	flowCheck  = "hkm"
)

// maxCheckNote bounds the note of a monitoring check.
const maxCheckNote = 500

// checksShown is how many monitoring checks an officer's view lists.
const checksShown = 3

// Field keys of the revocation form.
const (
	rvGround = "ground"
	rvNo     = "no"
	rvDate   = "date"
)

// revokeFlow is /thuhoi: the province revokes a certificate.
func (a *app) revokeFlow() *bot.Flow {
	return &bot.Flow{ID: flowRevoke, Title: "lifecycle.revoke_title",
		Begin: a.beginRevoke,
		Steps: []bot.Step{
			{Key: rvGround, Prompt: "lifecycle.ask_ground", Label: "lifecycle.label_ground", Choices: groundChoices},
			{Key: rvNo, Prompt: "lifecycle.ask_decision_no", Label: "lifecycle.label_decision_no", Parse: parseDecisionNo},
			{Key: rvDate, Prompt: "lifecycle.ask_decision_date", Label: "lifecycle.label_decision_date", Parse: a.parsePastDate,
				Check: a.checkAfterIssue},
		},
		Done: a.saveRevoke, Summary: a.productSummary}
}

// checkFlow is /haukiem: the province records a monitoring check.
func (a *app) checkFlow() *bot.Flow {
	return &bot.Flow{ID: flowCheck, Title: "lifecycle.check_title",
		Begin: a.beginCheck,
		Steps: []bot.Step{
			{Key: "day", Prompt: "lifecycle.ask_check_day", Label: "lifecycle.label_check_day", Parse: a.parsePastDate,
				Check: a.checkAfterIssue},
			{Key: "result", Prompt: "lifecycle.ask_check_result", Label: "lifecycle.label_check_result", Choices: checkChoices},
			{Key: "note", Prompt: "lifecycle.ask_check_note", Label: "lifecycle.label_check_note", Parse: parseCheckNote, Optional: true},
		},
		Done: a.saveCheck, Summary: a.productSummary}
}

// stageSince is when p entered its stage, for CheckCertificate of a
// product that failed or was revoked without its decision's date (the day
// its certificate stopped counting); zero for the others, or when the
// history cannot be read.
func (a *app) stageSince(ctx context.Context, p domain.Product) time.Time {
	if (p.Stage != domain.StageFailed && p.Stage != domain.StageRevoked) || a.Queue == nil {
		return time.Time{}
	}
	hist, err := a.Queue.History(ctx, p.ID)
	if err != nil {
		return time.Time{}
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].To == p.Stage {
			return hist[i].At
		}
	}
	return time.Time{}
}

// checkAfterIssue refuses a day before the certificate's issue date (a
// revocation's decision, a monitoring check), saying which it was.
func (a *app) checkAfterIssue(ctx context.Context, c *bot.Ctx, f *bot.Form, v string) error {
	id, _ := strconv.ParseInt(f.Answers["pid"], 10, 64)
	p, err := a.Products.Get(ctx, id)
	if err != nil {
		return domain.Invalid("lifecycle.date", "lifecycle.no_such_product")
	}
	day, ok := parseDate(v, a.loc())
	if !ok {
		return domain.Invalid("lifecycle.date", "review.date_invalid")
	}
	if domain.BeforeIssue(p, day) {
		e := domain.Invalid("lifecycle.date", "lifecycle.date_before_issue")
		e.Data = map[string]any{"Issued": a.date(p.CertIssued), "CertNo": p.CertNo}
		return e
	}
	return nil
}

func checkChoices(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	out := make([]bot.Choice, len(domain.CheckResults))
	for i, r := range domain.CheckResults {
		out[i] = bot.Choice{Value: string(r), Label: c.T("check_result." + string(r))}
	}
	return out
}

func parseCheckNote(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	if utf8.RuneCountInString(in) > maxCheckNote {
		return "", domain.Invalid("lifecycle.check_note", "lifecycle.check_note_too_long")
	}
	return in, nil
}

// beginCheck opens the monitoring check of the product whose code follows
// the command: province officers and admins, on a product with a
// certificate.
func (a *app) beginCheck(ctx context.Context, c *bot.Ctx, f *bot.Form) (bool, error) {
	if !c.User.Role.IsProvince() {
		return false, c.Say(ctx, "lifecycle.check_province_only")
	}
	code := strings.TrimSpace(c.Update.Args)
	if code == "" {
		return false, c.Say(ctx, "lifecycle.check_usage")
	}
	p, err := a.productByCode(ctx, c, code)
	if err != nil {
		return false, err
	}
	if !domain.Checkable(p) {
		return false, c.Say(ctx, "lifecycle.check_not_certified", map[string]any{"Name": p.Name})
	}
	f.Answers["pid"] = strconv.FormatInt(p.ID, 10)
	return true, c.Send(ctx, bot.Reply{Text: c.T("lifecycle.check_intro", map[string]any{
		"Card": bot.HTML(a.productCard(c, p) + a.afterCertLines(ctx, c, p))})})
}

// saveCheck records the check against the product.
func (a *app) saveCheck(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	if !c.User.Role.IsProvince() {
		return domain.Invalid("lifecycle.check", "lifecycle.check_province_only")
	}
	id, _ := strconv.ParseInt(f.Answers["pid"], 10, 64)
	p, err := a.Products.Get(ctx, id)
	if err != nil {
		return domain.Invalid("lifecycle.check", "lifecycle.no_such_product")
	}
	if err := a.refuseOwn(ctx, c, p); err != nil {
		return err // the link may have changed since the form began
	}
	day, ok := parseDate(f.Answers["day"], a.loc())
	if !ok {
		return domain.Invalid("lifecycle.check", "review.date_invalid")
	}
	chk := domain.MonitoringCheck{ProductID: p.ID, Day: day, Result: domain.CheckResult(f.Answers["result"]),
		Note: f.Answers["note"], By: c.User.ID}
	if err := a.Monitoring.AddCheck(ctx, &chk); err != nil {
		if domain.ErrorKind(err) == domain.KindInvalid {
			return domain.Invalid("lifecycle.check", "form.invalid")
		}
		return domain.Op("lifecycle.check", err)
	}
	c.Saved(strconv.FormatInt(p.ID, 10))
	return c.Send(ctx, bot.Reply{Text: c.T("lifecycle.check_saved", map[string]any{"Name": p.Name, "Code": p.Code}) + "\n\n" +
		a.productCard(c, p) + a.afterCertLines(ctx, c, p)})
}

// afterCertLines are what an officer sees of a product after its
// certificate: the certificate, what the dossier in progress is for (and,
// for a re-evaluation at the province, its 45 days from receipt), the
// revocation, and the latest monitoring checks. Each line starts with a
// line break; "" when there is nothing.
func (a *app) afterCertLines(ctx context.Context, c *bot.Ctx, p domain.Product) string {
	var lines []string
	if p.CertNo != "" {
		// Where it stands by the figures' rule (domain.CheckCertificate):
		// an expired or revoked one is not "còn hiệu lực".
		line := "lifecycle.line_certificate"
		until := p.ValidUntil
		switch check := domain.CheckCertificate(p, a.stageSince(ctx, p), a.now(), a.loc()); check.Status {
		case domain.CertExpired:
			line, until = "lifecycle.line_certificate_lapsed", check.Since
		case domain.CertRevoked:
			line = "lifecycle.line_certificate_revoked"
		}
		lines = append(lines, c.T(line, map[string]any{"Stars": p.Stars, "No": p.CertNo,
			"Issued": a.date(p.CertIssued), "Until": a.date(until)}))
	}
	switch p.Purpose {
	case domain.PurposeReeval:
		lines = append(lines, c.T("lifecycle.line_reevaluation", map[string]any{"Expires": a.date(p.CertExpires)}))
		if p.Stage == domain.StageProvince || p.Stage == domain.StageCentral {
			if r, ok := a.Rules.Get(p.Rulebook); ok && a.Queue != nil {
				if hist, err := a.Queue.History(ctx, p.ID); err == nil {
					if rec := domain.ProvinceReceived(hist); !rec.IsZero() {
						if by, ok := r.ReevaluationDecidedBy(rec.In(a.loc())); ok {
							lines = append(lines, c.T("lifecycle.line_decide_by", map[string]any{"Received": a.date(rec), "By": a.date(by)}))
						}
					}
				}
			}
		}
	case domain.PurposeUpgrade:
		lines = append(lines, c.T("lifecycle.line_upgrade", map[string]any{"Stars": p.Stars}))
	}
	if p.Stage == domain.StageRevoked && p.Revocation.DecisionNo != "" {
		r := p.Revocation
		lines = append(lines, c.T("lifecycle.line_revoked", map[string]any{"Ground": c.T("revoke_ground." + string(r.Ground)),
			"DecisionNo": r.DecisionNo, "DecisionDate": a.date(r.Date), "By": c.T("revoke_level." + string(r.Level))}))
	}
	if a.Monitoring != nil && domain.Checkable(p) {
		checks, err := a.Monitoring.Checks(ctx, p.ID)
		if err == nil && len(checks) == 0 {
			lines = append(lines, c.T("lifecycle.line_no_checks"))
		}
		for i, chk := range checks {
			if i == checksShown {
				lines = append(lines, c.T("lifecycle.line_more_checks", map[string]any{"N": len(checks) - checksShown}))
				break
			}
			line := c.T("lifecycle.line_check", map[string]any{"Day": a.date(chk.Day), "Result": c.T("check_result." + string(chk.Result))})
			if chk.Note != "" {
				line += " — " + bot.Escape(chk.Note)
			}
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return "\n" + strings.Join(lines, "\n")
}

func groundChoices(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	out := make([]bot.Choice, len(domain.RevocationGrounds))
	for i, g := range domain.RevocationGrounds {
		out[i] = bot.Choice{Value: string(g), Label: c.T("revoke_ground." + string(g))}
	}
	return out
}

func parseDecisionNo(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	if n := utf8.RuneCountInString(in); n < 2 || n > 60 || !domain.HasLetterOrDigit(in) {
		return "", domain.Invalid("lifecycle.decision_no", "lifecycle.decision_no_invalid")
	}
	return in, nil
}

// decide takes a decision on a product through the rulebook, as role, and
// stores it: the decision is checked first on p, then taken again inside
// the move's transaction on the product as stored (MoveStage refuses if
// someone moved it meanwhile). extra, when set, adds what the handler owns
// (a receipt number) inside the same transaction.
func (a *app) decide(ctx context.Context, by int64, role domain.Role, p domain.Product, act domain.Action,
	extra func(*domain.Product, domain.Move) error) (domain.Product, domain.StageChange, error) {
	const op = "handlers.decide"
	now := a.now()
	q, ch, err := a.Rules.ApplyAs(p, act, role, now, a.PinnedRules)
	if err != nil {
		return p, ch, err
	}
	moved, err := a.Products.MoveStage(ctx, p.ID, p.Stage, q.Stage, by, ch.Reason, func(x *domain.Product, m domain.Move) error {
		y, _, err := a.Rules.ApplyAs(*x, act, role, now, a.PinnedRules)
		if err != nil {
			return err
		}
		if y.Stage != q.Stage {
			return domain.E(op, domain.KindConflict, errors.New("the product changed meanwhile"))
		}
		*x = y
		if extra != nil {
			return extra(x, m)
		}
		return nil
	})
	switch {
	case domain.ErrorKind(err) == domain.KindConflict:
		return p, ch, domain.Invalid(op, "review.changed_meanwhile")
	case domain.ErrorKind(err) == domain.KindInvalid:
		return p, ch, err
	case err != nil:
		return p, ch, domain.Op(op, err)
	}
	return moved, ch, nil
}

// noticeFor is the message a producer gets for a decision: its stage's,
// or, when an upgrade was not granted, that the certificate stays.
func noticeFor(before, after domain.Product) string {
	if after.Stage == domain.StageRecognised && before.Purpose == domain.PurposeUpgrade && after.CertNo == before.CertNo &&
		after.CertIssued.Equal(before.CertIssued) {
		return "notice.upgrade_not_granted"
	}
	return "notice.stage." + string(after.Stage)
}

// tell tells the producer of a decision, in their language, through the
// outbox (so it reaches whichever channel they use).
func (a *app) tell(ctx context.Context, before, after domain.Product, reason string) error {
	data := map[string]string{"Name": after.Name, "Code": after.Code, "Reason": reason,
		"Score": formatScore(after.Score), "Stars": strconv.Itoa(after.Stars), "CertNo": after.CertNo, "Until": a.date(after.CertExpires)}
	if after.Stage == domain.StageRevoked {
		r := after.Revocation
		data["Ground"] = a.e.T(domain.LocaleVI, "revoke_ground."+string(r.Ground), nil)
		data["DecisionNo"], data["DecisionDate"] = r.DecisionNo, a.date(r.Date)
		data["By"] = a.e.T(domain.LocaleVI, "revoke_level."+string(r.Level), nil)
	}
	return a.notifySubject(ctx, after.SubjectID, a.noticeKey("stage-"+string(after.Stage), after.ID), bot.Notice{Msg: noticeFor(before, after), Data: data})
}

// beginRevoke opens the revocation of the product whose code follows the
// command: province officers and admins only, on a product they see that
// the rules allow to revoke now.
func (a *app) beginRevoke(ctx context.Context, c *bot.Ctx, f *bot.Form) (bool, error) {
	if !c.User.Role.IsProvince() {
		return false, c.Say(ctx, "lifecycle.revoke_province_only")
	}
	code := strings.TrimSpace(c.Update.Args)
	if code == "" {
		return false, c.Say(ctx, "lifecycle.revoke_usage")
	}
	p, err := a.productByCode(ctx, c, code)
	if err != nil {
		return false, err
	}
	if !a.Rules.Allowed(p, domain.ActRevoke, "", c.User.Role, a.now(), a.PinnedRules) {
		return false, c.Say(ctx, "lifecycle.revoke_not_now", map[string]any{"Name": p.Name, "Stage": c.T("stage." + string(p.Stage))})
	}
	f.Answers["pid"] = strconv.FormatInt(p.ID, 10)
	return true, c.Send(ctx, bot.Reply{Text: c.T("lifecycle.revoke_intro", map[string]any{"Card": bot.HTML(a.productCard(c, p) + a.afterCertLines(ctx, c, p))})})
}

// productByCode finds a product an officer sees by its code.
func (a *app) productByCode(ctx context.Context, c *bot.Ctx, code string) (domain.Product, error) {
	p, err := a.Products.GetByCode(ctx, strings.ToUpper(code))
	if err != nil || !c.User.Sees(p.CommuneCode) {
		if err != nil && !errors.Is(err, domain.ErrNotFound) && domain.ErrorKind(err) != domain.KindNotFound {
			return p, domain.Op("lifecycle.product", err)
		}
		return p, domain.Invalid("lifecycle.product", "lifecycle.no_such_product")
	}
	return p, a.refuseOwn(ctx, c, p)
}

// saveRevoke records the revocation; the producer is told with the ground
// and the decision.
func (a *app) saveRevoke(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	if !c.User.Role.IsProvince() {
		return domain.Invalid("lifecycle.revoke", "lifecycle.revoke_province_only")
	}
	id, _ := strconv.ParseInt(f.Answers["pid"], 10, 64)
	p, err := a.Products.Get(ctx, id)
	if err != nil {
		return domain.Invalid("lifecycle.revoke", "lifecycle.no_such_product")
	}
	if err := a.refuseOwn(ctx, c, p); err != nil {
		return err // the link may have changed since the form began
	}
	date, ok := parseDate(f.Answers[rvDate], a.loc())
	if !ok {
		return domain.Invalid("lifecycle.revoke", "review.date_invalid")
	}
	act := domain.Action{Kind: domain.ActRevoke, Revocation: domain.Revocation{
		Ground: domain.RevocationGround(f.Answers[rvGround]), DecisionNo: f.Answers[rvNo], Date: date}}
	moved, _, err := a.decide(ctx, c.User.ID, c.User.Role, p, act, nil)
	if err != nil {
		return err
	}
	if err := a.tell(ctx, p, moved, ""); err != nil {
		return err
	}
	c.Saved(strconv.FormatInt(moved.ID, 10))
	r := moved.Revocation
	return c.Say(ctx, "lifecycle.revoked", map[string]any{"Name": moved.Name, "Code": moved.Code,
		"Ground": c.T("revoke_ground." + string(r.Ground)), "DecisionNo": r.DecisionNo, "DecisionDate": a.date(r.Date),
		"By": c.T("revoke_level." + string(r.Level))})
}

// afterCertButtons are the producer's buttons for a recognised product:
// re-evaluate and upgrade; and, once opened and not yet filed, give up.
func (a *app) afterCertButtons(c *bot.Ctx, p domain.Product) []bot.Button {
	switch p.Stage {
	case domain.StageRecognised:
		var buttons []bot.Button
		// Past its window a re-evaluation can no longer be filed (the
		// status says what to do instead): no button that only refuses.
		if phase, _, _, ok := a.Rules.ReevalWindowOf(p, a.now().In(a.loc()), a.PinnedRules); !ok || phase != domain.ReevalClosed {
			buttons = append(buttons, bot.Data(cbDossier, "re", p.ID).Button(c.T("lifecycle.button.reevaluate", map[string]any{"Name": p.Name})))
		}
		if p.Stars < domain.TopStars {
			buttons = append(buttons, bot.Data(cbDossier, "up", p.ID).Button(c.T("lifecycle.button.upgrade", map[string]any{"Name": p.Name})))
		}
		return buttons
	case domain.StageReevaluation, domain.StageUpgrade:
		return []bot.Button{bot.Data(cbDossier, "cx", p.ID).Button(c.T("lifecycle.button.cancel", map[string]any{"Name": p.Name}))}
	}
	return nil
}

// openAfterCert starts a re-evaluation or an upgrade, or gives it up. A
// re-evaluation outside its window is refused with when it opens, or that
// it has closed and what to do.
func (a *app) openAfterCert(ctx context.Context, c *bot.Ctx, p domain.Product, kind domain.ActionKind) error {
	// The move and the dossier's renewal are one save (bot.Ctx.Once).
	key := ""
	if ref := updateRef(c); ref != "" {
		key = "after:" + ref
	}
	var refused *refusal
	err := c.Once(ctx, key, func(ctx context.Context) error { return a.renew(ctx, c, p, kind) },
		func(ctx context.Context, _ string) error {
			if q, err := a.Products.Get(ctx, p.ID); err == nil {
				p = q
			}
			return a.checklist(ctx, c, p, "")
		})
	if !errors.As(err, &refused) {
		return err
	}
	var de *domain.Error
	data := map[string]any{"Name": p.Name}
	if errors.As(refused.err, &de) {
		for k, v := range de.Data {
			data[k] = v
		}
	}
	id := domain.ErrorMsgID(refused.err)
	if id == domain.MsgNotNow {
		id = "lifecycle.not_now_stage"
		data["Stage"] = c.T("stage." + string(p.Stage))
	}
	return a.sayMenu(ctx, c, id, data)
}

// renew moves the product to a re-evaluation or an upgrade (or gives it
// up), renews its dossier and tells the producer; what the rules refuse
// comes back as a refusal.
func (a *app) renew(ctx context.Context, c *bot.Ctx, p domain.Product, kind domain.ActionKind) error {
	moved, _, err := a.decide(ctx, c.User.ID, domain.RoleProducer, p, domain.Action{Kind: kind}, nil)
	if domain.ErrorKind(err) == domain.KindInvalid {
		return &refusal{err}
	}
	if err != nil {
		return err
	}
	c.Saved(strconv.FormatInt(moved.ID, 10))
	if kind == domain.ActCancel {
		return a.sayMenu(ctx, c, "lifecycle.cancelled", map[string]any{"Name": moved.Name, "Until": a.date(moved.ValidUntil)})
	}
	// The dossier is renewed: Mẫu 01 (marked re-evaluation or upgrade),
	// Mẫu 02 updated and the time-limited papers, so the required items
	// start again from missing; evidence already sent stays.
	r, ok := a.Rules.Get(moved.Rulebook)
	if ok {
		for _, it := range r.Checklist(moved.Set) {
			if it.Kind == domain.ItemEvidence {
				continue
			}
			if err := a.Dossiers.SetState(ctx, moved.ID, it.ID, domain.ItemMissing, ""); err != nil {
				return domain.Op("lifecycle.renew", err)
			}
		}
	}
	msg := "lifecycle.reevaluation_opened"
	if kind == domain.ActUpgrade {
		msg = "lifecycle.upgrade_opened"
	}
	return a.checklist(ctx, c, moved, c.T(msg, map[string]any{"Name": moved.Name, "Until": a.date(moved.CertExpires)}))
}
