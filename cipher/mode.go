// Package cipher runs the whole procedure of SPEC sections 1-6: text is
// encoded by a Codec (a codebook or a checkerboard) into a digit stream,
// regrouped into five-digit groups, cut into parts of one pad page each,
// superenciphered with the pad by non-carrying addition, optionally
// authenticated with the one-time MAC, and laid out as transmissions. The
// receiving side reverses it and refuses to release anything from a telegram
// that fails its checks.
//
// The package is pure: it takes pad pages from its caller and never burns,
// stores or logs them. Burning pages durably before ciphertext leaves, and
// after a telegram is read, is the caller's duty.
package cipher

import (
	"fmt"
	"strings"
)

// Mode selects the body layout of a transmission.
type Mode int

const (
	// Authenticated appends a 15-digit one-time MAC (three groups) keyed by six
	// further page groups. It is the default for new links.
	Authenticated Mode = iota
	// Historical is the 1940s layout: indicator, cipher groups, end group,
	// serial/date group, with no authentication at all.
	Historical
)

// macKeyGroups is the number of page groups that key the MAC.
const macKeyGroups = 6

// tagGroups is the number of body groups holding the 15-digit tag.
const tagGroups = 3

// String returns "authenticated" or "historical".
func (m Mode) String() string {
	switch m {
	case Authenticated:
		return "authenticated"
	case Historical:
		return "historical"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads a mode name as written on the command line.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "authenticated", "auth":
		return Authenticated, nil
	case "historical":
		return Historical, nil
	}
	return 0, fmt.Errorf("unknown mode %q (want authenticated or historical)", s)
}

// Capacity is the number of cipher groups one page of groupsPerPage groups
// carries in this mode: the page loses its indicator and the end group, and
// in authenticated mode six more groups to the MAC key. With 60-group pages
// that is 58 (historical) or 52 (authenticated).
func (m Mode) Capacity(groupsPerPage int) int {
	n := groupsPerPage - 2
	if m == Authenticated {
		n -= macKeyGroups
	}
	return n
}

// overhead is the number of body groups besides the cipher groups.
func (m Mode) overhead() int {
	if m == Authenticated {
		return 3 + tagGroups // indicator, tag, end, serial
	}
	return 3 // indicator, end, serial
}

// Precedence is a telegram's handling priority: R routine, P priority,
// O immediate, Z flash.
type Precedence byte

// The four precedences of SPEC 6.
const (
	Routine   Precedence = 'R'
	Priority  Precedence = 'P'
	Immediate Precedence = 'O'
	Flash     Precedence = 'Z'
)

// ParsePrecedence accepts R, P, O or Z in either case.
func ParsePrecedence(s string) (Precedence, error) {
	if len(s) == 1 {
		switch p := Precedence(strings.ToUpper(s)[0]); p {
		case Routine, Priority, Immediate, Flash:
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown precedence %q (want R, P, O or Z)", s)
}

// String returns the one-letter precedence.
func (p Precedence) String() string { return string(rune(p)) }
