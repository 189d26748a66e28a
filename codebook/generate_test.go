package codebook

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// seeded returns a deterministic random reader.
func seeded(seed byte) io.Reader { return rand.NewChaCha8([32]byte{seed}) }

func TestGenerate(t *testing.T) {
	words := []string{"agent", "Guo  Taiqi", "CAFÉ", "<STOP>", "neutrality pact", "ЛИСТ"}
	t.Run("OK", func(t *testing.T) {
		c, err := Generate(words, seeded(1))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Len(), len(words)+len(requiredTokens)-1; got != want {
			t.Errorf("Len = %d, want %d", got, want)
		}
		for _, tok := range []string{"AGENT", "GUO TAIQI", "CAFE", "NEUTRALITY PACT", "ЛИСТ", "<NULL>", "<Ё>", "<9>"} {
			if _, ok := c.Lookup(tok); !ok {
				t.Errorf("no entry for %s", tok)
			}
		}
		seen := map[string]bool{}
		for _, e := range c.Entries() {
			if seen[e.Group] {
				t.Errorf("group %s used twice", e.Group)
			}
			seen[e.Group] = true
		}
	})
	t.Run("OKReproducible", func(t *testing.T) {
		a, err := Generate(words, seeded(1))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Generate(words, seeded(1))
		c, _ := Generate(words, seeded(2))
		if a.Fingerprint() != b.Fingerprint() {
			t.Errorf("same seed, different codebooks %s and %s", a.ID(), b.ID())
		}
		if a.Fingerprint() == c.Fingerprint() {
			t.Errorf("different seeds, same codebook %s", a.ID())
		}
	})
	t.Run("OKFull", func(t *testing.T) {
		c, err := Generate(distinctWords(MaxEntries-len(requiredTokens)), seeded(3))
		if err != nil {
			t.Fatal(err)
		}
		if c.Len() != MaxEntries {
			t.Errorf("Len = %d, want %d", c.Len(), MaxEntries)
		}
	})
	errs := []struct {
		name   string
		tokens []string
		rng    io.Reader
		want   string
	}{
		{"ErrDuplicate", []string{"Paris", "agent", "PARIS"}, seeded(1), "codebook: duplicate token PARIS (tokens 1 and 3)"},
		{"ErrPunctuation", []string{"o'clock"}, seeded(1), `codebook: token 1: token "o'clock": '\'' is not a letter (a token is words of letters)`},
		{"ErrControl", []string{"<STOPP>"}, seeded(1), `codebook: token 1: unknown control token "<STOPP>"`},
		{"ErrMixed", []string{"Лиst"}, seeded(1), `codebook: token 1: token "ЛИST": word "ЛИST" mixes Latin and Cyrillic letters`},
		{"ErrEmpty", []string{" "}, seeded(1), "codebook: token 1: empty token"},
		{"ErrTooMany", distinctWords(MaxEntries - len(requiredTokens) + 1), seeded(1), "codebook: 10001 tokens with the control tokens, at most 10000 fit"},
		{"ErrShortRandom", []string{"agent"}, bytes.NewReader(make([]byte, 101)), "codebook: reading random bytes: unexpected EOF"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(tt.tokens, tt.rng)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Generate error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// distinctWords returns n different words: AAAA, AAAB, ...
func distinctWords(n int) []string {
	out := make([]string, n)
	for i := range out {
		w := []byte("AAAA")
		for j, k := 3, i; j >= 0; j, k = j-1, k/26 {
			w[j] = byte('A' + k%26)
		}
		out[i] = string(w)
	}
	return out
}

func TestUniform(t *testing.T) {
	// 0xEA60 = 60000 is the first value thrown away for m = 10000.
	r := bytes.NewReader([]byte{0xEA, 0x60, 0xFF, 0xFF, 0xEA, 0x5F})
	got, err := uniform(r, 10000)
	if err != nil || got != 59999%10000 {
		t.Errorf("uniform = %d, %v; want %d", got, err, 59999%10000)
	}
	if _, err := uniform(r, 10000); !errors.Is(err, io.EOF) {
		t.Errorf("uniform on an empty reader: err = %v, want EOF", err)
	}
}

// TestGenerateUniform checks that the first token's group is spread evenly
// over the first digit (chi-squared with 9 degrees of freedom, fixed seeds,
// so the test is deterministic; the bound has p < 0.001).
func TestGenerateUniform(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const books = 2000
	var count [10]int
	words := []string{"AGENT"}
	for i := range books {
		c, err := Generate(words, rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), 'u'}))
		if err != nil {
			t.Fatal(err)
		}
		g, _ := c.Lookup("AGENT")
		count[g[0]-'0']++
	}
	chi2 := 0.0
	for _, n := range count {
		d := float64(n) - books/10
		chi2 += d * d / (books / 10)
	}
	if chi2 > 27.9 {
		t.Errorf("first digits %v: chi-squared %.1f > 27.9", count, chi2)
	}
	if strings.Count(Default().ID(), "") != 11 {
		t.Errorf("Default ID %q is not 10 hex digits", Default().ID())
	}
}
