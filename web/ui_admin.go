package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ciphergram"
	"ciphergram/vault"
)

func (s *Server) uiRegistryRoutes() {
	m := s.mux
	m.HandleFunc("POST /telegrams/{id}/copies", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := form(w, r); err != nil {
			return err
		}
		c, err := s.svc.IssueCopy(r.Context(), u, id, r.FormValue("reader"))
		if err != nil {
			return err
		}
		return s.done(w, r, "/telegrams/"+strconv.FormatInt(id, 10), "Copy No. "+strconv.Itoa(c.Number)+" issued to "+c.Reader+".")
	}))
	m.HandleFunc("GET /copies", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		cs, err := s.svc.Copies(r.Context(), u, 0)
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "copies", view{Title: "Copies", User: u, Data: cs})
		return nil
	}))
	m.HandleFunc("GET /copies/{id}", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		text, err := s.svc.ReadCopy(r.Context(), u, id)
		if err != nil {
			return err
		}
		banner, _, _ := strings.Cut(text, "\n")
		s.render(w, r, http.StatusOK, "copy", view{Title: "Copy", User: u, Data: text, Banner: banner})
		return nil
	}))
	m.HandleFunc("POST /copies/{id}/{act}", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		state := map[string]ciphergram.CopyState{"recall": ciphergram.CopyRecalled, "destroy": ciphergram.CopyDestroyed}[r.PathValue("act")]
		if state == "" {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no act %q", r.PathValue("act"))
		}
		if err := s.svc.CloseCopy(r.Context(), u, id, state); err != nil {
			return err
		}
		return s.done(w, r, "/copies", "Copy "+string(state)+".")
	}))
	m.HandleFunc("GET /cryptonyms", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		cs, err := s.svc.Cryptonyms(r.Context(), u)
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "cryptonyms", view{Title: "Cover names", User: u, Data: cs})
		return nil
	}))
	m.HandleFunc("POST /cryptonyms", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		c := &ciphergram.Cryptonym{Cover: r.FormValue("cover"), TrueName: r.FormValue("true_name"),
			Kind: ciphergram.CryptonymKind(r.FormValue("kind")), Released: r.FormValue("released") == "on"}
		if err := s.svc.AddCryptonym(r.Context(), u, c); err != nil {
			return err
		}
		return s.done(w, r, "/cryptonyms", "Cover name "+strings.ToUpper(c.Cover)+" kept.")
	}))
	m.HandleFunc("GET /audit", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		es, bad, err := s.svc.AuditLog(r.Context(), u)
		if err != nil {
			return err
		}
		d := struct {
			Entries []*ciphergram.AuditEntry
			Problem error
		}{es, bad}
		for i, j := 0, len(d.Entries)-1; i < j; i, j = i+1, j-1 {
			d.Entries[i], d.Entries[j] = d.Entries[j], d.Entries[i] // newest first
		}
		s.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", User: u, Data: d})
		return nil
	}))
}

