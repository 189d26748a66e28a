package web

import (
	"encoding/json"
	"net/http"

	"ciphergram"
)

// statuses maps each application error code to its HTTP status: the one
// place where this happens.
var statuses = map[string]int{
	ciphergram.EINVALID:      http.StatusBadRequest,
	ciphergram.ENOTFOUND:     http.StatusNotFound,
	ciphergram.ECONFLICT:     http.StatusConflict,
	ciphergram.EEXHAUSTED:    http.StatusConflict,
	ciphergram.EUNAUTHORIZED: http.StatusUnauthorized,
	ciphergram.EFORBIDDEN:    http.StatusForbidden,
	ciphergram.EINTERNAL:     http.StatusInternalServerError,
}

// status is the HTTP status of err.
func status(err error) int {
	if s, ok := statuses[ciphergram.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// apiError is the JSON body of every error answer.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// publicMessage is what a client may be told: the message of an
// application error. An internal fault is logged and told as "internal
// error" only.
func (s *Server) publicMessage(r *http.Request, err error) string {
	if ciphergram.ErrorCode(err) == ciphergram.EINTERNAL {
		s.log.Error("internal error", "method", r.Method, "route", r.Pattern, "err", err)
	}
	return ciphergram.ErrorMessage(err)
}

// writeError answers an API request with err.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeJSON(w, status(err), apiError{Code: ciphergram.ErrorCode(err), Message: s.publicMessage(r, err)})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
