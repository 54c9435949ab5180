// Package script is what the simulated users of the benchmarks do: /start
// and the full registration, step by step, with the messages the bot
// answers each step with (as message ids of locales/), and the same
// updates as an echo bot sees them.
package script

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/locales"
)

// Action is what a user does in a step.
type Action uint8

// Actions.
const (
	Text    Action = iota + 1 // type Arg (a command when it starts with "/")
	Press                     // press the newest inline button whose label contains Arg
	Contact                   // share one's own phone number (Phone)
)

// Step is one update sent by a user and the bot's answer to it.
type Step struct {
	Action Action
	// Arg is the text typed (with %d standing for the user id) or the
	// label of the button pressed.
	Arg string
	// Echo is the callback data of a Press as sent to the echo bot, which
	// has no buttons to press.
	Echo string
	// Expect lists the message ids of the messages the bot sends in answer,
	// in order. Edits of earlier messages and callback answers do not count.
	Expect []string
}

// TextFor returns the text a user types in the step, or the phone number
// a user shares.
func (s Step) TextFor(user int64) string {
	switch s.Action {
	case Contact:
		return Phone(user)
	case Text:
		if strings.Contains(s.Arg, "%d") {
			return fmt.Sprintf(s.Arg, user)
		}
	}
	return s.Arg
}

// Registration returns the steps of a new user: /start, consent, and the
// registration form to its end (DESIGN §2), with the optional steps
// skipped. The answers are valid, so each step is answered once.
func Registration() []Step {
	return []Step{
		{Action: Text, Arg: "/start", Expect: []string{"start.welcome+consent.ask"}},
		{Action: Press, Arg: "Đồng ý", Echo: "c|y", Expect: []string{"consent.next"}},
		{Action: Press, Arg: "Đăng ký", Echo: "m|dangky", Expect: []string{"register.ask_kind"}},
		{Action: Press, Arg: "Hợp tác xã", Echo: "f|abcdefgh|0|c|0", Expect: []string{"register.ask_name"}},
		{Action: Text, Arg: "HTX Bánh tráng Trảng Bàng số %d", Expect: []string{"register.ask_rep"}},
		{Action: Text, Arg: "Nguyễn Văn An", Expect: []string{"register.ask_phone"}},
		{Action: Contact, Expect: []string{"form.noted", "register.ask_commune"}},
		{Action: Text, Arg: "binh minh", Expect: []string{"register.ask_regno"}},
		{Action: Press, Arg: "Bỏ qua", Echo: "f|abcdefgh|5|s", Expect: []string{"register.ask_channels"}},
		{Action: Press, Arg: "Bỏ qua", Echo: "f|abcdefgh|6|s", Expect: []string{"form.confirm_title"}},
		{Action: Press, Arg: "Xác nhận", Echo: "f|abcdefgh|99|k", Expect: []string{"register.done"}},
	}
}

// Form stands in a Zalo step's Expect for the phone-number form (a
// request_user_info message), which the bot sends just before the question
// of the phone step.
const Form = "@form"

