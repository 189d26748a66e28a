package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"ciphergram"
	"ciphergram/office"
	"ciphergram/telegram"
)

type releaseJSON struct {
	ID         int64    `json:"id"`
	TelegramID int64    `json:"telegram_id"`
	Reveal     []string `json:"reveal"`
	Redact     []string `json:"redact"`
	Notes      []string `json:"notes"`
	ReleasedBy string   `json:"released_by"`
	Released   string   `json:"released"`
}

func releaseView(r *ciphergram.Release) releaseJSON {
	return releaseJSON{ID: r.ID, TelegramID: r.TelegramID, Reveal: r.Reveal, Redact: r.Redact, Notes: r.Notes,
		ReleasedBy: r.ReleasedBy, Released: r.Released.Format("2006-01-02T15:04:05Z07:00")}
}

func (s *Server) publishRoutes() {
	m := s.mux
	m.HandleFunc("POST /api/v1/telegrams/{id}/releases", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		var req office.ReleaseRequest
		if err := decode(w, r, &struct {
			Reveal *[]string `json:"reveal"`
			Redact *[]string `json:"redact"`
			Notes  *[]string `json:"notes"`
		}{&req.Reveal, &req.Redact, &req.Notes}); err != nil {
			return nil, err
		}
		rel, err := s.svc.Release(r.Context(), u, id, req)
		if err != nil {
			return nil, err
		}
		return releaseView(rel), nil
	}))
	m.HandleFunc("GET /api/v1/releases", s.api(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) (any, error) {
		tid, _ := strconv.ParseInt(r.URL.Query().Get("telegram"), 10, 64)
		rs, err := s.svc.Releases(r.Context(), u, tid)
		return each(rs, releaseView), err
	}))
	// The publication itself, for the API and the UI alike: text, md or pdf.
	m.HandleFunc("GET /releases/{id}/{format}", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		p, err := s.svc.Publication(r.Context(), u, id)
		if err != nil {
			return err
		}
		return s.writePublication(w, p, id, r.PathValue("format"))
	}))
	m.HandleFunc("GET /releases/{id}", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		p, err := s.svc.Publication(r.Context(), u, id)
		if err != nil {
			return err
		}
		d := struct {
			ID   int64
			Text string
			PDF  bool
		}{id, p.PlainText(), s.cfg.Printer != nil}
		s.render(w, r, http.StatusOK, "release", view{Title: "Release " + strconv.FormatInt(id, 10), User: u, Data: d, Banner: "DECLASSIFIED"})
		return nil
	}))
	m.HandleFunc("POST /telegrams/{id}/releases", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := form(w, r); err != nil {
			return err
		}
		req := office.ReleaseRequest{Reveal: r.Form["reveal"], Redact: lines(r.FormValue("redact")), Notes: lines(r.FormValue("notes"))}
		rel, err := s.svc.Release(r.Context(), u, id, req)
		if err != nil {
			return err
		}
		return s.done(w, r, "/releases/"+strconv.FormatInt(rel.ID, 10), "Released for publication.")
	}))
}

// lines splits a text area into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) writePublication(w http.ResponseWriter, p *telegram.Publication, id int64, format string) error {
	name := "release-" + strconv.FormatInt(id, 10)
	var body []byte
	switch format {
	case "text", "txt":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		body, name = []byte(p.PlainText()), name+".txt"
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		body, name = []byte(p.Markdown()), name+".md"
	case "pdf":
		if s.cfg.Printer == nil {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no PDF printer in this server")
		}
		var b bytes.Buffer
		if err := s.cfg.Printer.Publication(&b, p); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		body, name = b.Bytes(), name+".pdf"
	default:
		return ciphergram.Errorf(ciphergram.ENOTFOUND, "format %q: want text, md or pdf", format)
	}
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	_, err := bytes.NewReader(body).WriteTo(w)
	return err
}
