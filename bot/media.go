package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Sender returns the sender of a channel, or nil.
func (e *Engine) Sender(channel string) Sender {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.senders[channel]
}

// SendReplyTo sends a reply outside an update and returns the id of the
// message shown (to edit it later); ErrBlocked when the user blocked the bot.
func (e *Engine) SendReplyTo(ctx context.Context, channel, chatID string, r Reply) (string, error) {
	s := e.Sender(channel)
	if s == nil {
		return "", fmt.Errorf("no sender for channel %q", channel)
	}
	if err := r.checkButtons(); err != nil {
		return "", err
	}
	r, _ = r.Degrade(limitsOf(s))
	return s.Send(ctx, chatID, r)
}

// CanEdit reports whether the channel can edit a message it sent (Zalo
// cannot: a progress message is sent anew instead).
func (e *Engine) CanEdit(channel string) bool {
	s := e.Sender(channel)
	return s != nil && !limitsOf(s).NoEdit
}

// SendID sends a reply to the user's chat and returns the id of the
// message shown ("" when the user blocked the bot, or when r is a Lead
// kept for the next message).
func (c *Ctx) SendID(ctx context.Context, r Reply) (string, error) {
	if c.blocked {
		return "", nil
	}
	if err := r.checkButtons(); err != nil {
		return "", err
	}
	lim := limitsOf(c.sender)
	if lim.NoToast || c.Update.Callback != nil && c.Update.Callback.Typed {
		if c.said == nil {
			c.said = map[string]bool{}
		}
		c.said[r.Text] = true
	}
	r = c.degrade(r)
	if r.Lead && holdable(r) {
		if c.lead != nil {
			if merged, ok := c.withLead(r, lim); ok {
				r = merged
			}
		}
		c.lead = &r
		c.sent++
		return "", nil
	}
	r.Lead = false
	if c.lead != nil {
		if merged, ok := c.withLead(r, lim); ok {
			r = merged
			c.lead = nil
			c.sent-- // the lead was counted when it was kept
		} else if err := c.flushLead(ctx); err != nil {
			return "", err
		}
	}
	return c.send(ctx, r)
}

// send hands r, fitted to the channel, to the sender.
func (c *Ctx) send(ctx context.Context, r Reply) (string, error) {
	if c.blocked {
		return "", nil
	}
	// A confirming step's save is committed before the step speaks.
	if err := c.commitSave(); err != nil {
		return "", err
	}
	id, err := c.sender.Send(ctx, c.Update.ChatID, r)
	if errors.Is(err, ErrBlocked) {
		c.blocked = true
		return "", nil
	}
	if err != nil {
		return "", domain.E("send", domain.KindUnavailable, err)
	}
	c.sent++
	return id, nil
}

// maxMerged bounds the text of a lead joined to the next message, below
// Telegram's 4,096 characters; a longer one goes as two messages (Zalo's
// sender cuts at 2,000 anyway).
const maxMerged = 3500

// holdable reports whether r is text alone, which can open the next message.
func holdable(r Reply) bool {
	return r.Text != "" && len(r.Buttons) == 0 && r.Contact == "" && r.PickUser == "" &&
		len(r.Keys) == 0 && r.Photo == nil && r.Document == nil && r.Edit == ""
}

// withLead returns r opened by the kept lead, when r can carry it: a new
// text message (not a picture or file, not an edit), short enough, and
// not one whose buttons would stop the lead from taking a reply keyboard
// away.
func (c *Ctx) withLead(r Reply, lim Limits) (Reply, bool) {
	l := c.lead
	removes := l.RemoveKeyboard && !lim.NoKeyboard
	switch {
	case r.Photo != nil || r.Document != nil || r.Edit != "":
		return r, false
	case removes && len(r.Buttons) > 0:
		return r, false // one message has one keyboard: the removal goes first
	case utf8.RuneCountInString(l.Text)+utf8.RuneCountInString(r.Text)+2 > maxMerged:
		return r, false
	}
	if r.Text == "" {
		r.Text = l.Text
	} else {
		r.Text = l.Text + "\n\n" + r.Text
	}
	if removes && r.Contact == "" && r.PickUser == "" {
		r.RemoveKeyboard = true
	}
	return r, true
}

// flushLead sends the kept lead as a message of its own.
func (c *Ctx) flushLead(ctx context.Context) error {
	if c.lead == nil {
		return nil
	}
	r := *c.lead
	c.lead = nil
	c.sent--
	r.Lead = false
	_, err := c.send(ctx, r)
	return err
}

// LimitBody reads rc and fails with ErrTooLarge past max bytes; done (may
// be nil) runs when it is closed.
func LimitBody(rc io.ReadCloser, max int64, done func()) io.ReadCloser {
	return &limitedBody{r: io.LimitReader(rc, max+1), c: rc, max: max, done: done}
}

type limitedBody struct {
	r      io.Reader
	c      io.Closer
	n, max int64
	done   func()
}

func (l *limitedBody) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, ErrTooLarge
	}
	return n, err
}

func (l *limitedBody) Close() error {
	err := l.c.Close()
	if l.done != nil {
		l.done()
	}
	return err
}
