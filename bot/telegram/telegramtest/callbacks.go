package telegramtest

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// firstCallbackID makes callback query ids look like Telegram's (large
// decimal numbers).
const firstCallbackID int64 = 4_000_000_000_000_000_000

// CallbackAnswer is the bot's answerCallbackQuery for one callback query.
type CallbackAnswer struct {
	ID        string
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
	At        time.Time
}

type callbackState struct {
	answered bool
	answer   CallbackAnswer
}

// CallbackUpdate builds (without queueing) a callback_query update for user
// pressing an inline button with callback data on the bot's message
// messageID in the user's private chat, and returns it with the callback
// query id. The query's message is the bot's current message with that id;
// if the fake does not know it, a minimal message with that id is used.
func (s *Server) CallbackUpdate(user User, messageID int, data string) (models.Update, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[user.ID] = user
	s.nextCallback++
	id := strconv.FormatInt(firstCallbackID+s.nextCallback, 10)
	s.callbacks[id] = &callbackState{}

	var msg *models.Message
	if chat := s.chats[user.ID]; chat != nil {
		if sm := chat.byID[messageID]; sm != nil && !sm.deleted {
			msg = sm.model(s.botUser, chat.chat)
		}
	}
	if msg == nil {
		from := s.botUser
		msg = &models.Message{ID: messageID, From: &from, Date: int(time.Now().Unix()), Chat: user.privateChat()}
	}
	from := user.Model()
	return models.Update{CallbackQuery: &models.CallbackQuery{
		ID:           id,
		From:         from,
		Message:      models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: msg},
		ChatInstance: strconv.FormatInt(user.ID*7919+1, 10),
		Data:         data,
	}}, id
}

// PressButton queues a callback query as if user pressed an inline button
// with callback data on the bot's message messageID (see CallbackUpdate).
// It returns the update_id and the callback query id.
func (s *Server) PressButton(user User, messageID int, data string) (updateID int64, callbackID string) {
	u, id := s.CallbackUpdate(user, messageID, data)
	return s.pushBuilt(u), id
}

// PressButtonByText finds the inline button labelled text on the bot's
// message messageID in the user's chat and presses it (see PressButton).
func (s *Server) PressButtonByText(user User, messageID int, text string) (updateID int64, callbackID string, err error) {
	m, ok := s.MessageByID(user.ID, messageID)
	if !ok {
		return 0, "", fmt.Errorf("telegramtest: no message %d in chat %d", messageID, user.ID)
	}
	b, ok := m.FindButton(text)
	if !ok {
		return 0, "", fmt.Errorf("telegramtest: message %d in chat %d has no button %q", messageID, user.ID, text)
	}
	if b.Data == "" {
		return 0, "", fmt.Errorf("telegramtest: button %q has no callback data", text)
	}
	updateID, callbackID = s.PressButton(user, messageID, b.Data)
	return updateID, callbackID, nil
}

func (s *Server) answerCallbackQuery(c *callCtx) (any, *APIError) {
	id := c.params["callback_query_id"]
	cacheTime, _, e := paramInt(c.params, "cache_time")
	if e != nil {
		return nil, e
	}
	text := c.params["text"]
	if utf8.RuneCountInString(text) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[id]
	if cb == nil || cb.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	cb.answered = true
	cb.answer = CallbackAnswer{
		ID:        id,
		Text:      text,
		ShowAlert: paramBool(c.params, "show_alert"),
		URL:       c.params["url"],
		CacheTime: int(cacheTime),
		At:        c.at,
	}
	s.changed.Notify()
	return true, nil
}

// CallbackAnswer returns the bot's answer to a callback query, if any.
func (s *Server) CallbackAnswer(callbackID string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cb := s.callbacks[callbackID]; cb != nil && cb.answered {
		return cb.answer, true
	}
	return CallbackAnswer{}, false
}

// CallbackAnswers returns all answers to callback queries, by callback id.
func (s *Server) CallbackAnswers() map[string]CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]CallbackAnswer)
	for id, cb := range s.callbacks {
		if cb.answered {
			out[id] = cb.answer
		}
	}
	return out
}

// WaitCallbackAnswer waits until the bot answers the callback query.
func (s *Server) WaitCallbackAnswer(timeout time.Duration, callbackID string) (CallbackAnswer, error) {
	var ans CallbackAnswer
	ok := s.waitLocked(timeout, func() bool {
		cb := s.callbacks[callbackID]
		if cb == nil || !cb.answered {
			return false
		}
		ans = cb.answer
		return true
	})
	if !ok {
		return ans, fmt.Errorf("telegramtest: timed out after %v waiting for the answer to callback query %s", timeout, callbackID)
	}
	return ans, nil
}
