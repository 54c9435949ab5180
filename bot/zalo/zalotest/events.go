package zalotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/png"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// User is a Zalo user playing the human side of a test.
type User struct {
	// ID is the OA-scoped user id: sender.id of the user's events and
	// recipient.user_id of the bot's sends.
	ID string
	// Name is the name the user gives in a request_user_info form.
	Name string
}

// Info is what a user gives in a request_user_info form (see SubmitInfo).
type Info struct {
	Name  string
	Phone string // "84912345678"
	// Address, City and Ward are sent in both shapes; District only in the
	// flat one.
	Address  string
	City     string
	District string
	Ward     string
	// DOB ("01/01/1980") and Gender ("male") are sent in the nested shape
	// only.
	DOB    string
	Gender string
}

// defaultInfo fills the fields of a form SubmitInfo does not take.
var defaultInfo = Info{
	Address:  "12 Đường 30 Tháng 4",
	City:     "Tây Ninh",
	District: "Thành phố Tây Ninh",
	Ward:     "Phường Tân Ninh",
	DOB:      "01/01/1980",
	Gender:   "male",
}

// Wire shapes of the events.
type (
	wireID struct {
		ID string `json:"id"`
	}
	wireEvent struct {
		AppID       string       `json:"app_id"`
		OAID        string       `json:"oa_id,omitempty"`
		Sender      *wireID      `json:"sender,omitempty"`
		Recipient   *wireID      `json:"recipient,omitempty"`
		Follower    *wireID      `json:"follower,omitempty"`
		UserIDByApp string       `json:"user_id_by_app,omitempty"`
		EventName   string       `json:"event_name"`
		Source      string       `json:"source,omitempty"`
		Message     *wireMessage `json:"message,omitempty"`
		Info        any          `json:"info,omitempty"`
		Timestamp   string       `json:"timestamp"`
	}
	wireMessage struct {
		Text        *string          `json:"text,omitempty"`
		MsgID       string           `json:"msg_id"`
		Attachments []wireAttachment `json:"attachments,omitempty"`
	}
	wireAttachment struct {
		Type    string `json:"type"`
		Payload any    `json:"payload"`
	}
	flatInfo struct {
		Name     string `json:"name"`
		Phone    string `json:"phone"`
		Address  string `json:"address"`
		City     string `json:"city"`
		District string `json:"district"`
		Ward     string `json:"ward"`
	}
	nestedInfo struct {
		Name        string `json:"name"`
		Phone       string `json:"phone"`
		FullAddress struct {
			City    string `json:"user_city"`
			Ward    string `json:"user_ward"`
			Address string `json:"user_address"`
		} `json:"full_address"`
		DOB    string `json:"user_dob"`
		Gender string `json:"gender"`
	}
)

// AppUserID returns the app-scoped id (user_id_by_app) the events give for
// an OA-scoped user id: a stable number of 18 digits, different from it.
func (s *Server) AppUserID(userID string) string {
	h := fnv.New64a()
	_, _ = io.WriteString(h, s.cfg.appID+"/"+userID)
	return strconv.FormatUint(h.Sum64()%900_000_000_000_000_000+100_000_000_000_000_000, 10)
}

// nextTimestampLocked returns the timestamp of a new event: the time in
// epoch milliseconds, bumped so that it is greater than the last one's.
func (s *Server) nextTimestampLocked() string {
	ts := time.Now().UnixMilli()
	if ts <= s.lastTS {
		ts = s.lastTS + 1
	}
	s.lastTS = ts
	return strconv.FormatInt(ts, 10)
}

// userEventLocked builds an event from u to the OA. A message gets a fresh
// msg_id, which sends may then address (recipient.message_id). The event
// reopens u's reply window (see OutsideWindow).
func (s *Server) userEventLocked(u User, name string, msg *wireMessage) *wireEvent {
	ev := &wireEvent{
		AppID:       s.cfg.appID,
		Sender:      &wireID{ID: u.ID},
		Recipient:   &wireID{ID: s.cfg.oaID},
		UserIDByApp: s.AppUserID(u.ID),
		EventName:   name,
		Message:     msg,
		Timestamp:   s.nextTimestampLocked(),
	}
	if msg != nil {
		msg.MsgID = randHex(10)
		s.msgOwner[msg.MsgID] = u.ID
	}
	delete(s.outside, u.ID)
	return ev
}

