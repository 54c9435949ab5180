package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// Issue 12: farmers are understood. The scripts run on both channels.

// trickyName holds what HTML would eat: "&", "<", ">" and quotes.
const trickyName = `Bánh tráng & muối tôm <Tư> "ngon"`

// labelOf returns the label of the button (or numbered choice) of m
// that contains part.
func labelOf(t *testing.T, m telegramtest.Message, part string) string {
	t.Helper()
	for _, b := range m.Buttons() {
		if strings.Contains(b.Text, part) {
			return b.Text
		}
	}
	t.Fatalf("no button with %q: %+v\n%s", part, m.Buttons(), m.Text)
	return ""
}

// submitNamed adds a food product named name to a registered producer and
// submits its dossier (every item on paper, the samples in person).
func submitNamed(t *testing.T, p *person, name string) {
	t.Helper()
	p.addProduct(name, "Thực phẩm", "Chế biến từ gạo, ngũ cốc")
	_, items := required(t, 6)
	p.Send("/hoso")
	p.Expect("dossier.header")
	p.onPaper(items)
	p.Press("Nộp hồ sơ")
	p.Expect("dossier.submit_confirm")
	p.Press("chưa nộp") // asked before: nothing is filed
	p.Expect("dossier.header")
	p.Press("Nộp hồ sơ")
	p.Expect("dossier.submit_confirm")
	p.Send("dạ đồng ý") // typed
	p.Expect("dossier.submitted")
}

// TestMatrixButtonLabelsArePlainText: a name with "&", "<" and quotes
// reads the same on every button: the product list, the commune offered,
// the officers' queue.
func TestMatrixButtonLabelsArePlainText(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			off := h.admin(900, "Quản trị", ch)
			h.start()
			off.Send("/start")
			off.Expect("start.welcome_officer")

			p := h.user(631, "Tư").register("HTX Tư & con", "binh minh")
			submitNamed(t, p, trickyName)
			off.ExpectNotice("notice.officer_submitted")

			p.Send("/sanpham")
			m := p.Expect("product.list")
			if got := labelOf(t, m, "Bánh tráng"); !strings.Contains(got, trickyName) {
				t.Errorf("the product list's button reads %q, want the name %q as typed", got, trickyName)
			}
			off.Send("/duyet")
			m = off.Expect("review.queue")
			if got := labelOf(t, m, "Bánh tráng"); !strings.Contains(got, trickyName) {
				t.Errorf("the queue's button reads %q, want the name %q as typed", got, trickyName)
			}
			off.Press("Bánh tráng")
			m = off.Expect("review.subject")
			if !strings.Contains(m.PlainText, "HTX Tư & con") {
				t.Errorf("the dossier does not name the subject as typed:\n%s", m.PlainText)
			}
		})
	}
}

// TestMatrixGrantRefusesAnUnknownCommune: "/capquyen 42 xa khong co xa
// nay" says the commune was not found and asks for the communes; the
// grant then names the commune.
func TestMatrixGrantRefusesAnUnknownCommune(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			officer := h.user(942, "Cán bộ Trảng Bàng")
			officer.Send("/start")
			officer.Expect("start.welcome")
			officer.Expect("consent.ask")

			admin.Send("/capquyen " + officer.chatID() + " xa khong co xa nay")
			m := admin.Expect("officer.commune_unknown")
			if !strings.Contains(m.PlainText, "«khong co xa nay»") {
				t.Errorf("the refusal does not say what was not found:\n%s", m.PlainText)
			}
			admin.Expect("officer.ask_communes")
			admin.Send("phuong trang bang")
			admin.Expect("form.confirm_title")
			admin.Press("Xác nhận")
			m = admin.Expect("officer.granted_communes")
			who := "Cán bộ Trảng Bàng"
			if ch == "zalo" {
				who = "Zalo " + officer.chatID() // Zalo gives no names
			}
			want := "✅ Đã cấp quyền Cán bộ xã cho " + who
			if !strings.HasPrefix(m.PlainText, want) || !strings.HasSuffix(m.PlainText, "phụ trách: Phường Trảng Bàng.") {
				t.Errorf("the grant reads:\n%s\nwant %q … %q", m.PlainText, want, "phụ trách: Phường Trảng Bàng.")
			}
			db := h.openDB()
			u := officer.stored(db)
			got, err := sqlite.NewUserStore(db).Communes(context.Background(), u.ID)
			if err != nil || len(got) != 1 {
				t.Fatalf("communes of the officer: %v, %v", got, err)
			}

			// A role misspelt is said, not dropped with the communes after it.
			admin.Send("/capquyen " + officer.chatID() + " xaa trang bang")
			if m := admin.Expect("officer.role_unknown"); !strings.Contains(m.PlainText, "«xaa»") {
				t.Errorf("the refusal does not name the word:\n%s", m.PlainText)
			}
			admin.Expect("officer.ask_role")
		})
	}
}

// TestMatrixTypedAnswers: every answer a button offers can be typed as
// people type it, with or without diacritics: consent, "chưa có" at an
// optional step ("bỏ qua" at one that needs an answer is told so), a
// yes/no choice, the confirmation, the language, an RSVP to an invitation.
func TestMatrixTypedAnswers(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			db := h.openDB()
			ev := domain.Event{Kind: domain.EventTraining, Title: "Tập huấn OCOP & bao bì", Place: "UBND xã", CheckinCode: "abc123",
				StartsAt: time.Now().Add(72 * time.Hour), EndsAt: time.Now().Add(80 * time.Hour), Audience: domain.Audience{Kind: domain.AudienceAll}}
			if _, err := sqlite.NewEventStore(db).CreateEvent(context.Background(), &ev, nil); err != nil {
				t.Fatal(err)
			}

			p := h.user(651, "Hai")
			p.Send("/start")
			p.Expect("start.welcome")
			p.Expect("consent.ask")
			p.Send("dong y") // typed, without diacritics
			p.Expect("consent.given")
			p.Expect("consent.next")

			p.Send("/dangky")
			p.Expect("register.ask_kind")
			p.Send("ho san xuat")
			p.Expect("register.ask_name")
			p.Send("Bánh tráng cô Hai")
			p.Expect("register.ask_rep")
			p.Send("Trần Thị Hai")
			p.Expect("register.ask_phone")
			p.Send("0912 000 651")
			p.Expect("form.noted")
			p.Expect("register.ask_commune")
			p.Send("bo qua") // a step that needs an answer: said so, asked again
			p.Expect("form.required", "register.ask_commune")
			p.Send("binh minh")
			p.Expect("register.ask_regno")
			p.Send("dạ chưa có") // an optional step: skipped
			p.Expect("register.ask_channels")
			p.Send("khong co")
			m := p.Expect("form.confirm_title")
			if !strings.Contains(m.PlainText, "Số ĐKKD: (chưa có)") {
				t.Errorf("the skipped number is not shown skipped:\n%s", m.PlainText)
			}
			p.Send("dạ đúng rồi")
			p.Expect("register.done")

			// A yes/no choice of a form, typed politely.
			p.Send("/themsanpham")
			p.Expect("product.ask_name")
			p.Send("Mật ong rừng")
			p.Expect("product.ask_group")
			// The kind typed: the sets that match, offered as kinds of
			// product (not as places of the same name).
			p.Send("mat ong")
			p.Expect("product.set_offer")
			p.Press("Mật ong, mật khác và nông sản thực phẩm khác")
			p.Expect("product.ask_existing")
			p.Press("Sản phẩm đã có")
			p.Expect("product.ask_craft")
			// "có" alone is not the craft's name: which one is asked.
			p.Send("co")
			p.Expect("product.craft_which", "product.ask_craft")
			p.Send("không có")
			p.Expect("product.ask_raw")
			p.Send("dạ có")
			p.Expect("product.ask_raw_where")
			p.Send("ấp Bình Nguyên")
			p.Expect("product.ask_circular")
			p.Send("khong a")
			p.Expect("form.confirm_title")
			p.Send("OK")
			p.Expect("product.created")
			if list, err := sqlite.NewProductStore(db).ListBySubject(context.Background(), p.stored(db).SubjectID); err != nil || len(list) != 1 || list[0].Craft != "" {
				t.Fatalf("the craft of a product without one: %+v, %v", list, err)
			}

			// The language, typed.
			p.Send("/ngonngu")
			p.Expect("language.ask")
			p.Send("english")
			p.ExpectLang("en", "language.changed")
			p.Send("/language")
			p.ExpectLang("en", "language.ask")
			p.Send("tieng viet")
			p.Expect("language.changed")

			// The invitation's answer, typed.
			p.Send("có tham gia")
			m = p.Expect("ev.rsvp_yes")
			if !strings.Contains(m.PlainText, "Tập huấn OCOP & bao bì") {
				t.Errorf("the RSVP does not name the event:\n%s", m.PlainText)
			}
			if got, err := sqlite.NewEventStore(db).RSVPOf(context.Background(), ev.ID, p.stored(db).ID); err != nil || got != "yes" {
				t.Fatalf("RSVP stored: %q, %v", got, err)
			}
			// Nothing is left to answer: a second "có" is not an RSVP.
			p.Send("co")
			if m := p.Next(); h.matches(m.Text, "vi", "ev.rsvp_yes") {
				t.Fatalf("a second yes answered again:\n%s", m.Text)
			}
		})
	}
}

