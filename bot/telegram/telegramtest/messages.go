package telegramtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Kinds of messages sent by the bot (Message.Kind).
const (
	KindText      = "text"
	KindPhoto     = "photo"
	KindDocument  = "document"
	KindVideo     = "video"
	KindAudio     = "audio"
	KindVoice     = "voice"
	KindAnimation = "animation"
	KindSticker   = "sticker"
)

// Telegram limits.
const (
	maxTextLength     = 4096 // characters after entity parsing
	maxCaptionLength  = 1024
	maxCallbackData   = 64 // bytes
	maxDownloadSize   = 20 << 20
	errNotModifiedMsg = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
)

// Button is a keyboard button of a message sent by the bot.
type Button struct {
	Text string
	// Data is the callback_data of an inline button.
	Data string
	// URL is the url of an inline button.
	URL string
	// RequestContact and RequestLocation are set on reply keyboard buttons.
	RequestContact  bool
	RequestLocation bool
}

// ReplyKeyboard is a custom reply keyboard (ReplyKeyboardMarkup).
type ReplyKeyboard struct {
	Rows        [][]Button
	Resize      bool
	OneTime     bool
	Persistent  bool
	Placeholder string
}

// Message is the current state of a message sent by the bot.
type Message struct {
	ID     int
	ChatID int64
	// Kind is one of the Kind* constants ("text", "photo", "document", ...).
	Kind string
	// Text is the text, or the caption of a media message, exactly as sent
	// by the bot (with HTML markup if any).
	Text string
	// PlainText is Text after entity parsing, as a user would read it.
	PlainText string
	ParseMode string
	// InlineKeyboard holds the inline keyboard buttons, by row.
	InlineKeyboard [][]Button
	// ReplyKeyboard is the custom reply keyboard sent with the message.
	ReplyKeyboard *ReplyKeyboard
	// RemoveKeyboard is set when the message carried ReplyKeyboardRemove.
	RemoveKeyboard bool
	// ForceReply is set when the message carried ForceReply.
	ForceReply bool
	// ReplyMarkup is the raw JSON of the last reply_markup sent for the
	// message ("" if none).
	ReplyMarkup string
	// ReplyToMessageID is the id of the message this one replies to.
	ReplyToMessageID int
	// FileID and FileName describe the file of a media message.
	FileID   string
	FileName string
	// Edits counts the successful edits of the message.
	Edits int
	Date  time.Time
}

