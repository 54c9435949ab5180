package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

const flowProduct = "prd"

// Field keys of the product form.
const (
	pName     = "name"
	pGroup    = "group"
	pSet      = "set"
	pExisting = "existing"
	pCraft    = "craft"
	pRaw      = "raw"
	pRawWhere = "raw_where"
	pCircular = "circular"
)

// Button data of products: "p|<action>|<product id>".
const cbProduct = "p"

const (
	maxProductName = 150
	maxShortText   = 200
)

// productFlow adds or edits a product.
func (a *app) productFlow() *bot.Flow {
	yesNo := func(c *bot.Ctx, _ *bot.Form) []bot.Choice {
		return []bot.Choice{{Value: "1", Label: c.T("common.yes")}, {Value: "0", Label: c.T("common.no")}}
	}
	return &bot.Flow{
		ID: flowProduct, Title: "product.title", EditTitle: "product.title_edit",
		Steps: []bot.Step{
			{Key: pName, Prompt: "product.ask_name", Label: "product.label_name", Parse: parseProductName},
			{Key: pGroup, Prompt: "product.ask_group", Label: "product.label_group", Choices: a.groupChoices, Search: a.searchSetsFromGroup, Show: a.showGroup,
				Offer: "product.set_offer"},
			{Key: pSet, Prompt: "product.ask_set", Label: "product.label_set", Choices: a.setChoices, Search: a.searchSets, Show: a.showSet, Offer: "product.set_offer",
				When: a.needsSet},
			{Key: pExisting, Prompt: "product.ask_existing", Label: "product.label_existing", Choices: func(c *bot.Ctx, _ *bot.Form) []bot.Choice {
				return []bot.Choice{{Value: "1", Label: c.T("product.existing_yes")}, {Value: "0", Label: c.T("product.existing_no")}}
			}},
			{Key: pCraft, Prompt: "product.ask_craft", Label: "product.label_craft", Parse: parseCraft, Optional: true},
			{Key: pRaw, Prompt: "product.ask_raw", Label: "product.label_raw", Choices: yesNo},
			{Key: pRawWhere, Prompt: "product.ask_raw_where", Label: "product.label_raw_where", Parse: parseRawWhere,
				When: func(f *bot.Form) bool { return f.Answers[pRaw] == "1" }},
			{Key: pCircular, Prompt: "product.ask_circular", Label: "product.label_circular", Choices: yesNo},
		},
		Begin:   a.beginProduct,
		Done:    a.saveProduct,
		Summary: a.productSummary,
	}
}

var (
	parseProductName = textField("product.name", 2, maxProductName, "product.name_invalid", "product.name_too_short", "product.name_too_long")
	parseShortText   = textField("product.text", 2, maxShortText, "product.text_invalid", "product.text_invalid", "product.text_too_long")
)

// parseCraft reads the traditional craft a product is tied to. The
// question is asked as "… hay làng nghề nào không?": "có" alone is asked
// which one, "không" is no craft (nothing is stored as its name).
func parseCraft(ctx context.Context, c *bot.Ctx, in string) (string, error) {
	switch domain.ParseAnswer(in) {
	case domain.AnswerYes:
		return "", domain.Invalid("product.craft", "product.craft_which")
	case domain.AnswerNo, domain.AnswerSkip:
		return "", nil
	}
	return parseShortText(ctx, c, in)
}

// parseRawWhere reads where the raw-material area is: "có" or "không" is
// not a place (a producer who meant there is none is told how to say so).
func parseRawWhere(ctx context.Context, c *bot.Ctx, in string) (string, error) {
	switch domain.ParseAnswer(in) {
	case domain.AnswerYes, domain.AnswerNo:
		return "", domain.Invalid("product.raw_where", "product.raw_where_which")
	}
	return parseShortText(ctx, c, in)
}

// rulesFor returns the rulebook a new dossier takes today.
func (a *app) rulesNow() (*domain.Rulebook, error) {
	return a.Rules.ForNewDossier(a.now(), a.PinnedRules)
}

// rulesOf returns the rulebook of a form being edited (its product's) or
// of a new dossier.
func (a *app) rulesOf(f *bot.Form) *domain.Rulebook {
	if f != nil {
		if id := f.Answers["rulebook"]; id != "" {
			if r, ok := a.Rules.Get(id); ok {
				return r
			}
		}
	}
	r, err := a.rulesNow()
	if err != nil {
		r, _ = a.Rules.Get("qd26-2026")
	}
	return r
}

