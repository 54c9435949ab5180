package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bot"
)

// MaxText is Telegram's limit on a message's length, in characters.
const MaxText = 4096

// BlockMarker records that a user blocked the bot.
type BlockMarker interface {
	SetBlocked(ctx context.Context, channel, channelID string, blocked bool) error
}

// Sender sends every outgoing message of the Telegram channel. On 429 it
// waits the retry_after Telegram asks for and tries again; on 403 it marks
// the user blocked and returns bot.ErrBlocked.
type Sender struct {
	api        *tgbot.Bot
	http       *http.Client
	users      BlockMarker
	log        *slog.Logger
	maxRetries int
	pacer      Pacer   // nil: no pacing
	direct     *direct // nil: every call through the library
}

// Pacer holds sends to the messenger's budget (see bot.Pacer): Wait before
// every call; after a 429, PauseChat for a call to one chat (the pacer
// decides when it is the bot's limit rather than the chat's), Pause for
// the whole sender otherwise.
type Pacer interface {
	Wait(ctx context.Context, chatID string) error
	Pause(d time.Duration)
	PauseChat(chatID string, d time.Duration)
}

// SetPacer makes every call of the sender wait for p; call it before use.
func (s *Sender) SetPacer(p Pacer) { s.pacer = p }

// NewSender returns a sender over a go-telegram/bot client.
func NewSender(api *tgbot.Bot, users BlockMarker, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{api: api, users: users, log: log, maxRetries: 5, http: &http.Client{Timeout: 5 * time.Minute}}
}

var _ bot.Sender = (*Sender)(nil)

// Send sends r to chatID, or edits r.Edit; a text too long for one message
// is split at paragraph boundaries and the buttons go with the last part.
func (s *Sender) Send(ctx context.Context, chatID string, r bot.Reply) (string, error) {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return "", fmt.Errorf("telegram: chat id %q: %w", chatID, err)
	}
	markup := replyMarkup(r)
	if r.Edit != "" {
		mid, _ := strconv.Atoi(r.Edit)
		var inline models.ReplyMarkup
		if len(r.Buttons) > 0 {
			inline = markup
		}
		params := &tgbot.EditMessageTextParams{ChatID: id, MessageID: mid, Text: r.Text, ParseMode: models.ParseModeHTML, ReplyMarkup: inline}
		err := s.call(ctx, id, func() error {
			if s.direct != nil {
				return s.direct.call(ctx, "editMessageText", params, nil)
			}
			_, err := s.api.EditMessageText(ctx, params)
			return err
		})
		if err == nil || strings.Contains(err.Error(), "message is not modified") {
			return r.Edit, nil
		}
		if errors.Is(err, bot.ErrBlocked) || !errors.Is(err, tgbot.ErrorBadRequest) {
			return "", err
		}
		// The message is gone or too old to edit: send a new one.
	}
	if r.Photo != nil || r.Document != nil {
		return s.sendMedia(ctx, id, r, markup)
	}
	parts := bot.SplitText(r.Text, MaxText)
	var last string
	for i, p := range parts {
		params := &tgbot.SendMessageParams{ChatID: id, Text: p, ParseMode: models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
		if i == len(parts)-1 {
			params.ReplyMarkup = markup
		}
		var sent sentMessage
		err := s.call(ctx, id, func() error {
			if s.direct != nil {
				return s.direct.call(ctx, "sendMessage", params, &sent)
			}
			m, err := s.api.SendMessage(ctx, params)
			if err == nil {
				sent.ID = m.ID
			}
			return err
		})
		if err != nil {
			return "", err
		}
		last = strconv.Itoa(sent.ID)
	}
	return last, nil
}

