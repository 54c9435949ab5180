package main

import (
	"fmt"
	"os"

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
//	f, err := report.Build(ctx, reportSource(db, plan, places, rules), report.Scope{Now: now})
//
// Attendance may be nil (the "trained" figure then shows no data).
func reportSource(db *sqlite.DB, plan *domain.Plan, places *domain.Places, rules *domain.Rulebooks, attendance report.Attendance) report.Source {
	return report.Source{Data: sqlite.NewReportStore(db), Figures: sqlite.NewFigureStore(db), Budget: sqlite.NewBudgetStore(db),
		Attendance: attendance, Plan: plan, Places: places, Rules: rules}
}

// attendanceOf gives the events' attendance to the figures, or nil (no
// data) when events are not wired.
func attendanceOf(e *sqlite.EventStore) report.Attendance {
	if e == nil {
		return nil
	}
	return e
}