func (a *app) groupChoices(c *bot.Ctx, f *bot.Form) []bot.Choice {
	r := a.rulesOf(f)
	out := make([]bot.Choice, 0, len(r.Groups))
	for _, g := range r.Groups {
		out = append(out, bot.Choice{Value: strconv.Itoa(g.ID), Label: g.Name})
	}
	return out
}

func (a *app) setChoices(c *bot.Ctx, f *bot.Form) []bot.Choice {
	var out []bot.Choice
	for _, s := range a.setsOfGroup(f, f.Answers[pGroup]) {
		out = append(out, bot.Choice{Value: strconv.Itoa(s.ID), Label: s.Name})
	}
	return out
}

// searchSets finds product sets by typed name, with or without diacritics.
func (a *app) searchSets(c *bot.Ctx, in string) ([]bot.Choice, error) {
	return a.findSets(c, in, "")
}

// searchSetsFromGroup lets the group step take a product set's name; its
// value "s<set>" skips the set step.
func (a *app) searchSetsFromGroup(c *bot.Ctx, in string) ([]bot.Choice, error) {
	return a.findSets(c, in, "s")
}

func (a *app) findSets(c *bot.Ctx, in, prefix string) ([]bot.Choice, error) {
	r := a.rulesOf(c.Session.Forms[flowProduct])
	found, sure := r.FindSets(in)
	if len(found) == 0 {
		return nil, domain.Invalid("product.set", "product.set_not_found")
	}
	if len(found) > 8 {
		found = found[:8]
	}
	out := make([]bot.Choice, 0, len(found))
	for _, s := range found {
		out = append(out, bot.Choice{Value: prefix + strconv.Itoa(s.ID), Label: s.Name, Guess: !sure})
	}
	return out, nil
}

func (a *app) showGroup(ctx context.Context, c *bot.Ctx, f *bot.Form, v string) string {
	r := a.rulesOf(f)
	gid, _ := strconv.Atoi(v)
	setName := ""
	if strings.HasPrefix(v, "s") {
		n, _ := strconv.Atoi(v[1:])
		s, _ := r.Set(n)
		gid, setName = s.Group, " › "+s.Name
	}
	for _, g := range r.Groups {
		if g.ID == gid {
			return bot.Escape(g.Name + setName)
		}
	}
	return bot.Escape(v)
}

func (a *app) showSet(ctx context.Context, c *bot.Ctx, f *bot.Form, v string) string {
	n, _ := strconv.Atoi(v)
	if s, ok := a.rulesOf(f).Set(n); ok {
		return bot.Escape(s.Name)
	}
	return bot.Escape(v)
}

// needsSet says whether the set step applies: not when a set was typed on
// the group step, nor for a group of one set (tourism).
func (a *app) needsSet(f *bot.Form) bool {
	g := f.Answers[pGroup]
	return !strings.HasPrefix(g, "s") && len(a.setsOfGroup(f, g)) != 1
}

func (a *app) setsOfGroup(f *bot.Form, group string) []domain.ProductSet {
	gid, _ := strconv.Atoi(group)
	var out []domain.ProductSet
	for _, s := range a.rulesOf(f).Sets() {
		if s.Group == gid {
			out = append(out, s)
		}
	}
	return out
}

// productSet returns the set chosen in the form, from either step.
func (a *app) productSet(f *bot.Form) int {
	g := f.Answers[pGroup]
	if strings.HasPrefix(g, "s") {
		n, _ := strconv.Atoi(g[1:])
		return n
	}
	if sets := a.setsOfGroup(f, g); len(sets) == 1 {
		return sets[0].ID
	}
	n, _ := strconv.Atoi(f.Answers[pSet])
	return n
}

func (a *app) beginProduct(ctx context.Context, c *bot.Ctx, f *bot.Form) (bool, error) {
	if c.User.SubjectID == 0 {
		return false, c.Send(ctx, bot.Reply{Text: c.T("product.register_first"), Buttons: registerButton(c)})
	}
	r, err := a.rulesNow()
	if err != nil {
		return false, domain.E("product.rules", domain.KindInternal, err)
	}
	f.Answers["rulebook"] = r.ID
	return true, nil
}

