package sqlite_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func TestPublicCodes(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	path := filepath.Join(t.TempDir(), "ocop.db")
	// A database an older binary left, with products already in it.
	old, err := sqlite.OpenAtVersion(ctx, path, c.Now, 16)
	if err != nil {
		t.Fatal(err)
	}
	sub := newSubject(t, old, "25459")
	before := newProduct(t, sqlite.NewProductStore(old), sub.ID, 2025)
	old.Close()

	db := reopen(t, path, c)
	pub := sqlite.NewPublicStore(db)
	after := newProduct(t, sqlite.NewProductStore(db), sub.ID, 2025)
	seen := map[string]bool{}
	for _, p := range []domain.Product{before, after} {
		pp, err := pub.ByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		code, ok := domain.ParsePublicCode(pp.PublicCode)
		if !ok || code != pp.PublicCode {
			t.Fatalf("product %d: public code %q", p.ID, pp.PublicCode)
		}
		if seen[code] {
			t.Fatalf("public code %q given twice", code)
		}
		seen[code] = true
		back, err := pub.ByCode(ctx, code)
		if err != nil || back.Product.ID != p.ID || back.Product.Code != p.Code {
			t.Fatalf("ByCode(%q) = %+v, %v", code, back.Product, err)
		}
		// The code never changes.
		db.Close()
		db = reopen(t, path, c)
		pub = sqlite.NewPublicStore(db)
		if again, _ := pub.ByID(ctx, p.ID); again.PublicCode != code {
			t.Fatalf("code changed: %q -> %q", code, again.PublicCode)
		}
	}
	if _, err := pub.ByCode(ctx, "2222222222"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE products SET public_code = (SELECT public_code FROM products WHERE id = ?) WHERE id = ?`,
		before.ID, after.ID); err == nil {
		t.Fatal("two products share a public code")
	}
}

func TestPublicCertifiedAndContact(t *testing.T) {
	ctx := t.Context()
	c := newClock() // 2025-07-01
	db, _ := open(t, c)
	products := sqlite.NewProductStore(db)
	pub := sqlite.NewPublicStore(db)
	sub := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Bánh tráng", Representative: "Nguyễn Văn A",
		Phone: "+84912345678", CommuneCode: "25459"}
	if err := sqlite.NewSubjectStore(db).Create(ctx, &sub); err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	mk := func(name string, stage domain.Stage, expires time.Time) domain.Product {
		p := domain.Product{SubjectID: sub.ID, Name: name, Set: 3, Year: 2024, Stage: stage, Stars: 4}
		if !expires.IsZero() {
			p.CertNo, p.CertIssued, p.CertExpires = "12/QĐ-UBND", expires.AddDate(-3, 0, 0), expires
		}
		if err := products.Create(ctx, &p, "", province); err != nil {
			t.Fatal(err)
		}
		return p
	}
	valid := mk("Bánh tráng phơi sương", domain.StageRecognised, day(2027, 3, 15))
	mk("Muối tôm", domain.StageRecognised, day(2025, 6, 1)) // past its last day
	mk("Nước mắm", domain.StageRevoked, day(2027, 1, 1))
	mk("Mật ong", domain.StageExpired, day(2025, 6, 1))
	mk("Ý tưởng", domain.StageIdea, time.Time{})
	reeval := mk("Chả lụa", domain.StageReevaluation, day(2025, 12, 1))

	list, err := pub.Certified(ctx, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, pp := range list {
		names = append(names, pp.Product.Name)
	}
	if len(list) != 2 || list[0].Product.ID != valid.ID || list[1].Product.ID != reeval.ID {
		t.Fatalf("Certified = %q", names)
	}
	if list[0].Producer != sub.Name || list[0].Contact != "" {
		t.Fatalf("producer %q, contact %q: the phone shows without the producer's choice", list[0].Producer, list[0].Contact)
	}
	if on, err := pub.PublicContact(ctx, sub.ID); err != nil || on {
		t.Fatalf("PublicContact = %v, %v; want off", on, err)
	}
	if err := pub.SetPublicContact(ctx, sub.ID, true); err != nil {
		t.Fatal(err)
	}
	pp, err := pub.ByID(ctx, valid.ID)
	if err != nil || pp.Contact != sub.Phone {
		t.Fatalf("contact after turning it on: %q, %v", pp.Contact, err)
	}
	// Recognised since its certificate was issued (the history of a
	// product created certified starts on its issue day).
	if !pp.StageSince.Equal(valid.CertIssued) {
		t.Fatalf("stage since %v, want %v", pp.StageSince, valid.CertIssued)
	}
	if err := pub.SetPublicContact(ctx, 9999, true); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown subject: %v", err)
	}
}
