// Package bot is the channel-neutral conversation engine: updates come in from
// a channel adapter (Telegram, console, later Zalo), run through middleware
// (recovery, logging, user, locale, private-chat guard, roles, session), reach
// a command, a callback handler or the forms engine, and leave as replies sent
// through the channel's Sender.
package bot

import (
	"strings"
	"time"
)

// Kind is what an update carries.
type Kind uint8

const (
	KindText Kind = iota + 1
	KindCommand
	KindCallback
	KindContact
	KindPhoto
	KindDocument
	KindSticker
	KindVoice
	KindVideo
	KindLocation
	KindMember     // the user blocked or unblocked the bot
	KindUserShared // a user picked with the "choose a person" button
	KindOther
	// KindSeen: the user interacted without a message (Zalo's "Nhắn tin"
	// tap on the OA's profile): recorded as seen, nothing is answered.
	KindSeen
)

var kindNames = [...]string{"", "text", "command", "callback", "contact", "photo", "document", "sticker", "voice", "video", "location", "member", "user_shared", "other", "seen"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Update is one thing a user did, whatever the channel.
type Update struct {
	Channel  string // "telegram", "console", ...
	ID       int64  // the channel's update id (de-duplication key with Channel)
	UserID   string // the channel's user id
	ChatID   string // where replies go
	Private  bool   // a one-to-one chat with the bot
	Username string // without "@"
	Name     string // display name
	Kind     Kind
	// Recovered: the update was recorded before the last stop and is
	// handed out again (Intake.Recover); it may have been handled already.
	Recovered bool
	Text      string // message text or caption, as typed
	Command   string // "/dangky": lower case, without "@botname"
	Args      string // text after the command
	Callback  *Callback
	Contact   *Contact
	File      *File
	// Shared is the person picked for KindUserShared.
	Shared    *SharedUser
	Blocked   bool   // for KindMember: true when the user blocked the bot
	GroupLink string // for group chats: a link to a private chat with the bot
	At        time.Time
}

// Callback is a pressed inline button.
type Callback struct {
	ID        string // to answer it
	Data      string // ≤ 64 bytes
	MessageID string // the bot's message that carried the button
	// Typed: no button was pressed; the user typed what one means (its
	// label, its number, "đồng ý"). There is nothing to answer.
	Typed bool
}

// Contact is a shared phone contact.
type Contact struct {
	Phone string
	Own   bool // the contact is the sender's own (Telegram's "share my contact")
}

// SharedUser is a person picked with the channel's user picker.
type SharedUser struct {
	ID       string
	Username string
	Name     string
}

// File is a photo or document sent by the user.
type File struct {
	ID   string
	Name string
	MIME string
	Size int64
}

// UserKey identifies the user across the engine: "channel:id".
func (u *Update) UserKey() string { return u.Channel + ":" + u.UserID }

// ParseCommand splits "/cmd@bot args" into "/cmd" and "args". It returns
// "" for text that is not a command.
func ParseCommand(text string) (cmd, args string) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") || len(text) < 2 {
		return "", ""
	}
	cmd, args, _ = strings.Cut(text, " ")
	if i := strings.IndexByte(cmd, '\n'); i >= 0 {
		args = cmd[i+1:] + " " + args
		cmd = cmd[:i]
	}
	if at := strings.IndexByte(cmd, '@'); at >= 0 {
		cmd = cmd[:at]
	}
	return strings.ToLower(cmd), strings.TrimSpace(args)
}

// Reply is one outgoing message, already localized (HTML).
type Reply struct {
	Text    string
	Buttons [][]Button // inline keyboard
	// Contact, when set, shows a reply keyboard with one "share my phone
	// number" button carrying this label.
	Contact string
	// PickUser, when set, shows a reply keyboard with one "choose a
	// person" button carrying this label (officer tools).
	PickUser string
	// Keys are text buttons shown under the contact or person button;
	// pressing one sends its label as typed text.
	Keys []string
	// RemoveKeyboard removes a reply keyboard shown earlier.
	RemoveKeyboard bool
	// Photo or Document, when set, is sent as a photo or a file, with Text
	// as its caption (a caption too long for the channel goes after it).
	Photo    *Attachment
	Document *Attachment
	// Edit, when set, replaces the text and buttons of that earlier message
	// of the bot (the one a pressed button came from) instead of sending.
	Edit string
	// Lead marks a short text of its own (an acknowledgement: "Đã ghi
	// nhận …") that opens the next message of the same update instead of
	// being a message of its own: one message per step reads better on a
	// phone, and on Zalo every message is a bubble and an API call. It is
	// sent alone at the end of the update when nothing follows it, or when
	// what follows cannot carry it (a picture, an edit, a keyboard the lead
	// removes). A reply with anything but text (and RemoveKeyboard) is
	// never held.
	Lead bool
	// Listed: the text already shows the first Listed buttons (in reading
	// order) as the numbered lines "1. …" to "Listed. …", written by the
	// handler where Ctx.NumbersButtons said the channel numbers them (the
	// dossier's checklist, whose lines say more than the buttons' labels):
	// Degrade then lists only the buttons after them, numbered on. A
	// channel that shows the buttons ignores it.
	Listed int
}

// Button is an inline button: Data for a callback (see ButtonData), or
// URL for a link.
type Button struct {
	Label string
	Data  string
	URL   string
	err   error // ButtonData.Button could not encode the data
}

// Attachment is a photo or file sent by the bot: a file the channel already
// has (FileID), else the bytes (Data) under Name. With both, the id is tried
// first and the bytes when it no longer works.
type Attachment struct {
	Name   string
	Data   []byte
	FileID string
}
