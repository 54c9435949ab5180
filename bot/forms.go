package bot

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
	"unicode"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// formPrefix starts the data of every form button (see formData).
const formPrefix = "f"

// confirmPos is the position of the confirmation screen in callback data.
const confirmPos = 99

// Form button actions.
const (
	actChoose  = "c" // arg: index into the step's choices
	actToggle  = "t" // arg: index into the step's choices (multi-choice)
	actDone    = "d" // end a multi-choice
	actOffer   = "o" // arg: index into the offers of a search step
	actSkip    = "s"
	actBack    = "b"
	actCancel  = "x"
	actConfirm = "k"
	actEdit    = "e" // arg: step index
	actDrop    = "X" // cancel, confirmed (see askCancel)
	actGoOn    = "g" // do not cancel after all
)

// Choice is an option of a choice step or a candidate of a search step.
type Choice struct {
	Value string `json:"v"`
	Label string `json:"l"`
	// Guess marks the one candidate a Search found as only a guess: it is
	// offered ("Có phải …?"), not taken.
	Guess bool `json:"-"`
}

// Step is one question of a form. Exactly one of Parse, Choices, Search or
// Gather says how an answer is read; Contact adds the share-contact button
// to Parse.
type Step struct {
	Key    string
	Prompt string // message id of the question
	Label  string // message id of the field's name on the confirmation screen
	// Parse reads a typed answer (NFC-normalised and trimmed) and returns the
	// value to keep, or a domain error whose message id says what is expected.
	Parse func(ctx context.Context, c *Ctx, in string) (string, error)
	// Choices lists the options, in order; typing the number or the name of
	// an option selects it like its button.
	Choices func(c *Ctx, f *Form) []Choice
	// Multi lets the user tick several choices and end with "Xong".
	Multi bool
	// Search finds candidates for a typed text: one is taken (unless it is
	// a Guess), several are offered as buttons, none is an error whose
	// message id re-prompts.
	Search func(c *Ctx, in string) ([]Choice, error)
	// Offer is the message id over the candidates Search offers;
	// "form.pick_offer" (places of the same name) by default.
	Offer string
	// Gather takes several messages (texts, photos, documents) until the
	// user presses or types «Xong»; see Gather.
	Gather *Gather
	// Contact offers the channel's "share my phone number" button.
	Contact bool
	// PickUser offers the channel's "choose a person" button; the picked
	// person's channel id goes through Parse.
	PickUser bool
	// Optional steps can be skipped with "Bỏ qua"; the value is then "".
	Optional bool
	// Show renders a value for the confirmation screen (HTML-escaped by the
	// caller's choice); by default the choice label or the value itself.
	Show func(ctx context.Context, c *Ctx, f *Form, value string) string
	// When, if set, says whether the step applies given earlier answers.
	When func(f *Form) bool
	// Check, if set, checks a value against earlier answers (stars against
	// a score, say); an invalid one re-asks the step with its message.
	Check func(ctx context.Context, c *Ctx, f *Form, value string) error
	// Verified, if set, runs when a Contact step's value comes verified (the
	// user's own number, shared with the channel's button or form); done
	// ends the form there (the person was recognised and answered).
	Verified func(ctx context.Context, c *Ctx, f *Form, value string) (done bool, err error)
}

// Flow is a form: a table of steps, a confirmation screen and what to do
// with the answers.
type Flow struct {
	ID      string // short: it is part of every button of the form
	Command string // the command that starts or resumes it; "" for a form started by a button
	Title   string // message id of the form's name
	// EditTitle, if set, names the form when it changes a saved record
	// (Form.RecordID): "Sửa sản phẩm", not "Thêm sản phẩm".
	EditTitle string
	Menu      string // message id of the command's description in the menu
	Access    Access // who may start it (the routes table says)
	Steps     []Step
	// Begin runs before a new form starts. It may refuse (false) after
	// answering the user itself, or prefill answers and set Confirming to
	// open on the confirmation screen (editing an existing record).
	Begin func(ctx context.Context, c *Ctx, f *Form) (bool, error)
	// Done saves the confirmed answers and says so. A KindInvalid error is
	// shown and the confirmation screen stays. With a store of saves
	// (Config.Saves) it runs at most once per form instance: what it writes
	// until it first speaks is one transaction with the record that the
	// form was saved (so it must write before it speaks, and only through
	// stores that join the transaction); it names what it saved with
	// Ctx.Saved. Confirmed again, the form says it is saved already, with
	// Summary.
	Done func(ctx context.Context, c *Ctx, f *Form) error
	// Summary, if set, renders (HTML) the record a confirmed form saved,
	// named by the ref Done gave Ctx.Saved, for a confirmation pressed
	// again; "" (or no Summary) shows the form's answers when they are
	// still there.
	Summary func(ctx context.Context, c *Ctx, ref string) (string, error)
}

// StartFlow starts the form, or resumes it where the user stopped.
func (e *Engine) StartFlow(ctx context.Context, c *Ctx, id string) error {
	flow := e.flows[id]
	if flow == nil {
		return domain.Errorf("form.start", "unknown flow %q", id)
	}
	if !flow.Access.Allows(c.User) {
		return flow.Access.refuse(ctx, c)
	}
	if f := c.Session.Forms[id]; f != nil && !(commandArgs(c, flow) && untouched(flow, f)) {
		c.Session.Active = id
		msg, data := "form.resumed", map[string]any{"Title": formTitle(c, flow, f)}
		if commandArgs(c, flow) {
			// The arguments are not used: the form under way could be
			// for someone else ("/capquyen 12345" then "/capquyen 67890"),
			// and confirming it would save the first one's.
			msg, data["Args"], data["Command"] = "form.resumed_args", strings.TrimSpace(c.Update.Args), flow.Command
		}
		if err := c.Say(ctx, msg, data); err != nil {
			return err
		}
		return e.prompt(ctx, c, flow, f, "")
	}
	return e.begin(ctx, c, flow, func(f *Form) (bool, error) {
		if flow.Begin == nil {
			return true, nil
		}
		return flow.Begin(ctx, c, f)
	})
}

