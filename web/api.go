package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/office"
	"ciphergram/vault"
)

// apiFunc handles an API request of a signed-in user and returns what to
// answer as JSON.
type apiFunc func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error)

// api signs the request in and answers with f's value or error.
func (s *Server) api(f apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.user(r)
		if err == nil {
			var v any
			if v, err = f(w, r, u); err == nil {
				writeJSON(w, http.StatusOK, v)
				return
			}
		}
		s.writeError(w, r, err)
	}
}

func (s *Server) apiRoutes() {
	m := s.mux
	m.HandleFunc("POST /api/v1/session", s.apiLogin)
	m.HandleFunc("DELETE /api/v1/session", s.apiLogout)
	m.HandleFunc("GET /api/v1/me", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		return userView(u), nil
	}))
	m.HandleFunc("GET /api/v1/office", s.api(s.apiOffice))
	m.HandleFunc("GET /api/v1/users", s.api(s.apiUsers))
	m.HandleFunc("POST /api/v1/users", s.api(s.apiAddUser))
	m.HandleFunc("PUT /api/v1/users/{name}/password", s.api(s.apiSetPassword))
	m.HandleFunc("PUT /api/v1/users/{name}/clearance", s.api(s.apiSetClearance))
	m.HandleFunc("GET /api/v1/links", s.api(s.apiLinks))
	m.HandleFunc("POST /api/v1/links", s.api(s.apiAddLink))
	m.HandleFunc("PUT /api/v1/links/{peer}", s.api(s.apiRouteLink))
	m.HandleFunc("POST /api/v1/office/key/rotate", s.api(s.apiRotateKey))
	s.apiPadRoutes()
	s.apiTelegramRoutes()
	s.apiRegistryRoutes()
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type loginAnswer struct {
	User  userJSON `json:"user"`
	Token string   `json:"token"` // for "Authorization: Bearer"; browsers use the cookie
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, token, err := s.login(r.Context(), r, req.Name, req.Password)
	if rl, ok := err.(*rateLimited); ok {
		w.Header().Set("Retry-After", rl.retryAfter())
		writeJSON(w, http.StatusTooManyRequests, apiError{Code: "rate_limited", Message: rl.Error()})
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSession(w, token)
	writeJSON(w, http.StatusOK, loginAnswer{User: userView(u), Token: token})
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.EndSession(r.Context(), s.token(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.clearSession(w)
	writeJSON(w, http.StatusOK, map[string]bool{"signed_out": true})
}

// glance is the office at a glance: what the user may see of it.
type glance struct {
	Office   string         `json:"office"`
	Centre   bool           `json:"centre"`
	User     userJSON       `json:"user"`
	Links    []linkJSON     `json:"links,omitempty"`
	Pads     []padJSON      `json:"pads,omitempty"`
	Waiting  map[string]int `json:"waiting,omitempty"` // telegrams by state that wait for someone
	LowPages int            `json:"low_pages_threshold"`
}

// lowPages is the number of pages left below which a pad is flagged.
const lowPages = 10

func (s *Server) glance(r *http.Request, u *ciphergram.User) (*glance, error) {
	ctx := r.Context()
	o, err := s.svc.Office(ctx)
	if err != nil {
		return nil, err
	}
	g := &glance{Office: o.Name, Centre: o.IsCentre, User: userView(u), LowPages: lowPages, Waiting: map[string]int{}}
	if ls, err := s.svc.Links(ctx, u); err == nil {
		g.Links = each(ls, linkView)
	}
	if ps, err := s.svc.Pads(ctx, u); err == nil {
		g.Pads = each(ps, padView)
	}
	ts, err := s.svc.Telegrams(ctx, u, ciphergram.TelegramFilter{})
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		switch t.State {
		case ciphergram.StateDraft, ciphergram.StateSigned, ciphergram.StateEnciphered, ciphergram.StateReceived:
			g.Waiting[string(t.State)]++
		}
	}
	return g, nil
}

func (s *Server) apiOffice(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	return s.glance(r, u)
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	us, err := s.svc.Users(r.Context(), u)
	return each(us, userView), err
}

type newUser struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Cover   string `json:"cover"`
	Cleared bool   `json:"cleared"`
	// Clearance is the highest classification the user may read (default
	// TOP SECRET).
	Clearance string `json:"clearance"`
	Password  string `json:"password"`
}

func (s *Server) apiAddUser(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	var req newUser
	if err := decode(w, r, &req); err != nil {
		return nil, err
	}
	return s.addUser(r, u, req)
}

// addUser adds a user with a password (API and UI).
func (s *Server) addUser(r *http.Request, u *ciphergram.User, req newUser) (any, error) {
	if _, err := office.HashPassword(req.Password); err != nil {
		return nil, err
	}
	nu := &ciphergram.User{Name: req.Name, Role: ciphergram.Role(req.Role), Cover: req.Cover, Cleared: req.Cleared, Clearance: req.Clearance}
	if err := s.svc.AddUser(r.Context(), u, nu); err != nil {
		return nil, err
	}
	if err := s.svc.SetPassword(r.Context(), u, nu.Name, req.Password); err != nil {
		return nil, err
	}
	return userView(nu), nil
}

func (s *Server) apiSetClearance(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	var req struct {
		Clearance string `json:"clearance"`
	}
	if err := decode(w, r, &req); err != nil {
		return nil, err
	}
	if err := s.svc.SetClearance(r.Context(), u, r.PathValue("name"), req.Clearance); err != nil {
		return nil, err
	}
	c, _ := ciphergram.NormalizeClassification(req.Clearance)
	return map[string]string{"name": r.PathValue("name"), "clearance": c}, nil
}

// apiRotateKey rotates the office key in place: a new key in the key file
// the server's database is open with (the API never names a file of the
// server's: an office under a passphrase, or one that wants its new key
// elsewhere, rotates with the command line).
func (s *Server) apiRotateKey(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	rt, err := s.svc.RotateKey(r.Context(), u, vault.Source{})
	if err != nil {
		return nil, err
	}
	return rotatedJSON{Rewrapped: rt.Rewrapped, KeyFile: rt.KeyFile}, nil
}

type rotatedJSON struct {
	Rewrapped int    `json:"rewrapped"` // data keys rewrapped under the new office key
	KeyFile   string `json:"key_file"`  // where the new key is
}

func (s *Server) apiSetPassword(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	var req struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &req); err != nil {
		return nil, err
	}
	if err := s.svc.SetPassword(r.Context(), u, r.PathValue("name"), req.Password); err != nil {
		return nil, err
	}
	return map[string]string{"password_set": r.PathValue("name")}, nil
}

