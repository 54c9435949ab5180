package zalo

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"path"
	"strings"

	"golang.org/x/image/draw"
)

// FitImage returns a JPEG or PNG picture of at most max bytes: the same
// bytes when they fit, otherwise re-encoded as JPEG and, if still too
// large, scaled down step by step (the upload API takes 1 MB).
func FitImage(data []byte, name string, max int) ([]byte, string, error) {
	ctype := http.DetectContentType(data)
	if len(data) <= max && (ctype == "image/jpeg" || ctype == "image/png") {
		return data, imageName(name, ctype), nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", errors.New("zalo: picture cannot be read")
	}
	for quality := 85; ; {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
			return nil, "", err
		}
		if b.Len() <= max {
			return b.Bytes(), imageName(name, "image/jpeg"), nil
		}
		r := img.Bounds()
		if r.Dx() < 64 || r.Dy() < 64 {
			return nil, "", errors.New("zalo: picture cannot be made small enough")
		}
		// Scale by the square root of the share that fits, a bit less.
		f := 0.9
		for f*f*float64(b.Len()) > float64(max) && f > 0.3 {
			f -= 0.1
		}
		dst := image.NewRGBA(image.Rect(0, 0, int(float64(r.Dx())*f), int(float64(r.Dy())*f)))
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, r, draw.Src, nil)
		img = dst
	}
}

func imageName(name, ctype string) string {
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	if base == "" || base == "." || base == "/" {
		base = "image"
	}
	if ctype == "image/png" {
		return base + ".png"
	}
	return base + ".jpg"
}

// Register the decoders FitImage reads.
var _ = png.Decode
