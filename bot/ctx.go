package bot

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Sender delivers replies on one channel.
type Sender interface {
	// Send sends r to chatID (or edits r.Edit there) and returns the id of
	// the message shown.
	Send(ctx context.Context, chatID string, r Reply) (string, error)
	// AnswerCallback answers a pressed button; text may be empty.
	AnswerCallback(ctx context.Context, callbackID, text string, alert bool) error
}

// Downloader is a Sender that can fetch a file the user sent.
type Downloader interface {
	// Download opens the file; it refuses files over max bytes.
	Download(ctx context.Context, fileID string, max int64) (io.ReadCloser, error)
}

// ErrTooLarge is returned by a Downloader for a file over the limit.
var ErrTooLarge = errors.New("file too large")

// ErrBlocked is returned by a Sender when the user blocked the bot.
var ErrBlocked = errors.New("bot blocked by the user")

// ErrOutsideWindow is returned by a Sender when the messenger refuses a
// message because the user has not written for too long (Zalo: 7 days).
var ErrOutsideWindow = errors.New("outside the reply window")

// Ctx is the state of one update as it goes through the engine.
type Ctx struct {
	Update  *Update
	User    domain.User
	Session *Session
	Locale  string
	// Pressed is the data of the button pressed, read by the engine before
	// its handler runs (a callback update only).
	Pressed ButtonData

	engine   *Engine
	sender   Sender
	answered bool
	toast    string          // a notice kept for a channel without toasts (Limits.NoToast)
	alert    bool            // the kept notice is an alert
	said     map[string]bool // texts sent in this update, on such a channel
	sent     int
	blocked  bool
	lead     *Reply // a Lead kept to open the next message (SendID)
	// Flow and Step are filled for the log record.
	Flow, Step string
	// preloaded: Session and sessionRaw were read with the update's claim.
	preloaded  bool
	sessionRaw []byte
	// finished: the update was marked done with the session's save.
	finished bool
	// duplicate: the claim found the update handled, or being handled.
	duplicate bool
	// understood is what a loosely typed answer was taken for, said at the
	// top of the next question of the form ("Đã chọn: Phường Thanh Điền").
	understood string
	// noticeData fills the notice of the next prompt: a step's Check
	// refused the answer with a message that names something.
	noticeData map[string]any
	// awaited: this update follows the bot's request for words (Awaited).
	awaited bool
	// cancelAsked: the update asked to confirm cancelling the form; no
	// reminder of the form follows.
	cancelAsked bool
	// keptNext: the KeepForNext values this update kept.
	keptNext map[string]bool
	// saving is the save of a confirming step in progress (see once), and
	// ref the record it named (Saved).
	saving *saving
	ref    string
	// stopped: a hard stop cut the update short; it is left pending.
	stopped bool
}

// T renders a message id in the user's language.
func (c *Ctx) T(id string, data ...map[string]any) string {
	var d map[string]any
	if len(data) > 0 {
		d = data[0]
	}
	return c.engine.tr.T(c.Locale, id, d)
}

// Label renders a message id as a button label (or a choice's label):
// plain text, with the data as it is (a product named "Bánh tráng &
// muối tôm" keeps its "&"), since every channel shows labels as typed.
func (c *Ctx) Label(id string, data ...map[string]any) string {
	var d map[string]any
	if len(data) > 0 {
		d = data[0]
	}
	return c.engine.tr.Plain(c.Locale, id, d)
}

// Send sends a reply to the user's chat at once.
func (c *Ctx) Send(ctx context.Context, r Reply) error {
	_, err := c.SendID(ctx, r)
	return err
}

// degrade fits r to the channel's limits and remembers the choices it
// shows (the numbered ones instead of buttons, and every button's label),
// so that a typed number or label presses one; a later message with
// buttons replaces them.
func (c *Ctx) degrade(r Reply) Reply {
	lim := limitsOf(c.sender)
	buttons := r.Buttons
	var numbered []Button
	if lim != (Limits{}) {
		r, numbered = r.Degrade(lim)
	}
	// Every channel remembers the labels, so that typing a button's words
	// ("đồng ý", "dạ có") presses it.
	if c.Session != nil && len(buttons) > 0 {
		var data []string
		for _, b := range numbered {
			data = append(data, b.Data)
		}
		c.Session.Numbered = data
		c.Session.Labels = nil
		for _, row := range buttons {
			for _, b := range row {
				k, meaning := labelFacts(b.Label)
				if b.Data == "" || k == "" {
					continue
				}
				if c.Session.Labels == nil {
					c.Session.Labels = map[string]string{}
				}
				if _, dup := c.Session.Labels[k]; !dup {
					c.Session.Labels[k] = b.Data
				}
				rememberMeaning(c.Session.Labels, meaning, b.Data)
			}
		}
	}
	return r
}

