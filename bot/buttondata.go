package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// MaxButtonData is the most bytes a button may carry back: Telegram's
// callback_data holds 1–64 bytes. Zalo's button payload holds 1,000
// characters, of which the data takes this much after zalo.ButtonPrefix.
const MaxButtonData = 64

// ErrBadButton is the error of button data that does not read (forged,
// torn, or typed on a channel whose buttons come back as text), or that
// lacks what its handler needs. The engine answers it as an old button and
// logs it at debug level, without the data.
var ErrBadButton = errors.New("malformed button data")

// ButtonData is what an inline button carries back when pressed, typed.
// On the wire it is "<prefix>|<verb>|<id>|…|<arg>": the prefix names the
// handler (the routes table), the verb what to do, the ids the records it
// is about (a product, an event, a user), and the argument one word more
// (a dossier item, a stage, a nonce). Build it with Data and With, put it
// on a button with Button, and read the pressed one from Ctx.Pressed.
//
// The prefix and the verb are words of ASCII letters, digits, "_" and
// "-"; the argument is printable ASCII without spaces or "|", and never a
// number (it would come back as an id). An id is a decimal int64 as
// strconv writes it. Encode writes the argument last; ParseButtonData
// reads it wherever it stands among the ids, so that the form buttons sent
// before this codec ("f|<nonce>|<step>|<action>|<index>") still read.
type ButtonData struct {
	Prefix string
	Verb   string
	IDs    []int64
	Arg    string
}

// Data returns the data of a button for the handler of prefix.
func Data(prefix, verb string, ids ...int64) ButtonData {
	return ButtonData{Prefix: prefix, Verb: verb, IDs: ids}
}

// With returns d carrying arg.
func (d ButtonData) With(arg string) ButtonData {
	d.Arg = arg
	return d
}

// Encode returns the data as the channel carries it, or an error when a
// part is not of its form or the whole is over MaxButtonData bytes.
func (d ButtonData) Encode() (string, error) {
	if !isWord(d.Prefix) {
		return "", fmt.Errorf("%w: prefix %q is not a word", ErrBadButton, d.Prefix)
	}
	if !isWord(d.Verb) {
		return "", fmt.Errorf("%w: the verb of %s is not a word", ErrBadButton, d.Prefix)
	}
	// The argument is not quoted: it may have come from what a user typed.
	if !isArg(d.Arg) {
		return "", fmt.Errorf("%w: the argument of %s|%s has a space, a \"|\" or a character beyond ASCII", ErrBadButton, d.Prefix, d.Verb)
	}
	if _, isID := readID(d.Arg); isID {
		return "", fmt.Errorf("%w: the argument of %s|%s is a number (it would come back as an id)", ErrBadButton, d.Prefix, d.Verb)
	}
	var buf [MaxButtonData]byte
	b := append(buf[:0], d.Prefix...)
	b = append(b, '|')
	b = append(b, d.Verb...)
	for _, id := range d.IDs {
		b = append(b, '|')
		b = strconv.AppendInt(b, id, 10)
	}
	if d.Arg != "" {
		b = append(b, '|')
		b = append(b, d.Arg...)
	}
	if len(b) > MaxButtonData {
		return "", fmt.Errorf("%w: %s|%s takes %d bytes, over %d", ErrBadButton, d.Prefix, d.Verb, len(b), MaxButtonData)
	}
	return string(b), nil
}

// ParseButtonData reads the data of a pressed button. Its errors wrap
// ErrBadButton and never quote the data (on Zalo it may be text a user
// typed).
func ParseButtonData(s string) (ButtonData, error) {
	var d ButtonData
	if len(s) > MaxButtonData {
		return d, fmt.Errorf("%w: %d bytes, over %d", ErrBadButton, len(s), MaxButtonData)
	}
	prefix, rest, ok := strings.Cut(s, "|")
	if !ok || !isWord(prefix) {
		return d, fmt.Errorf("%w: no prefix", ErrBadButton)
	}
	verb, rest, more := strings.Cut(rest, "|")
	if !isWord(verb) {
		return d, fmt.Errorf("%w: no verb", ErrBadButton)
	}
	d.Prefix, d.Verb = prefix, verb
	hasArg := false
	for more {
		var field string
		field, rest, more = strings.Cut(rest, "|")
		if id, ok := readID(field); ok {
			d.IDs = append(d.IDs, id)
			continue
		}
		if hasArg {
			return ButtonData{}, fmt.Errorf("%w: two arguments", ErrBadButton)
		}
		if !isArg(field) {
			return ButtonData{}, fmt.Errorf("%w: an argument with a space or beyond ASCII", ErrBadButton)
		}
		d.Arg, hasArg = field, true
	}
	return d, nil
}

// ID returns the i-th id (from 0), or an error wrapping ErrBadButton when
// the data has none there: a handler returns it, and the press is
// answered as an old button.
func (d ButtonData) ID(i int) (int64, error) {
	if i < 0 || i >= len(d.IDs) {
		return 0, fmt.Errorf("%w: %s button without id %d", ErrBadButton, d.Prefix, i)
	}
	return d.IDs[i], nil
}

// Button returns an inline button that carries d. Data that cannot be
// encoded (too long, a part not of its form) is a programming error: the
// reply carrying the button fails when sent, with an internal error, and
// nothing of it goes out.
func (d ButtonData) Button(label string) Button {
	s, err := d.Encode()
	return Button{Label: label, Data: s, err: err}
}

// checkButtons returns an internal error when a button of r could not be
// encoded or carries data that would not read back (built by hand).
func (r *Reply) checkButtons() error {
	for _, row := range r.Buttons {
		for _, b := range row {
			err := b.err
			if err == nil && b.URL == "" {
				_, err = ParseButtonData(b.Data)
			}
			if err != nil {
				return domain.E("reply.buttons", domain.KindInternal, err)
			}
		}
	}
	return nil
}

// readID reads a field that is an id: a decimal int64 exactly as strconv
// writes it (no sign "+", no leading zeros), so that it reads back the
// same.
func readID(s string) (int64, bool) {
	// Most fields asked are words: no ParseInt (and its error) for them.
	if s == "" || (s[0] < '0' || s[0] > '9') && s[0] != '-' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	var buf [20]byte
	return n, string(strconv.AppendInt(buf[:0], n, 10)) == s
}

// isWord reports whether s is a non-empty word of ASCII letters, digits,
// "_" and "-".
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isArg reports whether s is printable ASCII without spaces or "|"
// (possibly empty).
func isArg(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '|' {
			return false
		}
	}
	return true
}
