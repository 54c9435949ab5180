package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Purpose is why a dossier is opened: a first evaluation, a re-evaluation
// before the certificate expires, or an upgrade (OCOP-RULES §7b).
type Purpose string

const (
	PurposeFirst   Purpose = ""           // a first evaluation (or a new one after expiry)
	PurposeReeval  Purpose = "reevaluate" // đánh giá, phân hạng lại (Điều 7.6)
	PurposeUpgrade Purpose = "upgrade"    // nâng hạng (Điều 6.1b, 7.5)
)

// RevocationGround is one of the six grounds of Điều 8 of 26/2026 on which
// a certificate is revoked. Its words are in the locales
// (revoke.ground.<id>).
type RevocationGround string

const (
	GroundForged     RevocationGround = "forged"    // hồ sơ giả mạo
	GroundNoLonger   RevocationGround = "no_longer" // không còn đáp ứng tiêu chí
	GroundViolation  RevocationGround = "violation" // vi phạm chất lượng, ATTP, môi trường, SHTT, nhãn
	GroundMisuse     RevocationGround = "misuse"    // sử dụng sai biểu trưng OCOP
	GroundStopped    RevocationGround = "stopped"   // ngừng sản xuất
	GroundAuthority  RevocationGround = "authority" // kết luận khác của cơ quan có thẩm quyền
	maxDecisionNoLen                  = 60
)

// ReasonImported is the reason of the stage changes an import writes
// (ocopbot import): the recognition on the day of issue, the expiry.
const ReasonImported = "imported"

// RevocationGrounds are the grounds of Điều 8, in the order of the text.
var RevocationGrounds = []RevocationGround{GroundForged, GroundNoLonger, GroundViolation, GroundMisuse, GroundStopped, GroundAuthority}

// Revocation is the decision that revoked a certificate.
type Revocation struct {
	Ground     RevocationGround
	DecisionNo string
	Date       time.Time // the decision's day, midnight in the province's time zone
	// Level is who decided: the province chairman for 3★/4★, the Minister
	// for 5★ (the certifier of the stars).
	Level Actor
}

// ActionKind is a decision about a product's stage.
type ActionKind string

const (
	ActPrepare    ActionKind = "prepare"    // start (or start again) a dossier
	ActSubmit     ActionKind = "submit"     // file it at the commune
	ActWithdraw   ActionKind = "withdraw"   // take it back before the commune checks it
	ActReturn     ActionKind = "return"     // send it back to be completed
	ActForward    ActionKind = "forward"    // to the commune check, the district or the province
	ActFail       ActionKind = "fail"       // not recognised: knocked out
	ActScore      ActionKind = "score"      // the province council's result
	ActCentral    ActionKind = "central"    // the central decision on a 5★ candidate
	ActExpire     ActionKind = "expire"     // the last valid day has passed
	ActReevaluate ActionKind = "reevaluate" // open a re-evaluation
	ActUpgrade    ActionKind = "upgrade"    // open an upgrade
	ActCancel     ActionKind = "cancel"     // give up a re-evaluation or upgrade not yet filed
	ActRevoke     ActionKind = "revoke"     // revoke the certificate
)

// Action is a decision with what goes with it.
type Action struct {
	Kind ActionKind
	// To is the stage of a forward (xa_tham_dinh, huyen_danh_gia,
	// tinh_danh_gia).
	To Stage
	// Reason of a return or a failure, in the officer's words.
	Reason string
	// The council's result (score) and the certificate (score, central).
	Score  float64
	Stars  int
	CertNo string
	Issued time.Time
	// Revocation of a revoke.
	Revocation Revocation
}

