package codebook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
)

// A Checkerboard is a straddling checkerboard (SPEC 7): it turns text into a
// stream of digits directly, one code of 1 to 4 digits per symbol, with no
// code a prefix of another. It is the alternative to a codebook as the
// cipher's codec. It is immutable and safe for concurrent use.
type Checkerboard struct {
	name  string
	id    string
	ascii [128]string     // code of each ASCII symbol ("" if none)
	other map[rune]string // code of each Cyrillic symbol
	space string          // code of SPACE
	para  string          // code of PARAGRAPH, or ""
	trie  []boardNode     // decoding trie; trie[0] is the root
}

// Special symbols: what a code stands for when it is not a character.
const (
	symSpace     rune = -1 // a word space, and the filler
	symParagraph rune = -2 // a blank line
	symCode      rune = -3 // the next 3 digits are a code group ("[CODE nnn]")
)

// symbolNames are the keywords for the special symbols in a board file.
var symbolNames = map[string]rune{"SPACE": symSpace, "PARAGRAPH": symParagraph, "CODE": symCode}

// A boardNode is a node of the decoding trie: next[d] is the index of the
// child for digit d (0 for none, the root being no one's child); at a leaf,
// sym is the symbol of the code spelled by the path.
type boardNode struct {
	next [10]int32
	leaf bool
	sym  rune
}

// A boardEntry is one line of a board file.
type boardEntry struct {
	code string
	sym  rune
	line int
}

// ct46File is CT-46 as printed by Rijmenants (SPEC 7), in the board file
// format.
const ct46File = `# ciphergram checkerboard v1
# name: CT-46
1	A
2	E
3	I
4	N
5	O
6	R
70	B
71	C
72	D
73	F
74	G
75	H
76	J
77	K
78	L
79	M
80	P
81	Q
82	S
83	T
84	U
85	V
86	W
87	X
88	Y
89	Z
90	SPACE
91	.
92	,
93	:
94	?
95	/
96	(
97	)
98	"
99	CODE
00	0
01	1
02	2
03	3
04	4
05	5
06	6
07	7
08	8
09	9
`

var ct46 = sync.OnceValue(func() *Checkerboard {
	b, err := ParseCheckerboard(strings.NewReader(ct46File))
	if err != nil {
		panic("codebook: CT-46: " + err.Error())
	}
	return b
})

// CT46 returns the built-in CT-46 board (SPEC 7): A1 E2 I3 N4 O5 R6;
// B70 .. M79; P80 .. Z89; space 90, . 91, , 92, : 93, ? 94, / 95, ( 96,
// ) 97, " 98, CODE 99; figures 0-9 as 00-09.
func CT46() *Checkerboard { return ct46() }

// Name returns the board's name: "CT-46", the "# name:" of its file, or
// "board " and its ID when the file gives none.
func (b *Checkerboard) Name() string { return b.name }

// ID returns the first 10 hex digits of the SHA-256 of the board's lines,
// each "CODE\tSYMBOL\n", sorted by code: two boards with the same ID encode
// alike.
func (b *Checkerboard) ID() string { return b.id }

// Filler returns the code of SPACE, whose digits the cipher cycles to pad
// the digits to a multiple of 5. A message never ends in a space, so
// DecodeDigits drops the padding.
func (b *Checkerboard) Filler() string { return b.space }

// newCheckerboard builds a board from entries with unique codes and
// symbols, checking that no code is a prefix of another and that there is a
// SPACE.
func newCheckerboard(name string, entries []boardEntry) (*Checkerboard, error) {
	b := &Checkerboard{name: name, other: map[rune]string{}, trie: make([]boardNode, 1, 1+4*len(entries))}
	h := sha256.New()
	for _, e := range sortedByCode(entries) {
		if err := b.insert(e, entries); err != nil {
			return nil, fmt.Errorf("checkerboard line %d: %w", e.line, err)
		}
		fmt.Fprintf(h, "%s\t%s\n", e.code, symbolString(e.sym))
		switch {
		case e.sym == symSpace:
			b.space = e.code
		case e.sym == symParagraph:
			b.para = e.code
		case e.sym >= 0 && e.sym < 128:
			b.ascii[e.sym] = e.code
		case e.sym >= 128:
			b.other[e.sym] = e.code
		}
	}
	if b.space == "" {
		return nil, fmt.Errorf("checkerboard: no SPACE code")
	}
	b.id = hex.EncodeToString(h.Sum(nil)[:5])
	if b.name == "" {
		b.name = "board " + b.id
	}
	return b, nil
}

// insert adds one code to the decoding trie. Codes come sorted, so a code
// that has a shorter one as prefix meets its leaf on the way down, and one
// that is the prefix of a longer one would have come first.
func (b *Checkerboard) insert(e boardEntry, all []boardEntry) error {
	n := int32(0)
	for i := 0; i < len(e.code); i++ {
		if b.trie[n].leaf {
			return fmt.Errorf("code %s starts with code %s (line %d)", e.code, e.code[:i], lineOf(all, e.code[:i]))
		}
		d := e.code[i] - '0'
		if b.trie[n].next[d] == 0 {
			b.trie = append(b.trie, boardNode{})
			b.trie[n].next[d] = int32(len(b.trie) - 1)
		}
		n = b.trie[n].next[d]
	}
	if b.trie[n].leaf {
		return fmt.Errorf("duplicate code %s (first on line %d)", e.code, lineOf(all, e.code))
	}
	if b.trie[n] != (boardNode{}) {
		return fmt.Errorf("code %s is a prefix of another code", e.code)
	}
	b.trie[n].leaf, b.trie[n].sym = true, e.sym
	return nil
}

// lineOf returns the line of the entry with the given code.
func lineOf(entries []boardEntry, code string) int {
	for _, e := range entries {
		if e.code == code {
			return e.line
		}
	}
	return 0
}

// symbolString writes a symbol as a board file does.
func symbolString(sym rune) string {
	for name, s := range symbolNames {
		if s == sym {
			return name
		}
	}
	return string(sym)
}
