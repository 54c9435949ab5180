package zalotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kinds of messages (Message.Kind). KindImage and KindFile are also the
// kinds of uploads (Upload.Kind).
const (
	KindText            = "text"              // message.text only
	KindButtons         = "buttons"           // message.text and a template of buttons
	KindRequestUserInfo = "request_user_info" // the form asking for the phone number
	KindImage           = "image"             // a media template, by attachment_id or url
	KindFile            = "file"              // a file attachment, by upload token
)

// Button types (Button.Type) the fake accepts.
const (
	ButtonQueryHide = "oa.query.hide" // a tap sends the payload as the user's text, not shown in the chat
	ButtonQueryShow = "oa.query.show" // a tap sends the payload as the user's text, shown in the chat
	ButtonOpenURL   = "oa.open.url"   // payload {"url":...}
	ButtonOpenPhone = "oa.open.phone" // payload {"phone_code":...}
	ButtonOpenSMS   = "oa.open.sms"   // payload {"phone_code":...,"content":...}
)

// Button is a button of a message sent by the bot.
type Button struct {
	Title string
	Type  string
	// Payload is the text an oa.query.* button sends back when tapped, the
	// url of an oa.open.url button, or the phone_code of an oa.open.phone
	// or oa.open.sms button.
	Payload string
}

// IsQuery reports whether a tap on the button sends its payload back to
// the OA as a user_send_text event (oa.query.hide and oa.query.show).
func (b Button) IsQuery() bool { return b.Type == ButtonQueryHide || b.Type == ButtonQueryShow }

// Message is a message the fake accepted from the bot
// (POST /v3.0/oa/message/cs).
type Message struct {
	// ID is the message_id the fake answered.
	ID string
	// UserID is the recipient: recipient.user_id, or the sender of the
	// event recipient.message_id refers to.
	UserID string
	// ReplyTo is recipient.message_id when the send was addressed to an
	// event's msg_id, "" when it was addressed by user_id.
	ReplyTo string
	// Kind is one of the Kind* constants.
	Kind string
	// Text is message.text: the text, or the caption of an image.
	Text string
	// Buttons are the buttons of a KindButtons message, in order.
	Buttons []Button
	// Title, Subtitle and ImageURL are the element of a request_user_info
	// form; ImageURL is also the url of an image sent by URL.
	Title    string
	Subtitle string
	ImageURL string
	// AttachmentID is the attachment_id of an image sent from an upload.
	AttachmentID string
	// FileToken is the token of a file sent from an upload.
	FileToken string
	// QuoteID is message.quote_message_id.
	QuoteID string
	// AccessToken is the access_token header the message was sent with.
	AccessToken string
	// Raw is the exact request body. It must not be modified.
	Raw []byte
	// At is when the fake accepted the message.
	At time.Time
}

// FindButton returns the first button whose title contains titleContains.
func (m Message) FindButton(titleContains string) (Button, bool) {
	for _, b := range m.Buttons {
		if strings.Contains(b.Title, titleContains) {
			return b, true
		}
	}
	return Button{}, false
}

func (m Message) clone() Message {
	m.Buttons = slices.Clone(m.Buttons)
	return m
}

// userState holds what the fake knows about one user.
type userState struct {
	msgs []Message
	sent int // accepted messages, kept in msgs or not (WithoutMessages)
	// changed is notified when a message to the user is accepted.
	changed signal
}

func (s *Server) userLocked(id string) *userState {
	st := s.users[id]
	if st == nil {
		st = &userState{}
		s.users[id] = st
	}
	return st
}

