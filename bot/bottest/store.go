package bottest

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Clock is a fixed clock that moves only when told to.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Epoch is where a new Clock starts: a Monday morning in Tây Ninh.
var Epoch = time.Date(2026, 12, 7, 8, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// KV is an in-memory bot.KV and domain.KVBatcher whose keys expire by its
// clock. It passes the KV contract of storage/storetest.
type KV struct {
	now  func() time.Time
	mu   sync.Mutex
	m    map[string]kvEntry
	err  error
	ops  int // operations run (a batch counts once)
	fail int // operations still to fail with err; -1: all
}

type kvEntry struct {
	val []byte
	exp time.Time // zero: no expiry
}

var (
	_ bot.KV           = (*KV)(nil)
	_ domain.KVBatcher = (*KV)(nil)
)

// NewKV returns an empty store; now (nil: time.Now) says when keys expire.
func NewKV(now func() time.Time) *KV {
	if now == nil {
		now = time.Now
	}
	return &KV{now: now, m: map[string]kvEntry{}}
}

// ErrUnavailable is what a store made to fail (KV.Fail) returns.
var ErrUnavailable = errors.New("bottest: store unavailable")

// Fail makes the next n operations fail with ErrUnavailable (n < 0: all of
// them, until Fail(0)).
func (kv *KV) Fail(n int) {
	kv.mu.Lock()
	kv.fail, kv.err = n, ErrUnavailable
	kv.mu.Unlock()
}

// Ops returns how many round trips the store served (a batch is one).
func (kv *KV) Ops() int {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	return kv.ops
}

// Keys returns the live keys with the prefix, with their values.
func (kv *KV) Keys(prefix string) map[string][]byte {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	out := map[string][]byte{}
	now := kv.now()
	for k, e := range kv.m {
		if strings.HasPrefix(k, prefix) && e.live(now) {
			out[k] = e.val
		}
	}
	return out
}

func (e kvEntry) live(now time.Time) bool { return e.exp.IsZero() || now.Before(e.exp) }

// trip counts a round trip and says whether it fails; kv.mu is held.
func (kv *KV) trip() error {
	kv.ops++
	if kv.fail == 0 {
		return nil
	}
	if kv.fail > 0 {
		kv.fail--
	}
	return kv.err
}

func (kv *KV) expiry(op string, ttl time.Duration) (time.Time, error) {
	switch {
	case ttl < 0:
		return time.Time{}, domain.E(op, domain.KindInvalid, errors.New("negative ttl"))
	case ttl == 0:
		return time.Time{}, nil
	}
	return kv.now().Add(ttl), nil
}

// Get returns the value of key.
func (kv *KV) Get(_ context.Context, key string) ([]byte, bool, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.trip(); err != nil {
		return nil, false, err
	}
	v, ok := kv.get(key)
	return v, ok, nil
}

func (kv *KV) get(key string) ([]byte, bool) {
	e, ok := kv.m[key]
	if !ok || !e.live(kv.now()) {
		return nil, false
	}
	return append([]byte{}, e.val...), true
}

// Set stores val under key for ttl (0: no expiry).
func (kv *KV) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.trip(); err != nil {
		return err
	}
	return kv.set(key, val, ttl)
}

func (kv *KV) set(key string, val []byte, ttl time.Duration) error {
	exp, err := kv.expiry("kv.set", ttl)
	if err != nil {
		return err
	}
	kv.m[key] = kvEntry{val: append([]byte{}, val...), exp: exp}
	return nil
}

// SetNX stores val under key only when the key is absent.
func (kv *KV) SetNX(_ context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.trip(); err != nil {
		return false, err
	}
	return kv.setNX(key, val, ttl)
}

func (kv *KV) setNX(key string, val []byte, ttl time.Duration) (bool, error) {
	exp, err := kv.expiry("kv.setnx", ttl)
	if err != nil {
		return false, err
	}
	if _, ok := kv.get(key); ok {
		return false, nil
	}
	kv.m[key] = kvEntry{val: append([]byte{}, val...), exp: exp}
	return true, nil
}

// Del deletes key.
func (kv *KV) Del(_ context.Context, key string) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.trip(); err != nil {
		return err
	}
	delete(kv.m, key)
	return nil
}

// Batch runs ops in order, all or nothing, as one round trip.
func (kv *KV) Batch(_ context.Context, ops []*domain.KVOp) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.trip(); err != nil {
		return err
	}
	saved := maps.Clone(kv.m)
	for _, o := range ops {
		var err error
		switch o.Kind {
		case domain.KVGet:
			o.Val, o.OK = kv.get(o.Key)
		case domain.KVSet:
			err = kv.set(o.Key, o.Val, o.TTL)
		case domain.KVSetNX:
			o.OK, err = kv.setNX(o.Key, o.Val, o.TTL)
		case domain.KVDel:
			delete(kv.m, o.Key)
		}
		if err != nil {
			kv.m = saved
			return err
		}
	}
	return nil
}

