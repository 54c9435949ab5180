package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
)

// ZaloFake is a fake Zalo OA (zalotest, without its logs of requests and
// messages) that posts the simulated users' events, signed, to the bot's
// webhook and routes the messages the bot sends (POST /v3.0/oa/message/cs)
// to the user they are for, as they are accepted (zalotest.Server.Observe).
type ZaloFake struct {
	*zalotest.Server
	hc  *http.Client
	sem chan struct{} // bounds the webhook posts in flight

	mu    sync.RWMutex
	users map[string]chan<- zalotest.Message
}

// NewZaloFake starts a fake Zalo on 127.0.0.1. concurrency bounds the
// webhook posts in flight. The bot's webhook is set with SetWebhook. Close
// it when done.
func NewZaloFake(concurrency int) *ZaloFake {
	concurrency = max(concurrency, 1)
	f := &ZaloFake{
		Server: zalotest.NewServer(zalotest.WithoutRequestBodies(), zalotest.WithoutMessages()),
		users:  map[string]chan<- zalotest.Message{},
		sem:    make(chan struct{}, concurrency),
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        concurrency,
			MaxIdleConnsPerHost: concurrency,
			IdleConnTimeout:     30 * time.Second,
		}},
	}
	f.Observe(f.route)
	return f
}

// Close stops the server and closes idle webhook connections.
func (f *ZaloFake) Close() {
	f.Server.Close()
	f.hc.CloseIdleConnections()
}

// route hands an accepted message to the user it is for. It never blocks
// the fake: a user whose queue is full is sent nothing more, and times out.
func (f *ZaloFake) route(m zalotest.Message) {
	f.mu.RLock()
	ch := f.users[m.UserID]
	f.mu.RUnlock()
	if ch == nil {
		return
	}
	select {
	case ch <- m:
	default:
	}
}

func (f *ZaloFake) attach(id string, ch chan<- zalotest.Message) {
	f.mu.Lock()
	f.users[id] = ch
	f.mu.Unlock()
}

func (f *ZaloFake) detach(id string) {
	f.mu.Lock()
	delete(f.users, id)
	f.mu.Unlock()
}

// acquire waits for one of the webhook connections.
func (f *ZaloFake) acquire(ctx context.Context) error {
	select {
	case f.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *ZaloFake) release() { <-f.sem }

// postText posts a user_send_text event from u, signed as Zalo signs it,
// and returns once the webhook has answered 200. The same bytes are posted
// again (a bounded number of times) when the webhook answers otherwise, as
// Zalo retries.
func (f *ZaloFake) postText(ctx context.Context, u zalotest.User, text string) error {
	url := f.Webhook()
	if url == "" {
		return errors.New("load: no Zalo webhook set")
	}
	if err := checkLoopback(url); err != nil {
		return err
	}
	body, sig := f.SignedEventJSON(u, text)
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-ZEvent-Signature", sig)
		resp, err := f.hc.Do(req)
		if err != nil {
			last = err
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = fmt.Errorf("load: the Zalo webhook answered %s", resp.Status)
	}
	return last
}

// postInfo posts a user_submit_info event from u with phone (the fake
// signs and posts it with its own client). It is not posted again: a new
// post would be a new event.
func (f *ZaloFake) postInfo(u zalotest.User, phone string) error {
	if err := checkLoopback(f.Webhook()); err != nil {
		return err
	}
	status, err := f.SubmitInfo(u, phone, false)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("load: the Zalo webhook answered %d to a user_submit_info", status)
	}
	return nil
}

// ZaloRun describes the users of a loop on Zalo.
type ZaloRun struct {
	Fake  *ZaloFake
	Bot   Bot
	Steps []script.Step // script.ZaloRegistration
	// Matcher checks the bot's texts for Full (script.NewPlainMatcher).
	Matcher *script.Matcher
	// FirstUser numbers the first simulated user (its Zalo id is made of
	// it); the next ones follow. Numbers must not be reused on one bot.
	FirstUser int64
	// Timeout bounds the wait for the answer to one update.
	Timeout time.Duration
}

func (r *ZaloRun) script() []script.Step { return r.Steps }

func (r *ZaloRun) waitLimit() time.Duration { return r.Timeout }

// ZaloID is the Zalo user id of simulated user n: 18 digits, like Zalo's.
func ZaloID(n int64) string { return strconv.FormatInt(500_000_000_000_000_000+n, 10) }

func (r *ZaloRun) newPlayer(k int64) player {
	n := r.FirstUser + k
	u := &zuser{
		run:     r,
		n:       n,
		zu:      zalotest.User{ID: ZaloID(n), Name: "Người dùng " + strconv.FormatInt(n, 10)},
		replies: make(chan zalotest.Message, 64),
	}
	r.Fake.attach(u.zu.ID, u.replies)
	return u
}

// zuser is one simulated Zalo user.
type zuser struct {
	run     *ZaloRun
	n       int64
	zu      zalotest.User
	replies chan zalotest.Message
	// choices is the newest message with query buttons or a numbered list.
	choices zalotest.Message
	timer   *time.Timer
}

func (u *zuser) close() {
	u.run.Fake.detach(u.zu.ID)
	if u.timer != nil {
		u.timer.Stop()
	}
}