// commandArgs reports whether the update is the flow's own command typed
// with arguments ("/capquyen 200 xa Trảng Bàng"): the user says what the
// form should start from.
func commandArgs(c *Ctx, flow *Flow) bool {
	u := c.Update
	return u != nil && u.Command != "" && u.Command == flow.Command && strings.TrimSpace(u.Args) != ""
}

// untouched reports whether the user has answered none of the form's steps
// (Begin's own prefilled keys aside) and has nothing under way in one: no
// messages gathered, no choices ticked or offered, not confirming or
// editing. Starting it again loses nothing.
func untouched(flow *Flow, f *Form) bool {
	if f.Confirming || f.Editing || f.Gathering != nil || len(f.Picks) > 0 || len(f.Offers) > 0 {
		return false
	}
	for _, s := range flow.Steps {
		if _, ok := f.Answers[s.Key]; ok {
			return false
		}
	}
	return true
}

// begin creates a fresh form of flow, lets init prefill (or refuse) it,
// makes it the active form and asks its first question.
func (e *Engine) begin(ctx context.Context, c *Ctx, flow *Flow, init func(f *Form) (bool, error)) error {
	f := &Form{Flow: flow.ID, Nonce: newNonce(), Answers: map[string]string{}, Started: e.cfg.Now()}
	f.Step = e.nextStep(flow, f, -1)
	if ok, err := init(f); err != nil || !ok {
		return err
	}
	if c.Session.Forms == nil {
		c.Session.Forms = map[string]*Form{}
	}
	c.Session.Forms[flow.ID] = f
	c.Session.Active = flow.ID
	return e.prompt(ctx, c, flow, f, "")
}

// StartFlowWith starts a fresh form of the flow (dropping an unfinished one)
// after init has prefilled it: an edit of an existing record opens on the
// confirmation screen when init sets Confirming.
func (e *Engine) StartFlowWith(ctx context.Context, c *Ctx, id string, init func(f *Form) error) error {
	flow := e.flows[id]
	if flow == nil {
		return domain.Errorf("form.start", "unknown flow %q", id)
	}
	if !flow.Access.Allows(c.User) {
		return flow.Access.refuse(ctx, c)
	}
	return e.begin(ctx, c, flow, func(f *Form) (bool, error) { return true, init(f) })
}

// CancelForm ends the active form without saving; it reports whether
// there was one.
func (e *Engine) CancelForm(ctx context.Context, c *Ctx) (bool, error) {
	id := c.Session.Active
	if id == "" {
		return false, nil
	}
	msg := "form.cancelled"
	f, fl := c.Session.Forms[id], e.flows[id]
	if f != nil && f.RecordID != 0 {
		msg = "form.cancelled_edit" // what was saved before stays
	}
	// The menu under it, unless a reply keyboard (a contact's button) is
	// there to be taken away: a message has one or the other.
	var menu [][]Button
	if fl != nil && f != nil && (f.Confirming || f.Step >= len(fl.Steps) || !fl.Steps[f.Step].Contact && !fl.Steps[f.Step].PickUser) {
		menu = e.menuOf(c)
	}
	delete(c.Session.Forms, id)
	c.Session.Active = ""
	title := id
	if fl != nil {
		title = formTitle(c, fl, f)
	}
	return true, c.Send(ctx, Reply{Text: c.T(msg, map[string]any{"Title": title}), RemoveKeyboard: true, Buttons: menu})
}

// menuOf returns the main menu's buttons (Table.Menu), or none.
func (e *Engine) menuOf(c *Ctx) [][]Button {
	if e.menu == nil {
		return nil
	}
	return e.menu(c)
}

// remindForm tells a user who strayed from a form how to go on with it.
func (e *Engine) remindForm(ctx context.Context, c *Ctx) error {
	id := c.Session.Active
	if id == "" {
		return nil
	}
	flow, f := e.flows[id], c.Session.Forms[id]
	if flow == nil || f == nil {
		c.Session.Active = ""
		return nil
	}
	f.Paused = true
	if f.Confirming && flow.Command != "" {
		// At its confirmation screen: nothing is asked any more, it waits
		// for «Xác nhận» (a step number would read as a form begun anew).
		return c.Say(ctx, "form.resume_hint_confirm", map[string]any{"Title": formTitle(c, flow, f), "Command": flow.Command})
	}
	n, total := e.position(flow, f)
	if flow.Command == "" {
		return c.Say(ctx, "form.resume_hint_reply", map[string]any{"Title": formTitle(c, flow, f), "N": n, "Total": total})
	}
	return c.Say(ctx, "form.resume_hint", map[string]any{"Title": formTitle(c, flow, f), "N": n, "Total": total, "Command": flow.Command})
}

