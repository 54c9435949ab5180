package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/bot/telegram"
	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// seedUsers stores n consented Telegram users with ids from first on, in
// one transaction.
func seedUsers(t *testing.T, db *sqlite.DB, first int64, n int) {
	t.Helper()
	tx, err := db.SQL().Begin()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	for i := range int64(n) {
		if _, err := tx.Exec(`INSERT INTO users (channel, channel_id, name, consent, created_at, updated_at) VALUES ('telegram', ?, ?, 'given', ?, ?)`,
			strconv.FormatInt(first+i, 10), fmt.Sprintf("Người %d", first+i), now, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// waitLong waits up to d for cond, failing with msg.
func (h *harness) waitLong(d time.Duration, msg string, cond func() bool) {
	h.t.Helper()
	if !h.api.WaitFor(d, cond) {
		h.t.Fatalf("%s\n%s", msg, h.log.tail(40))
	}
}

func TestAnnouncementEndToEnd(t *testing.T) {
	h := newEventsHarness(t, "embedded")
	h.env["ADMIN_IDS"] = "900"
	db := h.openDB()
	ctx := context.Background()
	seedProducer(t, db, 21, "Một", "25480", 6)
	seedProducer(t, db, 22, "Hai", "25480", 6)
	seedProducer(t, db, 23, "Ba", "25480", 6)
	seedProducer(t, db, 24, "Bốn", "25630", 6)
	h.start()

	// One producer turns general announcements off in /caidat.
	ba := h.user(23, "Ba")
	ba.Send("/caidat")
	m := ba.Expect("settings.title")
	ans := ba.PressData(m.ID, button(t, m, "Thông báo chung"))
	if !matchesTemplate(t, h.tr, ans.Text, "vi", "settings.turned_off") {
		t.Errorf("settings answer: %+v", ans)
	}
	if !h.api.WaitFor(wait, func() bool { m, _ := h.api.MessageByID(23, m.ID); return strings.Contains(m.Text, "🔕") }) {
		t.Error("the settings message was not updated")
	}

	// Producers cannot announce.
	mot := h.user(21, "Một")
	mot.Send("/thongbao")
	mot.Expect("common.officers_only")

	off := h.user(900, "Cán bộ")
	off.Send("/thongbao")
	m = off.Expect("ann.ask_content")
	off.PressData(m.ID, button(t, m, "Xong"))
	off.Expect("ann.empty")

	// A photo with a caption, then a long text: over 1,024 characters the
	// photo goes alone, and over 4,096 the text is split at paragraphs.
	h.api.SendPhoto(off.u, "Ảnh hội chợ OCOP 2026", telegramtest.WithContent([]byte("\xff\xd8\xff\xe0 fake jpeg")))
	off.Expect("ann.added")
	para := func(word string) string {
		return strings.TrimSpace(strings.Repeat(word+" Tây Ninh <đặc sản> & OCOP. ", 80))
	}
	long := para("Một") + "\n\n" + para("Hai") + "\n\n" + para("Ba")
	off.Send(long)
	m = off.Expect("ann.added")
	off.PressData(m.ID, button(t, m, "Xong"))
	off.Expect("ann.preview")
	h.waitMsg(900, "aud.ask_kind")
	preview := h.api.Messages(900)[off.seen:]
	if len(preview) < 4 || preview[0].Kind != telegramtest.KindPhoto || preview[0].Text != "" {
		t.Fatalf("preview: want the photo alone then the text in parts; got %d messages, first %q", len(preview), preview[0].Kind)
	}
	for _, p := range preview[1 : len(preview)-1] {
		if n := utf8.RuneCountInString(p.PlainText); n > 4096 {
			t.Errorf("a part has %d characters", n)
		}
	}
	for _, word := range []string{"Một", "Hai", "Ba"} {
		whole := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(para(word), "&", "&amp;"), "<", "&lt;"), ">", "&gt;")
		found := false
		for _, p := range preview[1 : len(preview)-1] {
			found = found || strings.Contains(p.Text, whole)
		}
		if !found {
			t.Errorf("paragraph %q was cut across messages", word)
		}
	}
	off.skipTo()

	// An audience that matches nobody: said so, nothing sent.
	m = h.lastWith(900, "aud.ask_kind")
	off.PressData(m.ID, button(t, m, "Theo giai đoạn"))
	off.Expect("aud.ask_stage")
	off.Press("đã công nhận")
	m = off.Expect("form.confirm_title")
	if !strings.Contains(m.Text, "(0 người nhận)") {
		t.Errorf("preview without the audience size: %q", m.Text)
	}
	off.Press("Xác nhận")
	off.Expect("aud.nobody", "form.confirm_title")
	var jobs int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs`).Scan(&jobs); err != nil || jobs != 0 {
		t.Fatalf("%d jobs for nobody (%v)", jobs, err)
	}

	off.Press("✏️ Người nhận")
	off.Expect("aud.ask_kind")
	off.Press("Một số xã/phường")
	off.Expect("aud.ask_communes") // the edit made the step apply: asked before the screen
	off.Press("Quay lại")
	off.Expect("form.confirm_title") // back on the screen: the communes are still to be given
	off.Press("Xác nhận")
	off.Expect("form.required", "aud.ask_communes") // not sent without them
	off.Send("binh minh")
	m = off.Expect("form.confirm_title")
	if !strings.Contains(m.Text, "(2 người nhận)") {
		t.Errorf("audience size: %q", m.Text)
	}
	off.Press("Xác nhận")
	progress := off.Expect("bulk.starting")
	h.waitMsg(900, "bulk.summary")
	if p, _ := h.api.MessageByID(900, progress.ID); !matchesTemplate(t, h.tr, p.Text, "vi", "bulk.done") || p.Edits == 0 {
		t.Errorf("progress message not edited to done: %d edits, %q", p.Edits, p.Text)
	}
	for _, id := range []int64{21, 22} {
		h.waitLong(wait, "announcement not delivered", func() bool { return len(h.api.Messages(id)) >= len(preview)-1 })
		got := h.api.Messages(id)
		if id == 21 {
			got = got[1:] // after the officers-only answer
		}
		if len(got) != len(preview)-1 || got[0].Kind != telegramtest.KindPhoto {
			t.Errorf("user %d got %d messages (%s first), want the photo and %d parts", id, len(got), got[0].Kind, len(preview)-2)
		}
	}
	if n := len(h.api.Messages(23)); n != 1 { // only the settings screen
		t.Errorf("the user who opted out got %d messages", n)
	}
	if n := len(h.api.Messages(24)); n != 0 {
		t.Errorf("a user outside the audience got %d messages", n)
	}
}

func TestAnnouncementCancelledMidway(t *testing.T) {
	h := newEventsHarness(t, "embedded")
	h.env["ADMIN_IDS"] = "900"
	h.env["BROADCAST_RATE"] = "5"
	db := h.openDB()
	seedUsers(t, db, 3000, 40)
	h.start()
	off := h.user(900, "Cán bộ")
	off.Send("/thongbao")
	off.Expect("ann.ask_content")
	off.Send("Họp khẩn lúc 14 giờ.")
	m := off.Expect("ann.added")
	off.PressData(m.ID, button(t, m, "Xong"))
	off.Expect("ann.preview")
	h.waitMsg(900, "aud.ask_kind")
	off.skipTo()
	off.Press("Tất cả")
	off.Expect("form.confirm_title")
	off.Press("Xác nhận")
	progress := off.Expect("bulk.starting")
	var pm telegramtest.Message
	h.waitLong(wait, "no cancel button on the progress message", func() bool {
		pm, _ = h.api.MessageByID(900, progress.ID)
		return len(pm.Buttons()) > 0
	})
	// Midway: once the first recipient has it (5 a second, the rest take
	// about 8 seconds more).
	h.waitLong(wait, "nobody got the announcement", func() bool {
		for id := int64(3000); id < 3040; id++ {
			if len(h.api.Messages(id)) > 0 {
				return true
			}
		}
		return false
	})
	// A producer pressing it is refused in the answer.
	p := h.user(3001, "Người")
	ans := p.PressData(progress.ID, pm.Buttons()[0].Data)
	if !matchesTemplate(t, h.tr, ans.Text, "vi", "common.officers_only") {
		t.Errorf("producer on the cancel button: %+v", ans)
	}
	ans = off.PressData(progress.ID, pm.Buttons()[0].Data)
	if !matchesTemplate(t, h.tr, ans.Text, "vi", "bulk.cancel_done") {
		t.Errorf("cancel answer: %+v", ans)
	}
	h.waitMsg(900, "bulk.summary")
	pm, _ = h.api.MessageByID(900, progress.ID)
	if !matchesTemplate(t, h.tr, pm.Text, "vi", "bulk.cancelled") {
		t.Errorf("progress after cancel: %q", pm.Text)
	}
	sent := 0
	for id := int64(3000); id < 3040; id++ {
		sent += len(h.api.Messages(id))
	}
	if sent == 0 || sent >= 40 {
		t.Errorf("%d of 40 sent before the cancel took effect", sent)
	}
	t.Logf("cancelled after %d of 40", sent)
}

// TestAnnouncementToAThousandUnderRateLimit: the fake allows 300 sends a
// second, BROADCAST_RATE is 250, 50 users blocked the bot and the first
// sends meet injected 429s. Everyone else receives it exactly once; the
// blocked are marked and tried once; the progress reaches done.
func TestAnnouncementToAThousandUnderRateLimit(t *testing.T) {
	const users, blocked, injected = 1000, 50, 3
	h := newEventsHarness(t, "embedded", telegramtest.WithRateLimit(300))
	h.env["ADMIN_IDS"] = "900"
	h.env["BROADCAST_RATE"] = "250"
	h.env["LOG_LEVEL"] = "warn"
	db := h.openDB()
	seedUsers(t, db, 10000, users)
	for i := range int64(blocked) {
		h.api.BlockChat(10000 + i*20)
	}
	h.start()
	off := h.user(900, "Cán bộ")
	off.Send("/thongbao")
	off.Expect("ann.ask_content")
	off.Send("Mời bà con tham dự hội chợ OCOP Tây Ninh 2026.")
	m := off.Expect("ann.added")
	off.PressData(m.ID, button(t, m, "Xong"))
	off.Expect("ann.preview")
	h.waitMsg(900, "aud.ask_kind")
	off.skipTo()
	off.Press("Tất cả")
	m = off.Expect("form.confirm_title")
	if !strings.Contains(m.Text, fmt.Sprintf("(%d người nhận)", users)) {
		t.Fatalf("audience: %q", m.Text)
	}
	h.api.FailNext("sendMessage", injected, 429, "", 1)
	start := time.Now()
	off.Press("Xác nhận")
	h.waitLong(2*time.Minute, "the announcement did not finish", func() bool { return h.count(900, "bulk.summary") > 0 })
	elapsed := time.Since(start)

	calls := map[int64]int{}
	var first, last time.Time
	for _, c := range h.api.Calls("sendMessage") {
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		if id < 10000 || c.Status == 429 {
			continue
		}
		calls[id]++
		if first.IsZero() || c.At.Before(first) {
			first = c.At
		}
		if c.At.After(last) {
			last = c.At
		}
	}
	us := sqlite.NewUserStore(db)
	for i := range int64(users) {
		id := 10000 + i
		if i%20 == 0 && i/20 < blocked {
			if n := len(h.api.Messages(id)); n != 0 || calls[id] != 1 {
				t.Errorf("blocked user %d: %d messages, %d calls (want 0 and 1)", id, n, calls[id])
			}
			u, err := us.Get(context.Background(), "telegram", strconv.FormatInt(id, 10))
			if err != nil || !u.Blocked {
				t.Errorf("blocked user %d not marked: %v", id, err)
			}
			continue
		}
		if n := h.api.SentCount(id); n != 1 {
			t.Errorf("user %d received %d copies", id, n)
		}
	}
	var states = map[string]int{}
	rows, err := db.SQL().Query(`SELECT state, count(*) FROM job_recipients GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		var n int
		_ = rows.Scan(&s, &n)
		states[s] = n
	}
	rows.Close()
	if states["sent"] != users-blocked || states["blocked"] != blocked {
		t.Errorf("recipient states: %v", states)
	}
	pm := h.lastWith(900, "bulk.done")
	if !strings.Contains(pm.Text, fmt.Sprintf("%d/%d", users-blocked, users)) {
		t.Errorf("final progress: %q", pm.Text)
	}
	rate := float64(users) / last.Sub(first).Seconds()
	t.Logf("%d recipients in %s (first to last send %s): %.0f messages/s effective; %d answered 429 (%d injected)",
		users, elapsed.Round(time.Millisecond), last.Sub(first).Round(time.Millisecond), rate, h.api.TooManyRequests(), injected)
	if n := h.api.TooManyRequests(); n != injected {
		t.Errorf("%d 429s, want only the %d injected: our pacing overran the fake's limit", n, injected)
	}
}

