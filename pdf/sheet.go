package pdf

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/text/encoding/charmap"
)

// PageSize is the paper a document is printed on.
type PageSize string

// Paper sizes (ISO 216, portrait).
const (
	A4 PageSize = "A4" // 210 x 297 mm: the default for telegram copies
	A5 PageSize = "A5" // 148 x 210 mm: the default for pad books
	A6 PageSize = "A6" // 105 x 148 mm: a pocket pad book
)

// dims returns the width and height of the paper in millimetres.
func (s PageSize) dims() (w, h float64, err error) {
	switch PageSize(strings.ToUpper(string(s))) {
	case A4:
		return 210, 297, nil
	case A5:
		return 148, 210, nil
	case A6:
		return 105, 148, nil
	}
	return 0, 0, fmt.Errorf("page size %q: want A4, A5 or A6", string(s))
}

// Epoch is the creation date written into a document whose options give
// none, so that the output does not depend on the clock.
var Epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// DefaultClassification marks a pad book whose options give none.
const DefaultClassification = "TOP SECRET"

// Font families.
const (
	courier = "Courier" // core font, Windows-1252
	goMono  = "GoMono"  // embedded UTF-8 font, for other characters
)

// mmPerPt converts a font size in points to millimetres.
const mmPerPt = 25.4 / 72

// monoAdvance is the advance of every glyph of Courier and Go Mono, in ems.
const monoAdvance = 0.6

// sheet wraps an fpdf document with the office's conventions: millimetres,
// no automatic page breaks, one monospaced family, fixed metadata.
type sheet struct {
	f       *fpdf.Fpdf
	w, h    float64 // page size in mm
	unicode bool    // Go Mono instead of Courier
	enc     func(string) string
}

// newSheet starts a document. texts are all the strings it will print: if
// any holds a character outside Windows-1252, the document uses Go Mono.
func newSheet(size PageSize, date time.Time, compress bool, title string, texts ...string) (*sheet, error) {
	w, h, err := size.dims()
	if err != nil {
		return nil, err
	}
	if date.IsZero() {
		date = Epoch
	}
	date = date.UTC()
	f := fpdf.NewCustom(&fpdf.InitType{
		OrientationStr: "P",
		UnitStr:        "mm",
		Size:           fpdf.SizeType{Wd: w, Ht: h},
	})
	f.SetCreationDate(date)
	f.SetModificationDate(date)
	f.SetCatalogSort(true)
	f.SetCompression(compress)
	f.SetProducer("ciphergram", false)
	f.SetCreator("ciphergram", false)
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(0, 0, 0)
	s := &sheet{f: f, w: w, h: h, enc: encode1252}
	if !fits1252(title) || !fits1252(texts...) {
		s.unicode = true
		s.enc = func(t string) string { return t }
		// fpdf v0.9.0 writes into the font bytes it is given while it cuts
		// the subset (it appends to slices of them), which changes the
		// next document's font: each document gets copies.
		f.AddUTF8FontFromBytes(goMono, "", bytes.Clone(gomono.TTF))
		f.AddUTF8FontFromBytes(goMono, "B", bytes.Clone(gomonobold.TTF))
	}
	f.SetTitle(title, true)
	return s, f.Error()
}

// fits1252 reports whether Windows-1252 (and so Courier) holds every
// character of texts.
func fits1252(texts ...string) bool {
	for _, t := range texts {
		for _, r := range t {
			if r >= utf8.RuneSelf {
				if _, ok := charmap.Windows1252.EncodeRune(r); !ok {
					return false
				}
			}
		}
	}
	return true
}

// encode1252 turns text into the Windows-1252 bytes that a core font
// expects; newSheet has checked that every character has one.
func encode1252(t string) string {
	var b []byte
	for _, r := range t {
		if r < utf8.RuneSelf {
			b = append(b, byte(r))
		} else if c, ok := charmap.Windows1252.EncodeRune(r); ok {
			b = append(b, c)
		} else {
			b = append(b, '?')
		}
	}
	return string(b)
}

