package codebook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"ciphergram/groups"
)

// MaxEntries is the number of distinct 4-digit code groups, and so the
// largest possible codebook.
const MaxEntries = 10000

// An Entry is one line of a codebook: a code group and the token it stands
// for.
type Entry struct {
	// Group is the code group: 4 ASCII digits, "0000" to "9999".
	Group string
	// Token is a word or phrase of up to 6 words in capitals ("NEUTRALITY
	// PACT") or a control token in angle brackets ("<SPELL LATIN>", "<A>",
	// "<Я>", "<7>").
	Token string
}

// A Codebook maps tokens to 4-digit code groups and back. It is immutable
// once built and safe for concurrent use.
type Codebook struct {
	entries []Entry     // sorted by group
	info    []tokenInfo // info[i] is the meaning of entries[i].Token
	byGroup [MaxEntries]int16
	byToken map[string]int
	ctl     controls
	phrases phraseNode
	fp      [32]byte
}

// controls holds the groups of the control tokens the encoder emits.
type controls struct {
	null, endSpell, number, endNumber, paragraph string
	spell                                        [3]string // indexed by script
	punct                                        [numPunct]string
	latin                                        [26]string
	cyrillic                                     [33]string // see cyrillicIndex
	digits                                       [10]string
}

// phraseNode is a node of the phrase trie: the path from the root spells a
// phrase word by word, and group is its code group ("" if no entry ends here).
type phraseNode struct {
	group string
	next  map[string]*phraseNode
}

// New builds a codebook from entries, in any order. Every group must be 4
// ASCII digits, every token well formed (see the package documentation);
// groups and tokens must each be unique, and every control token SPEC 3
// requires must be present (the error lists the missing ones).
func New(entries []Entry) (*Codebook, error) {
	groups := make(map[string]string, len(entries))
	tokens := make(map[string]string, len(entries))
	for i, e := range entries {
		if err := checkEntry(e); err != nil {
			return nil, fmt.Errorf("codebook: entry %d: %w", i+1, err)
		}
		if t, dup := groups[e.Group]; dup {
			return nil, fmt.Errorf("codebook: duplicate group %s (%s and %s)", e.Group, t, e.Token)
		}
		if g, dup := tokens[e.Token]; dup {
			return nil, fmt.Errorf("codebook: duplicate token %s (groups %s and %s)", e.Token, g, e.Group)
		}
		groups[e.Group], tokens[e.Token] = e.Token, e.Group
	}
	return build(entries)
}

// checkEntry validates the syntax of one entry.
func checkEntry(e Entry) error {
	if len(e.Group) != groups.CodeSize || !groups.IsDigits(e.Group) {
		return fmt.Errorf("group %q is not 4 digits", e.Group)
	}
	return checkToken(e.Token)
}

// build makes a codebook from valid entries with unique groups and tokens.
func build(entries []Entry) (*Codebook, error) {
	if missing := missingControls(entries); len(missing) > 0 {
		return nil, fmt.Errorf("codebook: missing control tokens: %s", strings.Join(missing, " "))
	}
	c := &Codebook{
		entries: slices.Clone(entries),
		byToken: make(map[string]int, len(entries)),
		phrases: phraseNode{next: map[string]*phraseNode{}},
	}
	slices.SortFunc(c.entries, func(a, b Entry) int { return strings.Compare(a.Group, b.Group) })
	c.info = make([]tokenInfo, len(c.entries))
	h := sha256.New()
	for i, e := range c.entries {
		c.byGroup[groupNumber(e.Group)] = int16(i + 1)
		c.byToken[e.Token] = i
		c.info[i] = controlInfo[e.Token] // the zero value is kPhrase
		if c.info[i].kind == kPhrase {
			c.phrases.add(strings.Split(e.Token, " "), e.Group)
		} else {
			c.ctl.set(c.info[i], e.Group)
		}
		fmt.Fprintf(h, "%s\t%s\n", e.Group, e.Token)
	}
	h.Sum(c.fp[:0])
	return c, nil
}

// missingControls lists, in SPEC order, the required control tokens entries
// lack.
func missingControls(entries []Entry) []string {
	have := make(map[string]bool, len(entries))
	for _, e := range entries {
		have[e.Token] = true
	}
	var missing []string
	for _, tok := range requiredTokens {
		if !have[tok] {
			missing = append(missing, tok)
		}
	}
	return missing
}

// set records the group of one control token.
func (ctl *controls) set(ti tokenInfo, group string) {
	switch ti.kind {
	case kNull:
		ctl.null = group
	case kSpellLatin:
		ctl.spell[latin] = group
	case kSpellCyrillic:
		ctl.spell[cyrillic] = group
	case kEndSpell:
		ctl.endSpell = group
	case kNumber:
		ctl.number = group
	case kEndNumber:
		ctl.endNumber = group
	case kParagraph:
		ctl.paragraph = group
	case kPunct:
		ctl.punct[ti.val] = group
	case kDigit:
		ctl.digits[ti.val-'0'] = group
	case kLetter:
		if scriptOf(ti.val) == latin {
			ctl.latin[ti.val-'A'] = group
		} else {
			ctl.cyrillic[cyrillicIndex(ti.val)] = group
		}
	}
}

// cyrillicIndex numbers the Cyrillic alphabet: А..Я are 0..31, Ё is 32.
func cyrillicIndex(r rune) int {
	if r == 'Ё' {
		return 32
	}
	return int(r - 'А')
}

// add inserts a phrase into the trie.
func (n *phraseNode) add(words []string, group string) {
	for _, w := range words {
		next := n.next[w]
		if next == nil {
			next = &phraseNode{next: map[string]*phraseNode{}}
			n.next[w] = next
		}
		n = next
	}
	n.group = group
}

// Len returns the number of entries.
func (c *Codebook) Len() int { return len(c.entries) }

// Entries returns a copy of the entries, sorted by group.
func (c *Codebook) Entries() []Entry { return slices.Clone(c.entries) }

// Fingerprint returns the SHA-256 of the entries sorted by group, each
// written "NNNN\tTOKEN\n" (SPEC 3). Two codebooks with the same entries have
// the same fingerprint, whatever their files' comments or order.
func (c *Codebook) Fingerprint() [32]byte { return c.fp }

// ID returns the first 10 hex digits of the fingerprint: the name to show
// wherever a codebook is named.
func (c *Codebook) ID() string { return hex.EncodeToString(c.fp[:5]) }

// Lookup returns the group of a token, exactly as written in the codebook
// ("NEUTRALITY PACT", "<STOP>").
func (c *Codebook) Lookup(token string) (group string, ok bool) {
	i, ok := c.byToken[token]
	if !ok {
		return "", false
	}
	return c.entries[i].Group, true
}

// groupInfo returns the meaning of a code group, or ok=false if the group is
// not 4 digits or not in the codebook.
func (c *Codebook) groupInfo(g string) (e Entry, ti tokenInfo, ok bool) {
	if len(g) != groups.CodeSize || !groups.IsDigits(g) {
		return Entry{}, tokenInfo{}, false
	}
	i := c.byGroup[groupNumber(g)]
	if i == 0 {
		return Entry{}, tokenInfo{}, false
	}
	return c.entries[i-1], c.info[i-1], true
}

// groupNumber returns the value of a 4-digit group.
func groupNumber(g string) int {
	return int(g[0]-'0')*1000 + int(g[1]-'0')*100 + int(g[2]-'0')*10 + int(g[3]-'0')
}
