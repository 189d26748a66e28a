//go:build amd64 && !purego

package otp

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// readAll reads every digit of src, with the vector code or without.
func readAll(t *testing.T, src []byte, vec bool) ([]byte, error) {
	t.Helper()
	defer func(v bool) { haveVec = v }(haveVec)
	haveVec = vec
	return io.ReadAll(NewDigitReader(bytes.NewReader(src)))
}

// TestVectorSameDigits checks the vector code against the portable code:
// every chunk value in every one of the eight lanes, and random streams;
// the digits must be the same, byte for byte.
func TestVectorSameDigits(t *testing.T) {
	if !haveVec {
		t.Skip("no SSSE3")
	}
	var chunks []uint16
	for lane := range 8 {
		for v := range 1024 {
			for k := range 8 { // v in this lane, others varied
				c := uint16((v*7 + k*131 + lane) % 1024)
				if k == lane {
					c = uint16(v)
				}
				chunks = append(chunks, c)
			}
		}
	}
	r := rand.NewChaCha8([32]byte{9})
	random := make([]byte, 1<<20)
	r.Read(random)
	for name, src := range map[string][]byte{"every value in every lane": packChunks(t, chunks), "random": random,
		"odd tail": random[:1<<20-5-2]} {
		want, err := readAll(t, src, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, src, true)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the vector code gives other digits (%d, want %d)", name, len(got), len(want))
		}
	}
}

// TestVectorRejectRuns: runs of rejected chunks at every alignment, just
// short of maxRejects and at it, with the vector code and without: the
// shorter runs give the same digits, the longer ones errStuck.
func TestVectorRejectRuns(t *testing.T) {
	if !haveVec {
		t.Skip("no SSSE3")
	}
	for lead := range 16 {
		for _, run := range []int{maxRejects - 1, maxRejects, maxRejects + 5} {
			var chunks []uint16
			for i := range lead {
				chunks = append(chunks, uint16(i*37))
			}
			for i := range run {
				chunks = append(chunks, uint16(1000+i%24))
			}
			for i := 0; len(chunks)%8 != 0 || i < 24; i++ {
				chunks = append(chunks, uint16(i*41%1000))
			}
			src := packChunks(t, chunks)
			for _, vec := range []bool{false, true} {
				got, err := readAll(t, src, vec)
				switch {
				case run < maxRejects && err != nil:
					t.Errorf("lead %d, run %d, vector %t: %v", lead, run, vec, err)
				case run >= maxRejects && (err == nil || !strings.Contains(err.Error(), "broken")):
					t.Errorf("lead %d, run %d, vector %t: %d digits, %v; want the source reported broken", lead, run, vec, len(got), err)
				}
			}
			if run < maxRejects {
				a, _ := readAll(t, src, false)
				b, _ := readAll(t, src, true)
				if !bytes.Equal(a, b) {
					t.Errorf("lead %d, run %d: the vector code gives other digits", lead, run)
				}
			}
		}
	}
}