// editProduct opens the product form on the confirmation screen.
func (a *app) editProduct(ctx context.Context, c *bot.Ctx, p domain.Product) error {
	r, ok := a.Rules.Get(p.Rulebook)
	if !ok {
		return domain.Errorf("product.edit", "unknown rulebook %q", p.Rulebook)
	}
	set, _ := r.Set(p.Set)
	return a.e.StartFlowWith(ctx, c, flowProduct, func(f *bot.Form) error {
		f.RecordID = p.ID
		f.Answers = map[string]string{
			"rulebook": p.Rulebook, pName: p.Name, pGroup: strconv.Itoa(set.Group), pSet: strconv.Itoa(p.Set),
			pExisting: boolValue(p.Existing), pCraft: p.Craft, pRaw: boolValue(p.RawArea), pRawWhere: p.RawAreaWhere,
			pCircular: boolValue(p.Circular),
		}
		f.Confirming = true
		return nil
	})
}

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (a *app) saveProduct(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	if c.User.SubjectID == 0 {
		return domain.Invalid("product.save", "product.register_first")
	}
	r := a.rulesOf(f)
	set := a.productSet(f)
	ps, ok := r.Set(set)
	if !ok {
		return domain.Invalid("product.save", "product.set_not_found")
	}
	if g := f.Answers[pGroup]; !strings.HasPrefix(g, "s") && g != strconv.Itoa(ps.Group) {
		return domain.Invalid("product.save", "product.set_mismatch")
	}
	p := domain.Product{
		SubjectID: c.User.SubjectID, Name: f.Answers[pName], Set: set, Existing: f.Answers[pExisting] == "1",
		Craft: f.Answers[pCraft], RawArea: f.Answers[pRaw] == "1", RawAreaWhere: f.Answers[pRawWhere],
		Circular: f.Answers[pCircular] == "1", Rulebook: r.ID,
	}
	if f.RecordID != 0 {
		old, err := a.ownProduct(ctx, c, f.RecordID)
		if err != nil {
			return err
		}
		if old.Stage.Submitted() {
			return domain.Invalid("product.save", "product.locked")
		}
		p.ID, p.Code, p.Stage, p.Rulebook = old.ID, old.Code, old.Stage, old.Rulebook
		if err := a.Products.Update(ctx, &p); err != nil {
			return domain.Op("product.update", err)
		}
		c.Saved(strconv.FormatInt(p.ID, 10))
		return a.showProduct(ctx, c, p.ID, "product.updated")
	}
	s, err := a.Subjects.Get(ctx, c.User.SubjectID)
	if err != nil {
		return domain.Op("product.subject", err)
	}
	p.Stage = domain.StageIdea
	if p.Existing {
		p.Stage = domain.StagePreparing
	}
	p.Year = a.now().Year()
	if err := a.Products.Create(ctx, &p, s.CommuneCode, a.ProvinceCode); err != nil {
		return domain.Op("product.create", err)
	}
	c.Saved(strconv.FormatInt(p.ID, 10))
	return a.showProduct(ctx, c, p.ID, "product.created")
}

// productSummary renders the product a form saved or decided on (its id),
// for a confirmation pressed again.
func (a *app) productSummary(ctx context.Context, c *bot.Ctx, ref string) (string, error) {
	id, _ := strconv.ParseInt(ref, 10, 64)
	p, err := a.Products.Get(ctx, id)
	if err != nil {
		return "", domain.Op("product.summary", err)
	}
	return a.productCard(c, p) + a.afterCertLines(ctx, c, p), nil
}

// ownProduct loads a product of the user's subject; anything else is
// refused as if it did not exist.
func (a *app) ownProduct(ctx context.Context, c *bot.Ctx, id int64) (domain.Product, error) {
	if c.User.SubjectID == 0 || id <= 0 {
		return domain.Product{}, domain.Invalid("product.own", "product.not_found")
	}
	p, err := a.Products.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && p.SubjectID != c.User.SubjectID) {
		return domain.Product{}, domain.Invalid("product.own", "product.not_found")
	}
	if err != nil {
		return domain.Product{}, domain.Op("product.own", err)
	}
	return p, nil
}

// products lists the subject's products (/sanpham).
func (a *app) products(ctx context.Context, c *bot.Ctx) error {
	if c.User.SubjectID == 0 {
		return c.Send(ctx, bot.Reply{Text: c.T("product.register_first"), Buttons: registerButton(c)})
	}
	list, err := a.Products.ListBySubject(ctx, c.User.SubjectID)
	if err != nil {
		return domain.Op("product.list", err)
	}
	var rows [][]bot.Button
	for _, p := range list {
		rows = append(rows, []bot.Button{bot.Data(cbProduct, "v", p.ID).Button(c.Label("product.list_item", map[string]any{"Name": p.Name, "Stage": c.T("stage_short." + string(p.Stage))}))})
	}
	rows = append(rows, []bot.Button{bot.Data(cbProduct, "n").Button(c.T("product.add"))})
	id := "product.list"
	if len(list) == 0 {
		id = "product.none"
	}
	return c.Send(ctx, bot.Reply{Text: c.T(id, map[string]any{"Count": len(list)}), Buttons: rows})
}

