package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// newEventsHarness is newHarness with options for the fake Bot API.
func newEventsHarness(t *testing.T, store string, opts ...telegramtest.Option) *harness {
	t.Helper()
	h := newHarness(t, store)
	if len(opts) > 0 {
		h.api = telegramtest.New(t, opts...)
		h.env["TELEGRAM_BOT_TOKEN"] = h.api.Token()
		h.env["TELEGRAM_API_URL"] = h.api.URL()
	}
	return h
}

// startAt starts the bot like start, with an injected clock.
func (h *harness) startAt(clock *fakeClock) {
	h.t.Helper()
	cfg, err := parseConfig("serve", nil, func(k string) string { return h.env[k] }, io.Discard)
	if err != nil {
		h.t.Fatal(err)
	}
	cfg.now = clock.Now
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	before := h.api.CallCount("getUpdates")
	go func() { done <- serve(ctx, cfg, strings.NewReader(""), io.Discard, h.log) }()
	h.mu.Lock()
	h.stopF = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			h.t.Error("serve did not stop within 30 s")
		}
	}
	h.mu.Unlock()
	if !h.api.WaitFor(wait, func() bool { return h.api.CallCount("getUpdates") > before }) {
		h.t.Fatalf("the bot did not start polling\n%s", h.log.tail(40))
	}
}

// seedProducer stores a consented Telegram user representing a subject of
// commune with one product of set, and returns our user id.
func seedProducer(t *testing.T, db *sqlite.DB, tgID int64, name, commune string, set int) int64 {
	t.Helper()
	ctx := context.Background()
	users, subjects := sqlite.NewUserStore(db), sqlite.NewSubjectStore(db)
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX " + name, Phone: "+8491200" + strconv.FormatInt(tgID%10000+10000, 10)[1:],
		CommuneCode: commune}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	u, err := users.Touch(ctx, "telegram", strconv.FormatInt(tgID, 10), "", name)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(ctx, u.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	if set > 0 {
		p := domain.Product{SubjectID: s.ID, Name: "Sản phẩm " + name, Set: set, Stage: domain.StagePreparing, Rulebook: "qd26-2026", Year: 2026}
		if err := sqlite.NewProductStore(db).Create(ctx, &p, commune, "80"); err != nil {
			t.Fatal(err)
		}
	}
	return u.ID
}

// lastWith returns the latest message to a chat whose text matches id.
func (h *harness) lastWith(chat int64, id string) telegramtest.Message {
	h.t.Helper()
	msgs := h.api.Messages(chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		if h.matches(msgs[i].Text, "vi", id) {
			return msgs[i]
		}
	}
	h.t.Fatalf("chat %d has no %q message", chat, id)
	return telegramtest.Message{}
}

// waitFor waits until the chat has a message matching id.
func (h *harness) waitMsg(chat int64, id string) telegramtest.Message {
	h.t.Helper()
	var found telegramtest.Message
	ok := h.api.WaitFor(wait, func() bool {
		for _, m := range h.api.Messages(chat) {
			if matchesTemplate(h.t, h.tr, m.Text, "vi", id) {
				found = m
				return true
			}
		}
		return false
	})
	if !ok {
		h.t.Fatalf("chat %d: no %q message; last: %q\n%s", chat, id, lastText(h.api, chat), h.log.tail(30))
	}
	return found
}

func lastText(api *telegramtest.Server, chat int64) string {
	m, _ := api.LastMessage(chat)
	return m.Text
}

// count returns how many messages of the chat match id.
func (h *harness) count(chat int64, id string) int {
	n := 0
	for _, m := range h.api.Messages(chat) {
		if matchesTemplate(h.t, h.tr, m.Text, "vi", id) {
			n++
		}
	}
	return n
}

// button returns the data of the button labelled label on a message.
func button(t *testing.T, m telegramtest.Message, label string) string {
	t.Helper()
	for _, b := range m.Buttons() {
		if strings.Contains(b.Text, label) {
			return b.Data
		}
	}
	t.Fatalf("no button %q on %q: %+v", label, m.Text, m.Buttons())
	return ""
}

// skipTo marks every message of p read so far.
func (p *person) skipTo() {
	if p.zu != nil {
		p.zraw, p.zprev = p.h.zl.SentCount(p.zu.ID), nil
		return
	}
	p.seen = len(p.h.api.Messages(p.u.ID))
}

