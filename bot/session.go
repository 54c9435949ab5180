package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// KV is the key-value store the engine keeps sessions and de-duplication
// marks in: Redis when configured, the embedded SQLite table otherwise.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
	Del(ctx context.Context, key string) error
}

// SessionVersion is the schema version of Session. A stored session of
// another version is migrated by decodeSession or dropped.
const SessionVersion = 1

// SessionTTL is how long an untouched session (an unfinished form) is kept.
const SessionTTL = 30 * 24 * time.Hour

// Session is the conversation state of one user.
type Session struct {
	V int `json:"v"`
	// Active is the flow id of the form the user is answering, "" when none.
	Active string `json:"active,omitempty"`
	// Forms holds unfinished forms by flow id; a command typed in the middle
	// of a form leaves its form here, and the form's command resumes it.
	Forms map[string]*Form `json:"forms,omitempty"`
	// After is what to do once consent is given ("register").
	After string `json:"after,omitempty"`
	// Data holds small values of the handlers between updates (the dossier
	// item a file is for, say).
	Data map[string]string `json:"data,omitempty"`
	// Numbered is the data of the choices last shown as a numbered list
	// (a channel with few buttons, see Limits): typing "2" presses the
	// second one.
	Numbered []string `json:"numbered,omitempty"`
	// Labels maps the labels of the latest message's buttons (labelKey) to
	// their data, on such a channel: typing a label, with or without
	// diacritics, presses its button.
	Labels map[string]string `json:"labels,omitempty"`
}

// Get returns a handler value of the session.
func (s *Session) Get(key string) string { return s.Data[key] }

// Put sets (or, with "", removes) a handler value of the session.
func (s *Session) Put(key, value string) {
	if value == "" {
		delete(s.Data, key)
		return
	}
	if s.Data == nil {
		s.Data = map[string]string{}
	}
	s.Data[key] = value
}

// Form is the state of one unfinished form.
type Form struct {
	Flow    string            `json:"flow"`
	Nonce   string            `json:"nonce"` // ties buttons to this form instance
	Step    int               `json:"step"`  // index into Flow.Steps
	Answers map[string]string `json:"answers,omitempty"`
	// Picks are the choices ticked so far on a multi-choice step.
	Picks []string `json:"picks,omitempty"`
	// Offers are the candidates offered by a search step, to pick from.
	Offers []Choice `json:"offers,omitempty"`
	// Gathering is what a gathering step (Step.Gather) took so far.
	Gathering *Gathered `json:"gathering,omitempty"`
	// Confirming is true on the confirmation screen.
	Confirming bool `json:"confirming,omitempty"`
	// Editing is true when one field is being changed from the
	// confirmation screen: after it, the screen comes back.
	Editing bool `json:"editing,omitempty"`
	// CancelAsked: the user asked to cancel a form with answers and was
	// asked to confirm; asking again cancels.
	CancelAsked bool `json:"cancel_asked,omitempty"`
	// Changed: an answer of a form editing an existing record (RecordID)
	// differs from what was there; until then closing it loses nothing.
	Changed bool `json:"changed,omitempty"`
	// Paused: the user went elsewhere (a command, another button) since
	// the form last asked; a bare number typed now is not taken as its
	// answer (it more likely picks from what was shown since).
	Paused bool `json:"paused,omitempty"`
	// Editing an existing record (the subject id when re-registering).
	RecordID int64     `json:"record_id,omitempty"`
	Started  time.Time `json:"started"`
}

// SessionStore keeps sessions as versioned JSON in a KV, and a copy of
// those this process wrote last, so that the next update of a user in the
// middle of a form does not read back what was just written: a round trip
// to the store of every update (see BENCHMARKS.md). The copy is right as
// long as this process is the only writer of the sessions, which it is:
// the process that owns the inbox handles all updates (the other commands
// do not touch sessions). A session written is kept until its lifetime in
// the store ends; one read from the store for an hour (readKeep), as its
// remaining lifetime there is not known.
//
// When a session cannot be written (the store is down), the copy is kept
// as the user's session and the write is kept too (pending), to be made
// again by Flush: the conversation goes on while Redis is down, and the
// sessions are in Redis again once it is back (also when it came back
// empty, having lost them).
type SessionStore struct {
	kv      KV
	now     func() time.Time
	mu      sync.Mutex
	saved   map[string]savedSession
	pending map[string]*domain.KVOp // session writes that failed, by key
}

// savedSession is a session as last written: raw nil when deleted. sess,
// when not nil, is raw decoded, as the update that wrote it left it: the
// next update of the user takes it instead of decoding raw again (the
// JSON decoding of every update's session was 5 % of the bot's CPU in the
// Zalo benchmark, BENCHMARKS.md). One update at a time has it: taking it
// leaves nil, and only an update that ended well gives it back (handBack).
type savedSession struct {
	raw     []byte
	sess    *Session
	expires time.Time
}

