package handlers

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// status shows the profile and, for each product, its stage in plain
// words, stars, score, certificate, the next deadline and what to do next.
func (a *app) status(ctx context.Context, c *bot.Ctx) error {
	if c.User.SubjectID == 0 && c.IsOfficer() {
		return a.sayMenu(ctx, c, "fallback.officer_not_producer")
	}
	if c.User.SubjectID == 0 {
		return c.Send(ctx, bot.Reply{Text: c.T("status.not_registered"), Buttons: registerButton(c)})
	}
	s, err := a.Subjects.Get(ctx, c.User.SubjectID)
	if errors.Is(err, domain.ErrNotFound) {
		return c.Say(ctx, "status.not_registered")
	}
	if err != nil {
		return domain.Op("status", err)
	}
	list, err := a.Products.ListBySubject(ctx, s.ID)
	if err != nil {
		return domain.Op("status.products", err)
	}
	var b strings.Builder
	b.WriteString(c.T("status.profile", map[string]any{"Profile": bot.HTML(a.profile(ctx, c, s))}))
	if len(list) == 0 {
		b.WriteString("\n\n")
		b.WriteString(c.T("status.no_products"))
		return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: [][]bot.Button{{bot.Data(cbProduct, "n").Button(c.T("product.add"))}}})
	}
	var rows [][]bot.Button
	for _, p := range list {
		b.WriteString("\n\n")
		b.WriteString(a.productStatus(ctx, c, p))
		for _, btn := range a.afterCertButtons(c, p) {
			rows = append(rows, []bot.Button{btn})
		}
	}
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: append(rows, a.menu(c)...)})
}

// certificateLine says where a product's certificate stands, by the same
// rule as the figures and the public page (domain.CheckCertificate): valid
// until its last day (a re-evaluation filed in time extends it), lapsed on
// a day, or revoked with its ground and decision. since is when p entered
// its stage (stageSince): a failed re-evaluation stopped the certificate
// the day before it.
func (a *app) certificateLine(c *bot.Ctx, p domain.Product, since, now time.Time) string {
	check := domain.CheckCertificate(p, since, now, a.loc())
	switch check.Status {
	case domain.CertRevoked:
		if r := p.Revocation; r.DecisionNo != "" {
			return c.T("status.certificate_revoked", map[string]any{"No": p.CertNo}) + "\n" +
				c.T("lifecycle.line_revoked", map[string]any{"Ground": c.T("revoke_ground." + string(r.Ground)),
					"DecisionNo": r.DecisionNo, "DecisionDate": a.date(r.Date), "By": c.T("revoke_level." + string(r.Level))})
		}
		return c.T("status.certificate_revoked", map[string]any{"No": p.CertNo})
	case domain.CertExpired:
		return c.T("status.certificate_lapsed", map[string]any{"No": p.CertNo, "Until": a.date(check.Since)})
	}
	until := p.ValidUntil
	if until.IsZero() {
		until = p.CertExpires
	}
	return c.T("status.certificate", map[string]any{"No": p.CertNo, "Until": a.date(until)})
}