// TestMatrixQuestionInTheMiddleOfAForm: "ocop la gi" typed at the
// business-number step is answered, and the step is asked again with the
// answers kept.
func TestMatrixQuestionInTheMiddleOfAForm(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(661, "Ba").consent()
			p.Send("/dangky")
			p.Expect("register.ask_kind")
			p.Send("hop tac xa")
			p.Expect("register.ask_name")
			p.Send("HTX Ba Lành")
			p.Expect("register.ask_rep")
			p.Send("Lê Văn Ba")
			p.Expect("register.ask_phone")
			p.Send("0912000661")
			p.Expect("form.noted")
			p.Expect("register.ask_commune")
			p.Send("Bình Minh")
			p.Expect("register.ask_regno")
			p.Send("OCOP la gi?")
			p.Expect("faq.ocop")
			m := p.Expect("register.ask_regno")
			if h.matches(m.Text, "vi", "register.regno_invalid") {
				t.Errorf("the question was refused as a number:\n%s", m.Text)
			}
			p.Send("chờ chút") // not a question the FAQ knows: refused
			p.Expect("register.regno_invalid", "register.ask_regno")
			p.Send("45A8012345")
			p.Expect("register.ask_channels")
			p.Send("xong")
			m = p.Expect("form.confirm_title")
			for _, want := range []string{"HTX Ba Lành", "Lê Văn Ba", "Phường Bình Minh", "45A8012345"} {
				if !strings.Contains(m.PlainText, want) {
					t.Errorf("the answers were not kept: no %q in\n%s", want, m.PlainText)
				}
			}
		})
	}
}

// TestMatrixSayWhatWasUnderstood: a commune typed loosely is said back
// with a way to go back; an old commune name from before the 2025 merger
// finds the commune it became part of.
func TestMatrixSayWhatWasUnderstood(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(671, "Năm").consent()
			p.Send("/dangky")
			p.Expect("register.ask_kind")
			p.Send("hop tac xa")
			p.Expect("register.ask_name")
			p.Send("HTX Năm Gia Bình")
			p.Expect("register.ask_rep")
			p.Send("Võ Văn Năm")
			p.Expect("register.ask_phone")
			p.Send("0912000671")
			p.Expect("form.noted")
			p.Expect("register.ask_commune")
			p.Send("thanh dien")
			m := p.Expect("form.understood", "register.ask_regno")
			if !strings.Contains(m.PlainText, "Đã chọn: Phường Thanh Điền") {
				t.Fatalf("the commune taken is not said:\n%s", m.PlainText)
			}
			p.Press("Quay lại")
			p.Expect("register.ask_commune")
			p.Send("xa gia binh") // the old name, before 1/7/2025
			m = p.Expect("form.understood", "register.ask_regno")
			if !strings.Contains(m.PlainText, "Đã chọn: Phường Gò Dầu — gồm Phường Gia Bình cũ") {
				t.Fatalf("the old commune did not find the new one:\n%s", m.PlainText)
			}
			p.Send("bỏ qua")
			p.Expect("register.ask_channels")
			p.Send("bỏ qua")
			m = p.Expect("form.confirm_title")
			if !strings.Contains(m.PlainText, "Xã/phường: Phường Gò Dầu") {
				t.Fatalf("confirmation:\n%s", m.PlainText)
			}
			// Typed exactly as its name, nothing needs saying.
			p.Press("Xã/phường")
			p.Expect("register.ask_commune")
			p.Send("Phường Bình Minh")
			m = p.Expect("form.confirm_title")
			if h.matches(m.Text, "vi", "form.understood") {
				t.Errorf("an exact name was said back:\n%s", m.PlainText)
			}
		})
	}
}

