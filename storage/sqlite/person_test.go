package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// A Telegram and a Zalo account of one producer: linked, they share the
// subject and the role, a grant reaches both, and notices go to the
// channel used last.
func TestPersonOnTwoChannels(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db, _ := open(t, c)
	users := sqlite.NewUserStore(db)
	subjects := sqlite.NewSubjectStore(db)
	tg, err := users.Touch(ctx, "telegram", "501", "lan", "Lan")
	if err != nil {
		t.Fatal(err)
	}
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Lan", Phone: "+84912000501", PhoneVerified: true, CommuneCode: "25480"}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(ctx, tg.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := users.Grant(ctx, 0, tg.ID, domain.RoleCommuneOfficer, []string{"25480"}); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Hour)
	zl, err := users.Touch(ctx, "zalo", "5000000000501", "", "Lan")
	if err != nil {
		t.Fatal(err)
	}
	// Someone else acts for the subject too (a co-op member).
	member, _ := users.Touch(ctx, "telegram", "777", "", "Minh")
	if err := users.LinkSubject(ctx, member.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := users.LinkPerson(ctx, zl.ID, tg.ID); err != nil {
		t.Fatal(err)
	}
	zl, _ = users.Get(ctx, "zalo", "5000000000501")
	if zl.SubjectID != s.ID || zl.Role != domain.RoleCommuneOfficer {
		t.Fatalf("the Zalo account did not take the subject and role: %+v", zl)
	}
	if cs, _ := users.Communes(ctx, zl.ID); len(cs) != 1 || cs[0] != "25480" {
		t.Fatalf("communes of the Zalo account: %v", cs)
	}
	person, err := users.PersonUsers(ctx, tg.ID)
	if err != nil || len(person) != 2 {
		t.Fatalf("PersonUsers = %+v, %v", person, err)
	}
	// The Zalo account wrote last: notices go there; the member still
	// gets theirs.
	reach, err := users.ReachBySubject(ctx, s.ID)
	if err != nil || len(reach) != 2 || reach[0].ID != zl.ID || reach[1].ID != member.ID {
		t.Fatalf("ReachBySubject = %+v, %v", reach, err)
	}
	if r, err := users.Reach(ctx, tg.ID); err != nil || r.ID != zl.ID {
		t.Fatalf("Reach = %+v, %v", r, err)
	}
	// Blocked on Zalo: back to Telegram.
	if err := users.SetBlocked(ctx, "zalo", zl.ChannelID, true); err != nil {
		t.Fatal(err)
	}
	if r, err := users.Reach(ctx, zl.ID); err != nil || r.ID != tg.ID {
		t.Fatalf("Reach with Zalo blocked = %+v, %v", r, err)
	}
	// A grant (or a revocation) on one account holds on both.
	if err := users.Grant(ctx, 0, zl.ID, domain.RoleProducer, nil); err != nil {
		t.Fatal(err)
	}
	tg, _ = users.Get(ctx, "telegram", "501")
	if tg.Role != domain.RoleProducer {
		t.Fatalf("revoked on Zalo, still %s on Telegram", tg.Role)
	}
	if err := users.LinkPerson(ctx, tg.ID, tg.ID); err == nil {
		t.Fatal("a user was linked to itself")
	}
	// Officers of a commune: one person once.
	if err := users.Grant(ctx, 0, tg.ID, domain.RoleCommuneOfficer, []string{"25480"}); err != nil {
		t.Fatal(err)
	}
	offs, err := users.OfficersOf(ctx, "25480")
	if err != nil || len(offs) != 1 {
		t.Fatalf("OfficersOf = %+v, %v", offs, err)
	}

	// An announcement to everyone reaches the person once; the officer who
	// sends it is left out on both channels.
	for _, u := range []domain.User{tg, zl, member} {
		if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
			t.Fatal(err)
		}
	}
	if err := users.SetBlocked(ctx, "zalo", zl.ChannelID, false); err != nil {
		t.Fatal(err)
	}
	jobs := sqlite.NewJobStore(db)
	all := domain.Audience{Kind: domain.AudienceAll}
	if n, err := jobs.CountAudience(ctx, all, domain.TopicGeneral, 0); err != nil || n != 2 {
		t.Fatalf("audience of everyone = %d, %v; want 2 (the person once, the member)", n, err)
	}
	if n, err := jobs.CountAudience(ctx, all, domain.TopicGeneral, zl.ID); err != nil || n != 1 {
		t.Fatalf("audience without the sender's person = %d, %v; want 1", n, err)
	}
}