// Buttons returns the inline keyboard buttons of the message, row by row.
func (m Message) Buttons() []Button {
	var out []Button
	for _, row := range m.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

// FindButton returns the first inline keyboard button whose text is text.
func (m Message) FindButton(text string) (Button, bool) {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return Button{}, false
}

func (m Message) clone() Message {
	m.InlineKeyboard = cloneRows(m.InlineKeyboard)
	if m.ReplyKeyboard != nil {
		kb := m.ReplyKeyboard.clone()
		m.ReplyKeyboard = &kb
	}
	return m
}

func (kb ReplyKeyboard) clone() ReplyKeyboard {
	kb.Rows = cloneRows(kb.Rows)
	return kb
}

func cloneRows(rows [][]Button) [][]Button {
	if rows == nil {
		return nil
	}
	out := make([][]Button, len(rows))
	for i, r := range rows {
		out[i] = append([]Button(nil), r...)
	}
	return out
}

// chatState holds the messages of one chat.
type chatState struct {
	chat      models.Chat
	lastMsgID int                    // message ids are shared by the bot and the users
	msgs      []*storedMessage       // bot messages in order, including deleted ones
	byID      map[int]*storedMessage // bot messages by id
	userMsgs  map[int]struct{}       // live messages sent by users
	sent      int                    // bot messages ever sent
	replyKB   *ReplyKeyboard         // reply keyboard currently shown
}

func (c *chatState) nextID() int {
	c.lastMsgID++
	return c.lastMsgID
}

func (c *chatState) exists(id int) bool {
	if sm := c.byID[id]; sm != nil && !sm.deleted {
		return true
	}
	_, ok := c.userMsgs[id]
	return ok
}

// chatLocked returns the state of a chat, creating it if needed.
func (s *Server) chatLocked(id int64) *chatState {
	c := s.chats[id]
	if c == nil {
		c = &chatState{chat: s.defaultChatLocked(id), byID: make(map[int]*storedMessage)}
		s.chats[id] = c
	}
	return c
}

func (s *Server) defaultChatLocked(id int64) models.Chat {
	switch {
	case id > 0:
		u := s.users[id]
		return models.Chat{ID: id, Type: models.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
	case id <= -1000000000000:
		return models.Chat{ID: id, Type: models.ChatTypeSupergroup, Title: fmt.Sprintf("Group %d", id)}
	default:
		return models.Chat{ID: id, Type: models.ChatTypeGroup, Title: fmt.Sprintf("Group %d", id)}
	}
}

// storedMessage is a message sent by the bot.
type storedMessage struct {
	pub       Message
	date      int
	editDate  int
	entities  []models.MessageEntity
	inline    *models.InlineKeyboardMarkup
	inlineKey string
	file      *fileEntry
	deleted   bool
}

func (sm *storedMessage) setMarkup(mk *markup) {
	sm.inline, sm.inlineKey, sm.pub.InlineKeyboard = nil, "", nil
	if mk == nil {
		if sm.pub.ReplyKeyboard == nil && !sm.pub.RemoveKeyboard && !sm.pub.ForceReply {
			sm.pub.ReplyMarkup = ""
		}
		return
	}
	sm.pub.ReplyMarkup = mk.raw
	sm.inline, sm.inlineKey, sm.pub.InlineKeyboard = mk.inline, mk.inlineKey, mk.inlineButtons
	if mk.reply != nil {
		kb := mk.reply.clone()
		sm.pub.ReplyKeyboard = &kb
	}
	sm.pub.RemoveKeyboard = sm.pub.RemoveKeyboard || mk.remove
	sm.pub.ForceReply = sm.pub.ForceReply || mk.force
}

// model renders the message as the API returns it.
func (sm *storedMessage) model(from models.User, chat models.Chat) *models.Message {
	m := &models.Message{
		ID:          sm.pub.ID,
		From:        &from,
		Date:        sm.date,
		Chat:        chat,
		EditDate:    sm.editDate,
		ReplyMarkup: sm.inline,
	}
	if sm.pub.ReplyToMessageID > 0 {
		m.ReplyToMessage = &models.Message{ID: sm.pub.ReplyToMessageID, Chat: chat, Date: sm.date}
	}
	if sm.pub.Kind == KindText {
		m.Text, m.Entities = sm.pub.PlainText, sm.entities
		return m
	}
	m.Caption, m.CaptionEntities = sm.pub.PlainText, sm.entities
	if f := sm.file; f != nil {
		switch sm.pub.Kind {
		case KindPhoto:
			m.Photo = []models.PhotoSize{{FileID: f.id, FileUniqueID: f.uniqueID, Width: 1280, Height: 960, FileSize: int(f.size)}}
		case KindDocument:
			m.Document = &models.Document{FileID: f.id, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: f.mime, FileSize: f.size}
		case KindVideo:
			m.Video = &models.Video{FileID: f.id, FileUniqueID: f.uniqueID, Width: 1280, Height: 720, FileName: f.name, MimeType: f.mime, FileSize: f.size}
		case KindAudio:
			m.Audio = &models.Audio{FileID: f.id, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: f.mime, FileSize: f.size}
		case KindVoice:
			m.Voice = &models.Voice{FileID: f.id, FileUniqueID: f.uniqueID, MimeType: f.mime, FileSize: f.size}
		case KindAnimation:
			m.Animation = &models.Animation{FileID: f.id, FileUniqueID: f.uniqueID, Width: 320, Height: 240, FileName: f.name, MimeType: f.mime, FileSize: f.size}
		case KindSticker:
			m.Sticker = &models.Sticker{FileID: f.id, FileUniqueID: f.uniqueID, Type: "regular", Width: 512, Height: 512, FileSize: int(f.size)}
		}
	}
	return m
}

// markup is a parsed reply_markup.
type markup struct {
	raw           string
	inline        *models.InlineKeyboardMarkup
	inlineButtons [][]Button
	inlineKey     string
	reply         *ReplyKeyboard
	remove        bool
	force         bool
}

func (mk *markup) key() string {
	if mk == nil {
		return ""
	}
	return mk.inlineKey
}

// parseReplyMarkup parses and validates a reply_markup parameter.
func parseReplyMarkup(raw string) (*markup, *APIError) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &probe); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	mk := &markup{raw: raw}
	switch {
	case probe["inline_keyboard"] != nil:
		var rows [][]json.RawMessage
		if err := json.Unmarshal(probe["inline_keyboard"], &rows); err != nil {
			return nil, badRequest("can't parse inline keyboard markup JSON object")
		}
		kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, 0, len(rows))}
		buttons := make([][]Button, 0, len(rows))
		for _, row := range rows {
			kbRow := make([]models.InlineKeyboardButton, 0, len(row))
			bRow := make([]Button, 0, len(row))
			for _, rawButton := range row {
				btn, e := parseInlineButton(rawButton)
				if e != nil {
					return nil, e
				}
				kbRow = append(kbRow, btn)
				bRow = append(bRow, Button{Text: btn.Text, Data: btn.CallbackData, URL: btn.URL})
			}
			kb.InlineKeyboard = append(kb.InlineKeyboard, kbRow)
			buttons = append(buttons, bRow)
		}
		key, _ := json.Marshal(kb)
		mk.inline, mk.inlineButtons, mk.inlineKey = kb, buttons, string(key)
	case probe["keyboard"] != nil:
		var rows [][]json.RawMessage
		if err := json.Unmarshal(probe["keyboard"], &rows); err != nil {
			return nil, badRequest("can't parse reply keyboard markup JSON object")
		}
		var opts struct {
			Resize      bool   `json:"resize_keyboard"`
			OneTime     bool   `json:"one_time_keyboard"`
			Persistent  bool   `json:"is_persistent"`
			Placeholder string `json:"input_field_placeholder"`
		}
		_ = json.Unmarshal([]byte(raw), &opts)
		kb := &ReplyKeyboard{Resize: opts.Resize, OneTime: opts.OneTime, Persistent: opts.Persistent, Placeholder: opts.Placeholder}
		for _, row := range rows {
			bRow := make([]Button, 0, len(row))
			for _, rawButton := range row {
				var btn models.KeyboardButton
				if len(rawButton) > 0 && rawButton[0] == '"' {
					if err := json.Unmarshal(rawButton, &btn.Text); err != nil {
						return nil, badRequest("can't parse keyboard button: Field \"text\" must be of type String")
					}
				} else if err := json.Unmarshal(rawButton, &btn); err != nil {
					return nil, badRequest("can't parse keyboard button: Object expected")
				}
				if btn.Text == "" {
					return nil, badRequest("can't parse keyboard button: Text must be non-empty")
				}
				bRow = append(bRow, Button{Text: btn.Text, RequestContact: btn.RequestContact, RequestLocation: btn.RequestLocation})
			}
			kb.Rows = append(kb.Rows, bRow)
		}
		mk.reply = kb
	case probe["remove_keyboard"] != nil:
		mk.remove = true
	case probe["force_reply"] != nil:
		mk.force = true
	default:
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	return mk, nil
}