// active returns the active form, repairing a session that lost it.
func (e *Engine) active(c *Ctx) (*Flow, *Form) {
	id := c.Session.Active
	flow, f := e.flows[id], c.Session.Forms[id]
	if flow == nil || f == nil || f.Step < 0 || f.Step >= len(flow.Steps) {
		c.Session.Active = ""
		if f != nil {
			delete(c.Session.Forms, id)
		}
		return nil, nil
	}
	if f.Answers == nil {
		f.Answers = map[string]string{}
	}
	return flow, f
}

// formInput handles a message typed (or sent) while a form is active.
func (e *Engine) formInput(ctx context.Context, c *Ctx) error {
	flow, f := e.active(c)
	if flow == nil {
		return e.fallbackOrNothing(ctx, c)
	}
	step := &flow.Steps[f.Step]
	c.Flow, c.Step = flow.ID, step.Key
	u := c.Update
	if u.Kind == KindContact && u.Contact != nil && step.Contact && !f.Confirming {
		return e.acceptContact(ctx, c, flow, f, step)
	}
	if u.Kind == KindUserShared && u.Shared != nil && step.PickUser && !f.Confirming {
		v, err := step.Parse(ctx, c, u.Shared.ID)
		if err != nil {
			return e.rejected(ctx, c, flow, f, err)
		}
		return e.accept(ctx, c, flow, f, v)
	}
	if (u.Kind == KindPhoto || u.Kind == KindDocument) && step.Gather != nil && !f.Confirming {
		f.CancelAsked = false
		return e.gatherFile(ctx, c, flow, f, step)
	}
	if u.Kind != KindText {
		if step.Gather != nil && step.Gather.Files > 0 && !f.Confirming {
			return e.prompt(ctx, c, flow, f, "form.gather_expected")
		}
		return e.prompt(ctx, c, flow, f, "form.text_expected")
	}
	in := domain.Clean(u.Text)
	word := domain.Fold(in)
	switch word {
	case "huy", "cancel", "thoi", "dung lai":
		return e.askCancel(ctx, c, flow, f)
	case "quay lai", "back", "tro lai":
		f.CancelAsked = false
		return e.back(ctx, c, flow, f)
	}
	f.CancelAsked = false
	if f.Paused && len(word) <= 3 && allNumbers([]string{word}) {
		// "1" typed after the user went elsewhere and was reminded of
		// the form: more likely a pick from what was shown since than an
		// answer to the form's question, which is asked again instead.
		// (A phone number typed then is no pick: it answers.)
		c.noticeData = map[string]any{"Title": formTitle(c, flow, f), "N": in}
		return e.prompt(ctx, c, flow, f, "form.paused_number")
	}
	if f.Confirming {
		return e.confirmInput(ctx, c, flow, f, in, word)
	}
	if word == "" {
		return e.prompt(ctx, c, flow, f, "form.empty")
	}
	if step.Gather != nil {
		return e.gatherText(ctx, c, flow, f, step, word)
	}
	if step.Optional && (step.Choices == nil || step.Multi && len(f.Picks) == 0) && skipMeant(in) {
		return e.accept(ctx, c, flow, f, "") // "bỏ qua", "chưa có", "không có"
	}
	if !step.Optional && domain.ParseAnswer(in) == domain.AnswerSkip && !namesChoice(c, f, step, in, word) {
		// "bỏ qua" where an answer is needed: said so, instead of "not
		// found" or "not right", which read as if a name was misspelt.
		return e.prompt(ctx, c, flow, f, "form.required")
	}
	switch {
	case step.Multi:
		return e.multiInput(ctx, c, flow, f, step, in, word)
	case step.Choices != nil && (step.Search == nil || len(f.Offers) == 0):
		choices := step.Choices(c, f)
		if i, ok := matchChoice(choices, word); ok {
			sayChosen(c, choices[i], word)
			return e.accept(ctx, c, flow, f, choices[i].Value)
		}
		if i, ok := meaningChoice(choices, in); ok { // "dạ có", "4 sao"
			return e.accept(ctx, c, flow, f, choices[i].Value)
		}
		if step.Optional && skipMeant(in) {
			return e.accept(ctx, c, flow, f, "")
		}
		if step.Search == nil || allNumbers([]string{word}) {
			return e.refuse(ctx, c, flow, f, "form.choose_listed")
		}
		fallthrough
	case step.Search != nil:
		if len(f.Offers) > 0 {
			if i, ok := matchChoice(f.Offers, word); ok {
				return e.accept(ctx, c, flow, f, f.Offers[i].Value)
			}
		}
		if len(f.Offers) > 0 {
			// A yes or no to the candidates is no name to search: yes
			// takes the one guess ("Có phải …?") or asks which of several,
			// no goes back to the question.
			switch domain.ParseAnswer(in) {
			case domain.AnswerYes:
				if len(f.Offers) == 1 {
					return e.accept(ctx, c, flow, f, f.Offers[0].Value)
				}
				return e.prompt(ctx, c, flow, f, "form.choose_listed")
			case domain.AnswerNo:
				f.Offers = nil
				return e.prompt(ctx, c, flow, f, "")
			}
		}
		found, err := step.Search(c, in)
		if err != nil {
			return e.rejected(ctx, c, flow, f, err)
		}
		switch {
		case len(found) == 0:
			return e.refuse(ctx, c, flow, f, "form.not_found")
		case len(found) == 1 && !found[0].Guess:
			return e.acceptFound(ctx, c, flow, f, found[0], in)
		}
		f.Offers = found
		return e.prompt(ctx, c, flow, f, "")
	case step.Parse != nil:
		v, err := step.Parse(ctx, c, in)
		if err != nil {
			return e.rejected(ctx, c, flow, f, err)
		}
		if step.Contact {
			delete(f.Answers, step.Key+".verified")
		}
		return e.accept(ctx, c, flow, f, v)
	}
	return domain.Errorf("form.input", "step %s of %s reads nothing", step.Key, flow.ID)
}

