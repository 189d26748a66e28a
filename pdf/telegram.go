package pdf

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"ciphergram/telegram"
)

// DefaultCaveat is the handling caveat of a telegram copy whose telegram
// gives none.
const DefaultCaveat = "Removal of copies prohibited"

// CopyOptions are the choices for TelegramCopy.
type CopyOptions struct {
	// PageSize is A4 (the default, when empty) or A5.
	PageSize PageSize

	// Footer, if not empty, is printed at the foot of every page, for
	// example "Issued to reader1 on 23 April 1941 at 09:10".
	Footer string

	// Date is the document's creation date; Epoch when zero.
	Date time.Time

	// Compress deflates the content streams (see PadBookOptions).
	Compress bool
}

// TelegramCopy writes a numbered copy of a registered telegram in PDF. Every
// page is marked at the top with the classification, the caveat, the
// registry number and "Copy No. N" (r.Copy; "REGISTRY RECORD" for copy 0),
// and at the foot with opts.Footer, the page number and the classification
// again. The body is r.Render() line for line in a monospaced face, long
// lines wrapped at spaces, over as many pages as it needs.
//
// An empty r.Classification is marked DefaultClassification, an empty
// r.Caveat DefaultCaveat (the body is Render's text as it is). The same
// telegram and options give the same bytes.
func TelegramCopy(w io.Writer, r *telegram.Registered, opts CopyOptions) error {
	if r == nil {
		return errors.New("telegram copy: no telegram")
	}
	if r.Copy < 0 {
		return fmt.Errorf("telegram copy: copy number %d: want 1 or more, or 0 for the registry's record", r.Copy)
	}
	if opts.PageSize == "" {
		opts.PageSize = A4
	}
	c := &telegramCopy{
		class:  orDefault(r.Classification, DefaultClassification),
		caveat: orDefault(r.Caveat, DefaultCaveat),
		copyNo: "REGISTRY RECORD",
		footer: printable(opts.Footer),
	}
	if len(r.Numbers) > 0 {
		c.reg = "Reg. No. " + joinInts(r.Numbers)
	}
	if r.Copy > 0 {
		c.copyNo = "Copy No. " + strconv.Itoa(r.Copy)
	}
	var body []string
	for _, l := range strings.Split(strings.TrimRight(r.Render(), "\n"), "\n") {
		body = append(body, printable(l))
	}
	title := "Cipher telegram, " + strings.ToLower(c.copyNo[:1]) + c.copyNo[1:]
	if len(r.Numbers) > 0 {
		title = fmt.Sprintf("Cipher telegram No. %s, %s", joinInts(r.Numbers), strings.ToLower(c.copyNo[:1])+c.copyNo[1:])
	}
	s, err := newSheet(opts.PageSize, opts.Date, opts.Compress, title,
		append(body, c.class, c.caveat, c.reg, c.footer)...)
	if err != nil {
		return fmt.Errorf("telegram copy: %w", err)
	}
	c.sheet, c.u = s, s.w/210
	c.print(body)
	if err := s.write(w); err != nil {
		return fmt.Errorf("telegram copy: %w", err)
	}
	return nil
}

// telegramCopy lays out one copy. Lengths are given for A4 and scaled by u.
type telegramCopy struct {
	*sheet
	u                                  float64
	class, caveat, reg, copyNo, footer string
}

const (
	copyMargin   = 20.0 // left and right margin, on A4
	copyBodyTop  = 38.0 // baseline of the first body line, on A4
	copyBodyFoot = 30.0 // room below the last body line, on A4
	copyBodyPt   = 11.0 // body font size, on A4
	copyLeading  = 1.45 // line pitch, in font sizes
)

// print lays the body out in pages and prints them.
func (c *telegramCopy) print(body []string) {
	u := c.u
	pt := copyBodyPt * u
	x0, x1 := copyMargin*u, c.w-copyMargin*u
	cols := int((x1 - x0) / charWidth(pt))
	var lines []string
	for _, l := range body {
		lines = append(lines, wrap(l, cols)...)
	}
	pitch := copyLeading * pt * mmPerPt
	perPage := int((c.h-copyBodyFoot*u-copyBodyTop*u)/pitch) + 1
	var pages [][]string
	for len(lines) > 0 {
		n := min(perPage, len(lines))
		pages = append(pages, lines[:n])
		lines = lines[n:]
		for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
			lines = lines[1:] // no page starts with a blank line
		}
	}
	for i, page := range pages {
		c.f.AddPage()
		c.marking(i+1, len(pages))
		c.ink(0)
		c.font(false, pt)
		for j, l := range page {
			c.text(x0, copyBodyTop*u+float64(j)*pitch, l)
		}
	}
}

// marking prints the top and foot of a page.
func (c *telegramCopy) marking(page, pages int) {
	u := c.u
	x0, x1 := copyMargin*u, c.w-copyMargin*u
	c.ink(0)
	c.grey(255, 0)
	c.centre(x0+45*u, x1-45*u, 14*u, c.class, true, 14*u)
	c.centre(x0+45*u, x1-45*u, 20.5*u, c.caveat, false, 9*u)
	if c.reg != "" {
		c.left(x0, 14*u, 44*u, c.reg, false, 9*u)
	}

	// The copy number boxed at the top right.
	pt := fitSize(c.copyNo, 11*u, 42*u)
	bw := textWidth(c.copyNo, pt) + 4*u
	c.f.SetLineWidth(0.6 * u)
	c.f.Rect(x1-bw, 8.5*u, bw, 8*u, "D")
	c.right(x1-2*u, 14.2*u, c.copyNo, true, pt)
	c.rule(x0, x1, 25*u, 0.4*u)

	c.rule(x0, x1, c.h-22*u, 0.4*u)
	num := fmt.Sprintf("Page %d of %d", page, pages)
	c.ink(60)
	if c.footer != "" {
		c.left(x0, c.h-17*u, x1-x0-textWidth(num, 8*u)-6*u, c.footer, false, 8*u)
	}
	c.right(x1, c.h-17*u, num, false, 8*u)
	c.ink(0)
	c.centre(x0, x1, c.h-9*u, c.class, true, 14*u)
}

func orDefault(s, dflt string) string {
	if strings.TrimSpace(s) == "" {
		return dflt
	}
	return printable(s)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