// TestMatrixEveryoneCanStart: a household without a business registration
// registers (in at most 12 messages from /start), prepares, and is told
// where to get the registration when it tries to file; with the number it
// files. A phone number of another subject is not registered twice: the
// person may ask the officers to link them.
func TestMatrixEveryoneCanStart(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			off := h.admin(900, "Quản trị", ch)
			h.start()
			off.Send("/start")
			off.Expect("start.welcome_officer")

			p := h.user(681, "Sáu")
			sent := 0
			send := func(text string) { sent++; p.Send(text) }
			press := func(label string) { sent++; p.Press(label) }
			send("/start")
			p.Expect("start.welcome")
			p.Expect("consent.ask")
			press("Đồng ý và đăng ký") // the consent leads straight into registration
			p.Edited("consent.given")
			p.Expect("register.ask_kind")
			send("ho gia dinh chua co")
			m := p.Expect("form.understood", "register.ask_name")
			if !strings.Contains(m.PlainText, "Đã chọn: Hộ gia đình chưa có giấy đăng ký kinh doanh") {
				t.Errorf("the kind taken from a few words is not said:\n%s", m.PlainText)
			}
			send("Bánh tráng dì Sáu")
			p.Expect("register.ask_rep")
			send("Lê Thị Sáu")
			p.Expect("register.ask_phone")
			send("0912 000 681")
			p.Expect("form.noted")
			p.Expect("register.ask_commune")
			send("Bình Minh")
			p.Expect("register.ask_channels") // no business number to ask for
			press("Chợ")
			p.Expect("register.ask_channels")
			press("Xong")
			p.Expect("form.confirm_title")
			press("Xác nhận")
			p.Expect("register.done", "register.prospective_note")
			if sent > 12 {
				t.Errorf("registration took %d messages, want at most 12", sent)
			}
			// One meaning per menu word: the producer's details are not the
			// status, and nothing changed is cancelled without asking.
			p.Press("Thông tin cơ sở")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
			p.Send("/huy")
			p.Expect("form.cancelled_edit")

			p.addProduct("Bánh tráng phơi sương", "Thực phẩm", "Chế biến từ gạo, ngũ cốc")
			_, items := required(t, 6)
			p.Send("/hoso")
			p.Expect("dossier.header")
			p.onPaper(items)
			// Every paper there, but no number yet: the checklist says what
			// is missing and offers no «Nộp hồ sơ» that would be refused.
			p.Send("/hoso")
			m = p.Expect("dossier.header", "dossier.ready_needs_regno")
			if p.matches(m.Text, "vi", "dossier.ready_hint") {
				t.Errorf("the checklist says it is ready to file:\n%s", m.PlainText)
			}
			if _, ok := m.FindButton("Nộp hồ sơ"); ok {
				t.Errorf("a «Nộp hồ sơ» button without the registration number: %+v", m.Buttons())
			}
			// One pressed from an older screen is refused, saying why.
			{
				db := h.openDB()
				list, err := sqlite.NewProductStore(db).ListBySubject(context.Background(), p.stored(db).SubjectID)
				if err != nil || len(list) != 1 {
					t.Fatalf("products %+v, %v", list, err)
				}
				p.PressData(m.ID, "d|s|"+strconv.FormatInt(list[0].ID, 10))
				p.Expect("dossier.needs_regno", "dossier.header")
			}

			// With the number, the household files.
			p.Send("/dangky")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
			p.Press("Số ĐKKD")
			p.Expect("register.ask_regno")
			p.Send("45A8012345")
			p.Expect("form.confirm_title")
			p.Press("Xác nhận")
			p.Expect("register.updated")
			db := h.openDB()
			s, err := sqlite.NewSubjectStore(db).Get(context.Background(), p.stored(db).SubjectID)
			if err != nil || s.Kind != domain.KindHousehold || s.BusinessRegNo != "45A8012345" {
				t.Fatalf("after the number: %+v, %v", s, err)
			}
			p.Send("/hoso")
			p.Expect("dossier.header")
			p.Press("Nộp hồ sơ")
			p.Expect("dossier.submit_confirm")
			p.Press("nộp ngay")
			p.Expect("dossier.submitted")
			off.ExpectNotice("notice.officer_submitted")
			// The officer reads the kind once, without brackets in brackets.
			off.Send("/duyet")
			off.Expect("review.queue")
			off.Press("Bánh tráng phơi sương")
			if m := off.Expect("review.subject"); !strings.Contains(m.PlainText, "Bánh tráng dì Sáu · Hộ kinh doanh (hộ sản xuất có đăng ký kinh doanh)\n") ||
				!strings.Contains(m.PlainText, "\nSố ĐKKD: 45A8012345\n") {
				t.Errorf("the subject's kind and business number on the review card:\n%s", m.PlainText)
			}

			// Another person types the same phone number.
			q := h.user(682, "Bảy").consent()
			q.Send("/dangky")
			q.Expect("register.ask_kind")
			q.Send("ho san xuat")
			q.Expect("register.ask_name")
			q.Send("Bánh tráng Bảy")
			q.Expect("register.ask_rep")
			q.Send("Lê Văn Bảy")
			q.Expect("register.ask_phone")
			q.Send("0912000681")
			q.Expect("register.phone_taken", "register.ask_phone")
			q.Send("/xinlienket")
			q.Expect("link.requested")
			m = off.Expect("notice.officer_link_request")
			want := "/lienket " + ch + ":" + q.chatID() + " " + strconv.FormatInt(s.ID, 10)
			if !strings.Contains(m.PlainText, want) || !strings.Contains(m.PlainText, "Lê Văn Bảy") {
				t.Errorf("the officers' notice lacks %q:\n%s", want, m.PlainText)
			}
			off.Send(want)
			off.Expect("behalf.linked")
			if got := q.stored(db).SubjectID; got != s.ID {
				t.Errorf("the person was linked to %d, want %d", got, s.ID)
			}
			n, err := sqlite.NewSubjectStore(db).FindByPhone(context.Background(), "+84912000681")
			if err != nil || n.ID != s.ID {
				t.Errorf("the phone's subject: %+v, %v", n, err)
			}
		})
	}
}

// TestMatrixAskBeforeThrowingWorkAway: cancelling a form with answers,
// filing a dossier (see submitNamed) and forwarding one to the province
// each ask first; "không" keeps everything as it was.
func TestMatrixAskBeforeThrowingWorkAway(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			off := h.admin(900, "Quản trị", ch)
			h.start()
			off.Send("/start")
			off.Expect("start.welcome_officer")

			q := h.user(692, "Mười").consent()
			q.Send("/dangky")
			q.Expect("register.ask_kind")
			q.Press("Hủy") // nothing answered yet: cancelled at once
			q.Expect("form.cancelled")
			q.Send("/dangky")
			q.Expect("register.ask_kind")
			q.Send("hop tac xa")
			q.Expect("register.ask_name")
			q.Press("Hủy")
			q.Expect("form.cancel_confirm")
			q.Send("không")
			q.Expect("register.ask_name")
			q.Send("huỷ")
			q.Expect("form.cancel_confirm")
			q.Send("huỷ") // asked twice: cancelled
			q.Expect("form.cancelled")

			p := h.user(691, "Chín").register("HTX Chín Rồng", "binh minh")
			submitNamed(t, p, "Muối ớt Chín Rồng")
			off.ExpectNotice("notice.officer_submitted")
			off.Send("/duyet")
			off.Expect("review.queue")
			off.Press("Muối ớt")
			off.Expect("review.subject")
			off.Press("Bắt đầu thẩm định")
			off.Expect("review.moved")
			p.ExpectNotice("notice.stage.xa_tham_dinh")
			off.Press("Chuyển lên tỉnh")
			// Papers handed in on paper count, but the officer is asked
			// whether they saw them.
			if m := off.Expect("review.forward_confirm", "review.forward_paper"); !strings.Contains(m.PlainText, "Mẫu 01") {
				t.Errorf("the items on paper are not named:\n%s", m.PlainText)
			}
			off.Press("xem lại")
			off.Expect("review.subject")
			db := h.openDB()
			list, _ := sqlite.NewProductStore(db).ListBySubject(context.Background(), p.stored(db).SubjectID)
			if len(list) != 1 || list[0].Stage != domain.StageCommuneCheck {
				t.Fatalf("after 'không': %+v", list)
			}
			off.Press("Chuyển lên tỉnh")
			off.Expect("review.forward_confirm")
			off.Send("dong y")
			off.Expect("review.moved")
			p.ExpectNotice("notice.stage.tinh_danh_gia")
			list, _ = sqlite.NewProductStore(db).ListBySubject(context.Background(), p.stored(db).SubjectID)
			if len(list) != 1 || list[0].Stage != domain.StageProvince {
				t.Fatalf("after forwarding: %+v", list)
			}
		})
	}
}

