package sqlite_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// person stores a consented user, with a subject of commune and a product
// of set in stage when commune is not empty.
func person(t *testing.T, db *sqlite.DB, id int, commune string, set int, stage domain.Stage) domain.User {
	t.Helper()
	ctx := context.Background()
	users := sqlite.NewUserStore(db)
	u, err := users.Touch(ctx, "telegram", strconv.Itoa(id), "", "U"+strconv.Itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
		t.Fatal(err)
	}
	if commune != "" {
		s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX " + strconv.Itoa(id), CommuneCode: commune}
		if err := sqlite.NewSubjectStore(db).Create(ctx, &s); err != nil {
			t.Fatal(err)
		}
		if err := users.LinkSubject(ctx, u.ID, s.ID); err != nil {
			t.Fatal(err)
		}
		p := domain.Product{SubjectID: s.ID, Name: "SP", Set: set, Stage: stage, Rulebook: "qd26-2026", Year: 2026}
		if err := sqlite.NewProductStore(db).Create(ctx, &p, commune, "80"); err != nil {
			t.Fatal(err)
		}
		u.SubjectID = s.ID
	}
	return u
}

func TestJobAudiencesHonourConsentBlocksAndOptOuts(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t, newClock())
	jobs := sqlite.NewJobStore(db)
	users := sqlite.NewUserStore(db)
	a := person(t, db, 1, "25480", 6, domain.StagePreparing)
	person(t, db, 2, "25480", 10, domain.StageRecognised)
	person(t, db, 3, "25630", 6, domain.StagePreparing)
	person(t, db, 4, "", 0, "") // not registered
	blocked := person(t, db, 5, "25480", 6, domain.StagePreparing)
	if err := users.SetBlocked(ctx, "telegram", "5", true); err != nil {
		t.Fatal(err)
	}
	out := person(t, db, 6, "25480", 6, domain.StagePreparing)
	if err := jobs.SetOptout(ctx, out.ID, domain.TopicFair, true); err != nil {
		t.Fatal(err)
	}
	noConsent := person(t, db, 7, "25480", 6, domain.StagePreparing)
	if err := users.SetConsent(ctx, noConsent.ID, domain.ConsentDeclined); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		aud   domain.Audience
		topic domain.Topic
		want  int
	}{
		{domain.Audience{Kind: domain.AudienceAll}, domain.TopicGeneral, 5}, // 1,2,3,4,6
		{domain.Audience{Kind: domain.AudienceAll}, domain.TopicFair, 4},    // 6 opted out
		{domain.Audience{Kind: domain.AudienceCommunes, Communes: []string{"25480"}}, domain.TopicFair, 2},
		{domain.Audience{Kind: domain.AudienceCommunes, Communes: []string{"25480", "25630"}}, domain.TopicTraining, 4},
		{domain.Audience{Kind: domain.AudienceGroups, Sets: []int{10}}, domain.TopicGeneral, 1},
		{domain.Audience{Kind: domain.AudienceStage, Stage: domain.StagePreparing}, domain.TopicGeneral, 3},
		{domain.Audience{Kind: domain.AudienceStage, Stage: domain.StageFailed}, domain.TopicGeneral, 0},
	} {
		n, err := jobs.CountAudience(ctx, tc.aud, tc.topic, a.ID+1000)
		if err != nil || n != tc.want {
			t.Errorf("%+v %s: %d, %v; want %d", tc.aud, tc.topic, n, err, tc.want)
		}
	}
	// The sender is left out of their own job; nobody makes no job.
	j := domain.Job{Key: "k1", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Payload: []byte(`{"text":"x"}`)}
	ok, err := jobs.CreateJob(ctx, &j, domain.Audience{Kind: domain.AudienceCommunes, Communes: []string{"25480"}}, a.ID)
	if err != nil || !ok || j.Total != 2 {
		t.Fatalf("CreateJob: %v %v total %d", ok, err, j.Total)
	}
	again := domain.Job{Key: "k1", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Payload: []byte(`{}`)}
	if ok, err := jobs.CreateJob(ctx, &again, domain.Audience{Kind: domain.AudienceAll}, 0); err != nil || ok || again.ID != j.ID {
		t.Fatalf("a known key made a new job: %v %v %+v", ok, err, again)
	}
	none := domain.Job{Key: "k2", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Payload: []byte(`{}`)}
	if ok, err := jobs.CreateJob(ctx, &none, domain.Audience{Kind: domain.AudienceStage, Stage: domain.StageFailed}, 0); err != nil || ok || none.ID != 0 {
		t.Fatalf("a job for nobody: %v %v %+v", ok, err, none)
	}
	if st, _ := jobs.RecipientState(ctx, j.ID, blocked.ID); st != "" {
		t.Errorf("a blocked user is a recipient (%s)", st)
	}
}

