package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// The events sheet lists everyone invited to, answering or attending an
// event not cancelled, in the commune of their subject; officers are in
// their communes' lists, other people without a subject in the province's
// only.
func TestEventAttendanceByArea(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db, _ := open(t, c)
	events, users := sqlite.NewEventStore(db), sqlite.NewUserStore(db)
	a := person(t, db, 1, "25480", 6, domain.StagePreparing)
	person(t, db, 2, "25630", 6, domain.StagePreparing) // invited only
	officer := person(t, db, 3, "", 0, "")
	if err := users.Grant(ctx, 0, officer.ID, domain.RoleCommuneOfficer, []string{"25480"}); err != nil {
		t.Fatal(err)
	}
	province := person(t, db, 4, "", 0, "")
	if err := users.Grant(ctx, 0, province.ID, domain.RoleProvinceOfficer, nil); err != nil {
		t.Fatal(err)
	}

	create := func(kind domain.EventKind, title string, starts time.Duration, aud *domain.Audience) domain.Event {
		t.Helper()
		ev := domain.Event{Kind: kind, Title: title, Place: "Hội trường " + title, StartsAt: c.Now().Add(starts),
			EndsAt: c.Now().Add(starts + 8*time.Hour), Audience: domain.Audience{Kind: domain.AudienceAll}, CheckinCode: title}
		var invite func(domain.Event) *domain.Job
		if aud != nil {
			ev.Audience = *aud
			invite = func(domain.Event) *domain.Job {
				return &domain.Job{Kind: domain.JobInvitation, Topic: kind.Topic(), Payload: []byte(`{"msg":"ev.invite"}`)}
			}
		}
		if _, err := events.CreateEvent(ctx, &ev, invite); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	// Invited: a and b (the subjects of the two communes).
	training := create(domain.EventTraining, "Tập huấn", 48*time.Hour,
		&domain.Audience{Kind: domain.AudienceCommunes, Communes: []string{"25480", "25630"}})
	fair := create(domain.EventFair, "Hội chợ", 24*time.Hour, nil) // earlier, nobody invited
	cancelled := create(domain.EventOther, "Hủy", time.Hour, nil)
	person(t, db, 5, "25480", 6, domain.StagePreparing) // registered since: on no list
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(events.RSVP(ctx, training.ID, a.ID, true))
	check(events.RSVP(ctx, fair.ID, a.ID, false))
	check(events.RSVP(ctx, cancelled.ID, a.ID, true))
	for _, u := range []int64{a.ID, officer.ID, province.ID} {
		_, err := events.MarkAttended(ctx, training.ID, u, "qr", 0)
		check(err)
	}
	_, err := events.CancelEvent(ctx, cancelled.ID, nil)
	check(err)

	list := func(area domain.Area) []string {
		t.Helper()
		rows, err := events.EventAttendance(ctx, area)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%v", r.Event, r.Kind, r.Place, r.Person, r.Subject, r.Commune, r.RSVP, r.Attended))
			if want := map[int64]time.Time{training.ID: training.StartsAt, fair.ID: fair.StartsAt}[r.EventID]; !r.Starts.Equal(want) {
				t.Errorf("%s starts %v, want %v", r.Event, r.Starts, want)
			}
		}
		return out
	}
	var (
		fairA     = "Hội chợ|hoi_cho|Hội trường Hội chợ|U1|HTX 1|25480|no|false"
		trainingA = "Tập huấn|tap_huan|Hội trường Tập huấn|U1|HTX 1|25480|yes|true"
		trainingB = "Tập huấn|tap_huan|Hội trường Tập huấn|U2|HTX 2|25630||false"
		officerR  = "Tập huấn|tap_huan|Hội trường Tập huấn|U3||||true"
		provinceR = "Tập huấn|tap_huan|Hội trường Tập huấn|U4||||true"
	)
	for _, tc := range []struct {
		name string
		area domain.Area
		want []string
	}{
		{"province", domain.Area{All: true}, []string{fairA, trainingA, trainingB, officerR, provinceR}},
		{"25480", domain.Area{Communes: []string{"25480"}}, []string{fairA, trainingA, officerR}},
		{"25630", domain.Area{Communes: []string{"25630"}}, []string{trainingB}},
		{"elsewhere", domain.Area{Communes: []string{"00001"}}, nil},
		{"no commune", domain.Area{Communes: []string{}}, nil},
	} {
		if got := list(tc.area); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
