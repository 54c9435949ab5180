package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// formMessages are the test form's own messages.
const formMessages = `
[ftest]
title = "Hồ sơ thử"
ask_name = "Tên của bạn là gì?"
label_name = "Tên"
ask_kind = "Bạn làm nghề gì?"
label_kind = "Nghề"
ask_sell = "Bạn bán ở đâu?"
label_sell = "Nơi bán"
ask_note = "Bạn ghi chú thêm gì không?"
label_note = "Ghi chú"
ask_phone = "Số điện thoại của bạn?"
label_phone = "Điện thoại"
ask_place = "Bạn ở xã nào?"
label_place = "Xã"
bad_name = "Tên cần ít nhất 2 chữ cái."
bad_phone = "Số điện thoại cần đủ 10 chữ số."
market_and_shop = "Chợ và siêu thị không đi cùng nhau."
duplicate = "Tên này đã có trong danh sách."
saved = "Đã lưu hồ sơ thử."
known = "Chào bạn, mình nhận ra số của bạn rồi."
elsewhere = "Việc khác xong."
ed_title = "Sửa người phụ trách"
ask_who = "Ai phụ trách?"
label_who = "Người phụ trách"
closed = "Hồ sơ thử đang đóng."
`

// formHarness is an engine with the test form "ft" (/thu): a text step, a
// choice, a multi-choice with a check, an optional step that applies to
// one kind only, a contact step and a search step; "ed", started from a
// button, edits an existing record from its confirmation screen.
func formHarness(t *testing.T, opts ...bottest.Option) (*bottest.Harness, *[]map[string]string) {
	h := bottest.New(t, append([]bottest.Option{bottest.WithMessages("vi", formMessages)}, opts...)...)
	var saved []map[string]string
	places := []bot.Choice{{Value: "ht", Label: "Hòa Thành"}, {Value: "lh", Label: "Long Hòa"}, {Value: "tb", Label: "Tân Biên"}}
	h.Engine.Flow(&bot.Flow{ID: "ft", Command: "/thu", Access: bot.Anyone, Title: "ftest.title", Steps: []bot.Step{
		{Key: "name", Prompt: "ftest.ask_name", Label: "ftest.label_name", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
			if len([]rune(in)) < 2 {
				return "", domain.Invalid("ftest.name", "ftest.bad_name")
			}
			return in, nil
		}},
		{Key: "kind", Prompt: "ftest.ask_kind", Label: "ftest.label_kind", Choices: func(*bot.Ctx, *bot.Form) []bot.Choice {
			return []bot.Choice{{Value: "farm", Label: "Trồng trọt"}, {Value: "cook", Label: "Chế biến"}, {Value: "craft", Label: "Thủ công"}}
		}},
		{Key: "sell", Prompt: "ftest.ask_sell", Label: "ftest.label_sell", Multi: true, Choices: func(*bot.Ctx, *bot.Form) []bot.Choice {
			return []bot.Choice{{Value: "market", Label: "Chợ"}, {Value: "shop", Label: "Siêu thị"}, {Value: "online", Label: "Bán online"}}
		}, Check: func(ctx context.Context, _ *bot.Ctx, _ *bot.Form, v string) error {
			if strings.Contains(v, "market") && strings.Contains(v, "shop") {
				return domain.Invalid("ftest.sell", "ftest.market_and_shop")
			}
			return nil
		}},
		{Key: "note", Prompt: "ftest.ask_note", Label: "ftest.label_note", Optional: true, When: func(f *bot.Form) bool { return f.Answers["kind"] == "cook" },
			Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }},
		{Key: "phone", Prompt: "ftest.ask_phone", Label: "ftest.label_phone", Contact: true, Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
			p := strings.NewReplacer(" ", "", ".", "", "+84", "0").Replace(in)
			if len(p) != 10 || strings.Trim(p, "0123456789") != "" {
				return "", domain.Invalid("ftest.phone", "ftest.bad_phone")
			}
			return p, nil
		}, Verified: func(ctx context.Context, c *bot.Ctx, _ *bot.Form, v string) (bool, error) {
			if v != "0900000000" {
				return false, nil
			}
			return true, c.Say(ctx, "ftest.known")
		}},
		{Key: "place", Prompt: "ftest.ask_place", Label: "ftest.label_place", Search: func(_ *bot.Ctx, in string) ([]bot.Choice, error) {
			if domain.Fold(in) == "loi" {
				return nil, domain.E("ftest.place", domain.KindUnavailable, errors.New("places unavailable"))
			}
			var out []bot.Choice
			for _, p := range places {
				if strings.Contains(domain.Fold(p.Label), domain.Fold(in)) {
					out = append(out, p)
				}
			}
			return out, nil
		}, Show: func(ctx context.Context, _ *bot.Ctx, _ *bot.Form, v string) string {
			for _, p := range places {
				if p.Value == v {
					return p.Label
				}
			}
			return v
		}},
	}, Done: func(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
		if f.Answers["name"] == "Trùng" {
			return domain.Invalid("ftest.done", "ftest.duplicate")
		}
		saved = append(saved, f.Answers)
		return c.Say(ctx, "ftest.saved")
	}})
	h.Engine.Command(bot.Command{Name: "/khac", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error { return c.Say(ctx, "ftest.elsewhere") }})
	h.Engine.Flow(&bot.Flow{ID: "ed", Access: bot.Anyone, Title: "ftest.ed_title", Steps: []bot.Step{
		{Key: "who", Prompt: "ftest.ask_who", Label: "ftest.label_who", PickUser: true, Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
			if in == "" {
				return "", domain.Invalid("ftest.who", "")
			}
			return "u" + in, nil
		}},
		{Key: "name", Prompt: "ftest.ask_name", Label: "ftest.label_name", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }},
	}, Done: func(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
		saved = append(saved, f.Answers)
		return c.Say(ctx, "ftest.saved")
	}})
	h.Engine.Callback("ed", bot.Anyone, func(ctx context.Context, c *bot.Ctx) error {
		return c.Engine().StartFlowWith(ctx, c, "ed", func(f *bot.Form) error {
			f.Answers["who"], f.Answers["name"], f.RecordID, f.Confirming = "u9", "Bà Ba", 9, true
			return nil
		})
	})
	h.Engine.Command(bot.Command{Name: "/sua", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		return c.Send(ctx, bot.Reply{Text: "Sửa", Buttons: [][]bot.Button{{{Label: "Sửa người phụ trách", Data: "ed|9"}}}})
	}})
	return h, &saved
}

