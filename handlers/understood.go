package handlers

import (
	"context"

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
