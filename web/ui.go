package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ciphergram"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

var staticFS = func() fs.FS { return staticRoot }()

// pages are the UI's templates, each parsed with the layout.
type pages struct{ t map[string]*template.Template }

var funcs = template.FuncMap{
	// classifications lists the classifications a form offers, highest
	// first.
	"classifications": func() []string { return highestFirst(ciphergram.Classifications) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2 Jan 2006 15:04")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2 January 2006")
	},
	"has": func(u *ciphergram.User, roles ...string) bool {
		if u == nil {
			return false
		}
		if u.Role == ciphergram.RoleAdmin {
			return true
		}
		for _, r := range roles {
			if string(u.Role) == r {
				return true
			}
		}
		return false
	},
	"low": func(p *ciphergram.PadInfo) bool { return p.Left() < lowPages },
	"join": func(xs []int) string {
		var b strings.Builder
		for i, x := range xs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(itoa(x))
		}
		return b.String()
	},
}

func itoa(n int) string { return strconv.Itoa(n) }

func loadPages() *pages {
	p := &pages{t: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		p.t[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return p
}

// view is what every page template gets.
type view struct {
	Title  string
	Office string
	User   *ciphergram.User
	Flash  string
	Error  string
	// Banner is the classification shown above and below a page that
	// shows a telegram.
	Banner string
	Data   any
	// Print is set when the server can print PDFs.
	Print bool
}

// render writes a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, v view) {
	if v.Office == "" {
		if o, err := s.svc.Office(r.Context()); err == nil {
			v.Office = o.Name
		}
	}
	if v.Flash == "" {
		v.Flash = s.takeFlash(w, r)
	}
	v.Print = s.cfg.Printer != nil
	t, ok := s.pages.t[name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := t.Execute(w, v); err != nil {
		s.log.Error("template", "page", name, "err", err)
	}
}

// uiFunc handles a UI request of a signed-in user.
type uiFunc func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error

// ui signs the request in (or sends the browser to the sign-in page) and
// shows an error page when f fails.
func (s *Server) ui(f uiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.user(r)
		if err != nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.render(w, r, status(err), "error", view{Title: "Sign in again", Data: sentence(ciphergram.ErrorMessage(err))})
			return
		}
		if err := f(w, r, u); err != nil {
			s.render(w, r, status(err), "error", view{Title: http.StatusText(status(err)), User: u, Data: sentence(s.publicMessage(r, err))})
		}
	}
}

// done redirects after a successful form post, with a message for the
// next page.
func (s *Server) done(w http.ResponseWriter, r *http.Request, to, msg string) error {
	if msg != "" {
		http.SetCookie(w, &http.Cookie{Name: "flash", Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
			Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 60})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie("flash")
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: "flash", Value: "", Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// form reads a posted form, bounded in size.
func form(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseMultipartForm(maxBody); err != nil && err != http.ErrNotMultipart {
		return ciphergram.Errorf(ciphergram.EINVALID, "form: %v", err)
	}
	return nil
}

func (s *Server) uiRoutes() {
	m := s.mux
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.loginPost)
	m.HandleFunc("POST /logout", s.logoutPost)
	m.HandleFunc("GET /{$}", s.ui(s.homePage))
	m.HandleFunc("GET /account", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		s.render(w, r, http.StatusOK, "account", view{Title: "Account", User: u})
		return nil
	}))
	m.HandleFunc("POST /account/password", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		if _, err := s.svc.Login(r.Context(), u.Name, r.FormValue("current")); err != nil {
			return ciphergram.Errorf(ciphergram.EFORBIDDEN, "the current password is wrong")
		}
		if r.FormValue("password") != r.FormValue("again") {
			return ciphergram.Errorf(ciphergram.EINVALID, "the new passwords differ")
		}
		if err := s.svc.SetPassword(r.Context(), u, u.Name, r.FormValue("password")); err != nil {
			return err
		}
		s.clearSession(w)
		return s.done(w, r, "/login", "Password changed: sign in again.")
	}))
	s.uiTelegramRoutes()
	s.uiRegistryRoutes()
	s.uiAdminRoutes()
	s.uiLabRoutes()
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Data: safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	if err := form(w, r); err != nil {
		s.render(w, r, http.StatusBadRequest, "login", view{Title: "Sign in", Error: err.Error(), Data: "/"})
		return
	}
	next := safeNext(r.FormValue("next"))
	_, token, err := s.login(r.Context(), r, r.FormValue("name"), r.FormValue("password"))
	if rl, ok := err.(*rateLimited); ok {
		w.Header().Set("Retry-After", rl.retryAfter())
		s.render(w, r, http.StatusTooManyRequests, "login", view{Title: "Sign in", Error: rl.Error(), Data: next})
		return
	}
	if err != nil {
		s.render(w, r, status(err), "login", view{Title: "Sign in", Error: s.publicMessage(r, err), Data: next})
		return
	}
	s.setSession(w, token)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logoutPost(w http.ResponseWriter, r *http.Request) {
	_ = s.svc.EndSession(r.Context(), s.token(r))
	s.clearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// homeData is the office at a glance.
type homeData struct {
	Links   []*ciphergram.Link
	Pads    []*ciphergram.PadInfo
	Waiting map[string]int
	Recent  []*ciphergram.Telegram
	Centre  bool
	Low     int
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
	ctx := r.Context()
	o, err := s.svc.Office(ctx)
	if err != nil {
		return err
	}
	d := homeData{Waiting: map[string]int{}, Centre: o.IsCentre, Low: lowPages}
	d.Links, _ = s.svc.Links(ctx, u)
	d.Pads, _ = s.svc.Pads(ctx, u)
	ts, err := s.svc.Telegrams(ctx, u, ciphergram.TelegramFilter{})
	if err != nil {
		return err
	}
	for _, t := range ts {
		d.Waiting[string(t.State)]++
	}
	d.Recent = ts[:min(len(ts), 10)]
	s.render(w, r, http.StatusOK, "home", view{Title: o.Name, User: u, Data: d, Banner: bannerOf(d.Recent)})
	return nil
}

// bannerOf is the classification banner of a page listing telegrams: the
// highest classification among them.
func bannerOf(ts []*ciphergram.Telegram) string {
	rank := map[string]int{"": 0, "UNCLASSIFIED": 0, "RESTRICTED": 1, "CONFIDENTIAL": 2, "SECRET": 3, "TOP SECRET": 4}
	best := ""
	for _, t := range ts {
		if r, ok := rank[t.Classification]; !ok || r > rank[best] {
			if !ok {
				return t.Classification
			}
			best = t.Classification
		}
	}
	return best
}

// sentence capitalises a message for a page.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
