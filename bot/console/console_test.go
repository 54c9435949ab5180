package console

import (
	"context"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot"
)

// A button is pressed by its number in the console, and by "#" and its
// number when it shows replies as Zalo does: there a number typed is
// text, as on Zalo, whose buttons carry none.
func TestPressingAButton(t *testing.T) {
	for _, tc := range []struct {
		zalo         bool
		shown, press string
	}{
		{false, "  [2] Không\n", "2"},
		{true, "  [#2] Không\n", "#2"},
	} {
		var out strings.Builder
		c := New(strings.NewReader(""), &out, "7", "Bảy", func(id string) string { return id })
		if tc.zalo {
			c.LikeZalo()
		}
		r := bot.Reply{Text: "Bạn có đồng ý không?", Buttons: [][]bot.Button{{{Label: "Có", Data: "c|y"}, {Label: "Không", Data: "c|n"}}}}
		if _, err := c.Send(context.Background(), "7", r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tc.shown) {
			t.Errorf("zalo %v: the buttons shown:\n%s", tc.zalo, out.String())
		}
		u := c.lineUpdate(tc.press)
		if u == nil || u.Callback == nil || u.Callback.Data != "c|n" {
			t.Errorf("zalo %v: %q pressed %+v", tc.zalo, tc.press, u)
		}
		u = c.lineUpdate("2")
		if pressed := u.Callback != nil; pressed == tc.zalo || !tc.zalo && u.Callback.Data != "c|n" || tc.zalo && u.Text != "2" {
			t.Errorf("zalo %v: a number typed gave %+v", tc.zalo, u)
		}
	}
}
