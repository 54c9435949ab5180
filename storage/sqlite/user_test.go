package sqlite_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func TestUserTouch(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	users := sqlite.NewUserStore(db)

	if _, err := users.Get(ctx, "telegram", "100"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Get before Touch: %v, want ErrNotFound", err)
	}

	created := c.Now()
	u, err := users.Touch(ctx, "telegram", "100", "nguyenvana", "Nguyễn Văn A")
	if err != nil {
		t.Fatal(err)
	}
	want := domain.User{
		ID: u.ID, Channel: "telegram", ChannelID: "100", Username: "nguyenvana", Name: "Nguyễn Văn A",
		Role: domain.RoleProducer, Locale: domain.LocaleVI, LastSeen: created, CreatedAt: created, UpdatedAt: created,
	}
	if u.ID == 0 || !reflect.DeepEqual(u, want) {
		t.Fatalf("Touch created %+v, want %+v", u, want)
	}

	// Unchanged: the same row, nothing written.
	c.Advance(time.Minute)
	again, err := users.Touch(ctx, "telegram", "100", "nguyenvana", "Nguyễn Văn A")
	if err != nil || !reflect.DeepEqual(again, u) {
		t.Fatalf("second Touch = %+v, %v; want %+v", again, err, u)
	}

	// The same id on another channel is another user.
	other, err := users.Touch(ctx, "zalo", "100", "", "A")
	if err != nil || other.ID == u.ID {
		t.Fatalf("Touch on zalo = %+v, %v; want a new user", other, err)
	}

	// A changed name is recorded.
	c.Advance(time.Minute)
	renamed, err := users.Touch(ctx, "telegram", "100", "vana", "Văn A")
	if err != nil {
		t.Fatal(err)
	}
	if renamed.ID != u.ID || renamed.Username != "vana" || renamed.Name != "Văn A" ||
		!renamed.CreatedAt.Equal(created) || !renamed.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("Touch after rename = %+v", renamed)
	}

	// A blocked user who writes again is unblocked.
	if err := users.SetBlocked(ctx, "telegram", "100", true); err != nil {
		t.Fatal(err)
	}
	if b, _ := users.Get(ctx, "telegram", "100"); !b.Blocked {
		t.Fatal("SetBlocked(true) did not block")
	}
	back, err := users.Touch(ctx, "telegram", "100", "vana", "Văn A")
	if err != nil || back.Blocked {
		t.Fatalf("Touch of a blocked user = %+v, %v; want unblocked", back, err)
	}
	if got, _ := users.Get(ctx, "telegram", "100"); got.Blocked {
		t.Fatal("unblocking not stored")
	}

	wantKind(t, users.SetBlocked(ctx, "telegram", "nobody", true), domain.KindNotFound)
	if _, err := users.Touch(ctx, "", "1", "", ""); domain.ErrorKind(err) != domain.KindInvalid {
		t.Errorf("Touch without channel: %v, want KindInvalid", err)
	}
}

