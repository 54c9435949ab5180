package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Field keys of the audience steps, shared by /taosukien and /thongbao.
const (
	audKind     = "aud"
	audCommunes = "aud_c"
	audGroups   = "aud_g"
	audStage    = "aud_s"
)

// maxAudienceCommunes bounds the communes typed for one audience.
const maxAudienceCommunes = 30

// audienceSteps asks who receives an event or announcement of topic (a
// function of the answers so far). Commune officers choose among their
// communes only; province officers may also choose everyone, product
// groups or a stage.
func (a *app) audienceSteps(topic func(f *bot.Form) domain.Topic) []bot.Step {
	return []bot.Step{
		{Key: audKind, Prompt: "aud.ask_kind", Label: "aud.label_kind", Choices: a.audienceKinds,
			Show: func(ctx context.Context, c *bot.Ctx, f *bot.Form, v string) string {
				return a.showAudience(ctx, c, f, topic(f))
			}},
		{Key: audCommunes, Prompt: "aud.ask_communes", Label: "aud.label_communes", Parse: a.parseAudienceCommunes, Show: a.showAudienceCommunes,
			When: func(f *bot.Form) bool { return f.Answers[audKind] == domain.AudienceCommunes }},
		{Key: audGroups, Prompt: "aud.ask_groups", Label: "aud.label_groups", Choices: a.audienceGroups, Multi: true,
			When: func(f *bot.Form) bool { return f.Answers[audKind] == domain.AudienceGroups }},
		{Key: audStage, Prompt: "aud.ask_stage", Label: "aud.label_stage", Choices: audienceStages,
			When: func(f *bot.Form) bool { return f.Answers[audKind] == domain.AudienceStage }},
	}
}

func (a *app) audienceKinds(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	if !c.User.Role.IsProvince() {
		return []bot.Choice{{Value: domain.AudienceCommunes, Label: c.T("aud.kind_communes")}}
	}
	return []bot.Choice{
		{Value: domain.AudienceAll, Label: c.T("aud.kind_all")},
		{Value: domain.AudienceCommunes, Label: c.T("aud.kind_communes")},
		{Value: domain.AudienceGroups, Label: c.T("aud.kind_groups")},
		{Value: domain.AudienceStage, Label: c.T("aud.kind_stage")},
	}
}

func (a *app) audienceGroups(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	r := a.rulesOf(nil)
	out := make([]bot.Choice, 0, len(r.Groups))
	for _, g := range r.Groups {
		out = append(out, bot.Choice{Value: strconv.Itoa(g.ID), Label: g.Name})
	}
	return out
}

// audienceStageList are the stages an audience may pick.
var audienceStageList = []domain.Stage{domain.StageIdea, domain.StagePreparing, domain.StageReturned, domain.StageFiled,
	domain.StageCommuneCheck, domain.StageProvince, domain.StageRecognised, domain.StageReevaluation}

func audienceStages(c *bot.Ctx, _ *bot.Form) []bot.Choice {
	out := make([]bot.Choice, 0, len(audienceStageList))
	for _, s := range audienceStageList {
		out = append(out, bot.Choice{Value: string(s), Label: c.T("stage_short." + string(s))})
	}
	return out
}

// parseAudienceCommunes reads communes typed with or without diacritics,
// separated by commas or semicolons: each must name one commune, one the
// officer may reach.
func (a *app) parseAudienceCommunes(ctx context.Context, c *bot.Ctx, in string) (string, error) {
	parts := strings.FieldsFunc(in, func(r rune) bool { return r == ',' || r == ';' || r == '\n' })
	if len(parts) == 0 {
		return "", domain.Invalid("aud.communes", "aud.communes_invalid")
	}
	if len(parts) > maxAudienceCommunes {
		return "", domain.Invalid("aud.communes", "aud.communes_too_many")
	}
	var codes []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		code, ok := a.findCommune(p)
		if !ok {
			return "", &domain.Error{Op: "aud.communes", Kind: domain.KindInvalid, MsgID: "aud.commune_unknown"}
		}
		if !c.User.Sees(code) {
			return "", domain.Invalid("aud.communes", "aud.commune_not_yours")
		}
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return "", domain.Invalid("aud.communes", "aud.communes_invalid")
	}
	return strings.Join(codes, ","), nil
}