// act is one thing the user does and the message ids the bot answers with.
type act struct {
	do      string // "" (type text), "press", "contact" (own), "contact-other", "photo", "pick"
	in      string
	want    []string
	without []string // ids none of the answer's messages may hold
}

func play(t *testing.T, h *bottest.Harness, user string, acts []act) {
	t.Helper()
	for i, a := range acts {
		var r bottest.Replies
		switch a.do {
		case "":
			r = h.Send(user, a.in)
		case "press":
			r = h.Press(user, a.in)
		case "contact", "contact-other":
			r = h.Contact(user, a.in, a.do == "contact")
		case "photo":
			r = h.Update(&bot.Update{UserID: user, Kind: bot.KindPhoto, File: &bot.File{ID: "f1"}})
		case "pick":
			r = h.Update(&bot.Update{UserID: user, Kind: bot.KindUserShared, Shared: &bot.SharedUser{ID: a.in}})
		default:
			t.Fatalf("act %d: unknown %q", i, a.do)
		}
		if r.Err != nil {
			t.Fatalf("act %d (%s %q): %v", i, a.do, a.in, r.Err)
		}
		for _, id := range a.want {
			if !r.Has(id) {
				t.Fatalf("act %d (%s %q): no %s in the answer:\n%s", i, a.do, a.in, id, r.Texts())
			}
		}
		if len(a.want) > 0 {
			r.Expect(a.want...)
		}
		for _, id := range a.without {
			if r.Has(id) {
				t.Fatalf("act %d (%s %q): %s in the answer:\n%s", i, a.do, a.in, id, r.Texts())
			}
		}
	}
}

