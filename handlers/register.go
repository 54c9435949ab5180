package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

const flowRegister = "reg"

// Field keys of the registration form.
const (
	fKind     = "kind"
	fName     = "name"
	fRep      = "rep"
	fPhone    = "phone"
	fCommune  = "commune"
	fRegNo    = "regno"
	fChannels = "channels"
)

// registerFlow is the producer's registration (DESIGN §2).
func (a *app) registerFlow() *bot.Flow {
	return &bot.Flow{
		ID: flowRegister, Title: "register.title", EditTitle: "register.title_edit",
		Steps: []bot.Step{
			{Key: fKind, Prompt: "register.ask_kind", Label: "register.label_kind", Choices: subjectKindChoices, Search: searchKind, Show: showKind},
			{Key: fName, Prompt: "register.ask_name", Label: "register.label_name", Parse: parseOrgName},
			{Key: fRep, Prompt: "register.ask_rep", Label: "register.label_rep", Parse: parsePersonName},
			{Key: fPhone, Prompt: "register.ask_phone", Label: "register.label_phone", Parse: parsePhone, Contact: true, Show: showPhone,
				Verified: a.samePerson, Check: a.phoneFree},
			{Key: fCommune, Prompt: "register.ask_commune", Label: "register.label_commune", Search: a.searchCommuneInScope, Show: a.showCommune},
			{Key: fRegNo, Prompt: "register.ask_regno", Label: "register.label_regno", Parse: parseRegNo, Optional: true,
				When: func(f *bot.Form) bool { return f.Answers[fKind] != string(domain.KindProspective) || f.RecordID != 0 }},
			{Key: fChannels, Prompt: "register.ask_channels", Label: "register.label_channels", Choices: salesChannelChoices, Multi: true, Optional: true},
		},
		Begin:   a.beginRegister,
		Done:    a.saveRegistration,
		Summary: a.subjectSummary,
	}
}

func subjectKindChoices(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	out := make([]bot.Choice, len(domain.SubjectKinds))
	for i, k := range domain.SubjectKinds {
		out[i] = bot.Choice{Value: string(k), Label: c.T("subject_kind." + string(k))}
	}
	return out
}

// showKind shows the kind the subject will be saved with: a household
// without a registration number given one is a household business
// (domain.SubjectKind.Registered), said on the confirmation screen rather
// than changed silently at «Xác nhận».
func showKind(ctx context.Context, c *bot.Ctx, f *bot.Form, v string) string {
	k := domain.SubjectKind(v).Registered(f.Answers[fRegNo])
	return bot.Escape(c.T("subject_kind." + string(k)))
}

// searchKind reads a kind named in other words than its button's
// ("cong ty", "nong dan"): domain.ParseSubjectKind.
func searchKind(c *bot.Ctx, in string) ([]bot.Choice, error) {
	k, ok := domain.ParseSubjectKind(in)
	if !ok {
		return nil, domain.Invalid("register.kind", "form.choose_listed")
	}
	return []bot.Choice{{Value: string(k), Label: c.T("subject_kind." + string(k))}}, nil
}

func salesChannelChoices(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	out := make([]bot.Choice, len(domain.SalesChannels))
	for i, ch := range domain.SalesChannels {
		out[i] = bot.Choice{Value: string(ch), Label: c.T("sales_channel." + string(ch))}
	}
	return out
}

// Limits of typed names, in characters.
const (
	maxOrgName    = 200
	maxPersonName = 100
)

var parseOrgName = textField("register.name", 2, maxOrgName, "register.name_invalid", "register.name_too_short", "register.name_too_long")

func parsePersonName(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	n := utf8.RuneCountInString(in)
	if n > maxPersonName {
		return "", domain.Invalid("register.rep", "register.rep_too_long")
	}
	letters := 0
	for _, r := range in {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
		case r == ' ' || r == '.' || r == '-' || r == '\'':
		default:
			return "", domain.Invalid("register.rep", "register.rep_invalid")
		}
	}
	if letters < 2 {
		return "", domain.Invalid("register.rep", "register.rep_invalid")
	}
	return in, nil
}

func parsePhone(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	return domain.ParsePhone(in)
}

