package bot

import (
	"context"
	"errors"
	"fmt"
	"io"

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
// message shown ("" when the user blocked the bot).
func (c *Ctx) SendID(ctx context.Context, r Reply) (string, error) {
	if c.blocked {
		return "", nil
	}
	if limitsOf(c.sender).NoToast || c.Update.Callback != nil && c.Update.Callback.Typed {
		if c.said == nil {
			c.said = map[string]bool{}
		}
		c.said[r.Text] = true
	}
	id, err := c.sender.Send(ctx, c.Update.ChatID, c.degrade(r))
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
