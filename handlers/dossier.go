package handlers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Button data of the dossier: "d|<action>|<product id>[|<file id>][|<item id>]".
const cbDossier = "d"

// keyUpload is the session value naming the item the next file is for:
// "<product id>|<item id>".
const keyUpload = "upload"

// MaxFileSize is the largest file a bot may download from Telegram.
const MaxFileSize = 20 << 20

// dossier shows the checklist (/hoso): directly for one product, else asks
// which.
func (a *app) dossier(ctx context.Context, c *bot.Ctx) error {
	if c.User.SubjectID == 0 && c.IsOfficer() {
		return a.sayMenu(ctx, c, "fallback.officer_not_producer")
	}
	if c.User.SubjectID == 0 {
		// Asked before registering: what to prepare, then where to start.
		return c.Send(ctx, bot.Reply{Text: c.T("product.register_first") + a.commonPapers(c), Buttons: registerButton(c)})
	}
	list, err := a.Products.ListBySubject(ctx, c.User.SubjectID)
	if err != nil {
		return domain.Op("dossier.list", err)
	}
	switch len(list) {
	case 0:
		// What to prepare already: the papers every dossier needs.
		return c.Send(ctx, bot.Reply{Text: c.T("dossier.no_products") + a.commonPapers(c), Buttons: [][]bot.Button{{bot.Data(cbProduct, "n").Button(c.T("product.add"))}}})
	case 1:
		return a.checklist(ctx, c, list[0], "")
	}
	var rows [][]bot.Button
	for _, p := range list {
		rows = append(rows, []bot.Button{bot.Data(cbDossier, "c", p.ID).Button(p.Name)})
	}
	return c.Send(ctx, bot.Reply{Text: c.T("dossier.pick_product"), Buttons: rows})
}

// commonPapers is a paragraph on the papers every dossier needs under the
// rulebook in force (domain.Rulebook.Common), "" when there is none.
func (a *app) commonPapers(c *bot.Ctx) string {
	r, err := a.rulesNow()
	if err != nil {
		return ""
	}
	var lines []string
	for _, it := range r.Common() {
		lines = append(lines, c.T("dossier.common_line", map[string]any{"Short": it.Short, "Name": it.Name}))
	}
	if len(lines) == 0 {
		return ""
	}
	return "\n\n" + c.T("dossier.common_papers", map[string]any{"Items": bot.HTML(strings.Join(lines, "\n"))})
}

// progress counts the mandatory and knock-out items that are sent, on
// paper or accepted, over all of them.
func progress(items []domain.Item, states map[string]domain.DossierItem) (done, total int) {
	for _, it := range items {
		if it.Kind == domain.ItemEvidence {
			continue
		}
		total++
		if states[it.ID].State.Counts() {
			done++
		}
	}
	return done, total
}

func stateOf(states map[string]domain.DossierItem, id string) domain.ItemState {
	if s := states[id].State; s != "" {
		return s
	}
	return domain.ItemMissing
}

var stateIcons = map[domain.ItemState]string{
	domain.ItemMissing: "⏳", domain.ItemSent: "📎", domain.ItemPaper: "📄", domain.ItemAccepted: "✅", domain.ItemReturned: "❌",
}