// TestMatrixAskAnOfficer: the "Hỏi cán bộ" round trip. A question the FAQ
// cannot answer, with a photo, becomes a numbered ticket for the officer
// of the producer's commune; the officer answers from /hoidap; the answer
// reaches the producer, who sees it in /cauhoi. Small talk gets a short
// friendly answer.
func TestMatrixAskAnOfficer(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			off := h.user(943, "Cán bộ Bình Minh")
			off.Send("/start")
			off.Expect("start.welcome")
			off.Expect("consent.ask")
			admin.Send("/capquyen " + off.chatID() + " xa binh minh")
			admin.Expect("form.confirm_title")
			admin.Press("Xác nhận")
			admin.Expect("officer.granted_communes")
			off.ExpectNotice("officer.granted_you")

			p := h.user(701, "Bảy").register("HTX Bảy <Tốt> & \"Ngon\"", "binh minh")
			p.addProduct("Bánh tráng phơi sương", "Thực phẩm", "Chế biến từ gạo, ngũ cốc")
			p.Send("Tem truy xuất nguồn gốc làm ở đâu vậy?")
			// A paper named: what the rulebook says of it comes first,
			// with the button to ask where and how.
			m := p.Expect("qa.paper_info", "qa.paper_ask")
			if !strings.Contains(m.PlainText, "Mã số mã vạch và tem truy xuất nguồn gốc") {
				t.Errorf("the paper named is not said:\n%s", m.PlainText)
			}
			labelOf(t, m, "Hỏi cán bộ")
			p.Press("Hỏi cán bộ")
			m = p.Expect("qa.asked")
			if !strings.Contains(m.PlainText, "câu hỏi số 1 ") || !strings.Contains(m.PlainText, "«Tem truy xuất nguồn gốc làm ở đâu vậy?»") {
				t.Errorf("the question has no number, or is not quoted:\n%s", m.PlainText)
			}
			p.SendPhoto(jpegBytes)
			p.Expect("qa.photo_added")
			m = off.Expect("qa.new_from")
			if !strings.Contains(m.PlainText, "«Tem truy xuất nguồn gốc làm ở đâu vậy?»") || !strings.Contains(m.PlainText, "Phường Bình Minh") ||
				!strings.Contains(m.PlainText, "của HTX Bảy <Tốt> & \"Ngon\":") {
				t.Errorf("the officers' notice:\n%s", m.PlainText)
			}

			// Small talk, with and without diacritics.
			p.Send("cảm ơn em")
			p.Expect("qa.smalltalk_thanks")
			p.Send("co ton tien khong")
			p.Expect("qa.smalltalk_cost")
			p.Send("chào em")
			p.Expect("fallback.hello")
			// Typed, with the question after the words.
			p.Send("hoi can bo: có cần mã vạch không?")
			p.Expect("qa.asked")
			off.Expect("qa.new_from")

			// A producer cannot answer or list questions.
			p.Send("/hoidap")
			p.Expect("common.officers_only")

			off.Send("/hoidap")
			off.Expect("qa.open_header")
			m = off.Expect("qa.open_item")
			if !strings.Contains(m.PlainText, "Câu hỏi số 1") || !strings.Contains(m.PlainText, "Tem truy xuất") {
				t.Fatalf("the first open question:\n%s", m.PlainText)
			}
			// Who asks, and about which products: the answer often depends on them.
			if !strings.Contains(m.PlainText, "\nNgười hỏi: HTX Bảy <Tốt> & \"Ngon\" (người đại diện: Nguyễn Văn Bình)\n") ||
				!strings.Contains(m.PlainText, "\nSản phẩm: Bánh tráng phơi sương (") {
				t.Errorf("the open question does not say who asked:\n%s", m.PlainText)
			}
			off.Expect("qa.open_item")
			if ch == "telegram" {
				off.Press("Xem ảnh (1)")
				if ph := off.Next(); ph.Kind != telegramtest.KindPhoto {
					t.Fatalf("the question's photo was not sent: %+v", ph)
				}
			}
			off.Press("Trả lời số 1")
			off.Expect("qa.type_answer")
			// Nothing reaches the farmer before the officer says so: a
			// number is not an answer, "trả lời số 2" turns to question 2,
			// «thôi» sends nothing, and what is typed is shown first.
			off.Send("3")
			off.Expect("qa.type_answer_again")
			off.Send("tra loi so 2")
			if m := off.Expect("qa.type_answer"); !strings.Contains(m.PlainText, "câu hỏi số 2") {
				t.Errorf("«trả lời số 2» did not turn to question 2:\n%s", m.PlainText)
			}
			off.Send("thoi")
			off.Expect("qa.answer_stopped")
			off.Send("ok")
			if m := off.Next(); off.matches(m.Text, "vi", "qa.answer_sent") || off.matches(m.Text, "vi", "qa.answer_confirm") {
				t.Errorf("a text after «thôi» was taken as an answer:\n%s", m.PlainText)
			}
			off.Send("/hoidap")
			off.Expect("qa.open_header")
			off.Expect("qa.open_item")
			off.Expect("qa.open_item")
			off.Press("Trả lời số 1")
			off.Expect("qa.type_answer")
			off.Send("Bạn đến UBND phường Bình Minh.")
			off.Expect("qa.answer_confirm")
			// Leaving it for a command keeps it: /hoidap offers it again.
			off.Send("/thongke")
			off.Expect("figures.title")
			off.Expect("figures.chart_caption")
			off.Send("/hoidap")
			off.Expect("qa.open_header")
			if m := off.Expect("qa.draft_left"); !strings.Contains(m.PlainText, "Bạn đến UBND phường Bình Minh.") {
				t.Errorf("the answer left unsent:\n%s", m.PlainText)
			}
			off.Expect("qa.open_item")
			off.Expect("qa.open_item")
			// "viết lại" typed is the button's word, not an answer.
			off.Press("Trả lời số 1")
			off.Expect("qa.type_answer")
			off.Send("Bạn đến UBND phường Bình Minh.")
			off.Expect("qa.answer_confirm")
			off.Send("viết lại")
			off.Expect("qa.type_answer")
			off.Send("Bạn đến UBND phường Bình Minh.")
			off.Expect("qa.answer_confirm")
			// A new text replaces the answer shown.
			off.Send("Bạn đến UBND phường Bình Minh, bộ phận một cửa, mang theo giấy ĐKKD & mẫu tem <A4>.")
			if m := off.Expect("qa.answer_confirm"); !strings.Contains(m.PlainText, "mẫu tem <A4>") {
				t.Errorf("the answer to confirm:\n%s", m.PlainText)
			}
			off.Send("gửi đi") // the button's words typed send it
			// Sent, the next question waiting is shown with its button.
			if m := off.Expect("qa.answer_sent", "qa.next_open", "qa.open_item"); !strings.Contains(m.PlainText, "Câu hỏi số 2") {
				t.Errorf("the next question after an answer:\n%s", m.PlainText)
			}
			m = p.Expect("qa.answered_you")
			if !strings.Contains(m.PlainText, "mẫu tem <A4>") || !strings.Contains(m.PlainText, "số 1") {
				t.Errorf("the answer that reached the producer:\n%s", m.PlainText)
			}
			p.Send("/cauhoi")
			m = p.Expect("qa.mine_header")
			if !strings.Contains(m.PlainText, "Bạn đến UBND phường Bình Minh") || !strings.Contains(m.PlainText, "Đang chờ") {
				t.Errorf("the producer's questions:\n%s", m.PlainText)
			}
			// Answered, the question leaves the list.
			off.Send("/hoidap")
			off.Expect("qa.open_header")
			m = off.Expect("qa.open_item")
			if !strings.Contains(m.PlainText, "Câu hỏi số 2") {
				t.Errorf("the open question left:\n%s", m.PlainText)
			}
			db := h.openDB()
			tk, err := sqlite.NewTicketStore(db).Get(context.Background(), 1)
			if err != nil || tk.Open() || tk.Photos != 1 || tk.Commune != "25480" {
				t.Errorf("ticket 1: %+v, %v", tk, err)
			}
			// The figures count them.
			admin.Send("/thongke")
			m = admin.Expect("figures.title", "qa.stats")
			if !strings.Contains(m.PlainText, "Hỏi cán bộ: 2 câu hỏi, 1 đã trả lời; thời gian trả lời (trung vị): ") {
				t.Errorf("/thongke does not count the questions:\n%s", m.PlainText)
			}
			admin.Expect("figures.chart_caption")

			// Someone not registered asks: the province answers, and sees
			// that they have not registered.
			q := h.user(702, "Hai").consent()
			q.Send("Tem truy xuất có bắt buộc không?")
			q.Expect("qa.paper_info", "qa.paper_ask")
			q.Press("Hỏi cán bộ")
			q.Expect("qa.asked")
			if m := admin.Expect("qa.new"); strings.Contains(m.PlainText, " của ") {
				t.Errorf("the notice names a business for someone not registered:\n%s", m.PlainText)
			}
			admin.Send("/hoidap")
			admin.Expect("qa.open_header")
			admin.Expect("qa.open_item") // no. 2, of HTX Bảy
			if m := admin.Expect("qa.open_item"); !strings.Contains(m.PlainText, "\nNgười hỏi: chưa đăng ký — ") || strings.Contains(m.PlainText, "Sản phẩm:") {
				t.Errorf("the question of someone not registered:\n%s", m.PlainText)
			}
			// Answering goes on from question to question, until none
			// is left.
			admin.Send("tra loi 3") // typed outside the answering
			admin.Expect("qa.type_answer")
			admin.Send("Không bắt buộc, nhưng nên có.")
			admin.Expect("qa.answer_confirm")
			admin.Send("gui di")
			if m := admin.Expect("qa.answer_sent", "qa.next_open", "qa.open_item"); !strings.Contains(m.PlainText, "Câu hỏi số 2") {
				t.Errorf("the next question after an answer:\n%s", m.PlainText)
			}
			q.Expect("qa.answered_you")
			admin.Press("Trả lời số 2")
			admin.Expect("qa.type_answer")
			admin.Send("Cần mã vạch khi bán ở siêu thị.")
			admin.Expect("qa.answer_confirm")
			admin.Send("gui di")
			if m := admin.Expect("qa.answer_sent"); admin.matches(m.Text, "vi", "qa.next_open") {
				t.Errorf("a next question offered when none is left:\n%s", m.PlainText)
			}
			p.Expect("qa.answered_you")
			admin.Send("tra loi so 2")
			if m := admin.Expect("qa.answered_already_was"); !strings.Contains(m.PlainText, "«Cần mã vạch khi bán ở siêu thị.»") {
				t.Errorf("an answered question typed: the answer is not shown:\n%s", m.PlainText)
			}
			admin.Send("tra loi so 99")
			admin.Expect("qa.gone")
		})
	}
}