// do posts the event of step and waits for the bot's answer. Both
// latencies start when the event is due, before the wait for a free
// webhook connection: ack ends at the webhook's 200, reply when the fake
// accepts the bot's first message to the user.
func (u *zuser) do(ctx context.Context, step script.Step) (sample, error) {
	text, want, err := u.build(step)
	if err != nil {
		return sample{}, err
	}
	f := u.run.Fake
	start := time.Now()
	if err := f.acquire(ctx); err != nil {
		return sample{}, err
	}
	if step.Action == script.Contact {
		err = f.postInfo(u.zu, text)
	} else {
		err = f.postText(ctx, u.zu, text)
	}
	ack := time.Since(start)
	f.release()
	if err != nil {
		return sample{}, fmt.Errorf("zalo user %s, step %q: %w", u.zu.ID, text, err)
	}
	if u.timer == nil {
		u.timer = time.NewTimer(u.run.Timeout)
	} else {
		u.timer.Reset(u.run.Timeout)
	}
	defer u.timer.Stop()
	s := sample{ack: max(ack, time.Nanosecond)}
	for got := 0; got < len(want); got++ {
		var m zalotest.Message
		select {
		case m = <-u.replies:
		case <-u.timer.C:
			return sample{}, fmt.Errorf("%w: zalo user %s, step %q: %d of %d messages after %v", ErrTimeout, u.zu.ID, text, got, len(want), u.run.Timeout)
		case <-ctx.Done():
			return sample{}, ctx.Err()
		}
		if got == 0 {
			s.reply = max(m.At.Sub(start), time.Nanosecond)
		}
		if err := u.check(step, text, want[got], m); err != nil {
			return sample{}, err
		}
		if hasChoices(m) {
			u.choices = m
		}
	}
	return s, nil
}

// build returns the text (or, for Contact, the phone number) the user
// posts in step, and the answers expected: message ids for Full, the
// echoed text for Echo.
func (u *zuser) build(step script.Step) (string, []string, error) {
	echo := u.run.Bot == Echo
	var text string
	switch step.Action {
	case script.Text:
		text = step.TextFor(u.n)
	case script.Contact:
		text = script.ZaloPhone(u.n)
	case script.Press:
		if echo {
			text = step.Echo
			break
		}
		var ok bool
		if text, ok = choose(u.choices, step.Arg); !ok {
			return "", nil, fmt.Errorf("load: zalo user %s: no choice %q in the bot's last message with choices: %q", u.zu.ID, step.Arg, u.choices.Text)
		}
	default:
		return "", nil, fmt.Errorf("load: unknown action %d", step.Action)
	}
	if echo {
		return text, []string{text}, nil
	}
	return text, step.Expect, nil
}

// check verifies one message of the answer.
func (u *zuser) check(step script.Step, posted, want string, m zalotest.Message) error {
	var ok bool
	switch {
	case u.run.Bot == Echo:
		ok = m.Kind == zalotest.KindText && m.Text == want
	case want == script.Form:
		ok = m.Kind == zalotest.KindRequestUserInfo
	default:
		ok = m.Kind != zalotest.KindRequestUserInfo && u.run.Matcher.Match(m.Text, want)
	}
	if !ok {
		return fmt.Errorf("load: zalo user %s, step %q (%q): the bot sent a %s message %q, want %s", u.zu.ID, step.Arg, posted, m.Kind, m.Text, want)
	}
	return nil
}

func hasChoices(m zalotest.Message) bool {
	for _, b := range m.Buttons {
		if b.IsQuery() {
			return true
		}
	}
	return hasNumberedLine(m.Text)
}

// hasNumberedLine reports whether a line of text is a choice of a
// numbered list ("2. Siêu thị"),
// without the regexp: every message the bot sends is asked, on the same
// cores as the bot.
func hasNumberedLine(text string) bool {
	for range numberedLines(text) {
		return true
	}
	return false
}

// numberedLines yields the number and the rest of each line of a
// numbered list in text (the tests hold it to the regexp
// `(?m)^(\d+)\. (.+)$`), found by a scan of the lines: the regexp's
// backtracking over every message with choices was 3 % of the load
// generator's time on the bot's side (BENCHMARKS.md).
func numberedLines(text string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for line := range strings.Lines(text) {
			line = strings.TrimSuffix(line, "\n")
			i := 0
			for i < len(line) && line[i] >= '0' && line[i] <= '9' {
				i++
			}
			if i > 0 && len(line) > i+2 && line[i] == '.' && line[i+1] == ' ' {
				if !yield(line[:i], line[i+2:]) {
					return
				}
			}
		}
	}
}

// choose returns what a user posts to pick the choice of m whose title
// contains label: the payload of a query button, or the number of a line
// of the numbered list.
func choose(m zalotest.Message, label string) (string, bool) {
	for _, b := range m.Buttons {
		if b.IsQuery() && strings.Contains(b.Title, label) {
			return b.Payload, true
		}
	}
	for n, rest := range numberedLines(m.Text) {
		if strings.Contains(rest, label) {
			return n, true
		}
	}
	return "", false
}
