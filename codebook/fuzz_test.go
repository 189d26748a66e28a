package codebook

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// FuzzParse checks that the codebook parser never panics and that whatever
// it accepts writes back to a file it reads to the same codebook.
func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("../testdata/codebook.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(bytes.Replace(data, []byte("0050\tAMBASSADOR"), []byte("0050\tAMBASSADOR\n0050\tX"), 1))
	f.Add([]byte(fileHeader + "\n# c\n\n0050\tOUR NOTE\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if _, err := c.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		c2, err := Parse(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("Parse(WriteTo) failed: %v", err)
		}
		if c2.Fingerprint() != c.Fingerprint() || !slices.Equal(c2.Entries(), c.Entries()) {
			t.Fatalf("Parse(WriteTo) gives another codebook")
		}
	})
}

// FuzzEncode checks the fixed point Encode(Decode(Encode(T))) == Encode(T)
// for any text the encoder accepts, that a refused text gets a *TextError
// with a position, and that decoding arbitrary digits never panics; and the
// same for CT-46.
func FuzzEncode(f *testing.F) {
	c := testCodebook(f)
	for _, tc := range plaintexts(f) {
		f.Add(tc)
	}
	f.Add("14 - 4, 1/2 «Ёлки» Stalin’s — ok… \u00a0 й\u0306 e\u0301\r\n\r\n(x)")
	f.Add("4411 1646 12?4 7277")
	ct := CT46()
	f.Fuzz(func(t *testing.T, text string) {
		_ = c.DecodeDigits(text)
		_ = ct.DecodeDigits(text)
		_ = c.Decode(strings.Fields(text))
		gs, err := c.Encode(text)
		if err != nil {
			var te *TextError
			if !errors.As(err, &te) || te.Line < 1 || te.Col < 1 {
				t.Fatalf("Encode(%q) error %v is not a positioned *TextError", text, err)
			}
			return
		}
		checkFixedPoint(t, c, text, gs)
		d, err := ct.EncodeDigits(text)
		if err != nil {
			return
		}
		if again, err := ct.EncodeDigits(ct.DecodeDigits(d)); err != nil || again != d {
			t.Fatalf("CT-46: text %q: digits %s, again %s, %v", text, d, again, err)
		}
	})
}

// plaintexts returns the plaintexts of the vectors, for seeding.
func plaintexts(t testing.TB) []string {
	paths, _ := os.ReadDir("../testdata/cases")
	var out []string
	for _, p := range paths {
		data, err := os.ReadFile("../testdata/cases/" + p.Name())
		if err != nil {
			t.Fatal(err)
		}
		if _, rest, ok := strings.Cut(string(data), "-- plaintext --\n"); ok {
			text, _, _ := strings.Cut(rest, "\n-- ")
			out = append(out, text)
		}
	}
	return out
}

// FuzzParseCheckerboard checks that the board parser never panics and that
// every board it accepts encodes each of its symbols to its code and back.
func FuzzParseCheckerboard(f *testing.F) {
	f.Add([]byte(ct46File))
	if data, err := os.ReadFile("testdata/board.txt"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(boardHeader + "\n1\tA\n2\tB\n30\tSPACE\n31\tPARAGRAPH\n32\tCODE\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseCheckerboard(bytes.NewReader(data))
		if err != nil {
			return
		}
		_ = b.DecodeDigits(string(data))
		for line := range strings.Lines(string(data)) {
			code, sym, ok := strings.Cut(strings.TrimRight(line, "\r\n"), "\t")
			if !ok || strings.HasPrefix(code, "#") || len([]rune(sym)) != 1 {
				continue
			}
			if got, err := b.EncodeDigits(sym); err != nil || got != code {
				t.Fatalf("EncodeDigits(%q) = %s, %v; want %s", sym, got, err, code)
			}
			if got := b.DecodeDigits(code); got != sym {
				t.Fatalf("DecodeDigits(%s) = %q, want %q", code, got, sym)
			}
		}
	})
}