// AnswerCallback answers a pressed button.
func (s *Sender) AnswerCallback(ctx context.Context, callbackID, text string, alert bool) error {
	params := &tgbot.AnswerCallbackQueryParams{CallbackQueryID: callbackID, Text: text, ShowAlert: alert}
	return s.call(ctx, 0, func() error {
		if s.direct != nil {
			return s.direct.call(ctx, "answerCallbackQuery", params, nil)
		}
		_, err := s.api.AnswerCallbackQuery(ctx, params)
		return err
	})
}

// Transient failures (a 5xx, a dropped connection) are tried again up to
// maxTransient times, waiting transientBackoff, then twice as long each
// time (0.3 + 0.6 + 1.2 s).
const (
	maxTransient     = 3
	transientBackoff = 300 * time.Millisecond
)

// transient reports whether a call's error may pass if tried again: the
// Bot API (or a proxy before it) answered 5xx, or the connection failed or
// dropped before the answer was read.
func transient(err error) bool {
	var se *ServerError
	var ue *url.Error
	return errors.As(err, &se) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF)
}

// call runs one API call with the 429, 403 and transient-error rules.
func (s *Sender) call(ctx context.Context, chatID int64, do func() error) error {
	retried := 0
	for attempt := 0; ; attempt++ {
		if s.pacer != nil {
			key := ""
			if chatID != 0 {
				key = strconv.FormatInt(chatID, 10)
			}
			if err := s.pacer.Wait(ctx, key); err != nil {
				return err
			}
		}
		err := do()
		if err == nil {
			return nil
		}
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case errors.As(err, &tooMany) && attempt < s.maxRetries:
			wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			s.log.Warn("telegram 429, waiting", "retry_after_s", tooMany.RetryAfter)
			if s.pacer != nil {
				// One chat's limit holds that chat only; a call to no
				// chat, or many chats at once, hold the whole sender.
				if chatID != 0 {
					s.pacer.PauseChat(strconv.FormatInt(chatID, 10), wait)
				} else {
					s.pacer.Pause(wait)
				}
				continue
			}
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
			continue
		case transient(err) && retried < maxTransient && ctx.Err() == nil:
			wait := transientBackoff << retried
			retried++
			s.log.Warn("telegram: call failed, trying again", "attempt", retried, "wait_ms", wait.Milliseconds(), "err", err)
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
			continue
		case errors.Is(err, tgbot.ErrorForbidden) && chatID != 0:
			if s.users != nil {
				if merr := s.users.SetBlocked(context.WithoutCancel(ctx), ChannelName, strconv.FormatInt(chatID, 10), true); merr != nil {
					s.log.Error("mark user blocked", "user", chatID, "err", merr)
				}
			}
			return fmt.Errorf("%w: %v", bot.ErrBlocked, err)
		}
		return err
	}
}

func replyMarkup(r bot.Reply) models.ReplyMarkup {
	switch {
	case r.Contact != "" || r.PickUser != "":
		kb := [][]models.KeyboardButton{{{Text: r.Contact, RequestContact: true}}}
		if r.PickUser != "" {
			kb = [][]models.KeyboardButton{{{Text: r.PickUser, RequestUsers: &models.KeyboardButtonRequestUsers{
				RequestID: 1, MaxQuantity: 1, RequestName: true, RequestUsername: true}}}}
		}
		var row []models.KeyboardButton
		for _, k := range r.Keys {
			row = append(row, models.KeyboardButton{Text: k})
		}
		if len(row) > 0 {
			kb = append(kb, row)
		}
		return &models.ReplyKeyboardMarkup{Keyboard: kb, ResizeKeyboard: true, OneTimeKeyboard: true}
	case len(r.Buttons) > 0:
		rows := make([][]models.InlineKeyboardButton, 0, len(r.Buttons))
		for _, br := range r.Buttons {
			row := make([]models.InlineKeyboardButton, 0, len(br))
			for _, b := range br {
				if b.URL != "" {
					row = append(row, models.InlineKeyboardButton{Text: b.Label, URL: b.URL})
				} else {
					row = append(row, models.InlineKeyboardButton{Text: b.Label, CallbackData: b.Data})
				}
			}
			rows = append(rows, row)
		}
		return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
	case r.RemoveKeyboard:
		return &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	}
	return nil
}

