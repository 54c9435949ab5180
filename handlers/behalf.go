package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// keyBehalf is the session value of an officer acting for a subject.
const keyBehalf = "behalf"

// actAsSubject makes an officer acting for a subject use that subject in
// the producer's flows; what they do is recorded under their own user id.
func (a *app) actAsSubject(next bot.Handler) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, c *bot.Ctx) error {
		if v := c.Session.Get(keyBehalf); v != "" {
			id, _ := strconv.ParseInt(v, 10, 64)
			s, err := a.Subjects.Get(ctx, id)
			if c.IsOfficer() && err == nil && c.User.Sees(s.CommuneCode) {
				c.User.SubjectID = s.ID
			} else {
				c.Session.Put(keyBehalf, "")
			}
		}
		return next.Handle(ctx, c)
	})
}

// findSubject finds a subject by phone (any format), product code or id.
func (a *app) findSubject(ctx context.Context, in string) (domain.Subject, error) {
	in = strings.TrimSpace(in)
	if phone, err := domain.ParsePhone(in); err == nil {
		s, err := a.Subjects.FindByPhone(ctx, phone)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, domain.ErrNotFound) && domain.ErrorKind(err) != domain.KindNotFound {
			return domain.Subject{}, domain.Op("behalf.find", err)
		}
	}
	if isDigits(in) {
		id, _ := strconv.ParseInt(in, 10, 64)
		if s, err := a.Subjects.Get(ctx, id); err == nil {
			return s, nil
		}
	}
	return domain.Subject{}, domain.Invalid("behalf.find", "behalf.subject_unknown")
}

// findSubjectInScope is findSubject for an officer: a subject outside
// their communes answers as one that does not exist, so that a phone
// number typed cannot tell whether it is registered elsewhere.
func (a *app) findSubjectInScope(ctx context.Context, c *bot.Ctx, in string) (domain.Subject, error) {
	s, err := a.findSubject(ctx, in)
	if domain.ErrorKind(err) == domain.KindInvalid || err == nil && !c.User.Sees(s.CommuneCode) {
		return domain.Subject{}, domain.Invalid("behalf.find", "trust.not_found_here")
	}
	return s, err
}

// behalf (/thaymat <phone or subject code>, or /thaymat moi to register a
// new one) lets an officer act for a producer.
func (a *app) behalf(ctx context.Context, c *bot.Ctx) error {
	arg := strings.TrimSpace(c.Update.Args)
	switch domain.Fold(arg) {
	case "":
		return c.Say(ctx, "behalf.usage")
	case "moi", "new":
		c.Session.Put(keyBehalf, "")
		if err := c.Say(ctx, "behalf.register_new"); err != nil {
			return err
		}
		return a.e.StartFlowWith(ctx, c, flowRegister, func(f *bot.Form) error {
			f.Answers["behalf"] = "1"
			return nil
		})
	}
	s, err := a.findSubjectInScope(ctx, c, arg)
	if err != nil {
		return sayError(ctx, c, err)
	}
	c.Session.Put(keyBehalf, strconv.FormatInt(s.ID, 10))
	return c.Say(ctx, "behalf.started", map[string]any{"Name": s.Name, "Code": strconv.FormatInt(s.ID, 10)})
}

// sayError answers an invalid-input error with its message; others go up.
func sayError(ctx context.Context, c *bot.Ctx, err error) error {
	if id := domain.ErrorMsgID(err); id != "" && domain.ErrorKind(err) == domain.KindInvalid {
		return c.Say(ctx, id)
	}
	return err
}

func (a *app) stopBehalf(ctx context.Context, c *bot.Ctx) error {
	if c.Session.Get(keyBehalf) == "" {
		return c.Say(ctx, "behalf.not_acting")
	}
	c.Session.Put(keyBehalf, "")
	return c.Say(ctx, "behalf.stopped")
}

