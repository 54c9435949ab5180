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
	return nil
}

func (x *Expiry) tell(ctx context.Context, p domain.Product) error {
	until := p.ValidUntil.In(x.Location)
	users, err := x.Users.ReachBySubject(ctx, p.SubjectID)
	if err != nil {
		return err
	}
	n := bot.Notice{Msg: "notice.stage.het_han", Data: map[string]string{"Name": p.Name, "Code": p.Code, "CertNo": p.CertNo,
		"Until": until.Format("02/01/2006")}}
	for _, u := range users {
		if u.Blocked {
			continue
		}
		n.Lang = u.Locale
		key := fmt.Sprintf("expired:%d:%s:%s", p.ID, until.Format("20060102"), strconv.FormatInt(u.ID, 10))
		if err := x.Enqueue(ctx, key, u.Channel, u.ChannelID, n); err != nil {
			return err
		}
	}
	return nil
}