func parseInlineButton(raw json.RawMessage) (models.InlineKeyboardButton, *APIError) {
	var (
		btn    models.InlineKeyboardButton
		fields map[string]json.RawMessage
	)
	if json.Unmarshal(raw, &fields) != nil || json.Unmarshal(raw, &btn) != nil {
		return btn, badRequest("can't parse inline keyboard button: Object expected")
	}
	if btn.Text == "" {
		return btn, badRequest("can't parse inline keyboard button: Text must be non-empty")
	}
	if len(btn.CallbackData) > maxCallbackData {
		return btn, badRequest("BUTTON_DATA_INVALID")
	}
	hasAction := btn.URL != "" || btn.CallbackData != "" || btn.Pay || btn.CopyText.Text != ""
	for _, k := range []string{"web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game"} {
		if v, ok := fields[k]; ok && string(v) != "null" {
			hasAction = true
		}
	}
	if !hasAction {
		return btn, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	}
	return btn, nil
}

// renderText applies parse_mode (or explicit entities) to text.
func renderText(text, parseMode, entitiesJSON string) (string, []models.MessageEntity, *APIError) {
	if !utf8.ValidString(text) {
		return "", nil, badRequest("strings must be encoded in UTF-8")
	}
	switch strings.ToLower(parseMode) {
	case "":
		var ents []models.MessageEntity
		if strings.TrimSpace(entitiesJSON) != "" {
			if err := json.Unmarshal([]byte(entitiesJSON), &ents); err != nil {
				return "", nil, badRequest("can't parse entities JSON object")
			}
		}
		return text, ents, nil
	case "html":
		plain, ents, err := parseHTML(text)
		if err != nil {
			return "", nil, badRequest("can't parse entities: %s", capitalize(err.Error()))
		}
		return plain, ents, nil
	case "markdown", "markdownv2":
		return text, nil, nil // not validated
	default:
		return "", nil, badRequest("unsupported parse_mode")
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func checkMessageText(raw, plain string) *APIError {
	if strings.TrimSpace(raw) == "" || strings.TrimSpace(plain) == "" {
		return badRequest("message text is empty")
	}
	if utf8.RuneCountInString(plain) > maxTextLength {
		return badRequest("message is too long")
	}
	return nil
}

func checkCaption(plain string) *APIError {
	if utf8.RuneCountInString(plain) > maxCaptionLength {
		return badRequest("message caption is too long")
	}
	return nil
}

func entitiesEqual(a, b []models.MessageEntity) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Type != y.Type || x.Offset != y.Offset || x.Length != y.Length || x.URL != y.URL ||
			x.Language != y.Language || x.CustomEmojiID != y.CustomEmojiID {
			return false
		}
	}
	return true
}