// maxSavedSessions bounds the copies kept; when full, it starts again
// empty (the sessions are read from the store again).
const maxSavedSessions = 10000

// NewSessionStore returns a store over kv.
func NewSessionStore(kv KV) *SessionStore { return &SessionStore{kv: kv, now: time.Now} }

// take returns the session this process wrote last for the user, decoded,
// and its stored bytes, if it still lives in the store: ok is false when
// the store must be asked.
func (s *SessionStore) take(channel, user string) (sess *Session, raw []byte, ok bool) {
	s.mu.Lock()
	e, ok := s.saved[sessionKey(channel, user)]
	if !ok || !s.now().Before(e.expires) {
		s.mu.Unlock()
		return nil, nil, false
	}
	if e.sess != nil {
		sess = e.sess
		e.sess = nil
		s.saved[sessionKey(channel, user)] = e
	}
	s.mu.Unlock()
	if sess == nil {
		sess, raw = loaded(e.raw, e.raw != nil)
		return sess, raw, true
	}
	return sess, e.raw, true
}

// handBack gives back sess, which an update that ended well leaves as raw
// (what is stored now), for the user's next update to take.
func (s *SessionStore) handBack(channel, user string, sess *Session, raw []byte) {
	if raw == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := sessionKey(channel, user)
	if e, ok := s.saved[key]; ok && string(e.raw) == string(raw) {
		e.sess = sess
		s.saved[key] = e
	}
}

// readKeep is how long a session read from the store is kept: its
// remaining lifetime there is not known, so a session about to expire may
// live on this long in this process, no more.
const readKeep = time.Hour

// read keeps the copy of a session read from the store (raw nil: none).
func (s *SessionStore) read(channel, user string, raw []byte, found bool) {
	if !found {
		raw = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := sessionKey(channel, user)
	if _, ok := s.pending[key]; ok {
		return // the store is behind: the copy is the session
	}
	s.roomLocked()
	s.saved[key] = savedSession{raw: raw, expires: s.now().Add(readKeep)}
}

// roomLocked makes room for one more copy: when full, the copies start
// again empty but for those whose write is pending (they are the only
// copy of those sessions). s.mu is held.
func (s *SessionStore) roomLocked() {
	if s.saved != nil && len(s.saved) < maxSavedSessions {
		return
	}
	kept := map[string]savedSession{}
	for k := range s.pending {
		if e, ok := s.saved[k]; ok {
			kept[k] = e
		}
	}
	s.saved = kept
}

// wrote keeps the copy of what ops wrote, once they have succeeded.
func (s *SessionStore) wrote(ops []*domain.KVOp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range ops {
		if !strings.HasPrefix(o.Key, "sess:") {
			continue
		}
		s.roomLocked()
		switch o.Kind {
		case domain.KVSet:
			s.saved[o.Key] = savedSession{raw: o.Val, expires: s.now().Add(o.TTL)}
		case domain.KVDel:
			s.saved[o.Key] = savedSession{expires: s.now().Add(SessionTTL)}
		}
	}
}

// keep keeps the session writes of ops that failed as pending, and their
// sessions as the users' (wrote); it reports whether there was one.
func (s *SessionStore) keep(ops []*domain.KVOp) bool {
	var kept []*domain.KVOp
	for _, o := range ops {
		if strings.HasPrefix(o.Key, "sess:") && (o.Kind == domain.KVSet || o.Kind == domain.KVDel) {
			kept = append(kept, o)
		}
	}
	if len(kept) == 0 {
		return false
	}
	s.wrote(kept)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[string]*domain.KVOp{}
	}
	for _, o := range kept {
		s.pending[o.Key] = o
	}
	return true
}

// pendingCopy returns the session of a write that waits for the store.
func (s *SessionStore) pendingCopy(channel, user string) (raw []byte, found, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending[sessionKey(channel, user)]
	if p == nil {
		return nil, false, false
	}
	return p.Val, p.Kind == domain.KVSet, true
}

