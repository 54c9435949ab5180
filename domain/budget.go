package domain

import "time"

// Disbursement is money spent on one of the plan's activities in one year,
// as recorded by a province officer.
type Disbursement struct {
	ID       int64
	Activity int
	Year     int
	Amount   Money
	Note     string
	By       int64 // the officer's user id
	At       time.Time
	// A disbursement recorded by mistake is cancelled, never erased: it
	// stays in the list with who cancelled it, when and why, and no longer
	// counts (Budget.Use). The right amount is then recorded anew.
	CancelledBy   int64
	CancelledAt   time.Time
	CancelledNote string
}

// Cancelled reports whether d was cancelled.
func (d Disbursement) Cancelled() bool { return !d.CancelledAt.IsZero() }

// BudgetLine is a plan line beside what was spent on it.
type BudgetLine struct {
	Planned, Spent Money
}

// Share returns the part of the plan spent (0.5 for half), and false when
// nothing was planned.
func (l BudgetLine) Share() (float64, bool) {
	if l.Planned <= 0 {
		return 0, false
	}
	return float64(l.Spent) / float64(l.Planned), true
}

// BudgetUse is the plan's budget beside the disbursements: by activity and
// year, by activity, by year, and in total.
type BudgetUse struct {
	Cells      map[[2]int]BudgetLine // {activity, year}
	ByActivity map[int]BudgetLine
	ByYear     map[int]BudgetLine
	Total      BudgetLine
}

// Use puts the disbursements beside the plan's budget lines. Spending on an
// activity or year the plan does not have still counts in the totals; a
// cancelled disbursement does not count.
func (b Budget) Use(spent []Disbursement) BudgetUse {
	u := BudgetUse{Cells: map[[2]int]BudgetLine{}, ByActivity: map[int]BudgetLine{}, ByYear: map[int]BudgetLine{}}
	add := func(a, y int, planned, spent Money) {
		c := u.Cells[[2]int{a, y}]
		c.Planned += planned
		c.Spent += spent
		u.Cells[[2]int{a, y}] = c
		l := u.ByActivity[a]
		l.Planned += planned
		l.Spent += spent
		u.ByActivity[a] = l
		l = u.ByYear[y]
		l.Planned += planned
		l.Spent += spent
		u.ByYear[y] = l
		u.Total.Planned += planned
		u.Total.Spent += spent
	}
	for _, a := range b.Activities {
		for _, y := range b.years {
			if m := a.Year(y); m != 0 {
				add(a.ID, y, m, 0)
			}
		}
	}
	for _, d := range spent {
		if d.Cancelled() {
			continue
		}
		add(d.Activity, d.Year, 0, d.Amount)
	}
	return u
}
