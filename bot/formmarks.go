package bot

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// FormMarks is a UserStore that keeps, apart from the sessions, which
// forms a user has open (domain.User.OpenForms): a form missing from the
// session at the user's next update was lost with it (a Redis restarted
// empty, a session expired) and the user is told so, instead of having
// an answer to it misread.
type FormMarks interface {
	// SetOpenForms records, in one write, the forms each user has open
	// (flow ids; none: nil), by user id. A user no longer stored (erased
	// meanwhile) is skipped.
	SetOpenForms(ctx context.Context, marks map[int64][]string) error
}

// marksDelay is how long an open-form mark may wait before it is written:
// the marks of that moment are written together, and a form opened and
// closed within it is not written at all. The engine reads the marks not
// yet written before those of the store, so that only a Redis restarted
// empty within that moment (and a process stopped without FlushMarks)
// can miss a form; the notice is a safety net, not a record.
//
// Written at once, the marks were two write transactions of the main
// database per form (opened, closed); each cost its commit and made every
// other connection read its pages again (BENCHMARKS.md, fifth pass).
const marksDelay = time.Second

// formMarker writes the open-form marks behind the updates (see
// marksDelay).
type formMarker struct {
	store FormMarks
	delay time.Duration
	log   func(err error, users int)

	mu      sync.Mutex
	pending map[int64]mark // newest marks not yet handed to the store
	writing map[int64]mark // the marks the store is writing now
	// known are the marks this process wrote (bounded, see maxKnownMarks):
	// newer than those of a user read before the write committed.
	known map[int64]mark
	timer *time.Timer

	flushMu sync.Mutex // one write at a time
}

// mark is the forms a user has open, with the user's key (channel and
// id on it): a user id freed by an erasure may be given to a new user,
// who must not inherit what was known of the one erased.
type mark struct {
	key   string
	forms []string
}

// maxKnownMarks bounds formMarker.known; when full it starts again empty
// (the store's copy of the user is then right but in the moment of a
// write).
const maxKnownMarks = 20000

// get returns the user's marks as this process knows them (queued, being
// written, or written by it), if it does.
func (m *formMarker) get(userID int64, key string) ([]string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.getLocked(userID, key)
}

func (m *formMarker) getLocked(userID int64, key string) ([]string, bool) {
	for _, marks := range []map[int64]mark{m.pending, m.writing, m.known} {
		if f, ok := marks[userID]; ok && f.key == key {
			return f.forms, true
		}
	}
	return nil, false
}

// set records the forms the user has open, stored being the marks the
// store gave with the user. A change is queued, to be written within the
// delay; a change back to what the store holds, with no write of the user
// in flight, only drops the queued one.
func (m *formMarker) set(userID int64, key string, forms, stored []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.getLocked(userID, key)
	if !ok {
		cur = stored
	}
	if slices.Equal(cur, forms) {
		return
	}
	if _, inFlight := m.writing[userID]; !inFlight {
		held := stored
		if k, ok := m.known[userID]; ok && k.key == key {
			held = k.forms
		}
		if slices.Equal(held, forms) {
			delete(m.pending, userID)
			return
		}
	}
	if m.pending == nil {
		m.pending = map[int64]mark{}
	}
	m.pending[userID] = mark{key: key, forms: forms}
	m.armLocked()
}

func (m *formMarker) armLocked() {
	if m.timer == nil {
		m.timer = time.AfterFunc(m.delay, func() { _ = m.flush(context.Background()) })
	}
}

// flush writes the queued marks now. Those that could not be written are
// queued again (unless newer ones came meanwhile) and tried after the
// delay.
func (m *formMarker) flush(ctx context.Context) error {
	m.flushMu.Lock()
	defer m.flushMu.Unlock()
	m.mu.Lock()
	batch := m.pending
	m.pending = nil
	m.writing = batch
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	m.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	forms := make(map[int64][]string, len(batch))
	for id, f := range batch {
		forms[id] = f.forms
	}
	err := m.store.SetOpenForms(ctx, forms)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writing = nil
	if err == nil {
		if m.known == nil || len(m.known)+len(batch) > maxKnownMarks {
			m.known = map[int64]mark{}
		}
		maps.Copy(m.known, batch)
	} else {
		if m.pending == nil {
			m.pending = map[int64]mark{}
		}
		for id, f := range batch {
			if _, newer := m.pending[id]; !newer {
				m.pending[id] = f
			}
		}
		m.armLocked()
		if m.log != nil {
			m.log(err, len(batch))
		}
	}
	return err
}

// openForms returns the forms the user has open by the marks: as this
// process knows them (queued, being written, written by it), else those the
// store gave with the user.
func (e *Engine) openForms(c *Ctx) []string {
	if f, ok := e.marks.get(c.User.ID, userMarkKey(c)); ok {
		return f
	}
	return c.User.OpenForms
}

// FlushMarks writes the open-form marks still waiting (see marksDelay).
// The process calls it when it stops, after the dispatcher's Wait.
func (e *Engine) FlushMarks(ctx context.Context) error {
	if e.marks == nil {
		return nil
	}
	return e.marks.flush(ctx)
}

// lostForms tells the user about the open forms their session lost, then
// handles the update: a text or a shared contact, most likely an answer
// to the lost form, is not handled further.
func (e *Engine) lostForms(ctx context.Context, c *Ctx, next Handler) error {
	if e.marks == nil {
		return next.Handle(ctx, c)
	}
	told := false
	for _, id := range e.openForms(c) {
		flow := e.flows[id]
		if flow == nil || c.Session.Forms[id] != nil {
			continue
		}
		msg, data := "form.lost", map[string]any{"Title": c.T(flow.Title), "Command": flow.Command}
		if flow.Command == "" {
			msg = "form.lost_reply"
		}
		if err := c.Say(ctx, msg, data); err != nil {
			return err
		}
		told = true
	}
	if u := c.Update; told && (u.Kind == KindText || u.Kind == KindContact || u.Kind == KindUserShared) {
		return nil
	}
	return next.Handle(ctx, c)
}

// markForms queues the forms the session has open when they are not those
// marked (see FormMarks, marksDelay).
func (e *Engine) markForms(c *Ctx) {
	if e.marks == nil || c.User.ID == 0 || c.Session == nil {
		return
	}
	var open []string
	if len(c.Session.Forms) > 0 {
		open = slices.Sorted(maps.Keys(c.Session.Forms))
	}
	e.marks.set(c.User.ID, userMarkKey(c), open, c.User.OpenForms)
}

// userMarkKey names the user of c apart from their id (see mark).
func userMarkKey(c *Ctx) string { return c.User.Channel + ":" + c.User.ChannelID }
