package bot_test

import (
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot/bottest"
)

// A button that no longer means anything (its step was answered, its form
// cancelled or replaced, its data torn) is answered "old button" and
// changes nothing; the user is reminded of the form they are in.
func TestStaleFormButtons(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(h *bottest.Harness) string // returns the data to press
		form  string                          // the reminder of the form still active, "" if none
		// quiet: the button's form and step are the current ones, so the
		// press was answered (silently) before its action was found wrong:
		// only the reminder follows.
		quiet bool
	}{
		{"an answered step", func(h *bottest.Harness) string {
			h.Send("u1", "/thu")
			h.Send("u1", "An")
			data, _ := h.Button("u1", "Trồng trọt")
			h.Send("u1", "2")
			return data
		}, "form.resume_hint", false},
		{"a cancelled form", func(h *bottest.Harness) string {
			h.Send("u1", "/thu")
			h.Send("u1", "An")
			data, _ := h.Button("u1", "Trồng trọt")
			h.Send("u1", "huy")
			h.Press("u1", "🗑 Có") // answers would be lost: asked first
			return data
		}, "", false},
		{"a form started again", func(h *bottest.Harness) string {
			h.Send("u1", "/sua")
			h.Press("u1", "Sửa người phụ trách")
			data, _ := h.Button("u1", "✅ Xác nhận")
			h.Press("u1", "Hủy")
			h.Send("u1", "/sua")
			h.Press("u1", "Sửa người phụ trách")
			return data
		}, "form.resume_hint_reply", false},
		{"a torn position", func(h *bottest.Harness) string {
			h.Send("u1", "/thu")
			h.Send("u1", "An")
			data, _ := h.Button("u1", "Trồng trọt")
			parts := strings.Split(data, "|")
			parts[2] = "x"
			return strings.Join(parts, "|")
		}, "form.resume_hint", false},
		{"a choice out of range", func(h *bottest.Harness) string {
			h.Send("u1", "/thu")
			h.Send("u1", "An")
			data, _ := h.Button("u1", "Trồng trọt")
			return strings.TrimSuffix(data, "|0") + "|7"
		}, "form.resume_hint", true},
		{"an action the step has not", func(h *bottest.Harness) string {
			h.Send("u1", "/thu")
			h.Send("u1", "An")
			data, _ := h.Button("u1", "Trồng trọt")
			return strings.TrimSuffix(data, "|c|0") + "|s" // skip a required step (the nonce may hold a "c")
		}, "form.resume_hint", true},
		{"an offer that is gone", func(h *bottest.Harness) string {
			h.Send("u1", "/thu")
			for _, in := range []string{"An", "1", "1", "xong", "0912345678", "hoa"} {
				h.Send("u1", in)
			}
			data, _ := h.Button("u1", "Long Hòa")
			return strings.TrimSuffix(data, "|1") + "|5"
		}, "form.resume_hint", true},
		{"an unknown prefix", func(h *bottest.Harness) string { return "zz|1" }, "", false},
		{"no form at all", func(h *bottest.Harness) string { return "f|abcdefgh|0|c|0" }, "", false},
	} {
		for _, zalo := range []bool{false, true} {
			name := tc.name
			var opts []bottest.Option
			if zalo {
				name += " on zalo"
				opts = append(opts, bottest.WithLimits(bottest.ZaloLimits))
			}
			t.Run(name, func(t *testing.T) {
				h, saved := formHarness(t, opts...)
				data := tc.setup(h)
				before := h.Session("u1")
				r := h.PressData("u1", data)
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				stale := h.Tr.T("vi", "common.stale_button", nil)
				var said bool
				switch {
				case zalo:
					// No toasts: the notice is a message when nothing else is said.
					said = len(r.Sent) > 0 && (r.Sent[0].Text == stale || tc.form != "")
				case tc.quiet:
					said = len(r.Answers) == 1 && r.Answers[0].Text == ""
				default:
					said = len(r.Answers) == 1 && r.Answers[0].Text == stale
				}
				if !said {
					t.Fatalf("not answered as an old button: answers %+v, messages:\n%s", r.Answers, r.Texts())
				}
				if tc.form != "" {
					r.Expect(tc.form)
				} else if len(r.Sent) > 1 || (!zalo && len(r.Sent) > 0) {
					t.Fatalf("more than the notice:\n%s", r.Texts())
				}
				after := h.Session("u1")
				if before.Active != after.Active || (after.Active != "" && after.Forms[after.Active].Step != before.Forms[before.Active].Step) {
					t.Fatalf("the old button moved the form: %+v -> %+v", before.Forms[before.Active], after.Forms[after.Active])
				}
				if len(*saved) > 0 {
					t.Fatalf("saved %v", *saved)
				}
			})
		}
	}
}

// Buttons of the confirmation screen that do not belong there re-show it;
// a press of a button of a form that is not the active one makes it active.
func TestConfirmationButtons(t *testing.T) {
	h, _ := formHarness(t)
	h.Send("u1", "/sua")
	h.Press("u1", "Sửa người phụ trách")
	edit, _ := h.Button("u1", "✏️ Tên")
	h.PressData("u1", strings.Replace(edit, "|e|1", "|c|0", 1)).Expect("form.confirm_title")
	h.PressData("u1", strings.Replace(edit, "|e|1", "|e|7", 1)).Expect("form.confirm_title")
	h.Send("u1", "/thu").Expect("ftest.ask_name")
	// The edit form's button still works: its form comes back.
	h.PressData("u1", edit).Expect("ftest.ask_name", "form.current_value")
	if s := h.Session("u1"); s.Active != "ed" || len(s.Forms) != 2 {
		t.Fatalf("active %q with forms %v", s.Active, s.Forms)
	}
	h.Send("u1", "Chị Tư").Expect("form.confirm_title")
	r := h.Press("u1", "✅ Xác nhận").Expect("ftest.saved")
	if len(r.Sent) != 1 {
		t.Fatalf("the save said more:\n%s", r.Texts())
	}
	// The other form waits where it was.
	h.Send("u1", "/thu").Expect("form.resumed", "ftest.ask_name")
}
