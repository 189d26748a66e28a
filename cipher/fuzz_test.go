package cipher

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ciphergram/codebook"
	"ciphergram/telegram"
)

// FuzzParseTransmissions: the parser never panics, and whatever it accepts
// without garbles survives a format/parse round trip unchanged.
func FuzzParseTransmissions(f *testing.F) {
	paths, _ := filepath.Glob("../testdata/cases/*.txt")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if _, body, ok := strings.Cut(string(b), "-- transmission 1 --\n"); ok {
			f.Add(body)
		}
	}
	f.Add("CIPHERGRAM FROM A TO B NR 1 PART 1/1 GR 4 PREC Z\n?? 1234? OIUZT 12345\n")
	f.Fuzz(func(t *testing.T, text string) {
		ts, err := ParseTransmissions(text)
		if err != nil {
			return
		}
		for _, tr := range ts {
			if len(tr.Garbles) > 0 {
				return
			}
		}
		again, err := ParseTransmissions(FormatAll(ts, false))
		if err != nil {
			t.Fatalf("formatted transmissions do not parse: %v", err)
		}
		for i := range ts {
			if !slices.Equal(ts[i].Groups, again[i].Groups) || ts[i].Preamble() != again[i].Preamble() {
				t.Fatalf("round trip changed part %d", i+1)
			}
		}
	})
}

// benchText is the demonstration telegram: real telegram prose for the
// default codebook.
func benchText(b *testing.B) string {
	return telegram.DemoText
}

// BenchmarkEncipher measures a whole encipherment of telegram prose:
// encoding, regrouping, pad addition, MAC and layout (bytes are plaintext).
func BenchmarkEncipher(b *testing.B) {
	cb := codebook.Default()
	text := benchText(b)
	pad := testPad(b, 40)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		p, err := Prepare(cb, text, Authenticated, 60)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Seal(Message{From: "LONDON", To: "CENTRE", Nr: 1, Day: 1, Prec: Routine}, pad.Pages[:p.Parts()]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecipher measures parsing, verification, subtraction and
// decoding of the same telegram (bytes are plaintext).
func BenchmarkDecipher(b *testing.B) {
	cb := codebook.Default()
	text := benchText(b)
	pad := testPad(b, 40)
	p, err := Prepare(cb, text, Authenticated, 60)
	if err != nil {
		b.Fatal(err)
	}
	ts, err := p.Seal(Message{From: "LONDON", To: "CENTRE", Nr: 1, Day: 1, Prec: Routine}, pad.Pages[:p.Parts()])
	if err != nil {
		b.Fatal(err)
	}
	wire := FormatAll(ts, true)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		ts, err := ParseTransmissions(wire)
		if err != nil {
			b.Fatal(err)
		}
		o, err := Open(Authenticated, ts, PadKeys(pad))
		if err != nil {
			b.Fatal(err)
		}
		_ = o.Text(cb)
	}
}