type replyTo struct {
	id         int
	allowEmpty bool
}

func parseReplyTo(params map[string]string) (replyTo, *APIError) {
	var r replyTo
	if v, ok, e := paramInt(params, "reply_to_message_id"); e != nil {
		return r, e
	} else if ok {
		r.id = int(v)
	}
	r.allowEmpty = paramBool(params, "allow_sending_without_reply")
	if raw := strings.TrimSpace(params["reply_parameters"]); raw != "" {
		var p struct {
			MessageID                int  `json:"message_id"`
			AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
		}
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			return r, badRequest("can't parse reply parameters JSON object")
		}
		r.id, r.allowEmpty = p.MessageID, p.AllowSendingWithoutReply
	}
	return r, nil
}

// storeSent records a message sent by the bot and returns its API form.
func (s *Server) storeSent(chatID int64, sm *storedMessage, mk *markup, rt replyTo) (*models.Message, *APIError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	chat := s.chatLocked(chatID)
	if rt.id > 0 && !chat.exists(rt.id) {
		if !rt.allowEmpty {
			return nil, badRequest("message to be replied not found")
		}
		rt.id = 0
	}
	now := time.Now()
	sm.pub.ID = chat.nextID()
	sm.pub.ChatID = chatID
	sm.pub.ReplyToMessageID = rt.id
	sm.pub.Date = now
	sm.date = int(now.Unix())
	sm.setMarkup(mk)
	if mk != nil {
		switch {
		case mk.reply != nil:
			kb := mk.reply.clone()
			chat.replyKB = &kb
		case mk.remove:
			chat.replyKB = nil
		}
	}
	chat.msgs = append(chat.msgs, sm)
	chat.byID[sm.pub.ID] = sm
	chat.sent++
	s.changed.Notify()
	return sm.model(s.botUser, chat.chat), nil
}

func (s *Server) sendMessage(c *callCtx) (any, *APIError) {
	chatID, e := chatIDParam(c.params)
	if e != nil {
		return nil, e
	}
	text, pm := c.params["text"], c.params["parse_mode"]
	plain, ents, e := renderText(text, pm, c.params["entities"])
	if e != nil {
		return nil, e
	}
	if e := checkMessageText(text, plain); e != nil {
		return nil, e
	}
	mk, e := parseReplyMarkup(c.params["reply_markup"])
	if e != nil {
		return nil, e
	}
	rt, e := parseReplyTo(c.params)
	if e != nil {
		return nil, e
	}
	sm := &storedMessage{pub: Message{Kind: KindText, Text: text, PlainText: plain, ParseMode: pm}, entities: ents}
	return s.storeSent(chatID, sm, mk, rt)
}

