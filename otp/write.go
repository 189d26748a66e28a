package otp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteTo writes the pad in the canonical form of SPEC 5: the version line,
// the id, from, to and groups-per-page lines, the notes, then each page as
// "PAGE n" and its groups ten to a line, or "PAGE n BURNED". A page with
// failed authentications gets a "# failed-authentications: n" line right
// after its PAGE line. Parse of the output gives back an equal pad.
//
// The pad is checked first, so that nothing is written for a pad that does
// not parse back (a wiped page, a duplicate indicator, a bad name). Key
// material passes through one fixed buffer that is wiped before returning.
func (p *Pad) WriteTo(w io.Writer) (int64, error) {
	if err := p.check(); err != nil {
		return 0, fmt.Errorf("pad %s: %w", p.ID, err)
	}
	b := &wipeBuffer{w: w, buf: make([]byte, 0, 16<<10)}
	defer b.wipe()
	b.line(HeaderLine)
	b.line("# id: " + p.ID)
	b.line("# from: " + p.From)
	b.line("# to: " + p.To)
	b.line("# groups-per-page: " + strconv.Itoa(p.GroupsPerPage))
	for _, n := range p.Notes {
		b.line(noteLine(n))
	}
	for _, pg := range p.Pages {
		p.writePage(b, pg)
	}
	b.flush()
	if b.err != nil {
		return b.n, fmt.Errorf("pad %s: writing: %w", p.ID, b.err)
	}
	return b.n, nil
}

func (p *Pad) writePage(b *wipeBuffer, pg *Page) {
	if pg.Burned {
		b.line("PAGE " + strconv.Itoa(pg.Number) + " BURNED")
	} else {
		b.line("PAGE " + strconv.Itoa(pg.Number))
	}
	if pg.Failures > 0 {
		b.line("# " + FailuresKey + ": " + strconv.Itoa(pg.Failures))
	}
	if pg.Burned {
		return
	}
	d := pg.Digits
	for len(d) > 0 {
		n := min(len(d), GroupsPerLine*GroupSize)
		b.room(n + n/GroupSize)
		for i := 0; i < n; i += GroupSize {
			if i > 0 {
				b.buf = append(b.buf, ' ')
			}
			b.buf = append(b.buf, d[i:i+GroupSize]...)
		}
		b.buf = append(b.buf, '\n')
		d = d[n:]
	}
}

// noteLine writes a header note as a comment line.
func noteLine(note string) string {
	if note == "" {
		return "#"
	}
	return "# " + note
}

// check reports why the pad cannot be written so that it parses back equal.
func (p *Pad) check() error {
	for _, f := range [][2]string{{"pad id", p.ID}, {"from", p.From}, {"to", p.To}} {
		if err := checkName(f[0], f[1]); err != nil {
			return err
		}
	}
	if err := checkGroupsPerPage(p.GroupsPerPage); err != nil {
		return err
	}
	for _, n := range p.Notes {
		t := bytes.TrimSpace([]byte(noteLine(n)))
		_, _, isKey := headerKey(n)
		if strings.Contains(n, "\n") || commentText(t) != n || isKey {
			return fmt.Errorf("note %q would not read back as a note", n)
		}
	}
	if len(p.Pages) == 0 {
		return errors.New("pad has no pages")
	}
	return p.checkPages()
}

func (p *Pad) checkPages() error {
	seen := map[string]int{}
	prev := 0
	for _, pg := range p.Pages {
		if pg.Number <= prev || !isDigits(strconv.Itoa(pg.Number)) {
			return fmt.Errorf("page number %d after %d: want ascending numbers from 1 to 999999999", pg.Number, prev)
		}
		prev = pg.Number
		if pg.Failures < 0 || !isDigits(strconv.Itoa(pg.Failures)) {
			return fmt.Errorf("page %d: failure count %d out of range", pg.Number, pg.Failures)
		}
		if pg.Burned {
			continue
		}
		if len(pg.Digits) != GroupSize*p.GroupsPerPage {
			return fmt.Errorf("page %d has %d digits, want %d (wiped?)", pg.Number, len(pg.Digits), GroupSize*p.GroupsPerPage)
		}
		for _, c := range pg.Digits {
			if c < '0' || c > '9' {
				return fmt.Errorf("page %d holds a byte that is not a digit (wiped?)", pg.Number)
			}
		}
		ind := pg.Indicator()
		if q, ok := seen[ind]; ok {
			return fmt.Errorf("page %d indicator %s repeats page %d", pg.Number, ind, q)
		}
		seen[ind] = pg.Number
	}
	return nil
}

// wipeBuffer batches writes through one buffer that never grows once key
// material is in it (room flushes first), and is wiped at the end.
type wipeBuffer struct {
	w   io.Writer
	buf []byte
	n   int64
	err error
}

// line appends s and a newline. Only non-secret lines go through line, so
// growing the buffer for a long note leaves no key material behind.
func (b *wipeBuffer) line(s string) {
	b.room(len(s) + 1)
	b.buf = append(b.buf, s...)
	b.buf = append(b.buf, '\n')
}

// room flushes the buffer unless k more bytes fit without reallocation.
func (b *wipeBuffer) room(k int) {
	if cap(b.buf)-len(b.buf) < k {
		b.flush()
	}
}

func (b *wipeBuffer) flush() {
	if b.err == nil && len(b.buf) > 0 {
		n, err := b.w.Write(b.buf)
		b.n += int64(n)
		b.err = err
	}
	clear(b.buf)
	b.buf = b.buf[:0]
}

func (b *wipeBuffer) wipe() {
	clear(b.buf[:cap(b.buf)])
}