// Rulebooks.Apply's refusals carry these message ids (KindInvalid, with
// Data for the template).
const (
	MsgNotNow             = "lifecycle.not_now"           // not a move of the rulebook from this stage, for this actor
	MsgReasonNeeded       = "lifecycle.reason_needed"     // a return or failure without a reason
	MsgStarsAboveBand     = "review.stars_above_band"     // stars above the score's band
	MsgNeedCertificate    = "lifecycle.need_certificate"  // recognised without number or date
	MsgWindowNotOpen      = "lifecycle.reeval_not_open"   // Data: Opens, Closes, Expires
	MsgWindowClosed       = "lifecycle.reeval_closed"     // Data: Closes, Expires
	MsgWithdrawTooLate    = "lifecycle.withdraw_too_late" // Data: Closes
	MsgNotExpired         = "lifecycle.not_expired"       // Data: Until
	MsgBadGround          = "lifecycle.revoke_bad_ground" // not a ground of Điều 8
	MsgBadDecision        = "lifecycle.revoke_bad_decision"
	MsgNoRulebook         = "lifecycle.no_rulebook"
	MsgTopStars           = "lifecycle.upgrade_top"          // an upgrade of a 5★ product: there is no higher rank
	MsgIssuedBeforeFiling = "lifecycle.issued_before_filing" // a certificate dated before the filing
)

// TopStars is the highest OCOP rank (5★, recognised by the Minister):
// nothing to upgrade to from there.
const TopStars = 5

// reevalExtensionDays is how long past its expiry a certificate stays
// valid while a re-evaluation filed in time waits for its decision (Điều
// 12.3).
const reevalExtensionDays = 180

