package qrlabel

import (
	"bytes"
	"fmt"
	"strconv"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// Sheet geometry: A4 portrait (210 × 297 mm), 3 columns and 4 rows of
// 64 × 70 mm labels, each with a cutting frame, centred with 9 mm margins
// that every printer can print inside.
const (
	sheetCols   = 3
	sheetRows   = 4
	labelW      = 64.0
	labelH      = 70.0
	sheetMargin = (210 - sheetCols*labelW) / 2
	sheetTop    = (297 - sheetRows*labelH) / 2
	qrMM        = 42.0
)

// PerSheet is the number of labels on one A4 page.
const PerSheet = sheetCols * sheetRows

// Sheet lays the labels out on A4 pages, PerSheet a page, ready to print
// at 100 % and cut along the grey frames.
func Sheet(labels []Label, title string) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("ocopbot", true)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddUTF8FontFromBytes("sans", "", liberationsansregular.TTF)
	pdf.AddUTF8FontFromBytes("sans", "B", liberationsansbold.TTF)
	if len(labels) == 0 {
		pdf.AddPage()
	}
	for i, l := range labels {
		if i%PerSheet == 0 {
			pdf.AddPage()
		}
		k := i % PerSheet
		x := sheetMargin + float64(k%sheetCols)*labelW
		y := sheetTop + float64(k/sheetCols)*labelH
		if err := drawLabel(pdf, l, i, x, y); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("qrlabel: pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func drawLabel(pdf *fpdf.Fpdf, l Label, i int, x, y float64) error {
	pdf.SetDrawColor(190, 190, 190)
	pdf.SetLineWidth(0.2)
	pdf.Rect(x, y, labelW, labelH, "D")
	png, err := qrcode.Encode(l.URL, qrcode.Medium, 400)
	if err != nil {
		return fmt.Errorf("qrlabel: %w", err)
	}
	name := "qr" + strconv.Itoa(i)
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(png))
	pdf.ImageOptions(name, x+(labelW-qrMM)/2, y+1.5, qrMM, qrMM, false, opt, 0, "")
	cy := y + 1.5 + qrMM
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont("sans", "B", 10)
	lines := pdf.SplitText(l.Name, labelW-6)
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] += "…"
	}
	for _, line := range lines {
		pdf.SetXY(x+3, cy)
		pdf.CellFormat(labelW-6, 4.6, line, "", 0, "C", false, 0, "")
		cy += 4.6
	}
	// Stars, then "OCOP n".
	const star = 4.2
	caption := "OCOP " + strconv.Itoa(l.Stars)
	pdf.SetFont("sans", "B", 9)
	total := float64(l.Stars)*(star+0.8) + 1.5 + pdf.GetStringWidth(caption)
	sx := x + (labelW-total)/2
	pdf.SetFillColor(int(Gold.R), int(Gold.G), int(Gold.B))
	for s := 0; s < l.Stars; s++ {
		var pts []fpdf.PointType
		for _, p := range starPoints(sx+star/2, cy+0.6+star/2, star/2) {
			pts = append(pts, fpdf.PointType{X: p[0], Y: p[1]})
		}
		pdf.Polygon(pts, "F")
		sx += star + 0.8
	}
	pdf.SetXY(sx+1.5, cy+0.6)
	pdf.CellFormat(pdf.GetStringWidth(caption)+1, star, caption, "", 0, "L", false, 0, "")
	cy += star + 1.8
	pdf.SetFont("sans", "", 7.5)
	pdf.SetTextColor(60, 60, 60)
	for _, line := range l.Lines {
		for _, part := range pdf.SplitText(line, labelW-6) {
			if cy > y+labelH-3.5 {
				return nil
			}
			pdf.SetXY(x+3, cy)
			pdf.CellFormat(labelW-6, 3.4, part, "", 0, "C", false, 0, "")
			cy += 3.4
		}
	}
	return nil
}