func (e *Engine) fallbackOrNothing(ctx context.Context, c *Ctx) error {
	if e.fallback != nil {
		return e.fallback(ctx, c)
	}
	return nil
}

// rejected re-asks the step after an invalid answer; other errors go up.
func (e *Engine) rejected(ctx context.Context, c *Ctx, flow *Flow, f *Form, err error) error {
	if domain.ErrorKind(err) != domain.KindInvalid {
		return err
	}
	id := domain.ErrorMsgID(err)
	if id == "" {
		id = "form.invalid"
	}
	c.noticeData = domain.ErrorData(err)
	return e.refuse(ctx, c, flow, f, id)
}

// refuse re-asks the step after a typed answer it cannot take, with the
// notice id; a question the FAQ answers is answered first, and the step
// asked again without the notice (see answerQuestion).
func (e *Engine) refuse(ctx context.Context, c *Ctx, flow *Flow, f *Form, notice string) error {
	if answered, err := e.answerQuestion(ctx, c); answered || err != nil {
		if err != nil {
			return err
		}
		return e.prompt(ctx, c, flow, f, "")
	}
	return e.prompt(ctx, c, flow, f, notice)
}

func (e *Engine) acceptContact(ctx context.Context, c *Ctx, flow *Flow, f *Form, step *Step) error {
	ct := c.Update.Contact
	if !ct.Own {
		return e.prompt(ctx, c, flow, f, "form.contact_not_own")
	}
	v, err := step.Parse(ctx, c, ct.Phone)
	if err != nil {
		return e.rejected(ctx, c, flow, f, err)
	}
	f.Answers[step.Key+".verified"] = "1"
	if step.Verified != nil && !f.Editing && f.RecordID == 0 {
		done, err := step.Verified(ctx, c, f, v)
		if err != nil {
			return err
		}
		if done {
			delete(c.Session.Forms, flow.ID)
			if c.Session.Active == flow.ID {
				c.Session.Active = ""
			}
			return nil
		}
	}
	return e.accept(ctx, c, flow, f, v)
}

func (e *Engine) multiInput(ctx context.Context, c *Ctx, flow *Flow, f *Form, step *Step, in, word string) error {
	choices := step.Choices(c, f)
	if word == "xong" || word == "done" || word == "ok" {
		return e.finishMulti(ctx, c, flow, f, step)
	}
	// "1 3", "1,3", "sieu thi, cho": every part must name an option.
	parts := strings.FieldsFunc(word, func(r rune) bool { return r == ',' || r == ';' || r == '+' })
	if len(parts) == 1 {
		parts = strings.Fields(word)
		if _, ok := matchChoice(choices, word); ok || !allNumbers(parts) {
			parts = []string{word}
		}
	}
	var picked []int
	for _, p := range parts {
		i, ok := matchChoice(choices, strings.TrimSpace(p))
		if !ok {
			return e.prompt(ctx, c, flow, f, "form.choose_listed")
		}
		picked = append(picked, i)
	}
	for _, i := range picked {
		f.Picks = toggle(f.Picks, choices[i].Value, true)
	}
	return e.prompt(ctx, c, flow, f, "")
}

func (e *Engine) finishMulti(ctx context.Context, c *Ctx, flow *Flow, f *Form, step *Step) error {
	if len(f.Picks) == 0 && !step.Optional {
		return e.prompt(ctx, c, flow, f, "form.pick_at_least_one")
	}
	// Keep the options' order, whatever order they were ticked in.
	var vals []string
	for _, ch := range step.Choices(c, f) {
		if contains(f.Picks, ch.Value) {
			vals = append(vals, ch.Value)
		}
	}
	return e.accept(ctx, c, flow, f, strings.Join(vals, ","))
}

// accept keeps the value of the current step and moves on.
func (e *Engine) accept(ctx context.Context, c *Ctx, flow *Flow, f *Form, value string) error {
	step := &flow.Steps[f.Step]
	if step.Check != nil {
		if err := step.Check(ctx, c, f, value); err != nil {
			f.Picks, f.Offers = nil, nil
			return e.rejected(ctx, c, flow, f, err)
		}
	}
	if old, had := f.Answers[step.Key]; f.RecordID != 0 && (!had || old != value) {
		f.Changed = true
	}
	f.Answers[step.Key] = value
	f.Picks, f.Offers, f.Gathering = nil, nil, nil
	if step.Gather != nil && step.Gather.Preview != nil && value != "" {
		g, err := ParseGathered(value)
		if err != nil {
			return err
		}
		if err := step.Gather.Preview(ctx, c, f, g); err != nil {
			return err
		}
	}
	if step.Contact || step.PickUser {
		// Take the reply keyboard away again; the note opens the next
		// question where the channel allows.
		if err := c.Send(ctx, Reply{Text: c.T("form.noted", map[string]any{"Label": c.T(step.Label), "Value": HTML(e.show(ctx, c, flow, f, step, value))}), RemoveKeyboard: true, Lead: true}); err != nil {
			return err
		}
	}
	if f.Editing {
		// An edit may make a step apply that was never answered ("Vùng
		// nguyên liệu" changed to "Có" asks where): it is asked, still as
		// an edit, before the confirmation comes back.
		if i := unanswered(flow, f); i >= 0 {
			f.Step = i
			return e.prompt(ctx, c, flow, f, "")
		}
		f.Editing = false
		f.Confirming = true
		return e.prompt(ctx, c, flow, f, "")
	}
	next := e.nextStep(flow, f, f.Step)
	if next < 0 {
		f.Confirming = true
	} else {
		f.Step = next
	}
	return e.prompt(ctx, c, flow, f, "")
}