// NumbersButtons reports whether a reply with n buttons is shown on the
// user's channel as a numbered list, so that a handler may number its own
// lines instead (Reply.Listed).
func (c *Ctx) NumbersButtons(n int) bool { return limitsOf(c.sender).NumbersButtons(n) }

// AwaitText says the bot has just asked for words of the user's own (a
// question for the officers, an officer's answer): the numbered list
// remembered from an earlier message (Zalo shows choices beyond its
// buttons as numbered lines) is dropped, so that a number typed next is
// not a pick from a list further up, and the next text does not press a
// button by the first words of its label ("xoai cat" is a question, not
// «🧺 Xoài cát …»). A button's whole label typed ("Đăng ký") still presses
// it.
func (c *Ctx) AwaitText() {
	if c.Session != nil {
		c.Session.Numbered = nil
		c.Session.Put(keyAwaitText, "1")
	}
}

// Awaited reports whether this update comes right after the bot asked for
// words (AwaitText): a handler keeping a "the next text is …" state drops
// it when the user went elsewhere in between (a command, a button).
func (c *Ctx) Awaited() bool { return c.awaited }

// KeepForNext keeps a handler value (Session.Put) for the next update of
// the user only: what that update does not keep again is gone after it,
// whatever it was (a button, a command, a text). key must begin with
// "~". A question kept for the «Hỏi cán bộ» button under it is one: the
// button pressed later, after something else, must not send it.
func (c *Ctx) KeepForNext(key, value string) {
	if c.Session == nil || !strings.HasPrefix(key, fleeting) {
		return
	}
	c.Session.Put(key, value)
	if c.keptNext == nil {
		c.keptNext = map[string]bool{}
	}
	c.keptNext[key] = true
}

// fleeting begins the Session.Data keys of KeepForNext.
const fleeting = "~"

// keyAwaitText marks, in Session.Data, that the next text is words the bot
// asked for (AwaitText); route reads it once.
const keyAwaitText = "bot.await"

// Say sends one localized message.
func (c *Ctx) Say(ctx context.Context, id string, data ...map[string]any) error {
	return c.Send(ctx, Reply{Text: c.T(id, data...)})
}

// Answer answers the pressed button of this update (once); text shows as a
// small notice, or as an alert box when alert is set.
func (c *Ctx) Answer(ctx context.Context, text string, alert bool) error {
	if c.Update.Callback == nil || c.answered {
		return nil
	}
	c.answered = true
	if limitsOf(c.sender).NoToast || c.Update.Callback.Typed {
		c.toast, c.alert = text, alert
		return nil
	}
	if err := c.commitSave(); err != nil {
		return err
	}
	if err := c.sender.AnswerCallback(ctx, c.Update.Callback.ID, text, alert); err != nil {
		// Answering only ends the button's spinner, and a press handed out
		// again after a restart (or a long outage) is too old to answer:
		// the update goes on, and a notice the answer carried is sent as a
		// message at its end (flushToast), as on a channel without toasts.
		c.engine.log.Warn("answer callback", "channel", c.Update.Channel, "update", c.Update.ID, "err", err.Error())
		c.toast, c.alert = text, alert
	}
	return nil
}

// flushToast sends, on a channel without toasts, the notice of a pressed
// button as a message at the end of the update: an alert (a refusal)
// unless the same text was said already, a short notice only when the
// update sent nothing else (it would repeat what that said).
func (c *Ctx) flushToast(ctx context.Context) {
	if c.toast != "" && ((c.alert && !c.said[c.toast]) || c.sent == 0) {
		_ = c.Send(ctx, Reply{Text: c.toast})
	}
	c.toast = ""
}

// Download fetches a file the user sent, when the channel can.
func (c *Ctx) Download(ctx context.Context, fileID string, max int64) (io.ReadCloser, error) {
	d, ok := c.sender.(Downloader)
	if !ok {
		return nil, domain.Invalid("download", "dossier.files_not_supported")
	}
	return d.Download(ctx, fileID, max)
}

// IsOfficer reports whether the user has an officer or admin role.
func (c *Ctx) IsOfficer() bool { return c.User.Role.IsOfficer() }

// Engine returns the engine, for handlers that start or resume flows.
func (c *Ctx) Engine() *Engine { return c.engine }