// sendMedia serves sendPhoto, sendDocument and the other single-file send
// methods; kind is also the name of the file parameter.
func sendMedia(kind string) methodFunc {
	return func(s *Server, c *callCtx) (any, *APIError) {
		chatID, e := chatIDParam(c.params)
		if e != nil {
			return nil, e
		}
		caption, pm := c.params["caption"], c.params["parse_mode"]
		plain, ents, e := renderText(caption, pm, c.params["caption_entities"])
		if e != nil {
			return nil, e
		}
		if e := checkCaption(plain); e != nil {
			return nil, e
		}
		mk, e := parseReplyMarkup(c.params["reply_markup"])
		if e != nil {
			return nil, e
		}
		rt, e := parseReplyTo(c.params)
		if e != nil {
			return nil, e
		}
		f, e := s.resolveInputFile(kind, c)
		if e != nil {
			return nil, e
		}
		sm := &storedMessage{
			pub:      Message{Kind: kind, Text: caption, PlainText: plain, ParseMode: pm, FileID: f.id, FileName: f.name},
			entities: ents,
			file:     f,
		}
		return s.storeSent(chatID, sm, mk, rt)
	}
}

func (s *Server) editMessageText(c *callCtx) (any, *APIError) {
	text, pm := c.params["text"], c.params["parse_mode"]
	plain, ents, e := renderText(text, pm, c.params["entities"])
	if e != nil {
		return nil, e
	}
	if e := checkMessageText(text, plain); e != nil {
		return nil, e
	}
	mk, e := parseEditMarkup(c.params)
	if e != nil {
		return nil, e
	}
	return s.editStored(c.params, func(sm *storedMessage) *APIError {
		if sm.pub.Kind != KindText {
			return badRequest("there is no text in the message to edit")
		}
		if sm.pub.PlainText == plain && entitiesEqual(sm.entities, ents) && sm.inlineKey == mk.key() {
			return badRequest(errNotModifiedMsg)
		}
		sm.pub.Text, sm.pub.PlainText, sm.pub.ParseMode, sm.entities = text, plain, pm, ents
		sm.setMarkup(mk)
		return nil
	})
}

func (s *Server) editMessageCaption(c *callCtx) (any, *APIError) {
	caption, pm := c.params["caption"], c.params["parse_mode"]
	plain, ents, e := renderText(caption, pm, c.params["caption_entities"])
	if e != nil {
		return nil, e
	}
	if e := checkCaption(plain); e != nil {
		return nil, e
	}
	mk, e := parseEditMarkup(c.params)
	if e != nil {
		return nil, e
	}
	return s.editStored(c.params, func(sm *storedMessage) *APIError {
		if sm.pub.Kind == KindText {
			return badRequest("there is no caption in the message to edit")
		}
		if sm.pub.PlainText == plain && entitiesEqual(sm.entities, ents) && sm.inlineKey == mk.key() {
			return badRequest(errNotModifiedMsg)
		}
		sm.pub.Text, sm.pub.PlainText, sm.pub.ParseMode, sm.entities = caption, plain, pm, ents
		sm.setMarkup(mk)
		return nil
	})
}

func (s *Server) editMessageReplyMarkup(c *callCtx) (any, *APIError) {
	mk, e := parseEditMarkup(c.params)
	if e != nil {
		return nil, e
	}
	return s.editStored(c.params, func(sm *storedMessage) *APIError {
		if sm.inlineKey == mk.key() {
			return badRequest(errNotModifiedMsg)
		}
		sm.setMarkup(mk)
		return nil
	})
}

// parseEditMarkup parses the reply_markup of an edit, which must be an
// inline keyboard (or absent, which removes the inline keyboard).
func parseEditMarkup(params map[string]string) (*markup, *APIError) {
	mk, e := parseReplyMarkup(params["reply_markup"])
	if e != nil {
		return nil, e
	}
	if mk != nil && mk.inline == nil {
		return nil, badRequest("inline keyboard expected")
	}
	return mk, nil
}

// editStored applies an edit to a stored bot message identified by chat_id
// and message_id. Edits of inline messages (inline_message_id) succeed
// without effect.
func (s *Server) editStored(params map[string]string, apply func(*storedMessage) *APIError) (any, *APIError) {
	if params["inline_message_id"] != "" {
		return true, nil
	}
	chatID, e := chatIDParam(params)
	if e != nil {
		return nil, e
	}
	msgID, e := messageIDParam(params)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var sm *storedMessage
	chat := s.chats[chatID]
	if chat != nil {
		sm = chat.byID[msgID]
	}
	if sm == nil || sm.deleted {
		return nil, badRequest("message to edit not found")
	}
	if e := apply(sm); e != nil {
		return nil, e
	}
	sm.pub.Edits++
	sm.editDate = int(time.Now().Unix())
	s.changed.Notify()
	return sm.model(s.botUser, chat.chat), nil
}

