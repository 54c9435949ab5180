package main

import (
	"context"

	"github.com/ocop-tayninh/ocopbot/report"
)

// exportWorkbook builds the report workbook of "ocopbot export": the same
// workbook as /baocao, over the whole province, as of now in the
// province's time zone.
func exportWorkbook(ctx context.Context, a *app) (*report.Workbook, error) {
	return report.Build(ctx, a.report, report.Scope{Now: a.now().In(a.cfg.Location)})
}