func TestJobRecipientsLifecycle(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db, _ := open(t, c)
	jobs := sqlite.NewJobStore(db)
	var ids []int64
	for i := range 5 {
		ids = append(ids, person(t, db, 100+i, "", 0, "").ID)
	}
	j := domain.Job{Key: "j", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Payload: []byte(`{"text":"x"}`)}
	if _, err := jobs.CreateJob(ctx, &j, domain.Audience{Kind: domain.AudienceAll}, 0); err != nil {
		t.Fatal(err)
	}
	batch, err := jobs.Claim(ctx, c.Now(), 3)
	if err != nil || len(batch) != 3 || string(batch[0].Payload) != `{"text":"x"}` {
		t.Fatalf("Claim: %v %+v", err, batch)
	}
	if err := jobs.MarkSent(ctx, j.ID, batch[0].UserID); err != nil {
		t.Fatal(err)
	}
	if err := jobs.MarkBlocked(ctx, j.ID, batch[1].UserID); err != nil {
		t.Fatal(err)
	}
	if err := jobs.MarkFailed(ctx, j.ID, batch[2].UserID, "timeout", c.Now().Add(time.Minute), false); err != nil {
		t.Fatal(err)
	}
	// A crash leaves nothing sending after Recover; the failed one waits.
	more, _ := jobs.Claim(ctx, c.Now(), 10)
	if len(more) != 2 {
		t.Fatalf("second claim: %d", len(more))
	}
	if n, err := jobs.Recover(ctx); err != nil || n != 2 {
		t.Fatalf("Recover: %d %v", n, err)
	}
	c.Advance(2 * time.Minute)
	more, _ = jobs.Claim(ctx, c.Now(), 10)
	if len(more) != 3 {
		t.Fatalf("after the retry time: %d", len(more))
	}
	for _, d := range more[:2] {
		_ = jobs.MarkSent(ctx, j.ID, d.UserID)
	}
	if over, _ := jobs.Complete(ctx, j.ID); over {
		t.Fatal("complete with one in flight")
	}
	if err := jobs.MarkFailed(ctx, j.ID, more[2].UserID, "bad", c.Now(), true); err != nil {
		t.Fatal(err)
	}
	if over, _ := jobs.Complete(ctx, j.ID); !over {
		t.Fatal("not complete")
	}
	st, _ := jobs.Stats(ctx, j.ID)
	if st != (domain.JobStats{Sent: 3, Blocked: 1, Failed: 1}) {
		t.Fatalf("stats %+v", st)
	}
	if got, _ := jobs.Job(ctx, j.ID); got.State != domain.JobDone {
		t.Fatalf("state %s", got.State)
	}
	if un, _ := jobs.Unreported(ctx); len(un) != 1 {
		t.Fatalf("unreported %d", len(un))
	}
	_ = jobs.MarkReported(ctx, j.ID)
	if un, _ := jobs.Unreported(ctx); len(un) != 0 {
		t.Fatalf("unreported after report %d", len(un))
	}

	// Cancel skips the pending; a user who blocked meanwhile is not sent.
	k := domain.Job{Key: "k", Kind: domain.JobAnnouncement, Topic: domain.TopicGeneral, Payload: []byte(`{"text":"y"}`)}
	if _, err := jobs.CreateJob(ctx, &k, domain.Audience{Kind: domain.AudienceAll}, 0); err != nil {
		t.Fatal(err)
	}
	_ = sqlite.NewUserStore(db).SetBlocked(ctx, "telegram", "100", true)
	got, _ := jobs.Claim(ctx, c.Now(), 1)
	if len(got) != 1 || got[0].UserID == ids[0] {
		t.Fatalf("claimed a blocked user: %+v", got)
	}
	if st, _ := jobs.RecipientState(ctx, k.ID, ids[0]); st != sqlite.RecipientBlocked {
		t.Fatalf("blocked recipient is %q", st)
	}
	if ok, err := jobs.Cancel(ctx, k.ID); !ok || err != nil {
		t.Fatal(ok, err)
	}
	st, _ = jobs.Stats(ctx, k.ID)
	if st.Pending != 0 || st.Skipped != 3 || st.Sending != 1 {
		t.Fatalf("after cancel %+v", st)
	}
	if left, _ := jobs.Claim(ctx, c.Now(), 10); len(left) != 0 {
		t.Fatalf("claimed from a cancelled job: %d", len(left))
	}
}