// emit builds an event under the lock and posts it signed.
func (s *Server) emit(build func() *wireEvent) (int, error) {
	s.mu.Lock()
	ev := build()
	s.changed.Notify()
	s.mu.Unlock()
	raw, err := encodeEvent(ev)
	if err != nil {
		return 0, err
	}
	return s.post(raw, s.signWith(raw, ev.Timestamp), true)
}

// encodeEvent renders an event as Zalo does, without escaping <, > and &.
func encodeEvent(ev *wireEvent) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("zalotest: can't encode event: %v", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (s *Server) emitMessage(u User, name string, msg *wireMessage) (int, error) {
	return s.emit(func() *wireEvent { return s.userEventLocked(u, name, msg) })
}

// SendText posts a user_send_text event: u wrote text to the OA. Like
// every method that posts an event, it returns the HTTP status the bot
// answered, or an error if there is no webhook or the post failed.
func (s *Server) SendText(u User, text string) (int, error) {
	return s.emitMessage(u, "user_send_text", &wireMessage{Text: &text})
}

// PressPayload posts what Zalo posts when u taps an oa.query.* button with
// this payload: a user_send_text event whose text is the payload. No
// button needs to exist, so tests can forge payloads.
func (s *Server) PressPayload(u User, payload string) (int, error) {
	return s.SendText(u, payload)
}

// Press taps a button the bot sent to u: among the messages to u, newest
// first, the first one with a button whose title contains titleContains.
// It posts the button's payload as PressPayload does. It is an error if
// there is no such button or if it is not an oa.query.* button (a tap on
// the others opens a URL or the phone and sends the OA nothing).
func (s *Server) Press(u User, titleContains string) (int, error) {
	s.mu.Lock()
	var (
		b     Button
		found bool
	)
	if st := s.users[u.ID]; st != nil {
		for i := len(st.msgs) - 1; i >= 0 && !found; i-- {
			b, found = st.msgs[i].FindButton(titleContains)
		}
	}
	s.mu.Unlock()
	if !found {
		return 0, fmt.Errorf("zalotest: no message to user %s has a button whose title contains %q", u.ID, titleContains)
	}
	if !b.IsQuery() {
		return 0, fmt.Errorf("zalotest: button %q is %s: a tap sends the OA nothing", b.Title, b.Type)
	}
	return s.PressPayload(u, b.Payload)
}

// SendImage posts a user_send_image event: u sent the image data (served by
// the fake, see ServeFile) with a caption, which may be empty.
func (s *Server) SendImage(u User, data []byte, caption string) (int, error) {
	url := s.ServeFile(data, "")
	return s.emitMessage(u, "user_send_image", &wireMessage{
		Text: &caption,
		Attachments: []wireAttachment{{Type: "image", Payload: map[string]string{
			"url": url, "thumbnail": url,
		}}},
	})
}

// SendFile posts a user_send_file event: u sent a file named name (e.g.
// "giay.pdf") holding data, served by the fake. The payload's type is the
// extension without the dot.
func (s *Server) SendFile(u User, data []byte, name string) (int, error) {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	ctype := fileTypes[ext]
	url := s.ServeFile(data, ctype)
	return s.emitMessage(u, "user_send_file", &wireMessage{
		Attachments: []wireAttachment{{Type: "file", Payload: map[string]string{
			"url": url, "name": name, "size": strconv.Itoa(len(data)), "type": ext,
		}}},
	})
}

// Shared media of the events that carry no content of the test's.
var (
	tinyPNG = sync.OnceValue(func() []byte {
		var b bytes.Buffer
		_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
		return b.Bytes()
	})
	fakeAudio = []byte("\xFF\xF1fake-aac")
	fakeVideo = []byte("\x00\x00\x00\x18ftypmp42fake-mp4")
)

// SendSticker posts a user_send_sticker event.
func (s *Server) SendSticker(u User) (int, error) {
	url := s.ServeFile(tinyPNG(), "image/png")
	return s.emitMessage(u, "user_send_sticker", &wireMessage{
		Attachments: []wireAttachment{{Type: "sticker", Payload: map[string]string{
			"id": randHex(4), "url": url,
		}}},
	})
}

// SendLocation posts a user_send_location event at a point in Tây Ninh.
func (s *Server) SendLocation(u User) (int, error) {
	return s.emitMessage(u, "user_send_location", &wireMessage{
		Attachments: []wireAttachment{{Type: "location", Payload: map[string]any{
			"coordinates": map[string]string{"latitude": "11.3101", "longitude": "106.0983"},
		}}},
	})
}

// SendAudio posts a user_send_audio event (a voice message).
func (s *Server) SendAudio(u User) (int, error) {
	url := s.ServeFile(fakeAudio, "audio/aac")
	return s.emitMessage(u, "user_send_audio", &wireMessage{
		Attachments: []wireAttachment{{Type: "audio", Payload: map[string]string{"url": url}}},
	})
}

// SendVideo posts a user_send_video event.
func (s *Server) SendVideo(u User) (int, error) {
	url := s.ServeFile(fakeVideo, "video/mp4")
	thumb := s.ServeFile(tinyPNG(), "image/png")
	return s.emitMessage(u, "user_send_video", &wireMessage{
		Attachments: []wireAttachment{{Type: "video", Payload: map[string]string{
			"url": url, "thumbnail": thumb, "description": "",
		}}},
	})
}

// SendLink posts a user_send_link event: u shared link.
func (s *Server) SendLink(u User, link string) (int, error) {
	return s.emitMessage(u, "user_send_link", &wireMessage{
		Text: &link,
		Attachments: []wireAttachment{{Type: "link", Payload: map[string]string{
			"url": link, "title": link, "description": "", "thumbnail": "",
		}}},
	})
}

// Follow posts a follow event: u followed the OA from its profile.
func (s *Server) Follow(u User) (int, error) { return s.follow(u, "follow") }

// Unfollow posts an unfollow event. It does not change what the fake
// answers to sends (see Blocked).
func (s *Server) Unfollow(u User) (int, error) { return s.follow(u, "unfollow") }

func (s *Server) follow(u User, name string) (int, error) {
	return s.emit(func() *wireEvent {
		if name == "follow" {
			delete(s.outside, u.ID)
		}
		return &wireEvent{
			AppID:       s.cfg.appID,
			OAID:        s.cfg.oaID,
			Follower:    &wireID{ID: u.ID},
			UserIDByApp: s.AppUserID(u.ID),
			EventName:   name,
			Source:      "oa_profile",
			Timestamp:   s.nextTimestampLocked(),
		}
	})
}

// SubmitInfo posts a user_submit_info event: u filled in a
// request_user_info form with u.Name, phone and an address in Tây Ninh.
// With nested false the info is flat (name, phone, address, city,
// district, ward); with nested true it has the newer shape (name, phone,
// full_address{user_city, user_ward, user_address}, user_dob, gender).
func (s *Server) SubmitInfo(u User, phone string, nested bool) (int, error) {
	info := defaultInfo
	info.Name, info.Phone = u.Name, phone
	return s.SubmitInfoWith(u, info, nested)
}

// SubmitInfoWith is SubmitInfo with every field of the form chosen.
func (s *Server) SubmitInfoWith(u User, info Info, nested bool) (int, error) {
	var wire any
	if nested {
		n := nestedInfo{Name: info.Name, Phone: info.Phone, DOB: info.DOB, Gender: info.Gender}
		n.FullAddress.City, n.FullAddress.Ward, n.FullAddress.Address = info.City, info.Ward, info.Address
		wire = n
	} else {
		wire = flatInfo{Name: info.Name, Phone: info.Phone, Address: info.Address, City: info.City, District: info.District, Ward: info.Ward}
	}
	return s.emit(func() *wireEvent {
		ev := s.userEventLocked(u, "user_submit_info", nil)
		ev.UserIDByApp = ""
		ev.Info = wire
		return ev
	})
}

// EchoOA posts an oa_send_text event, the echo Zalo sends of a text the OA
// sent to u: the sender is the OA and the recipient is u. A bot must
// ignore it.
func (s *Server) EchoOA(u User, text string) (int, error) {
	return s.emit(func() *wireEvent {
		msg := &wireMessage{Text: &text, MsgID: randHex(10)}
		s.msgOwner[msg.MsgID] = u.ID
		return &wireEvent{
			AppID:       s.cfg.appID,
			Sender:      &wireID{ID: s.cfg.oaID},
			Recipient:   &wireID{ID: u.ID},
			UserIDByApp: s.AppUserID(u.ID),
			EventName:   "oa_send_text",
			Message:     msg,
			Timestamp:   s.nextTimestampLocked(),
		}
	})
}

// EventJSON returns the body of a new user_send_text event from u, unsigned
// and not posted, for load generators that post it themselves with the
// header X-ZEvent-Signature: Sign(body). Like the events the fake posts, it
// has a fresh msg_id and a timestamp greater than any before, and it
// reopens u's reply window.
func (s *Server) EventJSON(u User, text string) []byte {
	raw, _ := s.SignedEventJSON(u, text)
	return raw
}

// SignedEventJSON is EventJSON with the event's X-ZEvent-Signature (what
// Sign gives for it), signed without reading the body again.
func (s *Server) SignedEventJSON(u User, text string) (body []byte, signature string) {
	s.mu.Lock()
	ev := s.userEventLocked(u, "user_send_text", &wireMessage{Text: &text})
	s.changed.Notify()
	s.mu.Unlock()
	raw, err := encodeEvent(ev)
	if err != nil {
		panic(err) // it holds strings and structs only
	}
	return raw, s.signWith(raw, ev.Timestamp)
}

// Sign returns the X-ZEvent-Signature header Zalo would send with the
// event body raw: "mac=" followed by the hex SHA-256 (plain, not HMAC) of
// AppID + raw + timestamp + OASecret, where timestamp is the body's
// "timestamp" field ("" if it has none).
func (s *Server) Sign(raw []byte) string {
	var v struct {
		Timestamp json.RawMessage `json:"timestamp"`
	}
	_ = json.Unmarshal(raw, &v)
	ts := string(v.Timestamp)
	var str string
	if json.Unmarshal(v.Timestamp, &str) == nil {
		ts = str
	}
	return s.signWith(raw, ts)
}

func (s *Server) signWith(raw []byte, timestamp string) string {
	h := sha256.New()
	_, _ = io.WriteString(h, s.cfg.appID)
	_, _ = h.Write(raw)
	_, _ = io.WriteString(h, timestamp)
	_, _ = io.WriteString(h, s.cfg.oaSecret)
	return "mac=" + hex.EncodeToString(h.Sum(nil))
}

// Post posts raw to the webhook as an event, signed (see Sign) when sign is
// true and without an X-ZEvent-Signature header otherwise, e.g. the empty
// probe Post([]byte("{}"), false) Zalo sends to a new webhook URL. It
// returns the HTTP status the bot answered.
func (s *Server) Post(raw []byte, sign bool) (int, error) {
	raw = bytes.Clone(raw)
	if !sign {
		return s.post(raw, "", false)
	}
	return s.post(raw, s.Sign(raw), true)
}

// PostWithSignature posts raw to the webhook with exactly sig as the
// X-ZEvent-Signature header (even ""), to test forged signatures.
func (s *Server) PostWithSignature(raw []byte, sig string) (int, error) {
	return s.post(bytes.Clone(raw), sig, true)
}

// Replay posts raw again, signed, as Zalo does when it retries an event:
// with LastEvent, the same bytes as the last event.
func (s *Server) Replay(raw []byte) (int, error) { return s.Post(raw, true) }

// LastEvent returns the body of the event posted last (by any method that
// posts), nil if none.
func (s *Server) LastEvent() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.lastEvent)
}

var errNoWebhook = errors.New("zalotest: no webhook URL (call SetWebhook)")

// post sends one event to the webhook. raw must not be modified later.
func (s *Server) post(raw []byte, sig string, withSig bool) (int, error) {
	s.mu.Lock()
	url := s.webhook
	if url != "" {
		s.lastEvent = raw
	}
	s.mu.Unlock()
	if url == "" {
		return 0, errNoWebhook
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, fmt.Errorf("zalotest: webhook: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if withSig {
		req.Header.Set("X-ZEvent-Signature", sig)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("zalotest: webhook: %v", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
