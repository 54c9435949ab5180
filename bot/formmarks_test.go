package bot

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"
)

// marksStore records the writes of the open-form marks.
type marksStore struct {
	mu     sync.Mutex
	writes []map[int64][]string
	err    error
}

func (s *marksStore) SetOpenForms(_ context.Context, marks map[int64][]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.writes = append(s.writes, maps.Clone(marks))
	return nil
}

func TestFormMarkerWritesOnlyChanges(t *testing.T) {
	ctx := context.Background()
	st := &marksStore{}
	m := &formMarker{store: st, delay: time.Hour}
	reg := []string{"reg"}

	// Opened and closed before the write: nothing to write.
	m.set(1, "zalo:a", reg, nil)
	m.set(1, "zalo:a", nil, nil)
	// Unchanged: nothing either.
	m.set(2, "zalo:b", reg, reg)
	if err := m.flush(ctx); err != nil || len(st.writes) != 0 {
		t.Fatalf("writes %v, %v; want none", st.writes, err)
	}

	// Opened: written; then known, also to an update that read the user
	// before the write committed and closes the form.
	m.set(1, "zalo:a", reg, nil)
	if err := m.flush(ctx); err != nil || len(st.writes) != 1 || !slices.Equal(st.writes[0][1], reg) {
		t.Fatalf("writes %v, %v", st.writes, err)
	}
	if f, ok := m.get(1, "zalo:a"); !ok || !slices.Equal(f, reg) {
		t.Fatalf("known %v, %v", f, ok)
	}
	// The id given to somebody else (after an erasure): not theirs.
	if f, ok := m.get(1, "telegram:z"); ok {
		t.Fatalf("a new user with the same id has the marks %v", f)
	}
	m.set(1, "zalo:a", nil, nil) // the store's copy read before the write: stale
	if err := m.flush(ctx); err != nil || len(st.writes) != 2 || st.writes[1][1] != nil {
		t.Fatalf("the closed form is not written: %v, %v", st.writes, err)
	}

	// A failed write is kept for the next, unless newer marks came.
	st.err = errors.New("disk full")
	m.set(3, "zalo:c", reg, nil)
	m.set(4, "zalo:d", reg, nil)
	if err := m.flush(ctx); err == nil {
		t.Fatal("the write did not fail")
	}
	m.set(4, "zalo:d", []string{"sp"}, nil)
	st.err = nil
	if err := m.flush(ctx); err != nil {
		t.Fatal(err)
	}
	last := st.writes[len(st.writes)-1]
	if len(last) != 2 || !slices.Equal(last[3], reg) || !slices.Equal(last[4], []string{"sp"}) {
		t.Fatalf("after the failure: %v", last)
	}
	m.mu.Lock()
	armed := m.timer != nil
	m.mu.Unlock()
	if armed {
		t.Error("a timer is left armed with nothing to write")
	}
}
