package handlers

import (
	"context"
	"strings"
	"unicode"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// typedRSVP answers an invitation by typed words ("có", "tham gia",
// "không"): an invitation comes in a bulk message, whose buttons the
// conversation does not remember, so a yes or no typed outside a form is
// taken as the answer to the one upcoming event of the user's audience
// they have not answered yet. It reports whether it answered.
func (a *app) typedRSVP(ctx context.Context, c *bot.Ctx) (bool, error) {
	ans := domain.ParseAnswer(c.Update.Text)
	if (ans != domain.AnswerYes && ans != domain.AnswerNo) || a.Events == nil || c.IsOfficer() {
		return false, nil
	}
	list, err := a.relevantEvents(ctx, c)
	if err != nil {
		return false, err
	}
	var open []domain.Event
	for _, ev := range list {
		if ev.Cancelled || ev.Past(a.now()) {
			continue
		}
		had, err := a.Events.RSVPOf(ctx, ev.ID, c.User.ID)
		if err != nil {
			return false, domain.E("ev.typed_rsvp", domain.KindUnavailable, err)
		}
		if had == "" {
			open = append(open, ev)
		}
	}
	if len(open) != 1 {
		return false, nil // none, or several: which one is meant is unclear
	}
	return true, a.rsvp(ctx, c, open[0], ans == domain.AnswerYes)
}

// question finds the FAQ answer of a question typed in the middle of a
// form: only a clear match of the FAQ's keywords counts, so that an
// answer the step refused is not taken for a question by chance.
func (a *app) question(_ *bot.Ctx, text string) (string, bool) {
	w := foldWords(text)
	for _, t := range faqTopics {
		if containsAny(w, t.words...) {
			return t.id, true
		}
	}
	return "", false
}

// foldWords folds text to its words: "OCOP là gì?" is "ocop la gi".
func foldWords(text string) string {
	return strings.Join(strings.FieldsFunc(domain.Fold(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}