func TestUserSetters(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	users := sqlite.NewUserStore(db)
	subjects := sqlite.NewSubjectStore(db)

	u, err := users.Touch(ctx, "telegram", "7", "Tran_B", "Trần B")
	if err != nil {
		t.Fatal(err)
	}
	sub := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Bánh tráng Trảng Bàng", Phone: "+84912345678"}
	if err := subjects.Create(ctx, &sub); err != nil {
		t.Fatal(err)
	}

	c.Advance(time.Hour)
	consentAt := c.Now()
	for _, err := range []error{
		users.SetLocale(ctx, u.ID, domain.LocaleEN),
		users.SetConsent(ctx, u.ID, domain.ConsentGiven),
		users.SetRole(ctx, u.ID, domain.RoleCommuneOfficer),
		users.LinkSubject(ctx, u.ID, sub.ID),
		users.SetStartPayload(ctx, u.ID, "ref-hoi-cho"),
		users.SetStartPayload(ctx, u.ID, "second"), // ignored: the first is kept
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := users.GetByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Locale != domain.LocaleEN || got.Consent != domain.ConsentGiven || !got.ConsentAt.Equal(consentAt) ||
		got.Role != domain.RoleCommuneOfficer || got.SubjectID != sub.ID || got.StartPayload != "ref-hoi-cho" {
		t.Fatalf("after setters: %+v", got)
	}

	if err := users.SetConsent(ctx, u.ID, domain.ConsentUnknown); err != nil {
		t.Fatal(err)
	}
	if got, _ := users.GetByID(ctx, u.ID); got.Consent != domain.ConsentUnknown || !got.ConsentAt.IsZero() {
		t.Fatalf("after clearing consent: %+v", got)
	}

	for _, name := range []string{"tran_b", "@TRAN_B", "Tran_B"} {
		found, err := users.FindByUsername(ctx, name)
		if err != nil || found.ID != u.ID {
			t.Errorf("FindByUsername(%q) = %d, %v; want %d", name, found.ID, err, u.ID)
		}
	}
	for _, name := range []string{"", "@", "tran"} {
		if _, err := users.FindByUsername(ctx, name); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("FindByUsername(%q): %v, want ErrNotFound", name, err)
		}
	}

	const missing = 999
	for name, err := range map[string]error{
		"SetLocale":       users.SetLocale(ctx, missing, domain.LocaleVI),
		"SetConsent":      users.SetConsent(ctx, missing, domain.ConsentGiven),
		"SetRole":         users.SetRole(ctx, missing, domain.RoleAdmin),
		"LinkSubject":     users.LinkSubject(ctx, missing, sub.ID),
		"SetStartPayload": users.SetStartPayload(ctx, missing, "x"),
	} {
		if !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s of a missing user: %v, want ErrNotFound", name, err)
		}
	}
	if _, err := users.GetByID(ctx, missing); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("GetByID of a missing user: %v, want ErrNotFound", err)
	}
}

func TestListBySubject(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t, newClock())
	users, subjects := sqlite.NewUserStore(db), sqlite.NewSubjectStore(db)
	s := domain.Subject{Kind: domain.KindFarm, Name: "Trang trại A", Phone: "+84912345678", CommuneCode: "25480"}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	a, _ := users.Touch(ctx, "telegram", "1", "", "A")
	b, _ := users.Touch(ctx, "telegram", "2", "", "B")
	_, _ = users.Touch(ctx, "telegram", "3", "", "C")
	for _, u := range []domain.User{a, b} {
		if err := users.LinkSubject(ctx, u.ID, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	got, err := users.ListBySubject(ctx, s.ID)
	if err != nil || len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
		t.Fatalf("ListBySubject = %+v, %v", got, err)
	}
	if none, err := users.ListBySubject(ctx, 999); err != nil || len(none) != 0 {
		t.Fatalf("unknown subject: %+v %v", none, err)
	}
}

func TestGrantScopesAndAudit(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t, newClock())
	users := sqlite.NewUserStore(db)
	admin, _ := users.Touch(ctx, "telegram", "1", "boss", "Admin")
	officer, _ := users.Touch(ctx, "telegram", "2", "can_bo", "Cán bộ")
	if err := users.Grant(ctx, admin.ID, officer.ID, domain.RoleCommuneOfficer, []string{"25480", "25459"}); err != nil {
		t.Fatal(err)
	}
	got, _ := users.Communes(ctx, officer.ID)
	if len(got) != 2 || got[0] != "25459" || got[1] != "25480" {
		t.Fatalf("communes = %v", got)
	}
	of, _ := users.OfficersOf(ctx, "25480")
	if len(of) != 1 || of[0].ID != officer.ID {
		t.Fatalf("officers of 25480 = %+v", of)
	}
	if none, _ := users.OfficersOf(ctx, "99999"); len(none) != 0 {
		t.Fatalf("officers of another commune = %+v", none)
	}
	if err := users.Grant(ctx, admin.ID, officer.ID, domain.RoleProducer, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := users.Communes(ctx, officer.ID); len(got) != 0 {
		t.Fatalf("communes kept after the role was removed: %v", got)
	}
	changes, err := users.RoleChanges(ctx, 10)
	if err != nil || len(changes) != 2 || changes[0].NewRole != domain.RoleProducer || changes[1].NewRole != domain.RoleCommuneOfficer ||
		changes[1].ActorID != admin.ID || len(changes[1].Communes) != 2 {
		t.Fatalf("audit = %+v, %v", changes, err)
	}
	if err := users.Grant(ctx, admin.ID, 999, domain.RoleAdmin, nil); domain.ErrorKind(err) != domain.KindNotFound {
		t.Fatalf("grant to an unknown user: %v", err)
	}
	offs, _ := users.Officers(ctx)
	if len(offs) != 0 {
		t.Fatalf("officers = %+v", offs)
	}
}

