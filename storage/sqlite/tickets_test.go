package sqlite_test

import (
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func TestTickets(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, _ := open(t, c)
	users := sqlite.NewUserStore(db)
	tg, _ := users.Touch(ctx, "telegram", "1", "", "Lan")
	zl, _ := users.Touch(ctx, "zalo", "5001", "", "")
	if err := users.LinkPerson(ctx, zl.ID, tg.ID); err != nil {
		t.Fatal(err)
	}
	sub := newSubject(t, db, "25480")
	tickets := sqlite.NewTicketStore(db)

	if err := tickets.Create(ctx, &domain.Ticket{UserID: tg.ID}); domain.ErrorKind(err) != domain.KindInvalid {
		t.Fatalf("a ticket without a question: %v", err)
	}
	a := domain.Ticket{UserID: tg.ID, SubjectID: sub.ID, Commune: "25480", Question: "Tem truy xuất làm ở đâu?"}
	if err := tickets.Create(ctx, &a); err != nil || a.ID == 0 || !a.Asked.Equal(c.Now()) {
		t.Fatalf("Create: %+v, %v", a, err)
	}
	c.Advance(time.Minute)
	b := domain.Ticket{UserID: zl.ID, ToProvince: true, Question: "Có tốn phí không?"}
	if err := tickets.Create(ctx, &b); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the same photo twice (an update handled again): one
		if err := tickets.AddPhoto(ctx, a.ID, "file-1", sha("x"), "image/jpeg", 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := tickets.AddPhoto(ctx, 999, "file-2", sha("y"), "image/jpeg", 10); domain.ErrorKind(err) != domain.KindNotFound {
		t.Fatalf("a photo for no ticket: %v", err)
	}
	if got, _ := tickets.Get(ctx, a.ID); got.Photos != 1 || got.SubjectID != sub.ID || got.Commune != "25480" {
		t.Fatalf("Get: %+v", got)
	}
	open, err := tickets.Open(ctx)
	if err != nil || len(open) != 2 || open[0].ID != a.ID || !open[1].ToProvince {
		t.Fatalf("Open: %+v, %v", open, err)
	}
	// The person's questions, from both of their accounts, newest first.
	mine, err := tickets.ByUser(ctx, tg.ID, 10)
	if err != nil || len(mine) != 2 || mine[0].ID != b.ID {
		t.Fatalf("ByUser: %+v, %v", mine, err)
	}

	c.Advance(time.Hour)
	got, err := tickets.Answer(ctx, a.ID, 77, "Ở UBND xã.")
	if err != nil || got.Answer != "Ở UBND xã." || got.AnsweredBy != 77 || !got.Answered.Equal(c.Now()) {
		t.Fatalf("Answer: %+v, %v", got, err)
	}
	if _, err := tickets.Answer(ctx, a.ID, 78, "Khác"); domain.ErrorKind(err) != domain.KindConflict {
		t.Fatalf("a second answer: %v", err)
	}
	if err := tickets.AddPhoto(ctx, a.ID, "file-3", sha("z"), "image/jpeg", 10); domain.ErrorKind(err) != domain.KindNotFound && err != nil {
		t.Fatalf("a photo for an answered ticket: %v", err)
	}
	if open, _ := tickets.Open(ctx); len(open) != 1 || open[0].ID != b.ID {
		t.Fatalf("Open after the answer: %+v", open)
	}
	all, err := tickets.All(ctx, domain.Area{Communes: []string{"25480"}})
	if err != nil || len(all) != 1 {
		t.Fatalf("All in 25480: %+v, %v", all, err)
	}
	if s := domain.StatsOf(all); s.Asked != 1 || s.Answered != 1 || s.Median != time.Hour+time.Minute {
		t.Fatalf("stats: %+v", s)
	}
}