// checklist shows a product's dossier: each item with its state, the
// progress, and what can be done.
func (a *app) checklist(ctx context.Context, c *bot.Ctx, p domain.Product, notice string) error {
	r, ok := a.Rules.Get(p.Rulebook)
	if !ok {
		return domain.Errorf("dossier.rules", "unknown rulebook %q", p.Rulebook)
	}
	items := r.Checklist(p.Set)
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return domain.Op("dossier.items", err)
	}
	counts, err := a.Dossiers.FileCounts(ctx, p.ID)
	if err != nil {
		return domain.Op("dossier.files", err)
	}
	done, total := progress(items, states)
	var head, list, tail strings.Builder
	b := &head
	if notice != "" {
		b.WriteString(notice)
		b.WriteString("\n\n")
	}
	if domain.Imported(p) {
		// Recognised before the bot: its dossier is on paper at the
		// province, not a list of missing items here.
		b.WriteString(c.T("dossier.header", map[string]any{"Name": p.Name, "Code": p.Code, "Rules": r.Instrument, "Stage": c.T("stage." + string(p.Stage))}))
		b.WriteString("\n")
		b.WriteString(c.T("lifecycle.imported_dossier"))
		var rows [][]bot.Button
		if p.Stage == domain.StageExpired || p.Stage == domain.StageRevoked {
			rows = append(rows, []bot.Button{bot.Data(cbDossier, "nw", p.ID).Button(c.T("lifecycle.button.new_dossier"))})
		}
		for _, btn := range a.afterCertButtons(c, p) {
			rows = append(rows, []bot.Button{btn})
		}
		rows = append(rows, []bot.Button{bot.Data(cbProduct, "l").Button(c.T("product.button.list"))})
		return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: rows})
	}
	b.WriteString(c.T("dossier.header", map[string]any{"Name": p.Name, "Code": p.Code, "Rules": r.Instrument, "Stage": c.T("stage." + string(p.Stage))}))
	switch p.Purpose {
	case domain.PurposeReeval:
		// The re-evaluation's own papers, and its last day to file.
		_, closes := domain.ReevaluationWindow(p.CertExpires.In(a.loc()))
		b.WriteString("\n")
		b.WriteString(c.T("lifecycle.dossier_reevaluation", map[string]any{"Close": a.date(closes)}))
	case domain.PurposeUpgrade:
		b.WriteString("\n")
		b.WriteString(c.T("lifecycle.dossier_upgrade", map[string]any{"Stars": p.Stars}))
	}
	b.WriteString("\n")
	b.WriteString(c.T("dossier.progress", map[string]any{"Done": done, "Total": total}))
	// The items' lines are written once the buttons are known: where the
	// channel shows the buttons as a numbered list (Zalo), the lines carry
	// the numbers themselves instead of being listed twice.
	var buttons []bot.Button
	for _, it := range items {
		buttons = append(buttons, bot.Data(cbDossier, "i", p.ID).With(it.ID).Button(stateIcons[stateOf(states, it.ID)]+" "+it.Short))
	}
	rows := rows2(buttons)
	b = &tail
	pickHint := false // written once it is known whether the items are numbered
	switch {
	case p.Stage == domain.StageFiled:
		b.WriteString(c.T("dossier.filed_hint", map[string]any{"Receipt": p.ReceiptNo}))
		rows = append(rows, []bot.Button{bot.Data(cbDossier, "w", p.ID).Button(c.T("dossier.button.withdraw"))})
	case p.Stage == domain.StageFailed || p.Stage == domain.StageExpired || p.Stage == domain.StageRevoked:
		b.WriteString(c.T("lifecycle.new_dossier_hint"))
		rows = append(rows, []bot.Button{bot.Data(cbDossier, "nw", p.ID).Button(c.T("lifecycle.button.new_dossier"))})
	case p.Stage.Submitted():
		b.WriteString(c.T("dossier.with_officers"))
		for _, btn := range a.afterCertButtons(c, p) {
			rows = append(rows, []bot.Button{btn})
		}
	case done == total:
		s, err := a.Subjects.Get(ctx, p.SubjectID)
		if err != nil {
			return domain.Op("dossier.subject", err)
		}
		if domain.CanFile(s) != nil {
			// The papers are there but the household has no business
			// registration yet: no «Nộp hồ sơ» that would be refused.
			b.WriteString(c.T("dossier.ready_needs_regno"))
			break
		}
		b.WriteString(c.T("dossier.ready_hint"))
		rows = append(rows, []bot.Button{bot.Data(cbDossier, "s", p.ID).Button(c.T("dossier.button.submit"))})
	default:
		pickHint = true
	}
	if p.Stage == domain.StageReevaluation || p.Stage == domain.StageUpgrade {
		for _, btn := range a.afterCertButtons(c, p) {
			rows = append(rows, []bot.Button{btn})
		}
	}
	rows = append(rows, []bot.Button{bot.Data(cbProduct, "l").Button(c.T("product.button.list"))})
	n := 0
	for _, row := range rows {
		n += len(row)
	}
	listed := 0
	if c.NumbersButtons(n) {
		listed = len(items)
	}
	switch {
	case pickHint && listed > 0:
		tail.WriteString(c.T("dossier.pick_item_hint_numbered"))
	case pickHint:
		tail.WriteString(c.T("dossier.pick_item_hint"))
	case listed > 0:
		// Filed, with the officers, or to start again: the numbers still
		// open the items.
		tail.WriteString("\n" + c.T("dossier.view_item_hint_numbered"))
	}
	section := ""
	for i, it := range items {
		sec := "dossier.section_required"
		if it.Kind == domain.ItemEvidence {
			sec = "dossier.section_evidence"
		}
		if sec != section {
			section = sec
			list.WriteString("\n\n")
			list.WriteString(c.T(sec))
		}
		st := stateOf(states, it.ID)
		list.WriteString("\n")
		if listed > 0 {
			list.WriteString(strconv.Itoa(i+1) + ". ")
		}
		list.WriteString(stateIcons[st] + " " + c.T("dossier.item_line", map[string]any{"Short": it.Short, "Name": it.Name}))
		if n := counts[it.ID]; n > 0 {
			list.WriteString(" " + c.T("dossier.file_count", map[string]any{"Count": n}))
		}
		if st == domain.ItemReturned && states[it.ID].Reason != "" {
			list.WriteString("\n   " + c.T("dossier.returned_reason", map[string]any{"Reason": states[it.ID].Reason}))
		}
		// What an extra paper proves is said the first time, where the
		// items are buttons; after an action (a notice), and where the
		// lines are the numbered choices (Zalo: one bubble rather than
		// two), the list stays short: the item's own page says it.
		if it.Kind == domain.ItemEvidence && it.Proves != "" && notice == "" && listed == 0 {
			list.WriteString("\n   " + c.T("dossier.proves", map[string]any{"Proves": it.Proves}))
		}
	}
	text := head.String() + list.String() + "\n\n" + tail.String()
	return c.Send(ctx, bot.Reply{Text: text, Buttons: rows, Listed: listed})
}

