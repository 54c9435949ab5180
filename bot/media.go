package bot

import (
	"context"
	"errors"
	"fmt"

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
	return s.Send(ctx, chatID, r)
}

// SendID sends a reply to the user's chat and returns the id of the
// message shown ("" when the user blocked the bot).
func (c *Ctx) SendID(ctx context.Context, r Reply) (string, error) {
	if c.blocked {
		return "", nil
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
