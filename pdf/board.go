package pdf

import (
	"slices"
	"strings"

	"ciphergram/codebook"
)

// boardSymbols are the characters a checkerboard file may give a code (see
// codebook.ParseCheckerboard), besides the keywords SPACE, PARAGRAPH and
// CODE.
const boardSymbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" +
	"АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ" +
	"0123456789" + `.,:;?!"'()-/`

// Labels of the keyword symbols in the table.
const (
	labelSpace     = "SPC"
	labelParagraph = "PAR"
	labelCode      = "CODE"
)

// boardCell is one code of a board and what it stands for.
type boardCell struct{ code, label string }

// boardTable is a checkerboard as printed: its codes, found through the
// board's exported methods, since codebook keeps its table to itself.
type boardTable struct {
	name, id string
	cells    []boardCell // in codeOrder
	byCode   map[string]string
	rows     []string // prefixes of the codes, "" first, in codeOrder
}

// tableOf reads the table of a board: each symbol's code by encoding it
// alone, SPACE from the filler, PARAGRAPH from a blank line between two
// symbols, and CODE by decoding candidate codes followed by "000".
func tableOf(b *codebook.Checkerboard) *boardTable {
	t := &boardTable{name: b.Name(), id: b.ID(), byCode: map[string]string{}}
	add := func(code, label string) {
		if code != "" && t.byCode[code] == "" {
			t.byCode[code] = label
			t.cells = append(t.cells, boardCell{code, label})
		}
	}
	space := b.Filler()
	add(space, labelSpace)
	var probe, probeCode string
	for _, r := range boardSymbols {
		code, err := b.EncodeDigits(string(r))
		if err != nil || code == "" {
			continue
		}
		add(code, string(r))
		if probe == "" {
			probe, probeCode = string(r), code
		}
	}
	if probe != "" {
		if d, err := b.EncodeDigits(probe + "\n\n" + probe); err == nil {
			if mid := strings.TrimSuffix(strings.TrimPrefix(d, probeCode), probeCode); mid != space {
				add(mid, labelParagraph)
			}
		}
	}
	if code := t.findCode(b); code != "" {
		add(code, labelCode)
	}
	slices.SortFunc(t.cells, func(a, b boardCell) int { return codeOrder(a.code, b.code) })
	seen := map[string]bool{}
	for _, c := range t.cells {
		p := c.code[:len(c.code)-1]
		if !seen[p] {
			seen[p] = true
			t.rows = append(t.rows, p)
		}
	}
	slices.SortFunc(t.rows, prefixOrder)
	return t
}

// findCode returns the code of the CODE symbol, or "": the shortest digit
// string, clear of the codes found so far, that decodes with "000" after it
// as a code group.
func (t *boardTable) findCode(b *codebook.Checkerboard) string {
	cands := []string{""}
	for range 4 {
		var next []string
		for _, p := range cands {
			for _, d := range columnOrder {
				s := p + string(d)
				switch {
				case t.isCode(s):
				case t.isPrefix(s):
					next = append(next, s)
				case b.DecodeDigits(s+"000") == "[CODE 000]":
					return s
				default:
					next = append(next, s)
				}
			}
		}
		cands = next
	}
	return ""
}

func (t *boardTable) isCode(s string) bool { return t.byCode[s] != "" }

// isPrefix reports whether s leads longer codes.
func (t *boardTable) isPrefix(s string) bool {
	for _, c := range t.cells {
		if len(c.code) > len(s) && strings.HasPrefix(c.code, s) {
			return true
		}
	}
	return false
}

// columnOrder is the order of the table's columns, the last figure of a
// code; rowOrder that of its rows, the figures before it. On CT-46 this
// puts B to M in row 7 and the figures, row 0, last.
const (
	columnOrder = "0123456789"
	rowOrder    = "1234567890"
)

// prefixOrder orders row prefixes: shorter first, then figure by figure in
// rowOrder.
func prefixOrder(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	for i := range len(a) {
		if d := strings.IndexByte(rowOrder, a[i]) - strings.IndexByte(rowOrder, b[i]); d != 0 {
			return d
		}
	}
	return 0
}

// codeOrder orders codes as the table reads: row by row, then by column.
func codeOrder(a, b string) int {
	if d := prefixOrder(a[:len(a)-1], b[:len(b)-1]); d != 0 {
		return d
	}
	return int(a[len(a)-1]) - int(b[len(b)-1])
}

// texts returns every string the card prints from the board.
func (t *boardTable) texts() []string {
	out := []string{t.name, t.id}
	for _, c := range t.cells {
		out = append(out, c.label)
	}
	return out
}

// listing writes the board as "A=1 E=2 ... SPC=90 ...".
func (t *boardTable) listing() string {
	var parts []string
	for _, c := range t.cells {
		parts = append(parts, c.label+"="+c.code)
	}
	return strings.Join(parts, " ")
}

// boardCard prints the checkerboard card of a pad book: the table, a row
// for each prefix and a column for each last digit, then the legend and the
// codes as a list.
func (b *padBook) boardCard(t *boardTable) {
	u := b.u
	x0, x1 := margin*u, b.w-margin*u
	b.f.AddPage()
	b.classification(b.opts.Classification)
	b.centre(x0, x1, 28*u, "STRADDLING CHECKERBOARD", true, 15*u)
	b.centre(x0, x1, 38*u, t.name, true, 14*u)
	b.ink(80)
	b.centre(x0, x1, 44*u, "BOARD ID "+t.id, false, 7*u)
	b.ink(0)

	// Squares of 9 mm on A5, smaller if the rows would run into the legend.
	top := 50 * u
	cw, ch := (x1-x0)/11, min(9*u, (b.h-75*u-top)/float64(len(t.rows)+1))
	pt := min(10*u, 0.55*ch/mmPerPt)
	mid := ch/2 + 0.35*pt*mmPerPt // baseline below a square's top
	b.f.SetLineWidth(0.25 * u)
	// Header: the last digit of the code.
	for i, d := range columnOrder {
		x := x0 + float64(i+1)*cw
		b.grey(200, 0)
		b.f.Rect(x, top, cw, ch, "FD")
		b.centre(x, x+cw, top+mid, string(d), true, pt)
	}
	y := top + ch
	for _, row := range t.rows {
		b.grey(200, 0)
		b.f.Rect(x0, y, cw, ch, "FD")
		b.centre(x0, x0+cw, y+mid, row, true, pt)
		for i, d := range columnOrder {
			x := x0 + float64(i+1)*cw
			code := row + string(d)
			switch {
			case t.isPrefix(code):
				b.grey(120, 0)
				b.f.Rect(x, y, cw, ch, "FD")
			default:
				b.grey(255, 0)
				b.f.Rect(x, y, cw, ch, "D")
			}
			if l := t.byCode[code]; l != "" {
				b.centre(x+0.5*u, x+cw-0.5*u, y+mid, l, true, pt)
			}
		}
		y += ch
	}
	y += 8 * u
	legend := "Row and column give the code: the row's figures, then the column's. " +
		"Shaded squares lead to the rows below. SPC is the word space, also the filler of the last group"
	if t.hasLabel(labelParagraph) {
		legend += "; PAR a blank line"
	}
	if t.hasLabel(labelCode) {
		legend += "; CODE and three figures a code group"
	}
	y = b.paragraph(x0, x1, y, legend+".", false, 7.5*u, 5)
	b.paragraph(x0, x1, y+3*u, t.listing(), false, 7.5*u, 8)
}

func (t *boardTable) hasLabel(l string) bool {
	return slices.ContainsFunc(t.cells, func(c boardCell) bool { return c.label == l })
}