// showProduct shows one product with its actions, after a notice.
func (a *app) showProduct(ctx context.Context, c *bot.Ctx, id int64, notice string) error {
	p, err := a.ownProduct(ctx, c, id)
	if err != nil {
		return err
	}
	var b strings.Builder
	if notice != "" {
		b.WriteString(c.T(notice))
		b.WriteString("\n\n")
	}
	b.WriteString(a.productCard(c, p))
	rows := [][]bot.Button{{bot.Data(cbDossier, "c", p.ID).Button(c.T("product.button.dossier"))}}
	if line, qr := a.publicCard(ctx, c, p.ID); qr != nil {
		b.WriteString("\n" + line)
		rows = append(rows, qr)
	}
	if !p.Stage.Submitted() {
		rows = append(rows, []bot.Button{bot.Data(cbProduct, "e", p.ID).Button(c.T("product.button.edit"))})
	}
	if domain.Deletable(p) {
		rows = append(rows, []bot.Button{bot.Data(cbProduct, "x", p.ID).Button(c.T("product.button.delete"))})
	}
	rows = append(rows, []bot.Button{bot.Data(cbProduct, "l").Button(c.T("product.button.list"))})
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: rows})
}

// productCard renders a product's facts.
func (a *app) productCard(c *bot.Ctx, p domain.Product) string {
	setName, groupName := strconv.Itoa(p.Set), ""
	if s, r, ok := a.Rules.SetOf(p, a.now()); ok {
		// Named as the figures group it (domain.Rulebooks.SetOf).
		setName = s.Name
		if g, ok := r.Group(s.Group); ok {
			groupName = g.Name
		}
	}
	yn := func(b bool) string {
		if b {
			return c.T("common.yes")
		}
		return c.T("common.no")
	}
	craft := p.Craft
	if craft == "" {
		craft = c.T("form.empty_value")
	}
	if groupName == "" {
		// A set number no rulebook lists: the number is all there is.
		groupName = c.T("form.empty_value")
	}
	raw, circular := yn(p.RawArea), yn(p.Circular)
	if p.RawArea && p.RawAreaWhere != "" {
		raw += " (" + p.RawAreaWhere + ")"
	}
	if !domain.DetailsAsked(p) {
		raw, circular = c.T("product.not_known_imported"), c.T("product.not_known_imported")
	}
	existing := c.T("product.existing_no")
	if p.Existing {
		existing = c.T("product.existing_yes")
	}
	return c.T("product.card", map[string]any{
		"Name": p.Name, "Code": p.Code, "Group": groupName, "Set": setName, "Existing": existing,
		"Craft": craft, "Raw": raw, "Circular": circular, "Stage": c.T("stage." + string(p.Stage)),
	})
}

// productButton handles "p|l", "p|n" and "p|<action>|<id>".
func (a *app) productButton(ctx context.Context, c *bot.Ctx) error {
	act := c.Pressed.Verb
	switch act {
	case "l":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.products(ctx, c)
	case "n":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.e.StartFlow(ctx, c, flowProduct)
	case "v", "e", "x", "X":
	default:
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	p, err := a.ownProduct(ctx, c, id)
	if err != nil {
		return c.Answer(ctx, c.T("product.not_found"), true)
	}
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	switch act {
	case "v":
		return a.showProduct(ctx, c, p.ID, "")
	case "e":
		if p.Stage.Submitted() {
			return a.showProduct(ctx, c, p.ID, "product.locked")
		}
		return a.editProduct(ctx, c, p)
	case "x":
		if !domain.Deletable(p) {
			return a.showProduct(ctx, c, p.ID, "product.cannot_delete")
		}
		return c.Send(ctx, bot.Reply{Text: c.T("product.confirm_delete", map[string]any{"Name": p.Name}), Buttons: [][]bot.Button{
			{bot.Data(cbProduct, "X", p.ID).Button(c.T("product.button.delete_yes"))},
			{bot.Data(cbProduct, "v", p.ID).Button(c.T("common.back"))},
		}})
	default: // "X"
		if !domain.Deletable(p) {
			return a.showProduct(ctx, c, p.ID, "product.cannot_delete")
		}
		if err := a.Products.Delete(ctx, p.ID); err != nil {
			return domain.Op("product.delete", err)
		}
		if c.Session.Get(keyUpload) != "" && strings.HasPrefix(c.Session.Get(keyUpload), strconv.FormatInt(p.ID, 10)+"|") {
			c.Session.Put(keyUpload, "")
		}
		if err := c.Say(ctx, "product.deleted", map[string]any{"Name": p.Name}); err != nil {
			return err
		}
		return a.products(ctx, c)
	}
}