func showPhone(ctx context.Context, c *bot.Ctx, f *bot.Form, v string) string {
	s := bot.Escape(domain.FormatPhone(v))
	if f != nil && f.Answers[fPhone+".verified"] == "1" {
		s += " " + c.T("register.phone_verified")
	}
	return s
}

// parseRegNo reads a business registration number: digits, letters and dashes.
func parseRegNo(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	s := strings.ToUpper(strings.Join(strings.Fields(in), ""))
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case (r >= 'A' && r <= 'Z') || r == '-' || r == '/' || r == '.':
		default:
			return "", domain.Invalid("register.regno", "register.regno_invalid")
		}
	}
	if digits < 5 || len(s) > 20 {
		return "", domain.Invalid("register.regno", "register.regno_invalid")
	}
	return s, nil
}

// searchCommune finds communes and wards by name, old district name or a near miss.
func (a *app) searchCommune(c *bot.Ctx, in string) ([]bot.Choice, error) {
	matches := a.Places.Search(in, 20)
	if len(matches) == 0 {
		return nil, domain.Invalid("register.commune", "register.commune_not_found")
	}
	// An exact name is taken at once, unless another place shares it.
	if len(matches) > 1 && matches[0].Via == "commune" && matches[1].Via == "fuzzy" && domain.Fold(matches[0].Commune.Name) != "" &&
		strings.HasSuffix(domain.Fold(matches[0].Commune.Name), domain.Fold(in)) {
		matches = matches[:1]
	}
	out := make([]bot.Choice, 0, len(matches))
	for _, m := range matches {
		out = append(out, bot.Choice{Value: m.Commune.Code, Label: communeLabel(c, m)})
	}
	return out, nil
}

// searchCommuneInScope is searchCommune for an officer registering a
// producer (/thaymat moi): only the communes they look after.
func (a *app) searchCommuneInScope(c *bot.Ctx, in string) ([]bot.Choice, error) {
	out, err := a.searchCommune(c, in)
	if f := c.Session.Forms[flowRegister]; err != nil || !c.IsOfficer() || f == nil || f.Answers["behalf"] != "1" {
		return out, err
	}
	mine := out[:0]
	for _, ch := range out {
		if c.User.Sees(ch.Value) {
			mine = append(mine, ch)
		}
	}
	if len(mine) == 0 {
		return nil, domain.Invalid("register.commune", "trust.commune_not_yours")
	}
	return mine, nil
}

// communeLabel names a match so that two places with one name can be told
// apart: "Xã Châu Thành (Tây Ninh cũ)", "Xã An Tịnh — từ TX Trảng Bàng".
func communeLabel(c *bot.Ctx, m domain.PlaceMatch) string {
	switch {
	case m.Former.Name != "":
		return c.Label("place.via_former", map[string]any{"Commune": m.Commune.Name, "Former": m.Former.Name, "District": m.Former.District})
	case m.District.Name != "":
		return c.Label("place.via_district", map[string]any{"Commune": m.Commune.Name, "District": m.District.Name, "Province": m.District.ProvinceShort()})
	default:
		return c.Label("place.commune", map[string]any{"Commune": m.Commune.Name, "Province": shortProvince(m.Commune.FormerProvince)})
	}
}

func shortProvince(p string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(p, "Tỉnh "), "Thành phố "))
}

func (a *app) showCommune(ctx context.Context, _ *bot.Ctx, _ *bot.Form, code string) string {
	if cm, ok := a.Places.Get(code); ok {
		return bot.Escape(cm.Name)
	}
	return bot.Escape(code)
}

// beginRegister asks for consent first; a registered user edits the profile.
func (a *app) beginRegister(ctx context.Context, c *bot.Ctx, f *bot.Form) (bool, error) {
	if c.User.Consent != domain.ConsentGiven {
		return false, a.askConsent(ctx, c, flowRegister)
	}
	if c.User.SubjectID == 0 {
		return true, nil
	}
	s, err := a.Subjects.Get(ctx, c.User.SubjectID)
	if errors.Is(err, domain.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, domain.Op("register.begin", err)
	}
	f.RecordID = s.ID
	f.Answers = subjectAnswers(s)
	f.Confirming = true
	return true, c.Say(ctx, "register.already")
}

