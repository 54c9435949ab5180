package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Handler handles one update.
type Handler interface {
	Handle(ctx context.Context, c *Ctx) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, c *Ctx) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, c *Ctx) error { return f(ctx, c) }

// Middleware wraps a Handler.
type Middleware func(Handler) Handler

// UserStore is what the engine needs of the users repository.
type UserStore interface {
	Touch(ctx context.Context, channel, channelID, username, name string) (domain.User, error)
	SetBlocked(ctx context.Context, channel, channelID string, blocked bool) error
	SetRole(ctx context.Context, id int64, role domain.Role) error
}

// Config wires an Engine.
type Config struct {
	Users      UserStore
	Sessions   *SessionStore
	Dedup      *Deduper // nil: no de-duplication (the console)
	Translator *Translator
	Logger     *slog.Logger
	// Admins are the users ("channel:id", see Update.UserKey) that are
	// admins from the start.
	Admins map[string]bool
	Now    func() time.Time
	// Timeout bounds the handling of one update.
	Timeout time.Duration
	// Saves keeps what confirming steps saved, so that none is saved
	// twice (nil: they run as they are, as in the console's tests).
	Saves Saves
	// MarkForms keeps which forms each user has open in the users store
	// (when it is a FormMarks), to tell a user whose form the session store
	// lost: for sessions in a store that may lose them (a Redis without
	// persistence). The embedded store keeps them with the rest.
	MarkForms bool
}

// Engine routes updates to commands, callbacks and flows.
type Engine struct {
	cfg       Config
	tr        *Translator
	log       *slog.Logger
	commands  map[string]*Command
	order     []*Command
	callbacks map[string]callbackRoute
	flows     map[string]*Flow
	fallback  HandlerFunc
	menu      func(c *Ctx) [][]Button // Table.Menu
	files     HandlerFunc
	questions QuestionFunc
	extra     []Middleware
	handler   Handler
	routes    []Route // as registered, for Routes

	mu      sync.RWMutex
	senders map[string]Sender

	marks *formMarker // nil: no open-form marks (Config.MarkForms)
}

type callbackRoute struct {
	access Access
	h      HandlerFunc
}

// New returns an engine; register commands, callbacks and flows before use.
func New(cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	e := &Engine{
		cfg:       cfg,
		tr:        cfg.Translator,
		log:       cfg.Logger,
		commands:  map[string]*Command{},
		callbacks: map[string]callbackRoute{},
		flows:     map[string]*Flow{},
		senders:   map[string]Sender{},
	}
	if m, ok := cfg.Users.(FormMarks); ok && cfg.MarkForms {
		e.marks = &formMarker{store: m, delay: marksDelay, log: func(err error, users int) {
			e.log.Warn("open forms not recorded", "users", users, "err", err)
		}}
	}
	e.build()
	return e
}

func (e *Engine) build() {
	mw := append([]Middleware{e.recoverer, e.logger, e.panics, e.loadUser, e.privateOnly, e.loadSession}, e.extra...)
	e.handler = chain(HandlerFunc(e.route), mw...)
}

// Use adds middleware that runs after the user and session are loaded,
// before routing (register it before updates flow).
func (e *Engine) Use(mw Middleware) {
	e.extra = append(e.extra, mw)
	e.build()
}

// chain applies middleware so that the first one runs first.
func chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Fallback handles anything that is neither a command, a button nor an
// answer to a form.
func (e *Engine) Fallback(h HandlerFunc) { e.fallback = h }

// Files handles photos and documents sent outside a form.
func (e *Engine) Files(h HandlerFunc) { e.files = h }

// SetSender sets the sender of a channel.
func (e *Engine) SetSender(channel string, s Sender) {
	e.mu.Lock()
	e.senders[channel] = s
	e.mu.Unlock()
}

// Translator returns the engine's translator.
func (e *Engine) Translator() *Translator { return e.tr }

// MenuCommand is a command as shown in a channel's command menu.
type MenuCommand struct {
	Name, Description string
}