// Every kind of step, answered with buttons or typed, back, cancel, edit
// from the confirmation screen, checks that re-ask, and a Done that
// refuses: each path ends with the answers it should.
func TestFormPaths(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []bottest.Option
		acts   []act
		saved  map[string]string // nil: nothing saved
		active string            // the active form at the end
	}{
		{name: "buttons", acts: []act{
			{in: "/thu", want: []string{"form.header", "ftest.ask_name"}},
			{in: "An", want: []string{"ftest.ask_kind"}},
			{do: "press", in: "Trồng trọt", want: []string{"ftest.ask_sell", "form.multi_hint"}},
			{do: "press", in: "Chợ", want: []string{"ftest.ask_sell"}},
			{do: "press", in: "Bán online", want: []string{"ftest.ask_sell"}},
			{do: "press", in: "Xong", want: []string{"ftest.ask_phone", "form.contact_hint"}},
			{do: "contact", in: "0912345678", want: []string{"form.noted", "ftest.ask_place"}},
			{in: "Long Hòa", want: []string{"form.confirm_title", "form.confirm_hint"}},
			{do: "press", in: "✅ Xác nhận", want: []string{"ftest.saved"}},
		}, saved: map[string]string{"name": "An", "kind": "farm", "sell": "market,online", "phone": "0912345678", "phone.verified": "1", "place": "lh"}},
		{name: "typed", acts: []act{
			{in: "/thu"},
			{in: "  Ánh  ", want: []string{"ftest.ask_kind"}},
			{in: "2", want: []string{"ftest.ask_sell"}},
			{in: "1 3", want: []string{"ftest.ask_sell"}},
			{in: "xong", want: []string{"ftest.ask_note"}},
			{in: "bo qua", want: []string{"ftest.ask_phone"}},
			{in: "0912 345 678", want: []string{"form.noted", "ftest.ask_place"}},
			{in: "Hòa", want: []string{"form.pick_offer"}},
			{in: "2", want: []string{"form.confirm_title"}},
			{in: "xac nhan", want: []string{"ftest.saved"}},
		}, saved: map[string]string{"name": "Ánh", "kind": "cook", "sell": "market,online", "note": "", "phone": "0912345678", "place": "lh"}},
		{name: "labels typed without diacritics", acts: []act{
			{in: "/thu"}, {in: "An"},
			{in: "che bien", want: []string{"ftest.ask_sell"}},
			{in: "ban online", want: []string{"ftest.ask_sell"}},
			{do: "press", in: "Xong", want: []string{"ftest.ask_note"}},
			{do: "press", in: "Bỏ qua", want: []string{"ftest.ask_phone"}},
			{in: "0912345678"},
			{in: "tan bien", want: []string{"form.confirm_title"}},
			{in: "dong y", want: []string{"ftest.saved"}},
		}, saved: map[string]string{"name": "An", "kind": "cook", "sell": "online", "note": "", "phone": "0912345678", "place": "tb"}},
		{name: "checks re-ask", acts: []act{
			{in: "/thu"},
			{in: "bo qua", want: []string{"form.required", "ftest.ask_name"}},
			{in: "A", want: []string{"form.warning", "ftest.bad_name", "ftest.ask_name"}},
			{in: "   ", want: []string{"form.empty", "ftest.ask_name"}},
			{do: "photo", want: []string{"form.text_expected", "ftest.ask_name"}},
			{in: "An"},
			{in: "chưa có", want: []string{"form.required", "ftest.ask_kind"}},
			{in: "9", want: []string{"form.choose_listed", "ftest.ask_kind"}},
			{in: "bay", want: []string{"form.choose_listed"}},
			{in: "1"},
			{in: "xong", want: []string{"form.pick_at_least_one", "ftest.ask_sell"}},
			{in: "1, 7", want: []string{"form.choose_listed"}},
			{in: "cho, sieu thi"},
			{in: "xong", want: []string{"ftest.market_and_shop", "ftest.ask_sell"}},
			{in: "xong", want: []string{"form.pick_at_least_one"}},
			{in: "3"}, {in: "done", want: []string{"ftest.ask_phone"}},
			{in: "12345", want: []string{"ftest.bad_phone", "ftest.ask_phone"}},
			{do: "contact-other", in: "0912345678", want: []string{"form.contact_not_own"}},
			{do: "contact", in: "12", want: []string{"ftest.bad_phone"}},
			{in: "0912345678"},
			{in: "xyz", want: []string{"form.not_found", "ftest.ask_place"}},
			{in: "de sau", want: []string{"form.required", "ftest.ask_place"}},
			{in: "loi", want: []string{"error.unavailable"}},
			{in: "hoa", want: []string{"form.pick_offer"}},
			{do: "press", in: "Hòa Thành", want: []string{"form.confirm_title"}},
			{in: "gì đó", want: []string{"form.confirm_expected"}},
			{in: "ok", want: []string{"ftest.saved"}},
		}, saved: map[string]string{"name": "An", "kind": "farm", "sell": "online", "phone": "0912345678", "place": "ht"}},
		{name: "back", acts: []act{
			{in: "/thu"},
			{in: "quay lai", want: []string{"form.first_step", "ftest.ask_name"}},
			{in: "An"},
			{do: "press", in: "Quay lại", want: []string{"ftest.ask_name"}},
			{in: "Ba"}, {in: "3"}, {in: "2"}, {in: "xong"}, {in: "0912345678"},
			{in: "back", want: []string{"ftest.ask_phone"}},
			{in: "0987654321"}, {in: "Tân Biên"},
			{do: "press", in: "Quay lại", want: []string{"ftest.ask_place"}},
			{in: "Long Hòa"}, {in: "xác nhận"},
		}, saved: map[string]string{"name": "Ba", "kind": "craft", "sell": "shop", "phone": "0987654321", "place": "lh"}},
		{name: "cancel typed", acts: []act{
			{in: "/thu"}, {in: "An"},
			// Answers would be lost: asked first.
			{in: "hủy", want: []string{"form.cancel_confirm"}},
			{do: "press", in: "🗑 Có", want: []string{"form.cancelled"}},
		}},
		{name: "cancel asked, then something else: asked again", acts: []act{
			{in: "/thu"}, {in: "An"},
			{in: "hủy", want: []string{"form.cancel_confirm"}},
			{in: "/khac", want: []string{"form.resume_hint"}},
			{in: "hủy", want: []string{"form.cancel_confirm"}},
			{in: "huy", want: []string{"form.cancelled"}},
		}},
		{name: "cancel pressed on the confirmation screen", acts: []act{
			{in: "/thu"}, {in: "An"}, {in: "1"}, {in: "1"}, {in: "xong"}, {in: "0912345678"}, {in: "Tân Biên"},
			{do: "press", in: "Hủy", want: []string{"form.cancel_confirm"}},
			{do: "press", in: "🗑 Có", want: []string{"form.cancelled"}},
		}},
		{name: "edit from the confirmation screen", acts: []act{
			{in: "/thu"}, {in: "An"}, {in: "2"}, {in: "1"}, {in: "xong"}, {in: "ghi chú"}, {in: "0912345678"}, {in: "Tân Biên"},
			{do: "press", in: "✏️ Tên", want: []string{"ftest.ask_name", "form.current_value"}},
			{in: "Bình", want: []string{"form.confirm_title"}},
			{in: "sua nghe", want: []string{"ftest.ask_kind"}},
			{in: "quay lai", want: []string{"form.confirm_title"}},
			{do: "press", in: "✏️ Nơi bán", want: []string{"ftest.ask_sell"}},
			{in: "3"}, {in: "xong", want: []string{"form.confirm_title"}},
			{do: "press", in: "✏️ Nghề", want: []string{"ftest.ask_kind"}},
			{do: "press", in: "Thủ công", want: []string{"form.confirm_title"}},
			{do: "press", in: "✏️ Điện thoại", want: []string{"ftest.ask_phone"}},
			{in: "0987654321", want: []string{"form.noted", "form.confirm_title"}},
			{do: "press", in: "Quay lại", want: []string{"ftest.ask_phone"}},
			{in: "0987654321", want: []string{"ftest.ask_place"}},
			{in: "Long Hòa", want: []string{"form.confirm_title"}},
			{in: "xác nhận", want: []string{"ftest.saved"}},
		}, saved: map[string]string{"name": "Bình", "kind": "craft", "sell": "market,online", "phone": "0987654321", "place": "lh"}},
		{name: "an edit that makes a step apply asks it before the confirmation", acts: []act{
			{in: "/thu"}, {in: "An"}, {in: "1"}, {in: "1"}, {in: "xong"}, {in: "0912345678"}, {in: "Tân Biên", want: []string{"form.confirm_title"}},
			{do: "press", in: "✏️ Nghề", want: []string{"ftest.ask_kind"}},
			{do: "press", in: "Chế biến", want: []string{"ftest.ask_note"}},
			{do: "press", in: "Quay lại", want: []string{"form.confirm_title"}},
			{in: "xác nhận", want: []string{"ftest.ask_note"}, without: []string{"form.required"}}, // not saved unasked; optional, so not "không bỏ qua được"
			{in: "làm nước mắm", want: []string{"form.confirm_title"}},
			{in: "xác nhận", want: []string{"ftest.saved"}},
		}, saved: map[string]string{"name": "An", "kind": "cook", "sell": "market", "note": "làm nước mắm", "phone": "0912345678", "place": "tb"}},
		{name: "done refuses and the screen stays", acts: []act{
			{in: "/thu"}, {in: "Trùng"}, {in: "1"}, {in: "1"}, {in: "xong"}, {in: "0912345678"}, {in: "Tân Biên"},
			{in: "ok", want: []string{"ftest.duplicate", "form.confirm_title"}},
		}, active: "ft"},
		{name: "verified contact ends the form", acts: []act{
			{in: "/thu"}, {in: "An"}, {in: "1"}, {in: "1"}, {in: "xong"},
			{do: "contact", in: "0900000000", want: []string{"ftest.known"}},
			{in: "An", want: nil},
		}},
		{name: "a command in the middle, then the form resumed", acts: []act{
			{in: "/thu"}, {in: "An"},
			{in: "/khac", want: []string{"ftest.elsewhere", "form.resume_hint"}},
			{in: "/khong_co", want: []string{"common.unknown_command", "form.resume_hint"}},
			{in: "/thu", want: []string{"form.resumed", "ftest.ask_kind"}},
			{in: "1"}, {in: "1"}, {in: "xong"}, {in: "0912345678"}, {in: "Tân Biên"}, {in: "ok"},
		}, saved: map[string]string{"name": "An", "kind": "farm", "sell": "market", "phone": "0912345678", "place": "tb"}},
		{name: "an edit started from a button", acts: []act{
			{in: "/sua"},
			{do: "press", in: "Sửa người phụ trách", want: []string{"form.confirm_title"}},
			{do: "press", in: "✏️ Người phụ trách", want: []string{"ftest.ask_who", "form.current_value"}},
			{in: "/khac", want: []string{"ftest.elsewhere", "form.resume_hint_reply"}},
			{do: "photo", want: []string{"form.text_expected", "ftest.ask_who"}},
			{do: "pick", in: "", want: []string{"form.invalid"}},
			{do: "pick", in: "42", want: []string{"form.noted", "form.confirm_title"}},
			{in: "luu", want: []string{"ftest.saved"}},
		}, saved: map[string]string{"who": "u42", "name": "Bà Ba"}},
		{name: "zalo: numbered choices and typed labels", opts: []bottest.Option{bottest.WithLimits(bottest.ZaloLimits)}, acts: []act{
			{in: "/thu"}, {in: "An"},
			{do: "press", in: "Chế biến", want: []string{"ftest.ask_sell"}},
			{in: "1", want: []string{"ftest.ask_sell"}},
			{in: "3", want: []string{"ftest.ask_sell"}},
			{in: "4", want: []string{"ftest.ask_note"}},
			{in: "bỏ qua", want: []string{"ftest.ask_phone"}},
			{in: "0912345678", want: []string{"form.noted", "ftest.ask_place"}},
			{in: "Tân Biên", want: []string{"form.confirm_title"}},
			{in: "1", want: []string{"ftest.saved"}},
		}, saved: map[string]string{"name": "An", "kind": "cook", "sell": "market,online", "note": "", "phone": "0912345678", "place": "tb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, saved := formHarness(t, tc.opts...)
			play(t, h, "u1", tc.acts)
			switch {
			case tc.saved == nil && len(*saved) > 0:
				t.Fatalf("saved %v, want nothing", *saved)
			case tc.saved != nil && len(*saved) != 1:
				t.Fatalf("saved %d times, want once: %v", len(*saved), *saved)
			case tc.saved != nil:
				got := (*saved)[0]
				for k, v := range tc.saved {
					if got[k] != v {
						t.Errorf("saved %s = %q, want %q", k, got[k], v)
					}
				}
				for k := range got {
					if _, ok := tc.saved[k]; !ok && !strings.HasSuffix(k, ".verified") {
						t.Errorf("saved %s = %q, not expected", k, got[k])
					}
				}
			}
			s := h.Session("u1")
			if s.Active != tc.active {
				t.Errorf("active form %q, want %q", s.Active, tc.active)
			}
			if tc.active == "" && len(s.Forms) > 0 {
				t.Errorf("forms left in the session: %v", s.Forms)
			}
		})
	}
}