// TestMatrixNoJunkQuestions: what is not a question never reaches the
// officers. A number that is no choice of the menu says so; an emoji gets
// the menu; "hỏi cán bộ" typed after them asks for the question rather
// than sending them, and one kept before another text is not sent later.
// The menu keeps its numbers under "Mình chưa trả lời được câu này".
func TestMatrixNoJunkQuestions(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(702, "Tám").register("HTX Tám", "binh minh")
			p.Send("99")
			if m := p.Expect("fallback.no_such_choice"); !strings.Contains(m.PlainText, "Không có mục số 99.") {
				t.Errorf("a number out of the menu:\n%s", m.PlainText)
			}
			p.Send("👍")
			p.Expect("fallback.no_words")
			p.Send("hoi can bo")
			p.Expect("qa.type_question")
			// Asked to type a question, a number is not a pick from the
			// menu above (Zalo's numbered list): it is asked again.
			p.Send("3")
			p.Expect("qa.type_question_words")
			p.Send("??")
			p.Expect("qa.type_question_words")
			p.Send("Giấy ATTP xin ở đâu vậy em?")
			if m := p.Expect("qa.asked"); !strings.Contains(m.PlainText, "«Giấy ATTP xin ở đâu vậy em?»") {
				t.Errorf("the question sent:\n%s", m.PlainText)
			}

			// A question kept, then another text: "hỏi cán bộ" later asks
			// again rather than sending the old one.
			p.Send("Tem truy xuất làm ở đâu vậy?")
			m := p.Expect("qa.paper_ask")
			if bs := m.Buttons(); len(bs) < 2 || strings.Contains(bs[0].Text, "Hỏi cán bộ") || !strings.Contains(bs[len(bs)-1].Text, "Hỏi cán bộ") {
				t.Errorf("the menu's items moved: %+v\n%s", bs, m.PlainText)
			}
			p.Send("cảm ơn em")
			p.Expect("qa.smalltalk_thanks")
			p.Send("hỏi cán bộ")
			p.Expect("qa.type_question")
			// «thôi» asks nothing; going elsewhere leaves the question too.
			p.Send("thoi")
			p.Expect("qa.ask_stopped")
			p.Send("hoi can bo")
			p.Expect("qa.type_question")
			p.Send("/trangthai")
			p.Expect("status.profile")
			p.Send("trang thai cua toi")
			if m := p.Next(); p.matches(m.Text, "vi", "qa.asked") {
				t.Errorf("a text after another command was sent as the question:\n%s", m.PlainText)
			}
			// One word is not a question to send: the button asks for one.
			p.Send("asdfgh")
			p.Expect("qa.not_understood")
			p.Press("Hỏi cán bộ")
			p.Expect("qa.type_question")
			p.Send("thoi")
			p.Expect("qa.ask_stopped")
			// A question kept, then a button elsewhere: «hỏi cán bộ» typed
			// later asks for the question instead of sending the old one.
			p.Send("toi khong biet chu nay nghia la gi")
			p.Expect("qa.not_understood")
			p.Press("Hướng dẫn")
			p.Expect("help.text")
			p.Send("hoi can bo")
			p.Expect("qa.type_question")
			p.Send("thoi")
			p.Expect("qa.ask_stopped")
			// The same question again is not filed twice, without its
			// diacritics and question mark too.
			p.Send("Giay ATTP xin o dau vay em")
			p.Expect("qa.paper_info", "qa.paper_ask")
			p.Press("Hỏi cán bộ")
			if m := p.Expect("qa.already_open"); !strings.Contains(m.PlainText, "câu hỏi số 1") {
				t.Errorf("the question asked before:\n%s", m.PlainText)
			}
			// Words said around a question are no question: "hỏi cán bộ
			// xã" asks for it, and "cho em hỏi" after one keeps that one.
			p.Send("hoi can bo xa")
			p.Expect("qa.type_question")
			p.Send("thoi")
			p.Expect("qa.ask_stopped")
			p.Send("ga nha em bi benh thi lam sao")
			p.Expect("qa.not_understood")
			p.Send("cho em hoi")
			p.Expect("qa.not_understood")
			p.Press("Hỏi cán bộ")
			if m := p.Expect("qa.asked"); !strings.Contains(m.PlainText, "«ga nha em bi benh thi lam sao»") {
				t.Errorf("the question sent after «cho em hỏi»:\n%s", m.PlainText)
			}

			db := h.openDB()
			all, err := sqlite.NewTicketStore(db).All(context.Background(), domain.Area{All: true})
			if err != nil || len(all) != 2 || all[0].Question != "Giấy ATTP xin ở đâu vậy em?" {
				t.Fatalf("the questions filed: %+v, %v", all, err)
			}
		})
	}
}

// TestMatrixHelpListsEveryCommand: /trogiup lists every command of the
// menu with what it does, and examples of questions; officers get theirs.
func TestMatrixHelpListsEveryCommand(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			p := h.user(711, "Mười Một")
			p.Send("/trogiup")
			m := p.Expect("help.text", "help.examples")
			for _, cmd := range []string{"/start", "/dangky", "/sanpham", "/themsanpham", "/hoso", "/trangthai", "/sukien", "/caidat",
				"/ngonngu", "/huy", "/cauhoi", "/trogiup"} {
				if !strings.Contains(m.PlainText, cmd+" — ") {
					t.Errorf("/trogiup does not list %s:\n%s", cmd, m.PlainText)
				}
			}
			if strings.Contains(m.PlainText, "/duyet") || strings.Contains(m.PlainText, "/hoidap") {
				t.Errorf("a producer's help lists officers' commands:\n%s", m.PlainText)
			}
			admin.Send("/trogiup")
			m = admin.Expect("help.text", "help.officer")
			for _, cmd := range []string{"/duyet", "/hoidap", "/thongke", "/capquyen", "/timkiem", "/taosukien", "/thongbao"} {
				if !strings.Contains(m.PlainText, cmd+" — ") {
					t.Errorf("the officers' help does not list %s:\n%s", cmd, m.PlainText)
				}
			}
		})
	}
}