// unanswered returns the first step that depends on earlier answers
// (When), applies now and has no answer (a skipped optional step has
// one: ""), or -1. Steps without When were answered or prefilled.
func unanswered(flow *Flow, f *Form) int {
	for i := range flow.Steps {
		st := &flow.Steps[i]
		if _, ok := f.Answers[st.Key]; !ok && st.When != nil && applies(st, f) {
			return i
		}
	}
	return -1
}

func (e *Engine) back(ctx context.Context, c *Ctx, flow *Flow, f *Form) error {
	offered := len(f.Offers) > 0 && !f.Confirming
	f.Picks, f.Offers = nil, nil
	switch {
	case offered:
		// Back from the candidates a search offered is back to the
		// question they answer, with its own choices.
	case f.Editing:
		f.Editing, f.Confirming = false, true
	case f.Confirming && f.RecordID != 0:
		// A saved record opened to be changed opens on this screen: back
		// leaves it (asked first when something was changed), rather than
		// going to its first step, which reads as filling it in anew.
		if answered(flow, f) {
			return e.askCancel(ctx, c, flow, f)
		}
		e.closeForm(c, flow.ID)
		return c.Send(ctx, Reply{Text: c.T("form.nothing_changed", map[string]any{"Title": formTitle(c, flow, f)}), Buttons: e.menuOf(c)})
	case f.Confirming:
		f.Confirming = false
	default:
		prev := -1
		for i := f.Step - 1; i >= 0; i-- {
			if applies(&flow.Steps[i], f) {
				prev = i
				break
			}
		}
		if prev < 0 {
			return e.prompt(ctx, c, flow, f, "form.first_step")
		}
		f.Step = prev
	}
	f.Gathering = nil // what the step gathered goes with it (not on the first step)
	return e.prompt(ctx, c, flow, f, "")
}

// confirmInput reads text typed on the confirmation screen: "xác nhận", or
// the name of a field to change.
func (e *Engine) confirmInput(ctx context.Context, c *Ctx, flow *Flow, f *Form, in, word string) error {
	if domain.ParseAnswer(in) == domain.AnswerYes { // "xác nhận", "ok", "dạ đúng rồi"
		return e.confirm(ctx, c, flow, f)
	}
	var fields []Choice
	for i := range flow.Steps {
		if applies(&flow.Steps[i], f) {
			fields = append(fields, Choice{Value: strconv.Itoa(i), Label: c.T(flow.Steps[i].Label)})
		}
	}
	w := strings.TrimPrefix(strings.TrimPrefix(word, "sua "), "doi ")
	if i, ok := matchChoice(fields, w); ok && !allNumbers([]string{w}) {
		idx, _ := strconv.Atoi(fields[i].Value)
		return e.edit(ctx, c, flow, f, idx)
	}
	if onlyLooked(flow, f) {
		// A record opened to be seen ("Thông tin cơ sở") and left as it
		// was: a question typed now is not for the form, which closes
		// without a word (nothing is lost).
		e.closeForm(c, flow.ID)
		return e.fallbackOrNothing(ctx, c)
	}
	return e.prompt(ctx, c, flow, f, "form.confirm_expected")
}

// onlyLooked reports whether f edits an existing record and nothing of it
// was changed: closing it loses nothing.
func onlyLooked(flow *Flow, f *Form) bool {
	return f.RecordID != 0 && !f.Editing && !answered(flow, f)
}

func (e *Engine) edit(ctx context.Context, c *Ctx, flow *Flow, f *Form, idx int) error {
	if idx < 0 || idx >= len(flow.Steps) || !applies(&flow.Steps[idx], f) {
		return e.prompt(ctx, c, flow, f, "")
	}
	f.Step, f.Editing, f.Confirming = idx, true, false
	f.Picks, f.Offers, f.Gathering = nil, nil, nil
	if flow.Steps[idx].Multi && f.Answers[flow.Steps[idx].Key] != "" {
		f.Picks = strings.Split(f.Answers[flow.Steps[idx].Key], ",")
	}
	return e.prompt(ctx, c, flow, f, "")
}

// confirm saves the form, once per form instance (see Flow.Done): a
// form saved before says so instead. When the save's reply fails, the
// user is not told that nothing was saved; the form stays on its
// confirmation, and "Xác nhận" pressed again shows what was saved.
func (e *Engine) confirm(ctx context.Context, c *Ctx, flow *Flow, f *Form) error {
	// An answer to a step that no longer applies is dropped.
	for i := range flow.Steps {
		if !applies(&flow.Steps[i], f) {
			delete(f.Answers, flow.Steps[i].Key)
		}
	}
	// A step an edit made apply, left with «Quay lại», is asked now: not
	// saved without its answer ("Bỏ qua" answers an optional one).
	if i := unanswered(flow, f); i >= 0 {
		f.Step, f.Editing, f.Confirming = i, true, false
		notice := "form.required"
		if flow.Steps[i].Optional {
			notice = ""
		}
		return e.prompt(ctx, c, flow, f, notice)
	}
	if onlyLooked(flow, f) {
		// Confirmed as it was opened: nothing to save.
		e.closeForm(c, flow.ID)
		return c.Send(ctx, Reply{Text: c.T("form.nothing_changed", map[string]any{"Title": formTitle(c, flow, f)}), Buttons: e.menuOf(c)})
	}
	saved, err := e.once(ctx, c, formKey(f.Nonce), flow.ID, func(ctx context.Context) error { return flow.Done(ctx, c, f) },
		func(ctx context.Context, _, ref string) error { return e.alreadySaved(ctx, c, flow, f, ref) })
	if err != nil && !saved {
		if domain.ErrorKind(err) == domain.KindInvalid {
			c.noticeData = domain.ErrorData(err) // as a step's refusal (rejected)
			return e.prompt(ctx, c, flow, f, domain.ErrorMsgID(err))
		}
		return err
	}
	if err != nil {
		return &savedUnanswered{err}
	}
	e.closeForm(c, flow.ID)
	return nil
}

