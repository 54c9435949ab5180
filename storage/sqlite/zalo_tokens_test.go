package sqlite_test

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func TestZaloTokensSaveLoad(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, path := open(t, c)
	z := sqlite.NewZaloTokens(db)

	if p, ok, err := z.Load(ctx, "app-1"); err != nil || ok || p != (sqlite.ZaloTokenPair{}) {
		t.Fatalf("Load of an empty store = %+v, %v, %v; want nothing", p, ok, err)
	}

	// Times keep the millisecond and come back in UTC; quotes and the like
	// are values, not SQL.
	local := time.FixedZone("ICT", 7*3600)
	first := sqlite.ZaloTokenPair{
		Access:        "acc-1'; DROP TABLE zalo_tokens; --",
		Refresh:       "ref-1",
		AccessExpires: c.Now().Add(25*time.Hour + 123456789*time.Nanosecond).In(local),
		RefreshIssued: c.Now().In(local),
	}
	if err := z.Save(ctx, "app-1", first); err != nil {
		t.Fatalf("Save: %v", err)
	}
	want := first
	want.AccessExpires = first.AccessExpires.Truncate(time.Millisecond).UTC()
	want.RefreshIssued = first.RefreshIssued.UTC()
	if got, ok, err := z.Load(ctx, "app-1"); err != nil || !ok || got != want {
		t.Fatalf("Load = %+v, %v, %v; want %+v", got, ok, err, want)
	}

	// A refresh overwrites the pair: the old refresh token is spent.
	c.Advance(20 * time.Hour)
	second := sqlite.ZaloTokenPair{Access: "acc-2", Refresh: "ref-2",
		AccessExpires: c.Now().Add(25 * time.Hour), RefreshIssued: c.Now()}
	if err := z.Save(ctx, "app-1", second); err != nil {
		t.Fatalf("second Save: %v", err)
	}
	if got, ok, err := z.Load(ctx, "app-1"); err != nil || !ok || got != second {
		t.Fatalf("Load after the second Save = %+v, %v, %v; want %+v", got, ok, err, second)
	}
	var rows int
	var updated int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*), max(updated_at) FROM zalo_tokens`).Scan(&rows, &updated); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || updated != c.Now().UnixMilli() {
		t.Errorf("%d rows, updated_at %d; want 1 row updated at %d (the DB's clock)", rows, updated, c.Now().UnixMilli())
	}

	// Keys are separate OAs.
	if _, ok, err := z.Load(ctx, "app-2"); err != nil || ok {
		t.Errorf("Load of another key = %v, %v; want nothing", ok, err)
	}

	// Another process on the same file sees the pair.
	other := sqlite.NewZaloTokens(reopen(t, path, c))
	if got, ok, err := other.Load(ctx, "app-1"); err != nil || !ok || got != second {
		t.Errorf("Load from another connection = %+v, %v, %v; want %+v", got, ok, err, second)
	}
}

func TestZaloTokensSaveRefusesIncompletePair(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	z := sqlite.NewZaloTokens(db)
	good := sqlite.ZaloTokenPair{Access: "acc", Refresh: "ref", AccessExpires: c.Now().Add(time.Hour), RefreshIssued: c.Now()}
	if err := z.Save(ctx, "app-1", good); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		key string
		p   sqlite.ZaloTokenPair
	}{
		"empty key":        {"", good},
		"no refresh token": {"app-1", sqlite.ZaloTokenPair{Access: "acc-2", AccessExpires: c.Now().Add(time.Hour)}},
		"no access token":  {"app-1", sqlite.ZaloTokenPair{Refresh: "ref-2", AccessExpires: c.Now().Add(time.Hour)}},
	} {
		t.Run(name, func(t *testing.T) {
			wantKind(t, z.Save(ctx, tc.key, tc.p), domain.KindInvalid)
		})
	}
	if got, ok, err := z.Load(ctx, "app-1"); err != nil || !ok || got.Refresh != "ref" {
		t.Errorf("after refused saves Load = %+v, %v, %v; want the good pair kept", got, ok, err)
	}
}

func TestZaloTokensClosedDB(t *testing.T) {
	c := newClock()
	_, path := open(t, c)
	closed, err := sqlite.Open(t.Context(), path, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	z := sqlite.NewZaloTokens(closed)
	if _, _, err := z.Load(t.Context(), "app-1"); err == nil {
		t.Error("Load on a closed database succeeded")
	} else {
		wantKind(t, err, domain.KindInternal)
	}
	if err := z.Save(t.Context(), "app-1", sqlite.ZaloTokenPair{Access: "a", Refresh: "r"}); err == nil {
		t.Error("Save on a closed database succeeded")
	} else {
		wantKind(t, err, domain.KindInternal)
	}
}