// Pending returns how many session writes wait for the store.
func (s *SessionStore) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Flush makes the pending session writes again, in one round trip; those
// written (and not written anew meanwhile) are pending no more.
func (s *SessionStore) Flush(ctx context.Context) error {
	s.mu.Lock()
	ops := make([]*domain.KVOp, 0, len(s.pending))
	for _, o := range s.pending {
		c := *o
		ops = append(ops, &c)
	}
	s.mu.Unlock()
	if len(ops) == 0 {
		return nil
	}
	if err := kvBatch(ctx, s.kv, ops); err != nil {
		return domain.E("session.flush", domain.KindUnavailable, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range ops {
		if p := s.pending[o.Key]; p != nil && string(p.Val) == string(o.Val) && p.Kind == o.Kind {
			delete(s.pending, o.Key)
		}
	}
	return nil
}

// RunFlush flushes the pending session writes until ctx ends: every
// interval while there are some, with a growing pause while the store is
// still down.
func (s *SessionStore) RunFlush(ctx context.Context, interval time.Duration, log *slog.Logger) {
	pause := interval
	t := time.NewTimer(pause)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n := s.Pending(); n > 0 {
			if err := s.Flush(ctx); err != nil {
				pause = min(pause*2, 30*time.Second)
			} else {
				pause = interval
				if log != nil {
					log.Info("sessions written again to the store", "sessions", n)
				}
			}
		}
		t.Reset(pause)
	}
}

func sessionKey(channel, user string) string { return "sess:" + channel + ":" + user }

// Load returns the user's session and its stored bytes (to tell later
// whether it changed). A missing or unreadable session is a fresh one.
func (s *SessionStore) Load(ctx context.Context, channel, user string) (*Session, []byte, error) {
	if raw, found, ok := s.pendingCopy(channel, user); ok {
		// Not yet written again: the store is behind.
		sess, old := loaded(raw, found)
		return sess, old, nil
	}
	raw, ok, err := s.kv.Get(ctx, sessionKey(channel, user))
	if err != nil {
		return nil, nil, domain.E("session.load", domain.KindUnavailable, err)
	}
	s.read(channel, user, raw, ok)
	sess, old := loaded(raw, ok)
	return sess, old, nil
}

// loadOp is the read of Load, for a batch; loaded turns its result into
// the session.
func (s *SessionStore) loadOp(channel, user string) *domain.KVOp {
	return &domain.KVOp{Kind: domain.KVGet, Key: sessionKey(channel, user)}
}

// loaded is the session stored as raw (ok: found), and the bytes to
// compare with when saving.
func loaded(raw []byte, ok bool) (*Session, []byte) {
	if !ok {
		return newSession(), nil
	}
	sess, err := decodeSession(raw)
	if err != nil {
		// A session we cannot read must not lock the user out.
		return newSession(), raw
	}
	return sess, raw
}

// Save stores sess when its encoding differs from old.
func (s *SessionStore) Save(ctx context.Context, channel, user string, sess *Session, old []byte) error {
	o, err := s.saveOp(channel, user, sess, old)
	if err != nil || o == nil {
		return err
	}
	_, err = s.run(ctx, o)
	return err
}

// saveOp is the write of Save, for a batch; nil when nothing is to be
// written.
func (s *SessionStore) saveOp(channel, user string, sess *Session, old []byte) (*domain.KVOp, error) {
	raw, err := encodeSession(sess)
	if err != nil {
		return nil, domain.E("session.save", domain.KindInternal, err)
	}
	if old != nil && string(raw) == string(old) {
		return nil, nil
	}
	key := sessionKey(channel, user)
	if sess.empty() {
		if old == nil {
			return nil, nil
		}
		return &domain.KVOp{Kind: domain.KVDel, Key: key}, nil
	}
	return &domain.KVOp{Kind: domain.KVSet, Key: key, Val: raw, TTL: SessionTTL}, nil
}

// run runs a save (and whatever goes with it) in one round trip. When the
// store fails, the session is kept (see SessionStore) and kept reports it:
// the update's step stands, and the write is made again later; what went
// with it (a de-duplication mark) is dropped.
func (s *SessionStore) run(ctx context.Context, ops ...*domain.KVOp) (kept bool, err error) {
	if err := kvBatch(ctx, s.kv, ops); err != nil {
		if ctx.Err() == nil && s.keep(ops) {
			return true, nil
		}
		return false, domain.E("session.save", domain.KindUnavailable, err)
	}
	s.wrote(ops)
	s.mu.Lock()
	for _, o := range ops {
		delete(s.pending, o.Key) // written anew
	}
	s.mu.Unlock()
	return false, nil
}

// kvBatch runs ops on kv in one round trip when kv can (domain.KVBatcher),
// one after another otherwise.
func kvBatch(ctx context.Context, kv KV, ops []*domain.KVOp) error {
	if b, ok := kv.(domain.KVBatcher); ok && len(ops) > 1 {
		return b.Batch(ctx, ops)
	}
	for _, o := range ops {
		var err error
		switch o.Kind {
		case domain.KVGet:
			o.Val, o.OK, err = kv.Get(ctx, o.Key)
		case domain.KVSet:
			err = kv.Set(ctx, o.Key, o.Val, o.TTL)
		case domain.KVSetNX:
			o.OK, err = kv.SetNX(ctx, o.Key, o.Val, o.TTL)
		case domain.KVDel:
			err = kv.Del(ctx, o.Key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func newSession() *Session { return &Session{V: SessionVersion} }

func (s *Session) empty() bool {
	return s.Active == "" && len(s.Forms) == 0 && s.After == "" && len(s.Data) == 0 && len(s.Numbered) == 0 && len(s.Labels) == 0
}

func encodeSession(s *Session) ([]byte, error) {
	s.V = SessionVersion
	return appendSession(make([]byte, 0, 512), s)
}

// decodeSession reads a session of this version, in one pass: reading the
// version first and then the whole was two passes over every session of
// every update (see BENCHMARKS.md). A session of another version whose
// fields do not fit fails to decode; its version is read then, so that
// the error says it.
func decodeSession(raw []byte) (*Session, error) {
	var s Session
	if err := json.Unmarshal(raw, &s); err != nil {
		var probe struct {
			V int `json:"v"`
		}
		if json.Unmarshal(raw, &probe) == nil && probe.V != SessionVersion {
			return nil, fmt.Errorf("session version %d, want %d", probe.V, SessionVersion)
		}
		return nil, err
	}
	if s.V != SessionVersion {
		return nil, fmt.Errorf("session version %d, want %d", s.V, SessionVersion)
	}
	return &s, nil
}

// Deduper makes sure one update is handled once, even when the channel
// delivers it twice. A mark is "run" while the update is handled and "done"
// after; a crash leaves "run", which Release clears when the process that
// owns the inbox hands the update out again after a restart. The updates
// this process took are also remembered here (a bounded set), so that a
// second copy handed to the same process is known without a round trip.
type Deduper struct {
	kv      KV
	lease   time.Duration
	keepFor time.Duration
	mu      sync.Mutex
	taken   map[string]struct{}
}

// maxTaken bounds the remembered updates; when full, the set starts again
// empty (the inbox refuses a second copy of a recorded update anyway).
const maxTaken = 100000

// NewDeduper returns a Deduper over kv.
func NewDeduper(kv KV) *Deduper {
	return &Deduper{kv: kv, lease: 10 * time.Minute, keepFor: 72 * time.Hour}
}

// take remembers the update as taken by this process; false when it was.
func (d *Deduper) take(channel string, id int64) bool {
	key := dedupKey(channel, id)
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.taken[key]; ok {
		return false
	}
	if d.taken == nil || len(d.taken) >= maxTaken {
		d.taken = map[string]struct{}{}
	}
	d.taken[key] = struct{}{}
	return true
}

// untake forgets a take whose update is to be tried again.
func (d *Deduper) untake(channel string, id int64) {
	d.mu.Lock()
	delete(d.taken, dedupKey(channel, id))
	d.mu.Unlock()
}

func dedupKey(channel string, id int64) string {
	var buf [20]byte
	return "upd:" + channel + ":" + string(strconv.AppendInt(buf[:0], id, 10))
}

// Begin claims the update. It returns false when the update was handled
// already or is being handled.
func (d *Deduper) Begin(ctx context.Context, channel string, id int64) (bool, error) {
	o := d.beginOp(channel, id)
	err := kvBatch(ctx, d.kv, []*domain.KVOp{o})
	return o.OK, err
}

// beginOp is Begin for a batch: OK reports the claim.
func (d *Deduper) beginOp(channel string, id int64) *domain.KVOp {
	return &domain.KVOp{Kind: domain.KVSetNX, Key: dedupKey(channel, id), Val: []byte("run"), TTL: d.lease}
}

// finishOp is Finish for a batch.
func (d *Deduper) finishOp(channel string, id int64) *domain.KVOp {
	return &domain.KVOp{Kind: domain.KVSet, Key: dedupKey(channel, id), Val: []byte("done"), TTL: d.keepFor}
}

// Finish marks the update handled.
func (d *Deduper) Finish(ctx context.Context, channel string, id int64) error {
	return kvBatch(ctx, d.kv, []*domain.KVOp{d.finishOp(channel, id)})
}

// Release clears an unfinished claim so that the update can be handled
// again; a finished one is kept. It reports whether the update is still to
// be handled.
func (d *Deduper) Release(ctx context.Context, channel string, id int64) (bool, error) {
	key := dedupKey(channel, id)
	v, ok, err := d.kv.Get(ctx, key)
	if err != nil {
		return false, err
	}
	if ok && string(v) == "done" {
		return false, nil
	}
	if ok {
		if err := d.kv.Del(ctx, key); err != nil {
			return false, err
		}
	}
	return true, nil
}