// productStatus is the status block of one product.
func (a *app) productStatus(ctx context.Context, c *bot.Ctx, p domain.Product) string {
	lines := []string{c.T("status.product", map[string]any{"Name": p.Name, "Code": p.Code, "Stage": c.T("stage." + string(p.Stage))})}
	if p.Stars > 0 || p.Score > 0 {
		lines = append(lines, c.T("status.stars", map[string]any{"Stars": p.Stars, "Score": formatScore(p.Score)}))
	}
	now := a.now()
	if p.CertNo != "" {
		lines = append(lines, a.certificateLine(c, p, a.stageSince(ctx, p), now))
	}
	r, _ := a.Rules.Get(p.Rulebook)
	next := c.T("next." + string(p.Stage))
	switch {
	case r == nil:
	case p.Stage == domain.StageReevaluation || p.Stage == domain.StageUpgrade:
		lines = append(lines, c.T("lifecycle.status_open", map[string]any{"Until": a.date(p.ValidUntil)}))
	case !p.Stage.Submitted():
		if dl := r.NextDeadline(a.Calendar, now); !dl.FileBy.IsZero() {
			lines = append(lines, c.T("status.file_by", map[string]any{"FileBy": a.date(dl.FileBy), "ForwardBy": a.date(dl.ForwardBy)}))
		}
	case (p.Stage == domain.StageFiled || p.Stage == domain.StageCommuneCheck) && !r.CommuneCheckBy(a.Calendar, p.SubmittedAt, a.loc()).IsZero():
		// The check is counted from the day of filing in the province,
		// whatever zone the stored time was read back in.
		lines = append(lines, c.T("status.commune_check", map[string]any{"CheckBy": a.date(r.CommuneCheckBy(a.Calendar, p.SubmittedAt, a.loc()))}))
	case p.Stage == domain.StageRecognised && !p.CertExpires.IsZero():
		phase, open, closeAt, _ := a.Rules.ReevalWindowOf(p, now.In(a.loc()), a.PinnedRules)
		lines = append(lines, c.T("status.reevaluation", map[string]any{"Open": a.date(open), "Close": a.date(closeAt)}))
		// "Mình sẽ nhắc …" only while the window is ahead.
		switch phase {
		case domain.ReevalOpen:
			next = c.T("next.reeval_open")
		case domain.ReevalClosed:
			next = c.T("next.reeval_closed")
		}
	}
	lines = append(lines, c.T("status.next", map[string]any{"Next": next}))
	return strings.Join(lines, "\n")
}

// formatScore writes a score the Vietnamese way: 72,5.
func formatScore(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	return strings.Replace(s, ".", ",", 1)
}

// help lists what the bot can do.
// Every command of the menu is listed with what it does (from the same
// descriptions as the channel's command menu), then examples of questions.
func (a *app) help(ctx context.Context, c *bot.Ctx) error {
	lines := func(cmds []bot.MenuCommand, skip map[string]bool) string {
		var b strings.Builder
		for _, m := range cmds {
			if !skip[m.Name] {
				b.WriteString("\n")
				b.WriteString(c.T("help.line", map[string]any{"Command": m.Name, "Description": m.Description}))
			}
		}
		return b.String()
	}
	producer := a.e.Menu(c.Locale, false)
	text := c.T("help.text") + lines(producer, nil) + "\n\n" + c.T("help.examples")
	if c.IsOfficer() {
		seen := map[string]bool{}
		for _, m := range producer {
			seen[m.Name] = true
		}
		text += "\n\n" + c.T("help.officer") + lines(a.e.Menu(c.Locale, true), seen) + "\n" + c.T("help.officer_examples")
	}
	return c.Send(ctx, bot.Reply{Text: text, Buttons: a.menu(c)})
}

// cancel ends the form in progress.
func (a *app) cancel(ctx context.Context, c *bot.Ctx) error {
	had, err := a.e.AskCancel(ctx, c)
	if err != nil || had {
		return err
	}
	if c.Session.Get(keyReply) != "" || c.Session.Get(keyAsking) != "" {
		c.Session.Put(keyReply, "")
		c.Session.Put(keyDraft, "")
		c.Session.Put(keyAsking, "")
		return a.sayMenu(ctx, c, "qa.dropped")
	}
	return a.sayMenu(ctx, c, "cancel.nothing")
}

// language offers Vietnamese and English.
func (a *app) language(ctx context.Context, c *bot.Ctx) error {
	return c.Send(ctx, bot.Reply{Text: c.T("language.ask"), Buttons: [][]bot.Button{
		{bot.Data(cbLanguage, domain.LocaleVI).Button(c.T("language.vi"))},
		{bot.Data(cbLanguage, domain.LocaleEN).Button(c.T("language.en"))},
	}})
}