// A form's command typed with arguments while that form is open and
// untouched starts it again from the arguments (nothing typed is lost);
// once a step is answered, the same command resumes the form as before,
// and so does the command without arguments.
func TestFormCommandArgsOverAnUntouchedForm(t *testing.T) {
	h := bottest.New(t, bottest.WithMessages("vi", formMessages))
	var saved []map[string]string
	h.Engine.Flow(&bot.Flow{ID: "ga", Command: "/cap", Access: bot.Anyone, Title: "ftest.ed_title", Steps: []bot.Step{
		{Key: "who", Prompt: "ftest.ask_who", Label: "ftest.label_who", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }},
		{Key: "name", Prompt: "ftest.ask_name", Label: "ftest.label_name", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }},
	}, Begin: func(ctx context.Context, c *bot.Ctx, f *bot.Form) (bool, error) {
		f.Answers["internal"] = "x" // a key of Begin's own, not a step's
		if a := strings.TrimSpace(c.Update.Args); a != "" {
			f.Answers["who"], f.Step = a, 1
		}
		return true, nil
	}, Done: func(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
		saved = append(saved, f.Answers)
		return c.Say(ctx, "ftest.saved")
	}})

	play(t, h, "1", []act{
		{in: "/cap", want: []string{"form.header", "ftest.ask_who"}},
		{in: "/cap 200", want: []string{"form.header", "ftest.ask_name"}}, // started again from "200"
		{in: "Bà Ba", want: []string{"form.confirm_title"}},
		{in: "xac nhan", want: []string{"ftest.saved"}},
	})
	if len(saved) != 1 || saved[0]["who"] != "200" || saved[0]["name"] != "Bà Ba" {
		t.Fatalf("saved %v, want who 200 and name Bà Ba", saved)
	}

	// Something typed already: the command resumes, arguments or not.
	play(t, h, "2", []act{
		{in: "/cap 300", want: []string{"ftest.ask_name"}},
		{in: "/cap 400", want: []string{"form.resumed_args", "ftest.ask_name"}},
		{in: "/cap", want: []string{"form.resumed", "ftest.ask_name"}},
	})
	if got := h.Session("2").Forms["ga"].Answers["who"]; got != "300" {
		t.Fatalf("the form's answer became %q, want 300 kept", got)
	}
	// The user is told the arguments were not used, and how to use them.
	if r := h.Send("2", "/cap 400").Expect("form.resumed_args"); !strings.Contains(r.Sent[0].Text, "“400”") || !strings.Contains(r.Sent[0].Text, "gõ lại /cap 400") {
		t.Fatalf("the resume does not say what was not used: %q", r.Sent[0].Text)
	}

	// Messages gathered at the first step are something under way too.
	g, _ := gatherHarness(t)
	play(t, g, "3", []act{
		{in: "/chu", want: []string{"form.header", "gtest.ask_body"}},
		{in: "Họp chợ phiên sáng mai"},
		{in: "/chu nữa", want: []string{"form.resumed_args"}},
	})
	if f := g.Session("3").Forms["g0"]; f == nil || f.Gathering == nil || !strings.Contains(f.Gathering.Text, "Họp chợ phiên") {
		t.Fatalf("the gathered text was lost: %+v", f)
	}
}
