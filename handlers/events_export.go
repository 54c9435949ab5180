package handlers

import (
	"bytes"
	"context"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// exportEvent sends the officer the list of an event's answers and
// attendance as an .xlsx workbook.
func (a *app) exportEvent(ctx context.Context, c *bot.Ctx, ev domain.Event) error {
	people, err := a.Events.People(ctx, ev.ID)
	if err != nil {
		return domain.Op("ev.export", err)
	}
	data, err := a.eventWorkbook(c, ev, people)
	if err != nil {
		return domain.E("ev.export", domain.KindInternal, err)
	}
	return c.Send(ctx, bot.Reply{
		Text:     c.T("ev.export_caption", map[string]any{"Title": ev.Title, "N": len(people)}),
		Document: &bot.Attachment{Name: "su-kien-" + strconv.FormatInt(ev.ID, 10) + ".xlsx", Data: data},
	})
}

// eventWorkbook builds the workbook: one sheet, a header row, one row per
// person who answered or attended.
func (a *app) eventWorkbook(c *bot.Ctx, ev domain.Event, people []domain.EventPerson) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := c.T("ev.xlsx_sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	rows := [][]any{
		{c.T("ev.xlsx_event"), ev.Title},
		{c.T("ev.xlsx_when"), ev.StartsAt.In(a.loc()).Format("02/01/2006 15:04")},
		{c.T("ev.xlsx_place"), ev.Place},
		{},
		{c.T("ev.xlsx_col_no"), c.T("ev.xlsx_col_name"), c.T("ev.xlsx_col_subject"), c.T("ev.xlsx_col_commune"),
			c.T("ev.xlsx_col_phone"), c.T("ev.xlsx_col_rsvp"), c.T("ev.xlsx_col_attended"), c.T("ev.xlsx_col_checked_at")},
	}
	for i, p := range people {
		rsvp := ""
		switch p.RSVP {
		case "yes":
			rsvp = c.T("ev.xlsx_yes")
		case "no":
			rsvp = c.T("ev.xlsx_no")
		}
		attended, at := "", ""
		if p.Attended {
			attended = c.T("ev.xlsx_yes")
			at = p.CheckedAt.In(a.loc()).Format("02/01/2006 15:04")
		}
		commune := p.Commune
		if cm, ok := a.Places.Get(p.Commune); ok {
			commune = cm.Name
		}
		rows = append(rows, []any{i + 1, p.Name, p.SubjectName, commune, domain.FormatPhone(p.Phone), rsvp, attended, at})
	}
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return nil, err
		}
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return nil, err
		}
	}
	if err := f.SetColWidth(sheet, "B", "D", 28); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
