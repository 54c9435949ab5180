package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bench/internal/script"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
)

// zaloEcho serves f's webhook like bench/zaloecho: a signed event is
// answered 200 and its text (or the form's phone) sent back to its sender.
func zaloEcho(t *testing.T, f *ZaloFake) {
	t.Helper()
	tok := f.IssueAccessToken()
	hc := f.HTTPClient()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var ev struct {
			Timestamp string `json:"timestamp"`
			Sender    struct {
				ID string `json:"id"`
			} `json:"sender"`
			Message *struct {
				Text string `json:"text"`
			} `json:"message"`
			Info *struct {
				Phone string `json:"phone"`
			} `json:"info"`
		}
		if json.Unmarshal(raw, &ev) != nil || r.Header.Get(zalo.SignatureHeader) != zalo.Sign(f.AppID(), f.OASecret(), raw, ev.Timestamp) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		text := ""
		switch {
		case ev.Message != nil:
			text = ev.Message.Text
		case ev.Info != nil:
			text = ev.Info.Phone
		}
		go func() {
			body, _ := json.Marshal(map[string]any{"recipient": map[string]string{"user_id": ev.Sender.ID}, "message": map[string]string{"text": text}})
			req, _ := http.NewRequest(http.MethodPost, f.URL()+zalotest.PathSend, bytes.NewReader(body))
			req.Header.Set("access_token", tok)
			if resp, err := hc.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}))
	t.Cleanup(srv.Close)
	f.SetWebhook(srv.URL + "/zalo/webhook")
}

func TestZaloLoopsAgainstAnEcho(t *testing.T) {
	f := NewZaloFake(4)
	t.Cleanup(f.Close)
	zaloEcho(t, f)
	steps := script.ZaloRegistration()
	ctx := context.Background()

	r := &ZaloRun{Fake: f, Bot: Echo, Steps: steps, FirstUser: 1, Timeout: 5 * time.Second}
	res, err := Closed(ctx, r, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := 5 * len(steps); res.Answered != want || res.Lost != 0 || res.Latency.Len() != want || res.Acks.Len() != want {
		t.Fatalf("closed loop: %+v (%d replies, %d acks), want %d answered", res, res.Latency.Len(), res.Acks.Len(), want)
	}
	if res.Latency.Percentile(50) <= 0 || res.Acks.Percentile(50) <= 0 {
		t.Fatalf("reply p50 %v, webhook answer p50 %v", res.Latency.Percentile(50), res.Acks.Percentile(50))
	}
	if n := f.SentCount(ZaloID(1)); n != len(steps) {
		t.Fatalf("user 1 got %d messages, want %d", n, len(steps))
	}

	r.FirstUser = 100
	open, err := Open(ctx, r, 200, 250*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if open.Offered != 50 || open.Answered != 50 || open.Lost != 0 || open.Acks.Len() != 50 {
		t.Fatalf("open loop: %+v, want 50 offered and answered", open)
	}
}

func TestZaloWrongAnswerStopsTheLoop(t *testing.T) {
	f := NewZaloFake(1)
	t.Cleanup(f.Close)
	zaloEcho(t, f)
	// The echo does not answer like the OCOP bot.
	steps := script.ZaloRegistration()
	m, err := script.NewPlainMatcher(steps)
	if err != nil {
		t.Fatal(err)
	}
	r := &ZaloRun{Fake: f, Bot: Full, Steps: steps, Matcher: m, FirstUser: 1, Timeout: 5 * time.Second}
	if _, err := Closed(context.Background(), r, 2, 0); err == nil {
		t.Fatal("the echo passed for the OCOP bot")
	}
}

func TestChooseButtonOrNumber(t *testing.T) {
	buttons := zalotest.Message{Text: "Bạn đăng ký với tư cách nào?", Buttons: []zalotest.Button{
		{Title: "Cá nhân", Type: zalotest.ButtonQueryHide, Payload: "#b:f|x|0|c|1"},
		{Title: "Hợp tác xã", Type: zalotest.ButtonQueryHide, Payload: "#b:f|x|0|c|0"},
		{Title: "Trang web", Type: zalotest.ButtonOpenURL, Payload: "https://example.org"},
	}}
	list := zalotest.Message{Text: "Sản phẩm của bạn đang bán ở đâu?\n1. Chợ\n2. Siêu thị\n3. Bỏ qua"}
	for _, c := range []struct {
		m     zalotest.Message
		label string
		want  string
		ok    bool
	}{
		{buttons, "Hợp tác xã", "#b:f|x|0|c|0", true},
		{buttons, "Trang web", "", false}, // opens a URL, sends nothing
		{list, "Bỏ qua", "3", true},
		{list, "Xong", "", false},
	} {
		if got, ok := choose(c.m, c.label); got != c.want || ok != c.ok {
			t.Errorf("choose(%q) = %q, %v; want %q, %v", c.label, got, ok, c.want, c.ok)
		}
	}
	if !hasChoices(buttons) || !hasChoices(list) || hasChoices(zalotest.Message{Text: "Xin chào"}) {
		t.Error("hasChoices")
	}
}

// numberedRE is what a line of a numbered list of choices is.
var numberedRE = regexp.MustCompile(`(?m)^(\d+)\. (.+)$`)

func TestNumberedLineAsTheRegexp(t *testing.T) {
	for _, text := range []string{
		"", "1. Chợ", "Chọn:\n12. Siêu thị\n", "1.Chợ", "1. ", "1.  ", ". Chợ", "a1. Chợ", "Giá 2. 000 đồng",
		"dòng một\r\n2. hai", "x\n\n3. ba\n", "10.5 kg", "1. \n", "Xin chào",
		"Chọn:\n1. Chợ\n2. Siêu thị\n3. Bỏ qua", "1. a\n2.b\n3. c\r\n", "7. bảy\n8. tám\n",
	} {
		if got, want := hasNumberedLine(text), numberedRE.MatchString(text); got != want {
			t.Errorf("hasNumberedLine(%q) = %v, the regexp says %v", text, got, want)
		}
		var got [][2]string
		for n, rest := range numberedLines(text) {
			got = append(got, [2]string{n, rest})
		}
		var want [][2]string
		for _, m := range numberedRE.FindAllStringSubmatch(text, -1) {
			want = append(want, [2]string{m[1], m[2]})
		}
		if !slices.Equal(got, want) {
			t.Errorf("numberedLines(%q) = %q, the regexp finds %q", text, got, want)
		}
	}
}
