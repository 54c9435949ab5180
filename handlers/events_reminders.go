package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// EventReminders queues, at 08:00 the day before an event, a reminder to
// those who said they will come: once (the job's key), and not for an
// event created after that moment.
type EventReminders struct {
	Events interface {
		Upcoming(ctx context.Context, now time.Time) ([]domain.Event, error)
	}
	Jobs interface {
		CreateJob(ctx context.Context, j *domain.Job, a domain.Audience, exclude int64) (bool, error)
	}
	Location *time.Location
}

// Due creates the reminders whose moment has come.
func (r *EventReminders) Due(ctx context.Context, now time.Time) error {
	list, err := r.Events.Upcoming(ctx, now)
	if err != nil {
		return err
	}
	for _, e := range list {
		if !now.Before(e.StartsAt) {
			continue
		}
		day := e.StartsAt.In(r.Location)
		at := time.Date(day.Year(), day.Month(), day.Day()-1, reminderHour, 0, 0, 0, r.Location)
		if now.Before(at) || e.CreatedAt.After(at) {
			continue
		}
		m := eventMessage(r.Location, "ev.reminder", e, false)
		j := &domain.Job{Key: fmt.Sprintf("remind:event:%d:%d", e.ID, e.StartsAt.Unix()), Kind: domain.JobReminder,
			Topic: e.Kind.Topic(), EventID: e.ID, Payload: m.Encode()}
		if _, err := r.Jobs.CreateJob(ctx, j, domain.Audience{Kind: domain.AudienceGoing, EventID: e.ID}, 0); err != nil {
			return err
		}
	}
	return nil
}
