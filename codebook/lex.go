package codebook

import (
	"fmt"
	"unicode/utf8"
)

// lexKind is the kind of a plaintext token (SPEC 3).
type lexKind uint8

const (
	lexWord      lexKind = iota // a maximal run of letters of one script
	lexNumber                   // digits with single separators between them
	lexPunct                    // one punctuation mark
	lexParagraph                // a blank line between text
)

// A lexeme is one plaintext token. Words and numbers are the bytes
// [start, end) of the lexed text; punct indexes punctChars.
type lexeme struct {
	kind       lexKind
	script     script
	punct      uint8
	start, end int32
	letters    int32 // letters in a word
}

// lex cuts normalised glyphs into lexemes. It returns the text the words and
// numbers index, and a *TextError (positioned in the original text) for a
// word that mixes scripts.
func lex(text string, gs []glyph) ([]lexeme, string, error) {
	out := make([]lexeme, 0, len(gs)/4+1)
	buf := make([]byte, 0, len(gs)+len(gs)/2)
	newlines := 0
	for i := 0; i < len(gs); {
		switch gs[i].r {
		case ' ':
			i++
			continue
		case '\n':
			newlines++
			i++
			continue
		}
		if newlines >= 2 && len(out) > 0 {
			out = append(out, lexeme{kind: lexParagraph})
		}
		newlines = 0
		r := gs[i].r
		switch {
		case scriptOf(r) != noScript:
			l, n, err := scanWord(text, gs[i:], &buf)
			if err != nil {
				return nil, "", err
			}
			out, i = append(out, l), i+n
		case '0' <= r && r <= '9':
			l, n := scanNumber(gs[i:], &buf)
			out, i = append(out, l), i+n
		default:
			out = append(out, lexeme{kind: lexPunct, punct: uint8(punctIndex(r))})
			i++
		}
	}
	return out, string(buf), nil
}

// scanWord appends the word at the start of gs to *buf and returns its
// lexeme and the number of glyphs read.
func scanWord(text string, gs []glyph, buf *[]byte) (lexeme, int, error) {
	l := lexeme{kind: lexWord, script: scriptOf(gs[0].r), start: int32(len(*buf))}
	n := 0
	for ; n < len(gs); n++ {
		s := scriptOf(gs[n].r)
		if s == noScript {
			break
		}
		if s != l.script {
			return l, 0, textError(text, gs[n].off, fmt.Sprintf(
				"is %s in a %s word (a word cannot mix Latin and Cyrillic letters)", s, l.script))
		}
		*buf = utf8.AppendRune(*buf, gs[n].r)
	}
	l.letters, l.end = int32(n), int32(len(*buf))
	return l, n, nil
}

// scanNumber appends the number at the start of gs to *buf, as scanWord does.
func scanNumber(gs []glyph, buf *[]byte) (lexeme, int) {
	l := lexeme{kind: lexNumber, start: int32(len(*buf))}
	n := 0
	for n < len(gs) {
		r := gs[n].r
		switch {
		case '0' <= r && r <= '9':
		case isSeparator(r) && n+1 < len(gs) && isDigit(gs[n+1].r):
		default:
			l.end = int32(len(*buf))
			return l, n
		}
		*buf = append(*buf, byte(r))
		n++
	}
	l.end = int32(len(*buf))
	return l, n
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// isSeparator reports whether r may stand between two digits of a number.
func isSeparator(r rune) bool {
	switch r {
	case '.', ',', ':', '/', '-':
		return true
	}
	return false
}

// String names a script in messages.
func (s script) String() string {
	switch s {
	case latin:
		return "Latin"
	case cyrillic:
		return "Cyrillic"
	}
	return "no script"
}
