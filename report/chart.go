package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"

	"git.sr.ht/~sbinet/gg"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart is the PNG picture of the figures: progress towards each target and
// products by group, one bar per series (the plan's area, the province).
// Every text is given already localized.
type Chart struct {
	Title         string   // over the progress panel
	GroupsTitle   string   // over the groups panel
	ProgressAxis  string   // "% of the target"
	ProductsAxis  string   // "products"
	NoData        string   // appended to a target without data
	Series        []string // legend names, one per series
	Targets       []ChartTarget
	Groups        []ChartGroup
	Width, Height vg.Length // 0: 900 × 1000 pixels at 96 dpi
}

// ChartTarget is a target and, per series, today's value in percent of
// the target's minimum (NaN when there is no data).
type ChartTarget struct {
	Label    string
	Progress []float64
}

// ChartGroup is a product group and its number of products per series.
type ChartGroup struct {
	Name string
	N    []int
}

// maxProgress caps the bars so that one target far above its minimum does
// not flatten the others.
const maxProgress = 150

var seriesColors = []color.Color{
	color.RGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0xff}, // green: the plan's area
	color.RGBA{R: 0x9e, G: 0xc9, B: 0xe2, A: 0xff}, // light blue: the province
	color.RGBA{R: 0xe6, G: 0x9f, B: 0x00, A: 0xff},
}

// PNG draws the chart. The text uses Liberation Sans, embedded in the binary
// through gonum's font package, which has the Vietnamese letters.
func (c Chart) PNG() ([]byte, error) {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 900 * vg.Inch / 96
	}
	if h == 0 {
		h = 1000 * vg.Inch / 96
	}
	fonts := font.NewCache(liberation.Collection())
	face := font.Font{Typeface: "Liberation", Variant: "Sans"}
	handler := text.Plain{Fonts: fonts}

	progress, err := c.progressPlot(handler, face)
	if err != nil {
		return nil, err
	}
	groups, err := c.groupsPlot(handler, face)
	if err != nil {
		return nil, err
	}
	// The canvas draws on a picture of ours through a context made for it:
	// vgimg's own (UseWH) copied a new picture into another, a tenth of
	// the chart's time. The context is set up as vgimg sets up its own.
	const dpi = 96
	px := image.NewRGBA(image.Rect(0, 0, int(w/vg.Inch*dpi+0.5), int(h/vg.Inch*dpi+0.5)))
	gc := gg.NewContextForRGBA(px)
	gc.SetLineCapButt()
	gc.InvertY()
	img := vgimg.NewWith(vgimg.UseImageWithContext(px, gc), vgimg.UseDPI(dpi)) // white background, as vgimg's default
	dc := draw.New(img)
	// The progress panel has more bars: give it 60% of the height.
	pad := vg.Points(12)
	progress.Draw(draw.Crop(dc, pad, -pad-vg.Points(8), h*0.4+pad, -pad))
	groups.Draw(draw.Crop(dc, pad, -pad-vg.Points(8), pad, -h*0.6-pad))
	// Fast compression: the chart is sent at once, and a few more
	// kilobytes do not matter.
	var buf bytes.Buffer
	if err := encodeChartPNG(&buf, img.Image()); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	return buf.Bytes(), nil
}

// newPlot returns a plot whose every text uses the handler and face.
func newPlot(handler text.Handler, face font.Font, title string) *plot.Plot {
	p := plot.New()
	styles := []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle}
	for _, s := range styles {
		size := s.Font.Size
		s.Handler = handler
		s.Font = font.From(face, size)
	}
	p.Title.TextStyle.Font = font.From(face, 16)
	p.Title.Text = title
	p.Legend.Top = true
	return p
}

func (c Chart) progressPlot(handler text.Handler, face font.Font) (*plot.Plot, error) {
	p := newPlot(handler, face, c.Title)
	p.X.Label.Text = c.ProgressAxis
	p.X.Min, p.X.Max = 0, maxProgress
	n := len(c.Targets)
	labels := make([]string, n)
	// Bars go bottom-up: put the first target at the top.
	for i, t := range c.Targets {
		label := t.Label
		known := false
		for _, v := range t.Progress {
			known = known || !math.IsNaN(v)
		}
		if !known && c.NoData != "" {
			label += " (" + c.NoData + ")"
		}
		labels[n-1-i] = shorten(label, 64)
	}
	if err := c.addBars(p, n, func(s, i int) float64 {
		t := c.Targets[n-1-i]
		if s >= len(t.Progress) || math.IsNaN(t.Progress[s]) {
			return 0
		}
		return math.Min(math.Max(t.Progress[s], 0), maxProgress)
	}); err != nil {
		return nil, err
	}
	// The 100% line: the target reached.
	line, err := plotter.NewLine(plotter.XYs{{X: 100, Y: -0.5}, {X: 100, Y: float64(n) - 0.5}})
	if err != nil {
		return nil, err
	}
	line.Color = color.RGBA{R: 0xc0, A: 0xff}
	line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(line)
	if n > 0 {
		p.NominalY(labels...)
		p.Y.Max += 0.8 // room for the legend above the first bar
	}
	return p, nil
}

func (c Chart) groupsPlot(handler text.Handler, face font.Font) (*plot.Plot, error) {
	p := newPlot(handler, face, c.GroupsTitle)
	p.X.Label.Text = c.ProductsAxis
	p.X.Min = 0
	n := len(c.Groups)
	labels := make([]string, n)
	most := 1
	for i, g := range c.Groups {
		labels[n-1-i] = shorten(g.Name, 48)
		for _, v := range g.N {
			most = max(most, v)
		}
	}
	p.X.Max = float64(most) * 1.1
	if err := c.addBars(p, n, func(s, i int) float64 {
		g := c.Groups[n-1-i]
		if s >= len(g.N) {
			return 0
		}
		return float64(g.N[s])
	}); err != nil {
		return nil, err
	}
	if n > 0 {
		p.NominalY(labels...)
		p.Y.Max += 0.8 // room for the legend above the first bar
	}
	return p, nil
}

// addBars adds one horizontal bar chart per series, side by side.
func (c Chart) addBars(p *plot.Plot, n int, value func(series, i int) float64) error {
	if n == 0 {
		return nil
	}
	series := max(len(c.Series), 1)
	width := vg.Points(28 / float64(series))
	if series == 1 {
		width = vg.Points(20)
	}
	for s := range series {
		vals := make(plotter.Values, n)
		for i := range n {
			vals[i] = value(s, i)
		}
		b, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return err
		}
		b.Horizontal = true
		b.Color = seriesColors[s%len(seriesColors)]
		b.LineStyle.Width = 0
		// Series from top to bottom within a row.
		b.Offset = width * vg.Length(float64(series-1)/2-float64(s))
		p.Add(b)
		if s < len(c.Series) && len(c.Series) > 1 {
			p.Legend.Add(c.Series[s], b)
		}
	}
	return nil
}

// shorten cuts a label to at most n runes, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
