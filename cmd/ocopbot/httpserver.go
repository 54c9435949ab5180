package main

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits of the HTTP server (webhooks, health, metrics, download links).
// Telegram and Zalo post small JSON bodies at once; anything slower is
// not them.
const (
	httpReadHeaderTimeout = 5 * time.Second
	httpReadTimeout       = 20 * time.Second
	httpWriteTimeout      = 30 * time.Second
	httpIdleTimeout       = 60 * time.Second
	httpMaxHeaderBytes    = 64 << 10
	// webhookBodyMax bounds a webhook's body (Telegram's updates and
	// Zalo's events are a few KB; an update with a long text stays far
	// below), webhookReadWithin the time to send it.
	webhookBodyMax    = 1 << 20
	webhookReadWithin = 5 * time.Second
	// downloadWriteWithin is how long a download (/dl) may take to reach a
	// slow phone.
	downloadWriteWithin = 10 * time.Minute
)

// newHTTPServer is the server of HTTP_ADDR with its timeouts; its own
// errors (a TLS probe, a bad request line) are logged through slog.
func newHTTPServer(h http.Handler, guard *connGuard, log *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: httpReadHeaderTimeout,
		ReadTimeout:       httpReadTimeout,
		WriteTimeout:      httpWriteTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}
	if guard != nil {
		srv.ConnState = guard.track
	}
	return srv
}

// guardWebhook bounds what a webhook call may cost before its handler has
// said yes: a body declared larger than max is refused unread, the body
// must arrive within webhookReadWithin, and any refusal (a wrong secret,
// a bad signature) closes the connection at once instead of reading the
// rest of the body to keep it open.
func guardWebhook(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		cw := &closeOnRefusal{ResponseWriter: w, rc: rc}
		if r.ContentLength > webhookBodyMax {
			http.Error(cw, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		_ = rc.SetReadDeadline(time.Now().Add(webhookReadWithin))
		r.Body = http.MaxBytesReader(w, r.Body, webhookBodyMax)
		next.ServeHTTP(cw, r)
	})
}

// closeOnRefusal turns a 4xx or 5xx answer into the last one of its
// connection: the server neither drains the unread body (a client could
// send it one byte a minute) nor waits for another request.
type closeOnRefusal struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (c *closeOnRefusal) WriteHeader(code int) {
	if code >= 400 {
		c.Header().Set("Connection", "close")
		_ = c.rc.SetReadDeadline(time.Now())
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *closeOnRefusal) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// connGuard bounds the open connections of the HTTP server. At the bound,
// a new connection makes room by closing the one that has waited longest
// without a request in a handler (still sending its headers, or idle
// between requests): slow or idle clients cannot hold every slot, so the
// webhooks and /healthz keep answering. When every connection is in a
// handler, the new one is closed at once.
type connGuard struct {
	net.Listener
	max int

	mu      sync.Mutex
	conns   map[net.Conn]*connEntry
	shed    uint64 // connections closed to make room
	refused uint64 // connections closed because every slot was busy
}

type connEntry struct {
	busy  bool      // a request is in a handler
	since time.Time // accepted, or idle since
}

func newConnGuard(ln net.Listener, max int) *connGuard {
	return &connGuard{Listener: ln, max: max, conns: make(map[net.Conn]*connEntry, max)}
}

// Accept returns the next connection that fits.
func (g *connGuard) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if g.admit(c) {
			return c, nil
		}
		c.Close()
	}
}

func (g *connGuard) admit(c net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.conns) >= g.max {
		var victim net.Conn
		var at time.Time
		for vc, e := range g.conns {
			if !e.busy && (victim == nil || e.since.Before(at)) {
				victim, at = vc, e.since
			}
		}
		if victim == nil {
			g.refused++
			return false
		}
		delete(g.conns, victim)
		victim.Close()
		g.shed++
	}
	g.conns[c] = &connEntry{since: time.Now()}
	return true
}

// track follows the server's view of each connection (http.Server.ConnState).
func (g *connGuard) track(c net.Conn, s http.ConnState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e, ok := g.conns[c]
	switch s {
	case http.StateActive:
		if ok {
			e.busy = true
		}
	case http.StateIdle:
		if ok {
			e.busy, e.since = false, time.Now()
		}
	case http.StateClosed, http.StateHijacked:
		delete(g.conns, c)
	}
}

// counts returns the open connections and how many were closed to make
// room or refused since the start.
func (g *connGuard) counts() (open int, shed, refused uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns), g.shed, g.refused
}
