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

// gatherMessages are the gathering test form's own messages.
const gatherMessages = `
[gtest]
title = "Tin thử"
ask_who = "Gửi cho ai?"
label_who = "Người nhận"
ask_body = "Gửi nội dung tin: chữ, ảnh hoặc tệp."
label_body = "Nội dung"
ask_when = "Gửi lúc nào?"
label_when = "Lúc gửi"
preview = "Xem trước tin."
saved = "Đã lưu tin thử."
too_long = "Tin dài quá, tối đa {{.Max}} ký tự."
`

// gatherForm is what the gathering test form saw: the previews shown and
// the answers saved.
type gatherForm struct {
	previews []bot.Gathered
	saved    []map[string]string
	keep     error // what Keep returns
}

// gatherHarness is an engine with the test form "g" (/tin): a text step, a
// step that gathers texts and up to two files (20 characters, photos of
// 1 MB, documents of 2 MB), and a choice; "g1" (/mot) gathers one
// optional file and no limit; "g0" (/chu) texts only.
func gatherHarness(t *testing.T, opts ...bottest.Option) (*bottest.Harness, *gatherForm) {
	h := bottest.New(t, append([]bottest.Option{bottest.WithMessages("vi", gatherMessages)}, opts...)...)
	gf := &gatherForm{}
	done := func(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
		gf.saved = append(gf.saved, f.Answers)
		return c.Say(ctx, "gtest.saved")
	}
	h.Engine.Flow(&bot.Flow{ID: "g", Command: "/tin", Access: bot.Anyone, Title: "gtest.title", Steps: []bot.Step{
		{Key: "who", Prompt: "gtest.ask_who", Label: "gtest.label_who", Parse: func(ctx context.Context, _ *bot.Ctx, in string) (string, error) { return in, nil }},
		{Key: "body", Prompt: "gtest.ask_body", Label: "gtest.label_body", Gather: &bot.Gather{
			MaxText: 20, Files: 2, MaxPhoto: 1 << 20, MaxDocument: 2 << 20,
			Keep: func(ctx context.Context, _ *bot.Ctx, f *bot.File, limit int64) (string, error) {
				if gf.keep != nil {
					return "", gf.keep
				}
				return "copy-" + f.ID, nil
			},
			Preview: func(ctx context.Context, c *bot.Ctx, _ *bot.Form, g bot.Gathered) error {
				gf.previews = append(gf.previews, g)
				return c.Say(ctx, "gtest.preview")
			},
			TooLong: "gtest.too_long",
		}},
		{Key: "when", Prompt: "gtest.ask_when", Label: "gtest.label_when", Choices: func(*bot.Ctx, *bot.Form) []bot.Choice {
			return []bot.Choice{{Value: "now", Label: "Ngay"}, {Value: "later", Label: "Chiều nay"}}
		}},
	}, Done: done})
	h.Engine.Flow(&bot.Flow{ID: "g1", Command: "/mot", Access: bot.Anyone, Title: "gtest.title", Steps: []bot.Step{
		{Key: "body", Prompt: "gtest.ask_body", Label: "gtest.label_body", Optional: true, Gather: &bot.Gather{Files: 1}},
	}, Done: done})
	h.Engine.Flow(&bot.Flow{ID: "g0", Command: "/chu", Access: bot.Anyone, Title: "gtest.title", Steps: []bot.Step{
		{Key: "body", Prompt: "gtest.ask_body", Label: "gtest.label_body", Gather: &bot.Gather{}},
	}, Done: done})
	h.Engine.Command(bot.Command{Name: "/khac", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error { return c.Say(ctx, "gtest.saved") }})
	return h, gf
}

func photo(h *bottest.Harness, user, id string, size int64, caption string) bottest.Replies {
	h.T.Helper()
	return h.Update(&bot.Update{UserID: user, Kind: bot.KindPhoto, Text: caption, File: &bot.File{ID: id, Size: size}})
}

func document(h *bottest.Harness, user, id, name string, size int64) bottest.Replies {
	h.T.Helper()
	return h.Update(&bot.Update{UserID: user, Kind: bot.KindDocument, File: &bot.File{ID: id, Name: name, Size: size}})
}