// formKey is the key of a form instance among a user's saves.
func formKey(nonce string) string { return "form:" + nonce }

// closeForm drops the form of flow id from the session.
func (e *Engine) closeForm(c *Ctx, id string) {
	delete(c.Session.Forms, id)
	if c.Session.Active == id {
		c.Session.Active = ""
	}
}

// alreadySaved answers a confirmation of a form saved before: it says so,
// with the saved record's summary (or the form's answers, f may be nil),
// and closes the form.
func (e *Engine) alreadySaved(ctx context.Context, c *Ctx, flow *Flow, f *Form, ref string) error {
	c.Flow, c.Step = flow.ID, "saved"
	var summary string
	if flow.Summary != nil && ref != "" {
		s, err := flow.Summary(ctx, c, ref)
		if err != nil && domain.ErrorKind(err) != domain.KindNotFound {
			return err
		}
		summary = s
	}
	if summary == "" && f != nil {
		summary = e.fields(ctx, c, flow, f)
	}
	if f != nil {
		e.closeForm(c, flow.ID)
	}
	text := c.T("form.already_saved", map[string]any{"Title": formTitle(c, flow, f)})
	if summary != "" {
		text += "\n\n" + summary
	}
	return c.Send(ctx, Reply{Text: text, RemoveKeyboard: true})
}

// fields renders the answers of a form as on its confirmation screen.
func (e *Engine) fields(ctx context.Context, c *Ctx, flow *Flow, f *Form) string {
	var lines []string
	for i := range flow.Steps {
		s := &flow.Steps[i]
		if applies(s, f) {
			lines = append(lines, c.T("form.field", map[string]any{"Label": c.T(s.Label), "Value": HTML(e.show(ctx, c, flow, f, s, f.Answers[s.Key]))}))
		}
	}
	return strings.Join(lines, "\n")
}

// savedForm answers a button of a form no longer in the session: when the
// form was saved, that it was, with what it saved.
func (e *Engine) savedForm(ctx context.Context, c *Ctx, nonce string) (bool, error) {
	s := e.cfg.Saves
	if s == nil || nonce == "" {
		return false, nil
	}
	id, ref, ok, err := s.Saved(ctx, c.Update.Channel, c.Update.UserID, formKey(nonce))
	if err != nil {
		return false, domain.E("save.check", domain.KindUnavailable, err)
	}
	flow := e.flows[id]
	if !ok || flow == nil {
		return false, nil
	}
	if err := c.Answer(ctx, "", false); err != nil {
		return true, err
	}
	return true, e.alreadySaved(ctx, c, flow, nil, ref)
}

// formData is the data of a button of the form f as it stands: the form's
// nonce as the verb, the step's position and, when arg ≥ 0, the index of a
// choice, offer or step; the action as the argument.
func formData(f *Form, act string, arg int) ButtonData {
	pos := f.Step
	if f.Confirming {
		pos = confirmPos
	}
	d := Data(formPrefix, f.Nonce, int64(pos)).With(act)
	if arg >= 0 {
		d.IDs = append(d.IDs, int64(arg))
	}
	return d
}

// formCallback handles a form button (see formData).
func (e *Engine) formCallback(ctx context.Context, c *Ctx, d ButtonData) error {
	act := d.Arg
	var flow *Flow
	var f *Form
	for id, ff := range c.Session.Forms {
		if ff.Nonce == d.Verb {
			flow, f = e.flows[id], ff
			break
		}
	}
	if flow == nil || f == nil {
		if saved, err := e.savedForm(ctx, c, d.Verb); saved || err != nil {
			return err
		}
		return e.staleButton(ctx, c)
	}
	pos, err := d.ID(0)
	if err != nil {
		return err
	}
	want := f.Step
	if f.Confirming {
		want = confirmPos
	}
	if pos != int64(want) {
		return e.staleButton(ctx, c)
	}
	c.Session.Active = flow.ID
	if _, f = e.active(c); f == nil {
		return e.staleButton(ctx, c)
	}
	step := &flow.Steps[f.Step]
	c.Flow, c.Step = flow.ID, step.Key
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	n := -1 // the index, for the actions that take one: none is out of range
	if len(d.IDs) > 1 {
		n = int(d.IDs[1])
	}
	switch act {
	case actCancel:
		return e.askCancel(ctx, c, flow, f)
	case actDrop:
		_, err := e.CancelForm(ctx, c)
		return err
	}
	f.CancelAsked = false
	switch act {
	case actGoOn:
		return e.prompt(ctx, c, flow, f, "")
	case actBack:
		return e.back(ctx, c, flow, f)
	}
	if f.Confirming {
		switch act {
		case actConfirm:
			return e.confirm(ctx, c, flow, f)
		case actEdit:
			return e.edit(ctx, c, flow, f, n)
		}
		return e.prompt(ctx, c, flow, f, "")
	}
	switch act {
	case actSkip:
		if step.Optional {
			return e.accept(ctx, c, flow, f, "")
		}
	case actChoose, actToggle:
		if step.Choices == nil {
			break
		}
		choices := step.Choices(c, f)
		if n < 0 || n >= len(choices) {
			break
		}
		if act == actToggle && step.Multi {
			f.Picks = toggle(f.Picks, choices[n].Value, !contains(f.Picks, choices[n].Value))
			return e.prompt(ctx, c, flow, f, "")
		}
		if !step.Multi {
			return e.accept(ctx, c, flow, f, choices[n].Value)
		}
	case actDone:
		if step.Multi {
			return e.finishMulti(ctx, c, flow, f, step)
		}
		if step.Gather != nil {
			return e.finishGather(ctx, c, flow, f, step)
		}
	case actOffer:
		if n >= 0 && n < len(f.Offers) {
			return e.accept(ctx, c, flow, f, f.Offers[n].Value)
		}
	}
	return e.staleButton(ctx, c)
}