// Menu lists the commands for the menu in lang; officer includes officer
// commands.
func (e *Engine) Menu(lang string, officer bool) []MenuCommand {
	var out []MenuCommand
	for _, c := range e.order {
		if c.Menu == "" || (c.Access != Anyone && !officer) {
			continue
		}
		out = append(out, MenuCommand{Name: strings.TrimPrefix(c.Name, "/"), Description: e.tr.T(lang, c.Menu, nil)})
	}
	return out
}

// Handle runs one update through de-duplication and the middleware chain.
// It returns an error only when the update could not be handled and should
// be tried again (a store was unavailable).
func (e *Engine) Handle(ctx context.Context, u *Update) error {
	e.mu.RLock()
	s := e.senders[u.Channel]
	e.mu.RUnlock()
	if s == nil {
		return fmt.Errorf("no sender for channel %q", u.Channel)
	}
	c := &Ctx{Update: u, engine: e, sender: s, Locale: domain.LocaleVI}
	dedup := e.cfg.Dedup != nil && u.ID != 0
	if dedup {
		if !e.cfg.Dedup.take(u.Channel, u.ID) {
			e.log.Debug("duplicate update", "channel", u.Channel, "update", u.ID)
			return nil
		}
		if err := e.claim(ctx, c); err != nil {
			e.cfg.Dedup.untake(u.Channel, u.ID)
			return err
		}
		if c.duplicate {
			e.log.Debug("duplicate update", "channel", u.Channel, "update", u.ID)
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	err := e.handler.Handle(ctx, c)
	if c.stopped {
		// Cut short by a hard stop: not answered, not marked; the next
		// start hands it out again.
		return err
	}
	if dedup && !c.finished {
		// Finish even after a failed update: it got an answer already.
		if ferr := e.cfg.Dedup.Finish(context.WithoutCancel(ctx), u.Channel, u.ID); ferr != nil && err == nil {
			err = domain.E("update.finish", domain.KindUnavailable, ferr)
		}
	}
	return err
}

// claim claims the update in the store and, when the marks and the
// sessions share it, reads the session in the same round trip. An update
// recorded by this process (not one recovered after a restart, which may
// have been handled before it) of a user whose session this process wrote
// last needs neither: the inbox took it once, this process remembers it
// (Deduper.take), and the session is the one written. It then costs one
// round trip, the save with the "done" mark, instead of two.
func (e *Engine) claim(ctx context.Context, c *Ctx) error {
	u := c.Update
	shared := e.sharedKV() && u.UserID != ""
	if shared && !u.Recovered {
		if sess, raw, ok := e.cfg.Sessions.take(u.Channel, u.UserID); ok {
			c.preloaded = true
			c.Session, c.sessionRaw = sess, raw
			return nil
		}
	}
	claim := e.cfg.Dedup.beginOp(u.Channel, u.ID)
	ops := []*domain.KVOp{claim}
	var read *domain.KVOp
	if shared {
		read = e.cfg.Sessions.loadOp(u.Channel, u.UserID)
		ops = append(ops, read)
	}
	if err := kvBatch(ctx, e.cfg.Dedup.kv, ops); err != nil {
		return domain.E("update.claim", domain.KindUnavailable, err)
	}
	if !claim.OK {
		c.duplicate = true
		return nil
	}
	if read != nil {
		e.cfg.Sessions.read(u.Channel, u.UserID, read.Val, read.OK)
		raw, found := read.Val, read.OK
		if p, pf, ok := e.cfg.Sessions.pendingCopy(u.Channel, u.UserID); ok {
			raw, found = p, pf // the store is behind
		}
		c.preloaded = true
		c.Session, c.sessionRaw = loaded(raw, found)
	}
	return nil
}

// sharedKV reports whether the de-duplication marks and the sessions are
// in one store, so that their reads and writes can go together.
func (e *Engine) sharedKV() bool {
	return e.cfg.Dedup != nil && e.cfg.Sessions != nil && e.cfg.Dedup.kv == e.cfg.Sessions.kv
}

// recoverer answers the user when handling failed (an error or a panic)
// and ends the update there: it got its answer and is not tried again.
func (e *Engine) recoverer(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, c *Ctx) (err error) {
		defer func() {
			if err != nil && stopping(ctx) {
				// The process stops without waiting any longer (the grace
				// after SIGTERM is over): the update is left for the next
				// start rather than answered with an error.
				c.stopped = true
				return
			}
			var saved *savedUnanswered
			if err != nil && !errors.As(err, &saved) {
				e.replyError(ctx, c, err)
			}
			err = nil
			if c.Update.Callback != nil {
				_ = c.Answer(context.WithoutCancel(ctx), "", false)
				c.flushToast(context.WithoutCancel(ctx))
			}
			if ferr := c.flushLead(context.WithoutCancel(ctx)); ferr != nil {
				e.log.Error("send", "channel", c.Update.Channel, "update", c.Update.ID, "err", ferr.Error())
			}
		}()
		return next.Handle(ctx, c)
	})
}

