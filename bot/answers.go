package bot

import (
	"context"
	"strconv"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// A typed answer works wherever a button is offered: "dạ đúng rồi" presses
// the button that means yes ("Xác nhận", "Đồng ý", "Có"), "chưa có" the one
// that means skip or no, "4 sao" the choice of four stars. The meaning of
// the words is domain.ParseAnswer's; here it is matched with the meaning
// of each button's own label.

// meaningOf returns the one index among labels whose label means what the
// typed text means (yes, no or skip): a skip falls back on the "no" button
// and a no on the "skip" one when the other is missing.
func meaningOf(text string, labels []string) (int, bool) {
	a := domain.ParseAnswer(text)
	if a == domain.AnswerUnknown {
		return 0, false
	}
	find := func(want domain.Answer) (int, bool) {
		at := -1
		for i, l := range labels {
			if labelMeaning(l) != want {
				continue
			}
			if at >= 0 {
				return 0, false // two buttons mean it: ask again
			}
			at = i
		}
		return at, at >= 0
	}
	if i, ok := find(a); ok {
		return i, true
	}
	switch a {
	case domain.AnswerSkip:
		return find(domain.AnswerNo)
	case domain.AnswerNo:
		return find(domain.AnswerSkip)
	}
	return 0, false
}

// meaningChoice finds the choice a typed answer means: by yes/no/skip (see
// meaningOf), or a number with its unit ("4 sao", "4★", "50 người") naming
// a choice whose value is that number. A bare number is the choice's
// position and is not read here.
func meaningChoice(choices []Choice, text string) (int, bool) {
	labels := make([]string, len(choices))
	for i, ch := range choices {
		labels[i] = ch.Label
	}
	if i, ok := meaningOf(text, labels); ok {
		return i, true
	}
	if allNumbers([]string{text}) {
		return 0, false
	}
	n, ok := domain.ParseCount(text, "sao", "nguoi")
	if !ok {
		return 0, false
	}
	v := strconv.Itoa(n)
	for i, ch := range choices {
		if ch.Value == v {
			return i, true
		}
	}
	return 0, false
}

// meaningKey is the key under which the latest buttons remember the one
// button whose label means a (see rememberMeaning).
func meaningKey(a domain.Answer) string { return "=" + a.String() }

// rememberMeaning notes, beside the labels of the latest message's
// buttons (keyed by labelKey, which never starts with "="), the button
// that means a (yes, no or skip: labelMeaning of its label); two buttons
// of one meaning cancel it out.
func rememberMeaning(labels map[string]string, a domain.Answer, data string) {
	if a == domain.AnswerUnknown {
		return
	}
	k := meaningKey(a)
	if _, dup := labels[k]; dup {
		labels[k] = ""
		return
	}
	labels[k] = data
}

// meaningLabel returns the button of the latest message that a typed yes,
// no or skip means: a skip falls back on the "no" button and a no on the
// "skip" one when the other is missing.
func meaningLabel(text string, labels map[string]string) (string, bool) {
	a := domain.ParseAnswer(text)
	if a == domain.AnswerUnknown || len(labels) == 0 {
		return "", false
	}
	data, ok := labels[meaningKey(a)]
	if !ok {
		switch a {
		case domain.AnswerSkip:
			data = labels[meaningKey(domain.AnswerNo)]
		case domain.AnswerNo:
			data = labels[meaningKey(domain.AnswerSkip)]
		}
	}
	return data, data != ""
}

// skipMeant reports whether a typed text at an optional step means to
// skip it: "bỏ qua", "chưa có", "không có", or a plain "không".
func skipMeant(text string) bool {
	a := domain.ParseAnswer(text)
	return a == domain.AnswerSkip || a == domain.AnswerNo
}

// QuestionFunc finds the answer to a question typed in the middle of a
// form ("ocop là gì" at the business-number step): the message id of the
// answer, or false when the text is no question it clearly knows.
type QuestionFunc func(c *Ctx, text string) (msgID string, ok bool)

// Questions sets what answers questions typed in the middle of a form.
func (e *Engine) Questions(q QuestionFunc) { e.questions = q }

// answerQuestion answers the typed text of the update when it is a question
// the FAQ knows; the form is left as it was.
func (e *Engine) answerQuestion(ctx context.Context, c *Ctx) (bool, error) {
	if e.questions == nil || c.Update.Kind != KindText {
		return false, nil
	}
	id, ok := e.questions(c, c.Update.Text)
	if !ok {
		return false, nil
	}
	return true, c.Say(ctx, id)
}

// acceptFound takes the one candidate a search step found for the typed
// text; when the text was not the candidate's name itself (no
// diacritics, an old name, a near miss), the next question starts by
// saying what was taken, and "Quay lại" goes back to change it.
func (e *Engine) acceptFound(ctx context.Context, c *Ctx, flow *Flow, f *Form, found Choice, typed string) error {
	// The name is the label before what tells two places apart:
	// "Phường Gò Dầu" of "Phường Gò Dầu (Tây Ninh cũ)".
	name, _, _ := strings.Cut(found.Label, " (")
	name, _, _ = strings.Cut(name, " — ")
	if t := domain.Clean(typed); t != found.Label && t != name {
		c.understood = found.Label
	}
	return e.accept(ctx, c, flow, f, found.Value)
}

// labelMeaning is what a button's label means: the whole label read as an
// answer ("Đồng ý", "Không tham gia"), else a label that begins with
// "Có," or "Không," ("Có, nộp ngay", "Không, chưa nộp").
func labelMeaning(label string) domain.Answer {
	if a := domain.ParseAnswer(label); a != domain.AnswerUnknown {
		return a
	}
	first, _, ok := strings.Cut(label, ",")
	if !ok {
		return domain.AnswerUnknown
	}
	switch a := domain.ParseAnswer(first); a {
	case domain.AnswerYes, domain.AnswerNo:
		return a
	}
	return domain.AnswerUnknown
}

// sayChosen notes a choice taken from the start of its name ("ho gia
// dinh" for "Hộ gia đình chưa có giấy đăng ký kinh doanh"), to be said at
// the top of the next question; a number or the whole name needs no word.
func sayChosen(c *Ctx, ch Choice, word string) {
	if allNumbers([]string{word}) || domain.Fold(ch.Label) == word || domain.Fold(ch.Value) == word {
		return
	}
	c.understood = ch.Label
}
