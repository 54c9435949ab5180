// Package public serves the pages anyone can open without an account: the
// check of an OCOP product behind the QR code on its package (/sp/<code>),
// the catalogue of the province's valid OCOP products (/sp) and the same
// record as JSON (/sp/<code>.json) for other systems.
//
// The pages are rendered on the server (html/template, the CSS inline, no
// script), in Vietnamese, a few kilobytes each. They face the Internet, so
// every response carries strict security headers, only GET and HEAD are
// served, each address has a rate limit, and at most Concurrency pages are
// rendered at once: a flood of page requests waits for its turn here and
// never takes the connections or the CPU the webhooks need.
package public

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

//go:embed web/*.html web/style.css
var webFS embed.FS

// Store is what the pages read.
type Store interface {
	ByCode(ctx context.Context, code string) (domain.PublicProduct, error)
	Certified(ctx context.Context, now time.Time) ([]domain.PublicProduct, error)
}

// Config is what a Server needs.
type Config struct {
	Store  Store
	Places *domain.Places
	Rules  *domain.Rulebooks
	// T renders a Vietnamese message of locales/; data values are plain
	// text (the templates escape them).
	T        func(id string, data map[string]any) string
	Location *time.Location
	Now      func() time.Time
	// BaseURL is PUBLIC_URL (no trailing slash): the pages' absolute
	// address in their Open Graph tags; "" leaves those out.
	BaseURL string
	// Rate is the requests a second one address may make, Burst how many
	// at once (defaults 5 and 20).
	Rate  float64
	Burst int
	// Concurrency is the most requests handled at once (default 4); Wait
	// is how long a request waits for its turn before a 503 (default 2 s).
	Concurrency int
	Wait        time.Duration
	Log         *slog.Logger
}

// Server serves the public pages; it is an http.Handler for "/sp" and
// everything under "/sp/".
type Server struct {
	cfg     Config
	tmpl    *template.Template
	css     template.CSS
	csp     string
	limiter *rateLimiter
	slots   chan struct{}

	catMu   sync.Mutex
	catAt   time.Time
	catList []catEntry
}

// catalogueTTL is how long the list of certified products is reused
// between reads of the database.
const catalogueTTL = 30 * time.Second

// New prepares a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.T == nil {
		return nil, errors.New("public: Store and T are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 5
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 2 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	tmpl, err := template.ParseFS(webFS, "web/*.html")
	if err != nil {
		return nil, err
	}
	css, err := webFS.ReadFile("web/style.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(css)
	s := &Server{cfg: cfg, tmpl: tmpl, css: template.CSS(css),
		csp: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src 'self'; " +
			"form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		limiter: newRateLimiter(cfg.Rate, cfg.Burst, cfg.Now),
		slots:   make(chan struct{}, cfg.Concurrency),
	}
	return s, nil
}

// ServeHTTP guards, then routes: /sp, /sp/<code>, /sp/<code>.json,
// /sp/<code>.png.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		h.Set("Cache-Control", "no-store")
		s.message(w, r, http.StatusMethodNotAllowed, "public.method_title", "public.method_text", nil)
		return
	}
	if ok, wait := s.limiter.allow(clientAddr(r)); !ok {
		secs := max(1, int(wait.Seconds()+0.999))
		h.Set("Retry-After", strconv.Itoa(secs))
		h.Set("Cache-Control", "no-store")
		s.message(w, r, http.StatusTooManyRequests, "public.limit_title", "public.limit_text", map[string]any{"Seconds": secs})
		return
	}
	t := time.NewTimer(s.cfg.Wait)
	select {
	case s.slots <- struct{}{}:
		t.Stop()
	case <-t.C:
		h.Set("Retry-After", "5")
		h.Set("Cache-Control", "no-store")
		s.message(w, r, http.StatusServiceUnavailable, "public.busy_title", "public.busy_text", nil)
		return
	case <-r.Context().Done():
		t.Stop()
		return
	}
	defer func() { <-s.slots }()
	h.Set("Cache-Control", "public, max-age=60")

	rest, ok := strings.CutPrefix(r.URL.Path, "/sp")
	switch {
	case !ok:
		s.notFound(w, r)
	case rest == "" || rest == "/":
		s.catalogue(w, r)
	default:
		rest = strings.TrimPrefix(rest, "/")
		switch {
		case strings.HasSuffix(rest, ".json"):
			s.productJSON(w, r, strings.TrimSuffix(rest, ".json"))
		case strings.HasSuffix(rest, ".png"):
			s.productPNG(w, r, strings.TrimSuffix(rest, ".png"))
		default:
			s.product(w, r, rest)
		}
	}
}

// page is what the layout needs.
type page struct {
	Title, Description string
	OG                 *openGraph
	CSS                template.CSS
	Brand              string
}

type openGraph struct{ Title, Description, URL, Image string }

func (s *Server) page(title, description string) page {
	return page{Title: title, Description: description, CSS: s.css, Brand: s.t("public.brand", nil)}
}

// t renders a message with data given as plain text.
func (s *Server) t(id string, data map[string]any) string { return s.cfg.T(id, data) }

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var b strings.Builder
	if err := s.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		s.cfg.Log.Error("public page", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(b.String()))
	}
}

type messagePage struct {
	page
	Heading, Text, CatalogueLink string
}

func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, title, text string, data map[string]any) {
	heading := s.t(title, nil)
	s.render(w, r, status, "message-page.html", messagePage{page: s.page(heading, ""), Heading: heading,
		Text: s.t(text, data), CatalogueLink: s.t("public.catalogue_link", nil)})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusNotFound, "public.not_found_title", "public.not_found_text", nil)
}

func (s *Server) failed(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Log.Error("public page", "path", r.URL.Path, "err", err)
	w.Header().Set("Cache-Control", "no-store")
	s.message(w, r, http.StatusServiceUnavailable, "public.busy_title", "public.busy_text", nil)
}

// lookup finds the product of a code in the address, or says it is not
// there: a malformed code, an unknown one, and a product that never held
// a certificate all get the same 404.
func (s *Server) lookup(ctx context.Context, raw string) (domain.PublicProduct, domain.CertCheck, bool, error) {
	code, ok := domain.ParsePublicCode(raw)
	if !ok {
		return domain.PublicProduct{}, domain.CertCheck{}, false, nil
	}
	pp, err := s.cfg.Store.ByCode(ctx, code)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.PublicProduct{}, domain.CertCheck{}, false, nil
	}
	if err != nil {
		return domain.PublicProduct{}, domain.CertCheck{}, false, err
	}
	check := pp.Check(s.cfg.Now(), s.cfg.Location)
	if check.Status == domain.CertNone {
		return domain.PublicProduct{}, domain.CertCheck{}, false, nil
	}
	return pp, check, true, nil
}
