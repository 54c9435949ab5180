package zalo_test

import (
	"context"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
)

// A picture with buttons (the figures chart with "Định nghĩa"): the
// picture goes alone, the text follows with the buttons, none is lost.
func TestPictureWithButtons(t *testing.T) {
	zl := zalotest.New(t)
	s, _, _ := newSender(t, zl, nil)
	r := bot.Reply{Text: "Biểu đồ chỉ tiêu", Photo: &bot.Attachment{Name: "chart.png", Data: pngOf(20, 20, false)},
		Buttons: [][]bot.Button{{{Label: "📖 Định nghĩa", Data: "fig|def"}}}}
	if _, err := s.Send(context.Background(), "77", r); err != nil {
		t.Fatal(err)
	}
	msgs := zl.Messages("77")
	if len(msgs) != 2 || msgs[0].Kind != zalotest.KindImage || msgs[0].Text != "" ||
		msgs[1].Text != "Biểu đồ chỉ tiêu" || len(msgs[1].Buttons) != 1 || msgs[1].Buttons[0].Payload != "#b:fig|def" {
		t.Fatalf("sent %+v", msgs)
	}
}

// An announcement's picture goes to many users: uploaded once, the same
// id sent to each.
func TestPictureUploadedOnceForMany(t *testing.T) {
	zl := zalotest.New(t)
	s, _, _ := newSender(t, zl, nil)
	pic := pngOf(30, 30, false)
	for _, u := range []string{"1", "2", "3"} {
		r := bot.Reply{Text: "Thông báo", Photo: &bot.Attachment{Name: "a.png", Data: pic}}
		if _, err := s.Send(context.Background(), u, r); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(zl.Uploads()); n != 1 {
		t.Fatalf("%d uploads for three users", n)
	}
	for _, u := range []string{"1", "2", "3"} {
		if m, _ := zl.LastMessage(u); m.Kind != zalotest.KindImage || m.AttachmentID == "" {
			t.Fatalf("user %s got %+v", u, m)
		}
	}
}
