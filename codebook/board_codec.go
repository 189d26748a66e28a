package codebook

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"ciphergram/groups"
)

// EncodeDigits turns text into the board's digits. The text is normalised as
// for a codebook (capitals, plain quotes and dashes, Latin letters without
// diacritics); each letter, figure and punctuation mark becomes its code,
// each run of white space one SPACE (or PARAGRAPH, if the board has one and
// the run holds a blank line), and white space at either end is dropped. A
// character the board has no code for is a *TextError.
func (b *Checkerboard) EncodeDigits(text string) (string, error) {
	gs, err := normalize(text, make([]glyph, 0, len(text)))
	if err != nil {
		return "", err
	}
	var out strings.Builder
	out.Grow(2 * len(gs))
	newlines, space := 0, false
	for _, g := range gs {
		switch g.r {
		case '\n':
			newlines++
			fallthrough
		case ' ':
			space = out.Len() > 0
			continue
		}
		if space {
			if newlines >= 2 && b.para != "" {
				out.WriteString(b.para)
			} else {
				out.WriteString(b.space)
			}
		}
		newlines, space = 0, false
		code := b.code(g.r)
		if code == "" {
			return "", textError(text, g.off, "cannot be encoded with checkerboard "+b.name)
		}
		out.WriteString(code)
	}
	return out.String(), nil
}

// code returns the code of a character, or "".
func (b *Checkerboard) code(r rune) string {
	if r < 128 {
		return b.ascii[r]
	}
	return b.other[r]
}

// DecodeDigits turns digits back into text: capitals, SPACE as a space,
// PARAGRAPH as a blank line, CODE and the 3 digits after it as
// "[CODE nnn]". Trailing spaces and padding (a final incomplete code that
// is a prefix of the filler digits, cycled) are dropped.
//
// It never fails. A '?' (or any non-digit) marks a digit lost in
// transmission, and a digit sequence with no code is unreadable too: the
// decoder skips the code it spoils and the whole run of lost digits, writes
// "[n groups unrecovered]" (n counting the 5-digit transmission groups the
// skipped digits touch; adjacent skips merge), and resumes decoding at the
// next digit.
func (b *Checkerboard) DecodeDigits(digits string) string {
	d := boardDecoder{b: b, digits: digits}
	for d.pos < len(digits) && d.step() {
	}
	d.flushLost()
	return strings.TrimRight(d.out.String(), " \n")
}

// A boardDecoder holds the state of DecodeDigits.
type boardDecoder struct {
	b                   *Checkerboard
	digits              string
	pos                 int // start of the next code
	out                 strings.Builder
	lostFirst, lostLast int  // 5-digit groups skipped since the last symbol
	lost                bool // lostFirst..lostLast is pending
	spaceDue            bool // a marker was written: space before the next symbol
}

// step decodes the code at d.pos. It returns false when the digits run out
// in the middle of a code.
func (d *boardDecoder) step() bool {
	trie := d.b.trie
	n := int32(0)
	for j := d.pos; ; j++ {
		if j == len(d.digits) {
			d.tail()
			return false
		}
		c := d.digits[j]
		if c < '0' || c > '9' || trie[n].next[c-'0'] == 0 {
			d.skip(j, j+1)
			return true
		}
		n = trie[n].next[c-'0']
		if trie[n].leaf {
			return d.symbol(trie[n].sym, j+1)
		}
	}
}

// symbol writes the symbol whose code ends before end.
func (d *boardDecoder) symbol(sym rune, end int) bool {
	if sym == symCode {
		if end+3 > len(d.digits) {
			d.tail()
			return false
		}
		for j := end; j < end+3; j++ {
			if c := d.digits[j]; c < '0' || c > '9' {
				d.skip(j, end+3)
				return true
			}
		}
	}
	d.flushLost()
	switch sym {
	case symSpace:
		d.out.WriteByte(' ')
	case symParagraph:
		d.out.WriteString("\n\n")
	case symCode:
		d.writeSpaced(fmt.Sprintf("[CODE %s]", d.digits[end:end+3]))
		end += 3
	default:
		if d.spaceDue {
			d.out.WriteByte(' ')
		}
		d.out.WriteRune(sym)
	}
	d.spaceDue = sym == symCode
	d.pos = end
	return true
}

// skip marks as lost the code starting at d.pos, up to end at least, and the
// run of unreadable digits from bad (or the one digit at bad that no code
// continues with); decoding resumes after them.
func (d *boardDecoder) skip(bad, end int) {
	if !isDigit(rune(d.digits[bad])) {
		for end < len(d.digits) && !isDigit(rune(d.digits[end])) {
			end++
		}
	}
	d.markLost(d.pos, end)
	d.pos = end
}

// tail handles digits that end in the middle of a code: padding if they
// follow the filler's digits, otherwise lost.
func (d *boardDecoder) tail() {
	rest, f := d.digits[d.pos:], d.b.space
	for i := 0; i < len(rest); i++ {
		if rest[i] != f[i%len(f)] {
			d.markLost(d.pos, len(d.digits))
			break
		}
	}
	d.pos = len(d.digits)
}

// markLost records that the digits [from, to) were skipped.
func (d *boardDecoder) markLost(from, to int) {
	first, last := from/groups.Size, (to-1)/groups.Size
	if !d.lost {
		d.lostFirst, d.lostLast, d.lost = first, last, true
	}
	d.lostLast = max(d.lostLast, last)
}

// flushLost writes the pending unrecovered marker.
func (d *boardDecoder) flushLost() {
	if d.lost {
		d.writeSpaced(unrecovered(d.lostLast - d.lostFirst + 1))
		d.lost, d.spaceDue = false, true
	}
}

// writeSpaced writes a bracketed marker with a space before it unless the
// text is empty or already ends in white space.
func (d *boardDecoder) writeSpaced(s string) {
	if d.out.Len() > 0 {
		if last, _ := utf8.DecodeLastRuneInString(d.out.String()); last != ' ' && last != '\n' {
			d.out.WriteByte(' ')
		}
	}
	d.out.WriteString(s)
}