func (s *Server) deleteMessage(c *callCtx) (any, *APIError) {
	chatID, e := chatIDParam(c.params)
	if e != nil {
		return nil, e
	}
	msgID, e := messageIDParam(c.params)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.deleteLocked(chatID, msgID) {
		return nil, badRequest("message to delete not found")
	}
	return true, nil
}

func (s *Server) deleteMessages(c *callCtx) (any, *APIError) {
	chatID, e := chatIDParam(c.params)
	if e != nil {
		return nil, e
	}
	var ids []int
	if err := json.Unmarshal([]byte(c.params["message_ids"]), &ids); err != nil || len(ids) == 0 {
		return nil, badRequest("message identifiers are not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.deleteLocked(chatID, id)
	}
	return true, nil
}

func (s *Server) deleteLocked(chatID int64, msgID int) bool {
	chat := s.chats[chatID]
	if chat == nil {
		return false
	}
	if sm := chat.byID[msgID]; sm != nil && !sm.deleted {
		sm.deleted = true
		s.changed.Notify()
		return true
	}
	if _, ok := chat.userMsgs[msgID]; ok {
		delete(chat.userMsgs, msgID)
		s.changed.Notify()
		return true
	}
	return false
}

// Messages returns the current state of the bot's messages in a chat, oldest
// first. Deleted messages are left out.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID)
}

func (s *Server) messagesLocked(chatID int64) []Message {
	chat := s.chats[chatID]
	if chat == nil {
		return nil
	}
	out := make([]Message, 0, len(chat.msgs))
	for _, sm := range chat.msgs {
		if !sm.deleted {
			out = append(out, sm.pub.clone())
		}
	}
	return out
}

// LastMessage returns the newest (not deleted) message the bot sent to a chat.
func (s *Server) LastMessage(chatID int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	chat := s.chats[chatID]
	if chat == nil {
		return Message{}, false
	}
	for i := len(chat.msgs) - 1; i >= 0; i-- {
		if sm := chat.msgs[i]; !sm.deleted {
			return sm.pub.clone(), true
		}
	}
	return Message{}, false
}

// MessageByID returns a (not deleted) message the bot sent to a chat.
func (s *Server) MessageByID(chatID int64, messageID int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if chat := s.chats[chatID]; chat != nil {
		if sm := chat.byID[messageID]; sm != nil && !sm.deleted {
			return sm.pub.clone(), true
		}
	}
	return Message{}, false
}

// SentCount returns how many messages the bot has sent to a chat in total,
// including messages it deleted since.
func (s *Server) SentCount(chatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if chat := s.chats[chatID]; chat != nil {
		return chat.sent
	}
	return 0
}

// CurrentReplyKeyboard returns the custom reply keyboard a user of the chat
// currently sees: the one sent last, unless a ReplyKeyboardRemove came after.
func (s *Server) CurrentReplyKeyboard(chatID int64) (ReplyKeyboard, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if chat := s.chats[chatID]; chat != nil && chat.replyKB != nil {
		return chat.replyKB.clone(), true
	}
	return ReplyKeyboard{}, false
}

// WaitMessages waits until the bot has sent at least n messages to the chat
// in total (see SentCount) and returns the chat's current messages.
func (s *Server) WaitMessages(timeout time.Duration, chatID int64, n int) ([]Message, error) {
	var msgs []Message
	ok := s.waitLocked(timeout, func() bool {
		chat := s.chats[chatID]
		if chat == nil || chat.sent < n {
			return false
		}
		msgs = s.messagesLocked(chatID)
		return true
	})
	if ok {
		return msgs, nil
	}
	msgs = s.Messages(chatID)
	texts := make([]string, len(msgs))
	for i, m := range msgs {
		texts[i] = fmt.Sprintf("%q", m.Text)
	}
	return msgs, fmt.Errorf("telegramtest: timed out after %v waiting for %d messages in chat %d; have %d sent: [%s]",
		timeout, n, chatID, s.SentCount(chatID), strings.Join(texts, ", "))
}
