package web

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"ciphergram"
	"ciphergram/office"
)

// cookieName is the session cookie. The __Host- prefix binds it to this
// host and path / and requires Secure.
const cookieName = "__Host-ciphergram"

func (s *Server) cookieName() string {
	if s.cfg.InsecureCookies {
		return "ciphergram" // the __Host- prefix demands Secure
	}
	return cookieName
}

// setSession gives the browser its session cookie: HttpOnly, SameSite
// Strict, Secure, and no longer-lived than the absolute timeout.
func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: token, Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: int(office.AbsoluteTimeout / time.Second)})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// token is the session token of a request: its cookie, or an
// "Authorization: Bearer" header for API clients.
func (s *Server) token(r *http.Request) string {
	if t := bearer(r); t != "" {
		return t
	}
	if c, err := r.Cookie(s.cookieName()); err == nil {
		return c.Value
	}
	return ""
}

// user is the signed-in user of a request.
func (s *Server) user(r *http.Request) (*ciphergram.User, error) {
	return s.svc.SessionUser(r.Context(), s.token(r))
}

// login checks a name and password under the rate limit and starts a
// session. A refused attempt says only that it was refused.
func (s *Server) login(ctx context.Context, r *http.Request, name, password string) (*ciphergram.User, string, error) {
	name = strings.ToLower(name)
	addr := clientAddr(r)
	wait := max(s.logins.take(name), s.loginAddrs.take(addr))
	if wait > 0 {
		s.metrics.logins.WithLabelValues("limited").Inc()
		return nil, "", &rateLimited{wait: wait}
	}
	u, err := s.svc.Login(ctx, name, password)
	if err != nil {
		s.metrics.logins.WithLabelValues("refused").Inc()
		return nil, "", err
	}
	s.logins.forgive(name)
	s.loginAddrs.forgive(addr)
	token, err := s.svc.StartSession(ctx, u)
	if err != nil {
		return nil, "", err
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	return u, token, nil
}

// rateLimited is a login refused for too many recent attempts.
type rateLimited struct{ wait time.Duration }

func (e *rateLimited) Error() string {
	return "too many sign-in attempts: try again in " + e.wait.Round(time.Second).String()
}

func (e *rateLimited) retryAfter() string {
	return strconv.Itoa(int(e.wait/time.Second) + 1)
}

// clientAddr is the remote IP of a request (no proxy headers are
// trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter is a token bucket per key: burst attempts at once, then one per
// interval. Successful sign-ins give their token back.
type limiter struct {
	mu       sync.Mutex
	burst    float64
	interval time.Duration
	buckets  map[string]*bucket
	now      func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, interval time.Duration) *limiter {
	return &limiter{burst: float64(burst), interval: interval, buckets: map[string]*bucket{}, now: time.Now}
}

// take spends a token of every key, or none if any key has none left; it
// returns how long to wait then, 0 when the attempt may go ahead.
func (l *limiter) take(keys ...string) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) > 100000 {
		l.buckets = map[string]*bucket{} // bounded memory under a flood of names
	}
	var wait time.Duration
	for _, k := range keys {
		b := l.refill(k, now)
		if b.tokens < 1 {
			wait = max(wait, time.Duration((1-b.tokens)*float64(l.interval)))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		l.buckets[k].tokens--
	}
	return 0
}

func (l *limiter) refill(k string, now time.Time) *bucket {
	b, ok := l.buckets[k]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[k] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.interval))
	b.at = now
	return b
}

// forgive gives back the token of a successful attempt.
func (l *limiter) forgive(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if b, ok := l.buckets[k]; ok {
			b.tokens = min(l.burst, b.tokens+1)
		}
	}
}