// font selects the monospaced family at size pt, bold or regular.
func (s *sheet) font(bold bool, pt float64) {
	family, style := courier, ""
	if s.unicode {
		family = goMono
	}
	if bold {
		style = "B"
	}
	s.f.SetFont(family, style, pt)
}

// charWidth is the advance of one character at size pt, in mm.
func charWidth(pt float64) float64 { return monoAdvance * pt * mmPerPt }

// textWidth is the width of t at size pt, in mm.
func textWidth(t string, pt float64) float64 {
	return float64(utf8.RuneCountInString(t)) * charWidth(pt)
}

// text writes t with its baseline at y, starting at x.
func (s *sheet) text(x, y float64, t string) {
	s.f.Text(x, y, s.enc(t))
}

// centre writes t centred between x0 and x1 at size pt, bold or not,
// shrinking the size until it fits.
func (s *sheet) centre(x0, x1, y float64, t string, bold bool, pt float64) {
	pt = fitSize(t, pt, x1-x0)
	s.font(bold, pt)
	s.text((x0+x1-textWidth(t, pt))/2, y, t)
}

// right writes t ending at x.
func (s *sheet) right(x, y float64, t string, bold bool, pt float64) {
	s.font(bold, pt)
	s.text(x-textWidth(t, pt), y, t)
}

// left writes t starting at x, shrinking it to fit in width.
func (s *sheet) left(x, y, width float64, t string, bold bool, pt float64) {
	pt = fitSize(t, pt, width)
	s.font(bold, pt)
	s.text(x, y, t)
}

// fitSize returns pt, or the size at which t just fits in width if that is
// smaller.
func fitSize(t string, pt, width float64) float64 {
	if w := textWidth(t, pt); w > width && w > 0 {
		return pt * width / w
	}
	return pt
}

// grey sets the colours for a filled, ruled box: fill at level fill
// (0 black, 255 white), lines at level line.
func (s *sheet) grey(fill, line int) {
	s.f.SetFillColor(fill, fill, fill)
	s.f.SetDrawColor(line, line, line)
}

// ink sets the text colour to a grey level.
func (s *sheet) ink(level int) { s.f.SetTextColor(level, level, level) }

// rule draws a horizontal line from x0 to x1 at y.
func (s *sheet) rule(x0, x1, y, width float64) {
	s.f.SetLineWidth(width)
	s.f.Line(x0, y, x1, y)
}

// write finishes the document into w.
func (s *sheet) write(w io.Writer) error {
	if err := s.f.Error(); err != nil {
		return err
	}
	return s.f.Output(w)
}

// wrap cuts a line into pieces of at most cols characters, at spaces where
// it can: the spaces a line breaks at are dropped, other spaces kept, so
// that a monospaced layout inside a piece is unchanged. A word longer than
// cols is cut. An empty line gives one empty piece.
func wrap(line string, cols int) []string {
	r := []rune(line)
	if len(r) <= cols {
		return []string{line}
	}
	var out []string
	for len(r) > cols {
		cut := -1
		for i := cols; i > 0; i-- {
			if r[i] == ' ' {
				cut = i
				break
			}
		}
		if cut <= 0 || strings.TrimSpace(string(r[:cut])) == "" {
			out = append(out, string(r[:cols]))
			r = r[cols:]
			continue
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " "))
		r = r[cut:]
		for len(r) > 0 && r[0] == ' ' {
			r = r[1:]
		}
	}
	if len(r) > 0 {
		out = append(out, string(r))
	}
	return out
}

// printable replaces tabs by spaces (to the next multiple of 8) and other
// control characters by '?', which a font has no glyph for.
func printable(line string) string {
	if !strings.ContainsFunc(line, unicode.IsControl) {
		return line
	}
	var b strings.Builder
	col := 0
	for _, r := range line {
		switch {
		case r == '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		case unicode.IsControl(r):
			r = '?'
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}
