package bot

import (
	"context"
	"encoding/json"
	"fmt"
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
	// Confirming is true on the confirmation screen.
	Confirming bool `json:"confirming,omitempty"`
	// Editing is true when one field is being changed from the
	// confirmation screen: after it, the screen comes back.
	Editing bool `json:"editing,omitempty"`
	// CancelAsked: the user asked to cancel a form with answers and was
	// asked to confirm; asking again cancels.
	CancelAsked bool `json:"cancel_asked,omitempty"`
	// Editing an existing record (the subject id when re-registering).
	RecordID int64     `json:"record_id,omitempty"`
	Started  time.Time `json:"started"`
}

// SessionStore keeps sessions as versioned JSON in a KV.
type SessionStore struct {
	kv KV
}

// NewSessionStore returns a store over kv.
func NewSessionStore(kv KV) *SessionStore { return &SessionStore{kv: kv} }

func sessionKey(channel, user string) string { return "sess:" + channel + ":" + user }

// Load returns the user's session and its stored bytes (to tell later
// whether it changed). A missing or unreadable session is a fresh one.
func (s *SessionStore) Load(ctx context.Context, channel, user string) (*Session, []byte, error) {
	raw, ok, err := s.kv.Get(ctx, sessionKey(channel, user))
	if err != nil {
		return nil, nil, domain.E("session.load", domain.KindUnavailable, err)
	}
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
	return s.run(ctx, o)
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

// run runs a save (and whatever goes with it) in one round trip.
func (s *SessionStore) run(ctx context.Context, ops ...*domain.KVOp) error {
	if err := kvBatch(ctx, s.kv, ops); err != nil {
		return domain.E("session.save", domain.KindUnavailable, err)
	}
	return nil
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
	return json.Marshal(s)
}

func decodeSession(raw []byte) (*Session, error) {
	var probe struct {
		V int `json:"v"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, err
	}
	if probe.V != SessionVersion {
		return nil, fmt.Errorf("session version %d, want %d", probe.V, SessionVersion)
	}
	var s Session
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Deduper makes sure one update is handled once, even when the channel
// delivers it twice. A mark is "run" while the update is handled and "done"
// after; a crash leaves "run", which Release clears when the process that
// owns the inbox hands the update out again after a restart.
type Deduper struct {
	kv      KV
	lease   time.Duration
	keepFor time.Duration
}

// NewDeduper returns a Deduper over kv.
func NewDeduper(kv KV) *Deduper {
	return &Deduper{kv: kv, lease: 10 * time.Minute, keepFor: 72 * time.Hour}
}

func dedupKey(channel string, id int64) string { return fmt.Sprintf("upd:%s:%d", channel, id) }

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