// Apply decides an action on a product by actor at now, under the rules:
// it checks the move is one the rulebook allows that actor, and what the
// action needs, and returns the product as it is after the move and the
// stage change to record. It is the one place stage decisions are made;
// callers store what it returns (MoveStage with the returned product's
// fields) and tell whom it concerns.
//
// Dates are civil dates in now's location, which must be the province's
// time zone (times read back from storage are converted to it).
//
// Dossier moves (submit … central) are judged by the rulebook the dossier
// was created under; the moves after certification (expire, re-evaluate,
// upgrade, revoke) by the rulebook in force at now, since 26/2026 governs
// every certificate from 22/5/2026. A new dossier (prepare after expiry,
// revocation or failure; re-evaluation; upgrade) takes the rulebook in
// force at now (pinned when pinned is not "").
//
// Refusals are KindInvalid *Error values with one of the Msg* ids.
func (rs *Rulebooks) Apply(p Product, act Action, actor Actor, now time.Time, pinned string) (Product, StageChange, error) {
	const op = "rulebook.apply"
	loc := now.Location()
	today := civilDateOf(now)
	own, ok := rs.Get(p.Rulebook)
	current, err := rs.ForNewDossier(now, pinned)
	if err != nil {
		current = nil
	}
	if !ok {
		own = current
	}
	if own == nil {
		return p, StageChange{}, Invalid(op, MsgNoRulebook)
	}
	judge := own
	switch act.Kind {
	case ActExpire, ActReevaluate, ActUpgrade, ActRevoke, ActCancel:
		if current != nil {
			judge = current
		}
	}
	to, err := rs.target(p, act, judge)
	if err != nil {
		return p, StageChange{}, err
	}
	if !judge.CanMove(p.Stage, to, actor) {
		return p, StageChange{}, invalidData(op, MsgNotNow, map[string]any{"From": string(p.Stage), "To": string(to)})
	}
	q := p
	ch := StageChange{ProductID: p.ID, From: p.Stage, To: to, At: now}
	switch act.Kind {
	case ActPrepare:
		if p.Stage != StageIdea {
			// A new dossier after expiry, revocation or failure: the
			// rules of today, a fresh receipt and result.
			if current == nil {
				return p, StageChange{}, Invalid(op, MsgNoRulebook)
			}
			q.Rulebook, q.Purpose = current.ID, PurposeFirst
			q.ReceiptNo, q.SubmittedAt = "", time.Time{}
		}
	case ActSubmit:
		if p.Purpose == PurposeReeval && !p.CertExpires.IsZero() {
			opens, closes := rs.reevalWindow(judgeNow(current, judge), p.CertExpires.In(loc))
			// Sent back to be completed, it was filed in time already.
			if p.Stage != StageReturned && civilDateOf(closes).before(today) {
				return p, StageChange{}, invalidData(op, MsgWindowClosed, map[string]any{
					"Opens": DateVN(opens), "Closes": DateVN(closes), "Expires": DateVN(p.CertExpires.In(loc))})
			}
			// Filed in time: valid until the decision, at most 180 days
			// past expiry (Điều 12.3).
			q.ValidUntil = civilDateOf(p.CertExpires.In(loc)).addDays(reevalExtensionDays).in(loc)
		}
		q.SubmittedAt = now
	case ActWithdraw:
		if p.Purpose == PurposeReeval && !p.CertExpires.IsZero() {
			// Withdrawn after its window, a re-evaluation could not be
			// filed again and the certificate would lose its extension:
			// the commune returns it to be completed instead.
			if _, closes := rs.reevalWindow(judgeNow(current, judge), p.CertExpires.In(loc)); civilDateOf(closes).before(today) {
				return p, StageChange{}, invalidData(op, MsgWithdrawTooLate, map[string]any{"Closes": DateVN(closes)})
			}
		}
		q.SubmittedAt, q.ReceiptNo = time.Time{}, ""
		if p.Purpose == PurposeReeval && !p.CertExpires.IsZero() {
			q.ValidUntil = dayIn(p.CertExpires, loc)
		}
	case ActReturn:
		if strings.TrimSpace(act.Reason) == "" {
			return p, StageChange{}, Invalid(op, MsgReasonNeeded)
		}
	case ActFail:
		if strings.TrimSpace(act.Reason) == "" {
			return p, StageChange{}, Invalid(op, MsgReasonNeeded)
		}
		q = notRecognised(q, loc)
	case ActScore:
		q.Score = act.Score
		switch {
		case judge.ToCentral(act.Score):
		case act.Stars > judge.MaxStars(act.Score) || act.Stars < 1:
			return p, StageChange{}, Invalid(op, MsgStarsAboveBand)
		case !judge.Recognised(act.Stars):
			if p.Purpose == PurposeFirst {
				q.Stars = act.Stars
			}
			q = notRecognised(q, loc)
		case notHigher(p, act.Stars):
			q = notRecognised(q, loc) // an upgrade to no more stars keeps its certificate
		default:
			if q, err = rs.certify(q, act, loc); err != nil {
				return p, StageChange{}, err
			}
		}
	case ActCentral:
		if act.Stars > judge.MaxStars(p.Score) || !judge.Recognised(act.Stars) {
			return p, StageChange{}, Invalid(op, MsgStarsAboveBand)
		}
		if notHigher(p, act.Stars) {
			q = notRecognised(q, loc)
			break
		}
		if q, err = rs.certify(q, act, loc); err != nil {
			return p, StageChange{}, err
		}
	case ActExpire:
		if p.ValidUntil.IsZero() || !civilDateOf(p.ValidUntil.In(loc)).before(today) {
			return p, StageChange{}, invalidData(op, MsgNotExpired, map[string]any{"Until": DateVN(p.ValidUntil.In(loc))})
		}
		q.Purpose = PurposeFirst
	case ActReevaluate:
		opens, closes := rs.reevalWindow(judge, p.CertExpires.In(loc))
		data := map[string]any{"Opens": DateVN(opens), "Closes": DateVN(closes), "Expires": DateVN(p.CertExpires.In(loc))}
		switch {
		case p.CertExpires.IsZero():
			return p, StageChange{}, Invalid(op, MsgNotNow)
		case today.before(civilDateOf(opens)):
			return p, StageChange{}, invalidData(op, MsgWindowNotOpen, data)
		case civilDateOf(closes).before(today):
			return p, StageChange{}, invalidData(op, MsgWindowClosed, data)
		}
		q.Purpose, q.Rulebook = PurposeReeval, judge.ID
		q.ReceiptNo, q.SubmittedAt = "", time.Time{}
	case ActUpgrade:
		if p.Stars >= TopStars {
			return p, StageChange{}, Invalid(op, MsgTopStars)
		}
		q.Purpose, q.Rulebook = PurposeUpgrade, judge.ID
		q.ReceiptNo, q.SubmittedAt = "", time.Time{}
	case ActCancel:
		q.Purpose = PurposeFirst
	case ActRevoke:
		r := act.Revocation
		if !slices.Contains(RevocationGrounds, r.Ground) {
			return p, StageChange{}, Invalid(op, MsgBadGround)
		}
		r.DecisionNo = Clean(r.DecisionNo)
		if n := len([]rune(r.DecisionNo)); n < 2 || n > maxDecisionNoLen || !HasLetterOrDigit(r.DecisionNo) ||
			r.Date.IsZero() || today.before(civilDateOf(r.Date.In(loc))) || BeforeIssue(p, r.Date.In(loc)) {
			return p, StageChange{}, Invalid(op, MsgBadDecision)
		}
		r.Date = dayIn(r.Date, loc)
		r.Level = ActorProvince
		if c, ok := judge.Certifier(p.Stars); ok {
			r.Level = c.Level
		}
		q.Revocation, q.Purpose = r, PurposeFirst
		ch.Reason = string(r.Ground)
	}
	if act.Kind == ActReturn || act.Kind == ActFail {
		ch.Reason = act.Reason
	}
	q.Stage = to
	ch.Stars, ch.ValidUntil = q.Stars, q.ValidUntil
	return q, ch, nil
}

