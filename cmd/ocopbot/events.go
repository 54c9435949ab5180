package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/bot/telegram"
	"github.com/ocop-tayninh/ocopbot/handlers"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// wireEvents makes the stores of events and bulk jobs and the bulk sender;
// it runs in build, before the handlers are registered.
func (a *app) wireEvents() {
	a.events, a.jobs = sqlite.NewEventStore(a.db), sqlite.NewJobStore(a.db)
	host, _ := os.Hostname()
	reminders := &handlers.EventReminders{Events: a.events, Jobs: a.jobs, Location: a.cfg.Location}
	a.bulk = &bulk.Worker{
		Store: a.jobs, Lease: a.lease, Send: bulkSends{a.engine}, Rate: a.cfg.BroadcastRate, Now: a.now,
		Holder:   fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixNano()),
		Interval: time.Second, Schedule: reminders.Due, DrainTimeout: 4 * time.Second, Log: a.log, Blobs: a.blobs,
	}
}

// paceTelegram makes the one Telegram sender share its budget between
// replies and bulk traffic (BROADCAST_RATE), and remembers the bot's name
// for deep links.
func (a *app) paceTelegram(ch *telegram.Channel) {
	rate := a.cfg.BroadcastRate
	if rate <= 0 {
		rate = 25
	}
	global := a.cfg.TelegramRate
	if global <= 0 {
		global = bot.GlobalRateFor(rate)
	}
	ch.Sender.SetPacer(bot.NewPacer(rate, global))
	name := ch.Username
	a.botName.Store(&name)
}

// runBulk runs the bulk sender until ctx ends; it drains on a clean stop.
func (a *app) runBulk(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = a.bulk.Run(ctx)
	}()
}

// deepLink is the t.me link that opens the bot with a /start payload.
func (a *app) deepLink(payload string) string {
	name := a.botName.Load()
	if name == nil || *name == "" {
		return ""
	}
	return "https://t.me/" + *name + "?start=" + payload
}
