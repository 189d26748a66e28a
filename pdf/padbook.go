package pdf

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"ciphergram/codebook"
	"ciphergram/otp"
)

// Direction says whose copy of a pad a book is.
type Direction string

// The two copies of a pad: a pad serves one direction of one link.
const (
	Out Direction = "OUT" // the sender's copy, at the pad's From station
	In  Direction = "IN"  // the receiver's copy, at the pad's To station
)

// PadBookOptions are the choices for PadBook.
type PadBookOptions struct {
	// Direction is required: Out for the sender's copy, In for the
	// receiver's.
	Direction Direction

	// Classification is printed at the top and foot of every sheet;
	// DefaultClassification ("TOP SECRET") when empty.
	Classification string

	// PageSize is A5 (the default, when empty) or A6; A4 also works.
	PageSize PageSize

	// Checkerboard, if not nil, adds a last card with the board's table,
	// for a link that uses a straddling checkerboard (codebook.CT46()).
	Checkerboard *codebook.Checkerboard

	// Date is the document's creation date, and is printed on the cover;
	// when zero the document is dated Epoch and the cover shows no date.
	Date time.Time

	// Compress deflates the content streams. Off by default: the output
	// is then byte-identical whatever the Go release.
	Compress bool
}

// PadBook writes the pad as a pad book in PDF: a cover card, then one sheet
// for each unused page (its number and indicator large at the top, then the
// groups, indicator first, ten to a row, and "DESTROY AFTER USE" at the
// foot), then, if asked, a card with the checkerboard.
//
// Burned pages are not printed: their digits are gone. The cover lists
// their numbers under "DESTROYED BEFORE PRINTING". A page with so many
// groups that they do not fit on one sheet (more than 150 on A5, 140 on A6)
// runs on to further sheets, each headed with the page's number and
// indicator.
//
// PadBook fails, and writes nothing, if the direction is not In or Out, if
// every page is burned, or if an unburned page has no digits (wiped) or
// digits that do not make GroupsPerPage groups. Its errors never hold key
// material. The same pad and options give the same bytes.
func PadBook(w io.Writer, p *otp.Pad, opts PadBookOptions) error {
	if p == nil {
		return errors.New("pad book: no pad")
	}
	if err := checkPad(p, opts.Direction); err != nil {
		return fmt.Errorf("pad book %s: %w", p.ID, err)
	}
	if opts.Classification == "" {
		opts.Classification = DefaultClassification
	}
	if opts.PageSize == "" {
		opts.PageSize = A5
	}
	var board *boardTable
	texts := append([]string{p.ID, p.From, p.To, opts.Classification}, p.Notes...)
	if opts.Checkerboard != nil {
		board = tableOf(opts.Checkerboard)
		texts = append(texts, board.texts()...)
	}
	title := fmt.Sprintf("One-way pad %s %s", p.ID, opts.Direction)
	s, err := newSheet(opts.PageSize, opts.Date, opts.Compress, title, texts...)
	if err != nil {
		return fmt.Errorf("pad book %s: %w", p.ID, err)
	}
	b := &padBook{sheet: s, pad: p, opts: opts, u: s.w / 148}
	b.cover()
	for _, pg := range p.Pages {
		if !pg.Burned {
			b.page(pg)
		}
	}
	if board != nil {
		b.boardCard(board)
	}
	if err := s.write(w); err != nil {
		return fmt.Errorf("pad book %s: %w", p.ID, err)
	}
	return nil
}

// checkPad makes sure that every sheet can be printed before one is.
func checkPad(p *otp.Pad, dir Direction) error {
	if dir != Out && dir != In {
		return fmt.Errorf("direction %q: want pdf.Out (the sender's copy) or pdf.In (the receiver's)", string(dir))
	}
	if p.GroupsPerPage < 1 {
		return fmt.Errorf("%d groups per page", p.GroupsPerPage)
	}
	unused := 0
	for _, pg := range p.Pages {
		if pg == nil {
			return errors.New("a page is nil")
		}
		if pg.Burned {
			continue
		}
		unused++
		switch {
		case pg.Digits == nil:
			return fmt.Errorf("page %d has no digits (wiped) but is not burned", pg.Number)
		case len(pg.Digits) != otp.GroupSize*p.GroupsPerPage:
			return fmt.Errorf("page %d has %d digits, want %d", pg.Number, len(pg.Digits), otp.GroupSize*p.GroupsPerPage)
		}
		for _, c := range pg.Digits {
			if c < '0' || c > '9' {
				return fmt.Errorf("page %d holds a character that is not a digit", pg.Number)
			}
		}
	}
	if unused == 0 {
		return fmt.Errorf("no unused page to print: all %d pages are burned", len(p.Pages))
	}
	return nil
}

