// Package qrlabel draws the QR code of a product's public page: a PNG with
// the product's name and stars under the code (sent by the bot), and an A4
// PDF sheet of such labels to print and stick on packages.
//
// Text is set in Liberation Sans, embedded, which has every Vietnamese
// letter; stars are drawn, not typed, so that no font needs a star glyph.
package qrlabel

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strings"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// Label is one product's label.
type Label struct {
	URL   string // the public page: PUBLIC_URL/sp/<code>
	Name  string // the product's name
	Stars int    // 3, 4 or 5
	// Lines are small lines printed under the stars on a sheet (the
	// producer, the certificate), none on the PNG.
	Lines []string
}

// Gold is the colour of the stars.
var Gold = color.RGBA{0xE0, 0xA0, 0x00, 0xFF}

const (
	pngWidth = 600
	qrSize   = 520
)

var (
	facesOnce         sync.Once
	boldFace, regFace font.Face
	facesErr          error
)

func faces() (bold, regular font.Face, err error) {
	facesOnce.Do(func() {
		load := func(ttf []byte, size float64) font.Face {
			f, err := opentype.Parse(ttf)
			if err != nil {
				facesErr = err
				return nil
			}
			face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
			if err != nil {
				facesErr = err
			}
			return face
		}
		boldFace = load(liberationsansbold.TTF, 30)
		regFace = load(liberationsansregular.TTF, 24)
	})
	return boldFace, regFace, facesErr
}

// PNG draws the QR code of l.URL with l.Name (up to two lines) and l.Stars
// under it.
func PNG(l Label) ([]byte, error) {
	qr, err := qrcode.New(l.URL, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qrlabel: %w", err)
	}
	bold, regular, err := faces()
	if err != nil {
		return nil, fmt.Errorf("qrlabel: font: %w", err)
	}
	lines := wrap(bold, l.Name, pngWidth-40, 2)
	const lineH, starH = 38, 44
	height := qrSize + len(lines)*lineH + starH + 30
	img := image.NewRGBA(image.Rect(0, 0, pngWidth, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	code := qr.Image(qrSize)
	draw.Draw(img, image.Rect((pngWidth-qrSize)/2, 0, (pngWidth+qrSize)/2, qrSize), code, image.Point{}, draw.Src)
	y := qrSize
	for _, line := range lines {
		y += lineH
		drawText(img, bold, line, y-8)
	}
	y += 6
	caption := fmt.Sprintf("OCOP %d", l.Stars)
	cw := font.MeasureString(regular, caption).Round()
	const star = 36
	total := l.Stars*(star+4) + 10 + cw
	x := (pngWidth - total) / 2
	for i := 0; i < l.Stars; i++ {
		drawStar(img, float32(x+star/2), float32(y+star/2), star/2, Gold)
		x += star + 4
	}
	d := font.Drawer{Dst: img, Src: image.Black, Face: regular, Dot: fixed.P(x+10, y+star-8)}
	d.DrawString(caption)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// drawText centres one line at baseline y.
func drawText(img *image.RGBA, face font.Face, s string, y int) {
	w := font.MeasureString(face, s).Round()
	d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P((img.Bounds().Dx()-w)/2, y)}
	d.DrawString(s)
}

// wrap breaks s into at most n lines of width max, the last one cut with
// "…" when s is longer.
func wrap(face font.Face, s string, max, n int) []string {
	words := strings.Fields(s)
	var lines []string
	cur := ""
	for i, w := range words {
		try := strings.TrimSpace(cur + " " + w)
		if cur == "" || font.MeasureString(face, try).Round() <= max {
			cur = try
			continue
		}
		if len(lines) == n-1 {
			cur = strings.Join(append([]string{cur}, words[i:]...), " ")
			break
		}
		lines = append(lines, cur)
		cur = w
	}
	if cur != "" {
		for font.MeasureString(face, cur).Round() > max && len([]rune(cur)) > 1 {
			r := []rune(strings.TrimSuffix(cur, "…"))
			cur = string(r[:len(r)-1]) + "…"
		}
		lines = append(lines, cur)
	}
	return lines
}

// starPoints returns the ten corners of a five-pointed star of outer
// radius r centred on (cx, cy), the first at the top.
func starPoints(cx, cy, r float64) [][2]float64 {
	pts := make([][2]float64, 10)
	for i := range pts {
		rad := r
		if i%2 == 1 {
			rad = r * 0.45
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		pts[i] = [2]float64{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	return pts
}

func drawStar(img *image.RGBA, cx, cy, r float32, c color.Color) {
	b := img.Bounds()
	z := vector.NewRasterizer(b.Dx(), b.Dy())
	pts := starPoints(float64(cx), float64(cy), float64(r))
	z.MoveTo(float32(pts[0][0]), float32(pts[0][1]))
	for _, p := range pts[1:] {
		z.LineTo(float32(p[0]), float32(p[1]))
	}
	z.ClosePath()
	z.Draw(img, b, image.NewUniform(c), image.Point{})
}
