package bulk_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/locales"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type sent struct {
	Channel, ChatID string
	Reply           bot.Reply
}

// fakeSender renders with the real messages, records what it renders and
// sends, and refuses the chats of refuse as Zalo does outside its reply
// window. Zalo cannot edit messages.
type fakeSender struct {
	tr     *bot.Translator
	mu     sync.Mutex
	refuse map[string]bool
	sent   []sent
	data   map[string]map[string]any // message id -> last data rendered
}

func (f *fakeSender) T(lang, id string, data map[string]any) string {
	f.mu.Lock()
	if data != nil {
		f.data[id] = data
	}
	f.mu.Unlock()
	return f.tr.T(lang, id, data)
}

func (f *fakeSender) SendReplyTo(_ context.Context, channel, chatID string, r bot.Reply) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse[chatID] {
		return "", bot.ErrOutsideWindow
	}
	f.sent = append(f.sent, sent{channel, chatID, r})
	return "m" + chatID, nil
}

func (f *fakeSender) CanEdit(channel string) bool { return channel != domain.ChannelZalo }

func (f *fakeSender) to(chatID string) []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sent
	for _, s := range f.sent {
		if s.ChatID == chatID {
			out = append(out, s)
		}
	}
	return out
}

func (f *fakeSender) lastData(id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.data[id]
}

// A recipient the messenger refuses for its reply window waits (it is not
// failed, nor retried), the job's summary counts those waiting, and the
// recipient gets the message when they write again, with no second
// summary to the officer.
func TestOutsideWindowWaits(t *testing.T) {
	ctx := t.Context()
	c := &clock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ocop.db"), c.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	users, jobs := sqlite.NewUserStore(db), sqlite.NewJobStore(db)
	person := func(channel, id string) domain.User {
		t.Helper()
		u, err := users.Touch(ctx, channel, id, "", id)
		if err != nil {
			t.Fatal(err)
		}
		if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
			t.Fatal(err)
		}
		return u
	}
	person(domain.ChannelZalo, "z-old") // silent for 8 days: waits at the claim
	c.Advance(8 * 24 * time.Hour)
	refused := person(domain.ChannelZalo, "z-refused") // seen now, but Zalo refuses
	person("telegram", "t1")

	j := domain.Job{Key: "ann", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Channel: "telegram", ChatID: "officer",
		Lang: domain.LocaleVI, ProgressMsg: "p1", Payload: bulk.Message{Text: "Họp mặt"}.Encode()}
	if _, err := jobs.CreateJob(ctx, &j, domain.Audience{Kind: domain.AudienceAll}, 0); err != nil || j.Total != 3 {
		t.Fatalf("CreateJob: %v, total %d", err, j.Total)
	}
	send := &fakeSender{tr: tr, refuse: map[string]bool{"z-refused": true}, data: map[string]map[string]any{}}
	w := &bulk.Worker{Store: jobs, Send: send, Now: c.Now, Rate: 25, MaxAttempts: 1}
	if _, err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := jobs.RecipientState(ctx, j.ID, refused.ID); st != sqlite.RecipientWaiting {
		t.Fatalf("a recipient refused for the window is %q, want waiting", st)
	}
	st, err := jobs.Stats(ctx, j.ID)
	if err != nil || st != (domain.JobStats{Sent: 1, Waiting: 2}) {
		t.Fatalf("stats %+v, %v", st, err)
	}

	// The job is over: the progress message shows it done, with the count
	// of those waiting, and the summary counts them.
	summary := send.lastData("bulk.summary")
	if summary == nil || summary["Waiting"] != 2 || summary["Sent"] != 1 || summary["Total"] != 3 || summary["Failed"] != 0 {
		t.Fatalf("summary data %v", summary)
	}
	if done := send.lastData("bulk.done"); done == nil || done["Waiting"] != 2 {
		t.Fatalf("done data %v", done)
	}
	officer := send.to("officer")
	if len(officer) != 2 {
		t.Fatalf("officer got %d messages, want the done edit and the summary: %+v", len(officer), officer)
	}
	if edit := officer[0].Reply; edit.Edit != "p1" || !strings.Contains(edit.Text, "Chờ người dùng nhắn lại: 2") {
		t.Errorf("done edit %+v", edit)
	}
	if s := officer[1].Reply.Text; !strings.Contains(s, "2 chờ người dùng nhắn lại") || strings.Contains(s, "hết hạn") {
		t.Errorf("summary %q", s)
	}

	// Not retried.
	c.Advance(10 * time.Minute)
	if n, err := w.Round(ctx); err != nil || n != 0 {
		t.Fatalf("second round sent %d, %v", n, err)
	}

	// The refused user writes again (over an hour later): sent, and the
	// officer hears nothing more of the finished job.
	c.Advance(time.Hour)
	send.mu.Lock()
	send.refuse = nil
	send.mu.Unlock()
	if _, err := users.Touch(ctx, domain.ChannelZalo, "z-refused", "", "z-refused"); err != nil {
		t.Fatal(err)
	}
	if n, err := w.Round(ctx); err != nil || n != 1 {
		t.Fatalf("round after the user wrote sent %d, %v", n, err)
	}
	if got := send.to("z-refused"); len(got) != 1 || got[0].Reply.Text != "Họp mặt" {
		t.Fatalf("the user got %+v", got)
	}
	if _, err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(send.to("officer")); n != 2 {
		t.Fatalf("the officer got %d messages, want no more than the 2 of the first summary", n)
	}
	if st, _ := jobs.Stats(ctx, j.ID); st != (domain.JobStats{Sent: 2, Waiting: 1}) {
		t.Fatalf("stats after the release %+v", st)
	}
}

// The starting message counts those who will wait only when there are
// some.
func TestProgressReplyWaiting(t *testing.T) {
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	none := bulk.ProgressReply(tr, "vi", domain.JobInvitation, 10, 0, 0).Text
	some := bulk.ProgressReply(tr, "vi", domain.JobInvitation, 10, 3, 0).Text
	if strings.Contains(none, "nhắn lại") || strings.Contains(none, "no value") {
		t.Errorf("without waiting: %q", none)
	}
	if !strings.HasPrefix(some, none) || !strings.HasSuffix(some, "\nChờ người dùng nhắn lại: 3") {
		t.Errorf("with 3 waiting: %q", some)
	}
}
