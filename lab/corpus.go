package lab

import (
	_ "embed"
	"strings"
	"sync"
)

// The lab's corpus of plain English, embedded in the program. Both files
// are plain text: paragraphs separated by one blank line, any other line
// break is a space. Every paragraph encodes with codebook.Default (words
// the book lacks are spelled, as a clerk would).
//
// corpus/kjv.txt is derived from the King James Version of the Bible (1611,
// public domain) as shipped by Debian's package bible-kjv-text 4.38 and
// printed by the bible program of bible-kjv 4.38: Genesis 24-50, Ruth,
// Esther, Jonah and Acts, one chapter a paragraph, one verse a line,
// without chapter headings or verse numbers, and with a few archaic words
// modernised so that the telegraph codebook has them (unto -> to, thee ->
// you, hath -> has, -eth -> -s, ...). TestCorpusDerivation in
// corpus_test.go holds the exact recipe and checks the committed file
// against it where the bible program is installed.
//
// corpus/telegrams.txt is the project's own writing: invented residency
// telegrams in the style of 1940s cable traffic (no historical text).
//
// docs/lab.md describes both.
var (
	//go:embed corpus/kjv.txt
	corpusKJV string
	//go:embed corpus/telegrams.txt
	corpusTelegrams string
)

// HeldOutEvery is the split of the corpus: paragraph i (counted from 0
// over kjv.txt, then telegrams.txt) is held out when i%HeldOutEvery ==
// HeldOutEvery-1, and is training text otherwise.
const HeldOutEvery = 10

var corpusSplit = sync.OnceValues(func() (string, string) {
	var train, held []string
	for i, p := range corpusParagraphs() {
		if i%HeldOutEvery == HeldOutEvery-1 {
			held = append(held, p)
		} else {
			train = append(train, p)
		}
	}
	return strings.Join(train, "\n\n") + "\n", strings.Join(held, "\n\n") + "\n"
})

// Corpus returns the lab's plain-English corpus split deterministically
// into a training part (nine paragraphs in ten: for language models and
// the depth statistic) and a held-out part (every tenth paragraph: the
// plaintexts of simulated traffic). Paragraphs are separated by blank
// lines. Both parts encode with codebook.Default without error.
func Corpus() (train, heldOut string) { return corpusSplit() }

// corpusParagraphs returns the paragraphs of kjv.txt then telegrams.txt,
// each with its line breaks kept and surrounding blank space trimmed.
func corpusParagraphs() []string {
	var out []string
	for _, f := range []string{corpusKJV, corpusTelegrams} {
		for p := range strings.SplitSeq(strings.ReplaceAll(f, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Clauses cuts prose into clauses, each ending in . ; : ? ! followed by a
// space or the end of its paragraph (or at the end of a paragraph without
// one), with runs of white space made single spaces. Paragraphs are
// separated by blank lines.
func Clauses(text string) []string {
	var out []string
	for para := range strings.SplitSeq(text, "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		for len(para) > 0 {
			cut := len(para)
			for i := 0; i < len(para); i++ {
				if strings.IndexByte(".;:?!", para[i]) >= 0 && (i+1 == len(para) || para[i+1] == ' ') {
					cut = i + 1
					break
				}
			}
			if c := strings.TrimSpace(para[:cut]); c != "" {
				out = append(out, c)
			}
			para = strings.TrimSpace(para[cut:])
		}
	}
	return out
}