func TestEventsEndToEnd(t *testing.T) {
	h := newEventsHarness(t, "embedded")
	h.env["ADMIN_IDS"] = "900"
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	clock := &fakeClock{}
	clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, loc))
	db := h.openDB()
	ctx := context.Background()

	// Producers: two in Bình Minh, one in Hòa Thành, one in Long Hoa; one in
	// Bình Minh who never consented and one who turned trainings off.
	lan := h.user(11, "Lan")
	seedProducer(t, db, 11, "Lan", "25480", 6)
	mai := h.user(12, "Mai")
	seedProducer(t, db, 12, "Mai", "25480", 6)
	hoa := h.user(13, "Hoa")
	seedProducer(t, db, 13, "Hoa", "25645", 10)
	seedProducer(t, db, 14, "Long", "25630", 6)
	noConsent := seedProducer(t, db, 15, "Chưa", "25480", 6)
	if err := sqlite.NewUserStore(db).SetConsent(ctx, noConsent, domain.ConsentUnknown); err != nil {
		t.Fatal(err)
	}
	optOut := seedProducer(t, db, 16, "Tắt", "25480", 6)
	if err := sqlite.NewJobStore(db).SetOptout(ctx, optOut, domain.TopicTraining, true); err != nil {
		t.Fatal(err)
	}
	h.startAt(clock)

	// A producer cannot create events.
	lan.Send("/taosukien")
	lan.Expect("common.officers_only")

	off := h.user(900, "Cán bộ")
	off.Send("/taosukien")
	off.Expect("ev.ask_kind")
	off.Send("tap huan")
	off.Expect("ev.ask_title")
	off.Send("Tập huấn xây dựng hồ sơ OCOP")
	off.Expect("ev.ask_when")
	for in, id := range map[string]string{
		"31/02/2027 08:00": "ev.date_invalid",
		"20/12/2026 25:00": "ev.time_invalid",
		"mai":              "ev.when_format",
		"01/11/2026 08:00": "ev.when_past",
	} {
		off.Send(in)
		off.Expect(id, "ev.ask_when")
	}
	off.Send("20/12/2026 08:00")
	off.Expect("ev.ask_place")
	off.Send("Hội trường UBND phường Bình Minh")
	off.Expect("ev.ask_desc")
	off.Send("Mang theo giấy đăng ký kinh doanh")
	off.Expect("aud.ask_kind")
	off.Press("Một số xã/phường")
	off.Expect("aud.ask_communes")
	off.Send("Bình Minh, Xa Hoa Thanh Nam Bo") // unknown name
	off.Expect("aud.commune_unknown", "aud.ask_communes")
	off.Send("Bình Minh, Phường Hòa Thành")
	off.Expect("ev.ask_capacity")
	off.Send("nhiều lắm")
	off.Expect("ev.capacity_invalid", "ev.ask_capacity")
	off.Send("2")
	m := off.Expect("form.confirm_title")
	for _, want := range []string{"Thời gian: 20/12/2026 08:00", "Xã/phường: Phường Bình Minh, Phường Hòa Thành", "(3 người nhận)", "Số chỗ: 2"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("preview lacks %q:\n%s", want, m.Text)
		}
	}
	off.Press("Xác nhận")
	off.Expect("bulk.starting")
	card := off.Expect("ev.created", "ev.officer_card")
	h.waitMsg(900, "bulk.summary")
	off.skipTo()

	// Exactly the consented subjects of the two communes are invited.
	for _, p := range []*person{lan, mai, hoa} {
		p.Expect("ev.invite")
	}
	for _, id := range []int64{14, 15, 16} {
		if n := len(h.api.Messages(id)); n != 0 {
			t.Errorf("user %d outside the audience got %d messages", id, n)
		}
	}
	progress := h.lastWith(900, "bulk.done")
	if !strings.Contains(progress.Text, "3/3") {
		t.Errorf("final progress: %q", progress.Text)
	}

	// RSVP; the third "yes" finds the event full.
	inv := h.lastWith(11, "ev.invite")
	lan.PressData(inv.ID, button(t, inv, "Tham gia"))
	lan.Expect("ev.rsvp_yes")
	inv = h.lastWith(12, "ev.invite")
	mai.PressData(inv.ID, button(t, inv, "Tham gia"))
	mai.Expect("ev.rsvp_yes")
	inv = h.lastWith(13, "ev.invite")
	ans := hoa.PressData(inv.ID, button(t, inv, "✅ Tham gia"))
	if !matchesTemplate(t, h.tr, ans.Text, "vi", "ev.full") || !ans.ShowAlert {
		t.Errorf("full event answer: %+v", ans)
	}
	hoa.Expect("ev.full")
	hoa.PressData(inv.ID, button(t, inv, "Không tham gia"))
	hoa.Expect("ev.rsvp_no")

	// The officer sees the counts.
	off.skipTo()
	off.PressData(card.ID, button(t, card, "Danh sách"))
	m = off.Expect("ev.people_head")
	if !strings.Contains(m.Text, "Tham gia: 2 · Không tham gia: 1 · Có mặt: 0") {
		t.Errorf("counts: %q", m.Text)
	}

	// No reminder before 08:00 the day before; one at 08:00, to those who
	// said yes, once, across a restart.
	clock.Set(time.Date(2026, 12, 19, 7, 59, 0, 0, loc))
	time.Sleep(2500 * time.Millisecond)
	if n := h.count(11, "ev.reminder"); n != 0 {
		t.Fatalf("reminder before its time: %d", n)
	}
	clock.Set(time.Date(2026, 12, 19, 8, 0, 0, 0, loc))
	h.waitMsg(11, "ev.reminder")
	h.waitMsg(12, "ev.reminder")

	// An event created after the reminder moment of its eve gets none.
	off.skipTo()
	lan.skipTo()
	clock.Set(time.Date(2026, 12, 19, 9, 0, 0, 0, loc))
	off.Send("/taosukien")
	off.Expect("ev.ask_kind")
	for _, in := range []string{"2", "Hội chợ nông sản", "20/12 10:00", "Công viên", "Bỏ qua"} {
		off.Send(in)
		off.Next()
	}
	off.Press("Một số xã/phường")
	off.Expect("aud.ask_communes")
	off.Send("Bình Minh")
	off.Expect("ev.ask_capacity")
	off.Press("Bỏ qua")
	off.Expect("form.confirm_title")
	off.Press("Xác nhận")
	fair := lan.Expect("ev.invite")
	if !strings.Contains(fair.Text, "Hội chợ nông sản") {
		t.Fatalf("not the fair's invitation: %q", fair.Text)
	}
	lan.PressData(fair.ID, button(t, fair, "Tham gia"))
	lan.Expect("ev.rsvp_yes")

	h.stop()
	h.startAt(clock)
	time.Sleep(2500 * time.Millisecond)
	if n, m := h.count(11, "ev.reminder"), h.count(12, "ev.reminder"); n != 1 || m != 1 {
		t.Fatalf("reminders after a restart: %d and %d, want 1 each", n, m)
	}
	if n := h.count(13, "ev.reminder"); n != 0 {
		t.Errorf("a producer who said no was reminded")
	}

	// The officer changes the place: everyone invited is told.
	off.skipTo()
	off.PressData(card.ID, button(t, card, "Đổi thông tin"))
	off.Expect("form.confirm_title")
	off.Press("✏️ Địa điểm")
	off.Expect("ev.ask_place")
	off.Send("Nhà văn hóa khu phố 2")
	off.Expect("form.confirm_title")
	off.Press("Xác nhận")
	off.Expect("ev.change_saved")
	for _, id := range []int64{11, 12, 13} {
		m := h.waitMsg(id, "ev.changed")
		if !strings.Contains(m.Text, "Nhà văn hóa khu phố 2") {
			t.Errorf("change notice: %q", m.Text)
		}
	}

	// The check-in QR code: a deep link valid only during the event.
	off.PressData(card.ID, button(t, card, "Mã QR"))
	qr := h.waitMsg(900, "ev.checkin_info")
	if qr.Kind != telegramtest.KindPhoto {
		t.Errorf("the check-in code is a %s, not a photo", qr.Kind)
	}
	payload := regexp.MustCompile(`start=(ci\d+_[0-9a-f]+)`).FindStringSubmatch(qr.Text)
	if payload == nil {
		t.Fatalf("no deep link in %q", qr.Text)
	}
	lan.skipTo()
	lan.Send("/start " + payload[1])
	lan.Expect("ev.checkin_early")
	lan.Send("/start ci999_deadbeef")
	lan.Expect("ev.checkin_invalid")
	clock.Set(time.Date(2026, 12, 20, 7, 30, 0, 0, loc))
	lan.Send("/start " + payload[1])
	lan.Expect("ev.checked_in")
	lan.Send("/start " + payload[1])
	lan.Expect("ev.checked_in_again")

	// RSVP after the start is refused.
	clock.Set(time.Date(2026, 12, 20, 8, 30, 0, 0, loc))
	inv = h.waitMsg(12, "ev.invite") // the first: the training's
	ans = mai.PressData(inv.ID, button(t, inv, "Không tham gia"))
	if !matchesTemplate(t, h.tr, ans.Text, "vi", "ev.rsvp_past") {
		t.Errorf("RSVP after the start: %+v", ans)
	}

	// /diemdanh: the officer marks Mai present.
	off.skipTo()
	off.Send("/diemdanh")
	m = off.Expect("ev.rollcall_pick")
	off.PressData(m.ID, button(t, m, "Tập huấn xây dựng"))
	m = off.Expect("ev.rollcall_head")
	off.PressData(m.ID, button(t, m, "⬜ HTX Mai"))
	if !h.api.WaitFor(wait, func() bool { m, _ := h.api.MessageByID(900, m.ID); return strings.Contains(m.Text, "Có mặt: 2") }) {
		m, _ := h.api.MessageByID(900, m.ID)
		t.Errorf("roll call after marking: %q", m.Text)
	}
	clock.Set(time.Date(2026, 12, 21, 0, 30, 0, 0, loc))
	hoa.skipTo()
	hoa.Send("/start " + payload[1])
	hoa.Expect("ev.checkin_closed")

	// The trained figure counts the subjects present at trainings.
	events := sqlite.NewEventStore(db)
	if n, err := events.TrainedSubjects(ctx, nil); err != nil || n != 2 {
		t.Errorf("TrainedSubjects = %d, %v; want 2", n, err)
	}
	if n, err := events.TrainedSubjects(ctx, []string{"25645"}); err != nil || n != 0 {
		t.Errorf("TrainedSubjects(Hòa Thành) = %d, %v; want 0", n, err)
	}

	// The list as .xlsx.
	off.skipTo()
	off.PressData(card.ID, button(t, card, "Xuất Excel"))
	doc := h.waitMsg(900, "ev.export_caption")
	data, ok := h.api.FileContent(doc.FileID)
	if doc.Kind != telegramtest.KindDocument || !ok {
		t.Fatalf("export is %s, content %v", doc.Kind, ok)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the export does not open: %v", err)
	}
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var present int
	for _, r := range rows {
		if len(r) >= 7 && strings.HasPrefix(r[2], "HTX ") && r[6] == "Có" {
			present++
		}
	}
	if present != 2 {
		t.Errorf("export lists %d present, want 2: %v", present, rows)
	}

	// Cancelling the fair is announced; its buttons are refused after.
	clock.Set(time.Date(2026, 12, 19, 12, 0, 0, 0, loc))
	off.skipTo()
	off.Send("/sukien")
	m = off.Expect("ev.officer_list")
	off.PressData(m.ID, button(t, m, "Hội chợ nông sản"))
	fc := off.Expect("ev.officer_card")
	off.PressData(fc.ID, button(t, fc, "Hủy sự kiện"))
	m = off.Expect("ev.cancel_ask")
	off.PressData(m.ID, button(t, m, "Đúng, hủy"))
	off.Expect("ev.cancel_done")
	h.waitMsg(11, "ev.cancelled_notice")
	ans = lan.PressData(fair.ID, button(t, fair, "Tham gia"))
	if !matchesTemplate(t, h.tr, ans.Text, "vi", "ev.rsvp_cancelled") || !ans.ShowAlert {
		t.Errorf("RSVP to a cancelled event: %+v", ans)
	}
	// A producer pressing an officer's button is refused in the answer.
	ans = lan.PressData(fc.ID, button(t, fc, "Danh sách"))
	if !matchesTemplate(t, h.tr, ans.Text, "vi", "common.officers_only") {
		t.Errorf("producer on an officer button: %+v", ans)
	}
}
