package lab

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"ciphergram/codebook"
)

func TestCorpusEncodes(t *testing.T) {
	train, held := Corpus()
	cb := codebook.Default()
	for name, text := range map[string]string{"train": train, "held-out": held} {
		gs, err := cb.Encode(text)
		if err != nil {
			t.Fatalf("%s part: %v", name, err)
		}
		words := len(strings.Fields(text))
		t.Logf("%s: %d bytes, %d words, %d code groups (%.2f a word)", name, len(text), words, len(gs), float64(len(gs))/float64(words))
		if len(gs) < 5000 {
			t.Errorf("%s part has only %d code groups", name, len(gs))
		}
	}
	if len(held) > len(train)/5 || len(held) < len(train)/20 {
		t.Errorf("held-out part is %d bytes against %d for training: not about a tenth", len(held), len(train))
	}
	if strings.Contains(train, "\n\n\n") || strings.Contains(held, "\n\n\n") {
		t.Error("paragraphs separated by more than one blank line")
	}
	// deterministic and disjoint
	tr2, he2 := Corpus()
	if tr2 != train || he2 != held {
		t.Error("Corpus is not deterministic")
	}
	for _, p := range strings.Split(held, "\n\n")[:3] {
		if strings.Contains(train, p) {
			t.Errorf("held-out paragraph also in training: %.60q", p)
		}
	}
}

// kjvBooks are the passages of kjv.txt, as the bible program names them.
var kjvBooks = []string{"Genesis 24:1-50:99", "Ruth 1:1-4:99", "Esther 1:1-10:99", "Jonah 1:1-4:99", "Acts 1:1-28:99"}

// kjvModern maps archaic words (lower case) to the modern words the
// telegraph codebook holds. Words ending in -eth that are not listed lose
// it for -s or -es (cometh -> comes, goeth -> goes).
var kjvModern = map[string]string{
	"unto": "to", "thou": "you", "thee": "you", "ye": "you", "thy": "your", "thine": "your",
	"hath": "has", "hast": "have", "shalt": "shall", "wilt": "will", "spake": "spoke", "doth": "does",
	"saith": "says", "behold": "see", "brethren": "brothers", "begat": "was the father of", "dwelt": "lived",
	"dwell": "live", "dwelled": "lived", "shewed": "showed", "shew": "show", "thence": "from there",
	"wherefore": "therefore", "bare": "bore", "art": "are", "didst": "did", "canst": "can",
	"wouldest": "would", "shouldest": "should", "mayest": "may", "couldest": "could", "hither": "here",
	"thither": "there", "whither": "where", "hence": "from here", "verily": "truly", "lo": "see",
	"thyself": "yourself", "yea": "yes", "nay": "no", "ere": "before",
}

var (
	kjvVerse = regexp.MustCompile(`^\s+\d+ (.*)$`)
	kjvWord  = regexp.MustCompile(`[A-Za-z]+`)
)

// deriveKJV turns the output of `bible -l0 PASSAGE...` into kjv.txt.
func deriveKJV(out string) string {
	var chapters []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			chapters = append(chapters, strings.Join(cur, "\n"))
		}
		cur = nil
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := kjvVerse.FindStringSubmatch(line); m != nil {
			cur = append(cur, modernise(strings.TrimSpace(m[1])))
		} else if strings.TrimSpace(line) != "" { // a chapter heading
			flush()
		}
	}
	flush()
	return strings.Join(chapters, "\n\n") + "\n"
}

func modernise(s string) string {
	return kjvWord.ReplaceAllStringFunc(s, func(w string) string {
		lw := strings.ToLower(w)
		r, ok := kjvModern[lw]
		if !ok {
			if len(lw) <= 5 || !strings.HasSuffix(lw, "eth") {
				return w
			}
			stem := lw[:len(lw)-3]
			r = stem + "s"
			for _, suf := range []string{"s", "sh", "ch", "x", "o"} {
				if strings.HasSuffix(stem, suf) {
					r = stem + "es"
				}
			}
		}
		if w[0] >= 'A' && w[0] <= 'Z' {
			r = strings.ToUpper(r[:1]) + r[1:]
		}
		return r
	})
}

// TestCorpusDerivation rebuilds kjv.txt from the bible program (Debian
// packages bible-kjv and bible-kjv-text) and compares it with the
// committed file; with CIPHERGRAM_WRITE_CORPUS=1 it rewrites the file.
// Without the program it is skipped.
func TestCorpusDerivation(t *testing.T) {
	bible, err := exec.LookPath("bible")
	if err != nil {
		t.Skip("the bible program (Debian bible-kjv, bible-kjv-text) is not installed")
	}
	var raw strings.Builder
	for _, p := range kjvBooks {
		out, err := exec.Command(bible, "-l0", p).Output()
		if err != nil {
			t.Fatalf("bible -l0 %q: %v", p, err)
		}
		raw.Write(out)
	}
	got := deriveKJV(raw.String())
	if os.Getenv("CIPHERGRAM_WRITE_CORPUS") == "1" {
		if err := os.WriteFile("corpus/kjv.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != corpusKJV {
		t.Errorf("corpus/kjv.txt differs from its derivation (%d bytes derived, %d committed); run with CIPHERGRAM_WRITE_CORPUS=1", len(got), len(corpusKJV))
	}
}

func TestClauses(t *testing.T) {
	got := Clauses("THE PACT IS SIGNED. CRIPPS  ASKS:\nWHY? 3.5 PER CENT\n\nNO STOP HERE")
	want := []string{"THE PACT IS SIGNED.", "CRIPPS ASKS:", "WHY?", "3.5 PER CENT", "NO STOP HERE"}
	if !slices.Equal(got, want) {
		t.Errorf("Clauses = %q, want %q", got, want)
	}
}