// stopping reports whether the handling of an update was cut short by a
// hard stop: its context cancelled (not timed out), which the process does
// once the grace after SIGTERM is over.
func stopping(ctx context.Context) bool { return errors.Is(ctx.Err(), context.Canceled) }

// panics turns a panic into an internal error (inside the logger, so that
// it is logged with its stack).
func (e *Engine) panics(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, c *Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &domain.Error{Op: "panic", Kind: domain.KindInternal, Err: fmt.Errorf("%v\n%s", r, debug.Stack())}
			}
		}()
		return next.Handle(ctx, c)
	})
}

// replyError tells the user what went wrong, in their words.
func (e *Engine) replyError(ctx context.Context, c *Ctx, err error) {
	ctx = context.WithoutCancel(ctx)
	kind := domain.ErrorKind(err)
	id := domain.ErrorMsgID(err)
	switch kind {
	case domain.KindUnavailable:
		id = "error.unavailable"
	case domain.KindInternal, domain.KindOther:
		id = "error.internal"
	}
	if id == "" || !e.tr.Has(id) {
		id = "error.internal"
	}
	if c.Update.Callback != nil && kind == domain.KindForbidden {
		_ = c.Answer(ctx, c.T(id), true)
		return
	}
	_ = c.Say(ctx, id)
}

// logger writes one record per update, without message text or phones,
// as typed attributes (LogAttrs does not box them into interfaces).
func (e *Engine) logger(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, c *Ctx) error {
		start := time.Now()
		err := next.Handle(ctx, c)
		attrs := make([]slog.Attr, 0, 10)
		attrs = append(attrs, slog.String("channel", c.Update.Channel), slog.Int64("update", c.Update.ID),
			slog.String("user", c.Update.UserID), slog.String("kind", c.Update.Kind.String()),
			slog.Int64("dur_ms", time.Since(start).Milliseconds()))
		if c.Update.Command != "" {
			attrs = append(attrs, slog.String("command", c.Update.Command))
		}
		if c.Flow != "" {
			attrs = append(attrs, slog.String("flow", c.Flow), slog.String("step", c.Step))
		}
		if err != nil {
			kind := domain.ErrorKind(err)
			attrs = append(attrs, slog.String("err_kind", kind.String()))
			if kind == domain.KindInternal || kind == domain.KindOther || kind == domain.KindUnavailable {
				e.log.LogAttrs(ctx, slog.LevelError, "update", append(attrs, slog.String("err", err.Error()))...)
				return err // the recoverer answers it
			}
		}
		e.log.LogAttrs(ctx, slog.LevelInfo, "update", attrs...)
		return err
	})
}

