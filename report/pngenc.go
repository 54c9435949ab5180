package report

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// encodeChartPNG writes img as a PNG. An opaque *image.RGBA (the chart
// always is: drawn on white) is written by writeOpaquePNG; anything else
// by image/png.
//
// Why: image/png tries its five row filters on every row and picks one,
// then deflates with compress/flate; for the 900 × 1000 chart that was
// half of /thongke's drawing (BenchmarkChartPNG, BENCHMARKS.md).
func encodeChartPNG(w io.Writer, img image.Image) error {
	if rgba, ok := img.(*image.RGBA); ok && rgba.Opaque() && !rgba.Rect.Empty() {
		return writeOpaquePNG(w, rgba)
	}
	return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
}

// writeOpaquePNG writes an opaque RGBA image as an 8-bit RGB PNG: every
// row with the "Up" filter (a chart's rows mostly repeat the row above:
// bars, axes, white space), the two halves of the rows deflated at once
// by klauspost/compress at its fastest, the first half ending with a sync
// flush so that the two streams join into one (as pigz does), the whole
// in one IDAT chunk.
func writeOpaquePNG(w io.Writer, img *image.RGBA) error {
	b := img.Rect
	width, height := b.Dx(), b.Dy()
	stride := 1 + 3*width
	raw := make([]byte, stride*height)
	prev := make([]byte, 3*width)
	cur := make([]byte, 3*width)
	for y := range height {
		src := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range width {
			cur[3*x], cur[3*x+1], cur[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
		}
		row := raw[y*stride : (y+1)*stride]
		row[0] = 2 // Up
		for i, c := range cur {
			row[1+i] = c - prev[i]
		}
		prev, cur = cur, prev
	}

	// Two halves of the rows, deflated at the same time.
	cut := (height / 2) * stride
	parts := [][]byte{raw[:cut], raw[cut:]}
	out := make([]bytes.Buffer, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() {
			fw, err := flate.NewWriter(&out[i], flate.BestSpeed)
			if err != nil {
				errs[i] = err
				return
			}
			if _, err := fw.Write(part); err != nil {
				errs[i] = err
				return
			}
			if i < len(parts)-1 {
				errs[i] = fw.Flush() // ends on a byte, with no final block
			} else {
				errs[i] = fw.Close()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	var idat bytes.Buffer
	idat.Grow(2 + out[0].Len() + out[1].Len() + 4)
	idat.Write([]byte{0x78, 0x01}) // zlib: deflate, 32 KB window, fastest
	for i := range out {
		idat.Write(out[i].Bytes())
	}
	idat.Write(binary.BigEndian.AppendUint32(nil, adler32.Checksum(raw)))

	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 8, 2 // 8 bits per sample, truecolour
	var file bytes.Buffer
	file.WriteString("\x89PNG\r\n\x1a\n")
	writeChunk(&file, "IHDR", ihdr[:])
	writeChunk(&file, "IDAT", idat.Bytes())
	writeChunk(&file, "IEND", nil)
	_, err := w.Write(file.Bytes())
	return err
}

// writeChunk appends a PNG chunk: length, type, data and the CRC of type
// and data.
func writeChunk(w *bytes.Buffer, kind string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	w.WriteString(kind)
	w.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(kind))
	crc.Write(data)
	w.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32()))
}
