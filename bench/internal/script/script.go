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
		{Action: Text, Arg: "/start", Expect: []string{"start.welcome", "consent.ask"}},
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
// between {{placeholders}}), like the end-to-end tests check.
type Matcher struct {
	parts map[string][]string
}

var placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}`)

// NewMatcher loads the Vietnamese templates of the message ids in steps.
func NewMatcher(steps []Step) (*Matcher, error) {
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		return nil, err
	}
	m := &Matcher{parts: map[string][]string{}}
	for _, s := range steps {
		for _, id := range s.Expect {
			tmpl, ok := tr.Template("vi", id)
			if !ok {
				return nil, fmt.Errorf("script: no Vietnamese message %q", id)
			}
			var parts []string
			for _, part := range placeholderRE.Split(tmpl, -1) {
				for _, line := range strings.Split(part, "\n") {
					if line = strings.TrimSpace(line); line != "" {
						parts = append(parts, line)
					}
				}
			}
			m.parts[id] = parts
		}
	}
	return m, nil
}

// Match reports whether text is the message id.
func (m *Matcher) Match(text, id string) bool {
	parts, ok := m.parts[id]
	if !ok {
		return false
	}
	for _, p := range parts {
		if !strings.Contains(text, p) {
			return false
		}
	}
	return true
}