func subjectAnswers(s domain.Subject) map[string]string {
	chans := make([]string, len(s.SalesChannels))
	for i, ch := range s.SalesChannels {
		chans[i] = string(ch)
	}
	ans := map[string]string{
		fKind: string(s.Kind), fName: s.Name, fRep: s.Representative, fPhone: s.Phone,
		fCommune: s.CommuneCode, fRegNo: s.BusinessRegNo, fChannels: strings.Join(chans, ","),
	}
	if s.PhoneVerified {
		ans[fPhone+".verified"] = "1"
	}
	return ans
}

// saveRegistration creates the subject, or links the user to the subject
// officers imported with the same (verified) phone, or updates the profile.
func (a *app) saveRegistration(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	s := domain.Subject{
		Kind: domain.SubjectKind(f.Answers[fKind]), Name: f.Answers[fName], Representative: f.Answers[fRep],
		Phone: f.Answers[fPhone], PhoneVerified: f.Answers[fPhone+".verified"] == "1",
		CommuneCode: f.Answers[fCommune], BusinessRegNo: f.Answers[fRegNo],
	}
	for _, ch := range strings.Split(f.Answers[fChannels], ",") {
		if ch != "" {
			s.SalesChannels = append(s.SalesChannels, domain.SalesChannel(ch))
		}
	}
	s.Kind = s.Kind.Registered(s.BusinessRegNo) // a household that gave its number
	if !s.Kind.Valid() || s.Name == "" || s.Phone == "" || s.CommuneCode == "" {
		return domain.Invalid("register.save", "register.incomplete")
	}
	if f.Answers["behalf"] == "1" && !c.User.Sees(s.CommuneCode) {
		// An officer registers producers of their own communes only.
		return domain.Invalid("register.save", "trust.commune_not_yours")
	}
	msg := "register.done"
	switch {
	case f.RecordID != 0:
		s.ID = f.RecordID
		if err := a.Subjects.Update(ctx, &s); err != nil {
			return domain.Op("register.update", err)
		}
		msg = "register.updated"
	case s.PhoneVerified:
		old, err := a.Subjects.FindByPhone(ctx, s.Phone)
		var holders []domain.User
		if err == nil {
			if holders, err = a.Users.ListBySubject(ctx, old.ID); err != nil {
				return domain.Op("register.find", err)
			}
		}
		switch {
		case err == nil && len(holders) > 0:
			// Another account holds the subject with this number (typed,
			// or shared by someone else): never taken over. The owner of
			// the number gets a subject of their own, and the officers of
			// the commune are asked to sort it out (issue 13: squatting).
			if err := a.Subjects.Create(ctx, &s); err != nil {
				return domain.Op("register.create", err)
			}
			if err := a.notifyOfficers(ctx, old.CommuneCode, a.noticeKey("phone-conflict", s.ID), bot.Notice{Msg: "notice.officer_phone_conflict",
				Data: map[string]string{"New": strconv.FormatInt(s.ID, 10), "Old": strconv.FormatInt(old.ID, 10), "Name": s.Name, "OldName": old.Name}}); err != nil {
				return err
			}
			msg = "register.phone_conflict"
		case err == nil:
			// Officers imported the subject (or registered it for someone
			// without a smartphone): nobody holds it, the number's owner
			// takes it.
			s.ID = old.ID
			if err := a.Subjects.Update(ctx, &s); err != nil {
				return domain.Op("register.link", err)
			}
			msg = "register.linked"
		case errors.Is(err, domain.ErrNotFound):
			if err := a.Subjects.Create(ctx, &s); err != nil {
				return domain.Op("register.create", err)
			}
		default:
			return domain.Op("register.find", err)
		}
	default:
		if err := a.Subjects.Create(ctx, &s); err != nil {
			return domain.Op("register.create", err)
		}
	}
	c.Saved(strconv.FormatInt(s.ID, 10))
	if f.Answers["behalf"] == "1" {
		// An officer registered a producer who has no smartphone: the
		// officer is not linked, but goes on acting for the new subject.
		c.Session.Put(keyBehalf, strconv.FormatInt(s.ID, 10))
		return c.Say(ctx, "behalf.registered", map[string]any{"Profile": bot.HTML(a.profile(ctx, c, s)), "Code": strconv.FormatInt(s.ID, 10)})
	}
	if c.User.SubjectID != s.ID {
		if err := a.Users.LinkSubject(ctx, c.User.ID, s.ID); err != nil {
			return domain.Op("register.link_user", err)
		}
		c.User.SubjectID = s.ID
	}
	data := map[string]any{"Profile": bot.HTML(a.profile(ctx, c, s)), "Code": strconv.FormatInt(s.ID, 10)}
	if domain.CanFile(s) != nil {
		// Everyone who makes products may start; filing waits for the
		// household business registration, and the producer hears how.
		return c.Send(ctx, bot.Reply{Text: c.T(msg, data) + "\n\n" + c.T("register.prospective_note"), Buttons: a.menu(c)})
	}
	return a.sayMenu(ctx, c, msg, data)
}

