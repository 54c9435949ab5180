package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Staff is what the officer tools need of the users repository.
type Staff interface {
	Get(ctx context.Context, channel, channelID string) (domain.User, error)
	GetByID(ctx context.Context, id int64) (domain.User, error)
	FindByUsername(ctx context.Context, username string) (domain.User, error)
	Grant(ctx context.Context, actorID, targetID int64, role domain.Role, communes []string) error
	Officers(ctx context.Context) ([]domain.User, error)
	RoleChanges(ctx context.Context, limit int) ([]domain.RoleChange, error)
	OfficersOf(ctx context.Context, commune string) ([]domain.User, error)
}

const flowGrant = "grant"

// Fields of the grant form.
const (
	gWho      = "who"
	gRole     = "role"
	gCommunes = "communes"
)

// Button data of roles: "o|<action>|<user id>".
const cbOfficer = "o"

func (a *app) grantFlow() *bot.Flow {
	return &bot.Flow{
		ID: flowGrant, Title: "officer.grant_title",
		Steps: []bot.Step{
			{Key: gWho, Prompt: "officer.ask_who", Label: "officer.label_who", Parse: a.parseWho, PickUser: true, Show: a.showWho},
			{Key: gRole, Prompt: "officer.ask_role", Label: "officer.label_role", Choices: roleChoices},
			{Key: gCommunes, Prompt: "officer.ask_communes", Label: "officer.label_communes", Parse: a.parseCommunes, Show: a.showCommunes,
				When: func(f *bot.Form) bool { return f.Answers[gRole] == string(domain.RoleCommuneOfficer) }},
		},
		Begin: a.beginGrant,
		Done:  a.saveGrant,
	}
}

func roleChoices(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	return []bot.Choice{
		{Value: string(domain.RoleCommuneOfficer), Label: c.T("role.commune_officer")},
		{Value: string(domain.RoleProvinceOfficer), Label: c.T("role.province_officer")},
		{Value: string(domain.RoleAdmin), Label: c.T("role.admin")},
	}
}

