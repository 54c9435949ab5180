// Package console is the terminal channel: the same flows as Telegram, with
// buttons shown as numbered choices. Typing a number presses that button.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
)

// ChannelName is the channel's name in updates and users.
const ChannelName = "console"

// Console reads a user's lines from in and prints the bot's replies to out.
type Console struct {
	in     *bufio.Reader
	out    io.Writer
	user   string
	name   string
	t      func(id string) string
	mu     sync.Mutex
	msgID  int
	opts   []option // the numbered choices of the last message with buttons
	nextID int64
	limits bot.Limits
}

// LikeZalo makes the console show replies under Zalo's limits: at most 5
// buttons (more become a numbered list in the text), no edits; a button is
// pressed by typing "#" and its number ("#1"), since on Zalo a number
// typed is text.
func (c *Console) LikeZalo() {
	c.limits = bot.Limits{MaxButtons: 5, NoEdit: true, PlainText: true, NoToast: true, NoKeyboard: true}
}

// Limits tells the engine what the console shows (everything, unless
// LikeZalo).
func (c *Console) Limits() bot.Limits { return c.limits }

type option struct {
	label   string
	data    string // callback data
	url     string
	msgID   string
	contact bool
	key     bool // a reply-keyboard word: sent as text
}

// New returns a console for the user with id userID; t renders the
// console's own message ids (the contact prompt).
func New(in io.Reader, out io.Writer, userID, name string, t func(id string) string) *Console {
	return &Console{in: bufio.NewReader(in), out: out, user: userID, name: name, t: t}
}

var _ bot.Sender = (*Console)(nil)

// plain turns the bot's HTML into terminal text.
func plain(s string) string { return bot.PlainText(s) }

// Send prints a reply and numbers its buttons.
func (c *Console) Send(_ context.Context, _ string, r bot.Reply) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgID++
	id := strconv.Itoa(c.msgID)
	var b strings.Builder
	b.WriteString("\n")
	if att := firstAttachment(r); att != nil {
		b.WriteString(c.saveAttachment(att))
		b.WriteString("\n")
	}
	b.WriteString(plain(r.Text))
	b.WriteString("\n")
	var opts []option
	for _, row := range r.Buttons {
		for _, btn := range row {
			opts = append(opts, option{label: btn.Label, data: btn.Data, url: btn.URL, msgID: id})
		}
	}
	if r.Contact != "" || r.PickUser != "" {
		if r.Contact != "" {
			opts = append(opts, option{label: r.Contact, contact: true})
		}
		for _, k := range r.Keys {
			opts = append(opts, option{label: k, key: true})
		}
	}
	if len(opts) > 0 {
		c.opts = opts
		for i, o := range opts {
			label := plain(o.label)
			if o.url != "" {
				label += " → " + o.url
			}
			fmt.Fprintf(&b, "  [%s%d] %s\n", c.pressMark(), i+1, label)
		}
	} else if r.RemoveKeyboard || c.limits.MaxButtons > 0 {
		// Like Zalo, numbers refer to the latest message: a numbered list
		// in its text is the engine's to read.
		c.opts = nil
	}
	_, err := io.WriteString(c.out, b.String())
	return id, err
}

// AnswerCallback prints the notice of a pressed button, if any.
func (c *Console) AnswerCallback(_ context.Context, _ string, text string, _ bool) error {
	if text == "" {
		return nil
	}
	_, err := fmt.Fprintf(c.out, "(%s)\n", plain(text))
	return err
}

// Run sends /start, then turns each typed line into an update until the
// input ends or ctx is done.
func (c *Console) Run(ctx context.Context, handle func(context.Context, *bot.Update) error) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		for {
			line, err := c.in.ReadString('\n')
			if line != "" || err == nil {
				select {
				case lines <- strings.TrimRight(line, "\r\n"):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					errc <- err
				}
				return
			}
		}
	}()
	if err := handle(ctx, c.update("/start")); err != nil {
		return err
	}
	for {
		fmt.Fprint(c.out, "> ")
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			select {
			case err := <-errc:
				return err
			default:
				return nil
			}
		}
		u := c.lineUpdate(line)
		if u == nil {
			var more bool
			fmt.Fprintf(c.out, "%s\n> ", plain(c.t("console.type_phone")))
			select {
			case <-ctx.Done():
				return nil
			case line, more = <-lines:
			}
			if !more {
				return nil
			}
			u = c.update("")
			u.Kind, u.Text = bot.KindContact, ""
			u.Contact = &bot.Contact{Phone: line, Own: true}
		}
		if err := handle(ctx, u); err != nil {
			return err
		}
	}
}

// lineUpdate turns a typed line into an update; nil means the contact
// button was chosen and the phone number is to be read next.
func (c *Console) lineUpdate(line string) *bot.Update {
	c.mu.Lock()
	opts := c.opts
	c.mu.Unlock()
	press, ok := strings.CutPrefix(strings.TrimSpace(line), c.pressMark())
	if n, err := strconv.Atoi(press); ok && err == nil && n >= 1 && n <= len(opts) {
		o := opts[n-1]
		switch {
		case o.contact:
			return nil
		case o.key:
			return c.update(o.label)
		case o.url != "":
			return c.update(line)
		default:
			u := c.update("")
			u.Kind = bot.KindCallback
			c.nextID++
			u.Callback = &bot.Callback{ID: "cb" + strconv.FormatInt(c.nextID, 10), Data: o.data, MessageID: o.msgID}
			return u
		}
	}
	return c.update(line)
}

// pressMark is what is typed before a button's number to press it: none,
// or "#" like Zalo, where buttons carry no number and a number typed is
// text for the bot to read (a pick from a numbered list, an answer).
func (c *Console) pressMark() string {
	if c.limits.MaxButtons > 0 {
		return "#"
	}
	return ""
}

func (c *Console) update(text string) *bot.Update {
	u := &bot.Update{Channel: ChannelName, UserID: c.user, ChatID: c.user, Private: true, Name: c.name, Text: text, At: time.Now()}
	if cmd, args := bot.ParseCommand(text); cmd != "" {
		u.Kind, u.Command, u.Args = bot.KindCommand, cmd, args
	} else {
		u.Kind = bot.KindText
	}
	return u
}

func firstAttachment(r bot.Reply) *bot.Attachment {
	if r.Photo != nil {
		return r.Photo
	}
	return r.Document
}

// saveAttachment writes a file the bot sends into a temporary folder and
// says where it is (a terminal cannot show it).
func (c *Console) saveAttachment(att *bot.Attachment) string {
	if len(att.Data) == 0 {
		return "[" + att.Name + "]"
	}
	dir, err := os.MkdirTemp("", "ocopbot-")
	if err != nil {
		return "[" + att.Name + "]"
	}
	name := filepath.Base(att.Name)
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, att.Data, 0o600); err != nil {
		return "[" + att.Name + "]"
	}
	return "📎 " + p
}
