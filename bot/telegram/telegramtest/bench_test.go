package telegramtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocop-tayninh/ocopbot/bot/telegram/telegramtest"
)

func BenchmarkSendMessage(b *testing.B) {
	s := telegramtest.New(b, telegramtest.WithoutCallLog())
	tg, err := bot.New(s.Token(), bot.WithServerURL(s.URL()), bot.WithSkipGetMe())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			_, err := tg.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(i%100 + 1), Text: "<b>hello</b> &amp; bye", ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkPushAndPoll(b *testing.B) {
	s := telegramtest.New(b, telegramtest.WithoutCallLog())
	u := telegramtest.User{ID: 1, FirstName: "U"}
	client := s.HTTPClient()
	url := s.URL() + "/bot" + s.Token() + "/getUpdates"
	var offset int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		offset = s.SendText(u, fmt.Sprintf("msg %d", i)) + 1
		if i%100 == 99 || i == b.N-1 {
			resp, err := client.Get(fmt.Sprintf("%s?offset=%d", url, offset))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	if s.Pending() != 0 {
		b.Fatalf("pending %d", s.Pending())
	}
}