// prompt shows the current step (or the confirmation screen), after a
// notice (a message id) when notice is set.
func (e *Engine) prompt(ctx context.Context, c *Ctx, flow *Flow, f *Form, notice string) error {
	f.Paused = false // asked again: what is typed next answers it
	var b strings.Builder
	if notice != "" {
		b.WriteString(c.T("form.warning", map[string]any{"Text": HTML(c.T(notice, c.noticeData))}))
		b.WriteString("\n\n")
	}
	c.noticeData = nil
	if c.understood != "" {
		b.WriteString(c.T("form.understood", map[string]any{"Value": c.understood}))
		b.WriteString("\n\n")
		c.understood = ""
	}
	button := func(label, act string, arg int) Button { return formData(f, act, arg).Button(label) }
	var r Reply
	if f.Confirming {
		c.Flow, c.Step = flow.ID, "confirm"
		b.WriteString(c.T("form.confirm_title", map[string]any{"Title": formTitle(c, flow, f)}))
		b.WriteString("\n")
		var edits []Button
		for i := range flow.Steps {
			s := &flow.Steps[i]
			if !applies(s, f) {
				continue
			}
			b.WriteString("\n")
			b.WriteString(c.T("form.field", map[string]any{"Label": c.T(s.Label), "Value": HTML(e.show(ctx, c, flow, f, s, f.Answers[s.Key]))}))
			edits = append(edits, button(c.T("form.edit", map[string]any{"Label": c.T(s.Label)}), actEdit, i))
		}
		b.WriteString("\n\n")
		b.WriteString(c.T("form.confirm_hint"))
		r.Buttons = append(r.Buttons, []Button{button(c.T("common.confirm"), actConfirm, -1)})
		r.Buttons = append(r.Buttons, rows(edits, 2)...)
		r.Buttons = append(r.Buttons, []Button{button(c.T("common.back"), actBack, -1), button(c.T("common.cancel"), actCancel, -1)})
		r.Text = b.String()
		return c.Send(ctx, r)
	}
	step := &flow.Steps[f.Step]
	c.Flow, c.Step = flow.ID, step.Key
	n, total := e.position(flow, f)
	b.WriteString(c.T("form.header", map[string]any{"Title": formTitle(c, flow, f), "N": n, "Total": total}))
	b.WriteString("\n")
	b.WriteString(c.T(step.Prompt))
	switch old := f.Answers[step.Key]; {
	case step.Gather != nil && f.Gathering != nil:
		b.WriteString("\n\n")
		b.WriteString(c.T("form.gather_so_far", map[string]any{"Value": HTML(ShowGathered(c, *f.Gathering))}))
	case step.Gather != nil && old != "":
		// Back on a step answered before: «Xong» keeps what it took.
		b.WriteString("\n\n")
		b.WriteString(c.T("form.current_value", map[string]any{"Value": HTML(e.show(ctx, c, flow, f, step, old))}))
		b.WriteString("\n")
		b.WriteString(c.T("form.gather_keep"))
	case f.Editing && old != "" && !step.Multi:
		b.WriteString("\n")
		b.WriteString(c.T("form.current_value", map[string]any{"Value": HTML(e.show(ctx, c, flow, f, step, old))}))
	}
	var opts []Button
	switch {
	case step.Multi:
		for i, ch := range step.Choices(c, f) {
			label := ch.Label
			if contains(f.Picks, ch.Value) {
				label = "✅ " + label
			}
			opts = append(opts, button(label, actToggle, i))
		}
		b.WriteString("\n")
		b.WriteString(c.T("form.multi_hint"))
	case len(f.Offers) > 0:
		b.WriteString("\n\n")
		offer := step.Offer
		switch {
		case len(f.Offers) == 1: // a guess (Choice.Guess)
			offer = "form.guess_offer"
		case offer == "":
			offer = "form.pick_offer"
		}
		b.WriteString(c.T(offer))
		for i, ch := range f.Offers {
			opts = append(opts, button(ch.Label, actOffer, i))
		}
	case step.Choices != nil:
		for i, ch := range step.Choices(c, f) {
			opts = append(opts, button(ch.Label, actChoose, i))
		}
	}
	if step.Contact || step.PickUser {
		// A reply keyboard cannot sit beside inline buttons: back and cancel
		// are typed (or tapped) as words here.
		if step.PickUser {
			r.PickUser = c.T("form.pick_user")
		} else {
			r.Contact = c.T("form.share_contact")
			b.WriteString("\n")
			b.WriteString(c.T("form.contact_hint"))
		}
		if n > 1 || f.Editing {
			r.Keys = append(r.Keys, c.T("common.back"))
		}
		r.Keys = append(r.Keys, c.T("common.cancel"))
		r.Text = b.String()
		return c.Send(ctx, r)
	}
	cols := 1
	if len(opts) > 6 {
		cols = 2
	}
	r.Buttons = append(rows(opts, cols), e.nav(c, f, step, n))
	r.Text = b.String()
	return c.Send(ctx, r)
}