// ApplyAs is Apply by the first actor a user's role may act as for this
// move: a commune officer as the commune, a province officer as the
// province (or the central level, whose decisions the province records),
// an admin as any level, a producer as the producer.
func (rs *Rulebooks) ApplyAs(p Product, act Action, role Role, now time.Time, pinned string) (Product, StageChange, error) {
	var first error
	for _, a := range role.Actors() {
		q, ch, err := rs.Apply(p, act, a, now, pinned)
		if err == nil {
			return q, ch, nil
		}
		if ErrorMsgID(err) != MsgNotNow {
			return p, StageChange{}, err
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = Invalid("rulebook.apply", MsgNotNow)
	}
	return p, StageChange{}, first
}

// Actors returns the levels a role acts as, in the order they are tried.
func (r Role) Actors() []Actor {
	switch r {
	case RoleCommuneOfficer:
		return []Actor{ActorCommune}
	case RoleProvinceOfficer:
		return []Actor{ActorProvince, ActorCentral}
	case RoleAdmin:
		return []Actor{ActorCommune, ActorDistrict, ActorProvince, ActorCentral}
	case RoleProducer, "":
		return []Actor{ActorProducer}
	}
	return nil
}

// Allowed reports whether a role may take an action on a product now (the
// buttons to show); it does not check what the action would carry.
func (rs *Rulebooks) Allowed(p Product, kind ActionKind, to Stage, role Role, now time.Time, pinned string) bool {
	own, ok := rs.Get(p.Rulebook)
	judge := own
	switch kind {
	case ActExpire, ActReevaluate, ActUpgrade, ActRevoke, ActCancel:
		if cur, err := rs.ForNewDossier(now, pinned); err == nil {
			judge, ok = cur, true
		}
	}
	if !ok {
		return false
	}
	target, err := rs.target(p, Action{Kind: kind, To: to}, judge)
	if err != nil {
		return false
	}
	for _, a := range role.Actors() {
		if judge.CanMove(p.Stage, target, a) {
			return true
		}
	}
	return false
}

// target is the stage an action moves a product to.
func (rs *Rulebooks) target(p Product, act Action, r *Rulebook) (Stage, error) {
	const op = "rulebook.apply"
	switch act.Kind {
	case ActPrepare, ActWithdraw:
		return StagePreparing, nil
	case ActSubmit:
		return StageFiled, nil
	case ActReturn:
		return StageReturned, nil
	case ActForward:
		switch act.To {
		case StageCommuneCheck, StageDistrict, StageProvince:
			return act.To, nil
		}
	case ActFail:
		if p.Purpose == PurposeUpgrade && p.Stage == StageProvince {
			// An upgrade not granted leaves the certificate as it was.
			return StageRecognised, nil
		}
		return StageFailed, nil
	case ActScore:
		if r.ToCentral(act.Score) {
			return StageCentral, nil
		}
		if !r.Recognised(act.Stars) {
			if p.Purpose == PurposeUpgrade {
				return StageRecognised, nil
			}
			return StageFailed, nil
		}
		return StageRecognised, nil
	case ActCentral:
		return StageRecognised, nil
	case ActExpire:
		return StageExpired, nil
	case ActReevaluate:
		return StageReevaluation, nil
	case ActUpgrade:
		return StageUpgrade, nil
	case ActCancel:
		return StageRecognised, nil
	case ActRevoke:
		return StageRevoked, nil
	}
	return "", Invalid(op, MsgNotNow)
}

// certify gives the product its certificate: the validity of the rulebook
// in force on the day of issue (else the dossier's).
func (rs *Rulebooks) certify(q Product, act Action, loc *time.Location) (Product, error) {
	no := Clean(act.CertNo)
	if no == "" || act.Issued.IsZero() {
		return q, Invalid("rulebook.certify", MsgNeedCertificate)
	}
	issued := dayIn(act.Issued, loc)
	if !q.SubmittedAt.IsZero() && civilDateOf(issued).before(civilDateOf(q.SubmittedAt.In(loc))) {
		// A decision cannot come before the dossier it decides on.
		return q, Invalid("rulebook.certify", MsgIssuedBeforeFiling)
	}
	certRules, ok := rs.Get(q.Rulebook)
	if r := rs.InForce(issued); r != nil {
		certRules, ok = r, true
	}
	if !ok {
		return q, Invalid("rulebook.certify", MsgNoRulebook)
	}
	q.Stars, q.CertNo, q.CertIssued = act.Stars, no, issued
	q.CertExpires, q.CertRules = certRules.CertificateExpiry(issued), certRules.ID
	q.ValidUntil = q.CertExpires
	q.Purpose = PurposeFirst
	q.Revocation = Revocation{}
	return q, nil
}

// notRecognised is the product after a result below recognition: a first
// evaluation has no certificate; a re-evaluation ends the certificate at
// its own expiry (no more grace); an upgrade leaves it as it was.
func notRecognised(q Product, loc *time.Location) Product {
	switch q.Purpose {
	case PurposeReeval:
		if !q.CertExpires.IsZero() {
			q.ValidUntil = dayIn(q.CertExpires, loc)
		}
	case PurposeFirst:
		q.ValidUntil = time.Time{}
	}
	q.Purpose = PurposeFirst
	return q
}

// notHigher reports whether the stars of an upgrade's result are no more
// than the product has: the upgrade is not granted.
func notHigher(p Product, stars int) bool {
	return p.Purpose == PurposeUpgrade && stars <= p.Stars
}

// ReevalPhase is where a day stands against a certificate's window for
// filing its re-evaluation.
type ReevalPhase int

const (
	ReevalNotYet ReevalPhase = iota // before the window opens
	ReevalOpen                      // in the window
	ReevalClosed                    // after the window (the certificate may still be valid)
)

// ReevalWindowOf returns the window for filing p's re-evaluation, judged by
// the rulebook for new dossiers on now's day (as ActReevaluate is), and
// where now's day stands against it, in now's location. ok is false when
// p has no certificate expiry.
func (rs *Rulebooks) ReevalWindowOf(p Product, now time.Time, pinned string) (phase ReevalPhase, opens, closes time.Time, ok bool) {
	if p.CertExpires.IsZero() {
		return ReevalNotYet, time.Time{}, time.Time{}, false
	}
	judge, _ := rs.Get(p.Rulebook)
	if cur, err := rs.ForNewDossier(now, pinned); err == nil {
		judge = cur
	}
	opens, closes = rs.reevalWindow(judge, p.CertExpires.In(now.Location()))
	today := civilDateOf(now)
	switch {
	case today.before(civilDateOf(opens)):
		phase = ReevalNotYet
	case civilDateOf(closes).before(today):
		phase = ReevalClosed
	default:
		phase = ReevalOpen
	}
	return phase, opens, closes, true
}

// reevalWindow is the window of a rulebook, or qd26-2026's when it does
// not know one.
func (rs *Rulebooks) reevalWindow(r *Rulebook, expiry time.Time) (opens, closes time.Time) {
	if r != nil {
		if o, c, ok := r.Reevaluation(expiry); ok {
			return o, c
		}
	}
	return ReevaluationWindow(expiry)
}

func judgeNow(current, own *Rulebook) *Rulebook {
	if current != nil {
		return current
	}
	return own
}

// ValidOn reports whether p's certificate counts as valid on day (the
// civil day day falls on in its location, the province's): 3★ or more,
// not expired nor revoked, and day no later than its last valid day.
func ValidOn(p Product, day time.Time) bool {
	if p.Stars < 3 || p.ValidUntil.IsZero() || p.Stage == StageExpired || p.Stage == StageRevoked {
		return false
	}
	return !civilDateOf(p.ValidUntil.In(day.Location())).before(civilDateOf(day))
}

// ExpiryDue reports whether the expiry job moves p to het_han on day: in a
// stage the system may expire from, with a last valid day before day.
func ExpiryDue(p Product, day time.Time) bool {
	if !slices.Contains(expiryStages, p.Stage) {
		return false
	}
	return !p.ValidUntil.IsZero() && civilDateOf(p.ValidUntil.In(day.Location())).before(civilDateOf(day))
}

// expiryStages are the stages the expiry job moves a product from
// (ExpiryDue): a valid certificate, under re-evaluation or upgrade.
var expiryStages = []Stage{StageRecognised, StageReevaluation, StageUpgrade}

// ExpiryStages returns the stages ExpiryDue looks at, for a store to find
// the candidates by.
func ExpiryStages() []Stage { return slices.Clone(expiryStages) }

// graceStages are the dossier's stages a re-evaluation filed in time waits
// in (GraceEnded).
var graceStages = []Stage{StageFiled, StageCommuneCheck, StageDistrict, StageProvince, StageCentral, StageReturned}

// GraceStages returns the stages GraceEnded looks at, for a store to find
// the candidates by.
func GraceStages() []Stage { return slices.Clone(graceStages) }

// GraceEnded reports whether p's certificate stopped counting as valid
// before day while its re-evaluation, filed in time, still waits in the
// dossier's stages: the 180 days past expiry of Điều 12.3 are over with no
// decision. The product keeps its stage (the decision may still come) and
// its producer is told once; a certificate that was not extended, or one
// of a product the expiry job moves (ExpiryDue), is not this.
func GraceEnded(p Product, day time.Time) bool {
	if p.Purpose != PurposeReeval || p.CertNo == "" || p.ValidUntil.IsZero() || p.CertExpires.IsZero() ||
		!slices.Contains(graceStages, p.Stage) {
		return false
	}
	loc := day.Location()
	until := civilDateOf(p.ValidUntil.In(loc))
	return civilDateOf(p.CertExpires.In(loc)).before(until) && until.before(civilDateOf(day))
}

// BeforeIssue reports whether day comes before the day p's certificate was
// issued, in day's location: what is recorded about a certificate (its
// revocation, a monitoring check) cannot be dated before it. False when p
// has no issue date.
func BeforeIssue(p Product, day time.Time) bool {
	if p.CertIssued.IsZero() {
		return false
	}
	return civilDateOf(day).before(civilDateOf(p.CertIssued.In(day.Location())))
}

// Imported reports whether a product came from a list of recognised
// products (ocopbot import) rather than a dossier filed through the bot: a
// certificate without a receipt. Its dossier is not in the bot; what is
// shown instead is that it was imported.
func Imported(p Product) bool {
	if p.CertNo == "" || p.ReceiptNo != "" || !p.SubmittedAt.IsZero() {
		return false
	}
	switch p.Stage {
	case StageRecognised, StageExpired, StageRevoked:
		return true
	}
	return false
}

// DetailsAsked reports whether the product's yes/no details (a stable
// raw-material area, a circular chain) were answered: not for one imported
// from a list of recognised products, which does not carry them, so that
// its "no" means "not known" (until a re-evaluation's dossier asks).
func DetailsAsked(p Product) bool { return !Imported(p) || p.RawArea || p.Circular }

// Deletable reports whether a producer may delete a product: never filed
// and never certified (a certificate's history is the province's record,
// even while a re-evaluation or a new dossier is being prepared).
func Deletable(p Product) bool {
	return !p.Stage.Submitted() && p.SubmittedAt.IsZero() && p.ReceiptNo == "" && p.CertNo == ""
}

// AsCreated is a product as it is first stored: one created directly with
// a certificate (an import) counts as valid to its printed expiry unless
// told otherwise.
func AsCreated(p Product) Product {
	if p.ValidUntil.IsZero() && !p.CertExpires.IsZero() && p.Stars >= 3 {
		p.ValidUntil = p.CertExpires
	}
	return p
}

// InitialHistory is the history to record for a product created directly
// in a stage after certification (an import of certified products): it was
// recognised on the day of issue, and, if expired, became het_han the day
// after its last valid day; revoked ones the day they are recorded. Other
// products start with one change into their stage at now.
func InitialHistory(p Product, now time.Time) []StageChange {
	loc := now.Location()
	start := StageChange{ProductID: p.ID, To: p.Stage, At: now, Stars: p.Stars, ValidUntil: p.ValidUntil}
	if p.CertIssued.IsZero() {
		return []StageChange{start}
	}
	issued := dayIn(p.CertIssued, loc)
	rec := StageChange{ProductID: p.ID, To: StageRecognised, At: issued, Stars: p.Stars, ValidUntil: p.ValidUntil}
	switch p.Stage {
	case StageRecognised:
		return []StageChange{rec}
	case StageExpired:
		end := now
		if !p.ValidUntil.IsZero() {
			end = civilDateOf(p.ValidUntil.In(loc)).addDays(1).in(loc)
		}
		return []StageChange{rec, {ProductID: p.ID, From: StageRecognised, To: StageExpired, At: end, Stars: p.Stars, ValidUntil: p.ValidUntil}}
	case StageRevoked:
		at := now
		if !p.Revocation.Date.IsZero() {
			at = dayIn(p.Revocation.Date, loc)
		}
		return []StageChange{rec, {ProductID: p.ID, From: StageRecognised, To: StageRevoked, At: at, Stars: p.Stars, ValidUntil: p.ValidUntil}}
	}
	return []StageChange{start}
}

// dayIn is the civil day of t in loc, at midnight there.
func dayIn(t time.Time, loc *time.Location) time.Time { return civilDateOf(t.In(loc)).in(loc) }

// DateVN writes a day as the bot shows it: 09/04/2027 ("" for the zero
// time).
func DateVN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02/01/2006")
}

