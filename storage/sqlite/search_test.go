package sqlite_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// srchLabels names the hits: "S:<subject>" or "P:<product>".
func srchLabels(hits []domain.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		if h.Product == nil {
			out[i] = "S:" + h.Subject.Name
		} else {
			out[i] = "P:" + h.Product.Name
		}
	}
	return out
}

func srchEqual(t *testing.T, what string, got []domain.SearchHit, want ...string) {
	t.Helper()
	labels := srchLabels(got)
	if len(labels) != len(want) {
		t.Errorf("%s: %q, want %q", what, labels, want)
		return
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Errorf("%s: %q, want %q", what, labels, want)
			return
		}
	}
}

func TestSearch(t *testing.T) {
	db, _ := open(t, newClock())
	issued := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	res := impBatch(t, db, []sqlite.ImportRow{
		impRow(2, "+84912345678", "HTX Bánh tráng Trảng Bàng", "25708", "Bánh tráng phơi sương", "1/GCN", 65.5, 3, issued),
		impRow(3, "+84912345678", "HTX Bánh tráng Trảng Bàng", "25708", "Muối tôm", "2/GCN", 62, 3, issued),
		impRow(4, "", "Cơ sở Bành Trắng", "25480", "Nem chua", "", 70, 4, issued),
		impRow(5, "+84987654321", "Công ty Tân Nhiên", "25480", "Bánh tráng siêu mỏng", "3/GCN", 86, 4, issued),
	})
	search := sqlite.NewSearchStore(db)
	find := func(q domain.SearchQuery) []domain.SearchHit {
		t.Helper()
		hits, err := search.Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}

	// Names, with or without diacritics; best first, a matching subject's
	// products right after it.
	srchEqual(t, "banh trang", find(domain.SearchQuery{Text: "banh trang", All: true}),
		"P:Bánh tráng siêu mỏng", "P:Bánh tráng phơi sương", // the name starts with it
		"S:Cơ sở Bành Trắng", "P:Nem chua", "S:HTX Bánh tráng Trảng Bàng", "P:Muối tôm") // holds it
	// Typed with diacritics, the names that hold them as typed come first.
	srchEqual(t, "Bánh tráng", find(domain.SearchQuery{Text: "Bánh tráng", All: true}),
		"P:Bánh tráng siêu mỏng", "P:Bánh tráng phơi sương",
		"S:HTX Bánh tráng Trảng Bàng", "P:Muối tôm", "S:Cơ sở Bành Trắng", "P:Nem chua")
	// A phone: the subject, then its products.
	srchEqual(t, "phone", find(domain.SearchQuery{Text: "0912.345.678", Phone: "+84912345678", All: true}),
		"S:HTX Bánh tráng Trảng Bàng", "P:Bánh tráng phơi sương", "P:Muối tôm")
	// A product code, whole or its start.
	code := res.Rows[3].Product.Code
	srchEqual(t, "code", find(domain.SearchQuery{Text: code, All: true}), "P:Bánh tráng siêu mỏng")
	srchEqual(t, "code prefix", find(domain.SearchQuery{Text: "80-25708", All: true}), "P:Bánh tráng phơi sương", "P:Muối tôm")
	// A certificate number.
	srchEqual(t, "certificate", find(domain.SearchQuery{Text: "2/gcn", All: true}), "P:Muối tôm")
	// A commune, as prepared by the caller.
	srchEqual(t, "commune", find(domain.SearchQuery{Text: "Bình Minh", Communes: map[string]int{"25480": domain.ScoreCommune}, All: true}),
		"S:Cơ sở Bành Trắng", "P:Nem chua", "S:Công ty Tân Nhiên", "P:Bánh tráng siêu mỏng")
	// Scope: a commune officer of 25480 sees nothing of 25708.
	srchEqual(t, "scoped", find(domain.SearchQuery{Text: "0912345678", Phone: "+84912345678", Scope: []string{"25480"}}))
	scoped := find(domain.SearchQuery{Text: "banh trang", Scope: []string{"25480"}})
	for _, h := range scoped {
		if h.Subject.CommuneCode != "25480" {
			t.Errorf("a scoped search found %q of %s", srchLabels([]domain.SearchHit{h}), h.Subject.CommuneCode)
		}
	}
	if len(scoped) == 0 {
		t.Error("a scoped search found nothing in its commune")
	}
	// The representative's name finds the subject, and its products.
	rep := domain.Subject{Kind: domain.KindHousehold, Name: "Hộ Xoài Cát", Representative: "Nguyễn Thị Lài", CommuneCode: "25480"}
	if err := sqlite.NewSubjectStore(db).Create(t.Context(), &rep); err != nil {
		t.Fatal(err)
	}
	srchEqual(t, "representative", find(domain.SearchQuery{Text: "nguyen thi lai", All: true}), "S:Hộ Xoài Cát")
	// A given name finds the subjects it represents, without their
	// products, after a subject or product of that name.
	if err := db.InTx(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE subjects SET representative = 'Lê Thị Lài' WHERE name = 'Công ty Tân Nhiên'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srchEqual(t, "representative's given name", find(domain.SearchQuery{Text: "Lài", All: true}), "S:Công ty Tân Nhiên", "S:Hộ Xoài Cát")
	srchEqual(t, "a subject's own name first", find(domain.SearchQuery{Text: "tan nhien", All: true}),
		"S:Công ty Tân Nhiên", "P:Bánh tráng siêu mỏng")

	// Nothing, and the limit.
	srchEqual(t, "none", find(domain.SearchQuery{Text: "sầu riêng", All: true}))
	if got := find(domain.SearchQuery{Text: "banh", All: true, Limit: 2}); len(got) != 2 {
		t.Errorf("limit 2: %d hits", len(got))
	}
	// The subject hit counts the products the searcher sees.
	for _, h := range find(domain.SearchQuery{Text: "HTX Bánh tráng Trảng Bàng", All: true}) {
		if h.Product == nil && h.Products != 2 {
			t.Errorf("subject with %d products, want 2", h.Products)
		}
	}
}