// loadUser loads (or creates) the user, grants configured admins their
// role, and applies block/unblock notices.
func (e *Engine) loadUser(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, c *Ctx) error {
		u := c.Update
		if u.Kind == KindMember {
			return e.cfg.Users.SetBlocked(ctx, u.Channel, u.UserID, u.Blocked)
		}
		user, err := e.cfg.Users.Touch(ctx, u.Channel, u.UserID, u.Username, u.Name)
		if err != nil {
			return domain.E("user.load", domain.KindUnavailable, err)
		}
		if u.Kind == KindSeen {
			return nil // the touch was all: the user is seen (a reply window opens)
		}
		if e.cfg.Admins[u.UserKey()] && user.Role != domain.RoleAdmin {
			if err := e.cfg.Users.SetRole(ctx, user.ID, domain.RoleAdmin); err != nil {
				return domain.E("user.admin", domain.KindUnavailable, err)
			}
			user.Role = domain.RoleAdmin
		}
		if user.Role == domain.RoleCommuneOfficer {
			if sc, ok := e.cfg.Users.(interface {
				Communes(ctx context.Context, userID int64) ([]string, error)
			}); ok {
				if user.Communes, err = sc.Communes(ctx, user.ID); err != nil {
					return domain.E("user.scope", domain.KindUnavailable, err)
				}
			}
		}
		c.User = user
		if user.Locale != "" {
			c.Locale = user.Locale
		}
		return next.Handle(ctx, c)
	})
}

// privateOnly answers anything in a group with a link to a private chat.
func (e *Engine) privateOnly(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, c *Ctx) error {
		if c.Update.Private {
			return next.Handle(ctx, c)
		}
		if c.Update.Callback != nil {
			return c.Answer(ctx, c.T("group.private_only"), true)
		}
		if c.Update.Kind != KindCommand && !strings.Contains(c.Update.Text, "@") {
			return nil // ordinary group chatter is none of our business
		}
		r := Reply{Text: c.T("group.private_only")}
		if c.Update.GroupLink != "" {
			r.Buttons = [][]Button{{{Label: c.T("group.open_private"), URL: c.Update.GroupLink}}}
		}
		return c.Send(ctx, r)
	})
}

// loadSession loads the session before and saves it after a successful update.
func (e *Engine) loadSession(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, c *Ctx) error {
		u := c.Update
		s, old := c.Session, c.sessionRaw
		if !c.preloaded {
			if sess, raw, ok := e.cfg.Sessions.take(u.Channel, u.UserID); ok && !u.Recovered {
				s, old = sess, raw
			} else {
				var err error
				if s, old, err = e.cfg.Sessions.Load(ctx, u.Channel, u.UserID); err != nil {
					return err
				}
			}
			c.Session = s
		}
		if err := e.lostForms(ctx, c, next); err != nil {
			return err // never save after a failed step
		}
		// A kept lead goes out before the save, as every message of the
		// step did: a failed send fails the step.
		if err := c.flushLead(ctx); err != nil {
			return err
		}
		save, err := e.cfg.Sessions.saveOp(u.Channel, u.UserID, s, old)
		if err != nil {
			return err
		}
		var ops []*domain.KVOp
		if save != nil {
			ops = append(ops, save)
		}
		// The update got its answer: mark it done with the save, in one
		// round trip, when they share a store.
		finish := save != nil && e.sharedKV() && u.ID != 0
		if finish {
			ops = append(ops, e.cfg.Dedup.finishOp(u.Channel, u.ID))
		}
		stored := old // what the store holds once this ends well
		if save != nil {
			stored = save.Val // nil for a deletion
		}
		if len(ops) == 0 {
			e.markForms(c)
			e.cfg.Sessions.handBack(u.Channel, u.UserID, s, stored)
			return nil
		}
		kept, err := e.cfg.Sessions.run(ctx, ops...)
		if err != nil {
			return err
		}
		if kept {
			// The store is down: the step stands on the session this
			// process keeps, written again once the store is back.
			e.log.Warn("session kept until the store is back", "channel", u.Channel, "update", u.ID)
		}
		c.finished = finish
		e.markForms(c)
		e.cfg.Sessions.handBack(u.Channel, u.UserID, s, stored)
		return nil
	})
}

