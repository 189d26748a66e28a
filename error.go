// Package ciphergram is the domain of a cipher-telegram office: offices and
// their links, one-time pads in custody, telegrams from draft to registry,
// numbered copies, cover names, users and the audit log. It declares the
// types and the Store that adapters (sqlite, postgres) implement; the rules
// of the office live in package office, the procedure of the cipher in
// package cipher.
package ciphergram

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Application error codes. Adapters map them to exit statuses and HTTP
// statuses in one place each.
const (
	ECONFLICT     = "conflict"     // the act collides with the current state (duplicate, already used)
	EINTERNAL     = "internal"     // a fault of the system, not of the request
	EINVALID      = "invalid"      // the request is malformed or breaks a rule of the domain
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the actor
	EFORBIDDEN    = "forbidden"    // the actor's role or clearance does not allow it
	EUNAUTHORIZED = "unauthorized" // the actor is not known
	EEXHAUSTED    = "exhausted"    // a pad has too few pages left
)

// Error is an application error: a code from the list above and a message
// fit for the user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code. A message longer than
// MaxMessageBytes (a parser quoting a megabyte of bad input, say) is cut
// there.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: Clip(fmt.Sprintf(format, args...), MaxMessageBytes)}
}

// MaxMessageBytes bounds the message of an Error.
const MaxMessageBytes = 1000

// Clip shortens s to at most n bytes, cut on a rune boundary and marked
// with "...", so that an error or a log line never carries a whole input.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n = max(0, n-3)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// ErrorCode returns the code of an application error in err's chain, or
// EINTERNAL for any other non-nil error.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of an application error, or a generic
// message that reveals nothing of an internal one.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "internal error"
}
