package sqlite_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

const day = 24 * time.Hour

// chatter stores a consented user of channel who writes now.
func chatter(t *testing.T, db *sqlite.DB, channel, id string) domain.User {
	t.Helper()
	ctx := t.Context()
	users := sqlite.NewUserStore(db)
	u, err := users.Touch(ctx, channel, id, "", "U"+id)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
		t.Fatal(err)
	}
	return u
}

func states(t *testing.T, jobs *sqlite.JobStore, jobID int64, users ...domain.User) []string {
	t.Helper()
	var out []string
	for _, u := range users {
		st, err := jobs.RecipientState(t.Context(), jobID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

func claimedUsers(batch []domain.Delivery) []int64 {
	var ids []int64
	for _, d := range batch {
		ids = append(ids, d.UserID)
	}
	slices.Sort(ids)
	return ids
}

func TestTouchRecordsLastSeenHourly(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	users := sqlite.NewUserStore(db)
	first := c.Now()
	u, err := users.Touch(ctx, "zalo", "z1", "", "Lan")
	if err != nil || !u.LastSeen.Equal(first) {
		t.Fatalf("Touch = %+v, %v; want LastSeen %s", u, err, first)
	}
	c.Advance(59 * time.Minute)
	if u, _ := users.Touch(ctx, "zalo", "z1", "", "Lan"); !u.LastSeen.Equal(first) {
		t.Errorf("within the hour LastSeen moved to %s", u.LastSeen)
	}
	if got, _ := users.Get(ctx, "zalo", "z1"); !got.LastSeen.Equal(first) {
		t.Errorf("within the hour last_seen_at was written: %s", got.LastSeen)
	}
	c.Advance(time.Minute)
	u, err = users.Touch(ctx, "zalo", "z1", "", "Lan")
	if err != nil || !u.LastSeen.Equal(c.Now()) || !u.UpdatedAt.Equal(first) {
		t.Fatalf("after an hour: %+v, %v; want LastSeen %s and UpdatedAt unchanged", u, err, c.Now())
	}
	if got, _ := users.Get(ctx, "zalo", "z1"); !got.LastSeen.Equal(c.Now()) {
		t.Errorf("after an hour last_seen_at = %s", got.LastSeen)
	}
}

// A Zalo user who has not written for more than 7 days is not sent a bulk
// job's message: they wait, the job is done without them, and they get it
// when they write again. Telegram users have no window.
func TestClaimWaitsOutsideTheReplyWindow(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	jobs := sqlite.NewJobStore(db)
	users := sqlite.NewUserStore(db)

	zaloOld := chatter(t, db, "zalo", "z-old")
	tgOld := chatter(t, db, "telegram", "t-old")
	zaloNever := chatter(t, db, "zalo", "z-never")
	if _, err := db.SQL().ExecContext(ctx, `UPDATE users SET last_seen_at = NULL WHERE id = ?`, zaloNever.ID); err != nil {
		t.Fatal(err)
	}
	c.Advance(8 * day)
	zaloWeek := chatter(t, db, "zalo", "z-week") // 7 days and an hour ago when claimed
	tgFresh := chatter(t, db, "telegram", "t-fresh")
	c.Advance(time.Hour)
	zaloEdge := chatter(t, db, "zalo", "z-edge") // exactly 7 days ago when claimed
	c.Advance(domain.ReplyWindow)

	all := domain.Audience{Kind: domain.AudienceAll}
	if n, err := jobs.CountAudience(ctx, all, domain.TopicGeneral, 0); err != nil || n != 6 {
		t.Fatalf("CountAudience = %d, %v", n, err)
	}
	if n, err := jobs.CountWaiting(ctx, all, domain.TopicGeneral, 0, c.Now()); err != nil || n != 3 {
		t.Fatalf("CountWaiting = %d, %v; want 3 (the Zalo users seen more than 7 days ago or never)", n, err)
	}
	j := domain.Job{Key: "ann", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Payload: []byte(`{"text":"x"}`)}
	if _, err := jobs.CreateJob(ctx, &j, all, 0); err != nil || j.Total != 6 {
		t.Fatalf("CreateJob: %v, total %d", err, j.Total)
	}
	// Rows that wait leave room: the batch of 3 is the 3 sendable ones.
	batch, err := jobs.Claim(ctx, c.Now(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := claimedUsers(batch), []int64{tgOld.ID, tgFresh.ID, zaloEdge.ID}; !slices.Equal(got, want) {
		t.Fatalf("claimed %v, want %v", got, want)
	}
	if got := states(t, jobs, j.ID, zaloOld, zaloNever, zaloWeek); !slices.Equal(got, []string{"waiting", "waiting", "waiting"}) {
		t.Fatalf("Zalo recipients outside the window: %q", got)
	}
	for _, d := range batch {
		if err := jobs.MarkSent(ctx, j.ID, d.UserID); err != nil {
			t.Fatal(err)
		}
	}
	if more, _ := jobs.Claim(ctx, c.Now(), 10); len(more) != 0 {
		t.Fatalf("claimed waiting recipients: %+v", more)
	}
	// Done without those waiting; the summary counts them.
	if over, err := jobs.Complete(ctx, j.ID); !over || err != nil {
		t.Fatalf("Complete = %v, %v; want over", over, err)
	}
	if got, _ := jobs.Job(ctx, j.ID); got.State != domain.JobDone {
		t.Fatalf("job state %s", got.State)
	}
	st, _ := jobs.Stats(ctx, j.ID)
	if st != (domain.JobStats{Sent: 3, Waiting: 3}) || st.Left() != 0 || st.Total() != 6 {
		t.Fatalf("stats %+v", st)
	}
	if err := jobs.MarkReported(ctx, j.ID); err != nil {
		t.Fatal(err)
	}

	// The old Zalo user writes again a day later: their row is pending
	// again and is sent, though the job is done; the others still wait.
	c.Advance(day)
	if _, err := users.Touch(ctx, "zalo", "z-old", "", "Uz-old"); err != nil {
		t.Fatal(err)
	}
	if got := states(t, jobs, j.ID, zaloOld, zaloNever); !slices.Equal(got, []string{"pending", "waiting"}) {
		t.Fatalf("after the old user wrote: %q", got)
	}
	batch, err = jobs.Claim(ctx, c.Now(), 10)
	if err != nil || !slices.Equal(claimedUsers(batch), []int64{zaloOld.ID}) {
		t.Fatalf("claim after the user wrote: %+v, %v", batch, err)
	}
	if err := jobs.MarkSent(ctx, j.ID, zaloOld.ID); err != nil {
		t.Fatal(err)
	}
	if over, _ := jobs.Complete(ctx, j.ID); !over {
		t.Fatal("the done job is not over after the released row was sent")
	}
	// It was reported: no second summary.
	if un, _ := jobs.Unreported(ctx); len(un) != 0 {
		t.Fatalf("the job is to be reported again: %+v", un)
	}
	if st, _ := jobs.Stats(ctx, j.ID); st != (domain.JobStats{Sent: 4, Waiting: 2}) {
		t.Fatalf("stats after the release %+v", st)
	}

	// 31 days after the announcement, what still waits has expired.
	c.Advance(28 * day)
	if n, err := jobs.ExpireWaiting(ctx, c.Now()); err != nil || n != 0 {
		t.Fatalf("ExpireWaiting within 30 days = %d, %v", n, err)
	}
	c.Advance(2 * day)
	if n, err := jobs.ExpireWaiting(ctx, c.Now()); err != nil || n != 2 {
		t.Fatalf("ExpireWaiting after 30 days = %d, %v", n, err)
	}
	if _, err := users.Touch(ctx, "zalo", "z-never", "", "Uz-never"); err != nil {
		t.Fatal(err)
	}
	if got := states(t, jobs, j.ID, zaloNever); got[0] != "expired" {
		t.Fatalf("an expired row came back: %q", got)
	}
	if st, _ := jobs.Stats(ctx, j.ID); st != (domain.JobStats{Sent: 4, Expired: 2}) {
		t.Fatalf("stats after expiry %+v", st)
	}
}

// An invitation that waited is sent when the user writes before the
// event; after its start (or its cancellation) it expires instead.
func TestWaitingInvitationExpiresWithItsEvent(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	jobs, events, users := sqlite.NewJobStore(db), sqlite.NewEventStore(db), sqlite.NewUserStore(db)
	early := chatter(t, db, "zalo", "early")
	late := chatter(t, db, "zalo", "late")
	silent := chatter(t, db, "zalo", "silent")
	c.Advance(8 * day)
	ev := domain.Event{Kind: domain.EventTraining, Title: "Tập huấn", StartsAt: c.Now().Add(2 * day), EndsAt: c.Now().Add(2*day + 8*time.Hour),
		Audience: domain.Audience{Kind: domain.AudienceAll}, CheckinCode: "abc"}
	invite, err := events.CreateEvent(ctx, &ev, func(domain.Event) *domain.Job {
		return &domain.Job{Kind: domain.JobInvitation, Topic: domain.TopicTraining, Payload: []byte(`{"msg":"ev.invite"}`)}
	})
	if err != nil || invite.Total != 3 {
		t.Fatalf("CreateEvent: %v %+v", err, invite)
	}
	if batch, err := jobs.Claim(ctx, c.Now(), 10); err != nil || len(batch) != 0 {
		t.Fatalf("claimed %+v, %v; want everyone waiting", batch, err)
	}
	if over, _ := jobs.Complete(ctx, invite.ID); !over {
		t.Fatal("an invitation whose recipients all wait is not done")
	}
	// Those waiting for the invitation are told of a change too.
	change := &domain.Job{Kind: domain.JobEventChange, Topic: domain.TopicTraining, Payload: []byte(`{"msg":"ev.changed"}`)}
	if err := events.UpdateEvent(ctx, &ev, change); err != nil || change.Total != 3 {
		t.Fatalf("UpdateEvent: %v, change to %d", err, change.Total)
	}

	// Written before the event: sent, the invitation first.
	c.Advance(day)
	if _, err := users.Touch(ctx, "zalo", "early", "", "Uearly"); err != nil {
		t.Fatal(err)
	}
	batch, err := jobs.Claim(ctx, c.Now(), 10)
	if err != nil || len(batch) != 2 || batch[0].JobID != invite.ID || batch[1].JobID != change.ID || batch[0].UserID != early.ID {
		t.Fatalf("claim before the event: %+v, %v", batch, err)
	}
	if n, _ := jobs.ExpireWaiting(ctx, c.Now()); n != 0 {
		t.Fatalf("expired %d before the event", n)
	}

	// Written after the event started: expired, with the reason.
	c.Advance(2 * day)
	if _, err := users.Touch(ctx, "zalo", "late", "", "Ulate"); err != nil {
		t.Fatal(err)
	}
	if batch, err := jobs.Claim(ctx, c.Now(), 10); err != nil || len(batch) != 0 {
		t.Fatalf("claimed after the event: %+v, %v", batch, err)
	}
	if got := states(t, jobs, invite.ID, early, late, silent); !slices.Equal(got, []string{"sending", "expired", "waiting"}) {
		t.Fatalf("invitation states %q", got)
	}
	var why string
	if err := db.SQL().QueryRowContext(ctx, `SELECT last_error FROM job_recipients WHERE job_id = ? AND user_id = ?`,
		invite.ID, late.ID).Scan(&why); err != nil || why != "no longer current" {
		t.Fatalf("last_error %q, %v", why, err)
	}
	// The one who never wrote expires in the housekeeping.
	if n, err := jobs.ExpireWaiting(ctx, c.Now()); err != nil || n != 2 { // the invitation and the change
		t.Fatalf("ExpireWaiting = %d, %v", n, err)
	}
	if st, _ := jobs.Stats(ctx, invite.ID); st != (domain.JobStats{Sending: 1, Expired: 2}) {
		t.Fatalf("invitation stats %+v", st)
	}

	// The events sheet lists the invited with their invitation's state.
	rows, err := events.EventAttendance(ctx, domain.Area{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Person+":"+r.Invitation)
	}
	slices.Sort(got)
	if want := []string{"Uearly:sending", "Ulate:expired", "Usilent:expired"}; !slices.Equal(got, want) {
		t.Fatalf("events sheet %q, want %q", got, want)
	}
}

// Cancelling a job or an event skips those waiting; nobody waiting for an
// invitation is told that the event was cancelled.
func TestCancelSkipsWaiting(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	jobs, events, users := sqlite.NewJobStore(db), sqlite.NewEventStore(db), sqlite.NewUserStore(db)
	old := chatter(t, db, "zalo", "old")
	c.Advance(8 * day)
	fresh := chatter(t, db, "zalo", "fresh")

	j := domain.Job{Key: "ann", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Payload: []byte(`{"text":"x"}`)}
	if _, err := jobs.CreateJob(ctx, &j, domain.Audience{Kind: domain.AudienceAll}, fresh.ID); err != nil {
		t.Fatal(err)
	}
	if batch, _ := jobs.Claim(ctx, c.Now(), 10); len(batch) != 0 {
		t.Fatalf("claimed %+v", batch)
	}
	if ok, err := jobs.Cancel(ctx, j.ID); !ok || err != nil {
		t.Fatalf("Cancel = %v, %v", ok, err)
	}
	if _, err := users.Touch(ctx, "zalo", "old", "", "Uold"); err != nil {
		t.Fatal(err)
	}
	if got := states(t, jobs, j.ID, old); got[0] != "skipped" {
		t.Fatalf("a waiting recipient of a cancelled job is %q", got[0])
	}

	c.Advance(8 * day) // both outside now
	ev := domain.Event{Kind: domain.EventFair, Title: "Hội chợ", StartsAt: c.Now().Add(5 * day), EndsAt: c.Now().Add(5*day + time.Hour),
		Audience: domain.Audience{Kind: domain.AudienceAll}, CheckinCode: "x"}
	invite, err := events.CreateEvent(ctx, &ev, func(domain.Event) *domain.Job {
		return &domain.Job{Kind: domain.JobInvitation, Topic: domain.TopicFair, Payload: []byte(`{"msg":"ev.invite"}`)}
	})
	if err != nil {
		t.Fatal(err)
	}
	if batch, _ := jobs.Claim(ctx, c.Now(), 10); len(batch) != 0 {
		t.Fatalf("claimed %+v", batch)
	}
	// fresh answered from the list of events: they are told.
	if err := events.RSVP(ctx, ev.ID, fresh.ID, true); err != nil {
		t.Fatal(err)
	}
	notice := &domain.Job{Kind: domain.JobEventCancel, Topic: domain.TopicFair, Payload: []byte(`{"msg":"ev.cancelled"}`)}
	if ok, err := events.CancelEvent(ctx, ev.ID, notice); !ok || err != nil {
		t.Fatalf("CancelEvent = %v, %v", ok, err)
	}
	if notice.Total != 1 {
		t.Fatalf("the cancellation goes to %d people, want 1 (who answered)", notice.Total)
	}
	if st, _ := jobs.Stats(ctx, invite.ID); st != (domain.JobStats{Skipped: 2}) {
		t.Fatalf("invitation after the cancellation %+v", st)
	}
}

// A send that the messenger refuses for the window waits: not failed, not
// retried.
func TestMarkWaiting(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	jobs := sqlite.NewJobStore(db)
	u := chatter(t, db, "zalo", "z")
	j := domain.Job{Key: "ann", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Payload: []byte(`{"text":"x"}`)}
	if _, err := jobs.CreateJob(ctx, &j, domain.Audience{Kind: domain.AudienceAll}, 0); err != nil {
		t.Fatal(err)
	}
	if batch, err := jobs.Claim(ctx, c.Now(), 10); err != nil || len(batch) != 1 {
		t.Fatalf("Claim = %+v, %v", batch, err)
	}
	if err := jobs.MarkWaiting(ctx, j.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if batch, _ := jobs.Claim(ctx, c.Now(), 10); len(batch) != 0 {
		t.Fatalf("a waiting recipient was retried: %+v", batch)
	}
	if st, _ := jobs.Stats(ctx, j.ID); st != (domain.JobStats{Waiting: 1}) {
		t.Fatalf("stats %+v", st)
	}
	// When the user writes again it goes, and is current (a new announcement).
	if _, err := sqlite.NewUserStore(db).Touch(ctx, "zalo", "z", "", "Uz"); err != nil {
		t.Fatal(err)
	}
	if batch, _ := jobs.Claim(ctx, c.Now(), 10); len(batch) != 1 {
		t.Fatalf("not released: %+v", batch)
	}
}

// Migration 0009 rebuilds job_recipients: the rows written before it are
// kept as they were, and users' last_seen_at starts from updated_at.
func TestReplyWindowMigrationKeepsRecipients(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sqlite.OpenAtVersion(ctx, path, c.Now, 8)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := old.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	ms := c.Now().UnixMilli()
	exec(`INSERT INTO users (id, channel, channel_id, consent, created_at, updated_at) VALUES
	(1, 'telegram', '1', 'given', ?, ?), (2, 'zalo', '2', 'given', ?, ?), (3, 'telegram', '3', 'given', ?, ?)`,
		ms-10, ms-5, ms-10, ms-4, ms-10, ms-3)
	exec(`INSERT INTO jobs (id, key, kind, topic, payload, total, created_at) VALUES (7, 'k', 'announce', 'general', '{"text":"x"}', 3, ?)`, ms)
	exec(`INSERT INTO job_recipients (job_id, user_id, channel, chat_id, lang, state, attempts, last_error, not_before, sent_at) VALUES
	(7, 1, 'telegram', '1', 'vi', 'sent', 0, '', 0, ?),
	(7, 2, 'zalo', '2', 'en', 'pending', 2, 'timeout', ?, NULL),
	(7, 3, 'telegram', '3', 'vi', 'failed', 5, 'bad', 0, NULL)`, ms, ms+1000)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := reopen(t, path, c)
	type row struct {
		User                       int64
		Channel, Chat, Lang, State string
		Attempts                   int
		Err                        string
		NotBefore                  int64
		Waited                     bool
	}
	var got []row
	rows, err := db.SQL().QueryContext(ctx, `SELECT user_id, channel, chat_id, lang, state, attempts, last_error, not_before, waited
FROM job_recipients WHERE job_id = 7 ORDER BY user_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.User, &r.Channel, &r.Chat, &r.Lang, &r.State, &r.Attempts, &r.Err, &r.NotBefore, &r.Waited); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	rows.Close()
	want := []row{
		{1, "telegram", "1", "vi", "sent", 0, "", 0, false},
		{2, "zalo", "2", "en", "pending", 2, "timeout", ms + 1000, false},
		{3, "telegram", "3", "vi", "failed", 5, "bad", 0, false},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("recipients after the migration\n got %+v\nwant %+v", got, want)
	}
	var indexes []string
	rows, err = db.SQL().QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'job_recipients' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		indexes = append(indexes, n)
	}
	rows.Close()
	if want := []string{"job_recipients_due", "job_recipients_user"}; !slices.Equal(indexes, want) {
		t.Errorf("indexes %q, want %q", indexes, want)
	}
	u, err := sqlite.NewUserStore(db).GetByID(ctx, 2)
	if err != nil || u.LastSeen.UnixMilli() != ms-4 {
		t.Fatalf("last seen of a user from before: %+v, %v", u, err)
	}
	// The new states are allowed; the old rows work with the store.
	jobs := sqlite.NewJobStore(db)
	if st, err := jobs.Stats(ctx, 7); err != nil || st != (domain.JobStats{Sent: 1, Pending: 1, Failed: 1}) {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
	c.Advance(8 * day)
	if batch, err := jobs.Claim(ctx, c.Now(), 10); err != nil || len(batch) != 0 {
		t.Fatalf("Claim = %+v, %v", batch, err)
	}
	if st, _ := jobs.RecipientState(ctx, 7, 2); st != sqlite.RecipientWaiting {
		t.Fatalf("the old Zalo recipient is %q", st)
	}
	// Foreign keys still hold: deleting the job deletes its recipients.
	if _, err := db.SQL().ExecContext(context.Background(), `DELETE FROM jobs WHERE id = 7`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM job_recipients`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("recipients left after their job: %d, %v", n, err)
	}
}
