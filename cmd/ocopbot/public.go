package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/public"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// publicConcurrency is how many public pages are handled at once: the rest
// wait their turn (up to 2 s, then a 503 page), so that a flood of page
// requests never takes the database connections or more than half the
// CPU the webhooks need. The webhooks do not pass through this limit. A
// page takes a fraction of a millisecond, so even 2 serve thousands a
// second.
func publicConcurrency() int { return max(2, runtime.GOMAXPROCS(0)/2) }

// mountPublic serves the public product pages (/sp) on mux.
func (a *app) mountPublic(mux *http.ServeMux) error {
	places, err := loadPlaces(a.cfg.PlacesFile)
	if err != nil {
		return err
	}
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		return err
	}
	tr := a.engine.Translator()
	srv, err := public.New(public.Config{
		Store: sqlite.NewPublicStore(a.db), Places: places, Rules: rules,
		T: func(id string, data map[string]any) string {
			// The page escapes what it shows: give the values as they are.
			for k, v := range data {
				if s, ok := v.(string); ok {
					data[k] = bot.HTML(s)
				}
			}
			return tr.T(domain.LocaleVI, id, data)
		},
		Location: a.cfg.Location, Now: a.now, BaseURL: a.cfg.PublicURL,
		Rate: a.cfg.PublicRate, Burst: int(4 * max(a.cfg.PublicRate, 5)),
		Concurrency: publicConcurrency(), Log: a.log,
	})
	if err != nil {
		return err
	}
	mux.Handle("/sp", srv)
	mux.Handle("/sp/", srv)
	return nil
}

// serveConsoleHTTP runs the HTTP server beside the console when PUBLIC_URL
// is set, so that the product pages of products entered in the console can
// be opened (make run); without PUBLIC_URL the console keeps the port free.
// A port already taken is a warning, not a failure: the console still runs.
func (a *app) serveConsoleHTTP(ctx context.Context) (stop func()) {
	if a.cfg.PublicURL == "" {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", a.livez)
	mux.HandleFunc("GET /healthz", a.readyz)
	if err := a.mountPublic(mux); err != nil {
		a.log.Warn("public pages", "err", err)
		return func() {}
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		a.log.Warn("HTTP_ADDR: the public pages are not served", "err", err)
		return func() {}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Warn("HTTP server", "err", err)
		}
	}()
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}
}