// gathered is what the user's form "g" gathered so far, as stored.
func gathered(t *testing.T, h *bottest.Harness, user string) bot.Gathered {
	t.Helper()
	f := h.Session(user).Forms["g"]
	if f == nil {
		t.Fatal("no form g in the session")
	}
	if f.Gathering == nil {
		return bot.Gathered{}
	}
	return *f.Gathering
}

// Several messages, then «Xong»: texts as paragraphs, files with their
// captions, the oldest file giving way past the limit; the preview, the
// next question, the confirmation screen and the value saved.
func TestGatherSeveralThenDone(t *testing.T) {
	for name, lim := range map[string]bot.Limits{"telegram": {}, "zalo": bottest.ZaloLimits} {
		t.Run(name, func(t *testing.T) {
			h, gf := gatherHarness(t, bottest.WithLimits(lim))
			h.Send("u1", "/tin")
			h.Send("u1", "Bà con").Expect("form.header", "gtest.ask_body")
			r := h.Send("u1", "Họp  lúc\n\n\n9 giờ").Expect("form.gather_added")
			if got := r.Labels(); strings.Join(got, "|") != "Xong|Quay lại|Hủy" {
				t.Fatalf("buttons of the acknowledgement: %v", got)
			}
			photo(h, "u1", "p1", 1000, "").Expect("form.gather_added_file")
			document(h, "u1", "d1", "lich.pdf", 2<<20).Expect("form.gather_added_file")
			photo(h, "u1", "p2", 1000, "ở xã").Expect("form.gather_added")
			g := gathered(t, h, "u1")
			if g.Text != "Họp lúc\n\n9 giờ\n\nở xã" || len(g.Files) != 2 || g.Files[0].ID != "d1" || g.Files[1].ID != "p2" ||
				!g.Files[1].Photo || g.Files[0].Photo || g.Files[0].Name != "lich.pdf" || g.Files[0].Copy != "copy-d1" {
				t.Fatalf("gathered %+v", g)
			}
			h.Press("u1", "Xong").Expect("gtest.preview", "gtest.ask_when")
			if len(gf.previews) != 1 || gf.previews[0].Text != g.Text || len(gf.previews[0].Files) != 2 {
				t.Fatalf("previews %+v", gf.previews)
			}
			m := h.Press("u1", "Chiều nay").Expect("form.confirm_title").Last()
			if !strings.Contains(m.Text, "Nội dung: «Họp lúc…» (20 ký tự, kèm 2 ảnh/tệp)") {
				t.Fatalf("confirmation screen:\n%s", m.Text)
			}
			h.Send("u1", "xác nhận").Expect("gtest.saved")
			if len(gf.saved) != 1 {
				t.Fatalf("saved %v", gf.saved)
			}
			v, err := bot.ParseGathered(gf.saved[0]["body"])
			if err != nil || v.Text != g.Text || len(v.Files) != 2 || gf.saved[0]["when"] != "later" {
				t.Fatalf("saved %v: %+v, %v", gf.saved[0], v, err)
			}
			if s := h.Session("u1"); len(s.Forms) != 0 {
				t.Fatalf("forms left: %+v", s.Forms)
			}
		})
	}
}

// «Xong» with nothing gathered, pressed or typed (with or without
// diacritics, in English), keeps the user on the step and says why.
func TestGatherDoneWithNothing(t *testing.T) {
	h, gf := gatherHarness(t)
	h.Send("u1", "/tin")
	h.Send("u1", "Bà con")
	h.Press("u1", "Xong").Expect("form.warning", "form.gather_empty", "gtest.ask_body")
	h.Send("u1", "xong").Expect("form.gather_empty", "gtest.ask_body")
	h.Send("u1", "Xong").Expect("form.gather_empty")
	h.Send("u1", "DONE").Expect("form.gather_empty")
	h.Send("u1", "   ").Expect("form.empty", "gtest.ask_body")
	if f := h.Session("u1").Forms["g"]; f == nil || f.Step != 1 || f.Gathering != nil {
		t.Fatalf("form %+v", f)
	}
	h.Send("u1", "Có họp").Expect("form.gather_added")
	h.Send("u1", "xong").Expect("gtest.ask_when")
	if len(gf.previews) != 1 {
		t.Fatalf("previews %+v", gf.previews)
	}
}