func (a *app) languageButton(ctx context.Context, c *bot.Ctx) error {
	lang := c.Pressed.Verb
	if lang != domain.LocaleVI && lang != domain.LocaleEN {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	if err := a.Users.SetLocale(ctx, c.User.ID, lang); err != nil {
		return domain.Op("language", err)
	}
	c.User.Locale, c.Locale = lang, lang
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	return a.sayMenu(ctx, c, "language.changed")
}

// faqTopics maps folded keywords to FAQ answers, in the order tried.
var faqTopics = []struct {
	id    string
	words []string
}{
	{"faq.mau01", []string{"mau 01", "mau 1", "mau so 01", "phieu dang ky"}},
	{"faq.mau02", []string{"mau 02", "mau 2", "mau so 02", "tu danh gia", "bao cao tu danh gia"}},
	{"faq.validity", []string{"hieu luc bao lau", "thoi han bao lau", "dung duoc bao lau", "bao nhieu nam", "may nam"}},
	{"faq.stars", []string{"hang sao", "cach tinh sao", "thang diem", "bao nhieu diem", "diem bao nhieu", "may sao la", "tinh diem", "xep hang",
		"duoc 3 sao", "duoc 4 sao", "duoc 5 sao", "dat 3 sao", "dat 4 sao", "dat 5 sao"}},
	{"faq.groups", []string{"nhom san pham", "nganh hang", "6 nhom", "sau nhom", "bo san pham", "nhom nao"}},
	{"faq.where", []string{"nop o dau", "nop ho so o dau", "o dau nop", "nop giay", "ban giay", "mang den dau", "nop mau"}},
	{"faq.rounds", []string{"dot danh gia", "khi nao danh gia", "han nop", "khi nao nop", "bao gio nop", "thoi han",
		"bao gio danh gia", "bao gio duoc danh gia", "khi nao duoc danh gia", "bao gio duoc cham", "khi nao duoc cham", "bao gio cham diem"}},
	{"faq.support", []string{"ho tro", "duoc gi", "loi ich", "kinh phi"}},
	{"faq.ocop", []string{"ocop la gi", "ocop la", "chuong trinh ocop", "mot xa mot san pham", "mo xa mot san pham"}},
}

// missingWords ask what a dossier still lacks.
var missingWords = []string{"con thieu", "thieu gi", "thieu giay", "thieu nhung gi", "can giay gi", "can nhung giay", "can giay to gi"}

// editWords ask to change one's registered details.
var editWords = []string{"sua thong tin", "doi thong tin", "cap nhat thong tin", "doi so dien thoai", "sua so dien thoai", "doi sdt", "sua sdt",
	"doi ten co so", "sua ten co so", "doi dia chi", "sua dia chi"}

// statusWords are questions about one's own dossier.
var statusWords = []string{"ho so cua toi", "ho so toi", "sao roi", "toi dau roi", "den dau", "bao nhieu sao", "may sao", "het han",
	"trang thai", "status", "ket qua", "giay chung nhan"}

// fallback answers free text and anything else outside a form: questions
// about one's dossier reach the status, FAQ keywords their answer, the rest
// gets the menu and how to reach an officer.
func (a *app) fallback(ctx context.Context, c *bot.Ctx) error {
	if c.Update.Kind != bot.KindText {
		return a.sayMenu(ctx, c, "fallback.text_only")
	}
	w := domain.Fold(c.Update.Text)
	if w == "" {
		return a.sayMenu(ctx, c, "fallback.no_words")
	}
	if done, err := a.searchTyped(ctx, c); done || err != nil {
		return err
	}
	if done, err := a.ticketText(ctx, c); done || err != nil {
		return err
	}
	if done, err := a.typedRSVP(ctx, c); done || err != nil {
		return err
	}
	if !hasLetter(c.Update.Text) {
		// A number that is none of the last message's choices (a "99"
		// at the menu), an emoji, punctuation: not a question to keep.
		// At most three digits: a list's number, not a phone typed alone.
		if n := strings.Trim(c.Update.Text, " .,)"); n != "" && len(n) <= 3 && strings.Trim(n, "0123456789") == "" {
			return a.sayMenu(ctx, c, "fallback.no_such_choice", map[string]any{"N": n})
		}
		return a.sayMenu(ctx, c, "fallback.no_words")
	}
	if containsAny(w, missingWords...) {
		// "hồ sơ (mật ong) của tôi còn thiếu gì": the checklist says it,
		// of the product named when one is.
		return a.dossierNamed(ctx, c)
	}
	if containsAny(w, statusWords...) {
		return a.status(ctx, c)
	}
	for _, t := range faqTopics {
		if containsAny(w, t.words...) {
			return a.sayMenu(ctx, c, t.id)
		}
	}
	if id, ok := smallTalk(c.Update.Text); ok && id == "qa.smalltalk_cost" {
		// "làm OCOP có tốn tiền không": the cost, not what OCOP is, with
		// the «Hỏi cán bộ» it points to.
		return a.offerAsk(ctx, c, c.T(id))
	}
	if done, err := a.productTyped(ctx, c); done || err != nil {
		return err
	}
	if paper := a.paperInfo(c); paper != "" {
		// "dang ky nhan hieu o dau" names a paper before it says "đăng
		// ký": what the paper is, with «Hỏi cán bộ».
		return a.notUnderstood(ctx, c, paper)
	}
	switch {
	case containsAny(w, "ho so", "giay to"):
		return a.dossierNamed(ctx, c)
	case containsAny(w, "hoi cho", "tap huan", "trien lam", "su kien", "hoi thao"):
		return a.events(ctx, c)
	case bot.MeansBack(c.Update.Text) || containsAny(w, "ve menu", "menu chinh"):
		// Going back outside a form, with no button to go back: the menu
		// is where the person is.
		return a.sayMenu(ctx, c, "fallback.at_menu")
	case c.User.SubjectID != 0 && containsAny(w, editWords...):
		return a.e.StartFlow(ctx, c, flowRegister) // the details, to change

	case len(strings.Fields(w)) <= 5 && containsAny(w, "them san pham", "them sp", "san pham moi", "dang ky san pham", "dang ki san pham", "tao san pham"):
		// What the menu's "Thêm sản phẩm" says, typed: the form itself,
		// not the list that offers it. Only a short message: a question
		// that mentions new products is not a request to add one.
		return a.e.StartFlow(ctx, c, flowProduct)
	case containsAny(w, "san pham"):
		return a.products(ctx, c)
	case containsAny(w, "dang ky", "dang ki", "register"):
		return a.e.StartFlow(ctx, c, flowRegister)
	case containsAny(w, "giup", "huong dan", "help", "hoi dap", "faq"):
		return a.help(ctx, c)
	case containsAny(w, "ocop"):
		return a.sayMenu(ctx, c, "faq.ocop")
	case containsAny(w, "chao", "xin chao", "hello", "hi", "alo", "menu"):
		return a.sayMenu(ctx, c, "fallback.hello")
	}
	if id, ok := smallTalk(c.Update.Text); ok {
		return a.sayMenu(ctx, c, id)
	}
	if done, err := a.productWord(ctx, c); done || err != nil {
		return err
	}
	return a.notUnderstood(ctx, c, "") // no paper named: looked for above
}

// productWord answers one word that is a whole word of the names of the
// producer's own products ("xoai" for "Xoài cát Bình Minh"): too little
// to be sure (see productTyped), so it asks «Có phải …?» with that
// product's buttons, or shows the product list when several have it.
func (a *app) productWord(ctx context.Context, c *bot.Ctx) (bool, error) {
	w := strings.Fields(domain.Fold(c.Update.Text))
	if c.User.SubjectID == 0 || len(w) != 1 {
		return false, nil
	}
	list, err := a.Products.ListBySubject(ctx, c.User.SubjectID)
	if err != nil {
		return false, domain.Op("fallback.products", err)
	}
	var named []domain.Product
	for _, p := range list {
		if slices.Contains(strings.Fields(domain.Fold(p.Name)), w[0]) {
			named = append(named, p)
		}
	}
	switch len(named) {
	case 0:
		return false, nil
	case 1:
	default:
		return true, a.products(ctx, c)
	}
	p := named[0]
	// A "có" typed presses «Có, xem sản phẩm» (its label's meaning).
	return true, c.Send(ctx, bot.Reply{Text: c.T("fallback.product_guess", map[string]any{"Name": p.Name}), Buttons: [][]bot.Button{
		{bot.Data(cbProduct, "v", p.ID).Button(c.T("fallback.product_guess_yes"))},
		{bot.Data(cbDossier, "c", p.ID).Button(c.T("product.button.dossier"))},
	}})
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if s == w || hasWord(s, w) {
			return true
		}
	}
	return false
}

