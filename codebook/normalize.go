package codebook

import (
	"fmt"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// A TextError reports a character of the plaintext that cannot be encoded,
// or a word that mixes Latin and Cyrillic letters. Line and Col are 1-based
// and count runes of the original text (CRLF is one line end).
type TextError struct {
	Line, Col int
	Char      rune   // the character as written in the text; 0 if none
	Msg       string // what is wrong with it, e.g. "cannot be encoded"
}

// Error returns, for example:
//
//	line 3, column 14: character "§" (U+00A7) cannot be encoded
func (e *TextError) Error() string {
	if e.Char == 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("line %d, column %d: character %s (%U) %s",
		e.Line, e.Col, strconv.Quote(string(e.Char)), e.Char, e.Msg)
}

// textError builds a TextError for the character at byte offset off of text.
func textError(text string, off int32, msg string) *TextError {
	line, col := 1, 1
	for i, r := range text[:off] {
		switch {
		case r == '\n':
			line, col = line+1, 1
		case r == '\r' && (i+1 >= len(text) || text[i+1] != '\n'):
			line, col = line+1, 1
		case r != '\r':
			col++
		}
	}
	e := &TextError{Line: line, Col: col, Msg: msg}
	r, size := utf8.DecodeRuneInString(text[off:])
	if r == utf8.RuneError && size <= 1 {
		e.Msg = fmt.Sprintf("invalid UTF-8 byte %#02x", text[off])
	} else {
		e.Char = r
	}
	return e
}

// A glyph is one character of normalised text, with the byte offset in the
// original text of the character it came from.
type glyph struct {
	r   rune
	off int32
}

// Normalised text holds only: capital letters A-Z; the Cyrillic alphabet
// А-Я and Ё; digits; the marks of punctChars; ' ' for any white space; and
// '\n' for each line end.

// runeMap gives the normalised form of non-letter characters that are not
// themselves normalised: typographic quotes and dashes, the ellipsis, and
// white space with a meaning. An empty string means the character is
// dropped.
var runeMap = map[rune]string{
	'\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u2039': "'", '\u203A': "'", '\u02BC': "'",
	'\u201C': `"`, '\u201D': `"`, '\u201E': `"`, '\u201F': `"`, '\u00AB': `"`, '\u00BB': `"`,
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-", '\u2015': "-", '\u2212': "-",
	'\u2026': "...",
	'\u0085': "\n", '\u2028': "\n", '\u2029': "\n\n",
	'\u200B': " ",
	'\u00AD': "", '\u200C': "", '\u200D': "", '\u2060': "", '\uFEFF': "", // invisible
}

// ligatures spells Latin letters that have no canonical decomposition.
var ligatures = map[rune]string{
	'ß': "SS", 'ẞ': "SS", 'Æ': "AE", 'æ': "AE", 'Œ': "OE", 'œ': "OE", 'Ø': "O", 'ø': "O",
	'Ǿ': "O", 'ǿ': "O", 'Ł': "L", 'ł': "L", 'Đ': "D", 'đ': "D", 'Ð': "D", 'ð': "D",
	'Þ': "TH", 'þ': "TH", 'Ħ': "H", 'ħ': "H", 'Ŧ': "T", 'ŧ': "T",
}

// normalize appends the glyphs of text to dst (SPEC 3), at most one glyph
// per byte of text: upper case, Latin
// letters without diacritics, Cyrillic letters with Й and Ё composed,
// typographic quotes and dashes made plain. Combining marks after a letter
// are dropped or composed, as NFC followed by diacritic removal would do. A
// character that has no normal form is a *TextError.
func normalize(text string, dst []glyph) ([]glyph, error) {
	if len(text) > math.MaxInt32 {
		return nil, fmt.Errorf("text of %d bytes is too long", len(text))
	}
	attach := false // the last glyph is a letter a combining mark may modify
	for i := 0; i < len(text); {
		off := int32(i)
		if c := text[i]; c < utf8.RuneSelf {
			i++
			g, ok := asciiGlyph(c, text, i)
			switch {
			case !ok:
				return nil, textError(text, off, "cannot be encoded")
			case g != 0:
				dst = append(dst, glyph{g, off})
			}
			attach = scriptOf(g) != noScript
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			return nil, textError(text, off, "")
		}
		if unicode.Is(unicode.Mn, r) {
			if !attach {
				return nil, textError(text, off, "cannot be encoded (a combining mark not on a letter)")
			}
			combine(dst, r)
			continue
		}
		n := len(dst)
		var ok bool
		if dst, ok = appendRune(dst, r, off); !ok {
			return nil, textError(text, off, "cannot be encoded")
		}
		if len(dst) > n { // an invisible character leaves attach as it was
			attach = scriptOf(dst[len(dst)-1].r) != noScript
		}
	}
	return dst, nil
}

// asciiGlyphs[c] is the glyph of ASCII character c: -1 if it cannot be
// encoded, 0 for '\r' (a line end unless the '\n' of CRLF follows).
var asciiGlyphs = func() (t [utf8.RuneSelf]rune) {
	for c := range t {
		r := rune(c)
		switch {
		case 'a' <= r && r <= 'z':
			t[c] = r - 'a' + 'A'
		case 'A' <= r && r <= 'Z', isDigit(r), r == '\n', punctIndex(r) >= 0:
			t[c] = r
		case r == ' ', r == '\t', r == '\v', r == '\f':
			t[c] = ' '
		case r == '\r':
			t[c] = 0
		default:
			t[c] = -1
		}
	}
	return t
}()

// asciiGlyph normalises an ASCII character c; next is the offset after it.
// It returns 0 for a character that is dropped (the CR of CRLF) and
// ok=false for one that cannot be encoded.
func asciiGlyph(c byte, text string, next int) (g rune, ok bool) {
	switch g := asciiGlyphs[c]; {
	case g > 0:
		return g, true
	case g < 0:
		return 0, false
	case next < len(text) && text[next] == '\n':
		return 0, true
	}
	return '\n', true
}

// appendRune appends the glyphs of a non-ASCII, non-mark rune; ok=false
// means it cannot be encoded.
func appendRune(dst []glyph, r rune, off int32) (_ []glyph, ok bool) {
	if b := baseLetter(r); b != 0 {
		return append(dst, glyph{b, off}), true
	}
	s, ok := runeMap[r]
	if !ok {
		s, ok = ligatures[r]
	}
	if !ok {
		if !unicode.IsSpace(r) {
			return dst, false
		}
		s = " "
	}
	for _, g := range s {
		dst = append(dst, glyph{g, off})
	}
	return dst, true
}

// baseLetter returns the alphabet letter (A-Z, А-Я, Ё) that a letter
// upper-cases and decomposes to, or 0.
func baseLetter(r rune) rune {
	var b rune
	switch {
	case r >= 0x00C0 && r <= 0x024F:
		b = latinBase[r-0x00C0]
	case r >= 0x0400 && r <= 0x04FF:
		b = cyrillicBase[r-0x0400]
	case r >= 0x1E00 && r <= 0x1EFF:
		b = latinExtraBase[r-0x1E00]
	default:
		b = otherBase[r]
	}
	if b == '.' {
		return 0
	}
	return b
}

// combine applies combining mark m to the letter that ends dst: a breve
// makes И into Й and a diaeresis Е into Ё; any other mark is dropped, as are
// all marks on Latin letters.
func combine(dst []glyph, m rune) {
	last := &dst[len(dst)-1]
	switch {
	case m == '\u0306' && last.r == 'И':
		last.r = 'Й'
	case m == '\u0308' && last.r == 'Е':
		last.r = 'Ё'
	}
}

// punctIndex returns the index of r in punctChars, or -1.
func punctIndex(r rune) int {
	for i := 0; i < len(punctChars); i++ {
		if rune(punctChars[i]) == r {
			return i
		}
	}
	return -1
}
