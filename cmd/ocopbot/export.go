package main

import (
	"context"
	"errors"

	"github.com/xuri/excelize/v2"
)

// errNoReport says that this build has no report builder yet.
var errNoReport = errors.New("no report builder")

// exportWorkbook builds the report workbook of "ocopbot export": the same
// workbook as /baocao, over the whole province.
//
// TODO(issue 4): call report.Build(ctx, src, scope) once package report
// has it; until then export says it is not available.
func exportWorkbook(ctx context.Context, a *app) (*excelize.File, error) {
	return nil, errNoReport
}
