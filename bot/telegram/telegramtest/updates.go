package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/go-telegram/bot/models"
)

// User is a Telegram user playing the human side of a test. Users talk to the
// bot in private chats whose chat id equals the user id.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
}

// Model returns the user as a models.User.
func (u User) Model() models.User {
	return models.User{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.LanguageCode}
}

func (u User) privateChat() models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

type queuedUpdate struct {
	id   int64
	body []byte
}

// Push queues an update for getUpdates and returns the update_id assigned
// to it (u.ID is ignored). If u.Message has no message_id or date they are
// filled in, with the id taken from the chat's message counter.
func (s *Server) Push(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := u.Message; m != nil {
		cp := *m
		u.Message = &cp
		s.registerUserMessageLocked(&cp)
	}
	return s.pushLocked(u)
}

func (s *Server) pushLocked(u models.Update) int64 {
	u.ID = s.nextUpdateID
	s.nextUpdateID++
	body, err := json.Marshal(&u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: can't marshal update: %v", err))
	}
	s.queue = append(s.queue, queuedUpdate{id: u.ID, body: body})
	s.updatesChanged.Notify()
	s.changed.Notify()
	return u.ID
}

// registerUserMessageLocked records a message sent by a user so that its id
// is not reused by the bot and replies to it are accepted.
func (s *Server) registerUserMessageLocked(m *models.Message) {
	chat := s.chatLocked(m.Chat.ID)
	if m.ID <= 0 {
		m.ID = chat.nextID()
	} else if m.ID > chat.lastMsgID {
		chat.lastMsgID = m.ID
	}
	if m.Date == 0 {
		m.Date = int(time.Now().Unix())
	}
	if chat.userMsgs == nil {
		chat.userMsgs = make(map[int]struct{})
	}
	chat.userMsgs[m.ID] = struct{}{}
}

// UpdateJSON returns the JSON encoding of u as Telegram would post it to a
// webhook. A zero u.ID is replaced by a fresh update_id (not queued).
func (s *Server) UpdateJSON(u models.Update) []byte {
	if u.ID == 0 {
		s.mu.Lock()
		u.ID = s.nextUpdateID
		s.nextUpdateID++
		s.mu.Unlock()
	}
	body, err := json.Marshal(&u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: can't marshal update: %v", err))
	}
	return body
}

