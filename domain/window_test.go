package domain

import (
	"testing"
	"time"
)

func TestOutsideWindow(t *testing.T) {
	now := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		channel  string
		lastSeen time.Time
		want     bool
	}{
		{"zalo, wrote just now", ChannelZalo, now, false},
		{"zalo, wrote 6 days ago", ChannelZalo, now.Add(-6 * 24 * time.Hour), false},
		{"zalo, exactly 7 days ago", ChannelZalo, now.Add(-ReplyWindow), false},
		{"zalo, 7 days and a minute ago", ChannelZalo, now.Add(-ReplyWindow - time.Minute), true},
		{"zalo, 8 days ago", ChannelZalo, now.Add(-8 * 24 * time.Hour), true},
		{"zalo, never seen", ChannelZalo, time.Time{}, true},
		{"zalo, clock behind", ChannelZalo, now.Add(time.Hour), false},
		{"telegram, 8 days ago", "telegram", now.Add(-8 * 24 * time.Hour), false},
		{"telegram, never seen", "telegram", time.Time{}, false},
		{"console, a year ago", "console", now.AddDate(-1, 0, 0), false},
	} {
		if got := OutsideWindow(tc.channel, tc.lastSeen, now); got != tc.want {
			t.Errorf("%s: OutsideWindow = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestJobStillCurrent(t *testing.T) {
	made := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	starts := time.Date(2026, 5, 15, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		kind  string
		now   time.Time
		start time.Time
		want  bool
	}{
		{JobInvitation, made.Add(day), starts, true},
		{JobInvitation, starts.Add(-time.Minute), starts, true},
		{JobInvitation, starts, starts, false}, // the event has started
		{JobInvitation, starts.Add(day), starts, false},
		{JobInvitation, made.Add(day), time.Time{}, false}, // event gone or cancelled
		{JobEventChange, made.Add(day), starts, true},
		{JobEventChange, starts.Add(time.Hour), starts, false},
		{JobEventChange, made.Add(day), time.Time{}, false},
		{JobReminder, starts.Add(-time.Hour), starts, true},
		{JobReminder, starts.Add(time.Hour), starts, false},
		{JobReminder, made.Add(day), time.Time{}, false},
		{JobAnnouncement, made.Add(29 * day), time.Time{}, true},
		{JobAnnouncement, made.Add(AnnouncementLife), time.Time{}, true},
		{JobAnnouncement, made.Add(AnnouncementLife + time.Minute), time.Time{}, false},
		{JobAnnouncement, made.Add(31 * day), starts, false}, // an event's start does not matter
		{JobEventCancel, starts.Add(10 * day), starts, true}, // past the event's date, within 30 days
		{JobEventCancel, made.Add(31 * day), starts, false},
	} {
		j := Job{Kind: tc.kind, CreatedAt: made}
		if got := j.StillCurrent(tc.now, tc.start); got != tc.want {
			t.Errorf("%s at %s (event %s): StillCurrent = %v, want %v", tc.kind, tc.now, tc.start, got, tc.want)
		}
	}
}

func TestJobStatsCountWaiting(t *testing.T) {
	st := JobStats{Pending: 1, Sending: 2, Sent: 3, Blocked: 4, Failed: 5, Skipped: 6, Waiting: 7, Expired: 8}
	if st.Total() != 36 {
		t.Errorf("Total = %d, want 36", st.Total())
	}
	if st.Left() != 3 {
		t.Errorf("Left = %d, want 3 (waiting recipients are not left to send now)", st.Left())
	}
}
