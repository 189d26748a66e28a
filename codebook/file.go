package codebook

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// fileHeader is the first line of every codebook file (SPEC 3).
const fileHeader = "# ciphergram codebook v1"

// Parse reads a codebook file (SPEC 3): the header line
// "# ciphergram codebook v1", then lines "NNNN<TAB>TOKEN". Lines starting
// with '#' are comments and blank lines are skipped; a UTF-8 byte order mark
// and CRLF line ends are tolerated. Errors name the line:
//
//	codebook line 12: duplicate group 0050 (first on line 3)
//
// The result is as New would build it from the same entries.
func Parse(r io.Reader) (*Codebook, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<16)
	var (
		entries   []Entry
		groupLine = map[string]int{}
		tokenLine = map[string]int{}
		n         int
	)
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			if err := checkHeader(line, fileHeader); err != nil {
				return nil, fmt.Errorf("codebook line 1: %w", err)
			}
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, fmt.Errorf("codebook line %d: %w", n, err)
		}
		if first, dup := groupLine[e.Group]; dup {
			return nil, fmt.Errorf("codebook line %d: duplicate group %s (first on line %d)", n, e.Group, first)
		}
		if first, dup := tokenLine[e.Token]; dup {
			return nil, fmt.Errorf("codebook line %d: duplicate token %s (first on line %d)", n, e.Token, first)
		}
		groupLine[e.Group], tokenLine[e.Token] = n, n
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("codebook line %d: %w", n+1, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("codebook: empty file, want the header %q", fileHeader)
	}
	return build(entries)
}

// checkHeader reports whether line (the first of a file, maybe with a byte
// order mark) is the header want.
func checkHeader(line, want string) error {
	line = strings.TrimPrefix(line, "\uFEFF")
	if line != want {
		return fmt.Errorf("missing header: want %q, got %q", want, line)
	}
	return nil
}

// parseEntry reads one "NNNN<TAB>TOKEN" line.
func parseEntry(line string) (Entry, error) {
	if !utf8.ValidString(line) {
		return Entry{}, fmt.Errorf("invalid UTF-8")
	}
	g, tok, ok := strings.Cut(line, "\t")
	if !ok {
		return Entry{}, fmt.Errorf("want NNNN<TAB>TOKEN, got %q", line)
	}
	e := Entry{Group: g, Token: tok}
	if err := checkEntry(e); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// WriteTo writes the canonical codebook file: the header line, then one
// "NNNN\tTOKEN" line per entry sorted by group. Parse reads it back to a
// codebook with the same fingerprint. It returns the number of bytes written.
func (c *Codebook) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	b.Grow(len(fileHeader) + 1 + len(c.entries)*16)
	b.WriteString(fileHeader)
	b.WriteByte('\n')
	for _, e := range c.entries {
		b.WriteString(e.Group)
		b.WriteByte('\t')
		b.WriteString(e.Token)
		b.WriteByte('\n')
	}
	n, err := w.Write(b.Bytes())
	if err != nil {
		return int64(n), fmt.Errorf("writing codebook: %w", err)
	}
	return int64(n), nil
}
