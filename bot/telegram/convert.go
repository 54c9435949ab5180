// Package telegram is the Telegram channel: its own intake (long polling or
// webhook, acknowledging an update only after it is recorded), conversion
// of Telegram updates into bot.Update, and the sender that turns bot.Reply
// into Bot API calls through go-telegram/bot.
package telegram

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bot"
)

// ChannelName is the channel's name in updates, users and the inbox.
const ChannelName = "telegram"

// userKeyOf returns the "channel:user" key of a raw update, for ordering;
// "" when the update has no user.
func userKeyOf(u *models.Update) string {
	var id int64
	switch {
	case u.Message != nil && u.Message.From != nil:
		id = u.Message.From.ID
	case u.CallbackQuery != nil:
		id = u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		id = u.MyChatMember.From.ID
	case u.EditedMessage != nil && u.EditedMessage.From != nil:
		id = u.EditedMessage.From.ID
	}
	if id == 0 {
		return ""
	}
	return ChannelName + ":" + strconv.FormatInt(id, 10)
}

// Decoder turns raw Telegram updates into bot updates.
type Decoder struct {
	// BotUsername, without "@", for commands addressed to the bot and the
	// link to a private chat.
	BotUsername string
}

// Decode converts one raw update; it returns nil for updates the bot does
// not handle (edits, channel posts, other bots' commands).
func (d *Decoder) Decode(payload []byte) (*bot.Update, error) {
	var u models.Update
	if err := json.Unmarshal(payload, &u); err != nil {
		return nil, err
	}
	return d.Convert(&u), nil
}

// Convert converts a decoded update.
func (d *Decoder) Convert(u *models.Update) *bot.Update {
	out := &bot.Update{Channel: ChannelName, ID: u.ID}
	if d.BotUsername != "" {
		out.GroupLink = "https://t.me/" + d.BotUsername
	}
	switch {
	case u.Message != nil && u.Message.From != nil:
		m := u.Message
		setUser(out, m.From)
		out.ChatID = strconv.FormatInt(m.Chat.ID, 10)
		out.Private = m.Chat.Type == models.ChatTypePrivate
		out.At = time.Unix(int64(m.Date), 0)
		d.message(out, m)
		if out.Kind == bot.KindCommand && !d.forUs(m.Text) {
			return nil
		}
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		setUser(out, &q.From)
		out.Kind = bot.KindCallback
		out.Callback = &bot.Callback{ID: q.ID, Data: q.Data}
		out.ChatID = strconv.FormatInt(q.From.ID, 10)
		out.Private = true
		if msg := q.Message; msg.Message != nil {
			out.ChatID = strconv.FormatInt(msg.Message.Chat.ID, 10)
			out.Private = msg.Message.Chat.Type == models.ChatTypePrivate
			out.Callback.MessageID = strconv.Itoa(msg.Message.ID)
		} else if msg.InaccessibleMessage != nil {
			out.ChatID = strconv.FormatInt(msg.InaccessibleMessage.Chat.ID, 10)
			out.Private = msg.InaccessibleMessage.Chat.Type == models.ChatTypePrivate
			out.Callback.MessageID = strconv.Itoa(msg.InaccessibleMessage.MessageID)
		}
	case u.MyChatMember != nil:
		m := u.MyChatMember
		if m.Chat.Type != models.ChatTypePrivate {
			return nil
		}
		setUser(out, &m.From)
		out.Kind = bot.KindMember
		out.ChatID = strconv.FormatInt(m.Chat.ID, 10)
		out.Private = true
		out.Blocked = m.NewChatMember.Type == models.ChatMemberTypeBanned
	default:
		return nil
	}
	return out
}

func setUser(out *bot.Update, f *models.User) {
	out.UserID = strconv.FormatInt(f.ID, 10)
	out.Username = f.Username
	out.Name = strings.TrimSpace(f.FirstName + " " + f.LastName)
}

func (d *Decoder) message(out *bot.Update, m *models.Message) {
	out.Text = m.Text
	switch {
	case m.Text != "":
		if cmd, args := bot.ParseCommand(m.Text); cmd != "" {
			out.Kind, out.Command, out.Args = bot.KindCommand, cmd, args
		} else {
			out.Kind = bot.KindText
		}
	case m.UsersShared != nil && len(m.UsersShared.Users) > 0:
		su := m.UsersShared.Users[0]
		out.Kind = bot.KindUserShared
		out.Shared = &bot.SharedUser{ID: strconv.FormatInt(su.UserID, 10), Username: su.Username,
			Name: strings.TrimSpace(su.FirstName + " " + su.LastName)}
	case m.Contact != nil:
		out.Kind = bot.KindContact
		out.Contact = &bot.Contact{Phone: m.Contact.PhoneNumber, Own: m.Contact.UserID != 0 && m.Contact.UserID == m.From.ID}
	case len(m.Photo) > 0:
		p := m.Photo[len(m.Photo)-1] // the largest size comes last
		out.Kind, out.Text = bot.KindPhoto, m.Caption
		out.File = &bot.File{ID: p.FileID, MIME: "image/jpeg", Size: int64(p.FileSize)}
	case m.Document != nil:
		out.Kind, out.Text = bot.KindDocument, m.Caption
		out.File = &bot.File{ID: m.Document.FileID, Name: m.Document.FileName, MIME: m.Document.MimeType, Size: m.Document.FileSize}
	case m.Sticker != nil:
		out.Kind = bot.KindSticker
	case m.Voice != nil || m.Audio != nil || m.VideoNote != nil:
		out.Kind = bot.KindVoice
	case m.Video != nil || m.Animation != nil:
		out.Kind = bot.KindVideo
	case m.Location != nil || m.Venue != nil:
		out.Kind = bot.KindLocation
	default:
		out.Kind = bot.KindOther
	}
}

// forUs reports whether a command is for this bot: "/cmd" or "/cmd@ourbot".
func (d *Decoder) forUs(text string) bool {
	first, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	_, name, ok := strings.Cut(first, "@")
	return !ok || d.BotUsername == "" || strings.EqualFold(name, d.BotUsername)
}
