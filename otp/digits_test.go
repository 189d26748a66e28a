package otp

import (
	crand "crypto/rand"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/cryptotest"
	"testing/iotest"
)

// ChiSquareCritical99 is the chi-square critical value for 99 degrees of
// freedom (100 digit pairs) at significance 0.001. Source: NIST/SEMATECH
// e-Handbook of Statistical Methods, section 1.3.6.7.4.
const chiSquareCritical99 = 148.230

// packChunks packs 10-bit chunks, four to five bytes, most significant
// first: the layout DigitReader reads.
func packChunks(t testing.TB, chunks []uint16) []byte {
	t.Helper()
	if len(chunks)%chunksPer != 0 {
		t.Fatalf("%d chunks is not a whole number of blocks", len(chunks))
	}
	var out []byte
	for i := 0; i < len(chunks); i += chunksPer {
		var x uint64
		for _, c := range chunks[i : i+chunksPer] {
			x = x<<10 | uint64(c&1023)
		}
		out = append(out, byte(x>>32), byte(x>>24), byte(x>>16), byte(x>>8), byte(x))
	}
	return out
}

// digitSource returns a source from which a DigitReader reads exactly the
// given digits (then up to two '0's and EOF).
func digitSource(t testing.TB, digits string) io.Reader {
	for len(digits)%digitsPer != 0 {
		digits += "0"
	}
	var chunks []uint16
	for i := 0; i < len(digits); i += digitsPer {
		v, _ := strconv.Atoi(digits[i : i+digitsPer])
		chunks = append(chunks, uint16(v))
	}
	for len(chunks)%chunksPer != 0 {
		chunks = append(chunks, 1023) // rejected
	}
	return strings.NewReader(string(packChunks(t, chunks)))
}

// TestDigitReaderExhaustive feeds every 10-bit chunk once: the output must be
// every three-digit string once, in order, so each digit position is exactly
// uniform when the chunks are; chunks 1000..1023 give nothing.
func TestDigitReaderExhaustive(t *testing.T) {
	chunks := make([]uint16, 1024)
	for i := range chunks {
		chunks[i] = uint16(i)
	}
	got, err := io.ReadAll(NewDigitReader(strings.NewReader(string(packChunks(t, chunks)))))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for v := range 1000 {
		want.WriteString(strconv.Itoa(1000 + v)[1:])
	}
	if string(got) != want.String() {
		t.Errorf("digits of chunks 0..1023: got %d digits, want %d (000 001 ... 999)", len(got), want.Len())
	}
}

// TestDigitReaderRejects starts the source with 63 chunks that must all be
// rejected (every value 1000..1023), then mixes rejected and kept ones.
func TestDigitReaderRejects(t *testing.T) {
	var chunks []uint16
	for i := range 63 {
		chunks = append(chunks, uint16(1000+i%24))
	}
	chunks = append(chunks, 999, 1023, 0, 123, 1000)
	got, err := io.ReadAll(NewDigitReader(strings.NewReader(string(packChunks(t, chunks)))))
	if err != nil || string(got) != "999000123" {
		t.Errorf("got %q, %v; want 999000123", got, err)
	}
}

type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

type emptyReader struct{}

func (emptyReader) Read(p []byte) (int, error) { return 0, nil }

func TestDigitReaderBrokenSource(t *testing.T) {
	tests := []struct {
		name string
		src  io.Reader
		err  string
	}{
		{"ErrAllRejected", constReader(0xff), "random source is broken"},
		{"ErrNoProgress", emptyReader{}, io.ErrNoProgress.Error()},
		{"ErrSource", iotest.ErrReader(errors.New("entropy gone")), "entropy gone"},
		{"ErrEOF", strings.NewReader("\x00\x00\x00\x00\x00"), "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := make([]byte, 100)
			n, err := NewDigitReader(tt.src).Read(buf)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Read = %d, %v; want error %q", n, err, tt.err)
			}
			if tt.name == "ErrEOF" && string(buf[:n]) != "000000000000" {
				t.Errorf("digits before EOF = %q, want 12 zeros", buf[:n])
			}
		})
	}
}

// TestDigitReaderReadSizes checks that the digit stream depends only on the
// source bytes, not on how either side splits its reads.
func TestDigitReaderReadSizes(t *testing.T) {
	const total = 50_000
	want := make([]byte, total)
	if _, err := io.ReadFull(NewDigitReader(rand.NewChaCha8([32]byte{1})), want); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 2, 3, 7, 300, 4096, 9831} {
		dr := NewDigitReader(iotest.OneByteReader(rand.NewChaCha8([32]byte{1})))
		got := make([]byte, 0, total)
		buf := make([]byte, size)
		for len(got) < total {
			n, err := dr.Read(buf[:min(size, total-len(got))])
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != string(want) {
			t.Errorf("reads of %d digits from a one-byte source give a different stream", size)
		}
	}
}

