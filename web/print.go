package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"ciphergram"
)

// printRoutes serve the office's paper as PDF: a pad book (clerks) and a
// printed copy of a registered telegram (archivists; every printed copy is
// an issued copy).
func (s *Server) printRoutes() {
	m := s.mux
	m.HandleFunc("POST /pads/{id}/print", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if s.cfg.Printer == nil {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no PDF printer in this server")
		}
		p, info, err := s.svc.PrintPad(r.Context(), u, r.PathValue("id"))
		if err != nil {
			return err
		}
		defer p.Wipe()
		var b bytes.Buffer
		defer wipe(b.Bytes)
		if err := s.cfg.Printer.PadBook(&b, p, info.Direction); err != nil {
			return err
		}
		return sendPDF(w, safeFile(info.ID)+"-"+string(info.Direction)+".pdf", b.Bytes())
	}))
	m.HandleFunc("POST /telegrams/{id}/print", s.ui(func(w http.ResponseWriter, r *http.Request, u *ciphergram.User) error {
		if s.cfg.Printer == nil {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no PDF printer in this server")
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := form(w, r); err != nil {
			return err
		}
		c, reg, err := s.svc.PrintCopy(r.Context(), u, id, r.FormValue("reader"))
		if err != nil {
			return err
		}
		footer := fmt.Sprintf("Issued to %s by %s on %s", c.Reader, c.IssuedBy, c.Issued.Format("2 January 2006 at 15:04"))
		var b bytes.Buffer
		if err := s.cfg.Printer.TelegramCopy(&b, reg, footer); err != nil {
			return fmt.Errorf("copy No. %d was issued but not printed (recall it): %w", c.Number, err)
		}
		return sendPDF(w, "telegram-"+strconv.FormatInt(id, 10)+"-copy-"+strconv.Itoa(c.Number)+".pdf", b.Bytes())
	}))
}

func sendPDF(w http.ResponseWriter, name string, b []byte) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err := w.Write(b)
	return err
}

// wipe zeroes a buffer that held key material once it is sent.
func wipe(b func() []byte) {
	buf := b()
	clear(buf[:cap(buf)])
}
