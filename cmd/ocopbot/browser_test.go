package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser for the tests in a real browser:
// $CHROMIUM, /usr/bin/chromium, or chromium / chromium-browser /
// google-chrome on the PATH.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is a headless Chromium for one test.
type browser struct {
	t   *testing.T
	ctx context.Context
}

// newBrowser starts headless Chromium; without it the test fails and says
// how to install it (the public pages are tested in a real browser, not
// skipped).
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Fatal("Chromium is needed for the tests of the public pages in a real browser, and none was found " +
			"(/usr/bin/chromium, chromium, chromium-browser or google-chrome on the PATH, or $CHROMIUM). " +
			"Install it: sudo apt-get install -y chromium (Debian/Ubuntu); .ci/run installs it on CI.")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-gpu", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	// The first run starts the browser, for as long as ctx lives.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("Chromium (%s) did not start: %v", path, err)
	}
	return &browser{t: t, ctx: ctx}
}

// shown is what a product page shows, read from the DOM.
type shown struct {
	status, statusClass, name, stars, message string
	scrollWidth                               int
	screenshot                                []byte
}

// eval returns the value of a JavaScript expression on the page.
func eval[T any](b *browser, ctx context.Context, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

// do runs steps with a deadline.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// text is the text of the first element matching a CSS selector, "" when
// there is none.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, b.ctx, `(document.querySelector(`+strconv.Quote(sel)+`)||{}).innerText||''`)
}

// open loads url in a phone-wide window and reads the page.
func (b *browser) open(url string, width int64) shown {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(width, 720), chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main")))
	return b.read()
}

// read reads the page shown.
func (b *browser) read() shown {
	b.t.Helper()
	s := shown{status: b.text("#status"), name: b.text("#name"), stars: b.text("#stars"), message: b.text("#message"),
		statusClass: eval[string](b, b.ctx, `(document.querySelector('#status')||{className:''}).className`),
		scrollWidth: eval[int](b, b.ctx, `document.documentElement.scrollWidth`)}
	shot, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	s.screenshot = shot
	// The status box's first line is the status; a note may follow.
	if i := strings.IndexByte(s.status, '\n'); i >= 0 {
		s.status = s.status[:i]
	}
	return s
}

// colourShare is the share of a screenshot's pixels within tol of c.
func colourShare(t *testing.T, shot []byte, r, g, bl uint8, tol int) float64 {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	return share(img, r, g, bl, tol)
}

func share(img image.Image, r, g, bl uint8, tol int) float64 {
	n, all := 0, 0
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			all++
			if abs(int(pr>>8)-int(r)) <= tol && abs(int(pg>>8)-int(g)) <= tol && abs(int(pb>>8)-int(bl)) <= tol {
				n++
			}
		}
	}
	return float64(n) / float64(all)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
