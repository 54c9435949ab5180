package sqlite_test

import (
	"testing"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// The workbook's history names who moved a dossier by name: a Zalo
// officer (Zalo gives no names) by the name of their other account, or by
// channel and id; never "#3".
func TestHistoryNamesActors(t *testing.T) {
	ctx := t.Context()
	db, _ := open(t, newClock())
	users := sqlite.NewUserStore(db)
	named, err := users.Touch(ctx, "telegram", "901", "", "Cán bộ Lan")
	if err != nil {
		t.Fatal(err)
	}
	lanZalo, err := users.Touch(ctx, "zalo", "5000000000901", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.LinkPerson(ctx, lanZalo.ID, named.ID); err != nil {
		t.Fatal(err)
	}
	nameless, err := users.Touch(ctx, "zalo", "5000000000902", "", "")
	if err != nil {
		t.Fatal(err)
	}
	handle, err := users.Touch(ctx, "telegram", "903", "canbo_tinh", "")
	if err != nil {
		t.Fatal(err)
	}
	products := sqlite.NewProductStore(db)
	sub := newSubject(t, db, "25459")
	p := newProduct(t, products, sub.ID, 2025)
	for i, step := range []struct {
		from, to domain.Stage
		by       int64
	}{
		{domain.StageIdea, domain.StagePreparing, lanZalo.ID},
		{domain.StagePreparing, domain.StageFiled, nameless.ID},
		{domain.StageFiled, domain.StageCommuneCheck, handle.ID},
	} {
		if _, err := products.MoveStage(ctx, p.ID, step.from, step.to, step.by, "", nil); err != nil {
			t.Fatalf("move %d: %v", i, err)
		}
	}
	want := map[int64]string{lanZalo.ID: "Cán bộ Lan", nameless.ID: "Zalo 5000000000902", handle.ID: "@canbo_tinh"}
	for _, area := range []domain.Area{{All: true}, {Communes: []string{"25459"}}} {
		names, err := sqlite.NewReportStore(db).ChangeAuthors(ctx, area)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != len(want) {
			t.Errorf("%+v: authors %v, want %v", area, names, want)
		}
		for id, w := range want {
			if names[id] != w {
				t.Errorf("%+v: actor %d is named %q, want %q", area, id, names[id], w)
			}
		}
	}
	if names, err := sqlite.NewReportStore(db).ChangeAuthors(ctx, domain.Area{Communes: []string{"00000"}}); err != nil || len(names) != 0 {
		t.Errorf("authors of another commune's changes: %v, %v", names, err)
	}
	byID, err := sqlite.NewReportStore(db).UserNames(ctx, []int64{lanZalo.ID, nameless.ID, handle.ID})
	if err != nil {
		t.Fatal(err)
	}
	for id, w := range want {
		if byID[id] != w {
			t.Errorf("UserNames: %d is %q, want %q", id, byID[id], w)
		}
	}
}