// findCommune returns the one commune a typed name means: the best match
// when it is the only one or names the commune exactly.
func (a *app) findCommune(name string) (string, bool) {
	matches := a.Places.Search(name, 5)
	if len(matches) == 0 {
		return "", false
	}
	var exact []string
	for _, m := range matches {
		if m.Via == domain.ViaCommune && !slices.Contains(exact, m.Commune.Code) {
			exact = append(exact, m.Commune.Code)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], true
	case len(exact) > 1:
		return "", false
	case len(matches) == 1:
		return matches[0].Commune.Code, true
	}
	return "", false
}

func (a *app) showAudienceCommunes(ctx context.Context, _ *bot.Ctx, _ *bot.Form, v string) string {
	var names []string
	for _, code := range strings.Split(v, ",") {
		if cm, ok := a.Places.Get(code); ok {
			names = append(names, cm.Name)
		} else {
			names = append(names, code)
		}
	}
	return bot.Escape(strings.Join(names, ", "))
}

// audienceOf reads the audience answered in a form.
func (a *app) audienceOf(f *bot.Form) domain.Audience {
	au := domain.Audience{Kind: f.Answers[audKind]}
	switch au.Kind {
	case domain.AudienceCommunes:
		au.Communes = splitList(f.Answers[audCommunes])
	case domain.AudienceGroups:
		for _, g := range splitList(f.Answers[audGroups]) {
			n, err := strconv.Atoi(g)
			if err != nil {
				continue
			}
			au.Groups = append(au.Groups, n)
		}
		au.Sets = a.setsOfGroups(au.Groups)
	case domain.AudienceStage:
		au.Stage = domain.Stage(f.Answers[audStage])
	}
	return au
}

// checkAudience refuses an audience left incomplete (a kind changed on
// the confirmation screen without its details).
func checkAudience(au domain.Audience) error {
	switch {
	case au.Kind == domain.AudienceCommunes && len(au.Communes) == 0:
		return domain.Invalid("aud.check", "aud.communes_invalid")
	case au.Kind == domain.AudienceGroups && len(au.Sets) == 0:
		return domain.Invalid("aud.check", "form.pick_at_least_one")
	case au.Kind == domain.AudienceStage && au.Stage == "":
		return domain.Invalid("aud.check", "form.choose_listed")
	}
	return nil
}

// setsOfGroups returns the product sets of groups under every rulebook, so
// that products filed under an older rulebook are found too.
func (a *app) setsOfGroups(groups []int) []int {
	var out []int
	for _, r := range a.Rules.All() {
		for _, s := range r.Sets() {
			if slices.Contains(groups, s.Group) && !slices.Contains(out, s.ID) {
				out = append(out, s.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// showAudience names the audience on the confirmation screen with the
// number of people it reaches now: the preview's audience size, and how
// many of them are outside the reply window of their channel (Zalo), when
// some are.
func (a *app) showAudience(ctx context.Context, c *bot.Ctx, f *bot.Form, topic domain.Topic) string {
	au := a.audienceOf(f)
	var label string
	switch au.Kind {
	case domain.AudienceAll:
		label = c.T("aud.kind_all")
	case domain.AudienceCommunes:
		label = c.T("aud.kind_communes")
	case domain.AudienceGroups:
		label = c.T("aud.kind_groups")
	case domain.AudienceStage:
		label = c.T("aud.kind_stage")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := a.Jobs.CountAudience(ctx, au, topic, c.User.ID)
	if err != nil {
		return bot.Escape(label)
	}
	if waiting, err := a.Jobs.CountWaiting(ctx, au, topic, c.User.ID, a.now()); err == nil && waiting > 0 {
		return bot.Escape(label) + " " + c.T("aud.count_waiting", map[string]any{"N": n, "Waiting": waiting})
	}
	return bot.Escape(label) + " " + c.T("aud.count", map[string]any{"N": n})
}

// inScope reports whether an officer may act on an event: province
// officers on every event, commune officers on the events they made or
// whose audience lies in their communes.
func inScope(c *bot.Ctx, e domain.Event) bool {
	if c.User.Role.IsProvince() || e.CreatedBy == c.User.ID {
		return true
	}
	if e.Audience.Kind != domain.AudienceCommunes || len(e.Audience.Communes) == 0 {
		return false
	}
	for _, code := range e.Audience.Communes {
		if !c.User.Sees(code) {
			return false
		}
	}
	return true
}