// hasWord reports whether w occurs in s at word boundaries.
func hasWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] != w {
			continue
		}
		if (i == 0 || s[i-1] == ' ') && (i+len(w) == len(s) || s[i+len(w)] == ' ') {
			return true
		}
	}
	return false
}

// productTyped answers the name of one of the producer's own products typed
// at the menu ("xoai cat binh minh"), as people ask after a thing by its
// name: that product's status, with its dossier. It reports whether the
// text named one: at least two words, each the start of a word of the name
// (domain.ScoreNameWords), or the whole name. When several products match
// as well as each other, the list of products is shown.
func (a *app) productTyped(ctx context.Context, c *bot.Ctx) (bool, error) {
	if c.User.SubjectID == 0 {
		return false, nil
	}
	q := domain.NewNameQuery(c.Update.Text)
	if q.Empty() {
		return false, nil
	}
	list, err := a.Products.ListBySubject(ctx, c.User.SubjectID)
	if err != nil {
		return false, domain.Op("fallback.products", err)
	}
	words := len(strings.Fields(domain.Fold(c.Update.Text)))
	var best []domain.Product
	top := 0
	for _, p := range list {
		s := q.Score(p.Name)
		if s < domain.ScoreNameWords || (words < 2 && s < domain.ScoreName) {
			continue
		}
		switch {
		case s > top:
			top, best = s, []domain.Product{p}
		case s == top:
			best = append(best, p)
		}
	}
	switch len(best) {
	case 0:
		return false, nil
	case 1:
	default:
		return true, a.products(ctx, c)
	}
	p := best[0]
	return true, c.Send(ctx, bot.Reply{Text: a.productStatus(ctx, c, p), Buttons: a.namedProductButtons(c, p)})
}

