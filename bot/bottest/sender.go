package bottest

import (
	"context"
	"strconv"
	"sync"

	"github.com/ocop-tayninh/ocopbot/bot"
)

// Sent is one message the engine handed to the channel, as it handed it
// (HTML; a PlainText channel renders it itself).
type Sent struct {
	ChatID string
	ID     string // the message id the sender returned
	bot.Reply
}

// Answer is one answer to a pressed button.
type Answer struct {
	CallbackID string
	Text       string
	Alert      bool
}

// Sender is a bot.Sender that records what it is asked to send, with the
// limits it is given (none: a Telegram-like channel).
type Sender struct {
	lim     bot.Limits
	mu      sync.Mutex
	sent    []Sent
	answers []Answer
	err     map[string]error // chat id -> error of its sends
	menus   map[string][]bot.MenuCommand
	next    int
}

var (
	_ bot.Sender    = (*Sender)(nil)
	_ bot.Limited   = (*Sender)(nil)
	_ bot.ChatMenus = (*Sender)(nil)
)

// ZaloLimits are the limits of the Zalo channel (ZALO.md).
var ZaloLimits = bot.Limits{MaxButtons: 5, NoEdit: true, PlainText: true, NoToast: true, NoKeyboard: true}

// NewSender returns a recording sender with the channel limits lim.
func NewSender(lim bot.Limits) *Sender { return &Sender{lim: lim, err: map[string]error{}} }

// Limits returns the channel's limits.
func (s *Sender) Limits() bot.Limits { return s.lim }

// FailTo makes sends to chatID fail with err (bot.ErrBlocked: the user
// blocked the bot) until FailTo(chatID, nil).
func (s *Sender) FailTo(chatID string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.err, chatID)
		return
	}
	s.err[chatID] = err
}

// Send records r and returns a new message id.
func (s *Sender) Send(_ context.Context, chatID string, r bot.Reply) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.err[chatID]; err != nil {
		return "", err
	}
	s.next++
	id := strconv.Itoa(s.next)
	s.sent = append(s.sent, Sent{ChatID: chatID, ID: id, Reply: r})
	return id, nil
}

// AnswerCallback records the answer to a pressed button.
func (s *Sender) AnswerCallback(_ context.Context, callbackID, text string, alert bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, Answer{CallbackID: callbackID, Text: text, Alert: alert})
	return nil
}

// Sent returns the messages sent so far, to every chat.
func (s *Sender) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Answers returns the answers to pressed buttons so far.
func (s *Sender) Answers() []Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Answer(nil), s.answers...)
}

func (s *Sender) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent), len(s.answers)
}

// SetChatCommands records the command menu given to one chat
// (bot.ChatMenus); nil gives it back the default menu.
func (s *Sender) SetChatCommands(_ context.Context, chatID string, cmds []bot.MenuCommand) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.menus == nil {
		s.menus = map[string][]bot.MenuCommand{}
	}
	s.menus[chatID] = cmds
	return nil
}

// Menu returns the command menu last given to the chat.
func (s *Sender) Menu(chatID string) []bot.MenuCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.menus[chatID]
}