// findUser finds a person the bot has seen by numeric id or @username.
func (a *app) findUser(ctx context.Context, channel, in string) (domain.User, error) {
	in = strings.TrimSpace(in)
	var (
		u   domain.User
		err error
	)
	ch, id, prefixed := strings.Cut(in, ":")
	switch {
	case strings.HasPrefix(in, "@"):
		u, err = a.Staff.FindByUsername(ctx, strings.TrimPrefix(in, "@"))
	case prefixed && isDigits(id) && (ch == "zalo" || ch == "telegram"):
		// "zalo:<id>": a person of another channel than the officer's.
		u, err = a.Staff.Get(ctx, ch, id)
	case isDigits(in):
		u, err = a.Staff.Get(ctx, channel, in)
		if errors.Is(err, domain.ErrNotFound) || domain.ErrorKind(err) == domain.KindNotFound {
			// A bare id of the other messenger (a Zalo id typed on Telegram).
			for _, other := range []string{"zalo", "telegram"} {
				if other == channel {
					continue
				}
				if v, oerr := a.Staff.Get(ctx, other, in); oerr == nil {
					u, err = v, nil
					break
				}
			}
		}
	default:
		return domain.User{}, domain.Invalid("officer.who", "officer.who_invalid")
	}
	if errors.Is(err, domain.ErrNotFound) || domain.ErrorKind(err) == domain.KindNotFound {
		return domain.User{}, domain.Invalid("officer.who", "officer.who_unknown")
	}
	if err != nil {
		return domain.User{}, domain.Op("officer.who", err)
	}
	return u, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (a *app) parseWho(ctx context.Context, c *bot.Ctx, in string) (string, error) {
	u, err := a.findUser(ctx, c.Update.Channel, in)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(u.ID, 10), nil
}

func (a *app) showWho(ctx context.Context, c *bot.Ctx, _ *bot.Form, v string) string {
	id, _ := strconv.ParseInt(v, 10, 64)
	u, err := a.Staff.GetByID(ctx, id)
	if err != nil {
		return bot.Escape(v)
	}
	return bot.Escape(personName(u))
}

// personName names a user for officers: "Lan (@lan_tn, 12345)".
func personName(u domain.User) string {
	s := u.Name
	if s == "" {
		if u.Username == "" {
			return domain.ActorName("", "", u.Channel, u.ChannelID) // "Zalo 1234567890"
		}
		s = u.ChannelID
	}
	if u.Username != "" {
		s += " (@" + u.Username + ", " + u.ChannelID + ")"
	} else if u.Name != "" {
		s += " (" + u.ChannelID + ")"
	}
	return s
}

// parseCommunes reads communes by code or name, separated by commas or
// semicolons; a name that matches several places is refused with them.
func (a *app) parseCommunes(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
	codes, bad := a.communeCodes(in)
	if bad != "" || len(codes) == 0 {
		return "", domain.Invalid("officer.communes", "officer.communes_invalid")
	}
	return strings.Join(codes, ","), nil
}

// communeCodes reads the communes of a typed list; bad is the first part
// that names no commune for sure (unknown, ambiguous or only near).
func (a *app) communeCodes(in string) (codes []string, bad string) {
	for _, part := range strings.FieldsFunc(in, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if cm, ok := a.Places.Get(part); ok {
			codes = append(codes, cm.Code)
			continue
		}
		m := a.Places.Search(part, 3)
		if len(m) == 0 || (len(m) > 1 && m[0].Score == m[1].Score) || m[0].Via == domain.ViaFuzzy || m[0].Via == domain.ViaDistrict {
			return nil, part
		}
		codes = append(codes, m[0].Commune.Code)
	}
	return dedupe(codes), ""
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := list[:0:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (a *app) showCommunes(ctx context.Context, _ *bot.Ctx, _ *bot.Form, v string) string {
	var names []string
	for _, code := range strings.Split(v, ",") {
		if cm, ok := a.Places.Get(code); ok {
			names = append(names, cm.Name)
		} else if code != "" {
			names = append(names, code)
		}
	}
	return bot.Escape(strings.Join(names, ", "))
}

// beginGrant is for admins only; "/capquyen 12345 xa 25480,25459" fills
// the form and opens its confirmation screen.
func (a *app) beginGrant(ctx context.Context, c *bot.Ctx, f *bot.Form) (bool, error) {
	if c.User.Role != domain.RoleAdmin {
		return false, c.Say(ctx, "officer.admins_only")
	}
	args := strings.Fields(c.Update.Args)
	if len(args) == 0 {
		return true, nil
	}
	who, err := a.parseWho(ctx, c, args[0])
	if err != nil {
		return false, c.Say(ctx, domain.ErrorMsgID(err))
	}
	f.Answers[gWho] = who
	f.Step = 1
	if len(args) > 1 {
		role, ok := parseRoleWord(args[1])
		if !ok {
			// Said, not dropped in silence with what followed it: the
			// form asks the role, then the communes.
			return true, c.Say(ctx, "officer.role_unknown", map[string]any{"Word": args[1]})
		}
		f.Answers[gRole] = string(role)
		f.Step = 2
		if role != domain.RoleCommuneOfficer {
			f.Confirming = true
		} else if len(args) > 2 {
			// A commune typed on the command line that names no commune is
			// refused, and the form asks for the communes.
			codes, bad := a.communeCodes(strings.Join(args[2:], " "))
			if bad != "" {
				if err := c.Say(ctx, "officer.commune_unknown", map[string]any{"Name": bad}); err != nil {
					return false, err
				}
			} else if len(codes) > 0 {
				f.Answers[gCommunes] = strings.Join(codes, ",")
				f.Confirming = true
			}
		}
	}
	return true, nil
}

// parseRoleWord reads a role typed after the person: "xa", "tinh", "admin".
func parseRoleWord(s string) (domain.Role, bool) {
	switch domain.Fold(s) {
	case "xa", "phuong", "commune", "can bo xa":
		return domain.RoleCommuneOfficer, true
	case "tinh", "province", "can bo tinh":
		return domain.RoleProvinceOfficer, true
	case "admin", "quan tri":
		return domain.RoleAdmin, true
	}
	return "", false
}

func (a *app) saveGrant(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	if c.User.Role != domain.RoleAdmin {
		return domain.Invalid("officer.grant", "officer.admins_only")
	}
	id, _ := strconv.ParseInt(f.Answers[gWho], 10, 64)
	target, err := a.Staff.GetByID(ctx, id)
	if err != nil {
		return domain.Invalid("officer.grant", "officer.who_unknown")
	}
	role := domain.Role(f.Answers[gRole])
	var communes []string
	if role == domain.RoleCommuneOfficer {
		communes = strings.Split(f.Answers[gCommunes], ",")
	}
	if target.ID == c.User.ID && role != domain.RoleAdmin {
		return domain.Invalid("officer.grant", "officer.not_yourself")
	}
	if err := a.Staff.Grant(ctx, c.User.ID, target.ID, role, communes); err != nil {
		return domain.Op("officer.grant", err)
	}
	if err := a.notifyUser(ctx, target, "grant", bot.Notice{Msg: "officer.granted_you", Data: map[string]string{"Role": c.T("role." + string(role))}}); err != nil {
		return err
	}
	c.Saved(strconv.FormatInt(target.ID, 10))
	if role == domain.RoleCommuneOfficer {
		err = c.Say(ctx, "officer.granted_communes", map[string]any{"Who": personName(target), "Role": c.T("role." + string(role)),
			"Communes": bot.HTML(a.showCommunes(ctx, c, f, f.Answers[gCommunes]))})
	} else {
		err = c.Say(ctx, "officer.granted", map[string]any{"Who": personName(target), "Role": c.T("role." + string(role))})
	}
	if err == nil {
		// The officers' menu is the messenger's, over the network: once
		// the grant is committed (the reply commits it, see bot.Flow.Done).
		a.refreshMenu(ctx, target, true)
	}
	return err
}

// refreshMenu gives an officer the officers' command menu, or takes it away.
func (a *app) refreshMenu(ctx context.Context, u domain.User, officer bool) {
	lang := u.Locale
	if lang == "" {
		lang = domain.LocaleVI
	}
	_ = a.e.SetChatMenu(ctx, u.Channel, u.ChannelID, lang, officer)
}

// notifyUser queues a notice for one person, at the channel they used last.
func (a *app) notifyUser(ctx context.Context, u domain.User, key string, n bot.Notice) error {
	if a.Enqueue == nil {
		return nil
	}
	if r, err := a.Users.Reach(ctx, u.ID); err == nil {
		u = r
	} else if !errors.Is(err, domain.ErrNotFound) {
		return domain.Op("notify.user", err)
	}
	n.Lang = u.Locale
	k := "user:" + strconv.FormatInt(u.ID, 10) + ":" + key + ":" + strconv.FormatInt(a.now().UnixNano(), 10)
	if err := a.Enqueue(ctx, k, u.Channel, u.ChannelID, n); err != nil {
		return domain.Op("notify", err)
	}
	return nil
}

// revoke (/thuquyen <user>) asks to confirm taking an officer role away.
func (a *app) revoke(ctx context.Context, c *bot.Ctx) error {
	if c.User.Role != domain.RoleAdmin {
		return c.Say(ctx, "officer.admins_only")
	}
	arg := strings.TrimSpace(c.Update.Args)
	if arg == "" {
		return c.Say(ctx, "officer.revoke_usage")
	}
	u, err := a.findUser(ctx, c.Update.Channel, arg)
	if err != nil {
		if id := domain.ErrorMsgID(err); id != "" {
			return c.Say(ctx, id)
		}
		return err
	}
	if !u.Role.IsOfficer() {
		return c.Say(ctx, "officer.not_officer", map[string]any{"Who": personName(u)})
	}
	return c.Send(ctx, bot.Reply{Text: c.T("officer.revoke_confirm", map[string]any{"Who": personName(u), "Role": c.T("role." + string(u.Role))}),
		Buttons: [][]bot.Button{{bot.Data(cbOfficer, "r", u.ID).Button(c.T("officer.revoke_yes"))}, {bot.Data(cbOfficer, "n", u.ID).Button(c.T("common.cancel"))}}})
}

func (a *app) officerButton(ctx context.Context, c *bot.Ctx) error {
	if c.User.Role != domain.RoleAdmin {
		return c.Answer(ctx, c.T("officer.admins_only"), true)
	}
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	u, err := a.Staff.GetByID(ctx, id)
	if err != nil {
		return c.Answer(ctx, c.T("common.stale_button"), true)
	}
	switch c.Pressed.Verb {
	case "n":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return c.Send(ctx, bot.Reply{Edit: c.Update.Callback.MessageID, Text: c.T("officer.revoke_cancelled")})
	case "r":
		if !u.Role.IsOfficer() {
			return c.Answer(ctx, c.T("officer.not_officer", map[string]any{"Who": personName(u)}), true)
		}
		if u.ID == c.User.ID {
			return c.Answer(ctx, c.T("officer.not_yourself"), true)
		}
		if err := a.Staff.Grant(ctx, c.User.ID, u.ID, domain.RoleProducer, nil); err != nil {
			return domain.Op("officer.revoke", err)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		a.refreshMenu(ctx, u, false)
		if err := a.notifyUser(ctx, u, "revoke", bot.Notice{Msg: "officer.revoked_you"}); err != nil {
			return err
		}
		return c.Send(ctx, bot.Reply{Edit: c.Update.Callback.MessageID, Text: c.T("officer.revoked", map[string]any{"Who": personName(u)})})
	}
	return c.Answer(ctx, c.T("common.stale_button"), true)
}

// staffList (/canbo) lists officers and, for admins, the latest role changes.
func (a *app) staffList(ctx context.Context, c *bot.Ctx) error {
	list, err := a.Staff.Officers(ctx)
	if err != nil {
		return domain.Op("officer.list", err)
	}
	var b strings.Builder
	b.WriteString(c.T("officer.list_title", map[string]any{"Count": len(list)}))
	for _, u := range list {
		b.WriteString("\n")
		b.WriteString(c.T("officer.list_line", map[string]any{"Who": personName(u), "Role": c.T("role." + string(u.Role)),
			"Communes": bot.HTML(a.showCommunes(ctx, c, nil, strings.Join(u.Communes, ",")))}))
	}
	if c.User.Role == domain.RoleAdmin {
		changes, err := a.Staff.RoleChanges(ctx, 20)
		if err != nil {
			return domain.Op("officer.audit", err)
		}
		b.WriteString("\n\n")
		b.WriteString(c.T("officer.audit_title"))
		if len(changes) == 0 {
			b.WriteString("\n")
			b.WriteString(c.T("officer.audit_empty"))
		}
		for _, ch := range changes {
			actor, _ := a.Staff.GetByID(ctx, ch.ActorID)
			target, _ := a.Staff.GetByID(ctx, ch.TargetID)
			b.WriteString("\n")
			b.WriteString(c.T("officer.audit_line", map[string]any{
				"At": ch.At.In(a.loc()).Format("02/01/2006 15:04"), "Actor": personName(actor), "Target": personName(target),
				"Old": c.T("role." + string(ch.OldRole)), "New": c.T("role." + string(ch.NewRole)),
			}))
		}
	}
	return c.Send(ctx, bot.Reply{Text: b.String()})
}
