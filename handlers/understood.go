package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// typedRSVP answers an invitation by typed words ("có", "tham gia",
// "không"): an invitation comes in a bulk message, whose buttons the
// conversation does not remember, so a yes or no typed outside a form is
// taken as the answer to the one upcoming event of the user's audience
// they have not answered yet. It reports whether it answered.
func (a *app) typedRSVP(ctx context.Context, c *bot.Ctx) (bool, error) {
	ans := domain.ParseAnswer(c.Update.Text)
	if (ans != domain.AnswerYes && ans != domain.AnswerNo) || a.Events == nil || c.IsOfficer() {
		return false, nil
	}
	list, err := a.relevantEvents(ctx, c)
	if err != nil {
		return false, err
	}
	var open []domain.Event
	for _, ev := range list {
		if ev.Cancelled || ev.Past(a.now()) {
			continue
		}
		had, err := a.Events.RSVPOf(ctx, ev.ID, c.User.ID)
		if err != nil {
			return false, domain.Op("ev.typed_rsvp", err)
		}
		if had == "" {
			open = append(open, ev)
		}
	}
	if len(open) != 1 {
		return false, nil // none, or several: which one is meant is unclear
	}
	return true, a.rsvp(ctx, c, open[0], ans == domain.AnswerYes)
}

// question finds the FAQ answer of a question typed in the middle of a
// form: only a clear match of the FAQ's keywords counts, so that an
// answer the step refused is not taken for a question by chance.
func (a *app) question(_ *bot.Ctx, text string) (string, bool) {
	w := foldWords(text)
	for _, t := range faqTopics {
		if containsAny(w, t.words...) {
			return t.id, true
		}
	}
	return "", false
}

