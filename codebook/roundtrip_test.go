package codebook

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// textGen writes random plaintext over the whole alphabet that the encoder
// accepts: words of the codebook in any case, Latin words with and without
// diacritics, Cyrillic words with Ё and Й, numbers with separators, every
// punctuation mark (plain and typographic), and all kinds of white space.
type textGen struct {
	r     *rand.Rand
	vocab []string // words and phrases of the codebook
}

var (
	latinLetters    = []rune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÉéÀçñÖüßÆøŁ")
	cyrillicLetters = []rune("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя")
	punctuation     = []string{".", ",", ":", ";", "?", "!", `"`, "'", "(", ")", "-", "/", "“", "”", "‘", "’", "«", "»", "–", "—", "…"}
	separators      = []string{" ", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r\n\r\n", "\u00a0", "\n \n\n"}
)

func newTextGen(seed uint64, c *Codebook) *textGen {
	g := &textGen{r: rand.New(rand.NewPCG(seed, 1))}
	for _, e := range c.Entries() {
		if !strings.HasPrefix(e.Token, "<") {
			g.vocab = append(g.vocab, e.Token)
		}
	}
	return g
}

// text returns a random text of about n pieces.
func (g *textGen) text(n int) string {
	var b strings.Builder
	for range n {
		switch g.r.IntN(8) {
		case 0, 1:
			w := g.vocab[g.r.IntN(len(g.vocab))]
			if g.r.IntN(2) == 0 {
				w = strings.ToLower(w)
			}
			b.WriteString(w)
			b.WriteString(separators[g.r.IntN(len(separators))])
		case 2:
			b.WriteString(g.word(latinLetters))
			b.WriteString(separators[g.r.IntN(len(separators))])
		case 3:
			b.WriteString(g.word(cyrillicLetters))
			b.WriteString(separators[g.r.IntN(len(separators))])
		case 4:
			b.WriteString(g.number())
		case 5, 6:
			b.WriteString(punctuation[g.r.IntN(len(punctuation))])
		default:
			b.WriteString(separators[g.r.IntN(len(separators))])
		}
	}
	return b.String()
}

func (g *textGen) word(letters []rune) string {
	w := make([]rune, 1+g.r.IntN(8))
	for i := range w {
		w[i] = letters[g.r.IntN(len(letters))]
	}
	return string(w)
}

func (g *textGen) number() string {
	var b strings.Builder
	for i := range 1 + g.r.IntN(4) {
		if i > 0 {
			b.WriteByte(numberSeparators[g.r.IntN(len(numberSeparators))])
		}
		for range 1 + g.r.IntN(4) {
			b.WriteByte(byte('0' + g.r.IntN(10)))
		}
	}
	return b.String()
}

// TestRoundTrip checks the fixed point: for random text T,
// Encode(Decode(Encode(T))) == Encode(T), and the canonical text decodes to
// itself.
func TestRoundTrip(t *testing.T) {
	c := testCodebook(t)
	g := newTextGen(1941, c)
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		text := g.text(1 + i%60)
		gs, err := c.Encode(text)
		if err != nil {
			t.Fatalf("Encode(%q): %v", text, err)
		}
		checkFixedPoint(t, c, text, gs)
	}
}

// checkFixedPoint checks that the canonical text of gs encodes to gs again.
func checkFixedPoint(t *testing.T, c *Codebook, text string, gs []string) {
	t.Helper()
	canon := c.Decode(gs)
	again, err := c.Encode(canon)
	if err != nil {
		t.Fatalf("text %q\ncanonical %q\nEncode(canonical): %v", text, canon, err)
	}
	if !slices.Equal(again, gs) {
		t.Fatalf("text %q\ncanonical %q\nEncode(text)      %v\nEncode(canonical) %v", text, canon, gs, again)
	}
	if c.Decode(again) != canon {
		t.Fatalf("canonical text %q is not stable", canon)
	}
}

// TestRoundTripCheckerboard checks that CT-46 gives back the text in
// capitals with single spaces, and that the digits are a fixed point too.
func TestRoundTripCheckerboard(t *testing.T) {
	b := CT46()
	r := rand.New(rand.NewPCG(46, 1))
	symbols := []rune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzéÀ0123456789.,:?/()\"“” \t\n")
	for i := range 2000 {
		text := make([]rune, 1+i%80)
		for j := range text {
			text[j] = symbols[r.IntN(len(symbols))]
		}
		digits, err := b.EncodeDigits(string(text))
		if err != nil {
			t.Fatalf("EncodeDigits(%q): %v", string(text), err)
		}
		got := b.DecodeDigits(digits)
		plain := strings.NewReplacer("É", "E", "À", "A", "“", `"`, "”", `"`).Replace(strings.ToUpper(string(text)))
		if want := strings.Join(strings.Fields(plain), " "); got != want {
			t.Fatalf("DecodeDigits(EncodeDigits(%q)) = %q, want %q", string(text), got, want)
		}
		again, err := b.EncodeDigits(got)
		if err != nil || again != digits {
			t.Fatalf("text %q: EncodeDigits(canonical %q) = %s, %v; want %s", string(text), got, again, err, digits)
		}
	}
}