// padBook lays out the sheets of one pad book. Lengths are given for A5 and
// scaled by u for the page size.
type padBook struct {
	*sheet
	pad  *otp.Pad
	opts PadBookOptions
	u    float64
}

const (
	margin     = 10.0 // left and right margin, on A5
	groupGap   = 1.5  // space between groups, in characters
	rowLeading = 2.3  // row pitch, in font sizes
	gridTop    = 62.0 // top of the first row of groups, on A5
	footHeight = 31.0 // room kept at the foot of a pad page, on A5
)

// cover prints the cover card.
func (b *padBook) cover() {
	u, p, o := b.u, b.pad, b.opts
	b.f.AddPage()
	x0, x1 := margin*u, b.w-margin*u
	b.grey(255, 0)
	b.f.SetLineWidth(0.7 * u)
	b.f.Rect(5*u, 5*u, b.w-10*u, b.h-10*u, "D")
	b.f.SetLineWidth(0.2 * u)
	b.f.Rect(6.5*u, 6.5*u, b.w-13*u, b.h-13*u, "D")
	b.classification(o.Classification)

	b.centre(x0, x1, 36*u, "ONE-WAY PAD", true, 24*u)

	// The direction in a box: white on black for the sender's copy,
	// black on white for the receiver's, so that the two are not mixed up.
	bw, bx, by, bh := 62*u, (b.w-62*u)/2, 45*u, 30*u
	b.f.SetLineWidth(1.2 * u)
	if o.Direction == Out {
		b.grey(0, 0)
		b.f.Rect(bx, by, bw, bh, "FD")
		b.ink(255)
	} else {
		b.grey(255, 0)
		b.f.Rect(bx, by, bw, bh, "D")
	}
	b.centre(bx, bx+bw, by+bh/2+15*mmPerPt*u, string(o.Direction), true, 44*u)
	b.ink(0)
	whose := "SENDER'S COPY"
	if o.Direction == In {
		whose = "RECEIVER'S COPY"
	}
	b.centre(x0, x1, 83*u, whose, false, 9*u)

	b.centre(x0, x1, 100*u, "PAD "+p.ID, true, 16*u)
	b.centre(x0, x1, 111*u, p.From+" -> "+p.To, true, 13*u)
	b.grey(255, 0)
	b.rule(x0+15*u, x1-15*u, 117*u, 0.3*u)

	var used, unused []int
	for _, pg := range p.Pages {
		if pg.Burned {
			used = append(used, pg.Number)
		} else {
			unused = append(unused, pg.Number)
		}
	}
	y := 126 * u
	b.centre(x0, x1, y, fmt.Sprintf("%s OF %d GROUPS", plural(len(p.Pages), "PAGE"), p.GroupsPerPage), true, 10*u)
	y = b.paragraph(x0, x1, y+6*u, "PAGES IN THIS BOOK: "+ranges(unused), false, 8*u, 3)
	if len(used) > 0 {
		y = b.paragraph(x0, x1, y, "DESTROYED BEFORE PRINTING: "+ranges(used), false, 8*u, 3)
	}
	for _, n := range p.Notes {
		y = b.paragraph(x0, x1, y, "NOTE: "+n, true, 8*u, 2)
	}

	instr := "Encipher with the pages in order, lowest number first. " +
		"Send the indicator in clear. Burn each page before the telegram leaves."
	if o.Direction == In {
		instr = "Find the page by the indicator sent in clear; pages may come in any order. " +
			"Burn each page as soon as its telegram is read."
	}
	b.paragraph(x0+3*u, x1-3*u, max(y+5*u, 152*u), instr, false, 8.5*u, 4)
	if !o.Date.IsZero() {
		b.centre(x0, x1, b.h-17*u, "PRINTED "+strings.ToUpper(o.Date.Format("2 January 2006")), false, 7*u)
	}
}

// paragraph prints t centred between x0 and x1 from baseline y on, wrapped
// at spaces onto at most maxLines lines (the size shrinks if it needs more),
// and returns the baseline of the line after it.
func (b *padBook) paragraph(x0, x1, y float64, t string, bold bool, pt float64, maxLines int) float64 {
	lines := wrap(t, int((x1-x0)/charWidth(pt)))
	for len(lines) > maxLines && pt > 3 {
		pt *= 0.9
		lines = wrap(t, int((x1-x0)/charWidth(pt)))
	}
	for _, l := range lines {
		b.centre(x0, x1, y, l, bold, pt)
		y += 1.5 * pt * mmPerPt
	}
	return y + 0.6*pt*mmPerPt
}