// Touch keeps users in memory; every write of a user, through any store of
// the same database, is seen by the next Touch.
func TestTouchSeesEveryWrite(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	ctx := t.Context()
	a, b := sqlite.NewUserStore(db), sqlite.NewUserStore(db)
	u, err := a.Touch(ctx, "telegram", "77", "lan", "Lan")
	if err != nil {
		t.Fatal(err)
	}
	touch := func() domain.User {
		t.Helper()
		got, err := a.Touch(ctx, "telegram", "77", "lan", "Lan")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	touch() // cached now
	if err := b.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
		t.Fatal(err)
	}
	if got := touch(); got.Consent != domain.ConsentGiven {
		t.Errorf("consent after SetConsent: %v", got.Consent)
	}
	if err := b.Grant(ctx, 0, u.ID, domain.RoleProvinceOfficer, nil); err != nil {
		t.Fatal(err)
	}
	if got := touch(); got.Role != domain.RoleProvinceOfficer {
		t.Errorf("role after Grant: %v", got.Role)
	}
	if err := b.SetBlocked(ctx, "telegram", "77", true); err != nil {
		t.Fatal(err)
	}
	if got := touch(); got.Blocked {
		t.Error("a user who writes again is not blocked")
	}
	if got, err := b.Get(ctx, "telegram", "77"); err != nil || got.Blocked {
		t.Errorf("Get after Touch of a blocked user: %+v, %v", got, err)
	}
	if got, _ := a.Touch(ctx, "telegram", "77", "lan2", "Lan Nguyễn"); got.Username != "lan2" || got.Name != "Lan Nguyễn" {
		t.Errorf("renamed: %+v", got)
	}
	if got := touch(); got.Username != "lan" {
		t.Errorf("renamed back: %+v", got)
	}
}

// The open-form marks of several users are one write; a user gone
// meanwhile (erased) is skipped, and each user's next read has them.
func TestSetOpenFormsOfSeveralUsers(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	users := sqlite.NewUserStore(db)
	a, err := users.Touch(ctx, "zalo", "1", "", "An")
	if err != nil {
		t.Fatal(err)
	}
	b, err := users.Touch(ctx, "telegram", "2", "binh", "Bình")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetOpenForms(ctx, map[int64][]string{a.ID: {"dangky", "sp"}, b.ID: {"dangky"}, 999999: {"sp"}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		channel, id string
		forms       []string
	}{{"zalo", "1", []string{"dangky", "sp"}}, {"telegram", "2", []string{"dangky"}}} {
		got, err := users.Get(ctx, want.channel, want.id)
		if err != nil || !slices.Equal(got.OpenForms, want.forms) {
			t.Fatalf("%s:%s: open forms %v, %v; want %v", want.channel, want.id, got.OpenForms, err, want.forms)
		}
	}
	if err := users.SetOpenForms(ctx, map[int64][]string{a.ID: nil}); err != nil {
		t.Fatal(err)
	}
	if got, err := users.Get(ctx, "zalo", "1"); err != nil || len(got.OpenForms) != 0 {
		t.Fatalf("open forms after closing: %v, %v", got.OpenForms, err)
	}
	if got, err := users.Get(ctx, "telegram", "2"); err != nil || len(got.OpenForms) != 1 {
		t.Fatalf("the other user's marks changed: %v, %v", got.OpenForms, err)
	}
}

// A statement of a moment runs without its context's cancellation, but a
// context already cancelled still fails it.
func TestCancelledContextFailsAPointStatement(t *testing.T) {
	db, _ := open(t, newClock())
	users := sqlite.NewUserStore(db)
	if _, err := users.Touch(t.Context(), "zalo", "1", "", "An"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := users.Get(ctx, "zalo", "1"); err == nil {
		t.Fatal("Get ran with a cancelled context")
	}
	if err := users.SetConsent(ctx, 1, domain.ConsentGiven); err == nil {
		t.Fatal("SetConsent ran with a cancelled context")
	}
	if u, err := users.Get(t.Context(), "zalo", "1"); err != nil || u.Consent == domain.ConsentGiven {
		t.Fatalf("after the cancelled write: %+v, %v", u, err)
	}
}
