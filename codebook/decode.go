package codebook

import (
	"fmt"
	"unicode/utf8"

	"ciphergram/groups"
)

// Decode turns code groups back into canonical text (SPEC 3): capitals,
// words and numbers separated by single spaces, no space before
// . , : ; ? ! ) nor after (, none around ' - / (except that a hyphen or
// slash between two numbers is spaced, so that they stay two numbers),
// quotes alternately opening and closing within each paragraph, a blank line
// for <PARAGRAPH>, and <NULL> dropped. Spelled letters join into one word and
// digits into one number.
//
// Decoding never fails. A group not in the codebook (wrong length, not
// digits, '?' for a lost digit, or simply absent) decodes as
// "[1 group unrecovered]", and consecutive ones merge into
// "[n groups unrecovered]"; inside a spelled word or a number the marker
// stands where the missing letters or digits were. A spelled word or number
// that never ends is ended by the next group that does not belong to it;
// letters or digits outside <SPELL ...> or <NUMBER> are read as if it had
// been there (its group was probably lost); stray end groups are ignored.
//
// For any text T that Encode accepts, Encode(Decode(Encode(T))) equals
// Encode(T).
func (c *Codebook) Decode(gs []string) string {
	d := decoder{c: c}
	for _, g := range gs {
		d.group(g)
	}
	d.endRun(false)
	return render(d.items)
}

// Filler returns the group of <NULL>, whose digits the cipher cycles to pad
// the code digits to a multiple of 5 (SPEC 4).
func (c *Codebook) Filler() string { return c.ctl.null }

// DecodeDigits reverses regrouping (SPEC 4) and decodes: it cuts the digits
// into 4-digit groups, drops an incomplete final group and any trailing
// <NULL> groups, and returns Decode of the rest. A '?' stands for a digit
// lost in transmission: a group holding one is unrecovered.
func (c *Codebook) DecodeDigits(digits string) string {
	gs := groups.Split(digits[:len(digits)/groups.CodeSize*groups.CodeSize], groups.CodeSize)
	for len(gs) > 0 && gs[len(gs)-1] == c.ctl.null {
		gs = gs[:len(gs)-1]
	}
	return c.Decode(gs)
}

// runKind is what a decoder is in the middle of.
type runKind uint8

const (
	runNone   runKind = iota
	runSpell          // letters of a spelled word
	runNumber         // digits and separators of a number
)

// itemKind is the kind of a piece of decoded text.
type itemKind uint8

const (
	itemWord itemKind = iota
	itemNumber
	itemPunct
	itemParagraph
	itemLost
)

// An item is one piece of decoded text, before spacing.
type item struct {
	kind  itemKind
	text  string // words and numbers
	punct int    // index into punctChars
	lost  int    // unrecovered groups
}

// A decoder turns groups into items.
type decoder struct {
	c       *Codebook
	items   []item
	run     runKind
	text    []byte // the spelled word or number so far
	pending int    // unrecovered groups inside the run, not yet placed
}

// group decodes one group.
func (d *decoder) group(g string) {
	e, ti, ok := d.c.groupInfo(g)
	switch {
	case !ok:
		if d.run != runNone {
			d.pending++
		} else {
			d.addLost(1)
		}
	case ti.kind == kLetter:
		d.symbol(runSpell, ti.val)
	case ti.kind == kDigit:
		d.symbol(runNumber, ti.val)
	case ti.kind == kPunct && d.run == runNumber && isSeparator(rune(punctChars[ti.val])):
		d.symbol(runNumber, rune(punctChars[ti.val]))
	case ti.kind == kSpellLatin || ti.kind == kSpellCyrillic:
		d.endRun(false)
		d.run = runSpell
	case ti.kind == kNumber:
		d.endRun(false)
		d.run = runNumber
	case ti.kind == kEndSpell || ti.kind == kEndNumber:
		d.endRun(true)
	case ti.kind == kPunct:
		d.endRun(false)
		d.items = append(d.items, item{kind: itemPunct, punct: int(ti.val)})
	case ti.kind == kParagraph:
		d.endRun(false)
		d.items = append(d.items, item{kind: itemParagraph})
	case ti.kind == kPhrase:
		d.endRun(false)
		d.items = append(d.items, item{kind: itemWord, text: e.Token})
	}
	// kNull: nothing
}

// symbol adds a letter or digit to a run of the given kind, starting one if
// need be.
func (d *decoder) symbol(k runKind, r rune) {
	if d.run != k {
		d.endRun(false)
		d.run = k
	}
	d.placePending()
	d.text = utf8.AppendRune(d.text, r)
}

// placePending writes the unrecovered groups met inside the run where they
// stand in its text.
func (d *decoder) placePending() {
	if d.pending > 0 {
		d.text = append(d.text, unrecovered(d.pending)...)
		d.pending = 0
	}
}

// endRun closes the current spelled word or number. explicit says it ended
// with its end group: unrecovered groups just before that group belonged to
// the run; otherwise they may have been anything, and follow it.
func (d *decoder) endRun(explicit bool) {
	if d.run == runNone {
		return
	}
	if explicit && len(d.text) > 0 {
		d.placePending()
	}
	if len(d.text) > 0 {
		k := itemWord
		if d.run == runNumber {
			k = itemNumber
		}
		d.items = append(d.items, item{kind: k, text: string(d.text)})
	}
	if d.pending > 0 {
		d.addLost(d.pending)
	}
	d.run, d.text, d.pending = runNone, d.text[:0], 0
}

// addLost adds n unrecovered groups, merging with an unrecovered item just
// before.
func (d *decoder) addLost(n int) {
	if k := len(d.items); k > 0 && d.items[k-1].kind == itemLost {
		d.items[k-1].lost += n
		return
	}
	d.items = append(d.items, item{kind: itemLost, lost: n})
}

// unrecovered is the marker for n lost groups, as in the published VENONA
// translations.
func unrecovered(n int) string {
	if n == 1 {
		return "[1 group unrecovered]"
	}
	return fmt.Sprintf("[%d groups unrecovered]", n)
}
