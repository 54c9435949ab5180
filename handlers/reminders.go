package handlers

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Reminders decides which reminders are due and queues them, each under a
// unique key so that it is sent once whatever the restarts.
type Reminders struct {
	Products interface {
		// ListForReminders lists the products not yet submitted under
		// one of rulebooks, and the recognised ones whose certificate
		// expires in one of the ranges [from, to).
		ListForReminders(ctx context.Context, rulebooks []string, expiring [][2]time.Time) ([]domain.Product, error)
	}
	Users interface {
		// ReachBySubject: each person once, at the channel used last.
		ReachBySubject(ctx context.Context, subjectID int64) ([]domain.User, error)
	}
	// Enqueue queues a notice for a chat under a unique key; a key queued
	// before is ignored.
	Enqueue  func(ctx context.Context, key, channel, chatID string, n bot.Notice) error
	Rules    *domain.Rulebooks
	Calendar *domain.Calendar
	Location *time.Location
	// Tickets and Officers, when set, follow up questions to officers
	// (ticketReminders).
	Tickets interface {
		Open(ctx context.Context) ([]domain.Ticket, error)
	}
	Officers interface {
		OfficersOf(ctx context.Context, commune string) ([]domain.User, error)
	}
	Places *domain.Places

	mu      sync.Mutex
	scanned time.Time // when the products were last read through
}

// reminderHour is when reminders go out, local time.
const reminderHour = 8

// Filing reminders: this many days before the producer's filing day.
var filingReminders = []int{14, 3}

// lateWindow is how long after its moment a reminder may still go out
// (after a stop, say); later it would say something no longer true.
const lateWindow = 48 * time.Hour

// Due queues every reminder whose moment has come. The questions'
// follow-ups are looked at every round; the products only when a
// reminder's moment may have come since they were last read through (see
// productsDue).
func (r *Reminders) Due(ctx context.Context, now time.Time) error {
	if err := r.ticketReminders(ctx, now); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.productsDue(now) {
		return nil
	}
	if err := r.productReminders(ctx, now); err != nil {
		return err
	}
	r.scanned = now
	return nil
}

// productsDue reports whether the products must be read through at now:
// at the first round, and at the first round at or after 08:00 each day,
// since every product reminder's moment is 08:00 of its day (one that
// became due later in the day, a product added at 10:00, goes out the
// next morning, inside lateWindow). Reading every product at each round
// of the outbox worker (every 2 s) took the whole process for tens of
// milliseconds with 100,000 products, and held up the public pages and
// the conversations (BENCHMARKS.md, issue 14).
func (r *Reminders) productsDue(now time.Time) bool {
	if r.scanned.IsZero() || now.Before(r.scanned) {
		return true // the first round, or the clock went back
	}
	next := r.at(r.scanned)
	if !next.After(r.scanned) {
		next = r.at(r.day(r.scanned).AddDate(0, 0, 1))
	}
	return !now.Before(next)
}

