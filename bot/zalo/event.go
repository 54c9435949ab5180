// Package zalo is the Zalo Official Account channel: a signed webhook in
// (each event recorded in the inbox before it is answered 200), the
// consultation-message API out, and the OA's rotating tokens. It only
// translates: Zalo events become bot.Update, bot.Reply becomes API calls.
// The platform's facts are in ZALO.md; the contract is DESIGN.md §3b.
package zalo

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
)

// ChannelName is the channel's name in updates, users and the inbox.
const ChannelName = "zalo"

// ButtonPrefix starts the hidden payload of a button the bot sent: a tap
// comes back as a user_send_text whose text is the payload.
const ButtonPrefix = "#b:"

// flexString reads a JSON string or number as a string (Zalo sends ids,
// sizes and timestamps as strings; some samples have numbers).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if n := len(b); n >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 {
		// A string without escapes (ids, timestamps) is its bytes: decoding
		// it again through encoding/json was a third of the event's parse.
		*f = flexString(b[1 : n-1])
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	*f = flexString(b)
	return nil
}

type idField struct {
	ID flexString `json:"id"`
}

// Event is one webhook event, as much of it as the bot reads.
type Event struct {
	AppID       flexString `json:"app_id"`
	OAID        flexString `json:"oa_id"`
	Name        string     `json:"event_name"`
	Sender      idField    `json:"sender"`
	Recipient   idField    `json:"recipient"`
	Follower    idField    `json:"follower"`
	UserID      flexString `json:"user_id"` // user_click_chatnow
	UserIDByApp flexString `json:"user_id_by_app"`
	Timestamp   flexString `json:"timestamp"`
	Message     *Message   `json:"message"`
	Info        *Info      `json:"info"`
}