// Download fetches a file a user sent: getFile, then the file URL. Files
// over max bytes (Telegram serves at most 20 MB to bots) are refused
// before and while downloading.
func (s *Sender) Download(ctx context.Context, fileID string, max int64) (io.ReadCloser, error) {
	var f *models.File
	err := s.call(ctx, 0, func() error {
		var err error
		f, err = s.api.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
		return err
	})
	if err != nil {
		if strings.Contains(err.Error(), "too big") {
			return nil, bot.ErrTooLarge
		}
		return nil, fmt.Errorf("telegram: getFile: %w", err)
	}
	if f.FileSize > max {
		return nil, bot.ErrTooLarge
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram: download: %s", redact(err.Error(), s.api.Token()))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("telegram: download: status %d", resp.StatusCode)
	}
	if resp.ContentLength > max {
		resp.Body.Close()
		return nil, bot.ErrTooLarge
	}
	return bot.LimitBody(resp.Body, max, nil), nil
}

var _ bot.Downloader = (*Sender)(nil)

// SetChatCommands shows cmds as the command menu of one private chat (the
// officers' menu), or removes that chat's own menu when cmds is empty.
func (s *Sender) SetChatCommands(ctx context.Context, chatID string, cmds []bot.MenuCommand) error {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: chat id %q: %w", chatID, err)
	}
	scope := &models.BotCommandScopeChat{ChatID: id}
	if len(cmds) == 0 {
		_, err = s.api.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{Scope: scope})
		return err
	}
	list := make([]models.BotCommand, 0, len(cmds))
	for _, c := range cmds {
		list = append(list, models.BotCommand{Command: c.Name, Description: c.Description})
	}
	_, err = s.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: list, Scope: scope})
	return err
}

// MaxCaption is Telegram's limit on a caption, in characters.
const MaxCaption = 1024

// sendMedia sends a photo or document; a text too long for a caption is
// sent as a message after it.
func (s *Sender) sendMedia(ctx context.Context, chatID int64, r bot.Reply, markup models.ReplyMarkup) (string, error) {
	att := r.Photo
	if att == nil {
		att = r.Document
	}
	caption, rest := r.Text, ""
	if len([]rune(caption)) > MaxCaption {
		caption, rest = "", r.Text
	}
	var capMarkup models.ReplyMarkup
	if rest == "" {
		capMarkup = markup
	}
	send := func(file models.InputFile) (*models.Message, error) {
		var m *models.Message
		err := s.call(ctx, chatID, func() error {
			var err error
			if r.Photo != nil {
				m, err = s.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chatID, Photo: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: capMarkup})
			} else {
				m, err = s.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chatID, Document: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: capMarkup})
			}
			return err
		})
		return m, err
	}
	var (
		m   *models.Message
		err = errors.New("telegram: attachment without a file")
	)
	// A URL as the id is another channel's file (a Zalo user's): Telegram
	// would fetch it itself, named after the URL and only while the link
	// lasts, so the stored copy goes instead when there is one.
	byID := att.FileID != "" && !(isURL(att.FileID) && len(att.Data) > 0)
	if byID {
		m, err = send(&models.InputFileString{Data: att.FileID})
	}
	if (!byID || errors.Is(err, tgbot.ErrorBadRequest)) && len(att.Data) > 0 {
		m, err = send(&models.InputFileUpload{Filename: att.Name, Data: bytes.NewReader(att.Data)})
	}
	if err != nil {
		return "", err
	}
	if rest != "" {
		return s.Send(ctx, strconv.FormatInt(chatID, 10), bot.Reply{Text: rest, Buttons: r.Buttons})
	}
	return strconv.Itoa(m.ID), nil
}

func isURL(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") }