// Wire shapes of a send.
type (
	// wireSend is a send body whose attachment's payload is P: raw
	// (sendBody, decoded layer by layer) or decoded with the body
	// (wholeBody).
	wireSend[P any] struct {
		Recipient *wireRecipient `json:"recipient"`
		Message   *struct {
			Text           *string `json:"text"`
			QuoteMessageID string  `json:"quote_message_id"`
			Attachment     *struct {
				Type    string `json:"type"`
				Payload P      `json:"payload"`
			} `json:"attachment"`
		} `json:"message"`
	}
	sendBody  = wireSend[json.RawMessage]
	wholeBody = wireSend[*wholePayload]
	// wholePayload is every payload the fake accepts, decoded in the
	// body's pass (a missing or null array is a nil pointer, as present
	// says of the raw one).
	wholePayload struct {
		TemplateType string         `json:"template_type"`
		Buttons      *[]wireButton  `json:"buttons"`
		Elements     *[]wireElement `json:"elements"`
		Token        string         `json:"token"`
	}
	wireRecipient struct {
		UserID    string `json:"user_id"`
		MessageID string `json:"message_id"`
	}
	templatePayload struct {
		TemplateType string          `json:"template_type"`
		Buttons      json.RawMessage `json:"buttons"`
		Elements     json.RawMessage `json:"elements"`
	}
	wireButton struct {
		Title   string          `json:"title"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	wireElement struct {
		Title        string `json:"title"`
		Subtitle     string `json:"subtitle"`
		ImageURL     string `json:"image_url"`
		MediaType    string `json:"media_type"`
		AttachmentID string `json:"attachment_id"`
		URL          string `json:"url"`
	}
	filePayload struct {
		Token string `json:"token"`
	}
)

func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// sendParts is what the checks of a send read of its body, each part
// decoded when they ask for it.
type sendParts struct {
	recipient *wireRecipient
	hasMsg    bool
	text      *string
	quoteID   string
	hasAtt    bool
	attType   string
	// template is the attachment's payload as a template, ok false when
	// it is not a JSON object; file is it as a file's.
	template func() (p templateParts, ok bool)
	file     func() (p filePayload, ok bool)
}

// templateParts is a template payload: its arrays, when present (neither
// missing nor null), decoded when asked; ok false when they are not
// arrays of objects.
type templateParts struct {
	templateType    string
	buttonsPresent  bool
	buttons         func() ([]wireButton, bool)
	elementsPresent bool
	elements        func() ([]wireElement, bool)
}

// parseSend decodes and checks a send body. The recipient is in UserID or
// ReplyTo; attachment ids are not checked against the uploads yet.
//
// A body is decoded in one pass (wholeBody); one that does not decode so
// is decoded again layer by layer, so that the error names the part that
// is wrong. The two ways give the same answers (TestParseSendInOnePass):
// the layers cost the load generator's fake three decodes of each
// message with buttons, on the cores the bot is measured on
// (BENCHMARKS.md).
func parseSend(body []byte) (Message, error) {
	if !utf8.Valid(body) {
		return Message{}, errors.New("body is not valid UTF-8")
	}
	var w wholeBody
	if json.Unmarshal(body, &w) != nil {
		return parseSendLayered(body)
	}
	return checkSend(partsOf(w, func(p *wholePayload) (templateParts, bool) {
		if p == nil {
			return templateParts{}, false
		}
		t := templateParts{templateType: p.TemplateType, buttonsPresent: p.Buttons != nil, elementsPresent: p.Elements != nil}
		t.buttons = func() ([]wireButton, bool) { return *p.Buttons, true }
		t.elements = func() ([]wireElement, bool) { return *p.Elements, true }
		return t, true
	}, func(p *wholePayload) (filePayload, bool) {
		if p == nil {
			return filePayload{}, false
		}
		return filePayload{Token: p.Token}, true
	}))
}

// parseSendLayered is parseSend decoding each layer of the body (the
// attachment's payload, its arrays) only when the checks come to it.
func parseSendLayered(body []byte) (Message, error) {
	var b sendBody
	if err := json.Unmarshal(body, &b); err != nil {
		return Message{}, fmt.Errorf("body is not a valid JSON object: %v", err)
	}
	return checkSend(partsOf(b, func(raw json.RawMessage) (templateParts, bool) {
		var p templatePayload
		if err := json.Unmarshal(raw, &p); err != nil || !present(raw) {
			return templateParts{}, false
		}
		t := templateParts{templateType: p.TemplateType, buttonsPresent: present(p.Buttons), elementsPresent: present(p.Elements)}
		t.buttons = func() ([]wireButton, bool) {
			var wire []wireButton
			return wire, json.Unmarshal(p.Buttons, &wire) == nil
		}
		t.elements = func() ([]wireElement, bool) {
			var els []wireElement
			return els, json.Unmarshal(p.Elements, &els) == nil
		}
		return t, true
	}, func(raw json.RawMessage) (filePayload, bool) {
		var p filePayload
		return p, json.Unmarshal(raw, &p) == nil
	}))
}

// partsOf gives the checks the parts of a body whose payload is P, read
// as a template or as a file's when they ask.
func partsOf[P any](b wireSend[P], template func(P) (templateParts, bool), file func(P) (filePayload, bool)) sendParts {
	parts := sendParts{recipient: b.Recipient, hasMsg: b.Message != nil}
	if msg := b.Message; msg != nil {
		parts.text, parts.quoteID = msg.Text, msg.QuoteMessageID
		if att := msg.Attachment; att != nil {
			p := att.Payload
			parts.hasAtt, parts.attType = true, att.Type
			parts.template = func() (templateParts, bool) { return template(p) }
			parts.file = func() (filePayload, bool) { return file(p) }
		}
	}
	return parts
}

// checkSend checks a send body's parts, in the order the package
// documentation gives, and returns the message they make.
func checkSend(b sendParts) (Message, error) {
	var m Message
	switch {
	case b.recipient == nil:
		return m, errors.New("recipient is missing")
	case b.recipient.UserID != "" && b.recipient.MessageID != "":
		return m, errors.New("recipient has both user_id and message_id")
	case b.recipient.UserID == "" && b.recipient.MessageID == "":
		return m, errors.New("recipient.user_id is empty")
	}
	m.UserID, m.ReplyTo = b.recipient.UserID, b.recipient.MessageID
	if !b.hasMsg {
		return m, errors.New("message is missing")
	}
	m.QuoteID = b.quoteID
	hasText := b.text != nil
	if hasText {
		m.Text = *b.text
	}
	if !b.hasAtt {
		m.Kind = KindText
		return m, checkText(m.Text, true)
	}
	switch b.attType {
	case "template":
		p, ok := b.template()
		if !ok {
			return m, errors.New("message.attachment.payload must be an object")
		}
		switch p.templateType {
		case "":
			if !p.buttonsPresent {
				return m, errors.New("a template without template_type must have buttons")
			}
			m.Kind = KindButtons
			if err := checkText(m.Text, true); err != nil {
				return m, err
			}
			var err error
			m.Buttons, err = parseButtons(p.buttons)
			return m, err
		case "request_user_info":
			m.Kind = KindRequestUserInfo
			if hasText {
				return m, errors.New("message.text is not allowed with a request_user_info template (use the element's title and subtitle)")
			}
			el, err := oneElement(p)
			if err != nil {
				return m, err
			}
			if strings.TrimSpace(el.Title) == "" {
				return m, errors.New("the request_user_info element needs a title")
			}
			m.Title, m.Subtitle, m.ImageURL = el.Title, el.Subtitle, el.ImageURL
			return m, nil
		case "media":
			m.Kind = KindImage
			if err := checkText(m.Text, false); err != nil {
				return m, err
			}
			el, err := oneElement(p)
			if err != nil {
				return m, err
			}
			if el.MediaType != "image" {
				return m, fmt.Errorf("media_type %q is not supported (the fake plays \"image\" only)", el.MediaType)
			}
			switch {
			case el.AttachmentID != "" && el.URL != "":
				return m, errors.New("a media element has both attachment_id and url")
			case el.AttachmentID != "":
				m.AttachmentID = el.AttachmentID
			case el.URL != "":
				if !isHTTPURL(el.URL) {
					return m, fmt.Errorf("url %q is not an http(s) URL", el.URL)
				}
				m.ImageURL = el.URL
			default:
				return m, errors.New("a media element needs attachment_id or url")
			}
			return m, nil
		default:
			return m, fmt.Errorf("template_type %q is not supported (the fake plays buttons, request_user_info and media)", p.templateType)
		}
	case "file":
		m.Kind = KindFile
		if hasText {
			return m, errors.New("message.text is not allowed with a file attachment (send the text as its own message)")
		}
		p, ok := b.file()
		if !ok || p.Token == "" {
			return m, errors.New("a file attachment needs payload.token")
		}
		m.FileToken = p.Token
		return m, nil
	default:
		return m, fmt.Errorf("message.attachment.type %q is not supported (template or file)", b.attType)
	}
}

func checkText(text string, required bool) error {
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0 && required:
		return errors.New("message.text is empty")
	case n > MaxTextLength:
		return fmt.Errorf("message.text has %d characters, more than %d", n, MaxTextLength)
	}
	return nil
}

func oneElement(p templateParts) (wireElement, error) {
	if !p.elementsPresent {
		return wireElement{}, fmt.Errorf("template %s needs an array of elements", p.templateType)
	}
	els, ok := p.elements()
	if !ok {
		return wireElement{}, fmt.Errorf("template %s needs an array of elements", p.templateType)
	}
	if p.buttonsPresent {
		return wireElement{}, fmt.Errorf("template %s does not take buttons", p.templateType)
	}
	if len(els) != 1 {
		return wireElement{}, fmt.Errorf("template %s needs exactly 1 element, got %d", p.templateType, len(els))
	}
	return els[0], nil
}

func parseButtons(decode func() ([]wireButton, bool)) ([]Button, error) {
	wire, ok := decode()
	if !ok {
		return nil, errors.New("buttons must be an array of objects")
	}
	switch {
	case len(wire) == 0:
		return nil, errors.New("buttons is empty")
	case len(wire) > MaxButtons:
		return nil, fmt.Errorf("%d buttons, more than %d", len(wire), MaxButtons)
	}
	out := make([]Button, 0, len(wire))
	for i, w := range wire {
		b, err := parseButton(w)
		if err != nil {
			return nil, fmt.Errorf("button %d: %v", i+1, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func parseButton(w wireButton) (Button, error) {
	b := Button{Title: w.Title, Type: w.Type}
	if strings.TrimSpace(w.Title) == "" {
		return b, errors.New("title is empty")
	}
	if n := utf8.RuneCountInString(w.Title); n > MaxButtonTitle {
		return b, fmt.Errorf("title has %d characters, more than %d", n, MaxButtonTitle)
	}
	switch w.Type {
	case ButtonQueryHide, ButtonQueryShow:
		if err := json.Unmarshal(w.Payload, &b.Payload); err != nil || !present(w.Payload) {
			return b, fmt.Errorf("the payload of %s must be a string", w.Type)
		}
		n := utf8.RuneCountInString(b.Payload)
		if n == 0 {
			return b, errors.New("payload is empty")
		}
		if n > MaxButtonPayload {
			return b, fmt.Errorf("payload has %d characters, more than %d", n, MaxButtonPayload)
		}
	case ButtonOpenURL:
		var p struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(w.Payload, &p); err != nil || !isHTTPURL(p.URL) {
			return b, errors.New(`the payload of oa.open.url must be {"url":"http(s)://..."}`)
		}
		b.Payload = p.URL
	case ButtonOpenPhone, ButtonOpenSMS:
		var p struct {
			Phone string `json:"phone_code"`
		}
		if err := json.Unmarshal(w.Payload, &p); err != nil || p.Phone == "" {
			return b, fmt.Errorf(`the payload of %s must be {"phone_code":"..."}`, w.Type)
		}
		b.Payload = p.Phone
	default:
		return b, fmt.Errorf("type %q is not a button type", w.Type)
	}
	return b, nil
}

func isHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// sendData is the data of a successful send.
type sendData struct {
	MessageID string `json:"message_id"`
	UserID    string `json:"user_id"`
	SentTime  string `json:"sent_time"`
}

// serveSend serves POST /v3.0/oa/message/cs.
func (s *Server) serveSend(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool) {
	now := time.Now()
	tok := r.Header.Get("access_token")
	var (
		m    Message
		perr = errors.New("the body is too large")
	)
	if !tooLarge {
		m, perr = parseSend(body)
	}
	s.mu.Lock()
	res := s.sendLocked(tok, now, &m, perr, body)
	obs := s.observers
	s.mu.Unlock()
	if res.status == 0 && res.code == 0 {
		for _, fn := range obs {
			fn(m)
		}
	}
	s.writeResult(w, res)
}

// sendLocked applies the faults and checks in the order the package
// documentation gives, and records an accepted message (completing *m as
// recorded).
func (s *Server) sendLocked(tok string, now time.Time, m *Message, perr error, body []byte) result {
	switch {
	case s.serverErrors > 0:
		s.serverErrors--
		return result{status: ServerErrorStatus}
	case !s.validAccessLocked(tok, now):
		return reject(CodeInvalidToken, "Access token is invalid")
	case s.invalidOnce > 0:
		s.invalidOnce--
		return reject(CodeInvalidToken, "Access token is invalid")
	case s.rateLimit > 0:
		s.rateLimit--
		return reject(CodeRateLimited, "Request is over the rate limit of the app")
	case perr != nil:
		return reject(CodeInvalidParam, "Invalid parameter: %v", perr)
	}
	if m.ReplyTo != "" {
		uid, ok := s.msgOwner[m.ReplyTo]
		if !ok {
			return reject(CodeInvalidParam, "Invalid parameter: recipient.message_id %q is not a message the OA received", m.ReplyTo)
		}
		m.UserID = uid
	}
	if m.AttachmentID != "" && !s.uploadedLocked(m.AttachmentID, KindImage) {
		return reject(CodeInvalidParam, "Invalid parameter: attachment_id %q is not an uploaded image", m.AttachmentID)
	}
	if m.FileToken != "" && !s.uploadedLocked(m.FileToken, KindFile) {
		return reject(CodeInvalidParam, "Invalid parameter: token %q is not an uploaded file", m.FileToken)
	}
	if s.blocked[m.UserID] {
		return reject(CodeNotFollower, "User has not followed OA")
	}
	if s.outside[m.UserID] {
		return reject(CodeOutsideWindow, "User has not interacted with OA in the past 7 days")
	}
	m.ID = randHex(10)
	m.AccessToken = tok
	m.Raw = body
	m.At = now
	st := s.userLocked(m.UserID)
	st.sent++
	if s.cfg.keepMessages {
		st.msgs = append(st.msgs, *m)
		s.all = append(s.all, *m)
	}
	st.changed.Notify()
	s.changed.Notify()
	return result{data: sendData{MessageID: m.ID, UserID: m.UserID, SentTime: strconv.FormatInt(now.UnixMilli(), 10)}}
}

// Messages returns the messages accepted for userID, oldest first.
func (s *Server) Messages(userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(userID)
}

func (s *Server) messagesLocked(userID string) []Message {
	st := s.users[userID]
	if st == nil || len(st.msgs) == 0 {
		return nil
	}
	out := make([]Message, len(st.msgs))
	for i, m := range st.msgs {
		out[i] = m.clone()
	}
	return out
}

// LastMessage returns the newest message accepted for userID.
func (s *Server) LastMessage(userID string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.users[userID]; st != nil && len(st.msgs) > 0 {
		return st.msgs[len(st.msgs)-1].clone(), true
	}
	return Message{}, false
}

// SentCount returns how many messages were accepted for userID.
func (s *Server) SentCount(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.users[userID]; st != nil {
		return st.sent
	}
	return 0
}

// AllMessages returns every accepted message, to any user, in the order
// they were accepted.
func (s *Server) AllMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.all))
	for i, m := range s.all {
		out[i] = m.clone()
	}
	return out
}

// WaitMessages waits until at least n messages have been accepted for
// userID and returns all of them. On timeout it returns those there are and
// an error that lists them.
func (s *Server) WaitMessages(timeout time.Duration, userID string, n int) ([]Message, error) {
	var msgs []Message
	ok := s.waitLocked(timeout,
		func() *signal { return &s.userLocked(userID).changed },
		func() bool {
			st := s.users[userID]
			if st == nil || len(st.msgs) < n {
				return false
			}
			msgs = s.messagesLocked(userID)
			return true
		})
	if ok {
		return msgs, nil
	}
	msgs = s.Messages(userID)
	texts := make([]string, len(msgs))
	for i, m := range msgs {
		texts[i] = m.Kind + " " + strconv.Quote(m.Text)
	}
	return msgs, fmt.Errorf("zalotest: timed out after %v waiting for %d messages to user %s; have %d: [%s]",
		timeout, n, userID, len(msgs), strings.Join(texts, ", "))
}
