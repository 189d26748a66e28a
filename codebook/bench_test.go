package codebook

import (
	"strings"
	"testing"
)

// benchText is about 64 KB of the vectors' longest plaintext: a realistic
// mix of phrases, known words and spelled words.
func benchText(b *testing.B) string {
	for _, tc := range plaintexts(b) {
		if len(tc) > 500 {
			return strings.Repeat(tc, 65536/len(tc))
		}
	}
	b.Fatal("no long case")
	return ""
}

func BenchmarkEncode(b *testing.B) {
	c := testCodebook(b)
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := c.Encode(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode counts the bytes of the code groups' digits.
func BenchmarkDecode(b *testing.B) {
	c := testCodebook(b)
	gs, err := c.Encode(benchText(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(4 * len(gs)))
	for b.Loop() {
		c.Decode(gs)
	}
}

func BenchmarkCT46Encode(b *testing.B) {
	ct := CT46()
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ct.EncodeDigits(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCT46Decode(b *testing.B) {
	ct := CT46()
	d, err := ct.EncodeDigits(benchText(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(d)))
	for b.Loop() {
		ct.DecodeDigits(d)
	}
}