// createAnnouncementJob writes an announcement job to every consented user
// straight into the database (as the officer's confirmation does).
func createAnnouncementJob(t *testing.T, db *sqlite.DB, key, text string) domain.Job {
	t.Helper()
	j := domain.Job{Key: key, Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral,
		Payload: bulk.Message{Text: text}.Encode()}
	if ok, err := sqlite.NewJobStore(db).CreateJob(context.Background(), &j, domain.Audience{Kind: domain.AudienceAll}, 0); err != nil || !ok {
		t.Fatalf("create job: %v %v", ok, err)
	}
	return j
}

// copiesOf counts, per chat, the messages that carry text.
func copiesOf(api *telegramtest.Server, first int64, n int, text string) map[int64]int {
	out := map[int64]int{}
	for id := first; id < first+int64(n); id++ {
		for _, m := range api.Messages(id) {
			if strings.Contains(m.Text, text) {
				out[id]++
			}
		}
	}
	return out
}

func waitJobDone(t *testing.T, h *harness, db *sqlite.DB, id int64) {
	t.Helper()
	h.waitLong(time.Minute, "the job did not finish", func() bool {
		j, err := sqlite.NewJobStore(db).Job(context.Background(), id)
		return err == nil && j.State == domain.JobDone
	})
}

// TestAnnouncementResumesAfterCrashAndCleanStop: a process killed in the
// middle of an announcement leaves no recipient out, and repeats at most
// the sends in flight; a clean stop repeats none.
func TestAnnouncementResumesAfterCrashAndCleanStop(t *testing.T) {
	const n = 150
	h := newEventsHarness(t, "embedded")
	h.env["BROADCAST_RATE"] = "40"
	db := h.openDB()
	seedUsers(t, db, 20000, n)
	job := createAnnouncementJob(t, db, "crash-1", "Thông báo số một")

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "OCOPBOT_HELPER_PROCESS=1")
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !h.api.WaitFor(30*time.Second, func() bool { return h.api.CallCount("sendMessage") >= n/3 }) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child did not send:\n%s", out.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	before := h.api.CallCount("sendMessage")

	h.start()
	waitJobDone(t, h, db, job.ID)
	copies := copiesOf(h.api, 20000, n, "Thông báo số một")
	dup := 0
	for id := int64(20000); id < 20000+n; id++ {
		switch c := copies[id]; {
		case c == 0:
			t.Errorf("user %d was skipped after the crash", id)
		case c > 1:
			dup += c - 1
		}
	}
	t.Logf("crash after %d sends: %d repeated (in flight)", before, dup)
	if dup > 32 {
		t.Errorf("%d repeated: more than could be in flight", dup)
	}

	// A clean stop in the middle repeats nobody.
	job2 := createAnnouncementJob(t, db, "crash-2", "Thông báo số hai")
	h.waitLong(30*time.Second, "the second job did not start", func() bool {
		return len(copiesOf(h.api, 20000, n, "Thông báo số hai")) >= n/3
	})
	h.stop()
	mid := len(copiesOf(h.api, 20000, n, "Thông báo số hai"))
	h.start()
	waitJobDone(t, h, db, job2.ID)
	copies = copiesOf(h.api, 20000, n, "Thông báo số hai")
	for id := int64(20000); id < 20000+n; id++ {
		if copies[id] != 1 {
			t.Errorf("after a clean stop, user %d got %d copies", id, copies[id])
		}
	}
	t.Logf("clean stop after %d of %d", mid, n)
}

