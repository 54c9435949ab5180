package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

type countedProducts struct{ reads int }

func (c *countedProducts) ListForReminders(context.Context, []string, [][2]time.Time) ([]domain.Product, error) {
	c.reads++
	return nil, nil
}

// The products are read through for reminders at the first round and then
// once a day, at the first round at or after 08:00 (every product
// reminder's moment), not at every round of the outbox worker.
func TestRemindersReadTheProductsOnceADay(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	at := func(day, hour, min, sec int) time.Time { return time.Date(2026, 12, day, hour, min, sec, 0, loc) }
	products := &countedProducts{}
	r := &Reminders{Products: products, Location: loc}
	steps := []struct {
		now   time.Time
		reads int // in all, after the round
	}{
		{at(1, 10, 0, 0), 1},  // the first round
		{at(1, 10, 0, 2), 1},  // two seconds later
		{at(1, 23, 59, 0), 1}, // the same day
		{at(2, 7, 59, 58), 1}, // before 08:00
		{at(2, 8, 0, 0), 2},   // 08:00: the day's reminders
		{at(2, 8, 0, 2), 2},
		{at(2, 18, 0, 0), 2},
		{at(5, 6, 0, 0), 3},  // days later (the process was stopped, say)
		{at(5, 8, 30, 0), 4}, // 08:00 passed since
		{at(4, 9, 0, 0), 5},  // the clock went back
	}
	for _, st := range steps {
		if err := r.Due(t.Context(), st.now); err != nil {
			t.Fatal(err)
		}
		if products.reads != st.reads {
			t.Fatalf("after the round at %s: %d reads of the products, want %d", st.now.Format(time.DateTime), products.reads, st.reads)
		}
	}
	// In UTC, the same instants: the day is the province's.
	r = &Reminders{Products: products, Location: loc}
	products.reads = 0
	for _, now := range []time.Time{at(1, 9, 0, 0).UTC(), at(2, 7, 0, 0).UTC(), at(2, 8, 0, 0).UTC()} {
		_ = r.Due(t.Context(), now)
	}
	if products.reads != 2 {
		t.Fatalf("%d reads with UTC times, want 2", products.reads)
	}
}
