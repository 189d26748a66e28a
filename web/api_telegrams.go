package web

import (
	"context"
	"net/http"
	"strings"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/office"
)

// telegramAct is one step of a telegram's life.
type telegramAct func(ctx context.Context, actor *ciphergram.User, id int64) (*ciphergram.Telegram, error)

// acts are the steps the API and the UI offer, by name.
func (s *Server) acts() map[string]telegramAct {
	return map[string]telegramAct{
		"sign":     s.svc.Sign,
		"encipher": s.svc.Encipher,
		"send":     s.svc.MarkSent,
		"decipher": s.svc.Decipher,
	}
}

type draftRequest struct {
	To             string `json:"to"`
	Text           string `json:"text"`
	Classification string `json:"classification"`
	Caveat         string `json:"caveat"`
	Precedence     string `json:"precedence"`
}

// compose stores a draft (API and UI).
func (s *Server) compose(r *http.Request, u *ciphergram.User, req draftRequest) (*ciphergram.Telegram, error) {
	d := office.Draft{To: req.To, Text: req.Text, Classification: req.Classification, Caveat: req.Caveat}
	if req.Precedence != "" {
		p, err := cipher.ParsePrecedence(req.Precedence)
		if err != nil {
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "precedence: %v", err)
		}
		d.Prec = p
	}
	return s.svc.Compose(r.Context(), u, d)
}

func (s *Server) apiTelegramRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/telegrams", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		f, err := filter(r)
		if err != nil {
			return nil, err
		}
		ts, err := s.svc.Telegrams(r.Context(), u, f)
		return each(ts, func(t *ciphergram.Telegram) telegramJSON { return telegramView(t, false) }), err
	}))
	m.HandleFunc("POST /api/v1/telegrams", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		var req draftRequest
		if err := decode(w, r, &req); err != nil {
			return nil, err
		}
		t, err := s.compose(r, u, req)
		if err != nil {
			return nil, err
		}
		return telegramView(t, true), nil
	}))
	m.HandleFunc("GET /api/v1/telegrams/{id}", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		t, err := s.svc.Telegram(r.Context(), u, id)
		if err != nil {
			return nil, err
		}
		return telegramView(t, true), nil
	}))
	m.HandleFunc("GET /api/v1/telegrams/{id}/rendered", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		t, err := s.svc.Telegram(r.Context(), u, id)
		if err != nil {
			return nil, err
		}
		text, err := s.svc.Render(r.Context(), u, t, 0)
		return map[string]string{"text": text}, err
	}))
	m.HandleFunc("POST /api/v1/telegrams/{id}/{act}", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		act, ok := s.acts()[r.PathValue("act")]
		if !ok {
			return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no act %q: want sign, encipher, send or decipher", r.PathValue("act"))
		}
		t, err := act(r.Context(), u, id)
		if err != nil {
			return nil, err
		}
		return telegramView(t, true), nil
	}))
	m.HandleFunc("GET /api/v1/telegrams/{id}/deliveries", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		ds, err := s.svc.Deliveries(r.Context(), u, id)
		return each(ds, deliveryView), err
	}))
	m.HandleFunc("POST /api/v1/inbox", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		var req struct {
			Wire           string `json:"wire"`
			Classification string `json:"classification"`
			Caveat         string `json:"caveat"`
		}
		if err := decode(w, r, &req); err != nil {
			return nil, err
		}
		a, err := s.svc.Arrive(r.Context(), u, office.Receipt{Wire: req.Wire, Classification: req.Classification, Caveat: req.Caveat})
		if err != nil {
			return nil, err
		}
		return arrivalView(a), nil
	}))
}

type arrivalJSON struct {
	From     string        `json:"from"`
	Nr       int           `json:"nr"`
	Parts    []partJSON    `json:"parts"`
	Held     int           `json:"held"`
	Count    int           `json:"count"`
	Telegram *telegramJSON `json:"telegram,omitempty"`
	Repeat   []int         `json:"repeat_asked,omitempty"`
}

type partJSON struct {
	Part    int    `json:"part"`
	Result  string `json:"result"`
	Garbled int    `json:"garbled_groups,omitempty"`
}

func arrivalView(a *office.Arrival) arrivalJSON {
	v := arrivalJSON{From: a.From, Nr: a.Nr, Held: a.Held, Count: a.Count, Repeat: a.Repeat}
	for _, p := range a.Parts {
		v.Parts = append(v.Parts, partJSON{Part: p.Part, Result: string(p.Result), Garbled: p.Garbled})
	}
	if a.Telegram != nil {
		t := telegramView(a.Telegram, false)
		v.Telegram = &t
	}
	return v
}

func (s *Server) apiRegistryRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/telegrams/{id}/copies", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		cs, err := s.svc.Copies(r.Context(), u, id)
		return each(cs, copyView), err
	}))
	m.HandleFunc("POST /api/v1/telegrams/{id}/copies", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		var req struct {
			Reader string `json:"reader"`
		}
		if err := decode(w, r, &req); err != nil {
			return nil, err
		}
		c, err := s.svc.IssueCopy(r.Context(), u, id, req.Reader)
		if err != nil {
			return nil, err
		}
		return copyView(c), nil
	}))
	m.HandleFunc("GET /api/v1/copies", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		cs, err := s.svc.Copies(r.Context(), u, 0)
		return each(cs, copyView), err
	}))
	m.HandleFunc("GET /api/v1/copies/{id}", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		text, err := s.svc.ReadCopy(r.Context(), u, id)
		return map[string]string{"text": text}, err
	}))
	m.HandleFunc("POST /api/v1/copies/{id}/{act}", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		state := map[string]ciphergram.CopyState{"recall": ciphergram.CopyRecalled, "destroy": ciphergram.CopyDestroyed}[r.PathValue("act")]
		if state == "" {
			return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no act %q: want recall or destroy", r.PathValue("act"))
		}
		return map[string]string{"state": string(state)}, s.svc.CloseCopy(r.Context(), u, id, state)
	}))
	m.HandleFunc("GET /api/v1/cryptonyms", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		cs, err := s.svc.Cryptonyms(r.Context(), u)
		return each(cs, func(c *ciphergram.Cryptonym) cryptonymJSON {
			return cryptonymJSON{Cover: c.Cover, TrueName: c.TrueName, Kind: string(c.Kind), Released: c.Released}
		}), err
	}))
	m.HandleFunc("POST /api/v1/cryptonyms", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		var req cryptonymJSON
		if err := decode(w, r, &req); err != nil {
			return nil, err
		}
		c := &ciphergram.Cryptonym{Cover: req.Cover, TrueName: req.TrueName, Kind: ciphergram.CryptonymKind(req.Kind), Released: req.Released}
		return map[string]string{"cover": strings.ToUpper(req.Cover)}, s.svc.AddCryptonym(r.Context(), u, c)
	}))
	m.HandleFunc("GET /api/v1/audit", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		es, bad, err := s.svc.AuditLog(r.Context(), u)
		if err != nil {
			return nil, err
		}
		v := struct {
			Entries  []auditJSON `json:"entries"`
			Verified bool        `json:"verified"`
			Problem  string      `json:"problem,omitempty"`
		}{Entries: each(es, auditView), Verified: bad == nil}
		if bad != nil {
			v.Problem = bad.Error()
		}
		return v, nil
	}))
}