// TestMatrixCommuneOfficerSeesTheirEvents: a commune officer's /sukien
// lists the events whose audience takes in their communes (a
// province-wide fair too, as its card), with the title as typed on the
// button; not another commune's training.
func TestMatrixCommuneOfficerSeesTheirEvents(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			off := h.user(944, "Cán bộ Bình Minh")
			off.Send("/start")
			off.Expect("start.welcome")
			off.Expect("consent.ask")
			admin.Send("/capquyen " + off.chatID() + " xa 25480")
			admin.Expect("form.confirm_title")
			admin.Press("Xác nhận")
			admin.Expect("officer.granted_communes")
			off.ExpectNotice("officer.granted_you")

			db := h.openDB()
			events := sqlite.NewEventStore(db)
			starts := time.Now().Add(96 * time.Hour)
			fair := `Hội chợ OCOP & đặc sản <Tây Ninh> "2026"`
			for _, ev := range []domain.Event{
				{Kind: domain.EventFair, Title: fair, Audience: domain.Audience{Kind: domain.AudienceAll}},
				{Kind: domain.EventTraining, Title: "Tập huấn Tân Ninh", Audience: domain.Audience{Kind: domain.AudienceCommunes, Communes: []string{"25459"}}},
			} {
				ev.Place, ev.StartsAt, ev.EndsAt, ev.CheckinCode = "Nhà văn hóa", starts, starts.Add(8*time.Hour), "c"+strconv.Itoa(len(ev.Title))
				if _, err := events.CreateEvent(context.Background(), &ev, nil); err != nil {
					t.Fatal(err)
				}
			}
			off.Send("/sukien")
			m := off.Expect("ev.officer_list")
			if got := labelOf(t, m, "Hội chợ"); !strings.Contains(got, fair) {
				t.Errorf("the fair's button reads %q, want %q", got, fair)
			}
			for _, b := range m.Buttons() {
				if strings.Contains(b.Text, "Tân Ninh") {
					t.Errorf("another commune's training is listed: %q", b.Text)
				}
			}
			off.Press("Hội chợ")
			m = off.Expect("ev.card")
			if !strings.Contains(m.PlainText, fair) {
				t.Errorf("the card:\n%s", m.PlainText)
			}
		})
	}
}

// TestMatrixQuestionNotAButton: asked to type a question, a farmer's words
// that begin a button's label of an earlier message («🧺 Xoài cát …» in the
// product list) are the question, not a press of that button.
func TestMatrixQuestionNotAButton(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(703, "Chín").register("HTX Chín", "binh minh")
			p.addProduct("Xoài cát Hòa Lộc", "Thực phẩm", "Rau, củ, quả, hạt tươi")
			p.Send("/sanpham")
			p.Expect("product.list")
			p.Send("hoi can bo")
			p.Expect("qa.type_question")
			p.Send("xoai cat")
			if m := p.Expect("qa.asked"); !strings.Contains(m.PlainText, "«xoai cat»") {
				t.Errorf("the question sent:\n%s", m.PlainText)
			}
		})
	}
}

// TestMatrixOfficerStart: an officer's /start offers the officers' work,
// not the producer's consent: the dossiers to review, the questions, the
// figures and a search, each a button that opens it.
func TestMatrixOfficerStart(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			admin.Send("/start")
			m := admin.Expect("start.welcome_officer")
			if admin.matches(m.Text, "vi", "consent.ask") || strings.Contains(m.PlainText, "Nghị định 13") {
				t.Errorf("an officer is asked for a producer's consent:\n%s", m.PlainText)
			}
			admin.Press("Hồ sơ chờ duyệt")
			admin.Expect("review.queue_empty")
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			admin.Press("Câu hỏi chờ trả lời")
			admin.Expect("qa.none_open")
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			admin.Press("Tìm cơ sở")
			admin.Expect("search.ask")
			admin.Send("thoi")
			admin.Expect("search.ask_stopped")
			// Officers are not offered «Hỏi cán bộ» nor the producer's
			// menu; a producer's question gets where their work is.
			admin.Send("gui di nhe")
			if m := admin.Expect("fallback.not_understood_officer"); strings.Contains(m.PlainText, "Hỏi cán bộ") || strings.Contains(m.PlainText, "Đăng ký") {
				t.Errorf("an officer is offered the producer's menu:\n%s", m.PlainText)
			}
			admin.Send("trang thai")
			admin.Expect("fallback.officer_not_producer")
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			admin.Press("Số liệu")
			admin.Expect("figures.title")
			// A producer's /start is as before.
			p := h.user(683, "Tám")
			p.Send("/start")
			p.Expect("start.welcome")
			p.Expect("consent.ask")
			// Asked before registering: what to prepare, and where to start.
			p.Send("can nhung giay to gi")
			if m := p.Expect("product.register_first", "dossier.common_papers"); !strings.Contains(m.PlainText, "• Mẫu 01 — ") {
				t.Errorf("the papers to prepare before registering:\n%s", m.PlainText)
			}
		})
	}
}

// TestMatrixAnotherProvince: a province that runs the bot with its own
// places and plan is named in the welcome, and its own communes are the
// examples of a place to type: nothing speaks of Tây Ninh.
func TestMatrixAnotherProvince(t *testing.T) {
	dir := t.TempDir()
	places := filepath.Join(dir, "places.csv")
	if err := os.WriteFile(places, []byte("code,name,type,former_province,former_districts\n"+
		"70001,Phường Đồng Xoài,phường,Tỉnh Bình Phước,Thành phố Đồng Xoài (Tỉnh Bình Phước)\n"+
		"70002,Xã Lộc Ninh,xã,Tỉnh Bình Phước,Huyện Lộc Ninh (Tỉnh Bình Phước)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join("..", "..", "domain", "plans", "tay-ninh-2023-2025.json"))
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.NewReplacer(`"name": "Tây Ninh"`, `"name": "Đồng Nai"`, `"code": "80"`, `"code": "75"`,
		`"former_province": "Tỉnh Tây Ninh"`, `"former_province": "Tỉnh Bình Phước"`).Replace(string(good))
	planFile := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(planFile, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.env["PLACES_FILE"], h.env["PLAN_FILE"], h.env["PROVINCE_CODE"] = places, planFile, "75"
			h.start()
			p := h.user(684, "Chín")
			p.Send("/start")
			if m := p.Expect("start.welcome"); !strings.Contains(m.PlainText, "tỉnh Đồng Nai") || strings.Contains(m.PlainText, "Tây Ninh") {
				t.Errorf("the welcome names another province:\n%s", m.PlainText)
			}
			p.Expect("consent.ask")
			p.Press("Đồng ý và đăng ký")
			p.Edited("consent.given")
			p.Expect("register.ask_kind")
			p.Send("1")
			if m := p.Expect("register.ask_name"); !strings.Contains(m.PlainText, "HTX Bánh tráng Lộc Ninh") {
				t.Errorf("the example of a name:\n%s", m.PlainText)
			}
			p.Send("HTX Điều Lộc Ninh")
			p.Expect("register.ask_rep")
			p.Send("Trần Văn Chín")
			p.Expect("register.ask_phone")
			p.Send("0912000684")
			p.Expect("form.noted")
			if m := p.Expect("register.ask_commune"); !strings.Contains(m.PlainText, "ví dụ: loc ninh.") {
				t.Errorf("the example of a commune to type:\n%s", m.PlainText)
			}
			p.Send("trang bang")
			if m := p.Expect("register.commune_not_found"); !strings.Contains(m.PlainText, "ở Đồng Nai") || !strings.Contains(m.PlainText, "(ví dụ: loc ninh, dong xoai)") {
				t.Errorf("a commune not found:\n%s", m.PlainText)
			}
			p.Send("loc ninh")
			p.Expect("register.ask_regno")
		})
	}
}

// TestMatrixCommandsTypedAsWords: a command typed as words, without its
// slash and diacritics, runs for whoever may use it; an officers' command
// typed by a producer is read as before, and inside a form the words are
// an answer.
func TestMatrixCommandsTypedAsWords(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			admin.Send("hoi dap")
			admin.Expect("qa.none_open")
			admin.Send("Thống kê")
			admin.Expect("figures.title")
			admin.Expect("figures.chart_caption")

			p := h.user(685, "Mười Một").consent()
			p.Send("su kien")
			p.Expect("ev.none")
			// "hỏi đáp" is the officers' /hoidap: a producer gets the help,
			// which says that commands may be typed as words.
			p.Send("hoi dap")
			if m := p.Expect("help.text"); !strings.Contains(m.PlainText, "Lệnh gõ bằng chữ cũng được, không cần dấu /: «trang thai»") {
				t.Errorf("the help does not say commands may be typed as words:\n%s", m.PlainText)
			}
			// In a form, the words answer its question.
			p.Send("/dangky")
			p.Expect("register.ask_kind")
			p.Send("1")
			p.Expect("register.ask_name")
			p.Send("San pham")
			p.Expect("register.ask_rep")
		})
	}
}

