package domain

import (
	"testing"
	"time"
)

func TestTicketFollowUp(t *testing.T) {
	cal, err := DefaultCalendar()
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	// Asked on Thursday 3/12/2026 at 10:00: two working days later is
	// Monday 7/12 at 10:00, five is Thursday 10/12.
	asked := time.Date(2026, 12, 3, 10, 0, 0, 0, loc)
	if got, want := TicketDue(cal, asked, TicketRemindDays), time.Date(2026, 12, 7, 10, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("remind at %v, want %v", got, want)
	}
	tk := Ticket{Commune: "25480", Asked: asked}
	commune := User{ID: 1, Role: RoleCommuneOfficer, Communes: []string{"25480"}}
	other := User{ID: 2, Role: RoleCommuneOfficer, Communes: []string{"25459"}}
	province := User{ID: 3, Role: RoleProvinceOfficer}
	admin := User{ID: 4, Role: RoleAdmin}
	producer := User{ID: 5, Role: RoleProducer}
	for _, tc := range []struct {
		name string
		tk   Ticket
		u    User
		now  time.Time
		want bool
	}{
		{"commune officer", tk, commune, asked, true},
		{"another commune", tk, other, asked, false},
		{"province, early", tk, province, time.Date(2026, 12, 9, 10, 0, 0, 0, loc), false},
		{"province, after 5 working days", tk, province, time.Date(2026, 12, 10, 10, 0, 0, 0, loc), true},
		{"province's from the start", Ticket{ToProvince: true, Asked: asked}, province, asked, true},
		{"admin", tk, admin, asked, true},
		{"producer", tk, producer, asked, false},
	} {
		if got := tc.tk.VisibleTo(tc.u, cal, tc.now); got != tc.want {
			t.Errorf("%s: VisibleTo = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStatsOf(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	tickets := []Ticket{
		{Asked: t0, Answered: t0.Add(2 * time.Hour)},
		{Asked: t0, Answered: t0.Add(6 * time.Hour)},
		{Asked: t0, Answered: t0.Add(30 * time.Hour)},
		{Asked: t0},
	}
	if s := StatsOf(tickets); s.Asked != 4 || s.Answered != 3 || s.Median != 6*time.Hour {
		t.Errorf("StatsOf = %+v", s)
	}
	if s := StatsOf(tickets[:2]); s.Median != 4*time.Hour {
		t.Errorf("even median = %v", s.Median)
	}
	if s := StatsOf(nil); s != (TicketStats{}) {
		t.Errorf("StatsOf(nil) = %+v", s)
	}
}