func rows2(bs []bot.Button) [][]bot.Button {
	var out [][]bot.Button
	for i := 0; i < len(bs); i += 2 {
		end := min(i+2, len(bs))
		out = append(out, bs[i:end:end])
	}
	return out
}

// item shows one dossier item: what it is, its state, its files, and
// makes it the target of the next file the user sends.
func (a *app) item(ctx context.Context, c *bot.Ctx, p domain.Product, it domain.Item, notice string) error {
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return domain.Op("dossier.items", err)
	}
	files, err := a.Dossiers.Files(ctx, p.ID, it.ID)
	if err != nil {
		return domain.Op("dossier.files", err)
	}
	st := stateOf(states, it.ID)
	pid := strconv.FormatInt(p.ID, 10)
	var b strings.Builder
	if notice != "" {
		b.WriteString(notice)
		b.WriteString("\n\n")
	}
	b.WriteString(c.T("dossier.item_header", map[string]any{"Short": it.Short, "Name": it.Name, "Product": p.Name}))
	b.WriteString("\n")
	b.WriteString(bot.Escape(it.Help))
	if it.Proves != "" {
		b.WriteString("\n")
		b.WriteString(c.T("dossier.proves", map[string]any{"Proves": it.Proves}))
	}
	b.WriteString("\n\n")
	b.WriteString(c.T("dossier.item_state", map[string]any{"Icon": stateIcons[st], "State": c.T("item_state." + string(st))}))
	if st == domain.ItemReturned && states[it.ID].Reason != "" {
		b.WriteString("\n")
		b.WriteString(c.T("dossier.returned_reason", map[string]any{"Reason": states[it.ID].Reason}))
	}
	var rows [][]bot.Button
	for i, f := range files {
		name := f.Name
		if name == "" {
			name = c.T("dossier.photo")
		}
		b.WriteString("\n")
		b.WriteString(c.T("dossier.file_line", map[string]any{"N": i + 1, "Name": name, "KB": (f.Size + 1023) / 1024}))
		if !p.Stage.Submitted() {
			rows = append(rows, []bot.Button{bot.Data(cbDossier, "f", p.ID, f.ID).Button(c.T("dossier.button.delete_file", map[string]any{"N": i + 1}))})
		}
	}
	b.WriteString("\n\n")
	switch {
	case p.Stage.Submitted():
		c.Session.Put(keyUpload, "")
		b.WriteString(c.T("dossier.with_officers"))
	case it.InPerson:
		c.Session.Put(keyUpload, "")
		b.WriteString(c.T("dossier.in_person_hint"))
	default:
		c.Session.Put(keyUpload, pid+"|"+it.ID)
		b.WriteString(c.T("dossier.send_file_hint"))
	}
	if !p.Stage.Submitted() {
		label := "dossier.button.paper"
		if it.InPerson {
			label = "dossier.button.in_person"
		}
		if st == domain.ItemPaper {
			label = "dossier.button.not_paper"
		}
		rows = append([][]bot.Button{{bot.Data(cbDossier, "g", p.ID).With(it.ID).Button(c.T(label))}}, rows...)
	}
	rows = append(rows, []bot.Button{bot.Data(cbDossier, "c", p.ID).Button(c.T("dossier.button.back"))})
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: rows})
}