func (r *Reminders) productReminders(ctx context.Context, now time.Time) error {
	now = now.In(r.Location)
	books, expiring := r.candidates(now)
	products, err := r.Products.ListForReminders(ctx, books, expiring)
	if err != nil {
		return err
	}
	for _, p := range products {
		rb, ok := r.Rules.Get(p.Rulebook)
		if !ok {
			continue
		}
		switch {
		case !p.Stage.Submitted():
			dl := rb.NextDeadline(r.Calendar, now)
			if dl.FileBy.IsZero() {
				continue // the rulebook has no known rounds
			}
			for _, days := range filingReminders {
				at := r.at(dl.FileBy.AddDate(0, 0, -days))
				if now.Before(at) || !now.Before(at.Add(lateWindow)) || !now.Before(r.at(dl.FileBy).Add(24*time.Hour)) {
					continue
				}
				left := int(r.day(dl.FileBy).Sub(r.day(now)).Hours() / 24)
				key := fmt.Sprintf("remind:file:%d:%s:%d", p.ID, dl.FileBy.Format("20060102"), days)
				n := bot.Notice{Msg: "reminder.file_by", Data: map[string]string{
					"Name": p.Name, "FileBy": dl.FileBy.Format("02/01/2006"), "ForwardBy": dl.ForwardBy.Format("02/01/2006"), "Days": strconv.Itoa(left),
				}}
				if err := r.notify(ctx, p.SubjectID, key, n); err != nil {
					return err
				}
			}
		case p.Stage == domain.StageRecognised && !p.CertExpires.IsZero():
			// Civil dates are those of the province's time zone, whatever
			// zone the store returned.
			open, closeAt := domain.ReevaluationWindow(p.CertExpires.In(r.Location))
			exp := p.CertExpires.In(r.Location).Format("20060102")
			data := map[string]string{"Name": p.Name, "Open": open.In(r.Location).Format("02/01/2006"),
				"Close": closeAt.In(r.Location).Format("02/01/2006"), "Expires": p.CertExpires.In(r.Location).Format("02/01/2006")}
			for _, rm := range []struct {
				kind string
				at   time.Time
				msg  string
			}{
				{"open", r.at(open), "reminder.reeval_open"},
				{"closing", r.at(closeAt.AddDate(0, 0, -30)), "reminder.reeval_closing"},
			} {
				if now.Before(rm.at) || !now.Before(rm.at.Add(lateWindow)) || !now.Before(r.at(closeAt).Add(24*time.Hour)) {
					continue
				}
				key := fmt.Sprintf("remind:reeval-%s:%d:%s", rm.kind, p.ID, exp)
				if err := r.notify(ctx, p.SubjectID, key, bot.Notice{Msg: rm.msg, Data: data}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// candidates narrows the products to read at now (each is then judged
// below, exactly): the rulebooks one of whose filing reminders' moments is
// inside its late window now, and the expiry dates whose re-evaluation
// reminders' moments are (with a day or two to spare on either side). A
// re-evaluation reminder's moment is a fixed number of days before the
// expiry (domain.ReevaluationWindow), so its expiry dates are that many
// days after the last few days.
func (r *Reminders) candidates(now time.Time) (books []string, expiring [][2]time.Time) {
	var rulebooks []*domain.Rulebook
	if r.Rules != nil {
		rulebooks = r.Rules.All()
	}
	for _, rb := range rulebooks {
		dl := rb.NextDeadline(r.Calendar, now)
		if dl.FileBy.IsZero() {
			continue
		}
		for _, days := range filingReminders {
			if at := r.at(dl.FileBy.AddDate(0, 0, -days)); !now.Before(at) && now.Before(at.Add(lateWindow)) {
				books = append(books, rb.ID)
				break
			}
		}
	}
	today := r.day(now)
	open, closes := domain.ReevaluationWindow(today)
	late := int(lateWindow/(24*time.Hour)) + 1
	for _, moment := range []time.Time{r.day(open), r.day(closes.AddDate(0, 0, -30))} {
		ahead := int(today.Sub(moment).Hours()/24 + 0.5) // the expiry is this many days after the moment
		expiring = append(expiring, [2]time.Time{today.AddDate(0, 0, ahead-late-1), today.AddDate(0, 0, ahead+2)})
	}
	return books, expiring
}

// at is 08:00 on the day of t.
func (r *Reminders) at(t time.Time) time.Time {
	d := r.day(t)
	return d.Add(reminderHour * time.Hour)
}

func (r *Reminders) day(t time.Time) time.Time {
	t = t.In(r.Location)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, r.Location)
}

// notify queues a notice for every user of the subject.
func (r *Reminders) notify(ctx context.Context, subjectID int64, key string, n bot.Notice) error {
	users, err := r.Users.ReachBySubject(ctx, subjectID)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Blocked {
			continue
		}
		n.Lang = u.Locale
		if err := r.Enqueue(ctx, key+":"+strconv.FormatInt(u.ID, 10), u.Channel, u.ChannelID, n); err != nil {
			return err
		}
	}
	return nil
}

// ticketReminders follows up the questions to officers still open: after
// domain.TicketRemindDays working days their officers are reminded, after
// domain.TicketEscalateDays the province's officers are told too (they
// see it in /hoidap from then on). Each once, under its key.
func (r *Reminders) ticketReminders(ctx context.Context, now time.Time) error {
	if r.Tickets == nil || r.Officers == nil || r.Calendar == nil {
		return nil
	}
	open, err := r.Tickets.Open(ctx)
	if err != nil {
		return err
	}
	for _, t := range open {
		asked := t.Asked.In(r.Location)
		for _, step := range []struct {
			days     int
			msg      string
			province bool
		}{
			{domain.TicketRemindDays, "qa.remind", t.ToProvince},
			{domain.TicketEscalateDays, "qa.escalated", true},
		} {
			if step.days == domain.TicketEscalateDays && t.ToProvince {
				continue // the province has had it from the start
			}
			if now.Before(domain.TicketDue(r.Calendar, asked, step.days)) {
				continue
			}
			officers, err := r.Officers.OfficersOf(ctx, t.Commune)
			if err != nil {
				return err
			}
			commune := "—"
			if cm, ok := r.Places.Get(t.Commune); ok {
				commune = cm.Name
			}
			n := bot.Notice{Msg: step.msg, Data: map[string]string{"N": strconv.FormatInt(t.ID, 10), "Question": t.Question,
				"Commune": commune, "Days": strconv.Itoa(step.days)}}
			for _, u := range officers {
				if step.province != u.Role.IsProvince() || u.Blocked {
					continue
				}
				n.Lang = u.Locale
				key := fmt.Sprintf("remind:ticket:%d:%d:%d", t.ID, step.days, u.ID)
				if err := r.Enqueue(ctx, key, u.Channel, u.ChannelID, n); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
