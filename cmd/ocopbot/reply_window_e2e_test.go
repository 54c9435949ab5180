package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// An announcement to everyone, where one recipient is a Zalo user silent
// for 10 days: the preview, the starting message and the summary count
// them as waiting for the user to write again, and they are not sent.
func TestAnnouncementCountsZaloUsersOutsideTheWindow(t *testing.T) {
	h := newEventsHarness(t, "embedded")
	h.env["ADMIN_IDS"] = "900"
	db := h.openDB()
	ctx := context.Background()
	seedProducer(t, db, 21, "Một", "25480", 6)
	silent := time.Now().Add(-10 * 24 * time.Hour).UnixMilli()
	var zaloID int64
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO users (channel, channel_id, name, consent, last_seen_at, created_at, updated_at)
VALUES ('zalo', 'z1', 'Chị Lan', 'given', ?, ?, ?) RETURNING id`, silent, silent, silent).Scan(&zaloID); err != nil {
		t.Fatal(err)
	}
	h.start()

	off := h.user(900, "Cán bộ")
	off.Send("/thongbao")
	off.Expect("ann.ask_content")
	off.Send("Họp mặt các chủ thể OCOP")
	m := off.Expect("ann.added")
	off.PressData(m.ID, button(t, m, "Xong"))
	off.Expect("ann.preview")
	m = h.waitMsg(900, "aud.ask_kind")
	off.skipTo()
	off.PressData(m.ID, button(t, m, "Tất cả"))
	m = off.Expect("form.confirm_title")
	if !strings.Contains(m.Text, "(2 người nhận; chờ người dùng nhắn lại: 1.") {
		t.Errorf("preview without the count of those waiting: %q", m.Text)
	}
	off.Press("Xác nhận")
	progress := off.Expect("bulk.starting")
	if !strings.Contains(progress.Text, "\nChờ người dùng nhắn lại: 1") {
		t.Errorf("starting message without the count of those waiting: %q", progress.Text)
	}
	summary := h.waitMsg(900, "bulk.summary")
	if !strings.Contains(summary.Text, "gửi được 1/2") || !strings.Contains(summary.Text, ", 1 chờ người dùng nhắn lại.") {
		t.Errorf("summary: %q", summary.Text)
	}
	if p, _ := h.api.MessageByID(900, progress.ID); !strings.Contains(p.Text, "Chờ người dùng nhắn lại: 1") {
		t.Errorf("done message: %q", p.Text)
	}
	h.waitLong(wait, "announcement not delivered", func() bool { return len(h.api.Messages(21)) == 1 })
	var job int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM jobs`).Scan(&job); err != nil {
		t.Fatal(err)
	}
	if st, err := sqlite.NewJobStore(db).RecipientState(ctx, job, zaloID); err != nil || st != sqlite.RecipientWaiting {
		t.Errorf("the silent Zalo user is %q (%v), want waiting", st, err)
	}
	if got, _ := sqlite.NewJobStore(db).Job(ctx, job); got.State != domain.JobDone {
		t.Errorf("job state %s", got.State)
	}
}