func (s *Server) uiAdminRoutes() {
	m := s.mux
	m.HandleFunc("GET /pads", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		ps, err := s.svc.Pads(r.Context(), u)
		if err != nil {
			return err
		}
		ds, _ := s.svc.Store().Destructions(r.Context())
		ls, _ := s.svc.Links(r.Context(), u)
		o, _ := s.svc.Office(r.Context())
		d := struct {
			Pads         []*ciphergram.PadInfo
			Destructions []*ciphergram.Destruction
			Links        []*ciphergram.Link
			Office       *ciphergram.Office
			Low          int
		}{ps, ds[max(0, len(ds)-50):], ls, o, lowPages}
		s.render(w, r, http.StatusOK, "pads", view{Title: "Pads", User: u, Data: d})
		return nil
	}))
	m.HandleFunc("POST /pads", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		pages, _ := strconv.Atoi(r.FormValue("pages"))
		gpp, _ := strconv.Atoi(r.FormValue("groups_per_page"))
		p, err := s.svc.IssuePad(r.Context(), u, r.FormValue("id"), strings.ToUpper(r.FormValue("from")), strings.ToUpper(r.FormValue("to")), pages, gpp)
		if err != nil {
			return err
		}
		return s.done(w, r, "/pads", "Pad "+p.ID+" issued: "+strconv.Itoa(p.Pages)+" pages. Export the other copy for the far end.")
	}))
	m.HandleFunc("POST /pads/{id}/export", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		var b bytes.Buffer
		id := r.PathValue("id")
		if err := s.svc.ExportPad(r.Context(), u, id, r.FormValue("passphrase"), &b); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+safeFile(id)+`.pad.age"`)
		_, err := w.Write(b.Bytes())
		return err
	}))
	m.HandleFunc("POST /pads/import", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		sealed := r.FormValue("sealed")
		if f, _, err := r.FormFile("file"); err == nil {
			b, err := io.ReadAll(io.LimitReader(f, maxBody))
			f.Close()
			if err != nil {
				return err
			}
			sealed = string(b)
		}
		p, err := s.svc.ImportPad(r.Context(), u, strings.NewReader(sealed), r.FormValue("passphrase"))
		if err != nil {
			return err
		}
		return s.done(w, r, "/pads", "Pad "+p.ID+" taken into custody: "+strconv.Itoa(p.Left())+" pages.")
	}))
	m.HandleFunc("POST /pads/{id}/destroy", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		if r.FormValue("confirm") != "on" {
			return ciphergram.Errorf(ciphergram.EINVALID, "tick the box to confirm the destruction of every unused page of pad %s", r.PathValue("id"))
		}
		n, err := s.svc.DestroyPad(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return err
		}
		return s.done(w, r, "/pads", strconv.Itoa(n)+" page(s) of pad "+r.PathValue("id")+" destroyed.")
	}))
	m.HandleFunc("GET /users", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		us, err := s.svc.Users(r.Context(), u)
		if err != nil {
			return err
		}
		ls, err := s.svc.Links(r.Context(), u)
		if err != nil {
			return err
		}
		d := struct {
			Users []*ciphergram.User
			Links []*ciphergram.Link
			Roles []ciphergram.Role
			// Classifications, highest first, for the clearance choice.
			Clearances []string
		}{us, ls, ciphergram.Roles, highestFirst(ciphergram.Classifications)}
		s.render(w, r, http.StatusOK, "users", view{Title: "Users and links", User: u, Data: d})
		return nil
	}))
	m.HandleFunc("POST /users", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		_, err := s.addUser(r, u, newUser{Name: r.FormValue("name"), Role: r.FormValue("role"), Cover: r.FormValue("cover"),
			Cleared: r.FormValue("cleared") == "on", Clearance: r.FormValue("clearance"), Password: r.FormValue("password")})
		if err != nil {
			return err
		}
		return s.done(w, r, "/users", "User "+r.FormValue("name")+" added.")
	}))
	m.HandleFunc("POST /users/{name}/clearance", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		if err := s.svc.SetClearance(r.Context(), u, r.PathValue("name"), r.FormValue("clearance")); err != nil {
			return err
		}
		return s.done(w, r, "/users", "Clearance of "+r.PathValue("name")+" set.")
	}))
	m.HandleFunc("POST /office/key/rotate", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		rt, err := s.svc.RotateKey(r.Context(), u, vault.Source{})
		if err != nil {
			return err
		}
		return s.done(w, r, "/users", fmt.Sprintf("Office key rotated: %d data key(s) rewrapped; the new key is in %s. "+
			"Back it up apart from the database and destroy every copy of the old one.", rt.Rewrapped, rt.KeyFile))
	}))
	m.HandleFunc("POST /links", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		_, err := s.addLink(r, u, linkRequest{Peer: r.FormValue("peer"), Mode: r.FormValue("mode"), Codebook: r.FormValue("codebook"),
			URL: r.FormValue("url"), Secret: r.FormValue("secret")})
		if err != nil {
			return err
		}
		return s.done(w, r, "/users", "Link to "+strings.ToUpper(r.FormValue("peer"))+" opened.")
	}))
	m.HandleFunc("POST /links/{peer}", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		if err := s.svc.RouteLink(r.Context(), u, r.PathValue("peer"), r.FormValue("url"), r.FormValue("secret")); err != nil {
			return err
		}
		return s.done(w, r, "/users", "Link to "+strings.ToUpper(r.PathValue("peer"))+" routed.")
	}))
}

// safeFile keeps only harmless characters of a file name.
func safeFile(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return r
		}
		return '_'
	}, s)
}

// highestFirst returns the classifications from TOP SECRET down.
func highestFirst(cs []string) []string {
	out := slices.Clone(cs)
	slices.Reverse(out)
	return out
}