// TestMatrixDetailsOnlyLookedAt: «Thông tin cơ sở» opens the producer's
// details on their confirmation screen; a question typed there, or a
// command, leaves them as they were and is answered as anywhere, and a
// later /start does not say a form is half done. «Quay lại» leaves them.
func TestMatrixDetailsOnlyLookedAt(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(686, "Mười Hai").register("HTX Mười Hai", "binh minh")
			p.Press("Thông tin cơ sở")
			p.Expect("register.already")
			if m := p.Expect("form.confirm_title"); !strings.Contains(m.PlainText, "Thông tin cơ sở") || strings.Contains(m.PlainText, "Đăng ký cơ sở OCOP") {
				t.Errorf("the details are not named as the producer's:\n%s", m.PlainText)
			}
			p.Send("khi nao het han")
			p.Expect("status.profile")
			p.Send("/dangky")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
			p.Send("/trangthai")
			p.Expect("status.profile")
			p.Send("/start")
			if m := p.Expect("start.welcome_back"); strings.Contains(m.PlainText, "điền dở") {
				t.Errorf("a form only looked at is reminded:\n%s", m.PlainText)
			}
			p.Quiet()
			// Changed, it is work under way: a question is not taken from it.
			p.Send("/dangky")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
			p.Press("Người đại diện")
			p.Expect("register.ask_rep")
			p.Send("Lê Văn Mười Hai")
			p.Expect("form.confirm_title")
			p.Send("khi nao het han")
			p.Expect("form.confirm_expected")
			// A command leaves it, and the reminder says it waits to be
			// confirmed, not at a step of a form begun anew.
			p.Send("/trangthai")
			p.Expect("status.profile")
			p.Expect("form.resume_hint_confirm")
			// Cancelling asks first: the change would be lost, the details
			// saved before stay.
			p.Send("/huy")
			p.Expect("form.cancel_confirm_edit")
			p.Send("huy")
			labelOf(t, p.Expect("form.cancelled_edit"), "Thông tin cơ sở")
			// Confirmed unchanged: nothing to save, and it says so.
			p.Send("/dangky")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
			p.Send("xac nhan")
			p.Expect("form.nothing_changed")
			// «Quay lại» leaves the details, not to step 1 of a
			// registration begun anew; after a change it asks first.
			p.Send("/dangky")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
			p.Press("Quay lại")
			// With the menu under it: not a dead end.
			labelOf(t, p.Expect("form.nothing_changed"), "Thông tin cơ sở")
			p.Send("/dangky")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
			p.Press("Người đại diện")
			p.Expect("register.ask_rep")
			p.Send("Lê Văn Mười Hai")
			p.Expect("form.confirm_title")
			p.Send("quay lai")
			p.Expect("form.cancel_confirm_edit")
			p.Send("khong")
			p.Expect("form.confirm_title")
		})
	}
}

// TestMatrixOfficerCommandsWithWords: an officers' command typed as words
// takes what follows it ("tim kiem xoai", "tìm kiếm: xoài"); a producer's
// "ho so cua toi" is still a question about their dossier.
func TestMatrixOfficerCommandsWithWords(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			admin := h.admin(900, "Quản trị", ch)
			h.start()
			p := h.user(687, "Mười Ba").register("HTX Xoài Mười Ba", "binh minh")
			admin.Send("/start")
			admin.Expect("start.welcome_officer")
			admin.Send("tim kiem xoai muoi ba")
			if m := admin.Expect("search.header"); !strings.Contains(m.PlainText, "HTX Xoài Mười Ba") {
				t.Errorf("the search typed as words:\n%s", m.PlainText)
			}
			admin.Send("Tìm kiếm: xoài")
			admin.Expect("search.header")
			// A name and the commune after it: the name within the commune.
			admin.Send("tim kiem xoai binh minh")
			if m := admin.Expect("search.header"); !strings.Contains(m.PlainText, "HTX Xoài Mười Ba") {
				t.Errorf("a name and its commune:\n%s", m.PlainText)
			}
			admin.Send("tim kiem xoai trang bang")
			admin.Expect("search.none")
			admin.Send("duyet ho so")
			admin.Expect("review.queue_empty")
			p.Send("ho so cua toi")
			p.Expect("status.profile")
		})
	}
}

// TestMatrixFarmersWords: what farmers type, as the people who tried the
// bot typed it: the dossier of the product named, "tôi muốn hỏi cán bộ …",
// trade fairs, going back at the menu, changing one's phone number.
func TestMatrixFarmersWords(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(688, "Mười Bốn").register("HTX Mười Bốn", "binh minh")
			// Before any product: the papers every dossier needs.
			p.Send("can nhung giay to gi")
			if m := p.Expect("dossier.no_products", "dossier.common_papers"); !strings.Contains(m.PlainText, "• Mẫu 01 — ") {
				t.Errorf("the papers to prepare:\n%s", m.PlainText)
			}
			p.addProduct("Xoài cát Mười Bốn", "Thực phẩm", "Rau, củ, quả, hạt tươi")
			p.addProduct("Mật ong rừng Mười Bốn", "Thực phẩm", "Mật ong, mật khác và nông sản thực phẩm khác")
			p.Send("ho so mat ong con thieu gi")
			if m := p.Expect("dossier.header"); !strings.Contains(m.PlainText, "Mật ong rừng Mười Bốn") {
				t.Errorf("the dossier of the product named:\n%s", m.PlainText)
			}
			p.Send("ho so cua toi con thieu gi")
			p.Expect("dossier.pick_product")
			p.Send("toi muon hoi can bo ve giay attp cho mat ong")
			if m := p.Expect("qa.asked"); !strings.Contains(m.PlainText, "«ve giay attp cho mat ong»") {
				t.Errorf("the question after «tôi muốn hỏi cán bộ»:\n%s", m.PlainText)
			}
			p.Send("khi nao co hoi cho")
			p.Expect("ev.none")
			p.Send("quay lai")
			p.Expect("fallback.at_menu")
			// The cost, not what OCOP is; when a dossier is rated; a paper
			// named is said what it is.
			p.Send("lam ocop co ton tien ko")
			labelOf(t, p.Expect("qa.smalltalk_cost"), "Hỏi cán bộ") // the button its words point to
			// A paper, not the registration:
			p.Send("dang ky nhan hieu o dau")
			p.Expect("qa.paper_info", "qa.paper_ask")
			p.Send("bao gio duoc danh gia")
			p.Expect("faq.rounds")
			p.Send("giay attp lam o dau")
			if m := p.Expect("qa.paper_info", "qa.paper_ask"); !strings.Contains(m.PlainText, "an toàn thực phẩm") {
				t.Errorf("the paper named:\n%s", m.PlainText)
			}
			p.Send("doi so dien thoai")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
		})
	}
}