// dossierButton handles "d|<action>|<product>[|<file>][|<item>]".
func (a *app) dossierButton(ctx context.Context, c *bot.Ctx) error {
	act, arg := c.Pressed.Verb, c.Pressed.Arg
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	p, err := a.ownProduct(ctx, c, id)
	if err != nil {
		// A deleted product, or another producer's id in forged data.
		return c.Answer(ctx, c.T("product.not_found"), true)
	}
	r, ok := a.Rules.Get(p.Rulebook)
	if !ok {
		return domain.Errorf("dossier.rules", "unknown rulebook %q", p.Rulebook)
	}
	findItem := func() (domain.Item, bool) {
		for _, it := range r.Checklist(p.Set) {
			if it.ID == arg {
				return it, true
			}
		}
		return domain.Item{}, false
	}
	switch act {
	case "c":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		c.Session.Put(keyUpload, "")
		return a.checklist(ctx, c, p, "")
	case "i":
		it, ok := findItem()
		if !ok {
			return c.Answer(ctx, c.T("common.stale_button"), true)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.item(ctx, c, p, it, "")
	case "g":
		it, ok := findItem()
		if !ok {
			return c.Answer(ctx, c.T("common.stale_button"), true)
		}
		if p.Stage.Submitted() {
			return c.Answer(ctx, c.T("dossier.locked"), true)
		}
		states, err := a.Dossiers.Items(ctx, p.ID)
		if err != nil {
			return domain.Op("dossier.items", err)
		}
		next, notice := domain.ItemPaper, "dossier.marked_paper"
		if stateOf(states, it.ID) == domain.ItemPaper {
			next, notice = domain.ItemMissing, "dossier.unmarked_paper"
			if n, _ := a.Dossiers.FileCounts(ctx, p.ID); n[it.ID] > 0 {
				next = domain.ItemSent
			}
		}
		if err := a.Dossiers.SetState(ctx, p.ID, it.ID, next, ""); err != nil {
			return domain.Op("dossier.paper", err)
		}
		if err := c.Answer(ctx, c.T(notice), false); err != nil {
			return err
		}
		return a.checklist(ctx, c, p, c.T(notice))
	case "f":
		if p.Stage.Submitted() {
			return c.Answer(ctx, c.T("dossier.locked"), true)
		}
		fid, err := c.Pressed.ID(1)
		if err != nil {
			return err
		}
		if _, err := a.Dossiers.DeleteFile(ctx, p.ID, fid); err != nil {
			if errors.Is(err, domain.ErrNotFound) || domain.ErrorKind(err) == domain.KindNotFound {
				return c.Answer(ctx, c.T("dossier.file_gone"), true)
			}
			return domain.Op("dossier.delete_file", err)
		}
		if err := c.Answer(ctx, c.T("dossier.file_deleted"), false); err != nil {
			return err
		}
		return a.checklist(ctx, c, p, c.T("dossier.file_deleted"))
	case "s", "S": // "S": the submission confirmed
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.submit(ctx, c, p, r, act == "S")
	case "w", "W": // "W": the withdrawal confirmed
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		if act == "w" {
			// Refused by the rules (a re-evaluation past its window)
			// before the question, not after the yes.
			if _, _, err := a.Rules.Apply(p, domain.Action{Kind: domain.ActWithdraw}, domain.ActorProducer, a.now(), a.PinnedRules); domain.ErrorMsgID(err) == domain.MsgWithdrawTooLate {
				return a.checklist(ctx, c, p, c.T(domain.MsgWithdrawTooLate, domain.ErrorData(err)))
			}
			// As the submission asks first: the receipt is given up.
			return c.Send(ctx, bot.Reply{Text: c.T("dossier.withdraw_confirm", map[string]any{"Name": p.Name, "Receipt": p.ReceiptNo}),
				Buttons: [][]bot.Button{{bot.Data(cbDossier, "W", p.ID).Button(c.T("dossier.withdraw_yes")),
					bot.Data(cbDossier, "c", p.ID).Button(c.T("dossier.withdraw_no"))}}})
		}
		return a.withdraw(ctx, c, p)
	case "re", "up", "cx", "nw":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		kind := map[string]domain.ActionKind{"re": domain.ActReevaluate, "up": domain.ActUpgrade, "cx": domain.ActCancel, "nw": domain.ActPrepare}[act]
		if kind == domain.ActPrepare {
			return a.newDossier(ctx, c, p)
		}
		return a.openAfterCert(ctx, c, p, kind)
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

// submit files the dossier at the commune when every mandatory and
// knock-out item is sent, on paper or accepted, once the producer has
// confirmed; the rulebook decides whether it may be filed now (a
// re-evaluation only inside its window).
func (a *app) submit(ctx context.Context, c *bot.Ctx, p domain.Product, r *domain.Rulebook, confirmed bool) error {
	if p.Stage.Submitted() {
		return a.checklist(ctx, c, p, c.T("dossier.already_submitted"))
	}
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return domain.Op("dossier.items", err)
	}
	if done, total := progress(r.Checklist(p.Set), states); done < total {
		return a.checklist(ctx, c, p, c.T("dossier.incomplete", map[string]any{"Done": done, "Total": total}))
	}
	if refused, err := a.filingRefused(ctx, c, p); refused || err != nil {
		return err
	}
	if !confirmed {
		return a.confirmSubmit(ctx, c, p)
	}
	// The moves, the receipt and the officers' notices are one save: a
	// crash in between leaves none of them (bot.Ctx.Once).
	key := ""
	if ref := updateRef(c); ref != "" {
		key = "submit:" + ref
	}
	var refused *refusal
	err = c.Once(ctx, key, func(ctx context.Context) error { return a.file(ctx, c, p, r) },
		func(ctx context.Context, _ string) error {
			if q, err := a.Products.Get(ctx, p.ID); err == nil {
				p = q
			}
			return a.checklist(ctx, c, p, c.T("dossier.already_submitted"))
		})
	if errors.As(err, &refused) {
		return a.submitRefused(ctx, c, p, refused.err)
	}
	return err
}

// refusal is a submission the rules refused, said once the save is
// dropped.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }

// file moves the product to the commune with its receipt number, queues
// the officers' notices and tells the producer.
func (a *app) file(ctx context.Context, c *bot.Ctx, p domain.Product, r *domain.Rulebook) error {
	var err error
	if p.Stage == domain.StageIdea {
		// An idea becomes a dossier in preparation before it is filed.
		if p, _, err = a.decide(ctx, c.User.ID, domain.RoleProducer, p, domain.Action{Kind: domain.ActPrepare}, nil); err != nil {
			return &refusal{err}
		}
	}
	now := a.now()
	moved, _, err := a.decide(ctx, c.User.ID, domain.RoleProducer, p, domain.Action{Kind: domain.ActSubmit}, func(q *domain.Product, m domain.Move) error {
		serial, err := m.NextReceiptSerial(now.Year())
		if err != nil {
			return err
		}
		q.ReceiptNo = fmt.Sprintf("%d/PĐK-%s-%s-%d", serial, a.ProvinceCode, m.CommuneCode(), now.Year())
		return nil
	})
	if err != nil {
		return &refusal{err}
	}
	c.Saved(strconv.FormatInt(moved.ID, 10))
	c.Session.Put(keyUpload, "")
	if err := a.notifyOfficers(ctx, moved.CommuneCode, a.noticeKey("submitted", moved.ID), bot.Notice{Msg: "notice.officer_submitted",
		Data: map[string]string{"Name": moved.Name, "Code": moved.Code, "Receipt": moved.ReceiptNo}}); err != nil {
		return err
	}
	dl := r.NextDeadline(a.Calendar, now)
	checkBy := r.CommuneCheckBy(a.Calendar, moved.SubmittedAt, a.loc())
	if checkBy.IsZero() || dl.ForwardBy.IsZero() {
		return a.sayMenu(ctx, c, "dossier.submitted_short", map[string]any{"Name": moved.Name, "Receipt": moved.ReceiptNo})
	}
	// Filed after this round's filing day, the dossier goes with the next one.
	for !dl.ForwardBy.IsZero() && checkBy.After(dl.ForwardBy) {
		dl = r.NextDeadline(a.Calendar, dl.ForwardBy.AddDate(0, 0, 2))
	}
	return a.sayMenu(ctx, c, "dossier.submitted", map[string]any{
		"Name": moved.Name, "Receipt": moved.ReceiptNo, "CheckBy": a.date(checkBy),
		"ForwardBy": a.date(dl.ForwardBy), "DecidedBy": a.date(dl.DecidedBy),
	})
}

// submitRefused tells the producer why the dossier cannot be filed now.
func (a *app) submitRefused(ctx context.Context, c *bot.Ctx, p domain.Product, err error) error {
	switch domain.ErrorMsgID(err) {
	case domain.MsgNotNow, "review.changed_meanwhile":
		return a.checklist(ctx, c, p, c.T("dossier.already_submitted"))
	case domain.MsgWindowClosed:
		var de *domain.Error
		data := map[string]any{"Name": p.Name}
		if errors.As(err, &de) {
			for k, v := range de.Data {
				data[k] = v
			}
		}
		return a.checklist(ctx, c, p, c.T(domain.MsgWindowClosed, data))
	}
	return err
}

// withdraw takes back a dossier the commune has not started checking.
func (a *app) withdraw(ctx context.Context, c *bot.Ctx, p domain.Product) error {
	moved, _, err := a.decide(ctx, c.User.ID, domain.RoleProducer, p, domain.Action{Kind: domain.ActWithdraw}, nil)
	if domain.ErrorMsgID(err) == domain.MsgWithdrawTooLate {
		return a.checklist(ctx, c, p, c.T(domain.MsgWithdrawTooLate, domain.ErrorData(err)))
	}
	if domain.ErrorKind(err) == domain.KindInvalid {
		return a.checklist(ctx, c, p, c.T("dossier.cannot_withdraw"))
	}
	if err != nil {
		return err
	}
	return a.checklist(ctx, c, moved, c.T("dossier.withdrawn"))
}

// newDossier starts a new dossier after expiry, revocation or a result
// below recognition, under the rules of today.
func (a *app) newDossier(ctx context.Context, c *bot.Ctx, p domain.Product) error {
	moved, _, err := a.decide(ctx, c.User.ID, domain.RoleProducer, p, domain.Action{Kind: domain.ActPrepare}, nil)
	if domain.ErrorKind(err) == domain.KindInvalid {
		return a.checklist(ctx, c, p, c.T("lifecycle.not_now_stage", map[string]any{"Name": p.Name, "Stage": c.T("stage." + string(p.Stage))}))
	}
	if err != nil {
		return err
	}
	return a.checklist(ctx, c, moved, c.T("lifecycle.new_dossier", map[string]any{"Name": moved.Name}))
}

// upload takes a photo or a file sent for the selected dossier item.
func (a *app) upload(ctx context.Context, c *bot.Ctx) error {
	f := c.Update.File
	target := c.Session.Get(keyUpload)
	if target == "" || f == nil {
		return a.sayMenu(ctx, c, "dossier.pick_item_first")
	}
	pidS, itemID, _ := strings.Cut(target, "|")
	pid, _ := strconv.ParseInt(pidS, 10, 64)
	p, err := a.ownProduct(ctx, c, pid)
	if err != nil {
		c.Session.Put(keyUpload, "")
		return a.sayMenu(ctx, c, "dossier.pick_item_first")
	}
	if p.Stage.Submitted() {
		return a.checklist(ctx, c, p, c.T("dossier.locked"))
	}
	r, _ := a.Rules.Get(p.Rulebook)
	var it domain.Item
	found := false
	for _, x := range r.Checklist(p.Set) {
		if x.ID == itemID {
			it, found = x, true
		}
	}
	if !found || it.InPerson {
		c.Session.Put(keyUpload, "")
		return a.sayMenu(ctx, c, "dossier.pick_item_first")
	}
	if f.Size > MaxFileSize {
		return a.item(ctx, c, p, it, c.T("dossier.file_too_large"))
	}
	rc, err := c.Download(ctx, f.ID, MaxFileSize)
	if errors.Is(err, bot.ErrTooLarge) {
		return a.item(ctx, c, p, it, c.T("dossier.file_too_large"))
	}
	if err != nil {
		if domain.ErrorKind(err) == domain.KindInvalid {
			return err
		}
		return domain.E("dossier.download", domain.KindUnavailable, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 4096)
	head, _ := br.Peek(512)
	if _, ok := a.Sniff(head, f.Name); !ok {
		return a.item(ctx, c, p, it, c.T("dossier.file_type"))
	}
	// The whole file is checked before it is kept or recorded.
	sum, size, mime, err := a.Blobs.PutChecked(br, MaxFileSize, f.Name)
	var refused *domain.Error
	switch {
	case errors.Is(err, bot.ErrTooLarge):
		return a.item(ctx, c, p, it, c.T("dossier.file_too_large"))
	case errors.As(err, &refused) && refused.Kind == domain.KindInvalid && refused.MsgID != "":
		return a.item(ctx, c, p, it, c.T(refused.MsgID))
	case domain.ErrorKind(err) == domain.KindInvalid:
		return a.item(ctx, c, p, it, c.T("dossier.file_too_large"))
	case err != nil:
		return domain.Op("dossier.store_file", err)
	}
	states, err := a.Dossiers.Items(ctx, p.ID)
	if err != nil {
		return domain.Op("dossier.items", err)
	}
	file := domain.ItemFile{ProductID: p.ID, ItemID: it.ID, FileID: f.ID, Blob: sum, Name: domain.Clean(f.Name), MIME: mime, Size: size}
	if err := a.Dossiers.AddFile(ctx, &file); err != nil {
		return domain.Op("dossier.add_file", err)
	}
	if states[it.ID].State == domain.ItemReturned {
		// A returned paper was sent again: the officers hear of it.
		if err := a.notifyOfficers(ctx, p.CommuneCode, a.noticeKey("resent", p.ID), bot.Notice{Msg: "notice.officer_resent",
			Data: map[string]string{"Name": p.Name, "Code": p.Code, "Item": it.Short}}); err != nil {
			return err
		}
	}
	return a.item(ctx, c, p, it, c.T("dossier.file_saved"))
}