// On a channel with Zalo's limits, the buttons are typed: «Xong» and
// «Hủy» by their labels, without diacritics too.
func TestGatherTypedOnZalo(t *testing.T) {
	h, _ := gatherHarness(t, bottest.WithLimits(bottest.ZaloLimits))
	h.Send("u1", "/tin")
	h.Send("u1", "Bà con")
	h.Send("u1", "Mai họp").Expect("form.gather_added")
	h.Send("u1", "xong").Expect("gtest.preview", "gtest.ask_when")
	h.Send("u1", "quay lai").Expect("gtest.ask_body", "form.current_value", "form.gather_keep")
	h.Send("u1", "Thêm chữ").Expect("form.gather_added")
	h.Send("u1", "huy").Expect("form.cancel_confirm")
	h.Send("u1", "co").Expect("form.cancelled")
}

// Cancelling while gathering: with nothing gathered, at once; with
// something, asked first, and «Không» goes on with it kept.
func TestGatherCancel(t *testing.T) {
	h, gf := gatherHarness(t)
	h.Send("u1", "/chu")
	h.Send("u1", "hủy").Expect("form.cancelled")
	if s := h.Session("u1"); len(s.Forms) != 0 {
		t.Fatalf("forms left: %+v", s.Forms)
	}

	// On the form's first step, what was gathered is the work to keep.
	h.Send("u1", "/mot")
	photo(h, "u1", "p1", 10, "").Expect("form.gather_added_file")
	h.Send("u1", "hủy").Expect("form.cancel_confirm")
	h.Send("u1", "hủy").Expect("form.cancelled")

	h.Send("u1", "/tin")
	h.Send("u1", "Bà con")
	h.Send("u1", "Nội dung").Expect("form.gather_added")
	h.Press("u1", "Hủy").Expect("form.cancel_confirm")
	h.Press("u1", "↩️ Không").Expect("gtest.ask_body", "form.gather_so_far")
	if g := gathered(t, h, "u1"); g.Text != "Nội dung" {
		t.Fatalf("gathered %+v", g)
	}
	h.Send("u1", "thôi").Expect("form.cancel_confirm")
	h.Press("u1", "🗑 Có").Expect("form.cancelled")
	if s := h.Session("u1"); len(s.Forms) != 0 || s.Active != "" || len(gf.saved) != 0 {
		t.Fatalf("after cancel: %+v, saved %v", s, gf.saved)
	}
}

// «Quay lại»: on the step, to the one before (dropping what was gathered,
// as a multi-choice's ticks), and back onto it from the next one, where
// «Xong» keeps its answer and new content replaces it.
func TestGatherBack(t *testing.T) {
	h, gf := gatherHarness(t)
	h.Send("u1", "/mot")
	h.Send("u1", "một").Expect("form.gather_added")
	h.Send("u1", "quay lại").Expect("form.first_step", "form.gather_so_far")
	h.Press("u1", "Xong").Expect("form.confirm_title")
	h.Press("u1", "✅ Xác nhận").Expect("gtest.saved")

	h.Send("u1", "/tin")
	h.Send("u1", "Bà con")
	h.Send("u1", "bỏ đi").Expect("form.gather_added")
	h.Press("u1", "Quay lại").Expect("gtest.ask_who")
	if f := h.Session("u1").Forms["g"]; f.Gathering != nil {
		t.Fatalf("what was gathered stayed in the form: %+v", f.Gathering)
	}
	h.Send("u1", "Cô chú").Expect("gtest.ask_body")
	if r := h.Last("u1"); strings.Contains(r.Text, "bỏ đi") {
		t.Fatalf("what was gathered came back:\n%s", r.Text)
	}
	h.Send("u1", "giữ lại").Expect("form.gather_added")
	h.Press("u1", "Xong").Expect("gtest.ask_when")
	h.Press("u1", "Quay lại").Expect("gtest.ask_body", "form.current_value", "form.gather_keep")
	h.Press("u1", "Xong").Expect("gtest.preview", "gtest.ask_when")
	h.Send("u1", "back").Expect("gtest.ask_body")
	h.Send("u1", "thay mới").Expect("form.gather_added")
	h.Send("u1", "xong").Expect("gtest.ask_when")
	h.Send("u1", "1").Expect("form.confirm_title")
	h.Send("u1", "ok").Expect("gtest.saved")
	if len(gf.saved) != 2 || len(gf.previews) != 3 {
		t.Fatalf("saved %v, previews %v", gf.saved, gf.previews)
	}
	if v, _ := bot.ParseGathered(gf.saved[1]["body"]); v.Text != "thay mới" || gf.saved[1]["who"] != "Cô chú" {
		t.Fatalf("saved %v", gf.saved[1])
	}
}

