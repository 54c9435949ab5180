package bot_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bottest"
)

// Button data is written and read in one way: prefix, verb, ids, argument.
func TestButtonDataEncode(t *testing.T) {
	for _, tc := range []struct {
		d    bot.ButtonData
		want string // "" when it cannot be encoded
	}{
		{bot.Data("p", "l"), "p|l"},
		{bot.Data("d", "i", 12).With("mau01"), "d|i|12|mau01"},
		{bot.Data("evo", "t", 3, 9007199254740993), "evo|t|3|9007199254740993"},
		{bot.Data("x", "y", -5, 0), "x|y|-5|0"},
		{bot.Data("fg", "at").With("31/12/2025"), "fg|at|31/12/2025"},
		{bot.Data("f", "abcdefgh", 99, 4).With("e"), "f|abcdefgh|99|4|e"},
		{bot.Data("c", "y").With("reg"), "c|y|reg"},
		{bot.Data("pd", "W").With("007"), "pd|W|007"}, // not an id as written
		{bot.Data("a", "b").With(strings.Repeat("z", 60)), "a|b|" + strings.Repeat("z", 60)},
		// 64 bytes is the most.
		{bot.Data("a", "b").With(strings.Repeat("z", 61)), ""},
		{bot.Data("evo", "t", -9223372036854775808, -9223372036854775808, -9223372036854775808), ""},
		{bot.Data("", "l"), ""},
		{bot.Data("p|q", "l"), ""},
		{bot.Data("p", ""), ""},
		{bot.Data("p", "a b"), ""},
		{bot.Data("p", "hòa"), ""},
		{bot.Data("p", "l").With("a|b"), ""},
		{bot.Data("p", "l").With("a b"), ""},
		{bot.Data("p", "l").With("Hòa"), ""},
		{bot.Data("p", "l").With("tab\there"), ""},
		// A number as the argument would come back as an id.
		{bot.Data("p", "l").With("12"), ""},
		{bot.Data("p", "l").With("-3"), ""},
	} {
		got, err := tc.d.Encode()
		if tc.want == "" {
			if err == nil || !errors.Is(err, bot.ErrBadButton) {
				t.Errorf("%+v encoded as %q, %v; want an error", tc.d, got, err)
			}
			if b := tc.d.Button("x"); b.Data != "" {
				t.Errorf("%+v: a button with data %q", tc.d, b.Data)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%+v encoded as %q, %v; want %q", tc.d, got, err, tc.want)
			continue
		}
		if b := tc.d.Button("Nhãn"); b.Label != "Nhãn" || b.Data != tc.want {
			t.Errorf("%+v as a button: %+v", tc.d, b)
		}
		back, err := bot.ParseButtonData(got)
		if err != nil || !sameData(back, tc.d) {
			t.Errorf("%q read back as %+v, %v; want %+v", got, back, err, tc.d)
		}
	}
}

// Data is read whatever sent it, and what does not read is an error of
// ErrBadButton, never a panic.
func TestParseButtonData(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want *bot.ButtonData // nil: an error
	}{
		{"p|l", &bot.ButtonData{Prefix: "p", Verb: "l"}},
		{"d|i|12|mau01", &bot.ButtonData{Prefix: "d", Verb: "i", IDs: []int64{12}, Arg: "mau01"}},
		// Form buttons sent before the codec: the action before the index.
		{"f|abcdefgh|3|c|0", &bot.ButtonData{Prefix: "f", Verb: "abcdefgh", IDs: []int64{3, 0}, Arg: "c"}},
		// An empty argument (the contact setting's "cd|c|").
		{"cd|c|", &bot.ButtonData{Prefix: "cd", Verb: "c"}},
		{"tk|1|2", &bot.ButtonData{Prefix: "tk", Verb: "1", IDs: []int64{2}}},
		{"x|y|007", &bot.ButtonData{Prefix: "x", Verb: "y", Arg: "007"}},
		{"x|y|+7", &bot.ButtonData{Prefix: "x", Verb: "y", Arg: "+7"}},
		{"x|y|-0", &bot.ButtonData{Prefix: "x", Verb: "y", Arg: "-0"}},
		{"x|y|99999999999999999999", &bot.ButtonData{Prefix: "x", Verb: "y", Arg: "99999999999999999999"}},
		{"zz|1", &bot.ButtonData{Prefix: "zz", Verb: "1"}},
		{"", nil},
		{"p", nil},
		{"|l", nil},
		{"p|", nil},
		{"p||1", nil},
		{"p l|x", nil},
		{"p|l|a|b", nil},
		{"p|l||", nil},
		{"p|l|a b", nil},
		{"p|l|Hòa", nil},
		{"p|l|\x00", nil},
		{"p|l|\xff", nil},
		{"p|Xã", nil},
		{"a|b|" + strings.Repeat("z", 61), nil},
	} {
		got, err := bot.ParseButtonData(tc.in)
		if tc.want == nil {
			if err == nil || !errors.Is(err, bot.ErrBadButton) {
				t.Errorf("%q read as %+v, %v; want ErrBadButton", tc.in, got, err)
			}
			if err != nil && len(tc.in) > 3 && strings.Contains(err.Error(), tc.in) {
				t.Errorf("the error quotes the data: %v", err)
			}
			continue
		}
		if err != nil || !sameData(got, *tc.want) {
			t.Errorf("%q read as %+v, %v; want %+v", tc.in, got, err, *tc.want)
		}
	}
	d := bot.Data("d", "i", 7)
	if id, err := d.ID(0); id != 7 || err != nil {
		t.Errorf("ID(0) = %d, %v", id, err)
	}
	for _, i := range []int{-1, 1} {
		if _, err := d.ID(i); !errors.Is(err, bot.ErrBadButton) {
			t.Errorf("ID(%d): %v", i, err)
		}
	}
}