// nav is the row of a step's «Xong», «Bỏ qua», «Quay lại» and «Hủy», as
// they apply; n is the step's number.
func (e *Engine) nav(c *Ctx, f *Form, step *Step, n int) []Button {
	button := func(label, act string) Button { return formData(f, act, -1).Button(label) }
	var nav []Button
	if step.Multi || step.Gather != nil {
		nav = append(nav, button(c.T("common.done"), actDone))
	}
	if step.Optional {
		nav = append(nav, button(c.T("common.skip"), actSkip))
	}
	if n > 1 || f.Editing {
		nav = append(nav, button(c.T("common.back"), actBack))
	}
	return append(nav, button(c.T("common.cancel"), actCancel))
}

// show renders a value for the user.
func (e *Engine) show(ctx context.Context, c *Ctx, flow *Flow, f *Form, s *Step, v string) string {
	if v == "" {
		return c.T("form.empty_value")
	}
	if s.Show != nil {
		return s.Show(ctx, c, f, v)
	}
	if s.Gather != nil {
		g, err := ParseGathered(v)
		if err != nil {
			return escape(v)
		}
		return ShowGathered(c, g)
	}
	if s.Choices != nil {
		var labels []string
		for _, val := range strings.Split(v, ",") {
			for _, ch := range s.Choices(c, f) {
				if ch.Value == val {
					labels = append(labels, ch.Label)
				}
			}
		}
		if len(labels) > 0 {
			return escape(strings.Join(labels, ", "))
		}
	}
	return escape(v)
}

// position returns the step's number among the steps that apply, and their count.
func (e *Engine) position(flow *Flow, f *Form) (n, total int) {
	for i := range flow.Steps {
		if !applies(&flow.Steps[i], f) {
			continue
		}
		total++
		if i <= f.Step {
			n = total
		}
	}
	return n, total
}

func (e *Engine) nextStep(flow *Flow, f *Form, from int) int {
	for i := from + 1; i < len(flow.Steps); i++ {
		if applies(&flow.Steps[i], f) {
			return i
		}
	}
	return -1
}

func applies(s *Step, f *Form) bool { return s.When == nil || s.When(f) }

// matchChoice finds the option a folded text names: its number (1-based),
// its folded label or value, or the one label it is a prefix of.
// namesChoice reports whether the typed text (in, folded: word) names
// one of the step's choices or of the places offered, or means one ("Chưa
// có" may be a choice; "không có" means "Không").
func namesChoice(c *Ctx, f *Form, step *Step, in, word string) bool {
	if _, ok := matchChoice(f.Offers, word); ok {
		return true
	}
	if step.Choices == nil {
		return false
	}
	choices := step.Choices(c, f)
	if _, ok := matchChoice(choices, word); ok {
		return true
	}
	_, ok := meaningChoice(choices, in)
	return ok
}

func matchChoice(choices []Choice, word string) (int, bool) {
	word = strings.TrimSpace(strings.TrimSuffix(word, "."))
	if word == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(word); err == nil {
		if n >= 1 && n <= len(choices) {
			return n - 1, true
		}
		return 0, false
	}
	prefix, phrase := -1, -1
	words := " " + wordsOf(word) + " "
	for i, ch := range choices {
		label := domain.Fold(ch.Label)
		if label == word || domain.Fold(ch.Value) == word {
			return i, true
		}
		if len(word) < 3 {
			continue
		}
		if strings.HasPrefix(label, word) {
			prefix = once(prefix, i)
		}
		// Whole words of the label, in their order: "ho san xuat" is
		// «Hộ kinh doanh (hộ sản xuất có đăng ký kinh doanh)».
		if strings.Contains(" "+wordsOf(label)+" ", words) {
			phrase = once(phrase, i)
		}
	}
	for _, at := range []int{prefix, phrase} {
		if at >= 0 {
			return at, true
		}
	}
	return 0, false
}

// once records a match at i: -1 none yet, -2 more than one.
func once(at, i int) int {
	if at == -1 {
		return i
	}
	return -2
}

// wordsOf is folded text as its words, one space apart.
func wordsOf(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

func rows(bs []Button, cols int) [][]Button {
	var out [][]Button
	for len(bs) > 0 {
		n := min(cols, len(bs))
		out = append(out, bs[:n:n])
		bs = bs[n:]
	}
	return out
}

func toggle(list []string, v string, on bool) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	if on {
		out = append(out, v)
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func allNumbers(parts []string) bool {
	for _, p := range parts {
		if _, err := strconv.Atoi(strings.TrimSpace(p)); err != nil {
			return false
		}
	}
	return len(parts) > 0
}

func newNonce() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// formTitle names the form: its EditTitle when it changes a saved record.
func formTitle(c *Ctx, flow *Flow, f *Form) string {
	if f != nil && f.RecordID != 0 && flow.EditTitle != "" {
		return c.T(flow.EditTitle)
	}
	return c.T(flow.Title)
}
