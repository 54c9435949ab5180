package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// fakeJobs is an in-process Jobs: every audience has the same size.
type fakeJobs struct {
	mu       sync.Mutex
	audience int
	jobs     []domain.Job
}

var _ Jobs = (*fakeJobs)(nil)

func (j *fakeJobs) CountAudience(context.Context, domain.Audience, domain.Topic, int64) (int, error) {
	return j.audience, nil
}

func (j *fakeJobs) CountWaiting(context.Context, domain.Audience, domain.Topic, int64, time.Time) (int, error) {
	return 0, nil
}

func (j *fakeJobs) CreateJob(_ context.Context, job *domain.Job, _ domain.Audience, _ int64) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, old := range j.jobs {
		if old.Key == job.Key {
			*job = old
			return false, nil
		}
	}
	job.ID, job.Total, job.State = int64(len(j.jobs)+1), j.audience, domain.JobRunning
	j.jobs = append(j.jobs, *job)
	return true, nil
}

func (j *fakeJobs) SetProgress(_ context.Context, id int64, msg string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jobs[id-1].ProgressMsg = msg
	return nil
}

func (j *fakeJobs) Job(_ context.Context, id int64) (domain.Job, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if id < 1 || int(id) > len(j.jobs) {
		return domain.Job{}, domain.ErrNotFound
	}
	return j.jobs[id-1], nil
}

func (j *fakeJobs) Cancel(context.Context, int64) (bool, error)                { return false, nil }
func (j *fakeJobs) Optouts(context.Context, int64) ([]domain.Topic, error)     { return nil, nil }
func (j *fakeJobs) SetOptout(context.Context, int64, domain.Topic, bool) error { return nil }

// The announcement is a form: its content gathered in several messages
// up to «Xong» (with the draft's own words), its preview, the audience,
// the job; a confirmation pressed again shows what was sent. On a
// Telegram-like channel and on one with Zalo's limits, where the
// buttons are typed.
func TestAnnouncementFlow(t *testing.T) {
	for name, lim := range map[string]bot.Limits{"telegram": {}, "zalo": bottest.ZaloLimits} {
		t.Run(name, func(t *testing.T) {
			h := bottest.New(t, bottest.WithLimits(lim), bottest.WithAdmins("off"))
			jobs := &fakeJobs{audience: 3}
			if err := Register(h.Engine, Deps{Jobs: jobs}); err != nil {
				t.Fatal(err)
			}
			h.Send("p1", "/thongbao").Expect("common.officers_only")

			r := h.Send("off", "/thongbao").Expect("form.header", "ann.ask_content")
			if got := strings.Join(r.Labels(), "|"); got != "Xong|Hủy" {
				t.Fatalf("buttons: %s", got)
			}
			h.Send("off", "xong").Expect("ann.empty", "ann.ask_content")
			h.Send("off", "Họp  khẩn\n\n\nlúc 14 giờ.").Expect("ann.added")
			h.Update(&bot.Update{UserID: "off", Kind: bot.KindPhoto, File: &bot.File{ID: "ph1", Size: 2000}}).Expect("ann.added_file")
			h.Update(&bot.Update{UserID: "off", Kind: bot.KindPhoto, File: &bot.File{ID: "big", Size: 11 << 20}}).Expect("form.gather_photo_too_large")
			h.Send("off", strings.Repeat("a", 20000)).Expect("ann.too_long")
			h.Send("off", "Xong").Expect("ann.preview", "ann.header", "aud.ask_kind")

			h.Send("off", "Tất cả").Expect("form.confirm_title", "aud.count")
			m := h.Last("off")
			if !strings.Contains(m.Text, "Nội dung: «Họp khẩn…» (21 ký tự, kèm 1 ảnh/tệp)") {
				t.Fatalf("confirmation screen:\n%s", m.Text)
			}
			h.Send("off", "xác nhận").Expect("bulk.starting")
			if len(jobs.jobs) != 1 {
				t.Fatalf("jobs: %+v", jobs.jobs)
			}
			var msg bulk.Message
			if err := json.Unmarshal(jobs.jobs[0].Payload, &msg); err != nil || msg.Text != "Họp khẩn\n\nlúc 14 giờ." || msg.Photo != "ph1" || msg.Msg != "ann.header" {
				t.Fatalf("payload %+v, %v", msg, err)
			}
			if s := h.Session("off"); len(s.Forms) != 0 || s.Active != "" {
				t.Fatalf("session: %+v", s)
			}

			// The confirmation's button again: saved already, with what.
			if lim == (bot.Limits{}) {
				data, _ := h.Button("off", "✅ Xác nhận")
				r = h.PressData("off", data).Expect("form.already_saved", "form.field")
				if !strings.Contains(r.Last().Text, "«Họp khẩn…» (21 ký tự, kèm 1 ảnh/tệp)") || !strings.Contains(r.Last().Text, "Người nhận: (3 người nhận)") {
					t.Fatalf("summary:\n%s", r.Last().Text)
				}
			}

			// /huy while writing: asked first, since the text would be lost.
			h.Send("off", "/thongbao")
			h.Send("off", "Nháp").Expect("ann.added")
			h.Send("off", "/huy").Expect("form.cancel_confirm")
			h.Send("off", "/huy").Expect("form.cancelled")
			h.Send("off", "Chào").Expect("fallback.hello") // the text is no longer the draft's
		})
	}
}