// A command in the middle of gathering leaves the form where it was;
// its command resumes it with what was gathered, kept in the session.
func TestGatherResume(t *testing.T) {
	h, gf := gatherHarness(t)
	h.Send("u1", "/tin")
	h.Send("u1", "Bà con")
	h.Send("u1", "Phần một")
	photo(h, "u1", "p1", 10, "")
	h.Send("u1", "/khac").Expect("gtest.saved", "form.resume_hint")
	r := h.Send("u1", "/tin").Expect("form.resumed", "gtest.ask_body", "form.gather_so_far")
	if !strings.Contains(r.Last().Text, "«Phần một» (8 ký tự, kèm 1 ảnh/tệp)") {
		t.Fatalf("resumed:\n%s", r.Last().Text)
	}
	h.Send("u1", "Phần hai").Expect("form.gather_added")
	h.Send("u1", "xong").Expect("gtest.ask_when")
	if g := gf.previews[0]; g.Text != "Phần một\n\nPhần hai" || len(g.Files) != 1 {
		t.Fatalf("preview %+v", g)
	}
}

// Editing the gathered field from the confirmation screen: its value is
// shown, «Quay lại» and «Xong» keep it, new content replaces it.
func TestGatherEdit(t *testing.T) {
	h, gf := gatherHarness(t)
	h.Send("u1", "/tin")
	h.Send("u1", "Bà con")
	h.Send("u1", "Cũ")
	h.Send("u1", "xong")
	h.Send("u1", "Ngay").Expect("form.confirm_title")
	h.Press("u1", "✏️ Nội dung").Expect("gtest.ask_body", "form.current_value", "form.gather_keep")
	h.Press("u1", "Quay lại").Expect("form.confirm_title")
	h.Press("u1", "✏️ Nội dung")
	h.Press("u1", "Xong").Expect("gtest.preview", "form.confirm_title")
	h.Press("u1", "✏️ Nội dung")
	h.Send("u1", "Mới").Expect("form.gather_added")
	m := h.Press("u1", "Xong").Expect("gtest.preview", "form.confirm_title").Last()
	if !strings.Contains(m.Text, "«Mới» (3 ký tự)") {
		t.Fatalf("confirmation screen:\n%s", m.Text)
	}
	h.Send("u1", "xác nhận").Expect("gtest.saved")
	if v, _ := bot.ParseGathered(gf.saved[0]["body"]); v.Text != "Mới" {
		t.Fatalf("saved %v", gf.saved[0])
	}
}