// classification prints the classification at the top and the foot.
func (b *padBook) classification(c string) {
	u := b.u
	b.ink(0)
	b.centre(margin*u, b.w-margin*u, 13*u, c, true, 10*u)
	b.centre(margin*u, b.w-margin*u, b.h-9*u, c, true, 10*u)
}

// page prints one pad page, on as many sheets as its groups need.
func (b *padBook) page(pg *otp.Page) {
	u, n := b.u, b.pad.GroupsPerPage
	x0, x1 := margin*u, b.w-margin*u
	cw := (x1 - x0) / (otp.GroupsPerLine*otp.GroupSize + (otp.GroupsPerLine-1)*groupGap)
	pt := cw / (monoAdvance * mmPerPt)
	pitch := rowLeading * pt * mmPerPt
	perSheet := max(1, int((b.h-footHeight*u-gridTop*u)/pitch)) * otp.GroupsPerLine
	sheets := (n + perSheet - 1) / perSheet
	for sh := 0; sh < sheets; sh++ {
		b.f.AddPage()
		b.pageHead(pg, sh, sheets)
		first := sh * perSheet
		last := min(n, first+perSheet)
		for g := first; g < last; g++ {
			row, col := (g-first)/otp.GroupsPerLine, g%otp.GroupsPerLine
			x := x0 + float64(col)*cw*(otp.GroupSize+groupGap)
			top := gridTop*u + float64(row)*pitch
			if col == 0 && row%2 == 1 {
				b.grey(232, 232)
				b.f.Rect(x0-1.5*u, top, x1-x0+3*u, pitch, "F")
			}
			if g == 0 {
				b.grey(255, 0)
				b.f.SetLineWidth(0.4 * u)
				b.f.Rect(x-0.35*cw, top+0.1*pitch, (otp.GroupSize+0.7)*cw, 0.8*pitch, "D")
			}
			b.font(true, pt)
			b.text(x, top+0.5*pitch+0.33*pt*mmPerPt, string(pg.Group(g)))
		}
		b.pageFoot(pg)
	}
}

// pageHead prints the top of a pad page's sheet: classification, the pad,
// and the page number and indicator, large.
func (b *padBook) pageHead(pg *otp.Page, sheet, sheets int) {
	u, p := b.u, b.pad
	x0, x1 := margin*u, b.w-margin*u
	b.classification(b.opts.Classification)
	b.ink(80)
	b.centre(x0, x1, 18.5*u, fmt.Sprintf("ONE-WAY PAD %s   %s   %s -> %s", p.ID, b.opts.Direction, p.From, p.To), false, 7*u)
	b.ink(0)
	b.grey(255, 0)
	b.rule(x0, x1, 21*u, 0.3*u)

	top, height := 25*u, 28*u
	split := x0 + 42*u
	b.f.SetLineWidth(0.3 * u)
	b.f.Rect(x0, top, split-x0, height, "D")
	b.f.SetLineWidth(1.0 * u)
	b.f.Rect(split+3*u, top, x1-split-3*u, height, "D")
	b.ink(80)
	b.centre(x0, split, top+6*u, "PAGE", false, 7*u)
	b.centre(split+3*u, x1, top+6*u, "INDICATOR", false, 7*u)
	b.ink(0)
	b.centre(x0+2*u, split-2*u, top+22*u, strconv.Itoa(pg.Number), true, 30*u)
	b.centre(split+5*u, x1-2*u, top+22*u, pg.Indicator(), true, 34*u)
	if sheets > 1 {
		b.ink(80)
		b.centre(x0, x1, gridTop*u-3.5*u, fmt.Sprintf("SHEET %d OF %d OF PAGE %d", sheet+1, sheets, pg.Number), false, 7*u)
		b.ink(0)
	}
}

// pageFoot prints the foot of a pad page's sheet.
func (b *padBook) pageFoot(pg *otp.Page) {
	u := b.u
	x0, x1 := margin*u, b.w-margin*u
	y := b.h - 27*u
	b.grey(0, 0)
	b.f.Rect(x0+18*u, y, x1-x0-36*u, 9*u, "F")
	b.ink(255)
	b.centre(x0+18*u, x1-18*u, y+6.2*u, "DESTROY AFTER USE", true, 13*u)
	b.ink(110)
	b.centre(x0, x1, b.h-14*u, fmt.Sprintf("%s   PAGE %d OF %d", b.pad.ID, pg.Number, len(b.pad.Pages)), false, 6.5*u)
	b.ink(0)
}

// ranges writes page numbers as "1-12, 15, 17-18".
func ranges(ns []int) string {
	if len(ns) == 0 {
		return "NONE"
	}
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(ns[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", ns[i], ns[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %sS", n, noun)
}