func (s *Server) apiLinks(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	ls, err := s.svc.Links(r.Context(), u)
	return each(ls, linkView), err
}

type linkRequest struct {
	Peer     string `json:"peer"`
	Mode     string `json:"mode"`
	Codebook string `json:"codebook"`
	URL      string `json:"url"`
	Secret   string `json:"secret"`
}

func (s *Server) apiAddLink(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	var req linkRequest
	if err := decode(w, r, &req); err != nil {
		return nil, err
	}
	return s.addLink(r, u, req)
}

func (s *Server) addLink(r *http.Request, u *ciphergram.User, req linkRequest) (any, error) {
	mode := cipher.Authenticated
	if req.Mode != "" {
		var err error
		if mode, err = cipher.ParseMode(req.Mode); err != nil {
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "mode: %v", err)
		}
	}
	l := &ciphergram.Link{Peer: req.Peer, Mode: mode, Codebook: req.Codebook}
	if err := s.svc.AddLink(r.Context(), u, l); err != nil {
		return nil, err
	}
	if req.URL != "" || req.Secret != "" {
		if err := s.svc.RouteLink(r.Context(), u, l.Peer, req.URL, req.Secret); err != nil {
			return nil, err
		}
	}
	return s.linkNow(r, u, l.Peer)
}

func (s *Server) linkNow(r *http.Request, u *ciphergram.User, peer string) (any, error) {
	ls, err := s.svc.Links(r.Context(), u)
	for _, l := range ls {
		if l.Peer == strings.ToUpper(peer) {
			return linkView(l), nil
		}
	}
	return nil, err
}

func (s *Server) apiRouteLink(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
	var req struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}
	if err := decode(w, r, &req); err != nil {
		return nil, err
	}
	if err := s.svc.RouteLink(r.Context(), u, r.PathValue("peer"), req.URL, req.Secret); err != nil {
		return nil, err
	}
	return s.linkNow(r, u, r.PathValue("peer"))
}

func (s *Server) apiPadRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/pads", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		ps, err := s.svc.Pads(r.Context(), u)
		return each(ps, padView), err
	}))
	m.HandleFunc("POST /api/v1/pads", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		var req struct {
			ID            string `json:"id"`
			From          string `json:"from"`
			To            string `json:"to"`
			Pages         int    `json:"pages"`
			GroupsPerPage int    `json:"groups_per_page"`
		}
		if err := decode(w, r, &req); err != nil {
			return nil, err
		}
		if req.GroupsPerPage == 0 {
			req.GroupsPerPage = 60
		}
		p, err := s.svc.IssuePad(r.Context(), u, req.ID, strings.ToUpper(req.From), strings.ToUpper(req.To), req.Pages, req.GroupsPerPage)
		if err != nil {
			return nil, err
		}
		return padView(p), nil
	}))
	m.HandleFunc("POST /api/v1/pads/{id}/export", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		var req struct {
			Passphrase string `json:"passphrase"`
		}
		if err := decode(w, r, &req); err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := s.svc.ExportPad(r.Context(), u, r.PathValue("id"), req.Passphrase, &b); err != nil {
			return nil, err
		}
		return map[string]string{"sealed": b.String()}, nil
	}))
	m.HandleFunc("POST /api/v1/pads/import", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		var req struct {
			Sealed     string `json:"sealed"`
			Passphrase string `json:"passphrase"`
		}
		if err := decode(w, r, &req); err != nil {
			return nil, err
		}
		p, err := s.svc.ImportPad(r.Context(), u, strings.NewReader(req.Sealed), req.Passphrase)
		if err != nil {
			return nil, err
		}
		return padView(p), nil
	}))
	m.HandleFunc("POST /api/v1/pads/{id}/destroy", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		n, err := s.svc.DestroyPad(r.Context(), u, r.PathValue("id"))
		return map[string]int{"pages_destroyed": n}, err
	}))
}

// filter reads a telegram list's query: direction, state, peer, q, limit.
func filter(r *http.Request) (ciphergram.TelegramFilter, error) {
	q := r.URL.Query()
	f := ciphergram.TelegramFilter{Direction: ciphergram.TelegramDirection(q.Get("direction")),
		State: ciphergram.State(q.Get("state")), Peer: strings.ToUpper(q.Get("peer")), Search: strings.TrimSpace(q.Get("q"))}
	if f.Direction != "" && f.Direction != ciphergram.Incoming && f.Direction != ciphergram.Outgoing {
		return f, ciphergram.Errorf(ciphergram.EINVALID, "direction %q: want in or out", f.Direction)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, ciphergram.Errorf(ciphergram.EINVALID, "limit %q: want a positive number", v)
		}
		f.Limit = n
	}
	return f, nil
}