// The step's limits: characters in all, a photo's and a document's size,
// as the file says or as Keep finds it; a refused message leaves what was
// gathered as it was. A store that fails fails the update, and what was
// gathered before is kept.
func TestGatherLimits(t *testing.T) {
	h, gf := gatherHarness(t)
	h.Send("u1", "/tin")
	h.Send("u1", "Bà con")
	h.Send("u1", "Mười ký tự").Expect("form.gather_added")
	r := h.Send("u1", "Thêm mười ký tự").Expect("form.warning", "gtest.too_long")
	if !strings.Contains(r.Last().Text, "tối đa 20 ký tự") || len(r.Last().Buttons) == 0 {
		t.Fatalf("refusal: %+v", r.Last())
	}
	photo(h, "u1", "big", 2<<20, "").Expect("form.gather_photo_too_large")
	if !strings.Contains(h.Last("u1").Text, "tối đa 1 MB") {
		t.Fatalf("refusal: %q", h.Last("u1").Text)
	}
	document(h, "u1", "big", "a.zip", 3<<20).Expect("form.gather_document_too_large")
	photo(h, "u1", "p", 10, "một chú thích quá dài").Expect("gtest.too_long")
	gf.keep = bot.ErrTooLarge
	photo(h, "u1", "lies", 10, "").Expect("form.gather_photo_too_large")
	gf.keep = domain.Invalid("keep", "")
	document(h, "u1", "bad", "x.exe", 10).Expect("form.gather_document_too_large")
	h.Update(&bot.Update{UserID: "u1", Kind: bot.KindSticker}).Expect("form.gather_expected", "gtest.ask_body")
	gf.keep = domain.E("keep", domain.KindUnavailable, errors.New("blob store down"))
	if r := photo(h, "u1", "p", 10, ""); !r.Has("error.unavailable") {
		t.Fatalf("a failed store:\n%s", r.Texts())
	}
	if g := gathered(t, h, "u1"); g.Text != "Mười ký tự" || len(g.Files) != 0 {
		t.Fatalf("gathered %+v", g)
	}
}

// A step without files asks for text; an optional one is skipped with
// «Bỏ qua» or «Xong» with nothing; a file past Files replaces the last.
func TestGatherKinds(t *testing.T) {
	h, gf := gatherHarness(t)
	h.Send("u1", "/chu")
	photo(h, "u1", "p", 10, "").Expect("form.text_expected", "gtest.ask_body")
	h.Update(&bot.Update{UserID: "u1", Kind: bot.KindVoice}).Expect("form.text_expected")
	h.Send("u1", "hủy").Expect("form.cancelled")

	h.Send("u1", "/mot")
	h.Press("u1", "Bỏ qua").Expect("form.confirm_title", "form.empty_value")
	h.Send("u1", "ok").Expect("gtest.saved")
	h.Send("u1", "/mot")
	h.Press("u1", "Xong").Expect("form.confirm_title")
	h.Send("u1", "ok").Expect("gtest.saved")
	h.Send("u1", "/mot")
	long := strings.Repeat("Mời bà con dự hội chợ. ", 10)
	h.Send("u1", long).Expect("form.gather_added")
	m := h.Send("u1", "xong").Expect("form.confirm_title").Last()
	if want := "«" + strings.TrimSpace(string([]rune(long)[:60])) + "…» (229 ký tự)"; !strings.Contains(m.Text, want) {
		t.Fatalf("confirmation screen, want %s:\n%s", want, m.Text)
	}
	h.Send("u1", "ok").Expect("gtest.saved")
	h.Send("u1", "/mot")
	photo(h, "u1", "p1", 10, "").Expect("form.gather_added_file")
	document(h, "u1", "d1", "", 10).Expect("form.gather_added_file")
	m = h.Press("u1", "Xong").Expect("form.confirm_title").Last()
	if !strings.Contains(m.Text, "Nội dung: 1 ảnh/tệp") {
		t.Fatalf("confirmation screen:\n%s", m.Text)
	}
	h.Send("u1", "ok").Expect("gtest.saved")
	if len(gf.saved) != 4 || gf.saved[0]["body"] != "" || gf.saved[1]["body"] != "" {
		t.Fatalf("saved %v", gf.saved)
	}
	if v, _ := bot.ParseGathered(gf.saved[3]["body"]); len(v.Files) != 1 || v.Files[0].ID != "d1" || v.Files[0].Photo || v.Files[0].Copy != "" {
		t.Fatalf("saved %+v", v)
	}
}

func TestParseGathered(t *testing.T) {
	if g, err := bot.ParseGathered(""); err != nil || !g.Empty() {
		t.Fatalf("empty: %+v %v", g, err)
	}
	if _, err := bot.ParseGathered("{"); domain.ErrorKind(err) != domain.KindInternal {
		t.Fatalf("broken: %v", err)
	}
	if g := (bot.Gathered{Text: " \n "}); !g.Empty() {
		t.Fatal("blank text is not empty")
	}
	if g := (bot.Gathered{Files: []bot.GatheredFile{{ID: "x"}}}); g.Empty() {
		t.Fatal("a file is something")
	}
}
