package telegramtest

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

type methodFunc func(s *Server, c *callCtx) (any, *APIError)

type builtinMethod struct {
	name string
	fn   methodFunc
}

// builtinMethods are the implemented API methods by lower-case name
// (Telegram method names are case-insensitive).
var builtinMethods = func() map[string]builtinMethod {
	m := map[string]methodFunc{
		"getMe":                  (*Server).getMe,
		"getUpdates":             (*Server).getUpdates,
		"setWebhook":             (*Server).setWebhook,
		"deleteWebhook":          (*Server).deleteWebhook,
		"getWebhookInfo":         (*Server).getWebhookInfo,
		"setMyCommands":          (*Server).setMyCommands,
		"getMyCommands":          (*Server).getMyCommands,
		"deleteMyCommands":       (*Server).deleteMyCommands,
		"sendMessage":            (*Server).sendMessage,
		"sendPhoto":              sendMedia(KindPhoto),
		"sendDocument":           sendMedia(KindDocument),
		"sendVideo":              sendMedia(KindVideo),
		"sendAudio":              sendMedia(KindAudio),
		"sendVoice":              sendMedia(KindVoice),
		"sendAnimation":          sendMedia(KindAnimation),
		"sendSticker":            sendMedia(KindSticker),
		"editMessageText":        (*Server).editMessageText,
		"editMessageCaption":     (*Server).editMessageCaption,
		"editMessageReplyMarkup": (*Server).editMessageReplyMarkup,
		"deleteMessage":          (*Server).deleteMessage,
		"deleteMessages":         (*Server).deleteMessages,
		"answerCallbackQuery":    (*Server).answerCallbackQuery,
		"sendChatAction":         (*Server).sendChatAction,
		"getFile":                (*Server).getFile,
		"setMyDescription":       acceptTrue,
		"setMyShortDescription":  acceptTrue,
		"setMyName":              acceptTrue,
		"setChatMenuButton":      acceptTrue,
	}
	out := make(map[string]builtinMethod, len(m))
	for name, fn := range m {
		out[strings.ToLower(name)] = builtinMethod{name: name, fn: fn}
	}
	return out
}()

func acceptTrue(*Server, *callCtx) (any, *APIError) { return true, nil }

func (s *Server) getMe(*callCtx) (any, *APIError) {
	u := s.botUser
	return &u, nil
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func (s *Server) sendChatAction(c *callCtx) (any, *APIError) {
	if _, e := chatIDParam(c.params); e != nil {
		return nil, e
	}
	if !chatActions[c.params["action"]] {
		return nil, badRequest("wrong parameter action in request")
	}
	return true, nil
}

// ---- Bot commands ----

var commandRe = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// commandsKey identifies a command list by scope and language. The scope
// JSON is normalised so that equal scopes give equal keys.
func commandsKey(params map[string]string) (string, *APIError) {
	scope := `{"type":"default"}`
	if raw := strings.TrimSpace(params["scope"]); raw != "" && raw != "null" {
		var v map[string]any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return "", badRequest("can't parse BotCommandScope JSON object")
		}
		if v["type"] == nil {
			return "", badRequest("can't parse BotCommandScope JSON object")
		}
		norm, _ := json.Marshal(v) // map keys are sorted
		scope = string(norm)
	}
	return scope + "|" + params["language_code"], nil
}

// MyCommands returns the commands set with setMyCommands for a scope (its
// JSON, e.g. `{"type":"all_private_chats"}`; "" is the default scope) and a
// language code ("" for all languages).
func (s *Server) MyCommands(scopeJSON, languageCode string) []models.BotCommand {
	key, e := commandsKey(map[string]string{"scope": scopeJSON, "language_code": languageCode})
	if e != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]models.BotCommand(nil), s.commands[key]...)
}

func (s *Server) setMyCommands(c *callCtx) (any, *APIError) {
	key, e := commandsKey(c.params)
	if e != nil {
		return nil, e
	}
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(c.params["commands"]), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON array")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, cmd := range cmds {
		if !commandRe.MatchString(cmd.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(cmd.Description)); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.changed.Notify()
	return true, nil
}

func (s *Server) getMyCommands(c *callCtx) (any, *APIError) {
	key, e := commandsKey(c.params)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]models.BotCommand{}, s.commands[key]...), nil
}

func (s *Server) deleteMyCommands(c *callCtx) (any, *APIError) {
	key, e := commandsKey(c.params)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, key)
	s.changed.Notify()
	return true, nil
}
