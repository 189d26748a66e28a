package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"ciphergram"
	"ciphergram/office"
)

// listData is a list of telegrams with the filter that chose them.
type listData struct {
	Heading   string
	Telegrams []*ciphergram.Telegram
	Query     string
	Path      string
	Inbox     bool
}

func (s *Server) uiTelegramRoutes() {
	m := s.mux
	m.HandleFunc("GET /compose", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		links, err := s.svc.Links(r.Context(), u)
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "compose", view{Title: "Compose", User: u, Data: links})
		return nil
	}))
	m.HandleFunc("POST /compose", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		t, err := s.compose(r, u, draftRequest{To: r.FormValue("to"), Text: r.FormValue("text"),
			Classification: r.FormValue("classification"), Caveat: r.FormValue("caveat"), Precedence: r.FormValue("precedence")})
		if err != nil {
			return err
		}
		return s.done(w, r, "/telegrams/"+strconv.FormatInt(t.ID, 10), "Draft saved. Sign it to give it a number.")
	}))
	m.HandleFunc("GET /outbox", s.ui(s.list("Outbox", "/outbox", ciphergram.TelegramFilter{Direction: ciphergram.Outgoing})))
	m.HandleFunc("GET /inbox", s.ui(s.list("Inbox", "/inbox", ciphergram.TelegramFilter{Direction: ciphergram.Incoming})))
	m.HandleFunc("GET /registry", s.ui(s.list("Registry", "/registry", ciphergram.TelegramFilter{Direction: ciphergram.Incoming, State: ciphergram.StateRegistered})))
	m.HandleFunc("POST /inbox", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if err := form(w, r); err != nil {
			return err
		}
		a, err := s.svc.Arrive(r.Context(), u, office.Receipt{Wire: r.FormValue("wire"),
			Classification: r.FormValue("classification"), Caveat: r.FormValue("caveat")})
		if err != nil {
			return err
		}
		msg := "Part(s) entered: " + strconv.Itoa(a.Held) + " of " + strconv.Itoa(a.Count) + " held."
		if len(a.Repeat) > 0 {
			msg += " Garbled parts: a repeat was asked."
		}
		if a.Telegram != nil {
			return s.done(w, r, "/telegrams/"+strconv.FormatInt(a.Telegram.ID, 10), msg)
		}
		return s.done(w, r, "/inbox", msg)
	}))
	m.HandleFunc("GET /telegrams/{id}", s.ui(s.telegramPage))
	m.HandleFunc("POST /telegrams/{id}/{act}", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		act, ok := s.acts()[r.PathValue("act")]
		if !ok {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no act %q", r.PathValue("act"))
		}
		t, err := act(r.Context(), u, id)
		if err != nil {
			return err
		}
		return s.done(w, r, "/telegrams/"+strconv.FormatInt(id, 10), "Telegram "+strconv.FormatInt(id, 10)+" is now "+string(t.State)+".")
	}))
}

// list shows the telegrams of one kind, searchable.
func (s *Server) list(heading, path string, f ciphergram.TelegramFilter) uiFunc {
	return func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		q, err := filter(r)
		if err != nil {
			return err
		}
		f := f
		f.Search, f.Peer = q.Search, q.Peer
		if q.State != "" {
			f.State = q.State
		}
		ts, err := s.svc.Telegrams(r.Context(), u, f)
		if err != nil {
			return err
		}
		d := listData{Heading: heading, Telegrams: ts, Query: f.Search, Path: path, Inbox: path == "/inbox"}
		s.render(w, r, http.StatusOK, "list", view{Title: heading, User: u, Data: d, Banner: bannerOf(ts)})
		return nil
	}
}

// telegramData is one telegram with what the user may do to it.
type telegramData struct {
	T          *ciphergram.Telegram
	Rendered   string
	Copies     []*ciphergram.Copy
	Deliveries []*ciphergram.Delivery
	Readers    []*ciphergram.User
	Acts       []string
	Releases   []*ciphergram.Release
	Covers     []string // registered cover names that appear in the text
}

func (s *Server) telegramPage(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.svc.Telegram(ctx, u, id)
	if err != nil {
		return err
	}
	d := telegramData{T: t}
	if d.Rendered, err = s.svc.Render(ctx, u, t, 0); err != nil {
		return err
	}
	d.Copies, _ = s.svc.Copies(ctx, u, id)
	d.Deliveries, _ = s.svc.Deliveries(ctx, u, id)
	if t.State == ciphergram.StateRegistered {
		holds := map[string]bool{}
		for _, c := range d.Copies {
			holds[c.Reader] = holds[c.Reader] || c.State == ciphergram.CopyIssued
		}
		if us, err := s.svc.Users(ctx, u); err == nil {
			for _, x := range us {
				if x.Role == ciphergram.RoleReader && !holds[x.Name] {
					d.Readers = append(d.Readers, x)
				}
			}
		}
	}
	if t.State == ciphergram.StateRegistered {
		d.Releases, _ = s.svc.Releases(ctx, u, id)
		if cs, err := s.svc.Cryptonyms(ctx, u); err == nil {
			for _, c := range cs {
				if containsWord(t.Text, c.Cover) {
					d.Covers = append(d.Covers, c.Cover)
				}
			}
		}
	}
	next := map[ciphergram.State]string{ciphergram.StateDraft: "sign", ciphergram.StateSigned: "encipher",
		ciphergram.StateEnciphered: "send", ciphergram.StateReceived: "decipher"}
	if a, ok := next[t.State]; ok {
		d.Acts = append(d.Acts, a)
	}
	title := "Telegram " + strconv.FormatInt(id, 10)
	s.render(w, r, http.StatusOK, "telegram", view{Title: title, User: u, Data: d, Banner: t.Classification})
	return nil
}

// containsWord reports whether word appears in text as a whole word.
func containsWord(text, word string) bool {
	f := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return slices.Contains(f, word)
}
