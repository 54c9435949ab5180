// Package report makes what officers hand their leadership: the workbook of
// subjects, products, history, events, figures and budget (/baocao and
// `ocopbot export`), and the chart of the figures (/thongke).
//
// The workbook is a Vietnamese administrative document: its sheet names and
// column headers are fixed Vietnamese (headers.go), whatever language the
// officer chats in; the names of stages, kinds and channels come from the
// locale files through Source.T.
package report

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/locales"
)

// Data lists the rows of the workbook over an area. The Each methods call
// fn with one row at a time while they read the rows (the workbook writes
// them as they come; a province has hundreds of thousands); fn does not
// use the database.
type Data interface {
	// EachSubject calls fn with each subject registered in the area, by
	// id, with its sales channels; s is only valid during the call.
	EachSubject(ctx context.Context, area domain.Area, fn func(s *domain.Subject) error) error
	// EachProduct calls fn with each product filed in the area, by id,
	// with the states of its dossier's items by item id (an item without
	// one is missing); p and items are only valid during the call, and p
	// may have only the fields the workbook shows.
	EachProduct(ctx context.Context, area domain.Area, fn func(p *domain.Product, items map[string]domain.ItemState) error) error
	// ProductSubjects returns the names of the subjects of the area's
	// products by id (a subject may have moved out of the area).
	ProductSubjects(ctx context.Context, area domain.Area) (map[int64]string, error)
	// EachChange calls fn with each stage change of the area's products,
	// by product and in order, with the product's code and name.
	EachChange(ctx context.Context, area domain.Area, fn func(h *domain.StageChange, code, name string) error) error
	// ChangeAuthors returns the display names of the users who made the
	// stage changes of the area's products (the system, id 0, has none).
	ChangeAuthors(ctx context.Context, area domain.Area) (map[int64]string, error)
}

// Figures computes the counts behind the plan's figures over each of
// several areas at once (one pass over the data for all of them).
type Figures interface {
	Counts(ctx context.Context, areas []domain.Area, now time.Time) ([]domain.FigureCounts, error)
}

// UserNamer is what a Data may also do: give the display names of users by
// id (who recorded a disbursement, who cancelled it).
type UserNamer interface {
	UserNames(ctx context.Context, ids []int64) (map[int64]string, error)
}

// Budget lists the disbursements recorded against the plan's budget.
type Budget interface {
	Disbursements(ctx context.Context) ([]domain.Disbursement, error)
}

// Attendance counts who attended a training event, for the "trained"
// figure. communes limits the count (nil or empty: the whole province).
type Attendance interface {
	TrainedSubjects(ctx context.Context, communes []string) (int, error)
	TrainedOfficers(ctx context.Context, communes []string) (int, error)
}

// Events lists the events and their attendance for the workbook's events
// sheet, over an area.
type Events interface {
	EventAttendance(ctx context.Context, area domain.Area) ([]EventRow, error)
}

// EventRow is one person invited to or attending an event.
type EventRow struct {
	Event    string
	Kind     string // in words
	Starts   time.Time
	Place    string
	Person   string
	Subject  string
	Commune  string // code
	RSVP     string // in words
	Attended bool
	// Invitation is the state of the person's invitation, in words: sent,
	// waiting for them to write again (Zalo's reply window), expired; ""
	// without one.
	Invitation string
}

// Checks lists the monitoring checks (hậu kiểm) of the products of an
// area, for the workbook's sheet.
type Checks interface {
	ChecksIn(ctx context.Context, area domain.Area) ([]domain.MonitoringCheck, error)
}

// Source is everything the workbook and the figures read. Attendance and
// Events are optional: nil until events exist, the "trained" figure shows
// "no data" and the events sheet has its headers only.
type Source struct {
	Data       Data
	Figures    Figures
	Budget     Budget
	Attendance Attendance // optional
	Events     Events     // optional
	Checks     Checks     // optional: the sheet has its headers only
	Plan       *domain.Plan
	Places     *domain.Places
	Rules      *domain.Rulebooks
	// T renders a message id in Vietnamese (stage, kind and channel names);
	// nil loads the embedded locale files.
	T func(id string) string
}

// Scope says what the workbook covers.
type Scope struct {
	// Communes limits it to these communes (a commune officer's); nil is the
	// whole province, with the plan's area beside it in the figures.
	Communes []string
	// Now is the moment of the figures, in the province's time zone (the
	// calendar day decides certificates and showrooms); zero is time.Now.
	Now time.Time
}

// ColumnKind names a column of figures.
type ColumnKind int

const (
	ColumnPlanArea ColumnKind = iota // the plan's area (communes of the former province)
	ColumnProvince                   // the whole province
	ColumnScope                      // a commune officer's communes
)

// Column is one area the figures are computed over.
type Column struct {
	Kind ColumnKind
	Area domain.Area
}

// Columns returns the areas of the figures for a scope: the plan's area and
// the province for the whole province, the communes themselves otherwise.
func Columns(src Source, communes []string) []Column {
	if communes != nil {
		return []Column{{Kind: ColumnScope, Area: domain.Area{Communes: communes}}}
	}
	return []Column{
		{Kind: ColumnPlanArea, Area: domain.Area{Communes: src.Plan.AreaCommunes(src.Places)}},
		{Kind: ColumnProvince, Area: domain.Area{All: true}},
	}
}

// Counts computes the figures' counts over each column's area, with the
// "trained" ratio once attendance is recorded: subjects and officers who
// attended a training over all subjects and officers of the area.
func Counts(ctx context.Context, src Source, cols []Column, now time.Time) ([]domain.FigureCounts, error) {
	areas := make([]domain.Area, len(cols))
	for i, col := range cols {
		areas[i] = col.Area
	}
	out, err := src.Figures.Counts(ctx, areas, now)
	if err != nil {
		return nil, err
	}
	if src.Attendance == nil {
		return out, nil
	}
	// "Trained" has no data until someone's attendance at a training is
	// recorded anywhere (its definition): until then it stays nil, "no
	// data", never 0%.
	anySubjects, err := src.Attendance.TrainedSubjects(ctx, nil)
	if err != nil {
		return nil, err
	}
	anyOfficers, err := src.Attendance.TrainedOfficers(ctx, nil)
	if err != nil {
		return nil, err
	}
	if anySubjects+anyOfficers == 0 {
		return out, nil
	}
	for i, area := range areas {
		c := &out[i]
		var communes []string
		if !area.All {
			communes = area.Communes
			if len(communes) == 0 {
				c.Trained = &domain.Ratio{Den: c.Subjects + c.Officers}
				continue
			}
		}
		subjects, err := src.Attendance.TrainedSubjects(ctx, communes)
		if err != nil {
			return nil, err
		}
		officers, err := src.Attendance.TrainedOfficers(ctx, communes)
		if err != nil {
			return nil, err
		}
		c.Trained = &domain.Ratio{Num: subjects + officers, Den: c.Subjects + c.Officers}
	}
	return out, nil
}

// VietnameseT returns a translator of message ids into Vietnamese from the
// embedded locale files, for Source.T outside a conversation (ocopbot
// export).
func VietnameseT() (func(id string) string, error) { return translatorFrom(locales.FS) }

func translatorFrom(fsys fs.FS) (func(id string) string, error) {
	tr, err := bot.NewTranslator(fsys)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return func(id string) string { return tr.T(domain.LocaleVI, id, nil) }, nil
}
