package codebook

import "strings"

// Encode turns plaintext into 4-digit code groups (SPEC 3). The text is
// normalised (NFC, capitals, plain quotes and dashes, Latin letters without
// diacritics) and cut into words, numbers, punctuation and paragraphs. Each
// run of words is encoded with the fewest groups, using phrases of up to 6
// words; ties go to the longer phrase at the earlier position. A word with no
// entry of its own, outside any phrase used, is spelled between
// <SPELL LATIN> or <SPELL CYRILLIC> and <END SPELL>; a number goes digit by
// digit, its separators as punctuation groups, between <NUMBER> and
// <END NUMBER>.
//
// A character that cannot be encoded, or a word mixing Latin and Cyrillic
// letters, is a *TextError naming its line and column in text. Text with
// nothing to encode gives no groups and no error.
func (c *Codebook) Encode(text string) ([]string, error) {
	gs, err := normalize(text, make([]glyph, 0, len(text)))
	if err != nil {
		return nil, err
	}
	lx, words, err := lex(text, gs)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(text)/2+8)
	var dp wordRun
	for i := 0; i < len(lx); {
		l := lx[i]
		switch l.kind {
		case lexWord:
			j := i + 1
			for j < len(lx) && lx[j].kind == lexWord {
				j++
			}
			out = dp.encode(c, out, lx[i:j], words)
			i = j
			continue
		case lexNumber:
			out = c.appendNumber(out, words[l.start:l.end])
		case lexPunct:
			out = append(out, c.ctl.punct[l.punct])
		case lexParagraph:
			out = append(out, c.ctl.paragraph)
		}
		i++
	}
	return out, nil
}

// EncodeDigits returns the digits of Encode's groups run together: the
// codebook side of the cipher's codec.
func (c *Codebook) EncodeDigits(text string) (string, error) {
	gs, err := c.Encode(text)
	if err != nil {
		return "", err
	}
	return strings.Join(gs, ""), nil
}

// appendNumber appends <NUMBER>, one group per digit or separator, and
// <END NUMBER>.
func (c *Codebook) appendNumber(out []string, num string) []string {
	out = append(out, c.ctl.number)
	for i := 0; i < len(num); i++ {
		if d := num[i]; isDigit(rune(d)) {
			out = append(out, c.ctl.digits[d-'0'])
		} else {
			out = append(out, c.ctl.punct[punctIndex(rune(d))])
		}
	}
	return append(out, c.ctl.endNumber)
}

// appendSpelled appends a spelled word: <SPELL LATIN> or <SPELL CYRILLIC>,
// one letter group per letter, <END SPELL>.
func (c *Codebook) appendSpelled(out []string, w string, s script) []string {
	out = append(out, c.ctl.spell[s])
	if s == latin {
		for i := 0; i < len(w); i++ {
			out = append(out, c.ctl.latin[w[i]-'A'])
		}
	} else {
		for _, r := range w {
			out = append(out, c.ctl.cyrillic[cyrillicIndex(r)])
		}
	}
	return append(out, c.ctl.endSpell)
}

// wordRun is the scratch space of the dynamic programme that encodes a run
// of words; it is reused from run to run.
type wordRun struct {
	cost  []int32  // cost[i]: fewest groups for words i..n-1
	take  []int32  // take[i]: words the best choice at i covers
	group []string // group[i]: its group, "" to spell word i
}

// encode appends the groups of a run of words. It fills cost from the end:
// at each position it tries spelling the word and every phrase of the trie
// that starts there, keeping the cheapest and, among equals, the longest;
// then it walks the choices from the start.
func (r *wordRun) encode(c *Codebook, out []string, run []lexeme, words string) []string {
	n := len(run)
	r.cost = grow(r.cost, n+1)
	r.take = grow(r.take, n+1)
	r.group = grow(r.group, n+1)
	r.cost[n] = 0
	for i := n - 1; i >= 0; i-- {
		best, take, group := run[i].letters+2+r.cost[i+1], int32(1), ""
		node := &c.phrases
		for k := 1; k <= maxPhraseWords && i+k <= n; k++ {
			w := run[i+k-1]
			if node = node.next[words[w.start:w.end]]; node == nil {
				break
			}
			if node.group != "" && 1+r.cost[i+k] <= best {
				best, take, group = 1+r.cost[i+k], int32(k), node.group
			}
		}
		r.cost[i], r.take[i], r.group[i] = best, take, group
	}
	for i := 0; i < n; i += int(r.take[i]) {
		if r.group[i] != "" {
			out = append(out, r.group[i])
		} else {
			w := run[i]
			out = c.appendSpelled(out, words[w.start:w.end], w.script)
		}
	}
	return out
}

// grow returns s resliced or reallocated to length n.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