// link (/lienket <person> <phone or subject code>) links a person the bot
// has seen to a subject of the officer's area; the person is told.
func (a *app) link(ctx context.Context, c *bot.Ctx) error {
	args := strings.Fields(c.Update.Args)
	if len(args) < 2 {
		return c.Say(ctx, "behalf.link_usage")
	}
	u, err := a.findUser(ctx, c.Update.Channel, args[0])
	if err != nil {
		return sayError(ctx, c, err)
	}
	if to := args[1]; len(args) == 2 && (strings.HasPrefix(to, "@") || strings.HasPrefix(to, "zalo:") || strings.HasPrefix(to, "telegram:")) {
		return a.linkPerson(ctx, c, u, to)
	}
	if u.ID == c.User.ID {
		// Which subject an officer produces for decides which dossiers
		// they may not review (domain.OwnDossier): not theirs to change.
		return c.Say(ctx, "behalf.link_self")
	}
	s, err := a.findSubjectInScope(ctx, c, strings.Join(args[1:], " "))
	if err != nil {
		return sayError(ctx, c, err)
	}
	// The person is moved only from no subject, or from one of the
	// officer's communes: a commune officer cannot take someone away from
	// a producer of another commune.
	var from domain.Subject
	if u.SubjectID != 0 && u.SubjectID != s.ID {
		from, err = a.Subjects.Get(ctx, u.SubjectID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) && domain.ErrorKind(err) != domain.KindNotFound {
			return domain.Op("behalf.link", err)
		}
		if err == nil && !c.User.Sees(from.CommuneCode) {
			return c.Say(ctx, "trust.person_not_yours")
		}
	}
	if err := a.Users.LinkSubject(ctx, u.ID, s.ID); err != nil {
		return domain.Op("behalf.link", err)
	}
	n := bot.Notice{Msg: "behalf.linked_you", Data: map[string]string{"Name": s.Name}}
	if from.ID != 0 {
		n = bot.Notice{Msg: "trust.moved_you", Data: map[string]string{"Name": s.Name, "From": from.Name}}
	}
	if err := a.notifyUser(ctx, u, "linked", n); err != nil {
		return err
	}
	if from.ID != 0 {
		// The officer is told too that the person left a subject, which
		// may now have nobody acting for it.
		return c.Say(ctx, "behalf.linked_moved", map[string]any{"Who": personName(u), "Name": s.Name, "From": from.Name})
	}
	return c.Say(ctx, "behalf.linked", map[string]any{"Who": personName(u), "Name": s.Name})
}

// linkPerson joins two accounts of one person on two channels
// ("/lienket zalo:123 @lan_tn"): the same subject and role on both. An
// officer may do it for people of their own communes only.
func (a *app) linkPerson(ctx context.Context, c *bot.Ctx, u domain.User, to string) error {
	other, err := a.findUser(ctx, c.Update.Channel, to)
	if err != nil {
		return sayError(ctx, c, err)
	}
	if other.ID == u.ID || other.Channel == u.Channel {
		return c.Say(ctx, "behalf.link_person_channels")
	}
	if other.Role.IsOfficer() || u.Role.IsOfficer() {
		// Roles are given by admins with /capquyen, not by a link.
		if c.User.Role != domain.RoleAdmin {
			return c.Say(ctx, "officer.admins_only")
		}
	}
	for _, x := range []domain.User{u, other} {
		if x.SubjectID == 0 {
			continue
		}
		s, err := a.Subjects.Get(ctx, x.SubjectID)
		if err != nil {
			return domain.Op("behalf.link_person", err)
		}
		if !c.User.Sees(s.CommuneCode) {
			return c.Say(ctx, "review.out_of_scope")
		}
	}
	// The account that has a subject is the one the other joins.
	from, into := u, other
	if into.SubjectID == 0 && from.SubjectID != 0 {
		from, into = into, from
	}
	if err := a.Users.LinkPerson(ctx, from.ID, into.ID); err != nil {
		return domain.Op("behalf.link_person", err)
	}
	if err := a.notifyUser(ctx, from, "linked_person", bot.Notice{Msg: "behalf.linked_person_you"}); err != nil {
		return err
	}
	return c.Say(ctx, "behalf.linked_person", map[string]any{"Who": personName(from), "Other": personName(into)})
}