// subjectSummary renders the subject a registration saved (its id), for
// a confirmation pressed again.
func (a *app) subjectSummary(ctx context.Context, c *bot.Ctx, ref string) (string, error) {
	id, _ := strconv.ParseInt(ref, 10, 64)
	s, err := a.Subjects.Get(ctx, id)
	if err != nil {
		return "", domain.Op("register.summary", err)
	}
	return a.profile(ctx, c, s), nil
}

// profile renders a subject as "Label: value" lines.
func (a *app) profile(ctx context.Context, c *bot.Ctx, s domain.Subject) string {
	ans := subjectAnswers(s)
	f := &bot.Form{Answers: ans}
	lines := []string{
		c.T("form.field", map[string]any{"Label": c.T("register.label_kind"), "Value": c.T("subject_kind." + string(s.Kind))}),
		c.T("form.field", map[string]any{"Label": c.T("register.label_name"), "Value": s.Name}),
		c.T("form.field", map[string]any{"Label": c.T("register.label_rep"), "Value": s.Representative}),
		c.T("form.field", map[string]any{"Label": c.T("register.label_phone"), "Value": bot.HTML(showPhone(ctx, c, f, s.Phone))}),
		c.T("form.field", map[string]any{"Label": c.T("register.label_commune"), "Value": bot.HTML(a.showCommune(ctx, c, f, s.CommuneCode))}),
	}
	regno := s.BusinessRegNo
	if regno == "" {
		regno = c.T("form.empty_value")
	}
	lines = append(lines, c.T("form.field", map[string]any{"Label": c.T("register.label_regno"), "Value": regno}))
	var chans []string
	for _, ch := range s.SalesChannels {
		chans = append(chans, c.T("sales_channel."+string(ch)))
	}
	cv := strings.Join(chans, ", ")
	if cv == "" {
		cv = c.T("form.empty_value")
	}
	lines = append(lines, c.T("form.field", map[string]any{"Label": c.T("register.label_channels"), "Value": cv}))
	return strings.Join(lines, "\n")
}

// samePerson recognises a producer registered on another channel: the
// phone they just shared (their own, verified by the channel) is the
// verified phone of a subject whose registrant uses another channel. The
// two accounts become one person (the same subject, products and role),
// and the form ends with their profile.
func (a *app) samePerson(ctx context.Context, c *bot.Ctx, f *bot.Form, phone string) (bool, error) {
	if f.Answers["behalf"] == "1" {
		return false, nil
	}
	s, err := a.Subjects.FindByPhone(ctx, phone)
	if errors.Is(err, domain.ErrNotFound) || domain.ErrorKind(err) == domain.KindNotFound {
		return false, nil
	}
	if err != nil {
		return false, domain.Op("register.same_person", err)
	}
	if !s.PhoneVerified {
		return false, nil // a typed number proves nothing
	}
	users, err := a.Users.ListBySubject(ctx, s.ID)
	if err != nil {
		return false, domain.Op("register.same_person", err)
	}
	// The registrant is the subject's first user; only another channel's
	// account of theirs is this person.
	if len(users) == 0 || users[0].Channel == c.Update.Channel || users[0].ID == c.User.ID {
		return false, nil
	}
	if err := a.Users.LinkPerson(ctx, c.User.ID, users[0].ID); err != nil {
		return false, domain.Op("register.same_person", err)
	}
	c.User.SubjectID = s.ID
	return true, a.sayMenu(ctx, c, "register.same_person", map[string]any{"Profile": bot.HTML(a.profile(ctx, c, s)), "Code": strconv.FormatInt(s.ID, 10)})
}