// namedProductButtons are the buttons under a product named at the menu:
// its dossier, what its certificate allows, the product itself.
func (a *app) namedProductButtons(c *bot.Ctx, p domain.Product) [][]bot.Button {
	rows := [][]bot.Button{{bot.Data(cbDossier, "c", p.ID).Button(c.T("product.button.dossier"))}}
	for _, btn := range a.afterCertButtons(c, p) {
		rows = append(rows, []bot.Button{btn})
	}
	return append(rows, []bot.Button{bot.Data(cbProduct, "v", p.ID).Button(c.T("product.button.view"))})
}

// dossierNamed opens the dossier checklist of the product the text names
// (its name's first two words, or the whole of a shorter name, one after
// the other: "ho so mat ong con thieu gi"), or asks which one as /hoso does.
func (a *app) dossierNamed(ctx context.Context, c *bot.Ctx) error {
	if c.User.SubjectID == 0 {
		return a.dossier(ctx, c)
	}
	list, err := a.Products.ListBySubject(ctx, c.User.SubjectID)
	if err != nil {
		return domain.Op("dossier.list", err)
	}
	text := " " + domain.Fold(c.Update.Text) + " "
	var named []domain.Product
	for _, p := range list {
		words := strings.Fields(domain.Fold(p.Name))
		if len(words) == 0 {
			continue
		}
		if strings.Contains(text, " "+strings.Join(words[:min(len(words), 2)], " ")+" ") {
			named = append(named, p)
		}
	}
	if len(named) == 1 && len(list) > 1 {
		return a.checklist(ctx, c, named[0], "")
	}
	return a.dossier(ctx, c)
}
