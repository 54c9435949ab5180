package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// TestOpaquePNGDecodesToTheSamePixels writes pictures of several shapes
// (one pixel, one row, one column, odd sizes, a sub-image, noise and flat
// areas) and reads them back with image/png: every pixel is the same.
func TestOpaquePNGDecodesToTheSamePixels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	picture := func(w, h int, noisy bool) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				c := color.RGBA{R: 255, G: 255, B: 255, A: 255}
				if noisy || (x/7+y/5)%3 == 0 {
					c = color.RGBA{R: uint8(r.IntN(256)), G: uint8(r.IntN(256)), B: uint8(r.IntN(256)), A: 255}
				}
				img.SetRGBA(x, y, c)
			}
		}
		return img
	}
	big := picture(301, 203, false)
	cases := map[string]*image.RGBA{
		"1x1": picture(1, 1, true), "row": picture(97, 1, true), "column": picture(1, 64, true),
		"odd": picture(33, 17, true), "flat": picture(900, 50, false), "noise": picture(640, 480, true),
		"sub-image": big.SubImage(image.Rect(13, 7, 250, 190)).(*image.RGBA),
	}
	for name, img := range cases {
		var buf bytes.Buffer
		if err := encodeChartPNG(&buf, img); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("%s: image/png cannot read it: %v", name, err)
		}
		b := img.Bounds()
		if got.Bounds().Dx() != b.Dx() || got.Bounds().Dy() != b.Dy() {
			t.Fatalf("%s: size %v, want %v", name, got.Bounds(), b)
		}
		for y := range b.Dy() {
			for x := range b.Dx() {
				want := img.RGBAAt(b.Min.X+x, b.Min.Y+y)
				if g := color.RGBAModel.Convert(got.At(x, y)).(color.RGBA); g != want {
					t.Fatalf("%s: pixel (%d, %d) = %v, want %v", name, x, y, g, want)
				}
			}
		}
	}
}

// TestChartPNGOfOtherPictures: a picture that is not opaque RGBA goes
// through image/png, transparency kept.
func TestChartPNGOfOtherPictures(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	img.SetNRGBA(1, 1, color.NRGBA{R: 10, G: 20, B: 30, A: 128})
	var buf bytes.Buffer
	if err := encodeChartPNG(&buf, img); err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if c := color.NRGBAModel.Convert(got.At(1, 1)).(color.NRGBA); c != (color.NRGBA{R: 10, G: 20, B: 30, A: 128}) {
		t.Errorf("pixel = %v", c)
	}
}