// DeliverWebhook posts u (see UpdateJSON) to the webhook URL set by the bot
// with setWebhook, including the X-Telegram-Bot-Api-Secret-Token header,
// and returns the HTTP status code of the bot's answer.
func (s *Server) DeliverWebhook(ctx context.Context, u models.Update) (int, error) {
	wh := s.Webhook()
	if wh.URL == "" {
		return 0, fmt.Errorf("telegramtest: no webhook is set")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL, bytes.NewReader(s.UpdateJSON(u)))
	if err != nil {
		return 0, err
	}
	req.Close = true
	req.Header.Set("Content-Type", "application/json")
	if wh.SecretToken != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.SecretToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// Pending returns the number of queued updates not yet confirmed by a
// getUpdates offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// ConfirmedOffset returns the highest offset confirmed by getUpdates: every
// update with a smaller update_id has been dropped. It is 0 until the first
// confirmation.
func (s *Server) ConfirmedOffset() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// confirmLocked drops the queued updates with update_id < offset.
func (s *Server) confirmLocked(offset int64) {
	k := 0
	for k < len(s.queue) && s.queue[k].id < offset {
		k++
	}
	if k > 0 {
		clear(s.queue[:k])
		s.queue = s.queue[k:]
		if len(s.queue) == 0 {
			s.queue = s.queue[:0:0]
		}
		s.changed.Notify()
	}
	offset = min(offset, s.nextUpdateID)
	if offset > s.confirmed {
		s.confirmed = offset
		s.changed.Notify()
	}
}

// dropPendingLocked confirms every queued update.
func (s *Server) dropPendingLocked() {
	s.confirmLocked(s.nextUpdateID)
}

var emptyArray = json.RawMessage("[]")

func (s *Server) getUpdates(c *callCtx) (any, *APIError) {
	offset, _, e := paramInt(c.params, "offset")
	if e != nil {
		return nil, e
	}
	limit, _, e := paramInt(c.params, "limit")
	if e != nil {
		return nil, e
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _, e := paramInt(c.params, "timeout")
	if e != nil {
		return nil, e
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		expired = t.C
	}

	s.mu.Lock()
	if offset > 0 && s.webhook.URL == "" {
		s.confirmLocked(offset)
	}
	for {
		if s.webhook.URL != "" {
			s.mu.Unlock()
			return nil, &APIError{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
		}
		if n := min(int(limit), len(s.queue)); n > 0 || expired == nil {
			res := encodeUpdates(s.queue[:n])
			s.mu.Unlock()
			return res, nil
		}
		ch := s.updatesChanged.Wait()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-expired:
			return emptyArray, nil
		case <-c.ctx.Done():
			return emptyArray, nil
		case <-s.closed:
			return emptyArray, nil
		}
		s.mu.Lock()
	}
}

func encodeUpdates(q []queuedUpdate) json.RawMessage {
	if len(q) == 0 {
		return emptyArray
	}
	size := 1 + len(q)
	for _, u := range q {
		size += len(u.body)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, '[')
	for i, u := range q {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, u.body...)
	}
	return append(buf, ']')
}

// WebhookConfig is the webhook set by the bot with setWebhook.
type WebhookConfig struct {
	URL            string
	SecretToken    string
	MaxConnections int
	AllowedUpdates []string
	// DropPendingUpdates reports whether the last setWebhook asked to drop
	// the pending updates.
	DropPendingUpdates bool
}

// Webhook returns the current webhook configuration (URL is empty when no
// webhook is set).
func (s *Server) Webhook() WebhookConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	wh := s.webhook
	wh.AllowedUpdates = append([]string(nil), wh.AllowedUpdates...)
	return wh
}

func (s *Server) setWebhook(c *callCtx) (any, *APIError) {
	url := strings.TrimSpace(c.params["url"])
	drop := paramBool(c.params, "drop_pending_updates")
	if url == "" {
		return s.removeWebhook(drop), nil
	}
	maxConn, _, e := paramInt(c.params, "max_connections")
	if e != nil {
		return nil, e
	}
	var allowed []string
	if raw := strings.TrimSpace(c.params["allowed_updates"]); raw != "" {
		if err := json.Unmarshal([]byte(raw), &allowed); err != nil {
			return nil, badRequest("can't parse allowed updates JSON array")
		}
	}
	if secret := c.params["secret_token"]; len(secret) > 256 || strings.IndexFunc(secret, invalidSecretRune) >= 0 {
		return nil, badRequest("secret token contains unallowed characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = WebhookConfig{
		URL:                url,
		SecretToken:        c.params["secret_token"],
		MaxConnections:     int(maxConn),
		AllowedUpdates:     allowed,
		DropPendingUpdates: drop,
	}
	if drop {
		s.dropPendingLocked()
	}
	s.updatesChanged.Notify() // pending long polls now conflict
	s.changed.Notify()
	return true, nil
}

func invalidSecretRune(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
}

func (s *Server) deleteWebhook(c *callCtx) (any, *APIError) {
	return s.removeWebhook(paramBool(c.params, "drop_pending_updates")), nil
}

func (s *Server) removeWebhook(drop bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = WebhookConfig{}
	if drop {
		s.dropPendingLocked()
	}
	s.updatesChanged.Notify()
	s.changed.Notify()
	return true
}

func (s *Server) getWebhookInfo(*callCtx) (any, *APIError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := &models.WebhookInfo{
		URL:                s.webhook.URL,
		PendingUpdateCount: len(s.queue),
		MaxConnections:     s.webhook.MaxConnections,
		AllowedUpdates:     s.webhook.AllowedUpdates,
	}
	if info.URL != "" && info.MaxConnections == 0 {
		info.MaxConnections = 40
	}
	return info, nil
}

// ---- Building updates ----

// newUserMessage allocates a message sent by user in chat (the user's
// private chat when chat is nil).
func (s *Server) newUserMessage(user User, chat *models.Chat) *models.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[user.ID] = user
	var cs *chatState
	if chat == nil {
		cs = s.chatLocked(user.ID)
		cs.chat = user.privateChat()
	} else {
		cs = s.chatLocked(chat.ID)
		cs.chat = *chat
	}
	from := user.Model()
	m := &models.Message{From: &from, Chat: cs.chat}
	s.registerUserMessageLocked(m)
	return m
}

