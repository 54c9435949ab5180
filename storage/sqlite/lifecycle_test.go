package sqlite_test

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// TestFiguresAsOfADay: imported certified products count from their day
// of issue, expired ones through their last valid day; a certificate given
// today counts today and not on a past day; a revocation leaves the valid
// count at once. Every figure of a past day comes from the history.
func TestFiguresAsOfADay(t *testing.T) {
	c := newClock() // 1/7/2025 15:30 in Tây Ninh
	db, _ := open(t, c)
	ctx := t.Context()
	loc := time.FixedZone("ICT", 7*3600)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX", CommuneCode: "A1"}
	if err := sqlite.NewSubjectStore(db).Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	products := sqlite.NewProductStore(db)
	create := func(p domain.Product) domain.Product {
		t.Helper()
		p.SubjectID, p.Name, p.Rulebook = s.ID, "SP", "qd148-2023"
		if err := products.CreateIn(ctx, &p, "A1", "80", loc); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Expired: issued 10/6/2021, last valid day 10/6/2024.
	expired := create(domain.Product{Stage: domain.StageExpired, Stars: 3, CertNo: "1", CertIssued: day(2021, 6, 10), CertExpires: day(2024, 6, 10)})
	// Valid 4★ issued 15/1/2024.
	create(domain.Product{Stage: domain.StageRecognised, Stars: 4, CertNo: "2", CertIssued: day(2024, 1, 15), CertExpires: day(2027, 1, 15)})
	// 5★ issued 1/3/2023, revoked today through the rulebook.
	five := create(domain.Product{Stage: domain.StageRecognised, Stars: 5, CertNo: "3", CertIssued: day(2023, 3, 1), CertExpires: day(2026, 3, 1)})
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	now := c.Now().In(loc)
	got, _ := products.Get(ctx, five.ID)
	q, ch, err := rules.Apply(got, domain.Action{Kind: domain.ActRevoke, Revocation: domain.Revocation{Ground: domain.GroundViolation,
		DecisionNo: "9/QĐ-BNNMT", Date: day(2025, 6, 30)}}, domain.ActorCentral, now, "")
	if err != nil {
		t.Fatal(err)
	}
	moved, err := products.MoveStage(ctx, five.ID, got.Stage, q.Stage, 0, ch.Reason, func(p *domain.Product, _ domain.Move) error { *p = q; return nil })
	if err != nil || moved.Revocation.DecisionNo != "9/QĐ-BNNMT" || moved.Revocation.Level != domain.ActorCentral || !moved.Revocation.Date.Equal(day(2025, 6, 30)) {
		t.Fatalf("revocation stored: %+v, %v", moved.Revocation, err)
	}
	hist, _ := products.History(ctx, expired.ID)
	if len(hist) != 2 || !hist[0].At.Equal(day(2021, 6, 10)) || hist[1].To != domain.StageExpired || !hist[1].At.Equal(day(2024, 6, 11)) {
		t.Fatalf("imported history: %+v", hist)
	}

	figures := sqlite.NewFigureStore(db)
	for _, tc := range []struct {
		at                         time.Time
		products, valid, rated, v5 int
	}{
		{day(2021, 6, 9), 0, 0, 0, 0},
		{day(2021, 6, 10), 1, 1, 1, 0},
		{day(2023, 12, 31).Add(23 * time.Hour), 2, 2, 2, 1},
		{day(2024, 6, 10), 3, 3, 3, 1}, // the expired one's last valid day
		{day(2024, 6, 11), 3, 2, 3, 1},
		{now, 3, 1, 3, 0}, // today: the 5★ was revoked
	} {
		got, err := figures.Counts(ctx, []domain.Area{{All: true}}, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		g := got[0]
		if g.Products != tc.products || g.Recognised != tc.valid || g.Rated != tc.rated || g.ByStars[5] != tc.v5 {
			t.Errorf("as of %s: products %d, valid %d, rated %d, 5★ %d; want %d, %d, %d, %d", tc.at.Format(time.DateOnly),
				g.Products, g.Recognised, g.Rated, g.ByStars[5], tc.products, tc.valid, tc.rated, tc.v5)
		}
	}
}

// expirySubject opens a database with one subject in commune A1, for the
// expiry job's listings, and the province's zone (+7) with a day in it.
func expirySubject(t *testing.T) (*sqlite.DB, domain.Subject, *time.Location, func(y int, m time.Month, d int) time.Time) {
	t.Helper()
	db, _ := open(t, newClock())
	loc := time.FixedZone("ICT", 7*3600)
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX", CommuneCode: "A1"}
	if err := sqlite.NewSubjectStore(db).Create(t.Context(), &s); err != nil {
		t.Fatal(err)
	}
	return db, s, loc, func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
}

// TestListExpiringAndByCode: the expiry job's candidates are the products
// in a stage it may expire from whose last valid day is before the day
// asked; products are found by code.
func TestListExpiringAndByCode(t *testing.T) {
	db, s, loc, day := expirySubject(t)
	ctx := t.Context()
	products := sqlite.NewProductStore(db)
	mk := func(stage domain.Stage, last time.Time) domain.Product {
		t.Helper()
		p := domain.Product{SubjectID: s.ID, Name: "SP", Rulebook: "qd26-2026", Stage: stage, Stars: 3, CertNo: "x",
			CertIssued: last.AddDate(-3, 0, 0), CertExpires: last}
		if err := products.CreateIn(ctx, &p, "A1", "80", loc); err != nil {
			t.Fatal(err)
		}
		return p
	}
	due := mk(domain.StageRecognised, day(2025, 6, 30))
	lastDay := mk(domain.StageRecognised, day(2025, 7, 1))
	reeval := mk(domain.StageReevaluation, day(2025, 6, 1))
	mk(domain.StageExpired, day(2025, 1, 1))
	mk(domain.StageRevoked, day(2025, 1, 1))
	list, err := products.ListExpiring(ctx, day(2025, 7, 1))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, p := range list {
		ids = append(ids, p.ID)
	}
	if len(ids) != 2 || ids[0] != due.ID || ids[1] != reeval.ID {
		t.Fatalf("ListExpiring = %v, want %d and %d (not %d, on its last day)", ids, due.ID, reeval.ID, lastDay.ID)
	}
	got, err := products.GetByCode(ctx, lastDay.Code)
	if err != nil || got.ID != lastDay.ID || !got.ValidUntil.Equal(day(2025, 7, 1)) {
		t.Fatalf("GetByCode(%s) = %+v, %v", lastDay.Code, got, err)
	}
	if _, err := products.GetByCode(ctx, "80-A1-999-2025"); domain.ErrorKind(err) != domain.KindNotFound {
		t.Fatalf("an unknown code: %v", err)
	}

	// Monitoring checks, latest day first; a product that does not exist
	// and a result not known are refused.
	checks := sqlite.NewMonitoringStore(db)
	for _, chk := range []domain.MonitoringCheck{
		{ProductID: due.ID, Day: day(2025, 3, 1), Result: domain.CheckPassed},
		{ProductID: due.ID, Day: day(2025, 5, 1), Result: domain.CheckFix, Note: "Nhãn"},
	} {
		if err := checks.AddCheck(ctx, &chk); err != nil || chk.ID == 0 {
			t.Fatal(err)
		}
	}
	if err := checks.AddCheck(ctx, &domain.MonitoringCheck{ProductID: 9999, Day: day(2025, 5, 1), Result: domain.CheckFix}); domain.ErrorKind(err) != domain.KindNotFound {
		t.Errorf("a check of no product: %v", err)
	}
	if err := checks.AddCheck(ctx, &domain.MonitoringCheck{ProductID: due.ID, Day: day(2025, 5, 1), Result: "good"}); domain.ErrorKind(err) != domain.KindInvalid {
		t.Errorf("a check with an unknown result: %v", err)
	}
	list2, err := checks.Checks(ctx, due.ID)
	if err != nil || len(list2) != 2 || list2[0].Result != domain.CheckFix || list2[0].Note != "Nhãn" || !list2[0].Day.Equal(day(2025, 5, 1)) {
		t.Fatalf("Checks = %+v, %v", list2, err)
	}
	if in, err := checks.ChecksIn(ctx, domain.Area{Communes: []string{"B2"}}); err != nil || len(in) != 0 {
		t.Errorf("ChecksIn another area = %+v, %v", in, err)
	}
	if in, err := checks.ChecksIn(ctx, domain.Area{Communes: []string{"A1"}}); err != nil || len(in) != 2 {
		t.Errorf("ChecksIn the area = %+v, %v", in, err)
	}
}

// TestUpgradedNeedsANewCertificate: an upgrade not granted and a
// re-evaluation given up go back to cong_nhan with the certificate they had:
// not "consolidated or upgraded"; an upgrade granted is, today and in the
// figures of a later day.
func TestUpgradedNeedsANewCertificate(t *testing.T) {
	c := newClock()
	c.Advance(365 * 24 * time.Hour) // 1/7/2026: 26/2026 in force
	db, _ := open(t, c)
	ctx := t.Context()
	loc := time.FixedZone("ICT", 7*3600)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	s := domain.Subject{Kind: domain.KindCooperative, Name: "HTX", CommuneCode: "A1"}
	if err := sqlite.NewSubjectStore(db).Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	products := sqlite.NewProductStore(db)
	now := c.Now().In(loc)
	decide := func(p domain.Product, act domain.Action, actor domain.Actor) domain.Product {
		t.Helper()
		q, ch, err := rules.Apply(p, act, actor, now, "")
		if err != nil {
			t.Fatalf("%s: %v", act, err)
		}
		moved, err := products.MoveStage(ctx, p.ID, p.Stage, q.Stage, 0, ch.Reason, func(x *domain.Product, _ domain.Move) error { *x = q; return nil })
		if err != nil {
			t.Fatal(err)
		}
		return moved
	}
	mk := func() domain.Product {
		t.Helper()
		p := domain.Product{SubjectID: s.ID, Name: "SP", Rulebook: "qd26-2026", Stage: domain.StageRecognised, Stars: 3, Score: 60,
			CertNo: "1/QĐ", CertIssued: day(2024, 1, 10), CertExpires: day(2027, 1, 10)}
		if err := products.CreateIn(ctx, &p, "A1", "80", loc); err != nil {
			t.Fatal(err)
		}
		return p
	}
	upgraded := func() int {
		t.Helper()
		got, err := sqlite.NewFigureStore(db).Counts(ctx, []domain.Area{{All: true}}, now)
		if err != nil {
			t.Fatal(err)
		}
		return got[0].Upgraded
	}
	toProvince := func(p domain.Product) domain.Product {
		for _, st := range [][2]domain.Stage{{p.Stage, domain.StageFiled}, {domain.StageFiled, domain.StageCommuneCheck}, {domain.StageCommuneCheck, domain.StageProvince}} {
			var err error
			if p, err = products.MoveStage(ctx, p.ID, st[0], st[1], 0, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	// Given up.
	a := decide(mk(), domain.Action{Kind: domain.ActUpgrade}, domain.ActorProducer)
	decide(a, domain.Action{Kind: domain.ActCancel}, domain.ActorProducer)
	// Not granted: the same stars.
	b := toProvince(decide(mk(), domain.Action{Kind: domain.ActUpgrade}, domain.ActorProducer))
	if b = decide(b, domain.Action{Kind: domain.ActScore, Score: 65, Stars: 3, CertNo: "2/QĐ", Issued: day(2026, 6, 30)}, domain.ActorProvince); b.CertNo != "1/QĐ" {
		t.Fatalf("an upgrade not granted changed the certificate: %+v", b)
	}
	if n := upgraded(); n != 0 {
		t.Fatalf("upgraded = %d after an upgrade given up and one not granted, want 0", n)
	}
	// Granted: 4★.
	g := toProvince(decide(mk(), domain.Action{Kind: domain.ActUpgrade}, domain.ActorProducer))
	decide(g, domain.Action{Kind: domain.ActScore, Score: 75, Stars: 4, CertNo: "3/QĐ", Issued: day(2026, 6, 30)}, domain.ActorProvince)
	if n := upgraded(); n != 1 {
		t.Fatalf("upgraded = %d after an upgrade granted, want 1", n)
	}
	c.Advance(48 * time.Hour)
	past, err := sqlite.NewFigureStore(db).Counts(ctx, []domain.Area{{All: true}}, now)
	if err != nil || past[0].Upgraded != 1 || past[0].Rated != 3 {
		t.Fatalf("from the history: %+v, %v", past[0], err)
	}
}

// TestShowroomsByCommune: a showroom counts in the areas of its commune;
// one recorded without a commune counts everywhere.
func TestShowroomsByCommune(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	ctx := t.Context()
	rooms := sqlite.NewShowroomStore(db)
	for _, commune := range []string{"A1", "B2", ""} {
		r := domain.Showroom{Name: "Điểm OCOP", Address: "Tây Ninh", Opened: c.Now().AddDate(0, -1, 0), By: 1, CommuneCode: commune}
		if err := rooms.AddShowroom(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sqlite.NewFigureStore(db).Counts(ctx, []domain.Area{{All: true}, {Communes: []string{"A1"}}, {Communes: []string{"C3"}}}, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Showrooms != 3 || got[1].Showrooms != 2 || got[2].Showrooms != 1 {
		t.Errorf("showrooms: province %d, A1 %d, C3 %d; want 3, 2, 1", got[0].Showrooms, got[1].Showrooms, got[2].Showrooms)
	}
	list, err := rooms.Showrooms(ctx)
	if err != nil || len(list) != 3 || list[0].CommuneCode != "A1" {
		t.Errorf("Showrooms = %+v, %v", list, err)
	}
}

// TestListGraceEnded: the re-evaluations filed in time whose extended last
// day has passed, within the days asked, and none other.
func TestListGraceEnded(t *testing.T) {
	db, s, loc, day := expirySubject(t)
	ctx := t.Context()
	products := sqlite.NewProductStore(db)
	mk := func(stage domain.Stage, purpose domain.Purpose, expires, until time.Time) domain.Product {
		t.Helper()
		p := domain.Product{SubjectID: s.ID, Name: "SP", Rulebook: "qd26-2026", Stage: domain.StageRecognised, Stars: 4, CertNo: "x",
			CertIssued: expires.AddDate(-3, 0, 0), CertExpires: expires}
		if err := products.CreateIn(ctx, &p, "A1", "80", loc); err != nil {
			t.Fatal(err)
		}
		// Set as the moves of a re-evaluation filed in time leave them.
		if _, err := db.SQL().ExecContext(ctx, `UPDATE products SET stage = ?, purpose = ?, valid_until = ? WHERE id = ?`,
			stage, purpose, until.UnixMilli(), p.ID); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ended := mk(domain.StageProvince, domain.PurposeReeval, day(2025, 1, 1), day(2025, 6, 30))
	returned := mk(domain.StageReturned, domain.PurposeReeval, day(2025, 1, 2), day(2025, 6, 25))
	mk(domain.StageProvince, domain.PurposeReeval, day(2025, 1, 3), day(2025, 7, 1))    // its last day
	mk(domain.StageProvince, domain.PurposeReeval, day(2024, 1, 1), day(2024, 6, 29))   // long before since
	mk(domain.StageRecognised, domain.PurposeReeval, day(2025, 1, 1), day(2025, 6, 30)) // decided
	mk(domain.StageProvince, domain.PurposeUpgrade, day(2025, 1, 1), day(2025, 6, 30))  // an upgrade
	mk(domain.StageReevaluation, domain.PurposeReeval, day(2025, 1, 1), day(2025, 6, 30))
	list, err := products.ListGraceEnded(ctx, day(2025, 7, 1), day(2025, 6, 24))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, p := range list {
		ids = append(ids, p.ID)
	}
	if len(ids) != 2 || ids[0] != ended.ID || ids[1] != returned.ID {
		t.Fatalf("ListGraceEnded = %v, want %d and %d", ids, ended.ID, returned.ID)
	}
}
