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

// Expiry moves the products whose certificate's last valid day has passed
// to het_han, once a day just after midnight in the province's time zone
// (the first round of the outbox worker on a new day, and at start), and
// tells their producer. The rulebook decides each move (a re-evaluation
// filed in time keeps a certificate valid up to 180 days past expiry, so
// it is not due). It runs only while the outbox worker holds its lease, so
// one process does it; a move is made once whatever the restarts, since
// MoveStage refuses a product no longer in its stage, and the notice is
// queued under a key of the product and its last valid day.
type Expiry struct {
	Products interface {
		// ListExpiring lists the products in a stage the system may
		// expire from whose last valid day is before day.
		ListExpiring(ctx context.Context, day time.Time) ([]domain.Product, error)
		// ListGraceEnded lists the re-evaluations filed in time, still in
		// the dossier's stages, whose extended last valid day is in
		// [since, day).
		ListGraceEnded(ctx context.Context, day, since time.Time) ([]domain.Product, error)
		MoveStage(ctx context.Context, id int64, from, to domain.Stage, by int64, reason string,
			apply func(p *domain.Product, m domain.Move) error) (domain.Product, error)
	}
	Users interface {
		ReachBySubject(ctx context.Context, subjectID int64) ([]domain.User, error)
	}
	Enqueue     func(ctx context.Context, key, channel, chatID string, n bot.Notice) error
	Rules       *domain.Rulebooks
	Location    *time.Location
	PinnedRules string

	mu   sync.Mutex
	done string // the day (YYYY-MM-DD in Location) already handled by this process
}

// Due expires what is due on now's day, once per day and process.
func (x *Expiry) Due(ctx context.Context, now time.Time) error {
	now = now.In(x.Location)
	day := now.Format(time.DateOnly)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done == day {
		return nil
	}
	if err := x.run(ctx, now); err != nil {
		return err
	}
	x.done = day
	return nil
}

func (x *Expiry) run(ctx context.Context, now time.Time) error {
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, x.Location)
	list, err := x.Products.ListExpiring(ctx, today)
	if err != nil {
		return err
	}
	for _, p := range list {
		if !domain.ExpiryDue(p, now) {
			continue
		}
		act := domain.Action{Kind: domain.ActExpire}
		q, ch, err := x.Rules.Apply(p, act, domain.ActorSystem, now, x.PinnedRules)
		if err != nil {
			continue // the rulebook does not expire it from here
		}
		moved, err := x.Products.MoveStage(ctx, p.ID, p.Stage, q.Stage, 0, ch.Reason, func(s *domain.Product, _ domain.Move) error {
			r, _, err := x.Rules.Apply(*s, act, domain.ActorSystem, now, x.PinnedRules)
			if err != nil {
				return err
			}
			*s = r
			return nil
		})
		if domain.ErrorKind(err) == domain.KindConflict || domain.ErrorKind(err) == domain.KindInvalid {
			continue // moved meanwhile (re-evaluated, revoked, expired by another process)
		}
		if err != nil {
			return err
		}
		if err := x.tell(ctx, moved); err != nil {
			return err
		}
	}
	return x.graceEnded(ctx, now, today)
}

// graceWindow is how far back the job looks for a re-evaluation's grace
// that ended: a day missed while the bot was stopped is still told, one
// long past is not told years later.
const graceWindow = 7

// graceEnded tells the producers whose certificate stopped being valid
// while their re-evaluation, filed in time, waits for its decision past
// the 180 days (domain.GraceEnded). The product keeps its stage; the
// notice goes once, under a key of the product and its last valid day.
func (x *Expiry) graceEnded(ctx context.Context, now, today time.Time) error {
	list, err := x.Products.ListGraceEnded(ctx, today, today.AddDate(0, 0, -graceWindow))
	if err != nil {
		return err
	}
	for _, p := range list {
		if !domain.GraceEnded(p, now) {
			continue
		}
		until := p.ValidUntil.In(x.Location)
		n := bot.Notice{Msg: "notice.grace_ended", Data: map[string]string{"Name": p.Name, "CertNo": p.CertNo,
			"Until": until.Format("02/01/2006")}}
		if err := x.notify(ctx, p, "grace-ended", until, n); err != nil {
			return err
		}
	}
	return nil
}

func (x *Expiry) tell(ctx context.Context, p domain.Product) error {
	until := p.ValidUntil.In(x.Location)
	n := bot.Notice{Msg: "notice.stage.het_han", Data: map[string]string{"Name": p.Name, "Code": p.Code, "CertNo": p.CertNo,
		"Until": until.Format("02/01/2006")}}
	return x.notify(ctx, p, "expired", until, n)
}

// notify queues n for everyone who acts for p's subject, once per kind,
// product and last valid day.
func (x *Expiry) notify(ctx context.Context, p domain.Product, kind string, until time.Time, n bot.Notice) error {
	users, err := x.Users.ReachBySubject(ctx, p.SubjectID)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Blocked {
			continue
		}
		n.Lang = u.Locale
		key := fmt.Sprintf("%s:%d:%s:%s", kind, p.ID, until.Format("20060102"), strconv.FormatInt(u.ID, 10))
		if err := x.Enqueue(ctx, key, u.Channel, u.ChannelID, n); err != nil {
			return err
		}
	}
	return nil
}