// TextUpdate builds (without queueing) an update with a text message from
// user in the private chat. Text starting with "/" carries a bot_command
// entity.
func (s *Server) TextUpdate(user User, text string) models.Update {
	m := s.newUserMessage(user, nil)
	m.Text, m.Entities = text, commandEntities(text)
	return models.Update{Message: m}
}

// SendText queues a text message from user to the bot and returns its
// update_id. Text starting with "/" is marked as a bot command, like
// Telegram does for "/cmd" and "/cmd@bot".
func (s *Server) SendText(user User, text string) int64 {
	return s.pushBuilt(s.TextUpdate(user, text))
}

// SendGroupText queues a text message from user in a group chat.
func (s *Server) SendGroupText(user User, groupChatID int64, text string) int64 {
	m := s.newUserMessage(user, &models.Chat{ID: groupChatID, Type: models.ChatTypeGroup, Title: fmt.Sprintf("Group %d", groupChatID)})
	m.Text, m.Entities = text, commandEntities(text)
	return s.pushBuilt(models.Update{Message: m})
}

// pushBuilt queues an update whose message ids are already registered.
func (s *Server) pushBuilt(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushLocked(u)
}

func commandEntities(text string) []models.MessageEntity {
	if len(text) < 2 || text[0] != '/' {
		return nil
	}
	end := strings.IndexFunc(text, unicode.IsSpace)
	if end < 0 {
		end = len(text)
	}
	if end < 2 {
		return nil
	}
	return []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: utf16Count(text[:end])}}
}

// ShareContact queues a message with a contact from user, as sent by a reply
// keyboard button with request_contact. When own is true the contact is the
// user's own (contact.user_id == user id); otherwise it is someone else's.
func (s *Server) ShareContact(user User, phone string, own bool) int64 {
	m := s.newUserMessage(user, nil)
	if own {
		m.Contact = &models.Contact{PhoneNumber: phone, FirstName: user.FirstName, LastName: user.LastName, UserID: user.ID}
	} else {
		m.Contact = &models.Contact{PhoneNumber: phone, FirstName: "Contact"}
	}
	return s.pushBuilt(models.Update{Message: m})
}

// SendLocation queues a message with a location from user.
func (s *Server) SendLocation(user User, latitude, longitude float64) int64 {
	m := s.newUserMessage(user, nil)
	m.Location = &models.Location{Latitude: latitude, Longitude: longitude}
	return s.pushBuilt(models.Update{Message: m})
}

// MediaOption configures the file of an update built by SendPhoto,
// SendDocument, SendVideo, SendVoice or SendSticker.
type MediaOption func(*mediaConfig)

type mediaConfig struct {
	content    []byte
	fileID     string
	caption    string
	hasCaption bool
}

// WithContent sets the file content, downloadable through getFile and the
// /file endpoint (the file size becomes len(content)).
func WithContent(content []byte) MediaOption {
	return func(c *mediaConfig) { c.content = append([]byte(nil), content...) }
}

// WithFileID sets the file_id of the attached file.
func WithFileID(fileID string) MediaOption { return func(c *mediaConfig) { c.fileID = fileID } }

// WithCaption sets the caption of the media message.
func WithCaption(caption string) MediaOption {
	return func(c *mediaConfig) { c.caption, c.hasCaption = caption, true }
}

