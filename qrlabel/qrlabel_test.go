package qrlabel

import (
	"bytes"
	"image"
	"image/png"
	"regexp"
	"testing"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/font/sfnt"
)

// Decode reads the QR code in a PNG.
func decode(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code read: %v", err)
	}
	return res.GetText()
}

func TestPNGReadsBackWithNameAndStars(t *testing.T) {
	for _, l := range []Label{
		{URL: "https://ocop.tayninh.gov.vn/sp/k7m3x9q2ab", Name: "Bánh tráng phơi sương Trảng Bàng", Stars: 4},
		{URL: "http://127.0.0.1:8080/sp/2222222222", Name: "Muối ớt Tây Ninh loại đặc biệt thượng hạng đóng hũ thủy tinh 500 gam xuất khẩu", Stars: 5},
	} {
		b, err := PNG(l)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, b); got != l.URL {
			t.Fatalf("QR reads %q, want %q", got, l.URL)
		}
		img, _ := png.Decode(bytes.NewReader(b))
		// The stars are gold, in the strip under the text; count how many
		// separate gold runs a line through their middle crosses.
		var rows []int
		for y := qrSize; y < img.Bounds().Dy(); y++ {
			if goldRuns(img, y) > 0 {
				rows = append(rows, y)
			}
		}
		if len(rows) == 0 {
			t.Fatalf("%q: no stars drawn", l.Name)
		}
		mid := rows[len(rows)/2]
		if n := goldRuns(img, mid); n != l.Stars {
			t.Fatalf("%q: %d stars drawn, want %d", l.Name, n, l.Stars)
		}
		// Some text is drawn between the code and the stars.
		ink := 0
		for y := qrSize; y < rows[0]; y++ {
			for x := 0; x < img.Bounds().Dx(); x++ {
				if r, g, b, _ := img.At(x, y).RGBA(); r < 0x4000 && g < 0x4000 && b < 0x4000 {
					ink++
				}
			}
		}
		if ink < 500 {
			t.Fatalf("%q: no name under the code (%d dark pixels)", l.Name, ink)
		}
	}
}

func goldRuns(img image.Image, y int) int {
	n, in := 0, false
	for x := 0; x < img.Bounds().Dx(); x++ {
		r, g, b, _ := img.At(x, y).RGBA()
		gold := r>>8 > 0xC0 && g>>8 > 0x80 && g>>8 < 0xC0 && b>>8 < 0x40
		if gold && !in {
			n++
		}
		in = gold
	}
	return n
}

// Every Vietnamese letter, with every tone, has a glyph in both embedded
// fonts: the name and the producer print with their diacritics.
func TestFontsHaveVietnamese(t *testing.T) {
	const letters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ" +
		"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴ…"
	for name, ttf := range map[string][]byte{"regular": liberationsansregular.TTF, "bold": liberationsansbold.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for _, r := range letters {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				t.Errorf("%s: no glyph for %q", name, r)
			}
		}
	}
}

func TestSheetPages(t *testing.T) {
	var labels []Label
	for i := 0; i < PerSheet+1; i++ {
		labels = append(labels, Label{URL: "https://x.vn/sp/22222222" + string(rune('a'+i)) + "b", Name: "Nước mắm Ơn Trời", Stars: 3 + i%3,
			Lines: []string{"HTX Đồng Khởi · Xã Hòa Thành", "Giấy chứng nhận 12/QĐ-UBND"}})
	}
	b, err := Sheet(labels, "Nhãn QR sản phẩm OCOP")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:8])
	}
	if n := len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(b, -1)); n != 2 {
		t.Fatalf("%d pages for %d labels, want 2", n, len(labels))
	}
	if n := bytes.Count(b, []byte("/Subtype /Image")); n != len(labels) {
		t.Fatalf("%d QR images, want %d", n, len(labels))
	}
}