func TestDigitReaderWipe(t *testing.T) {
	dr := NewDigitReader(rand.NewChaCha8([32]byte{2}))
	buf := make([]byte, 10)
	if _, err := dr.Read(buf); err != nil {
		t.Fatal(err)
	}
	dr.Wipe()
	for i, b := range append(dr.raw[:], dr.dig[:]...) {
		if b != 0 {
			t.Fatalf("byte %d = %#x after Wipe", i, b)
		}
	}
	if _, err := dr.Read(buf); err != nil || DigitCounts(buf)[0] == 10 {
		t.Errorf("Read after Wipe = %q, %v", buf, err)
	}
}

func TestChiSquare(t *testing.T) {
	tests := []struct {
		counts []int
		want   float64
	}{
		{[]int{10, 10, 10, 10}, 0},
		{[]int{5, 15}, 5},
		{[]int{0, 0, 0}, 0},
		{[]int{30, 0, 0}, 60},
	}
	for _, tt := range tests {
		if got := ChiSquare(tt.counts); got != tt.want {
			t.Errorf("ChiSquare(%v) = %v, want %v", tt.counts, got, tt.want)
		}
	}
}

const statDigits = 1_000_000

// digitStats returns the chi-square statistics of digits: single digits
// (9 d.o.f.), non-overlapping pairs (99 d.o.f.), and each position within
// the three-digit chunks (9 d.o.f. each).
func digitStats(d []byte) (single, pairs float64, pos [3]float64) {
	pc := make([]int, 100)
	for i := 0; i+1 < len(d); i += 2 {
		pc[int(d[i]-'0')*10+int(d[i+1]-'0')]++
	}
	var byPos [3][]byte
	for i, c := range d {
		byPos[i%3] = append(byPos[i%3], c)
	}
	for i := range pos {
		pos[i] = ChiSquare(DigitCounts(byPos[i]))
	}
	return ChiSquare(DigitCounts(d)), ChiSquare(pc), pos
}

// TestDigitReaderUniform draws a million digits from crypto/rand, made
// deterministic by cryptotest.SetGlobalRandom so the test cannot flake, and
// checks them against the 0.001 critical values.
func TestDigitReaderUniform(t *testing.T) {
	cryptotest.SetGlobalRandom(t, 1941)
	d := make([]byte, statDigits)
	if _, err := io.ReadFull(NewDigitReader(crand.Reader), d); err != nil {
		t.Fatal(err)
	}
	single, pairs, pos := digitStats(d)
	t.Logf("chi-square: digits %.2f, pairs %.2f, chunk positions %.2f", single, pairs, pos)
	if single > ChiSquareCritical9 {
		t.Errorf("digit chi-square %.2f > %.3f", single, ChiSquareCritical9)
	}
	if pairs > chiSquareCritical99 {
		t.Errorf("pair chi-square %.2f > %.3f", pairs, chiSquareCritical99)
	}
	for i, x := range pos {
		if x > ChiSquareCritical9 {
			t.Errorf("position %d chi-square %.2f > %.3f", i, x, ChiSquareCritical9)
		}
	}
}

// TestChiSquareCatchesBias shows the test has teeth: the naive b % 10
// (digits 0-5 come from 26 byte values, 6-9 from 25) and a DigitReader over
// a source whose bits are 1 three times in four both fail it.
func TestChiSquareCatchesBias(t *testing.T) {
	cryptotest.SetGlobalRandom(t, 1942)
	raw := make([]byte, statDigits)
	crand.Read(raw)
	naive := make([]byte, statDigits)
	for i, b := range raw {
		naive[i] = '0' + b%10
	}
	skewed := make([]byte, statDigits)
	if _, err := io.ReadFull(NewDigitReader(orReader{}), skewed); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		digits []byte
	}{{"b%10", naive}, {"skewed-bits", skewed}} {
		x := ChiSquare(DigitCounts(tt.digits))
		t.Logf("%s: chi-square %.1f (critical %.3f)", tt.name, x, ChiSquareCritical9)
		if x <= ChiSquareCritical9 {
			t.Errorf("%s: chi-square %.2f does not exceed %.3f", tt.name, x, ChiSquareCritical9)
		}
	}
}

// orReader ORs two crypto/rand bytes: each bit is 1 with probability 3/4.
type orReader struct{}

func (orReader) Read(p []byte) (int, error) {
	q := make([]byte, len(p))
	crand.Read(p)
	crand.Read(q)
	for i := range p {
		p[i] |= q[i]
	}
	return len(p), nil
}

func BenchmarkDigitReader(b *testing.B) {
	for _, size := range []int{300, 64 << 10} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			dr := NewDigitReader(crand.Reader)
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				dr.Read(buf)
			}
			b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "digits/s")
		})
	}
}

// BenchmarkDigitReaderConvert measures the conversion alone, over a fast
// non-cryptographic source.
func BenchmarkDigitReaderConvert(b *testing.B) {
	dr := NewDigitReader(rand.NewChaCha8([32]byte{}))
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		dr.Read(buf)
	}
	b.ReportMetric(float64(len(buf))*float64(b.N)/b.Elapsed().Seconds(), "digits/s")
}

// BenchmarkCryptoRandBytes is the baseline: crypto/rand bytes, same counts.
func BenchmarkCryptoRandBytes(b *testing.B) {
	for _, size := range []int{300, 64 << 10} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				crand.Read(buf)
			}
		})
	}
}