// ZaloRegistration is Registration as a Zalo user plays it (DESIGN §3b):
// the same updates, as webhook events. A button is an oa.query.hide button
// whose payload ("#b:" and the data) comes back as the user's text, or,
// when a message has more than five choices, a line of a numbered list in
// its text, answered by typing the number. The phone comes from the
// request_user_info form (a user_submit_info event). Zalo has no edits:
// the consent's confirmation opens the next message, as an acknowledgement
// does (bot.Reply.Lead). Each entry of Expect is one message; ids joined by
// "+" are parts of one message.
//
// Echo is what the bare handler gets for a Press (the payload, as Zalo
// posts it); it echoes the text of every event, or the phone number of the
// form.
func ZaloRegistration() []Step {
	return []Step{
		{Action: Text, Arg: "/start", Expect: []string{"start.welcome+consent.ask"}},
		{Action: Press, Arg: "Đồng ý", Echo: "#b:c|y", Expect: []string{"consent.given+consent.next"}},
		{Action: Press, Arg: "Đăng ký", Echo: "#b:m|dangky", Expect: []string{"form.header+register.ask_kind"}},
		{Action: Press, Arg: "Hợp tác xã", Echo: "#b:f|abcdefgh|0|c|0", Expect: []string{"form.header+register.ask_name"}},
		{Action: Text, Arg: "HTX Bánh tráng Trảng Bàng số %d", Expect: []string{"form.header+register.ask_rep"}},
		{Action: Text, Arg: "Nguyễn Văn An", Expect: []string{Form, "form.header+register.ask_phone"}},
		{Action: Contact, Expect: []string{"form.noted+form.header+register.ask_commune"}},
		{Action: Text, Arg: "binh minh", Expect: []string{"form.header+register.ask_regno"}},
		{Action: Press, Arg: "Bỏ qua", Echo: "#b:f|abcdefgh|5|s", Expect: []string{"form.header+register.ask_channels"}},
		{Action: Press, Arg: "Bỏ qua", Echo: "#b:f|abcdefgh|6|s", Expect: []string{"form.confirm_title"}},
		{Action: Press, Arg: "Xác nhận", Echo: "#b:f|abcdefgh|99|k", Expect: []string{"register.done"}},
	}
}

// ZaloPhone is Phone as Zalo's form gives it: 84… without the plus.
func ZaloPhone(user int64) string { return strings.TrimPrefix(Phone(user), "+") }

// OpenAt returns the first steps of Registration, which leave the user's
// registration open at form step n (1 to 7): the bot has asked that step's
// question and keeps the answers so far in the session.
func OpenAt(n int) []Step {
	const formStart = 3 // /start, consent, "Đăng ký" come before step 1
	all := Registration()
	n = max(1, min(n, 7))
	return all[:formStart+n-1]
}

// Phone returns the Vietnamese mobile number of a simulated user, unique per
// user id below 10^8, in the international form Telegram shares.
func Phone(user int64) string { return fmt.Sprintf("+8490%07d", user%10_000_000) }

// Matcher tells whether a message the bot sent is a given message id: the
// text must contain every literal part of the Vietnamese template (the parts
// between {{placeholders}}), like the end-to-end tests check. An id may be
// several ids joined by "+": the message must be each of them.
type Matcher struct {
	parts map[string][]string
}

var placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}`)

// NewMatcher loads the Vietnamese templates of the message ids in steps.
func NewMatcher(steps []Step) (*Matcher, error) { return newMatcher(steps, false) }

// NewPlainMatcher is NewMatcher for a channel that shows plain text
// (Zalo): the HTML of the templates' literal parts is dropped, as the
// channel's sender drops it (bot.PlainText). Pseudo-ids such as Form are
// skipped.
func NewPlainMatcher(steps []Step) (*Matcher, error) { return newMatcher(steps, true) }

func newMatcher(steps []Step, plain bool) (*Matcher, error) {
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		return nil, err
	}
	m := &Matcher{parts: map[string][]string{}}
	for _, s := range steps {
		for _, ids := range s.Expect {
			if strings.HasPrefix(ids, "@") {
				continue
			}
			for _, id := range strings.Split(ids, "+") {
				tmpl, ok := tr.Template("vi", id)
				if !ok {
					return nil, fmt.Errorf("script: no Vietnamese message %q", id)
				}
				var parts []string
				for _, part := range placeholderRE.Split(tmpl, -1) {
					for _, line := range strings.Split(part, "\n") {
						if plain {
							line = bot.PlainText(line)
						}
						if line = strings.TrimSpace(line); line != "" {
							parts = append(parts, line)
						}
					}
				}
				m.parts[id] = parts
			}
		}
	}
	return m, nil
}

// Match reports whether text is the message id (or each of the ids joined
// by "+").
func (m *Matcher) Match(text, id string) bool {
	for _, one := range strings.Split(id, "+") {
		parts, ok := m.parts[one]
		if !ok {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(text, p) {
				return false
			}
		}
	}
	return true
}