// route sends the update to its command, button handler, form or fallback.
func (e *Engine) route(ctx context.Context, c *Ctx) error {
	u := c.Update
	// "Cancel?" holds for the next update only: asking to cancel again
	// after anything else (a command, another sitting) asks again. So do
	// the values kept for it (KeepForNext).
	var kept []string
	for k := range c.Session.Data {
		if strings.HasPrefix(k, fleeting) {
			kept = append(kept, k)
		}
	}
	defer func() {
		if !c.cancelAsked {
			for _, f := range c.Session.Forms {
				f.CancelAsked = false
			}
		}
		for _, k := range kept {
			if !c.keptNext[k] {
				delete(c.Session.Data, k)
			}
		}
	}()
	awaited := c.Session.Get(keyAwaitText) != "" // the words the bot asked for
	if awaited {
		c.Session.Put(keyAwaitText, "")
	}
	c.awaited = awaited
	if u.Kind == KindText {
		// A number typed after a numbered list of choices, or a button's
		// label typed (a channel with few buttons), presses that choice.
		data, ok := numberedChoice(u.Text, c.Session.Numbered)
		if !ok {
			data, ok = labeledChoice(u.Text, c.Session.Labels, c.Session.Active == "" && !awaited)
		}
		if !ok {
			data, ok = meaningLabel(u.Text, c.Session.Labels) // "dạ đồng ý" presses "Đồng ý"
		}
		if ok {
			u.Kind, u.Callback = KindCallback, &Callback{ID: u.ChatID, Data: data, Typed: true}
		} else if c.Session.Active == "" && !awaited {
			// "thong ke", "hoi dap": a command typed as words, without
			// its slash (hard to find on a phone's keyboard), by someone
			// who may use it; not an answer to a form or to what the bot
			// asked for.
			if cmd, args := e.typedCommand(u.Text); cmd != "" && e.commands[cmd].Access.Allows(c.User) {
				u.Kind, u.Command, u.Args = KindCommand, cmd, args
			}
		}
	}
	switch {
	case u.Callback != nil:
		return e.routeCallback(ctx, c)
	case u.Kind == KindCommand:
		cmd := e.commands[u.Command]
		if cmd == nil {
			if err := c.Say(ctx, "common.unknown_command", map[string]any{"Command": u.Command}); err != nil {
				return err
			}
			return e.remindForm(ctx, c)
		}
		if !cmd.Access.Allows(c.User) {
			return cmd.Access.refuse(ctx, c)
		}
		active := c.Session.Active
		if err := cmd.Handle(ctx, c); err != nil {
			return err
		}
		// A command typed in the middle of a form leaves the form where it
		// was; remind the user how to go on.
		if active != "" && c.Session.Active == active && !c.cancelAsked {
			if fl, f := e.flows[active], c.Session.Forms[active]; fl != nil && f != nil && fl.Command != cmd.Name {
				if onlyLooked(fl, f) {
					// A record only looked at ("Thông tin cơ sở"): nothing
					// to go on with, it closes.
					e.closeForm(c, active)
					return nil
				}
				return e.remindForm(ctx, c)
			}
		}
		return nil
	case c.Session.Active != "":
		return e.formInput(ctx, c)
	case (u.Kind == KindPhoto || u.Kind == KindDocument) && e.files != nil:
		return e.files(ctx, c)
	case e.fallback != nil:
		return e.fallback(ctx, c)
	}
	return nil
}