func TestEventsRSVPCapacityAttendanceAndTrainedFigure(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db, _ := open(t, c)
	events := sqlite.NewEventStore(db)
	a := person(t, db, 1, "25480", 6, domain.StagePreparing)
	b := person(t, db, 2, "25480", 6, domain.StagePreparing)
	d := person(t, db, 3, "25630", 6, domain.StagePreparing)
	officer := person(t, db, 4, "", 0, "")
	if err := sqlite.NewUserStore(db).Grant(ctx, 0, officer.ID, domain.RoleCommuneOfficer, []string{"25480"}); err != nil {
		t.Fatal(err)
	}
	ev := domain.Event{Kind: domain.EventTraining, Title: "Tập huấn", StartsAt: c.Now().Add(48 * time.Hour), EndsAt: c.Now().Add(60 * time.Hour),
		Audience: domain.Audience{Kind: domain.AudienceCommunes, Communes: []string{"25480", "25630"}}, Capacity: 2, CheckinCode: "abc"}
	job, err := events.CreateEvent(ctx, &ev, func(e domain.Event) *domain.Job {
		return &domain.Job{Kind: domain.JobInvitation, Topic: domain.TopicTraining, Payload: []byte(`{"msg":"ev.invite"}`)}
	})
	if err != nil || job == nil || job.Total != 3 || job.EventID != ev.ID {
		t.Fatalf("CreateEvent: %v %+v", err, job)
	}
	if err := events.RSVP(ctx, ev.ID, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := events.RSVP(ctx, ev.ID, b.ID, true); err != nil {
		t.Fatal(err)
	}
	err = events.RSVP(ctx, ev.ID, d.ID, true)
	if domain.ErrorKind(err) != domain.KindConflict || domain.ErrorMsgID(err) != "ev.full" {
		t.Fatalf("RSVP to a full event: %v", err)
	}
	if err := events.RSVP(ctx, ev.ID, a.ID, true); err != nil {
		t.Fatalf("a yes again counts against the capacity: %v", err)
	}
	if err := events.RSVP(ctx, ev.ID, d.ID, false); err != nil {
		t.Fatal(err)
	}
	if n, _ := events.Counts(ctx, ev.ID); n != (domain.RSVPCounts{Yes: 2, No: 1}) {
		t.Fatalf("counts %+v", n)
	}
	for _, u := range []int64{a.ID, officer.ID} {
		if fresh, err := events.MarkAttended(ctx, ev.ID, u, "qr", 0); !fresh || err != nil {
			t.Fatal(fresh, err)
		}
	}
	if fresh, _ := events.MarkAttended(ctx, ev.ID, a.ID, "officer", 9); fresh {
		t.Fatal("attendance recorded twice")
	}
	if n, _ := events.TrainedSubjects(ctx, nil); n != 1 {
		t.Errorf("TrainedSubjects = %d", n)
	}
	if n, _ := events.TrainedSubjects(ctx, []string{"25630"}); n != 0 {
		t.Errorf("TrainedSubjects(25630) = %d", n)
	}
	if n, _ := events.TrainedOfficers(ctx, []string{"25480"}); n != 1 {
		t.Errorf("TrainedOfficers = %d", n)
	}
	people, _ := events.People(ctx, ev.ID)
	if len(people) != 4 || !people[0].Attended {
		t.Errorf("people %+v", people)
	}
	// Cancelling tells those invited; answers are closed.
	notice := &domain.Job{Kind: domain.JobEventCancel, Topic: domain.TopicTraining, Payload: []byte(`{"msg":"x"}`)}
	if ok, err := events.CancelEvent(ctx, ev.ID, notice); !ok || err != nil || notice.Total != 3 {
		t.Fatalf("CancelEvent: %v %v %+v", ok, err, notice)
	}
	if err := events.RSVP(ctx, ev.ID, d.ID, true); domain.ErrorMsgID(err) != "ev.rsvp_cancelled" {
		t.Fatalf("RSVP after cancel: %v", err)
	}
	// A cancelled training does not count as training.
	if n, _ := events.TrainedSubjects(ctx, nil); n != 0 {
		t.Errorf("TrainedSubjects after cancel = %d", n)
	}
}
