package sqlite_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// TestRetentionOfInactivePeople: the daily cleanup finds the people who
// never registered and wrote last more than domain.InactiveRetention ago,
// on every account; not those with a subject, an officer role, a role
// history, a recent account on another channel, or a recent message.
func TestRetentionOfInactivePeople(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	users, subjects := sqlite.NewUserStore(db), sqlite.NewSubjectStore(db)
	privacy := sqlite.NewPrivacyStore(db)
	touch := func(channel, id string) domain.User {
		t.Helper()
		u, err := users.Touch(ctx, channel, id, "", "Người "+id)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	silent := touch("telegram", "1") // never registered: due
	registered := touch("telegram", "2")
	s := domain.Subject{Kind: domain.KindHousehold, Name: "Hộ Hai", Phone: "+84912000002", CommuneCode: "25480"}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(ctx, registered.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	officer := touch("telegram", "3")
	if err := users.Grant(ctx, 0, officer.ID, domain.RoleCommuneOfficer, []string{"25480"}); err != nil {
		t.Fatal(err)
	}
	twoChannels := touch("telegram", "4")
	c.Advance(domain.InactiveRetention + 24*time.Hour)
	recentZalo := touch("zalo", "4") // the same person wrote on Zalo lately
	if err := users.LinkPerson(ctx, recentZalo.ID, twoChannels.ID); err != nil {
		t.Fatal(err)
	}
	fresh := touch("telegram", "5")

	due, err := privacy.Inactive(ctx, c.Now(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(due, []int64{silent.ID}) {
		t.Fatalf("Inactive = %v, want only %d (registered %d, officer %d, two channels %d/%d, fresh %d)",
			due, silent.ID, registered.ID, officer.ID, twoChannels.ID, recentZalo.ID, fresh.ID)
	}
	r, err := privacy.Erase(ctx, silent.ID, domain.PrivacyExpired)
	if err != nil || r.Accounts != 1 || r.SubjectKept != "" {
		t.Fatalf("Erase = %+v, %v", r, err)
	}
	if _, err := users.Get(ctx, "telegram", "1"); domain.ErrorKind(err) != domain.KindNotFound {
		t.Fatalf("the erased user is still there: %v", err)
	}
	if due, _ := privacy.Inactive(ctx, c.Now(), 100); len(due) != 0 {
		t.Fatalf("Inactive after the cleanup = %v", due)
	}
	var kind string
	if err := db.SQL().QueryRowContext(ctx, `SELECT kind FROM privacy_requests WHERE user_id = ?`, silent.ID).Scan(&kind); err != nil || kind != domain.PrivacyExpired {
		t.Fatalf("audit: %q, %v", kind, err)
	}
}

// TestEraseKeepsASubjectOthersActFor: when someone else acts for the
// subject too, erasing removes only the person's accounts.
func TestEraseKeepsASubjectOthersActFor(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	users, subjects := sqlite.NewUserStore(db), sqlite.NewSubjectStore(db)
	s := domain.Subject{Kind: domain.KindHousehold, Name: "Hộ Ba", Phone: "+84912000003", CommuneCode: "25480"}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, id := range []string{"1", "2"} {
		u, err := users.Touch(ctx, "telegram", id, "", "")
		if err == nil {
			err = users.LinkSubject(ctx, u.ID, s.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	d, err := sqlite.NewPrivacyStore(db).Collect(ctx, ids[0])
	if err != nil || d.SharedWith != 1 || d.Subject.Name != "Hộ Ba" {
		t.Fatalf("Collect = %+v, %v", d, err)
	}
	r, err := sqlite.NewPrivacyStore(db).Erase(ctx, ids[0], domain.PrivacyErase)
	if err != nil || r.SubjectKept != domain.SubjectShared {
		t.Fatalf("Erase = %+v, %v", r, err)
	}
	if got, err := subjects.Get(ctx, s.ID); err != nil || got.Name != "Hộ Ba" || got.Phone != s.Phone {
		t.Fatalf("the shared subject changed: %+v, %v", got, err)
	}
	if u, err := users.Get(ctx, "telegram", "2"); err != nil || u.SubjectID != s.ID {
		t.Fatalf("the other person lost the subject: %+v, %v", u, err)
	}
}

// TestDownloadFilesExpire: a file made for a download link is given back
// for removal once its link expired, unless a dossier or a live link uses it.
func TestDownloadFilesExpire(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	dl := sqlite.NewDownloads(db)
	now := c.Now()
	for _, d := range []struct {
		sum string
		ttl time.Duration
	}{{"a", time.Hour}, {"b", time.Hour}, {"b", 48 * time.Hour}, {"c", 48 * time.Hour}} {
		if err := dl.Add(ctx, d.sum, "zalo", "9", now.Add(d.ttl)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := dl.Expire(ctx, now.Add(2*time.Hour))
	if err != nil || !slices.Equal(got, []string{"a"}) {
		t.Fatalf("Expire = %v, %v; want [a]", got, err)
	}
	got, err = dl.Expire(ctx, now.Add(49*time.Hour))
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("Expire later = %v, %v; want [b c]", got, err)
	}
}