// typedCommand returns the command whose name the text is, typed as
// words without the slash and with or without diacritics ("thống kê",
// "thong ke", "hoidap" → "/thongke", "/hoidap"), or "". An officers'
// command may be followed by what it takes ("tim kiem banh trang",
// "tìm kiếm: xoài"), returned as args; a command for anyone must be the
// whole text ("ho so cua toi" is a question, not /hoso).
func (e *Engine) typedCommand(text string) (cmd, args string) {
	fields := strings.Fields(text)
	if len(text) > 200 || len(fields) == 0 {
		return "", ""
	}
	var name strings.Builder
	for k, f := range fields[:min(len(fields), 3)] {
		// "kiếm:" → "kiem": punctuation after a word is no part of it.
		w := strings.TrimRight(strings.ReplaceAll(domain.Fold(f), " ", ""), ":,.!?-")
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			return "", ""
		}
		name.WriteString(w)
		if name.Len() < 4 {
			continue
		}
		c := e.commands["/"+name.String()]
		if c == nil {
			continue
		}
		rest := strings.TrimLeft(strings.Join(fields[k+1:], " "), ":-–, ")
		if rest != "" && c.Access == Anyone {
			return "", ""
		}
		return "/" + name.String(), rest
	}
	return "", ""
}

// routeCallback reads the pressed button's data and hands it to the
// handler of its prefix. Data that does not read, or that its handler
// finds lacking (ErrBadButton), is answered as an old button.
func (e *Engine) routeCallback(ctx context.Context, c *Ctx) error {
	d, err := ParseButtonData(c.Update.Callback.Data)
	if err != nil {
		return e.badButton(ctx, c, err)
	}
	c.Pressed = d
	if d.Prefix == formPrefix {
		err = e.formCallback(ctx, c, d)
	} else {
		r, ok := e.callbacks[d.Prefix]
		if !ok {
			return e.staleButton(ctx, c)
		}
		if !r.access.Allows(c.User) {
			return r.access.refuse(ctx, c)
		}
		err = r.h(ctx, c)
	}
	if errors.Is(err, ErrBadButton) {
		return e.badButton(ctx, c, err)
	}
	return err
}

// badButton answers a button whose data is malformed or forged as an old
// one; the log says why, never what the data was.
func (e *Engine) badButton(ctx context.Context, c *Ctx, err error) error {
	e.log.Debug("bad button", "channel", c.Update.Channel, "user", c.Update.UserID, "err", err.Error())
	return e.staleButton(ctx, c)
}

// staleButton answers a button that no longer means anything.
func (e *Engine) staleButton(ctx context.Context, c *Ctx) error {
	if err := c.Answer(ctx, c.T("common.stale_button"), false); err != nil {
		return err
	}
	return e.remindForm(ctx, c)
}

// SendTo sends a reply outside an update (a notice, a reminder); it
// returns ErrBlocked when the user blocked the bot.
func (e *Engine) SendTo(ctx context.Context, channel, chatID string, r Reply) error {
	e.mu.RLock()
	s := e.senders[channel]
	e.mu.RUnlock()
	if s == nil {
		return fmt.Errorf("no sender for channel %q", channel)
	}
	if err := r.checkButtons(); err != nil {
		return err
	}
	r, _ = r.Degrade(limitsOf(s))
	_, err := s.Send(ctx, chatID, r)
	return err
}

// ChatMenus is a Sender that can give one chat its own command menu.
type ChatMenus interface {
	SetChatCommands(ctx context.Context, chatID string, cmds []MenuCommand) error
}

// SetChatMenu gives an officer's chat the officers' command menu, or gives
// a chat back the producers' menu (officer false).
func (e *Engine) SetChatMenu(ctx context.Context, channel, chatID, lang string, officer bool) error {
	e.mu.RLock()
	s := e.senders[channel]
	e.mu.RUnlock()
	cm, ok := s.(ChatMenus)
	if !ok {
		return nil
	}
	var cmds []MenuCommand
	if officer {
		cmds = e.Menu(lang, true)
	}
	return cm.SetChatCommands(ctx, chatID, cmds)
}

// T renders a message id in lang (for messages sent outside an update).
func (e *Engine) T(lang, id string, data map[string]any) string { return e.tr.T(lang, id, data) }

// Commands lists the registered command names, sorted (for tests and help).
func (e *Engine) Commands() []string {
	var out []string
	for n := range e.commands {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