// Users is an in-memory users store with what the engine needs of one
// (bot.UserStore, and the communes of a commune officer).
type Users struct {
	now  func() time.Time
	mu   sync.Mutex
	next int64
	m    map[string]*domain.User // "channel:id"
	err  error
}

var _ bot.UserStore = (*Users)(nil)

// NewUsers returns an empty store; now (nil: time.Now) stamps the users.
func NewUsers(now func() time.Time) *Users {
	if now == nil {
		now = time.Now
	}
	return &Users{now: now, m: map[string]*domain.User{}}
}

// Fail makes every call fail with err until Fail(nil).
func (s *Users) Fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// Touch returns the user, created on first sight, and records them as seen
// (a user who writes again has not blocked the bot).
func (s *Users) Touch(_ context.Context, channel, channelID, username, name string) (domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return domain.User{}, s.err
	}
	u := s.m[channel+":"+channelID]
	now := s.now()
	if u == nil {
		s.next++
		u = &domain.User{ID: s.next, Channel: channel, ChannelID: channelID, Role: domain.RoleProducer, Locale: domain.LocaleVI, CreatedAt: now}
		s.m[channel+":"+channelID] = u
	}
	if username != "" {
		u.Username = username
	}
	if name != "" {
		u.Name = name
	}
	u.Blocked, u.LastSeen, u.UpdatedAt = false, now, now
	return clone(u), nil
}

func clone(u *domain.User) domain.User {
	c := *u
	c.Communes = append([]string(nil), u.Communes...)
	c.OpenForms = append([]string(nil), u.OpenForms...)
	return c
}

var _ bot.FormMarks = (*Users)(nil)

// SetOpenForms records the forms the users have open (bot.FormMarks).
func (s *Users) SetOpenForms(_ context.Context, marks map[int64][]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	for _, u := range s.m {
		if flows, ok := marks[u.ID]; ok {
			u.OpenForms = append([]string(nil), flows...)
		}
	}
	return nil
}

// SetBlocked records that the user blocked (or unblocked) the bot.
func (s *Users) SetBlocked(_ context.Context, channel, channelID string, blocked bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if u := s.m[channel+":"+channelID]; u != nil {
		u.Blocked = blocked
	}
	return nil
}

// SetRole gives the user a role.
func (s *Users) SetRole(_ context.Context, id int64, role domain.Role) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	for _, u := range s.m {
		if u.ID == id {
			u.Role = role
			return nil
		}
	}
	return domain.E("users.set_role", domain.KindNotFound, errors.New("no such user"))
}

// Communes returns the communes a commune officer answers for.
func (s *Users) Communes(_ context.Context, id int64) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	for _, u := range s.m {
		if u.ID == id {
			return append([]string(nil), u.Communes...), nil
		}
	}
	return nil, nil
}

// Get returns the user as stored.
func (s *Users) Get(channel, channelID string) (domain.User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.m[channel+":"+channelID]
	if u == nil {
		return domain.User{}, false
	}
	return clone(u), true
}

// Put creates or changes a user (role, locale, communes), keyed by its
// Channel and ChannelID; a new one gets an id.
func (s *Users) Put(u domain.User) domain.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := u.Channel + ":" + u.ChannelID
	if old := s.m[key]; old != nil {
		u.ID = old.ID
	} else if u.ID == 0 {
		s.next++
		u.ID = s.next
	}
	if u.Role == "" {
		u.Role = domain.RoleProducer
	}
	s.m[key] = &u
	return clone(&u)
}

// Saves is an in-memory bot.Saves. A save's record is kept when its
// transaction commits; the harness's other stores do not take part in
// transactions, so a test keeps what a step saved in its own store.
type Saves struct {
	mu sync.Mutex
	m  map[string][2]string // channel, user, key -> flow, ref
}

var _ bot.Saves = (*Saves)(nil)

// NewSaves returns an empty store of saves.
func NewSaves() *Saves { return &Saves{m: map[string][2]string{}} }

func saveKey(channel, user, key string) string { return channel + "\x00" + user + "\x00" + key }

// Saved returns what the step key of the user saved, when it did.
func (s *Saves) Saved(_ context.Context, channel, user, key string) (flow, ref string, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[saveKey(channel, user, key)]
	return v[0], v[1], ok, nil
}

// Begin opens a save's transaction.
func (s *Saves) Begin(ctx context.Context) (context.Context, bot.SaveTx, error) {
	return ctx, &saveTx{s: s}, nil
}

// Len returns how many steps were saved.
func (s *Saves) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

type saveTx struct {
	s    *Saves
	done bool
}

func (t *saveTx) Commit(_ context.Context, channel, user, key, flow, ref string) error {
	if t.done {
		return errors.New("bottest: save committed or rolled back already")
	}
	t.done = true
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	k := saveKey(channel, user, key)
	if _, ok := t.s.m[k]; ok {
		return domain.E("bottest.Saves", domain.KindConflict, errors.New("saved twice"))
	}
	t.s.m[k] = [2]string{flow, ref}
	return nil
}

func (t *saveTx) Rollback() { t.done = true }
