package codebook

import "strings"

// Stats describes what a text costs in code groups: the figure by which a
// codebook's efficiency is judged.
type Stats struct {
	Words   int      // words of the text (runs of letters)
	Numbers int      // numbers of the text
	Groups  int      // code groups of its encoding
	Spelled []string // the words the book lacks, spelled letter by letter, in order
}

// GroupsPerWord is code groups per word, punctuation, numbers and spelling
// included; 0 for a text without words.
func (s Stats) GroupsPerWord() float64 {
	if s.Words == 0 {
		return 0
	}
	return float64(s.Groups) / float64(s.Words)
}

// Stats encodes text and counts its words, numbers and groups, and lists
// the words that had to be spelled.
func (c *Codebook) Stats(text string) (Stats, error) {
	gs, err := normalize(text, make([]glyph, 0, len(text)))
	if err != nil {
		return Stats{}, err
	}
	lx, _, err := lex(text, gs)
	if err != nil {
		return Stats{}, err
	}
	groups, err := c.Encode(text)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Groups: len(groups)}
	for _, l := range lx {
		switch l.kind {
		case lexWord:
			st.Words++
		case lexNumber:
			st.Numbers++
		}
	}
	for i := 0; i < len(groups); i++ {
		if groups[i] != c.ctl.spell[latin] && groups[i] != c.ctl.spell[cyrillic] {
			continue
		}
		j := i + 1
		for j < len(groups) && groups[j] != c.ctl.endSpell {
			j++
		}
		st.Spelled = append(st.Spelled, strings.ReplaceAll(c.Decode(groups[i:min(j+1, len(groups))]), " ", ""))
		i = j
	}
	return st, nil
}