// TestBulkLeaseNeverDoublesAJob: two processes on one database (and one
// Redis) run the bulk sender; every recipient gets one copy.
func TestBulkLeaseNeverDoublesAJob(t *testing.T) {
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			const n = 60
			h := newEventsHarness(t, store)
			h.env["BROADCAST_RATE"] = "100"
			db := h.openDB()
			seedUsers(t, db, 30000, n)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range 2 {
				cfg, err := parseConfig("serve", nil, func(k string) string { return h.env[k] }, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				a, err := build(ctx, cfg, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				defer a.close()
				ch, err := telegram.Dial(ctx, telegram.Config{Token: h.api.Token(), APIURL: h.api.URL()}, a.users)
				if err != nil {
					t.Fatal(err)
				}
				a.engine.SetSender(telegram.ChannelName, ch.Sender)
				a.paceTelegram(ch)
				a.runBulk(ctx, &wg)
			}
			job := createAnnouncementJob(t, db, "lease", "Một lần thôi")
			waitJobDone(t, h, db, job.ID)
			cancel()
			wg.Wait()
			copies := copiesOf(h.api, 30000, n, "Một lần thôi")
			for id := int64(30000); id < 30000+n; id++ {
				if copies[id] != 1 {
					t.Errorf("user %d got %d copies", id, copies[id])
				}
			}
		})
	}
}
