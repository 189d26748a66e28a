package codebook

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"ciphergram/groups"
)

// boardHeader is the first line of every checkerboard file.
const boardHeader = "# ciphergram checkerboard v1"

// maxCodeLen is the longest code a checkerboard may have.
const maxCodeLen = 4

// ParseCheckerboard reads a checkerboard file (format in the package
// documentation; example in testdata/board.txt): the header line
// "# ciphergram checkerboard v1", an optional "# name: NAME" line, then lines
// "CODE<TAB>SYMBOL". A code is 1 to 4 digits; no code may be the prefix of
// another, so that a digit stream decodes one way only (a stream that runs
// into a digit sequence with no code is flagged as unrecovered when
// decoding). A symbol is one character that normalised text can hold (A-Z,
// А-Я, Ё, 0-9, . , : ; ? ! " ' ( ) - /) or one of the keywords SPACE
// (required; also the filler), PARAGRAPH and CODE. Codes and symbols are each
// unique. Other '#' lines are comments; blank lines are skipped. Errors name
// the line.
func ParseCheckerboard(r io.Reader) (*Checkerboard, error) {
	sc := bufio.NewScanner(r)
	var (
		entries  []boardEntry
		name     string
		codeLine = map[string]int{}
		symLine  = map[rune]int{}
		n        int
	)
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch v, isName := strings.CutPrefix(line, "# name:"); {
		case n == 1:
			if err := checkHeader(line, boardHeader); err != nil {
				return nil, fmt.Errorf("checkerboard line 1: %w", err)
			}
			continue
		case isName && utf8.ValidString(v):
			name = strings.TrimSpace(v)
			continue
		case line == "" || line[0] == '#':
			continue
		}
		e, err := parseBoardLine(line, n)
		if err != nil {
			return nil, fmt.Errorf("checkerboard line %d: %w", n, err)
		}
		if first, dup := codeLine[e.code]; dup {
			return nil, fmt.Errorf("checkerboard line %d: duplicate code %s (first on line %d)", n, e.code, first)
		}
		if first, dup := symLine[e.sym]; dup {
			return nil, fmt.Errorf("checkerboard line %d: symbol %s already has a code (line %d)", n, symbolString(e.sym), first)
		}
		codeLine[e.code], symLine[e.sym] = n, n
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("checkerboard line %d: %w", n+1, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("checkerboard: empty file, want the header %q", boardHeader)
	}
	return newCheckerboard(name, entries)
}

// parseBoardLine reads one "CODE<TAB>SYMBOL" line.
func parseBoardLine(line string, n int) (boardEntry, error) {
	code, sym, ok := strings.Cut(line, "\t")
	if !ok {
		return boardEntry{}, fmt.Errorf("want CODE<TAB>SYMBOL, got %q", line)
	}
	if !groups.IsDigits(code) || len(code) > maxCodeLen {
		return boardEntry{}, fmt.Errorf("code %q is not 1 to %d digits", code, maxCodeLen)
	}
	e := boardEntry{code: code, line: n}
	if s, ok := symbolNames[sym]; ok {
		e.sym = s
		return e, nil
	}
	r, size := utf8.DecodeRuneInString(sym)
	switch {
	case sym == "" || size != len(sym):
		return e, fmt.Errorf("symbol %q is not one character nor SPACE, PARAGRAPH or CODE", sym)
	case scriptOf(r) == noScript && !isDigit(r) && punctIndex(r) < 0:
		return e, fmt.Errorf("symbol %q cannot occur in normalised text (capital letters, digits, %s)", sym, punctChars)
	}
	e.sym = r
	return e, nil
}

// sortedByCode returns a copy of entries sorted by code.
func sortedByCode(entries []boardEntry) []boardEntry {
	return slices.SortedFunc(slices.Values(entries), func(a, b boardEntry) int {
		return strings.Compare(a.code, b.code)
	})
}
