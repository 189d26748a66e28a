// Package otp holds the one-time pads of SPEC 5 and the message
// authentication code of SPEC 6: the pad file format, pages and their
// indicators, unbiased generation of pad digits, and the MAC keyed from pad
// groups.
//
// Key material (pad digits, MAC keys) lives only in byte slices that can be
// wiped, never in strings, and never appears in errors, logs or formatted
// output: Pad, Page and MACKey format and log themselves redacted. The one
// exception is a page's indicator, group 0, which is public.
//
// The package is pure: it reads and writes io.Reader and io.Writer values
// and touches no files (see internal/padfile for the file adapter).
package otp

import (
	"errors"
	"fmt"
	"log/slog"
	"unicode"
	"unicode/utf8"
)

// DefaultGroupsPerPage is the page size of SPEC 1: sixty five-digit groups.
const DefaultGroupsPerPage = 60

// Limits on generated and parsed pads.
const (
	GroupsPerLine    = 10    // groups on a full line of a pad file
	MinGroupsPerPage = 10    // below this a page cannot carry an authenticated part
	MaxGroupsPerPage = 10000 // a sanity bound; pages are printed on paper
	MaxPages         = 10000 // a sanity bound on Generate; at most 10^5 indicators exist
)

var (
	// ErrExhausted is returned (wrapped) by Pad.Next when fewer unburned
	// pages remain than asked for.
	ErrExhausted = errors.New("pad exhausted")

	// ErrUnknownIndicator is returned (wrapped) by Pad.Lookup when no unused
	// page has the indicator. A burned page's digits, indicator included,
	// are gone, so a page already used cannot be told apart from one that
	// never existed.
	ErrUnknownIndicator = errors.New("unknown indicator")
)

// Pad is one copy of a one-time pad: it serves one direction of one link,
// From one station To another. Pages are in ascending order of Number.
//
// Notes are the header's free comment lines (without the leading "# "),
// kept so that warnings such as "TEST VECTOR ONLY" survive a rewrite.
type Pad struct {
	ID, From, To  string
	GroupsPerPage int
	Notes         []string
	Pages         []*Page
}

// Next returns the n lowest-numbered unburned pages, in order: the pages a
// sender takes next. It returns an error wrapping ErrExhausted, and no pages,
// when fewer than n remain. The pages are not burned: the caller burns them
// and commits the pad before any ciphertext leaves.
func (p *Pad) Next(n int) ([]*Page, error) {
	if n < 1 {
		return nil, fmt.Errorf("pad %s: asked for %d pages", p.ID, n)
	}
	var out []*Page
	for _, pg := range p.Pages {
		if len(out) == n {
			break
		}
		if !pg.Burned {
			out = append(out, pg)
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("%w: pad %s has %s left, %d needed", ErrExhausted, p.ID, plural(len(out), "page"), n)
	}
	return out, nil
}

// Lookup returns the unburned page whose indicator is the given one: the
// page a receiver deciphers with. Otherwise it returns an error wrapping
// ErrUnknownIndicator.
func (p *Pad) Lookup(indicator string) (*Page, error) {
	if len(indicator) == GroupSize {
		for _, pg := range p.Pages {
			if !pg.Burned && len(pg.Digits) >= GroupSize && string(pg.Digits[:GroupSize]) == indicator {
				return pg, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: %q is not an unused page of pad %s (unknown, or already used and burned)",
		ErrUnknownIndicator, indicator, p.ID)
}

// Page returns the page numbered number, burned or not.
func (p *Pad) Page(number int) (*Page, error) {
	for _, pg := range p.Pages {
		if pg.Number == number {
			return pg, nil
		}
	}
	return nil, fmt.Errorf("pad %s has no page %d", p.ID, number)
}

// Remaining returns the number of unburned pages.
func (p *Pad) Remaining() int {
	n := 0
	for _, pg := range p.Pages {
		if !pg.Burned {
			n++
		}
	}
	return n
}

// Wipe zeroes the digits of every page (see Page.Wipe). The pad cannot be
// written out afterwards, unless every page was burned.
func (p *Pad) Wipe() {
	for _, pg := range p.Pages {
		pg.Wipe()
	}
}

// String describes the pad without key material, for example
// "pad LON-CEN-0001 LONDON->CENTRE (38 of 40 pages unused)".
func (p Pad) String() string {
	return fmt.Sprintf("pad %s %s->%s (%d of %s unused)", p.ID, p.From, p.To, p.Remaining(), plural(len(p.Pages), "page"))
}

// Format makes every fmt verb print String, so that formatting a Pad never
// shows its pages' digits.
func (p Pad) Format(f fmt.State, verb rune) { fmt.Fprint(f, p.String()) }

// LogValue implements slog.LogValuer: id, stations and page counts only.
func (p Pad) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", p.ID),
		slog.String("from", p.From),
		slog.String("to", p.To),
		slog.Int("pages", len(p.Pages)),
		slog.Int("remaining", p.Remaining()),
	)
}

// checkName validates a pad id or station name: non-empty UTF-8 text with
// no white space or control characters, so that it fits on a header line
// and in a transmission preamble.
func checkName(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("%s %q contains white space or a control character", what, s)
		}
	}
	return nil
}

// checkGroupsPerPage validates a page size.
func checkGroupsPerPage(n int) error {
	if n < MinGroupsPerPage || n > MaxGroupsPerPage {
		return fmt.Errorf("groups-per-page %d: want %d to %d", n, MinGroupsPerPage, MaxGroupsPerPage)
	}
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