func invalidData(op, msg string, data map[string]any) *Error {
	e := Invalid(op, msg)
	e.Data = data
	return e
}

// String names an action in logs.
func (a Action) String() string { return fmt.Sprintf("%s→%s", a.Kind, a.To) }

// CheckResult is the outcome of a monitoring check (hậu kiểm). Its words
// are in the locales (check_result.<id>).
type CheckResult string

const (
	CheckPassed    CheckResult = "passed"    // đạt: still meets its stars
	CheckFix       CheckResult = "fix"       // must put something right by a date
	CheckViolation CheckResult = "violation" // a violation: grounds to revoke
)

// CheckResults are the outcomes, in order.
var CheckResults = []CheckResult{CheckPassed, CheckFix, CheckViolation}

// MonitoringCheck is a periodic or ad-hoc check of a recognised product by
// the province (Điều 9), recorded against it.
type MonitoringCheck struct {
	ID        int64
	ProductID int64
	Day       time.Time // the day of the check, midnight in the province's time zone
	Result    CheckResult
	Note      string
	By        int64 // the officer's user id
	At        time.Time
}

// Checkable reports whether monitoring checks can be recorded against a
// product: it has, or had, a certificate.
func Checkable(p Product) bool { return p.CertNo != "" }

// ProvinceReceived returns when the province last received the product's
// dossier (the last move into tinh_danh_gia), zero if never: the 45 days
// of a re-evaluation are counted from it.
func ProvinceReceived(history []StageChange) time.Time {
	var at time.Time
	for _, h := range history {
		if h.To == StageProvince {
			at = h.At
		}
	}
	return at
}
