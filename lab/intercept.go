// Package lab is the VENONA lab: it simulates 1940s cipher traffic in
// which some pad pages were printed twice, finds the parts that were
// enciphered "in depth" on the same key, and recovers their plaintexts
// from the code-group language alone, the way the analysts of the 1940s
// and 1950s did. It works on intercepts in the SPEC 6 transmission format
// and is pure: no I/O beyond the readers and writers it is given.
//
// The lab assumes historical traffic (no authentication tag): the body of
// a part is the indicator, the cipher groups, the end group and the
// serial/date group.
package lab

import (
	"fmt"
	"io"
	"strings"

	"ciphergram/cipher"
)

// Intercept is one intercepted part of a telegram.
type Intercept struct {
	ID        string // "FROM/NR/PART", unique in a traffic file
	From, To  string
	Nr        int
	Part      int
	Parts     int
	Indicator string   // the page indicator as sent: page group 0
	Groups    []string // the cipher groups C1..Cm, five ASCII digits each
	End       string   // the end group as sent: page group m+1
	Serial    string   // the serial/date group
	Line      int      // the preamble's line in the file read
}

// Link is the intercept's link, "FROM-TO".
func (x *Intercept) Link() string { return x.From + "-" + x.To }

// ReadIntercepts reads transmissions in the SPEC 6 format (parts separated
// by blank lines, letters or digits) as historical intercepts. A part
// whose body is too short to hold an indicator, a cipher group, the end
// group and the serial group is an error that names its line; so is a
// repeated ID.
func ReadIntercepts(r io.Reader) ([]*Intercept, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	ts, err := cipher.ParseTransmissions(string(b))
	if err != nil {
		return nil, err
	}
	out := make([]*Intercept, 0, len(ts))
	seen := make(map[string]int, len(ts))
	for _, t := range ts {
		if len(t.Groups) < 4 {
			return nil, fmt.Errorf("line %d: %s NR %d part %d has %d body groups; an intercept needs at least 4", t.Line, t.From, t.Nr, t.Part, len(t.Groups))
		}
		n := len(t.Groups)
		x := &Intercept{ID: fmt.Sprintf("%s/%d/%d", t.From, t.Nr, t.Part), From: t.From, To: t.To, Nr: t.Nr, Part: t.Part,
			Parts: t.Parts, Indicator: t.Groups[0], Groups: t.Groups[1 : n-2], End: t.Groups[n-2], Serial: t.Groups[n-1], Line: t.Line}
		if prev, ok := seen[x.ID]; ok {
			return nil, fmt.Errorf("line %d: intercept %s already read at line %d", t.Line, x.ID, prev)
		}
		seen[x.ID] = t.Line
		out = append(out, x)
	}
	return out, nil
}

// Digits returns the cipher groups as one string of digits.
func (x *Intercept) Digits() string { return strings.Join(x.Groups, "") }
