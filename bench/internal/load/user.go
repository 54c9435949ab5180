package load

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
)

// Bot says what answers the bot under test gives.
type Bot uint8

// Bots.
const (
	// Full is the OCOP bot: each step is answered by the messages of the
	// step's Expect, checked against their templates.
	Full Bot = iota + 1
	// Echo is a bare echo bot: each update is answered by one message
	// repeating its text (or callback data, or phone number).
	Echo
)

func (b Bot) String() string {
	if b == Echo {
		return "echo"
	}
	return "full"
}

// Run describes the users of a loop.
type Run struct {
	Fake    *Fake
	Bot     Bot
	Steps   []script.Step
	Matcher *script.Matcher // for Full
	// FirstUser is the user id of the first simulated user; the next ones
	// follow. Ids must not be reused on one bot.
	FirstUser int64
	// Timeout bounds the wait for the answer to one update.
	Timeout time.Duration
}

// ErrTimeout is returned when the bot did not answer an update in time.
var ErrTimeout = errors.New("load: no answer in time")

// user is one simulated Telegram user.
type user struct {
	run     *Run
	id      int64
	tg      telegramtest.User
	replies chan reply
	// The newest message with an inline keyboard, for Press.
	kbMsg    int
	kbMarkup string
	lastMsg  int
	timer    *time.Timer
}

func (r *Run) newPlayer(k int64) player { return r.newUser(k) }

func (r *Run) script() []script.Step { return r.Steps }

func (r *Run) waitLimit() time.Duration { return r.Timeout }

func (r *Run) newUser(n int64) *user {
	id := r.FirstUser + n
	u := &user{
		run:     r,
		id:      id,
		tg:      telegramtest.User{ID: id, FirstName: "Người dùng", LastName: strconv.FormatInt(id, 10), LanguageCode: "vi"},
		replies: make(chan reply, 64),
	}
	r.Fake.attach(id, u.replies)
	return u
}

// close stops routing replies to the user.
func (u *user) close() {
	u.run.Fake.detach(u.id)
	if u.timer != nil {
		u.timer.Stop()
	}
}

// do sends the update of step and waits for the bot's answer. It returns
// the latency: from the update's arrival at the fake to the first message
// the bot sent or edited in the user's chat.
func (u *user) do(ctx context.Context, step script.Step) (sample, error) {
	d, err := u.exchange(ctx, step)
	return sample{reply: d}, err
}

func (u *user) exchange(ctx context.Context, step script.Step) (time.Duration, error) {
	upd, want, err := u.build(step)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := u.run.Fake.deliver(ctx, upd); err != nil {
		return 0, err
	}
	if u.timer == nil {
		u.timer = time.NewTimer(u.run.Timeout)
	} else {
		u.timer.Reset(u.run.Timeout)
	}
	defer u.timer.Stop()
	var latency time.Duration
	sent := 0
	for sent < len(want) {
		var r reply
		select {
		case r = <-u.replies:
		case <-u.timer.C:
			return 0, fmt.Errorf("%w: user %d, step %q: %d of %d messages after %v", ErrTimeout, u.id, step.TextFor(u.id), sent, len(want), u.run.Timeout)
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		if latency == 0 {
			latency = max(r.at.Sub(start), time.Nanosecond)
		}
		if r.method != "sendMessage" {
			continue // an edit answers, but is not one of the messages counted
		}
		if err := u.check(step, want[sent], r); err != nil {
			return 0, err
		}
		sent++
		u.lastMsg = r.msgID
		if r.markup != "" {
			u.kbMsg, u.kbMarkup = r.msgID, r.markup
		}
	}
	return latency, nil
}

// build returns the update of step and the answers expected: message ids
// for Full, the echoed text for Echo.
func (u *user) build(step script.Step) (models.Update, []string, error) {
	f := u.run.Fake
	echo := u.run.Bot == Echo
	switch step.Action {
	case script.Text:
		text := step.TextFor(u.id)
		return f.textUpdate(u.tg, text), u.expect(step, text), nil
	case script.Contact:
		phone := step.TextFor(u.id)
		return f.contactUpdate(u.tg, phone), u.expect(step, phone), nil
	case script.Press:
		if echo {
			return f.callbackUpdate(u.tg, u.lastMsg, step.Echo), []string{step.Echo}, nil
		}
		data, ok := findButton(u.kbMarkup, step.Arg)
		if !ok {
			return models.Update{}, nil, fmt.Errorf("load: user %d: no button %q on the bot's last keyboard (%s)", u.id, step.Arg, u.kbMarkup)
		}
		return f.callbackUpdate(u.tg, u.kbMsg, data), step.Expect, nil
	}
	return models.Update{}, nil, fmt.Errorf("load: unknown action %d", step.Action)
}

func (u *user) expect(step script.Step, text string) []string {
	if u.run.Bot == Echo {
		return []string{text}
	}
	return step.Expect
}

// check verifies one message of the answer.
func (u *user) check(step script.Step, want string, r reply) error {
	ok := r.text == want
	if u.run.Bot == Full {
		ok = u.run.Matcher.Match(r.text, want)
	}
	if !ok {
		return fmt.Errorf("load: user %d, step %q: the bot sent %q, want %s", u.id, step.TextFor(u.id), r.text, want)
	}
	return nil
}
