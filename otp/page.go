package otp

import (
	"fmt"
	"log/slog"
)

// GroupSize is the number of digits in a pad group.
const GroupSize = 5

// MaxFailures is the number of failed authentication attempts after which a
// receiver burns a page (SPEC 6).
const MaxFailures = 3

// Page is one page of a one-time pad: GroupsPerPage five-digit groups held as
// one run of ASCII digits. Group 0 is the indicator, sent in clear; the other
// groups are key and must never be logged, printed or kept in a string.
//
// Digits is nil once the page is burned or wiped. String, Format and LogValue
// show only the number, the indicator, the burned flag and the failure count.
type Page struct {
	Number   int
	Digits   []byte // GroupSize*GroupsPerPage ASCII digits; nil once burned or wiped
	Burned   bool
	Failures int // failed authentication attempts recorded against this page
}

// Indicator returns group 0, the page's public indicator. A burned or wiped
// page has no digits, so its indicator is "".
func (p *Page) Indicator() string {
	if len(p.Digits) < GroupSize {
		return ""
	}
	return string(p.Digits[:GroupSize])
}

// Group returns a view (not a copy) of group i; group 0 is the indicator. It
// panics if the page has no digits (burned or wiped) or i is out of range:
// callers pick pages with Pad.Next or Pad.Lookup, which never return those.
func (p *Page) Group(i int) []byte {
	return p.Groups(i, 1)
}

// Groups returns a view of the digits of n consecutive groups starting at
// group from. The view's capacity ends with it, so appending to it copies
// instead of overwriting the next groups. It panics like Group.
func (p *Page) Groups(from, n int) []byte {
	if p.Digits == nil {
		panic(fmt.Sprintf("otp: page %d has no digits (burned or wiped)", p.Number))
	}
	count := len(p.Digits) / GroupSize
	if from < 0 || n < 0 || from+n > count {
		panic(fmt.Sprintf("otp: groups %d..%d out of range for page %d of %d groups", from, from+n-1, p.Number, count))
	}
	lo, hi := from*GroupSize, (from+n)*GroupSize
	return p.Digits[lo:hi:hi]
}

// Burn destroys the page: its digits are zeroed and dropped, and it is marked
// burned. Written out, the page becomes "PAGE n BURNED". Burning twice is
// harmless.
func (p *Page) Burn() {
	p.Wipe()
	p.Burned = true
}

// Wipe zeroes the page's digits in place, so that every view handed out by
// Group and Groups reads as zero bytes, and drops them. Unlike Burn it does
// not mark the page used: it is for clearing memory, as on closing a pad
// file. A wiped page that is not burned cannot be written out.
func (p *Page) Wipe() {
	clear(p.Digits)
	p.Digits = nil
}

// RecordFailure counts one failed authentication attempt against the page
// and burns it when MaxFailures is reached. It reports whether it burned the
// page.
func (p *Page) RecordFailure() (burned bool) {
	p.Failures++
	if p.Failures >= MaxFailures && !p.Burned {
		p.Burn()
		return true
	}
	return false
}

// String describes the page without key material, for example
// "page 3 (indicator 52009)" or "page 3 burned".
func (p Page) String() string {
	s := fmt.Sprintf("page %d", p.Number)
	switch {
	case p.Burned:
		s += " burned"
	case len(p.Digits) >= GroupSize:
		s += " (indicator " + string(p.Digits[:GroupSize]) + ")"
	default:
		s += " (wiped)"
	}
	if p.Failures > 0 {
		s += fmt.Sprintf(", %d failed authentications", p.Failures)
	}
	return s
}

// Format makes every fmt verb (%v, %+v, %#v, %x, %d, ...) print String, so
// that no formatting of a Page, or of a struct holding one, shows its digits.
func (p Page) Format(f fmt.State, verb rune) { fmt.Fprint(f, p.String()) }

// LogValue implements slog.LogValuer: the page as a group of number,
// indicator, burned and failures, never its digits.
func (p Page) LogValue() slog.Value {
	ind := ""
	if !p.Burned && len(p.Digits) >= GroupSize {
		ind = string(p.Digits[:GroupSize])
	}
	return slog.GroupValue(
		slog.Int("number", p.Number),
		slog.String("indicator", ind),
		slog.Bool("burned", p.Burned),
		slog.Int("failures", p.Failures),
	)
}
