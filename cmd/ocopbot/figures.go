package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/report"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// readPlan reads and validates a plan file (PLAN_FILE).
func readPlan(path string) (*domain.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := domain.LoadPlan(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// planOf returns the configured plan, or the embedded Tây Ninh plan.
func planOf(cfg *Config) (*domain.Plan, error) {
	if cfg.Plan != nil {
		return cfg.Plan, nil
	}
	p, err := domain.DefaultPlan()
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return p, nil
}

// reportSource is what the report workbook reads from the database: for
// /baocao (through the handlers' Deps) and for `ocopbot export`, which
// writes the workbook of the whole province:
//
//	f, err := report.Build(ctx, reportSource(db, plan, places, rules, attendance, events), report.Scope{Now: now})
//
// Attendance and events may be nil (the "trained" figure then shows no
// data, the events sheet its headers only).
func reportSource(db *sqlite.DB, plan *domain.Plan, places *domain.Places, rules *domain.Rulebooks, attendance report.Attendance,
	events report.Events) report.Source {
	return report.Source{Data: sqlite.NewReportStore(db), Figures: sqlite.NewFigureStore(db), Budget: sqlite.NewBudgetStore(db),
		Attendance: attendance, Events: events, Plan: plan, Places: places, Rules: rules, Checks: sqlite.NewMonitoringStore(db)}
}

// attendanceOf gives the events' attendance to the figures, or nil (no
// data) when events are not wired.
func attendanceOf(e *sqlite.EventStore) report.Attendance {
	if e == nil {
		return nil
	}
	return e
}

// eventsOf gives the events' lists to the workbook's events sheet, or nil
// (headers only) when events are not wired.
func eventsOf(e *sqlite.EventStore, tr *bot.Translator) report.Events {
	if e == nil {
		return nil
	}
	return reportEvents{store: e, t: func(id string) string { return tr.T(domain.LocaleVI, id, nil) }}
}

// reportEvents puts the kind of an event and the answer to its invitation
// in Vietnamese words, as in an event's own list (ev.xlsx_*); the store
// keeps storage free of the report and the locales.
type reportEvents struct {
	store *sqlite.EventStore
	t     func(id string) string
}

func (r reportEvents) EventAttendance(ctx context.Context, area domain.Area) ([]report.EventRow, error) {
	rows, err := r.store.EventAttendance(ctx, area)
	if err != nil {
		return nil, err
	}
	out := make([]report.EventRow, len(rows))
	for i, row := range rows {
		var rsvp string
		switch row.RSVP {
		case "yes":
			rsvp = r.t("ev.xlsx_yes")
		case "no":
			rsvp = r.t("ev.xlsx_no")
		}
		var invitation string
		switch row.Invitation {
		case sqlite.RecipientSent:
			invitation = r.t("ev.xlsx_invite_sent")
		case sqlite.RecipientPending, sqlite.RecipientSending:
			invitation = r.t("ev.xlsx_invite_sending")
		case sqlite.RecipientWaiting:
			invitation = r.t("ev.xlsx_invite_waiting")
		case sqlite.RecipientExpired:
			invitation = r.t("ev.xlsx_invite_expired")
		}
		out[i] = report.EventRow{Event: row.Event, Kind: r.t("ev_kind." + string(row.Kind)), Starts: row.Starts, Place: row.Place,
			Person: row.Person, Subject: row.Subject, Commune: row.Commune, RSVP: rsvp, Attended: row.Attended, Invitation: invitation}
	}
	return out, nil
}
