package sqlite_test

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func atomicSubject(phone string) domain.Subject {
	return domain.Subject{Kind: domain.KindHousehold, Name: "Hộ bà Năm", Representative: "Lê Thị Năm", Phone: phone, CommuneCode: "25459"}
}

// The stores join an Atomic through its context: what they wrote is kept
// all together on Commit, and nothing of it on Rollback; a save's record
// goes with it.
func TestAtomicJoinsTheStores(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	subjects, users, saves := sqlite.NewSubjectStore(db), sqlite.NewUserStore(db), sqlite.NewSaves(db)
	u, err := users.Touch(ctx, "telegram", "7", "", "Năm")
	if err != nil {
		t.Fatal(err)
	}

	// Rolled back: neither the subject, nor the link, nor the record.
	actx, tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := atomicSubject("+84912000001")
	if err := subjects.Create(actx, &s); err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(actx, u.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := saves.Record(actx, "telegram", "7", "form:a", "reg", "subject:1"); err != nil {
		t.Fatal(err)
	}
	// Inside, the writes are seen; outside, not yet.
	if _, err := subjects.Get(actx, s.ID); err != nil {
		t.Fatalf("the Atomic does not see its own subject: %v", err)
	}
	if _, err := subjects.Get(ctx, s.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another connection sees an uncommitted subject: %v", err)
	}
	tx.Rollback()
	if _, err := subjects.Get(ctx, s.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a rolled back subject is there: %v", err)
	}
	if got, _ := users.Touch(ctx, "telegram", "7", "", "Năm"); got.SubjectID != 0 {
		t.Fatalf("a rolled back link is there: %+v", got)
	}
	if _, _, ok, err := saves.Saved(ctx, "telegram", "7", "form:a"); ok || err != nil {
		t.Fatalf("a rolled back record is there: %v %v", ok, err)
	}
	// The context works on its own after the end.
	if err := subjects.Create(actx, &s); err != nil {
		t.Fatalf("after Rollback: %v", err)
	}

	// Committed: all of it.
	actx, tx, err = db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2 := atomicSubject("+84912000002")
	if err := subjects.Create(actx, &s2); err != nil {
		t.Fatal(err)
	}
	if err := users.LinkSubject(actx, u.ID, s2.ID); err != nil {
		t.Fatal(err)
	}
	// A read inside (of the user's own write) is not cached: it could
	// yet be rolled back.
	if got, _ := users.Touch(actx, "telegram", "7", "", "Năm"); got.SubjectID != s2.ID {
		t.Fatalf("inside: %+v", got)
	}
	if err := saves.Record(actx, "telegram", "7", "form:b", "reg", "subject:2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Begin(actx); !errors.Is(err, sqlite.ErrNestedAtomic) {
		t.Fatalf("a nested Begin: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("a second Commit succeeded")
	}
	if got, _ := users.Touch(ctx, "telegram", "7", "", "Năm"); got.SubjectID != s2.ID {
		t.Fatalf("after Commit: %+v", got)
	}
	flow, ref, ok, err := saves.Saved(ctx, "telegram", "7", "form:b")
	if !ok || err != nil || flow != "reg" || ref != "subject:2" {
		t.Fatalf("Saved: %q %q %v %v", flow, ref, ok, err)
	}
	if err := saves.Record(ctx, "telegram", "7", "form:b", "reg", "subject:3"); domain.ErrorKind(err) != domain.KindConflict {
		t.Fatalf("a step recorded twice: %v", err)
	}
	if _, _, ok, _ := saves.Saved(ctx, "telegram", "8", "form:b"); ok {
		t.Fatal("another user's save was found")
	}
}

// A store's own transaction inside an Atomic is a savepoint: when it fails,
// what it wrote is undone and the Atomic goes on.
func TestAtomicStoreTransactionIsASavepoint(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	subjects := sqlite.NewSubjectStore(db)
	actx, tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	a := atomicSubject("+84912000011")
	if err := subjects.Create(actx, &a); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := db.InTx(actx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(actx, `INSERT INTO kv (key, value, expires_at) VALUES ('x', 'y', NULL)`); err != nil {
			t.Fatal(err)
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("the failed store transaction: %v", err)
	}
	b := atomicSubject("+84912000013")
	if err := subjects.Create(actx, &b); err != nil {
		t.Fatalf("after a failed savepoint: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a.ID, b.ID} {
		if _, err := subjects.Get(ctx, id); err != nil {
			t.Errorf("subject %d: %v", id, err)
		}
	}
	var n int
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM kv WHERE key = 'x'`).Scan(&n)
	}); err != nil || n != 0 {
		t.Fatalf("what the failed savepoint wrote: %d rows, %v", n, err)
	}
}

// A user changed inside an Atomic is read afresh once it commits, even
// when another update read (and cached) it meanwhile.
func TestAtomicUserCacheAfterCommit(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	users := sqlite.NewUserStore(db)
	u, err := users.Touch(ctx, "zalo", "9", "", "Chín")
	if err != nil {
		t.Fatal(err)
	}
	actx, tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetRole(actx, u.ID, domain.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	// Another update reads the user as committed, and caches it.
	if got, _ := users.Touch(ctx, "zalo", "9", "", "Chín"); got.Role == domain.RoleAdmin {
		t.Fatal("an uncommitted role was seen")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := users.Touch(ctx, "zalo", "9", "", "Chín"); got.Role != domain.RoleAdmin {
		t.Fatalf("the committed role is not seen: %+v", got)
	}
}

// A user's own writes outside a transaction leave their row cached as the
// write returned it: the next Touch sees each change (consent, a form
// opened and closed, the link to a subject, the language) without reading
// the user again, and a write rolled back inside an Atomic is not seen.
func TestUserWritesKeepTheRowTheyReturn(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	users, subjects := sqlite.NewUserStore(db), sqlite.NewSubjectStore(db)
	u, err := users.Touch(ctx, "zalo", "11", "", "Mười Một")
	if err != nil {
		t.Fatal(err)
	}
	touch := func() domain.User {
		t.Helper()
		got, err := users.Touch(ctx, "zalo", "11", "", "Mười Một")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	s := atomicSubject("+84912000011")
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		write func() error
		check func(domain.User) bool
	}{
		{"consent", func() error { return users.SetConsent(ctx, u.ID, domain.ConsentGiven) }, func(g domain.User) bool { return g.Consent == domain.ConsentGiven }},
		{"form opened", func() error { return users.SetOpenForms(ctx, map[int64][]string{u.ID: {"reg"}}) }, func(g domain.User) bool { return len(g.OpenForms) == 1 && g.OpenForms[0] == "reg" }},
		{"subject linked", func() error { return users.LinkSubject(ctx, u.ID, s.ID) }, func(g domain.User) bool { return g.SubjectID == s.ID }},
		{"form closed", func() error { return users.SetOpenForms(ctx, map[int64][]string{u.ID: nil}) }, func(g domain.User) bool { return len(g.OpenForms) == 0 }},
		{"language", func() error { return users.SetLocale(ctx, u.ID, "en") }, func(g domain.User) bool { return g.Locale == "en" }},
	}
	for _, st := range steps {
		touch() // cached before the write
		if err := st.write(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := touch(); !st.check(got) {
			t.Errorf("after %s, Touch gives %+v", st.name, got)
		}
	}
	var stored string
	if err := db.SQL().QueryRowContext(ctx, `SELECT locale FROM users WHERE id = ?`, u.ID).Scan(&stored); err != nil || stored != "en" {
		t.Fatalf("the database holds %q (%v)", stored, err)
	}

	actx, tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetLocale(actx, u.ID, "vi"); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if got := touch(); got.Locale != "en" {
		t.Errorf("a rolled back write is seen: %+v", got)
	}
	if err := users.SetLocale(ctx, u.ID+1000, "vi"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a write of nobody: %v", err)
	}

	// The row is served from the write, not read again: a change made
	// behind the store's back (which the bot never does) is not seen.
	if err := users.SetConsent(ctx, u.ID, domain.ConsentGiven); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE users SET locale = 'xx' WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := touch(); got.Locale != "en" {
		t.Errorf("the user was read again after their write: %+v", got)
	}
}