func sameData(a, b bot.ButtonData) bool {
	return a.Prefix == b.Prefix && a.Verb == b.Verb && slices.Equal(a.IDs, b.IDs) && a.Arg == b.Arg
}

// Whatever comes back as button data (Telegram's 64 bytes, or any text a
// Zalo user types after "#b:"), reading it never panics, and what reads
// is written back to data that reads the same, no longer.
func FuzzParseButtonData(f *testing.F) {
	for _, s := range []string{"p|l", "d|i|12|mau01", "f|abcdefgh|3|c|0", "cd|c|", "x|y|007", "p|l|a|b", "", "|", "a|b|-9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := bot.ParseButtonData(s)
		if err != nil {
			if !errors.Is(err, bot.ErrBadButton) {
				t.Fatalf("%q: %v is not ErrBadButton", s, err)
			}
			return
		}
		enc, err := d.Encode()
		if err != nil {
			t.Fatalf("%q read as %+v, which does not encode: %v", s, d, err)
		}
		if len(enc) > len(s) {
			t.Fatalf("%q written back longer: %q", s, enc)
		}
		back, err := bot.ParseButtonData(enc)
		if err != nil || !sameData(back, d) {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, d, enc, back, err)
		}
	})
}

// Whatever data encodes reads back the same.
func FuzzEncodeButtonData(f *testing.F) {
	f.Add("d", "i", int64(12), int64(-1), uint8(1), "mau01")
	f.Add("f", "abcdefgh", int64(99), int64(4), uint8(2), "e")
	f.Add("p", "l", int64(0), int64(0), uint8(0), "")
	f.Fuzz(func(t *testing.T, prefix, verb string, a, b int64, n uint8, arg string) {
		d := bot.Data(prefix, verb, []int64{a, b}[:n%3]...).With(arg)
		enc, err := d.Encode()
		if err != nil {
			if !errors.Is(err, bot.ErrBadButton) {
				t.Fatalf("%+v: %v is not ErrBadButton", d, err)
			}
			return
		}
		if len(enc) > bot.MaxButtonData {
			t.Fatalf("%+v encoded in %d bytes", d, len(enc))
		}
		back, err := bot.ParseButtonData(enc)
		if err != nil || !sameData(back, d) {
			t.Fatalf("%+v -> %q -> %+v, %v", d, enc, back, err)
		}
	})
}

