// Package web serves one office over HTTP: the JSON API, the
// server-rendered web UI for its clerks, officers, readers and archivists,
// the transport endpoints other offices deliver to, /healthz and /metrics.
// It also holds the Courier, which delivers the office's outbox to its
// peers. All rules live in package office; this package only speaks HTTP.
package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ciphergram"
	"ciphergram/office"
	"ciphergram/otp"
	"ciphergram/telegram"
)

// Config tunes a Server. The zero value is safe.
type Config struct {
	Logger *slog.Logger
	// Registry receives the server's metrics; a fresh one if nil.
	Registry *prometheus.Registry
	// InsecureCookies drops the Secure attribute of the session cookie, for
	// plain HTTP off loopback. Never needed on https or on 127.0.0.1.
	InsecureCookies bool
	// Ready reports whether the server may take requests (for /healthz);
	// nil means always.
	Ready func() bool
	// Printer renders pad books, telegram copies and publications as PDF;
	// nil offers no printing.
	Printer Printer
}

// Printer renders the office's paper.
type Printer interface {
	PadBook(w io.Writer, p *otp.Pad, dir ciphergram.PadDirection) error
	TelegramCopy(w io.Writer, r *telegram.Registered, footer string) error
	Publication(w io.Writer, p *telegram.Publication) error
}

// Server is the HTTP face of one office.
type Server struct {
	svc     *office.Service
	log     *slog.Logger
	cfg     Config
	mux     *http.ServeMux
	metrics *metrics
	// logins limits sign-in attempts per name (5, then one per 12 s) and
	// loginAddrs per client address (30, then two a second).
	logins, loginAddrs *limiter
	pages              *pages
	handler            http.Handler
}

// New returns the server of the office svc keeps.
func New(svc *office.Service, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{svc: svc, log: cfg.Logger, cfg: cfg, mux: http.NewServeMux(),
		logins: newLimiter(5, 12*time.Second), loginAddrs: newLimiter(30, 500*time.Millisecond), pages: loadPages()}
	s.metrics = newMetrics(cfg.Registry, svc)
	s.routes()
	s.handler = s.observe(http.NewCrossOriginProtection().Handler(s.secure(s.mux)))
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)
	m.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	m.Handle("GET /static/", http.FileServerFS(staticFS))
	s.apiRoutes()
	s.transportRoutes()
	s.uiRoutes()
	s.publishRoutes()
	s.printRoutes()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil && !s.cfg.Ready() {
		http.Error(w, "starting or stopping", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.svc.Office(ctx); err != nil {
		http.Error(w, "store: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

// secure sets the headers every response carries: no framing, no
// sniffing, no referrer, a strict content policy, and no caching of pages
// that may show a telegram.
func (s *Server) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs and counts every request (method, route, status, time;
// never a body, a cookie or a query) and turns a panic into a 500.
func (s *Server) observe(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.observe(route, sw.status, d)
			level := slog.LevelInfo
			if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" || r.Pattern == "GET /static/" {
				level = slog.LevelDebug
			}
			s.log.Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", sw.status, "duration", d)
		}()
		h.ServeHTTP(sw, r)
	})
}
