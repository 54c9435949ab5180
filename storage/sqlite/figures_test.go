package sqlite_test

import (
	"cmp"
	"database/sql"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// figureData builds a small synthetic province: communes A1 and A2 are in
// the plan's area, L1 is outside it. The expected figures are counted by
// hand in TestFigureCounts from the comments here.
func figureData(t *testing.T, db *sqlite.DB, now time.Time) {
	t.Helper()
	ctx := t.Context()
	subjects := sqlite.NewSubjectStore(db)
	products := sqlite.NewProductStore(db)
	subject := func(kind domain.SubjectKind, commune string, channels ...domain.SalesChannel) int64 {
		s := domain.Subject{Kind: kind, Name: string(kind) + " " + commune, CommuneCode: commune, SalesChannels: channels}
		if err := subjects.Create(ctx, &s); err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	valid, expired := now.AddDate(1, 0, 0), now.AddDate(0, 0, -1)
	product := func(p domain.Product, commune string, moves ...domain.Stage) {
		t.Helper()
		p.Name, p.Rulebook = "SP", "qd26-2026"
		if err := products.Create(ctx, &p, commune, "80"); err != nil {
			t.Fatal(err)
		}
		from := p.Stage
		for _, to := range moves {
			// Recognised again: with a new certificate, three more years.
			renew := func(q *domain.Product, _ domain.Move) error {
				if to == domain.StageRecognised {
					q.CertExpires, q.ValidUntil = q.CertExpires.AddDate(3, 0, 0), q.ValidUntil.AddDate(3, 0, 0)
				}
				return nil
			}
			if _, err := products.MoveStage(ctx, p.ID, from, to, 0, "", renew); err != nil {
				t.Fatal(err)
			}
			from = to
		}
	}
	s1 := subject(domain.KindCooperative, "A1", domain.ChannelSupermarket, domain.ChannelMarket) // modern
	s2 := subject(domain.KindSME, "A1", domain.ChannelOwnShop)                                   // not modern
	s3 := subject(domain.KindHousehold, "A2", domain.ChannelEcommerce)                           // modern
	s4 := subject(domain.KindCooperative, "L1")                                                  // no channel
	s5 := subject(domain.KindFarm, "L1", domain.ChannelConvenience)                              // modern

	// p1: 4★ valid, re-evaluated and recognised again: recognised, rated,
	// upgraded; circular on a raw-material area (s1 counts as circular).
	product(domain.Product{SubjectID: s1, Set: 6, Stage: domain.StageRecognised, Stars: 4, Score: 75, CertNo: "1",
		CertExpires: valid, Craft: "Làng nghề bánh tráng Trảng Bàng", Circular: true, RawArea: true},
		"A1", domain.StageReevaluation, domain.StageRecognised)
	// p2: 3★ whose certificate expired yesterday: rated, not recognised.
	product(domain.Product{SubjectID: s1, Set: 10, Stage: domain.StageRecognised, Stars: 3, CertNo: "2",
		CertExpires: expired, Craft: "muối tôm"}, "A1")
	// p3: 4★ valid, upgrade sent to the central level: recognised, central,
	// rated, not upgraded (not recognised again yet).
	product(domain.Product{SubjectID: s2, Set: 6, Stage: domain.StageRecognised, Stars: 4, Score: 92, CertNo: "3",
		CertExpires: valid}, "A1", domain.StageUpgrade, domain.StageCentral)
	// p4: an idea; circular but no raw-material area (s3 is not circular).
	product(domain.Product{SubjectID: s3, Set: 1, Stage: domain.StageIdea, Circular: true}, "A2")
	// p5: 5★ valid (outside the plan's area): recognised, central, rated;
	// circular on a raw-material area.
	product(domain.Product{SubjectID: s4, Set: 14, Stage: domain.StageRecognised, Stars: 5, Score: 93, CertNo: "5",
		CertExpires: valid, Craft: "Lò rèn Long Khánh", Circular: true, RawArea: true}, "L1")
	// p6: 3★ revoked (outside the area): rated only.
	product(domain.Product{SubjectID: s5, Set: 21, Stage: domain.StageRecognised, Stars: 3, CertNo: "6",
		CertExpires: valid}, "L1", domain.StageRevoked)

	// Officers: one scoped to A2, one for the province; a producer. The
	// users are written in SQL: TestFigureCountsAfterMigration writes them
	// on a schema older than the UserStore's.
	for i, role := range []domain.Role{domain.RoleCommuneOfficer, domain.RoleProvinceOfficer, domain.RoleProducer} {
		var id int64
		if err := db.SQL().QueryRowContext(ctx, `INSERT INTO users (channel, channel_id, created_at, updated_at)
VALUES ('telegram', ?, ?, ?) RETURNING id`, string(rune('a'+i)), now.UnixMilli(), now.UnixMilli()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, id); err != nil {
			t.Fatal(err)
		}
		if role == domain.RoleCommuneOfficer {
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO user_communes (user_id, commune_code) VALUES (?, 'A2')`, id); err != nil {
				t.Fatal(err)
			}
		}
	}

	showrooms := sqlite.NewShowroomStore(db)
	for _, day := range []time.Time{now.AddDate(0, -7, 0), now.AddDate(0, 1, 0)} { // one open, one to open next month
		if err := showrooms.AddShowroom(ctx, &domain.Showroom{Name: "Điểm OCOP", Address: "Tây Ninh", Opened: day, By: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFigureCounts(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	now := c.Now()
	figureData(t, db, now)
	figures := sqlite.NewFigureStore(db)

	count := func(a domain.Area) domain.FigureCounts {
		t.Helper()
		got, err := figures.Counts(t.Context(), []domain.Area{a}, now)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(got[0].CraftTexts)
		return got[0]
	}
	setCounts := func(sets ...int) []domain.SetCount { // set, n, set, n...
		var out []domain.SetCount
		for i := 0; i < len(sets); i += 2 {
			out = append(out, domain.SetCount{Rulebook: "qd26-2026", Set: sets[i], N: sets[i+1]})
		}
		return out
	}

	plan := count(domain.Area{Communes: []string{"A1", "A2"}})
	want := domain.FigureCounts{
		Products: 4, Recognised: 2, Central: 1, Rated: 3, Upgraded: 1,
		Subjects: 3, Cooperatives: 1, SMEs: 1, Circular: 1, Modern: 2, Officers: 1,
		CraftTexts: []string{"Làng nghề bánh tráng Trảng Bàng"}, Showrooms: 1,
		ByCommune: map[string]int{"A1": 3, "A2": 1},
		BySet:     setCounts(1, 1, 6, 2, 10, 1),
		ByStage:   map[domain.Stage]int{domain.StageRecognised: 2, domain.StageCentral: 1, domain.StageIdea: 1},
		ByStars:   map[int]int{4: 2},
	}
	if !reflect.DeepEqual(plan, want) {
		t.Errorf("plan area:\n got %+v\nwant %+v", plan, want)
	}

	all := count(domain.Area{All: true})
	want = domain.FigureCounts{
		Products: 6, Recognised: 3, Central: 2, Rated: 5, Upgraded: 1,
		Subjects: 5, Cooperatives: 2, SMEs: 1, Circular: 2, Modern: 3, Officers: 2,
		CraftTexts: []string{"Làng nghề bánh tráng Trảng Bàng", "Lò rèn Long Khánh"}, Showrooms: 1,
		ByCommune: map[string]int{"A1": 3, "A2": 1, "L1": 2},
		BySet:     setCounts(1, 1, 6, 2, 10, 1, 14, 1, 21, 1),
		ByStage: map[domain.Stage]int{domain.StageRecognised: 3, domain.StageCentral: 1, domain.StageIdea: 1,
			domain.StageRevoked: 1},
		ByStars: map[int]int{4: 2, 5: 1},
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("province:\n got %+v\nwant %+v", all, want)
	}

	// A commune officer of A2 sees A2 only.
	scoped := count(domain.Area{Communes: []string{"A1", "A2"}}.Intersect(domain.Area{Communes: []string{"A2", "L9"}}))
	if scoped.Products != 1 || scoped.Subjects != 1 || scoped.Modern != 1 || scoped.Cooperatives != 0 ||
		scoped.Recognised != 0 || scoped.Rated != 0 || scoped.ByCommune["A2"] != 1 || len(scoped.ByCommune) != 1 {
		t.Errorf("scoped to A2: %+v", scoped)
	}

	// An area without communes has nothing: shares are "no data", not 0%.
	empty := count(domain.Area{Communes: []string{}})

	// Several areas in one call give what each gives alone.
	areas := []domain.Area{{Communes: []string{"A1", "A2"}}, {All: true}, {Communes: []string{"A2"}}, {Communes: []string{}}, {Communes: []string{"L1", "A2"}}}
	together, err := figures.Counts(t.Context(), areas, now)
	if err != nil || len(together) != len(areas) {
		t.Fatalf("Counts of %d areas = %d, %v", len(areas), len(together), err)
	}
	for i, a := range areas {
		if alone := count(a); !reflect.DeepEqual(together[i], alone) {
			t.Errorf("area %v with the others:\n got %+v\nalone %+v", a, together[i], alone)
		}
	}
	if empty.Products != 0 || empty.Subjects != 0 || empty.Rated != 0 || empty.Officers != 0 || empty.Showrooms != 1 {
		t.Errorf("empty area: %+v", empty)
	}
	p, err := domain.DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Evaluate(empty) {
		switch v.Target.Key {
		case domain.TargetRecognised, domain.TargetCentral, domain.TargetShowrooms:
			if !v.Known {
				t.Errorf("%s: a count is always known", v.Target.Key)
			}
		case domain.TargetCrafts:
			if !v.Known || v.Value != 0 {
				t.Errorf("crafts over the plan's list: %+v", v)
			}
		default:
			if v.Known {
				t.Errorf("%s over nothing = %v, want no data", v.Target.Key, v.Value)
			}
		}
	}

	// The plan area's figures against the plan, by hand: upgraded 1/3,
	// HTX 1/3, SMEs 1/3, circular 1/3, modern 2/3, crafts 1 of 6.
	shares := map[string][2]int{}
	for _, v := range p.Evaluate(plan) {
		shares[v.Target.Key] = [2]int{v.Num, v.Den}
		if v.Target.Key == domain.TargetTrained && v.Known {
			t.Error("trained must be no data without attendance")
		}
	}
	for key, w := range map[string][2]int{domain.TargetUpgraded: {1, 3}, domain.TargetCooperatives: {1, 3},
		domain.TargetSMEs: {1, 3}, domain.TargetCircular: {1, 3}, domain.TargetModernChannels: {2, 3},
		domain.TargetCrafts: {1, 6}} {
		if shares[key] != w {
			t.Errorf("%s = %v, want %v", key, shares[key], w)
		}
	}
}

func TestBudgetAndShowrooms(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	ctx := t.Context()
	budget := sqlite.NewBudgetStore(db)
	d := domain.Disbursement{Activity: 2, Year: 2024, Amount: domain.MillionsOf(1500.5), Note: "Dự án điểm bán'); DROP TABLE disbursements;--", By: 7}
	if err := budget.AddDisbursement(ctx, &d); err != nil {
		t.Fatal(err)
	}
	if d.ID == 0 || !d.At.Equal(c.Now()) {
		t.Errorf("AddDisbursement set %+v", d)
	}
	wantKind(t, budget.AddDisbursement(ctx, &domain.Disbursement{Activity: 1, Year: 2024, Amount: -1}), domain.KindInvalid)
	list, err := budget.Disbursements(ctx)
	if err != nil || len(list) != 1 || list[0] != d {
		t.Fatalf("Disbursements = %+v, %v; want %+v", list, err, d)
	}

	// Cancelled, not erased; a second cancellation keeps the first.
	_, err = budget.CancelDisbursement(ctx, d.ID+100, 8, "x")
	wantKind(t, err, domain.KindNotFound)
	c.Advance(time.Hour)
	cd, err := budget.CancelDisbursement(ctx, d.ID, 8, "ghi nhầm số")
	if err != nil || !cd.Cancelled() || cd.CancelledBy != 8 || !cd.CancelledAt.Equal(c.Now()) || cd.CancelledNote != "ghi nhầm số" || cd.Amount != d.Amount {
		t.Fatalf("CancelDisbursement = %+v, %v", cd, err)
	}
	c.Advance(time.Hour)
	again, err := budget.CancelDisbursement(ctx, d.ID, 9, "lần hai")
	wantKind(t, err, domain.KindConflict)
	if again != cd {
		t.Errorf("second cancellation = %+v, want the first %+v", again, cd)
	}
	if list, err := budget.Disbursements(ctx); err != nil || len(list) != 1 || list[0] != cd {
		t.Fatalf("Disbursements after the cancellation = %+v, %v", list, err)
	}

	rooms := sqlite.NewShowroomStore(db)
	opened := time.Date(2025, 3, 8, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	r := domain.Showroom{Name: "Điểm giới thiệu sản phẩm OCOP", Address: "Phường Tân Ninh", Opened: opened, By: 7}
	if err := rooms.AddShowroom(ctx, &r); err != nil {
		t.Fatal(err)
	}
	wantKind(t, rooms.AddShowroom(ctx, &domain.Showroom{Name: "x"}), domain.KindInvalid)
	got, err := rooms.Showrooms(ctx)
	if err != nil || len(got) != 1 || got[0].Opened.Format("02/01/2006") != "08/03/2025" || got[0].Name != r.Name {
		t.Fatalf("Showrooms = %+v, %v", got, err)
	}
}

func TestReportRows(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	figureData(t, db, c.Now())
	rep := sqlite.NewReportStore(db)
	ctx := t.Context()
	area := domain.Area{Communes: []string{"A1", "A2"}}
	subs, err := rep.Subjects(ctx, area)
	if err != nil || len(subs) != 3 || len(subs[0].SalesChannels) != 2 {
		t.Fatalf("Subjects = %+v, %v", subs, err)
	}
	type productRow struct {
		p     domain.Product
		items map[string]domain.ItemState
	}
	products := func(area domain.Area) []productRow {
		t.Helper()
		var out []productRow
		err := rep.EachProduct(ctx, area, func(p *domain.Product, items map[string]domain.ItemState) error {
			out = append(out, productRow{*p, maps.Clone(items)})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	prods := products(area)
	if len(prods) != 4 || !slices.IsSortedFunc(prods, func(a, b productRow) int { return cmp.Compare(a.p.ID, b.p.ID) }) {
		t.Fatalf("EachProduct gave %d products, want 4 by id", len(prods))
	}
	names, err := rep.ProductSubjects(ctx, area)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range prods {
		if want := subjectName(t, subs, r.p.SubjectID); names[r.p.SubjectID] != want || len(r.items) != 0 {
			t.Errorf("product %d: subject %q (want %q), items %v", r.p.ID, names[r.p.SubjectID], want, r.items)
		}
	}
	if len(names) != 3 {
		t.Errorf("subjects of the area's products: %v, want 3", names)
	}
	if all, err := rep.ProductSubjects(ctx, domain.Area{All: true}); err != nil || len(all) != 5 {
		t.Errorf("subjects of the province's products: %v, %v", all, err)
	}
	var hist []domain.StageChange
	err = rep.EachChange(ctx, domain.Area{All: true}, func(h *domain.StageChange, code, name string) error {
		if code == "" || name == "" {
			t.Errorf("change %+v: product %q %q", h, code, name)
		}
		hist = append(hist, *h)
		return nil
	})
	// 6 creations, p1 two moves, p3 two moves, p6 one move.
	if err != nil || len(hist) != 11 {
		t.Fatalf("EachChange = %d, %v", len(hist), err)
	}
	dossiers := sqlite.NewDossierStore(db)
	for _, it := range []struct {
		id    string
		state domain.ItemState
	}{{"mau01", domain.ItemSent}, {"mau02", domain.ItemReturned}} {
		if err := dossiers.SetState(ctx, prods[0].p.ID, it.id, it.state, "thiếu dấu"); err != nil {
			t.Fatal(err)
		}
	}
	prods = products(area)
	if got, want := prods[0].items, map[string]domain.ItemState{"mau01": domain.ItemSent, "mau02": domain.ItemReturned}; !maps.Equal(got, want) {
		t.Errorf("items of the first product: %v, want %v", got, want)
	}
	if len(prods[1].items) != 0 {
		t.Errorf("items of another product: %v", prods[1].items)
	}
	if got := products(domain.Area{Communes: []string{"L1"}}); len(got) == 0 || len(got[0].items) != 0 {
		t.Errorf("products outside the area: %+v", got)
	}
}

// The workbook's scans read the file through a memory map, and give their
// connection back to the pool without it: the file's pages do not stay in
// the bot's memory.
func TestReportScansDropTheirMap(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	figureData(t, db, c.Now())
	rep := sqlite.NewReportStore(db)
	ctx := t.Context()
	all := domain.Area{All: true}
	n := 0
	if err := rep.EachSubject(ctx, all, func(*domain.Subject) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := rep.EachProduct(ctx, all, func(*domain.Product, map[string]domain.ItemState) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := rep.EachChange(ctx, all, func(*domain.StageChange, string, string) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 5+6+11 {
		t.Errorf("%d rows, want 22", n)
	}
	// Every connection of the pool at once: the scans' among them.
	var conns []*sql.Conn
	for range 16 {
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns = append(conns, conn)
	}
	for i, conn := range conns {
		var size int64
		if err := conn.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&size); err != nil || size != 0 {
			t.Errorf("connection %d: mmap_size %d, %v", i, size, err)
		}
	}
}

// subjectName is the name of a subject of a list.
func subjectName(t *testing.T, list []domain.Subject, id int64) string {
	t.Helper()
	for _, s := range list {
		if s.ID == id {
			return s.Name
		}
	}
	t.Fatalf("no subject %d", id)
	return ""
}

// TestFigureCountsAfterMigration checks that migration 0007, which keeps
// rated, upgraded and modern on the rows, fills them for the data written
// before it (the same figures as TestFigureCounts).
func TestFigureCountsAfterMigration(t *testing.T) {
	c := newClock()
	now := c.Now()
	// The data is written by today's stores into a database of today's
	// schema, then copied, in the columns version 6 had, into a database
	// left at version 6.
	src, srcPath := open(t, c)
	figureData(t, src, now)
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sqlite.OpenAtVersion(t.Context(), path, c.Now, 6)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	conn, err := old.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, srcPath); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"subjects", "subject_sales_channels", "products", "stage_changes", "users", "user_communes", "showrooms"} {
		rows, err := conn.QueryContext(ctx, `SELECT name FROM pragma_table_info(?, 'main')`, table)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		if len(cols) == 0 {
			continue // not in version 6
		}
		list := strings.Join(cols, ", ")
		if _, err := conn.ExecContext(ctx, `INSERT INTO main.`+table+` (`+list+`) SELECT `+list+` FROM src.`+table); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `DETACH DATABASE src`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	db := reopen(t, path, c)
	got, err := sqlite.NewFigureStore(db).Counts(t.Context(), []domain.Area{{All: true}}, now)
	if err != nil {
		t.Fatal(err)
	}
	all := got[0]
	if all.Rated != 5 || all.Upgraded != 1 || all.Modern != 3 || all.Circular != 2 || all.Recognised != 3 || all.Central != 2 {
		t.Errorf("after migration: %+v", all)
	}
}

// TestModernChannelsKept checks that the subjects' "modern" flag, kept by
// triggers whose channel list is written in SQL, agrees with
// domain.SalesChannel.Modern for every channel, as channels are added and
// removed.
func TestModernChannelsKept(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	ctx := t.Context()
	subjects := sqlite.NewSubjectStore(db)
	figures := sqlite.NewFigureStore(db)
	modern := func() int {
		t.Helper()
		got, err := figures.Counts(ctx, []domain.Area{{All: true}}, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		return got[0].Modern
	}
	s := domain.Subject{Kind: domain.KindHousehold, Name: "Hộ kinh doanh", CommuneCode: "A1"}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	for _, ch := range domain.SalesChannels {
		want := 0
		if ch.Modern() {
			want = 1
		}
		s.SalesChannels = []domain.SalesChannel{ch}
		if err := subjects.Update(ctx, &s); err != nil {
			t.Fatal(err)
		}
		if got := modern(); got != want {
			t.Errorf("only %s: modern = %d, want %d", ch, got, want)
		}
	}
	s.SalesChannels = append([]domain.SalesChannel(nil), domain.SalesChannels...)
	if err := subjects.Update(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if got := modern(); got != 1 {
		t.Errorf("every channel: modern = %d, want 1", got)
	}
	s.SalesChannels = nil
	if err := subjects.Update(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if got := modern(); got != 0 {
		t.Errorf("no channel: modern = %d, want 0", got)
	}
}

// TestProductFiguresSummaryKept: after random creations, stage moves
// (which set rated and upgraded through their own trigger), changes of
// every column the figures group by, of the last valid day (set, moved,
// cleared) and deletions (of a product, or of its producer and so by the
// cascade of its products), the counts of migration 0025 are the products
// grouped, and today's Counts are what the products' rows give when
// counted one by one.
func TestProductFiguresSummaryKept(t *testing.T) {
	c := newClock()
	db, _ := open(t, c)
	now := c.Now()
	ctx := t.Context()
	subjects := sqlite.NewSubjectStore(db)
	products := sqlite.NewProductStore(db)
	r := rand.New(rand.NewPCG(7, 8))
	communes := []string{"25459", "25462", "25465", "25480", "25483"}
	stages := []domain.Stage{domain.StageIdea, domain.StageFiled, domain.StageRecognised, domain.StageReevaluation,
		domain.StageUpgrade, domain.StageCentral, domain.StageExpired, domain.StageRevoked, domain.StageFailed}
	day := func() any { // a last valid day: none, passed, today, to come
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return now.AddDate(0, 0, -1-r.IntN(30)).UnixMilli()
		case 2:
			y, m, d := now.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, now.Location()).UnixMilli()
		}
		return now.AddDate(0, 1+r.IntN(12), 0).UnixMilli()
	}
	var ids []int64
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for step := range 400 {
		switch k := r.IntN(10); {
		case k < 4 || len(ids) == 0:
			commune := communes[r.IntN(len(communes))]
			sub := domain.Subject{Kind: domain.KindHousehold, Name: "Hộ " + strconv.Itoa(step), CommuneCode: commune}
			if err := subjects.Create(ctx, &sub); err != nil {
				t.Fatal(err)
			}
			p := domain.Product{SubjectID: sub.ID, Name: "SP", Rulebook: "qd26-2026", Set: 1 + r.IntN(4), Stage: stages[r.IntN(len(stages))]}
			if r.IntN(2) == 0 {
				p.Stars, p.CertNo, p.CertExpires = 3+r.IntN(3), strconv.Itoa(step), now.AddDate(0, r.IntN(24)-6, 0)
			}
			if err := products.Create(ctx, &p, commune, "80"); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		case k < 6:
			id := ids[r.IntN(len(ids))]
			p, err := products.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			to := stages[r.IntN(len(stages))]
			if to == p.Stage {
				continue
			}
			if _, err := products.MoveStage(ctx, id, p.Stage, to, 0, "", func(q *domain.Product, _ domain.Move) error {
				if to == domain.StageRecognised {
					q.Stars, q.CertExpires, q.ValidUntil = 3+r.IntN(3), now.AddDate(3, 0, 0), now.AddDate(3, 0, 0)
				}
				return nil
			}); err != nil && domain.ErrorKind(err) != domain.KindInvalid && domain.ErrorKind(err) != domain.KindConflict {
				t.Fatal(err)
			}
		case k < 9:
			id := ids[r.IntN(len(ids))]
			switch r.IntN(6) {
			case 0:
				exec(`UPDATE products SET commune_code = ?, serial = 1000000 + id WHERE id = ?`, communes[r.IntN(len(communes))], id)
			case 1:
				exec(`UPDATE products SET stars = ? WHERE id = ?`, r.IntN(6), id)
			case 2:
				exec(`UPDATE products SET set_id = ?, rulebook = ? WHERE id = ?`, 1+r.IntN(4), []string{"qd26-2026", "qd148-2023"}[r.IntN(2)], id)
			case 3:
				exec(`UPDATE products SET valid_until = ? WHERE id = ?`, day(), id)
			case 4:
				exec(`UPDATE products SET stage = ?, name = name || '.' WHERE id = ?`, stages[r.IntN(len(stages))], id)
			default:
				exec(`UPDATE products SET name = name || '!' WHERE id = ?`, id) // a column the figures do not read
			}
		default:
			i := r.IntN(len(ids))
			if r.IntN(2) == 0 {
				if err := products.Delete(ctx, ids[i]); err != nil {
					t.Fatal(err)
				}
			} else {
				// The producer erased: the product goes by the cascade.
				exec(`DELETE FROM subjects WHERE id = (SELECT subject_id FROM products WHERE id = ?)`, ids[i])
			}
			ids = slices.Delete(ids, i, i+1)
		}
	}

	// The summary is the products grouped.
	rowsOf := func(q string) []string {
		t.Helper()
		rows, err := db.SQL().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out = append(out, line)
		}
		return out
	}
	for _, c := range []struct{ table, key, productKey string }{
		{"product_counts", "commune_code, stage, stars, rated, upgraded, dated", "commune_code, stage, stars, rated, upgraded, (valid_until IS NOT NULL)"},
		{"product_set_counts", "commune_code, rulebook, set_id", "commune_code, rulebook, set_id"},
	} {
		key := func(cols string) string { return strings.ReplaceAll(cols, ", ", " || '|' || ") }
		want := rowsOf(`SELECT k || '=' || count(*) FROM (SELECT ` + key(c.productKey) + ` AS k FROM products) GROUP BY k ORDER BY 1`)
		got := rowsOf(`SELECT ` + key(c.key) + ` || '=' || n FROM ` + c.table + ` WHERE n > 0 ORDER BY 1`)
		if !slices.Equal(got, want) {
			t.Fatalf("%s:\n%s\nproducts grouped:\n%s", c.table, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	// Today's figures are the products counted one by one.
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, now.Location()).UnixMilli()
	area := domain.Area{Communes: communes[1:3]}
	oracle := func(a domain.Area) domain.FigureCounts {
		fc := domain.FigureCounts{ByCommune: map[string]int{}, ByStage: map[domain.Stage]int{}, ByStars: map[int]int{}}
		sets := map[domain.SetCount]int{}
		rows, err := db.SQL().QueryContext(ctx, `SELECT commune_code, stage, stars, rulebook, set_id, valid_until, rated, upgraded FROM products`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var commune, rulebook string
			var stage domain.Stage
			var stars, set int
			var valid sql.NullInt64
			var rated, upgraded bool
			if err := rows.Scan(&commune, &stage, &stars, &rulebook, &set, &valid, &rated, &upgraded); err != nil {
				t.Fatal(err)
			}
			if !a.All && !slices.Contains(a.Communes, commune) {
				continue
			}
			fc.Products++
			fc.ByCommune[commune]++
			fc.ByStage[stage]++
			sets[domain.SetCount{Rulebook: rulebook, Set: set}]++
			if stars >= 3 && stage != domain.StageExpired && stage != domain.StageRevoked && valid.Valid && valid.Int64 >= today {
				fc.Recognised++
				fc.ByStars[stars]++
			}
			if stage == domain.StageCentral || (stars == 5 && stage != domain.StageRevoked) {
				fc.Central++
			}
			if rated {
				fc.Rated++
				if upgraded {
					fc.Upgraded++
				}
			}
		}
		for k, n := range sets {
			fc.BySet = append(fc.BySet, domain.SetCount{Rulebook: k.Rulebook, Set: k.Set, N: n})
		}
		slices.SortFunc(fc.BySet, func(x, y domain.SetCount) int {
			return cmp.Or(cmp.Compare(x.Rulebook, y.Rulebook), cmp.Compare(x.Set, y.Set))
		})
		return fc
	}
	counts, err := sqlite.NewFigureStore(db).Counts(ctx, []domain.Area{{All: true}, area}, now)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range []domain.Area{{All: true}, area} {
		w, g := oracle(a), counts[i]
		g.CraftTexts, g.Subjects, g.Cooperatives, g.SMEs, g.Modern, g.Circular, g.Officers, g.Showrooms = nil, 0, 0, 0, 0, 0, 0, 0
		if w.Recognised == 0 || w.Rated == 0 || w.Products < 50 && a.All {
			t.Fatalf("the data set is not what the test means: %+v", w)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("area %d:\ncounts: %+v\nrows:   %+v", i, g, w)
		}
	}
}