// foldWords folds text to its words: "OCOP là gì?" is "ocop la gi".
func foldWords(text string) string {
	return strings.Join(strings.FieldsFunc(domain.Fold(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// keyTakenPhone is the answer kept when a typed phone number belongs to
// another subject, for /xinlienket.
const keyTakenPhone = fPhone + ".taken"

// phoneFree refuses a typed phone number that already belongs to another
// subject: the person is not registered twice. They may type another
// number, or ask the officers to link them to that subject (/xinlienket).
// A number shared with the channel's button is the person's own and links
// when saved (saveRegistration), so it is not refused here.
func (a *app) phoneFree(ctx context.Context, _ *bot.Ctx, f *bot.Form, phone string) error {
	delete(f.Answers, keyTakenPhone)
	if f.Answers[fPhone+".verified"] == "1" || f.Answers["behalf"] == "1" {
		return nil
	}
	s, err := a.Subjects.FindByPhone(ctx, phone)
	switch {
	case errors.Is(err, domain.ErrNotFound) || domain.ErrorKind(err) == domain.KindNotFound:
		return nil
	case err != nil:
		return domain.Op("register.phone_free", err)
	case s.ID == f.RecordID:
		return nil // one's own number, editing the profile
	}
	f.Answers[keyTakenPhone] = phone
	return domain.Invalid("register.phone_free", "register.phone_taken")
}

// requestLink (/xinlienket) asks the officers of the subject that owns the
// phone number just refused to link this person to it: an officer
// confirms with /lienket. The registration form ends; the person hears
// that the officers were asked.
func (a *app) requestLink(ctx context.Context, c *bot.Ctx) error {
	f := c.Session.Forms[flowRegister]
	if f == nil || f.Answers[keyTakenPhone] == "" {
		return c.Say(ctx, "link.nothing")
	}
	s, err := a.Subjects.FindByPhone(ctx, f.Answers[keyTakenPhone])
	if errors.Is(err, domain.ErrNotFound) || domain.ErrorKind(err) == domain.KindNotFound {
		delete(f.Answers, keyTakenPhone)
		return c.Say(ctx, "link.nothing")
	}
	if err != nil {
		return domain.Op("link.request", err)
	}
	who := c.Update.Channel + ":" + c.Update.UserID
	name := f.Answers[fRep]
	if name == "" {
		name = domain.ActorName(c.User.Name, c.User.Username, c.User.Channel, c.User.ChannelID)
	}
	code := strconv.FormatInt(s.ID, 10)
	if err := a.notifyOfficers(ctx, s.CommuneCode, "linkreq:"+who+":"+code, bot.Notice{Msg: "notice.officer_link_request",
		Data: map[string]string{"Name": name, "Subject": s.Name, "Code": code, "Command": "/lienket " + who + " " + code}}); err != nil {
		return err
	}
	delete(c.Session.Forms, flowRegister)
	if c.Session.Active == flowRegister {
		c.Session.Active = ""
	}
	return a.sayMenu(ctx, c, "link.requested")
}

// filingRefused refuses to file the dossier of a subject that may not file
// yet (a household without its business registration number), saying why
// and how to get one; it reports whether it refused.
func (a *app) filingRefused(ctx context.Context, c *bot.Ctx, p domain.Product) (bool, error) {
	s, err := a.Subjects.Get(ctx, p.SubjectID)
	if err != nil {
		return false, domain.Op("dossier.can_file", err)
	}
	if err := domain.CanFile(s); err != nil {
		return true, a.checklist(ctx, c, p, c.T(domain.ErrorMsgID(err)))
	}
	return false, nil
}

// confirmSubmit asks before filing a dossier: once filed, nothing can be
// changed until the commune returns it.
func (a *app) confirmSubmit(ctx context.Context, c *bot.Ctx, p domain.Product) error {
	return c.Send(ctx, bot.Reply{Text: c.T("dossier.submit_confirm", map[string]any{"Name": p.Name}), Buttons: [][]bot.Button{
		{bot.Data(cbDossier, "S", p.ID).Button(c.T("dossier.submit_yes")), bot.Data(cbDossier, "c", p.ID).Button(c.T("dossier.submit_no"))},
	}})
}

// confirmForward asks a commune officer before forwarding a dossier to the
// province: the commune cannot take it back.
func (a *app) confirmForward(ctx context.Context, c *bot.Ctx, p domain.Product, paper string) error {
	text := c.T("review.forward_confirm", map[string]any{"Name": p.Name, "Code": p.Code})
	if paper != "" {
		// Counted as there, but nobody has seen them in the bot.
		text += "\n\n" + c.T("review.forward_paper", map[string]any{"Items": paper})
	}
	return c.Send(ctx, bot.Reply{Text: text, Buttons: [][]bot.Button{
		{bot.Data(cbReview, "M", p.ID).With(string(domain.StageProvince)).Button(c.T("review.forward_yes")),
			bot.Data(cbReview, "o", p.ID).Button(c.T("review.forward_no"))},
	}})
}

// smallTalkTopics are what people say that is no question: a short
// friendly answer, not "Mình chưa hiểu".
var smallTalkTopics = []struct {
	id    string
	words []string
}{
	{"qa.smalltalk_thanks", []string{"cam on", "cam on em", "cam on ban", "cam on nhieu", "thank", "thanks", "thank you", "tks", "cam ơn"}},
	{"qa.smalltalk_cost", []string{"ton tien", "mat tien", "ton phi", "mat phi", "le phi", "chi phi", "bao nhieu tien", "phai tra tien", "co phi"}},
	{"qa.smalltalk_bye", []string{"tam biet", "bye", "hen gap lai"}},
}

// smallTalk finds the answer to small talk ("cảm ơn", "có tốn tiền
// không"); a plain yes ("ok", "dạ") is acknowledged.
func smallTalk(text string) (string, bool) {
	w := foldWords(text)
	for _, t := range smallTalkTopics {
		if containsAny(w, t.words...) {
			return t.id, true
		}
	}
	if domain.ParseAnswer(text) == domain.AnswerYes {
		return "qa.smalltalk_ok", true
	}
	return "", false
}

// reachesCommunes reports whether an event's audience takes in one of a
// commune officer's communes: everyone, product groups or a stage (the
// whole province), or a list of communes with one of theirs.
func reachesCommunes(c *bot.Ctx, e domain.Event) bool {
	if e.Audience.Kind != domain.AudienceCommunes {
		return true
	}
	for _, code := range e.Audience.Communes {
		if c.User.Sees(code) {
			return true
		}
	}
	return false
}