func (s *Server) userFile(kind, name, mimeType string, size int64, opts []MediaOption) (*fileEntry, mediaConfig) {
	var cfg mediaConfig
	for _, o := range opts {
		o(&cfg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newFileLocked(kind, cfg.fileID, name, mimeType, cfg.content, size), cfg
}

// SendPhoto queues a photo message from user with the given caption. The
// photo has two sizes; the last one is the largest.
func (s *Server) SendPhoto(user User, caption string, opts ...MediaOption) int64 {
	f, cfg := s.userFile(KindPhoto, "", "image/jpeg", 0, opts)
	s.mu.Lock()
	small := s.newFileLocked(KindPhoto, f.id+"-small", "", "image/jpeg", f.content, f.size/4)
	s.mu.Unlock()
	if cfg.hasCaption {
		caption = cfg.caption
	}
	m := s.newUserMessage(user, nil)
	m.Caption = caption
	m.Photo = []models.PhotoSize{
		{FileID: small.id, FileUniqueID: small.uniqueID, Width: 320, Height: 240, FileSize: int(small.size)},
		{FileID: f.id, FileUniqueID: f.uniqueID, Width: 1280, Height: 960, FileSize: int(f.size)},
	}
	return s.pushBuilt(models.Update{Message: m})
}

// SendDocument queues a document message from user. Without WithContent the
// file has the given size but empty content.
func (s *Server) SendDocument(user User, fileName, mimeType string, size int64, opts ...MediaOption) int64 {
	f, cfg := s.userFile(KindDocument, fileName, mimeType, size, opts)
	m := s.newUserMessage(user, nil)
	m.Caption = cfg.caption
	m.Document = &models.Document{FileID: f.id, FileUniqueID: f.uniqueID, FileName: fileName, MimeType: mimeType, FileSize: f.size}
	return s.pushBuilt(models.Update{Message: m})
}

// SendDocumentWithContent queues a document message whose content can be
// downloaded by the bot.
func (s *Server) SendDocumentWithContent(user User, fileName, mimeType string, content []byte) int64 {
	return s.SendDocument(user, fileName, mimeType, int64(len(content)), WithContent(content))
}

// SendSticker queues a sticker message from user.
func (s *Server) SendSticker(user User, emoji string, opts ...MediaOption) int64 {
	f, _ := s.userFile(KindSticker, "", "image/webp", 0, opts)
	m := s.newUserMessage(user, nil)
	m.Sticker = &models.Sticker{FileID: f.id, FileUniqueID: f.uniqueID, Type: "regular", Width: 512, Height: 512, Emoji: emoji, FileSize: int(f.size)}
	return s.pushBuilt(models.Update{Message: m})
}

// SendVoice queues a voice message of the given duration (seconds).
func (s *Server) SendVoice(user User, durationSeconds int, opts ...MediaOption) int64 {
	f, _ := s.userFile(KindVoice, "", "audio/ogg", 0, opts)
	m := s.newUserMessage(user, nil)
	m.Voice = &models.Voice{FileID: f.id, FileUniqueID: f.uniqueID, Duration: durationSeconds, MimeType: "audio/ogg", FileSize: f.size}
	return s.pushBuilt(models.Update{Message: m})
}

// SendVideo queues a video message with the given caption and duration.
func (s *Server) SendVideo(user User, caption string, durationSeconds int, opts ...MediaOption) int64 {
	f, cfg := s.userFile(KindVideo, "video.mp4", "video/mp4", 0, opts)
	if cfg.hasCaption {
		caption = cfg.caption
	}
	m := s.newUserMessage(user, nil)
	m.Caption = caption
	m.Video = &models.Video{FileID: f.id, FileUniqueID: f.uniqueID, Width: 1280, Height: 720, Duration: durationSeconds, FileName: "video.mp4", MimeType: "video/mp4", FileSize: f.size}
	return s.pushBuilt(models.Update{Message: m})
}
