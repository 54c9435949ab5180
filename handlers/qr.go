package handlers

import qrcode "github.com/skip2/go-qrcode"

// qrPNG draws text (a check-in link) as a QR code, 512 pixels wide, with
// enough redundancy to be read off a printed or projected page.
func qrPNG(text string) ([]byte, error) {
	return qrcode.Encode(text, qrcode.Medium, 512)
}
