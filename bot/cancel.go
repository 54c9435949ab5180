package bot

import "context"

// Ask before throwing work away: cancelling a form that holds answers the
// user gave asks to confirm ("Có" cancels, "Không" goes on); asking to
// cancel again, or a form with nothing answered yet, cancels at once.

// askCancel cancels the form, or asks first when it holds answers.
func (e *Engine) askCancel(ctx context.Context, c *Ctx, flow *Flow, f *Form) error {
	if f.CancelAsked || !answered(flow, f) {
		_, err := e.CancelForm(ctx, c)
		return err
	}
	f.CancelAsked, c.cancelAsked = true, true
	msg := "form.cancel_confirm"
	if f.RecordID != 0 {
		msg = "form.cancel_confirm_edit" // the changes go, what was saved stays
	}
	return c.Send(ctx, Reply{Text: c.T(msg, map[string]any{"Title": formTitle(c, flow, f)}), Buttons: [][]Button{
		{formData(f, actDrop, -1).Button(c.T("form.cancel_yes")), formData(f, actGoOn, -1).Button(c.T("form.cancel_no"))},
	}})
}

// AskCancel is askCancel for the active form (the /huy command); it
// reports whether there was one.
func (e *Engine) AskCancel(ctx context.Context, c *Ctx) (bool, error) {
	flow, f := e.active(c)
	if flow == nil {
		return false, nil
	}
	return true, e.askCancel(ctx, c, flow, f)
}

// answered reports whether the user answered a step of the form (a
// prefilled edit of an existing record counts only once changed), or
// sent a gathering step something.
func answered(flow *Flow, f *Form) bool {
	if f.Gathering != nil && !f.Gathering.Empty() {
		return true
	}
	if f.RecordID != 0 {
		// A prefilled edit of an existing record: its answers are what
		// was there until one changes (or while one is being changed).
		return f.Changed || f.Editing
	}
	for _, s := range flow.Steps {
		if _, ok := f.Answers[s.Key]; ok {
			return true
		}
	}
	return false
}
