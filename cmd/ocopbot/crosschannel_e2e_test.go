package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
	"github.com/ocop-tayninh/ocopbot/bot/zalo"
	"github.com/ocop-tayninh/ocopbot/bot/zalo/zalotest"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// An announcement's picture reaches both channels whoever sends it: a
// Telegram officer's photo is uploaded to Zalo (once, for every Zalo
// recipient), a Zalo officer's photo goes to Telegram as its stored copy,
// not as a link to Zalo's CDN.
func TestAnnouncementPictureCrossesChannels(t *testing.T) {
	for _, from := range channels {
		t.Run("from "+from, func(t *testing.T) {
			h := newMatrix(t, "zalo", "embedded")
			off := h.admin(900, "Cán bộ", from)
			db := h.openDB()
			ctx := context.Background()
			seedUsers(t, db, 3000, 2)
			users := sqlite.NewUserStore(db)
			var zusers []*person
			for i := range int64(3) {
				p := h.user(4000+i, "Zalo")
				u, err := users.Touch(ctx, zalo.ChannelName, p.chatID(), "", "")
				if err != nil {
					t.Fatal(err)
				}
				if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
					t.Fatal(err)
				}
				zusers = append(zusers, p)
			}
			h.start()

			pic := jpegBytes
			off.Send("/thongbao")
			off.Expect("ann.ask_content")
			off.SendPhoto(pic)
			off.Expect("ann.added_file")
			off.Send("Hội chợ OCOP Tây Ninh: mời bà con tham dự.")
			off.Expect("ann.added")
			off.Press("Xong")
			off.Expect("ann.preview")
			off.waitMsg("aud.ask_kind")
			off.skipTo()
			off.Press("Tất cả")
			off.Expect("form.confirm_title")
			off.Press("Xác nhận")
			off.waitMsg("bulk.summary")

			for _, id := range []int64{3000, 3001} {
				var got telegramtest.Message
				for _, m := range h.api.Messages(id) {
					if m.Kind == telegramtest.KindPhoto {
						got = m
					}
				}
				data, _ := h.api.FileContent(got.FileID)
				if got.FileID == "" || !bytes.Equal(data, pic) {
					t.Errorf("telegram user %d: picture %q of %d bytes, want the officer's %d bytes", id, got.FileID, len(data), len(pic))
				}
			}
			for _, p := range zusers {
				m, ok := h.zl.LastMessage(p.chatID())
				if !ok || m.Kind != zalotest.KindImage || !strings.Contains(m.Text, "Hội chợ OCOP") {
					t.Fatalf("zalo user %s: %+v", p.chatID(), m)
				}
				up, ok := h.zl.UploadByID(m.AttachmentID)
				if !ok || !bytes.Equal(up.Data, pic) {
					t.Errorf("zalo user %s: the picture uploaded is not the officer's", p.chatID())
				}
			}
			if n := len(h.zl.Uploads()); n != 1 {
				t.Errorf("%d uploads for %d Zalo users, want 1", n, len(zusers))
			}
		})
	}
}
