package bot

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/locales"
)

// Benchmarks of the engine's hot paths (make bench runs them; compare runs
// with benchstat). Helpers are prefixed bench to stay out of the tests' way.

// benchSession is a registration left at its fourth step.
func benchSession() *Session {
	return &Session{V: SessionVersion, Active: "reg", Forms: map[string]*Form{"reg": {
		Flow: "reg", Nonce: "k3j5h2m4pq", Step: 3,
		Answers: map[string]string{"kind": "htx", "name": "HTX Bánh tráng Trảng Bàng", "rep": "Nguyễn Văn An"},
		Started: time.Date(2025, 8, 1, 8, 0, 0, 0, time.UTC),
	}}}
}

func BenchmarkSessionEncode(b *testing.B) {
	s := benchSession()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeSession(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSessionDecode(b *testing.B) {
	raw, err := encodeSession(benchSession())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeSession(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCommand(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if cmd, _ := ParseCommand("/start@ocop_bot qr-hoi-cho-2025"); cmd != "/start" {
			b.Fatal(cmd)
		}
	}
}

// BenchmarkMatchChoice is a typed answer to a choice step: every label is
// folded on every call.
func BenchmarkMatchChoice(b *testing.B) {
	choices := []Choice{
		{Value: "htx", Label: "Hợp tác xã"}, {Value: "tht", Label: "Tổ hợp tác"}, {Value: "dn", Label: "Doanh nghiệp nhỏ và vừa"}, {Value: "tt", Label: "Trang trại"},
		{Value: "ho", Label: "Hộ sản xuất có đăng ký kinh doanh"}, {Value: "hoi", Label: "Hội, hiệp hội (du lịch)"}, {Value: "ttdl", Label: "Trung tâm điều hành du lịch"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if i, ok := matchChoice(choices, "trang trai"); !ok || i != 3 {
			b.Fatal(i, ok)
		}
	}
}

// BenchmarkFormCallback is one press of a form button through the whole
// engine (middleware, session load and save over an in-memory KV, the
// button's data parsed, the step re-rendered with its buttons' data): a
// multi-choice option ticked and unticked in turn.
func BenchmarkFormCallback(b *testing.B) {
	e, snd := benchEngine(b)
	ctx := context.Background()
	if err := e.Handle(ctx, &Update{Channel: "bench", ID: 1, UserID: "7", ChatID: "7", Private: true, Kind: KindCommand, Command: "/kenh"}); err != nil {
		b.Fatal(err)
	}
	data := snd.button("Siêu thị")
	if !strings.HasPrefix(data, formPrefix+"|") {
		b.Fatalf("no form button: %q", data)
	}
	u := &Update{Channel: "bench", UserID: "7", ChatID: "7", Private: true, Kind: KindCallback}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u.ID = int64(i + 2)
		u.Callback = &Callback{ID: "cb", Data: data, MessageID: "1"}
		if err := e.Handle(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if snd.sent.Load() < int64(b.N) {
		b.Fatalf("%d presses answered by %d messages", b.N, snd.sent.Load())
	}
}

// BenchmarkDispatcher is the dispatcher's own cost per update: updates of
// 1,000 users handed out in turn, each handled by a function that does
// nothing.
func BenchmarkDispatcher(b *testing.B) {
	var wg sync.WaitGroup
	d := NewDispatcher(context.Background(), func(context.Context, *Update) error { wg.Done(); return nil }, 64, nil)
	users := make([]string, 1000)
	for i := range users {
		users[i] = strconv.Itoa(i)
	}
	ups := make([]Update, b.N)
	for i := range ups {
		ups[i] = Update{Channel: "bench", ID: int64(i), UserID: users[i%len(users)]}
	}
	b.ReportAllocs()
	b.ResetTimer()
	wg.Add(b.N)
	for i := range ups {
		d.Dispatch(&ups[i], nil)
	}
	wg.Wait()
	d.Wait()
}

// benchEngine returns an engine with one form (/kenh: a multi-choice of
// sales channels) over in-memory stores.
func benchEngine(b *testing.B) (*Engine, *benchSender) {
	b.Helper()
	tr, err := NewTranslator(locales.FS)
	if err != nil {
		b.Fatal(err)
	}
	kv := &benchKV{m: map[string][]byte{}}
	e := New(Config{Users: benchUsers{}, Sessions: NewSessionStore(kv), Dedup: NewDeduper(kv), Translator: tr})
	channels := []Choice{{Value: "sieu_thi", Label: "Siêu thị"}, {Value: "tien_loi", Label: "Cửa hàng tiện lợi"}, {Value: "tmdt", Label: "Sàn thương mại điện tử"}, {Value: "cua_hang", Label: "Cửa hàng riêng"}, {Value: "cho", Label: "Chợ / thương lái"}}
	e.Flow(&Flow{ID: "kenh", Command: "/kenh", Access: Anyone, Title: "register.title", Steps: []Step{
		{Key: "channels", Prompt: "register.ask_channels", Label: "register.label_channels", Multi: true, Optional: true,
			Choices: func(*Ctx, *Form) []Choice { return channels }},
	}, Done: func(context.Context, *Ctx, *Form) error { return nil }})
	snd := &benchSender{}
	e.SetSender("bench", snd)
	return e, snd
}

// benchKV is an in-memory KV without expiry.
type benchKV struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (kv *benchKV) Get(_ context.Context, key string) ([]byte, bool, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	v, ok := kv.m[key]
	return v, ok, nil
}

func (kv *benchKV) Set(_ context.Context, key string, val []byte, _ time.Duration) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.m[key] = val
	return nil
}

func (kv *benchKV) SetNX(_ context.Context, key string, val []byte, _ time.Duration) (bool, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if _, ok := kv.m[key]; ok {
		return false, nil
	}
	kv.m[key] = val
	return true, nil
}

func (kv *benchKV) Del(_ context.Context, key string) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	delete(kv.m, key)
	return nil
}

// benchUsers knows one consenting producer.
type benchUsers struct{}

func (benchUsers) Touch(_ context.Context, channel, id, username, name string) (domain.User, error) {
	return domain.User{ID: 1, Channel: channel, ChannelID: id, Username: username, Name: name, Role: domain.RoleProducer,
		Locale: domain.LocaleVI, Consent: domain.ConsentGiven}, nil
}

func (benchUsers) SetBlocked(context.Context, string, string, bool) error { return nil }
func (benchUsers) SetRole(context.Context, int64, domain.Role) error      { return nil }

// benchSender sends nothing and keeps the last buttons.
type benchSender struct {
	sent    atomic.Int64
	mu      sync.Mutex
	buttons [][]Button
}

func (s *benchSender) Send(_ context.Context, _ string, r Reply) (string, error) {
	s.sent.Add(1)
	if len(r.Buttons) > 0 {
		s.mu.Lock()
		s.buttons = r.Buttons
		s.mu.Unlock()
	}
	return "1", nil
}

func (s *benchSender) AnswerCallback(context.Context, string, string, bool) error { return nil }

func (s *benchSender) button(label string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, row := range s.buttons {
		for _, btn := range row {
			if strings.Contains(btn.Label, label) {
				return btn.Data
			}
		}
	}
	return ""
}