// A kind of product only guessed from one word among others ("toi khong
// biet" holds "tỏi", "xoai ngam" holds "xoài") is asked about, not taken:
// «Có phải …?» with its one button; "không" and «Quay lại» go back to the
// question, "có" or the button takes it. A name that says the kind is
// still taken at once.
func TestMatrixKindOnlyGuessed(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(689, "Mười Lăm").register("HTX Mười Lăm", "binh minh")
			p.Send("/themsanpham")
			p.Expect("product.ask_name")
			p.Send("Xoài ngâm Mười Lăm")
			p.Expect("product.ask_group")
			// "tôi không biết" is no answer (and "tôi" no garlic, tỏi).
			p.Send("toi khong biet")
			p.Expect("form.required", "product.ask_group")
			p.Send("toi den") // black garlic, one word of a set among others: a guess
			labelOf(t, p.Expect("product.ask_group", "form.guess_offer"), "Gia vị khác")
			p.Send("khong")
			m := p.Expect("product.ask_group")
			if h.matches(m.Text, "vi", "form.guess_offer") {
				t.Errorf("«không» to the guess does not go back to the groups:\n%s", m.PlainText)
			}
			labelOf(t, m, "Thực phẩm")
			p.Send("xoai ngam")
			labelOf(t, p.Expect("form.guess_offer"), "Rau, củ, quả, hạt tươi")
			p.Press("Quay lại")
			if m := p.Expect("product.ask_group"); h.matches(m.Text, "vi", "form.guess_offer") {
				t.Errorf("«Quay lại» from the guess leaves the question:\n%s", m.PlainText)
			}
			p.Send("xoai ngam")
			p.Expect("form.guess_offer")
			p.Send("co")
			p.Expect("product.ask_existing")
			p.Press("Quay lại")
			p.Expect("product.ask_group")
			p.Send("banh trang")
			p.Expect("product.ask_existing")
			// "sấy" after the fruit says how it was made: the processed
			// set is offered first, the fresh one beside it.
			p.Press("Quay lại")
			p.Expect("product.ask_group")
			p.Send("xoai say")
			m = p.Expect("product.set_offer")
			if bs := m.Buttons(); len(bs) < 2 || !strings.Contains(bs[0].Text, "Chế biến từ rau, củ, quả, hạt") {
				t.Errorf("the sets offered for «xoai say»: %+v", bs)
			}
			labelOf(t, m, "Rau, củ, quả, hạt tươi")
			// Yes or no to several candidates is no name to search: "có"
			// asks which, "không" goes back to the sectors.
			p.Send("co")
			p.Expect("form.choose_listed", "product.set_offer")
			p.Send("khong")
			if m := p.Expect("product.ask_group"); h.matches(m.Text, "vi", "product.set_offer") {
				t.Errorf("«không» to the candidates:\n%s", m.PlainText)
			}
		})
	}
}

// TestMatrixRawAreaNotAPlace: "không" typed where the bot asks where the
// raw-material area is was kept as the place; it is told how to say there
// is none, and «Quay lại» to the yes/no question does it.
func TestMatrixRawAreaNotAPlace(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(690, "Mười Sáu").register("HTX Mười Sáu", "binh minh")
			p.Send("/themsanpham")
			p.Expect("product.ask_name")
			p.Send("Bánh tráng Mười Sáu")
			p.Expect("product.ask_group")
			p.Send("banh trang")
			p.Expect("product.ask_existing")
			p.Send("san pham da co")
			p.Expect("product.ask_craft")
			p.Send("khong")
			p.Expect("product.ask_raw")
			p.Send("co")
			p.Expect("product.ask_raw_where")
			p.Send("khong")
			p.Expect("product.raw_where_which", "product.ask_raw_where")
			p.Send("quay lai")
			p.Expect("product.ask_raw")
			p.Send("khong")
			p.Expect("product.ask_circular")
			p.Send("khong")
			if m := p.Expect("form.confirm_title"); !strings.Contains(m.PlainText, "Thêm sản phẩm") {
				t.Errorf("the new product's confirmation:\n%s", m.PlainText)
			}
			p.Send("xac nhan")
			p.Expect("product.created")
			// Changed later, it is named so: not "Thêm sản phẩm" again.
			p.Send("/sanpham")
			p.Expect("product.list")
			p.Press("Bánh tráng Mười Sáu")
			m := p.Expect("product.card")
			p.Press(labelOf(t, m, "Sửa thông tin"))
			if m := p.Expect("form.confirm_title"); !strings.Contains(m.PlainText, "Thông tin sản phẩm") || strings.Contains(m.PlainText, "Thêm sản phẩm") {
				t.Errorf("the product's edit is not named as one:\n%s", m.PlainText)
			}
		})
	}
}

// TestMatrixNumberAfterLeavingAForm: a number typed after the producer
// went elsewhere mid-form (a command, which reminds them of the form) was
// taken as the form's answer, on Zalo a pick from the list shown since
// ("1" for «Thêm sản phẩm» set the sector). The form's question is asked
// again instead, and the number typed then answers it.
func TestMatrixNumberAfterLeavingAForm(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(691, "Mười Bảy").register("HTX Mười Bảy", "binh minh")
			p.Send("/themsanpham")
			p.Expect("product.ask_name")
			p.Send("Nhang trầm Mười Bảy")
			p.Expect("product.ask_group")
			p.Send("/trangthai")
			p.Expect("status.profile")
			p.Expect("form.resume_hint")
			p.Send("3")
			if m := p.Expect("form.paused_number", "product.ask_group"); !strings.Contains(m.PlainText, "Thêm sản phẩm") {
				t.Errorf("the form's question asked again:\n%s", m.PlainText)
			}
			p.Send("1") // now an answer: Thực phẩm
			p.Expect("product.ask_set")
			// Words still go to the form: it only holds back a number,
			// and not a phone number (no pick from a list).
			p.Send("/trangthai")
			p.Expect("status.profile")
			p.Expect("form.resume_hint")
			p.Send("banh trang")
			p.Expect("product.ask_existing")
		})
	}
}

// TestMatrixKindInOwnWords: the kind of business typed in the producer's
// own words ("cong ty", "nong dan") was refused at the first step of the
// registration; it is read, and said understood.
func TestMatrixKindInOwnWords(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			h := newMatrix(t, ch, "embedded")
			h.start()
			p := h.user(692, "Mười Tám").consent()
			p.Send("/dangky")
			p.Expect("register.ask_kind")
			p.Send("cong ty")
			if m := p.Expect("form.understood", "register.ask_name"); !strings.Contains(m.PlainText, "Doanh nghiệp nhỏ và vừa") {
				t.Errorf("«cong ty»:\n%s", m.PlainText)
			}
			p.Press("Quay lại")
			p.Expect("register.ask_kind")
			p.Send("toi la nguoi ban hang")
			p.Expect("form.choose_listed", "register.ask_kind")
			p.Send("toi la nong dan")
			if m := p.Expect("register.ask_name"); !strings.Contains(m.PlainText, "Hộ gia đình chưa có giấy đăng ký kinh doanh") {
				t.Errorf("«nong dan»:\n%s", m.PlainText)
			}
			p.Send("Hộ Mười Tám")
			p.Expect("register.ask_rep")
			p.Send("Lê Văn Mười Tám")
			p.Expect("register.ask_phone")
			// Gone elsewhere and back, a phone number typed answers: it
			// is no pick from a list.
			p.Send("/trangthai")
			p.Expect("status.not_registered")
			p.Expect("form.resume_hint")
			p.Send("0912000692")
			p.Expect("form.noted")
			p.Expect("register.ask_commune")
			p.Send("binh minh")
			p.Expect("register.ask_channels") // no number asked of a household without one
			p.Send("bo qua")
			p.Expect("form.confirm_title")
			p.Send("xac nhan")
			p.Expect("register.done")
			// Given its number later, the household is a household
			// business: said on the confirmation screen, before saving.
			p.Send("/dangky")
			p.Expect("register.already")
			p.Expect("form.confirm_title")
			p.Press("Số ĐKKD")
			p.Expect("register.ask_regno")
			p.Send("45A8012345")
			if m := p.Expect("form.confirm_title"); !strings.Contains(m.PlainText, "Loại cơ sở: Hộ kinh doanh") {
				t.Errorf("the kind the number makes is not shown:\n%s", m.PlainText)
			}
		})
	}
}
