package codebook

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Generate makes a new codebook for the given words and phrases, plus every
// required control token not among them (added after them, in SPEC order).
// Word and phrase tokens may be written in any case: they are normalised as
// plaintext is ("Guo Taiqi" becomes "GUO TAIQI", "Café" "CAFE"); control
// tokens must be written exactly. Duplicates (after normalisation), malformed
// tokens and more than 10000 tokens in all are errors.
//
// Groups are drawn uniformly at random without repetition (a partial
// Fisher-Yates shuffle of 0000-9999, each draw by rejection sampling on two
// bytes of rng), so the same rng bytes give the same codebook. Use
// crypto/rand.Reader for a real codebook.
func Generate(tokens []string, rng io.Reader) (*Codebook, error) {
	all := make([]string, 0, len(tokens)+len(requiredTokens))
	seen := make(map[string]int, len(tokens))
	for i, t := range tokens {
		tok, err := canonicalToken(t)
		if err != nil {
			return nil, fmt.Errorf("codebook: token %d: %w", i+1, err)
		}
		if j, dup := seen[tok]; dup {
			return nil, fmt.Errorf("codebook: duplicate token %s (tokens %d and %d)", tok, j+1, i+1)
		}
		seen[tok] = i
		all = append(all, tok)
	}
	for _, tok := range requiredTokens {
		if _, ok := seen[tok]; !ok {
			all = append(all, tok)
		}
	}
	if len(all) > MaxEntries {
		return nil, fmt.Errorf("codebook: %d tokens with the control tokens, at most %d fit", len(all), MaxEntries)
	}
	nums, err := drawGroups(len(all), rng)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, len(all))
	for i, tok := range all {
		entries[i] = Entry{Group: fmt.Sprintf("%04d", nums[i]), Token: tok}
	}
	return New(entries)
}

// canonicalToken normalises a word or phrase token as plaintext is
// normalised; it checks a control token as written.
func canonicalToken(t string) (string, error) {
	if strings.HasPrefix(t, "<") {
		return t, checkToken(t)
	}
	gs, err := normalize(t, nil)
	if err != nil {
		return "", fmt.Errorf("token %q: %w", t, err)
	}
	var b strings.Builder
	space := false
	for _, g := range gs {
		switch {
		case g.r == ' ' || g.r == '\n':
			space = b.Len() > 0
		case scriptOf(g.r) == noScript:
			return "", fmt.Errorf("token %q: %q is not a letter (a token is words of letters)", t, g.r)
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(g.r)
		}
	}
	tok := b.String()
	return tok, checkToken(tok)
}

// drawGroups returns n distinct numbers in [0, MaxEntries), uniformly at
// random, drawn from rng.
func drawGroups(n int, rng io.Reader) ([]int, error) {
	perm := make([]int, MaxEntries)
	for i := range perm {
		perm[i] = i
	}
	r := bufio.NewReaderSize(rng, 512)
	for i := range n {
		j, err := uniform(r, MaxEntries-i)
		if err != nil {
			return nil, fmt.Errorf("codebook: reading random bytes: %w", err)
		}
		perm[i], perm[i+j] = perm[i+j], perm[i]
	}
	return perm[:n], nil
}

// uniform returns a number in [0, m), m <= 65536, without bias: two bytes
// make a value below 65536; values at or above the largest multiple of m
// are thrown away.
func uniform(r io.Reader, m int) (int, error) {
	limit := 65536 - 65536%m
	var b [2]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		if v := int(b[0])<<8 | int(b[1]); v < limit {
			return v % m, nil
		}
	}
}
