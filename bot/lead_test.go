package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// limitedRecorder is a Sender that records what it sends, with the limits it is
// given (none: a Telegram-like channel).
type limitedRecorder struct {
	mu      sync.Mutex
	lim     bot.Limits
	replies []bot.Reply
}

func (r *limitedRecorder) Send(_ context.Context, _ string, rep bot.Reply) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, rep)
	return "1", nil
}

func (r *limitedRecorder) AnswerCallback(context.Context, string, string, bool) error { return nil }

func (r *limitedRecorder) Limits() bot.Limits { return r.lim }

// A Lead opens the next message of the same update, where that message
// can carry it; otherwise it goes alone, before it, or at the end.
func TestLeadOpensTheNextMessage(t *testing.T) {
	lead := bot.Reply{Text: "Đã ghi nhận", Lead: true}
	removing := bot.Reply{Text: "Đã ghi nhận", Lead: true, RemoveKeyboard: true}
	buttons := [][]bot.Button{{{Label: "Quay lại", Data: "b|1"}}}
	zalo := bot.Limits{MaxButtons: 5, NoEdit: true, PlainText: true, NoToast: true, NoKeyboard: true}
	long := strings.Repeat("dài ", 1000)
	for _, tc := range []struct {
		name  string
		lim   bot.Limits
		sends []bot.Reply
		want  []string // the texts sent, in order; "+" where a RemoveKeyboard rides along
	}{
		{"joined", bot.Limits{}, []bot.Reply{lead, {Text: "Câu hỏi", Buttons: buttons}}, []string{"Đã ghi nhận\n\nCâu hỏi"}},
		{"alone at the end", bot.Limits{}, []bot.Reply{lead}, []string{"Đã ghi nhận"}},
		{"two leads", bot.Limits{}, []bot.Reply{lead, lead, {Text: "Hỏi"}}, []string{"Đã ghi nhận\n\nĐã ghi nhận\n\nHỏi"}},
		{"before a picture", bot.Limits{}, []bot.Reply{lead, {Text: "Ảnh", Photo: &bot.Attachment{Name: "a.png", Data: []byte{1}}}}, []string{"Đã ghi nhận", "Ảnh"}},
		{"before an edit", bot.Limits{}, []bot.Reply{lead, {Text: "Sửa", Edit: "7"}}, []string{"Đã ghi nhận", "Sửa"}},
		{"an edit where there are none", zalo, []bot.Reply{{Text: "Đã đồng ý", Edit: "7", Lead: true}, {Text: "Menu"}}, []string{"Đã đồng ý\n\nMenu"}},
		{"an edit is no lead", bot.Limits{}, []bot.Reply{{Text: "Đã đồng ý", Edit: "7", Lead: true}, {Text: "Menu"}}, []string{"Đã đồng ý", "Menu"}},
		{"keyboard removed before buttons", bot.Limits{}, []bot.Reply{removing, {Text: "Hỏi", Buttons: buttons}}, []string{"Đã ghi nhận+", "Hỏi"}},
		{"keyboard removed with text", bot.Limits{}, []bot.Reply{removing, {Text: "Hỏi"}}, []string{"Đã ghi nhận\n\nHỏi+"}},
		{"no keyboard to remove", zalo, []bot.Reply{removing, {Text: "Hỏi", Buttons: buttons}}, []string{"Đã ghi nhận\n\nHỏi"}},
		{"too long together", bot.Limits{}, []bot.Reply{lead, {Text: long}}, []string{"Đã ghi nhận", long}},
		{"a reply with buttons is never held", bot.Limits{}, []bot.Reply{{Text: "Chọn", Buttons: buttons, Lead: true}, {Text: "Sau"}}, []string{"Chọn", "Sau"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, tr, kv := engineStores(t, time.Now)
			e := bot.New(bot.Config{Users: sqlite.NewUserStore(db), Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv), Translator: tr})
			e.Command(bot.Command{Name: "/go", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
				for _, r := range tc.sends {
					if err := c.Send(ctx, r); err != nil {
						return err
					}
				}
				return nil
			}})
			rec := &limitedRecorder{lim: tc.lim}
			e.SetSender("x", rec)
			u := &bot.Update{Channel: "x", ID: 1, UserID: "5", ChatID: "5", Private: true, Kind: bot.KindCommand, Command: "/go", Text: "/go"}
			if err := e.Handle(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rec.replies {
				s := r.Text
				if r.RemoveKeyboard {
					s += "+"
				}
				if r.Lead {
					t.Errorf("a reply reached the sender still marked Lead: %q", r.Text)
				}
				got = append(got, s)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("sent %q, want %q", got, tc.want)
			}
		})
	}
}