// Message is the message of a user_send_* event.
type Message struct {
	MsgID       string       `json:"msg_id"`
	Text        string       `json:"text"`
	PhotoURL    string       `json:"photo_url"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment is an image, file, sticker, location... of a message.
type Attachment struct {
	Type    string `json:"type"`
	Payload struct {
		URL       string     `json:"url"`
		Thumbnail string     `json:"thumbnail"`
		Name      string     `json:"name"`
		Size      flexString `json:"size"`
		Type      string     `json:"type"`
	} `json:"payload"`
}

// Info is what a user gave in a request_user_info form. Two shapes exist:
// flat (address, city, district, ward) and nested (full_address).
type Info struct {
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	Address     string `json:"address"`
	City        string `json:"city"`
	District    string `json:"district"`
	Ward        string `json:"ward"`
	FullAddress *struct {
		City    string `json:"user_city"`
		Ward    string `json:"user_ward"`
		Address string `json:"user_address"`
	} `json:"full_address"`
}

// ParseEvent decodes a webhook body.
func ParseEvent(raw []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// User is the OA-scoped id of the user the event is about ("" for the
// OA's own echoes and events without one).
func (ev *Event) User() string {
	switch {
	case ev.Echo():
		return ""
	case ev.Follower.ID != "":
		return string(ev.Follower.ID)
	case ev.Sender.ID != "":
		return string(ev.Sender.ID)
	}
	return string(ev.UserID)
}

// Echo reports whether the event is the OA's own message coming back.
func (ev *Event) Echo() bool { return strings.HasPrefix(ev.Name, "oa_") }

// At is the event's time (epoch milliseconds in the body), zero if absent.
func (ev *Event) At() time.Time {
	ms, err := strconv.ParseInt(string(ev.Timestamp), 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// DedupKey is what makes an event unique across Zalo's retries: the
// message id, or the event, user and time for events without one.
func (ev *Event) DedupKey() string {
	if ev.Message != nil && ev.Message.MsgID != "" {
		return "m:" + ev.Message.MsgID
	}
	return "e:" + ev.Name + ":" + ev.User() + ":" + string(ev.Timestamp)
}

// hashBits is how many low bits of an update id come from the event's
// de-duplication key; the high bits are its time, so that pending events
// are handed out again in the order they happened.
const hashBits = 22

// UpdateID is the event's id in the inbox and the de-duplication marks:
// the same for every retry of one event, ordered by the event's time.
func (ev *Event) UpdateID() int64 {
	h := fnv.New64a()
	h.Write([]byte(ev.DedupKey()))
	sum := int64(h.Sum64() & (1<<63 - 1))
	ms, err := strconv.ParseInt(string(ev.Timestamp), 10, 64)
	if err != nil || ms <= 0 || ms >= 1<<(63-hashBits) {
		return sum | 1 // never 0 (0 means "no id" to the engine)
	}
	return ms<<hashBits | sum&(1<<hashBits-1)
}

// Update converts the event; nil means there is nothing to handle (echoes,
// receipts, reactions, events of no user).
func (ev *Event) Update() *bot.Update {
	user := ev.User()
	if user == "" {
		return nil
	}
	u := &bot.Update{Channel: ChannelName, ID: ev.UpdateID(), UserID: user, ChatID: user, Private: true, At: ev.At()}
	m := ev.Message
	switch ev.Name {
	case "user_send_text":
		if m == nil {
			return nil
		}
		u.Text = m.Text
		text := strings.TrimSpace(m.Text)
		switch {
		case strings.HasPrefix(text, ButtonPrefix):
			u.Kind = bot.KindCallback
			u.Callback = &bot.Callback{ID: user, Data: strings.TrimPrefix(text, ButtonPrefix)}
			u.Text = ""
		default:
			if cmd, args := bot.ParseCommand(text); cmd != "" {
				u.Kind, u.Command, u.Args = bot.KindCommand, cmd, args
			} else {
				u.Kind = bot.KindText
			}
		}
	case "user_send_image", "user_send_file":
		if m == nil {
			return nil
		}
		u.Text = m.Text
		u.Kind = bot.KindDocument
		if ev.Name == "user_send_image" {
			u.Kind = bot.KindPhoto
		}
		u.File = fileOf(ev.Name, m)
		if u.File == nil {
			u.Kind = bot.KindOther
		}
	case "user_submit_info":
		if ev.Info == nil || strings.TrimSpace(ev.Info.Phone) == "" {
			u.Kind = bot.KindOther
			break
		}
		// The phone comes from the user's own Zalo account: it is theirs.
		u.Kind = bot.KindContact
		u.Contact = &bot.Contact{Phone: ev.Info.Phone, Own: true}
		// Info.Name is not taken as the user's display name: no other Zalo
		// event carries one, so the stored name would flip at every event
		// (a write of the user each time, see BENCHMARKS.md).
	case "follow":
		u.Kind, u.Command = bot.KindCommand, "/start"
	case "unfollow":
		u.Kind, u.Blocked = bot.KindMember, true
	case "user_send_sticker", "user_send_gif":
		u.Kind = bot.KindSticker
	case "user_send_audio":
		u.Kind = bot.KindVoice
	case "user_send_video":
		u.Kind = bot.KindVideo
	case "user_send_location":
		u.Kind = bot.KindLocation
	case "user_send_link", "user_send_business_card":
		u.Kind = bot.KindOther
	case "user_click_chatnow":
		// Zalo counts it as an interaction: the reply window opens again.
		u.Kind = bot.KindSeen
	default:
		// Receipts, reactions, group and ZNS events.
		return nil
	}
	return u
}

// fileOf is the file of an image or file message: its id is its URL.
func fileOf(event string, m *Message) *bot.File {
	for _, a := range m.Attachments {
		if a.Payload.URL == "" {
			continue
		}
		f := &bot.File{ID: a.Payload.URL, Name: a.Payload.Name}
		f.Size, _ = strconv.ParseInt(string(a.Payload.Size), 10, 64)
		if event == "user_send_image" || a.Type == "image" {
			if f.Name == "" {
				f.Name = "photo.jpg"
			}
			f.MIME = "image/jpeg"
		}
		return f
	}
	if m.PhotoURL != "" {
		return &bot.File{ID: m.PhotoURL, Name: "photo.jpg", MIME: "image/jpeg"}
	}
	return nil
}