// A reply whose button data cannot be encoded (or was built by hand and
// would not read back) fails loudly when sent: nothing of it goes out, the
// user is told something went wrong, and the error is logged.
func TestButtonDataTooLongFailsTheReply(t *testing.T) {
	var log bytes.Buffer
	h := bottest.New(t, bottest.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	h.Engine.Command(bot.Command{Name: "/dai", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		return c.Send(ctx, bot.Reply{Text: "Danh sách", Buttons: [][]bot.Button{
			{bot.Data("p", "v", 1).Button("Một")},
			{bot.Data("p", "v", 2).With(strings.Repeat("x", 60)).Button("Hai")},
		}})
	}})
	h.Engine.Command(bot.Command{Name: "/tay", Access: bot.Anyone, Handle: func(ctx context.Context, c *bot.Ctx) error {
		return c.Send(ctx, bot.Reply{Text: "Danh sách", Buttons: [][]bot.Button{{{Label: "Tay", Data: "p|v|Hòa"}}}})
	}})
	for _, cmd := range []string{"/dai", "/tay"} {
		r := h.Send("u1", cmd).Expect("error.internal")
		if len(r.Sent) != 1 || len(r.Sent[0].Buttons) != 0 {
			t.Fatalf("%s sent %+v", cmd, r.Sent)
		}
	}
	if got := log.String(); strings.Count(got, "level=ERROR") != 2 || !strings.Contains(got, "over 64") || !strings.Contains(got, "reply.buttons") {
		t.Fatalf("log:\n%s", got)
	}
	// Outside an update too.
	long := bot.Reply{Text: "x", Buttons: [][]bot.Button{{bot.Data("p", "v").With(strings.Repeat("x", 70)).Button("Ba")}}}
	if err := h.Engine.SendTo(t.Context(), bottest.Channel, "u1", long); !errors.Is(err, bot.ErrBadButton) {
		t.Fatalf("SendTo: %v", err)
	}
	if _, err := h.Engine.SendReplyTo(t.Context(), bottest.Channel, "u1", long); !errors.Is(err, bot.ErrBadButton) {
		t.Fatalf("SendReplyTo: %v", err)
	}
}

// A handler reads the pressed button's data from Ctx.Pressed; data that
// does not read, or lacks the id the handler needs, is answered as an old
// button, logged at debug level without the data, and reaches no handler.
func TestBadButtonsAreAnsweredAsOld(t *testing.T) {
	var log bytes.Buffer
	h := bottest.New(t, bottest.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	var got []string
	h.Engine.Callback("p", bot.Anyone, func(ctx context.Context, c *bot.Ctx) error {
		id, err := c.Pressed.ID(0)
		if err != nil {
			return err
		}
		got = append(got, c.Pressed.Verb+":"+c.Pressed.Arg+":"+string(rune('0'+id)))
		return c.Answer(ctx, "", false)
	})
	h.PressData("u1", "p|v|7|mau01")
	stale := h.Tr.T("vi", "common.stale_button", nil)
	for _, data := range []string{"p|v", "p|v|a|b", "p|v|Hòa bình", "", "p", strings.Repeat("p|v|1", 20)} {
		r := h.PressData("u1", data)
		if r.Err != nil || len(r.Answers) != 1 || r.Answers[0].Text != stale || len(r.Sent) != 0 {
			t.Errorf("%q: %v, answers %+v, sent %s", data, r.Err, r.Answers, r.Texts())
		}
	}
	if want := []string{"v:mau01:7"}; !slices.Equal(got, want) {
		t.Errorf("handled %q, want %q", got, want)
	}
	if n := strings.Count(log.String(), "msg=\"bad button\""); n != 6 || !strings.Contains(log.String(), "level=DEBUG") || strings.Contains(log.String(), "Hòa") {
		t.Errorf("%d bad buttons logged:\n%s", n, log.String())
	}
}
