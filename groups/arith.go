package groups

import (
	"encoding/binary"
	"fmt"
)

// Non-carrying arithmetic over ASCII digit strings, eight digits per machine
// word (SWAR). For one byte holding a digit value x in 0..18, adding 0x76
// sets its top bit exactly when x >= 10; that bit, shifted down and times ten,
// is what must be taken off. No byte ever exceeds 0x7f+0x76 < 0x100 before the
// mask, so no carry crosses into the next byte.
const (
	ones   = 0x0101010101010101
	ascii0 = 0x30 * ones // '0' in every byte
	bias   = 0x76 * ones // 128 - 10
	high   = 0x80 * ones
)

// reduce10 brings every byte of v (each in 0..19) into 0..9.
func reduce10(v uint64) uint64 {
	ge := ((v + bias) & high) >> 7 // 1 in each byte that is >= 10
	return v - (ge<<3 + ge<<1)
}

// Add sets dst[i] = (a[i] + b[i]) mod 10, digit by digit, without carry. All
// three are ASCII digit strings of equal length; dst may alias a or b.
// It panics if the lengths differ. Inputs are not validated: callers pass
// digits they have already checked (see Check). On amd64 the bulk is done
// sixteen digits an instruction (arith_amd64.s); the rest, and everything
// elsewhere, eight digits a word.
func Add(dst, a, b []byte) {
	n := sameLen(dst, a, b)
	i := addBulk(dst, a, b)
	addWords(dst[i:n], a[i:n], b[i:n])
}

// Sub sets dst[i] = (a[i] - b[i]) mod 10, digit by digit, without borrow. The
// same rules as Add apply.
func Sub(dst, a, b []byte) {
	n := sameLen(dst, a, b)
	i := subBulk(dst, a, b)
	subWords(dst[i:n], a[i:n], b[i:n])
}

// addWords is Add without the vector kernel: four words an iteration, then
// a word, then a byte at a time. The slices have equal lengths.
func addWords(dst, a, b []byte) {
	n := len(a)
	dst, b = dst[:n], b[:n]
	i := 0
	for ; i+32 <= n; i += 32 {
		d, x, y := dst[i:i+32:i+32], a[i:i+32:i+32], b[i:i+32:i+32]
		binary.LittleEndian.PutUint64(d[0:], addWord(binary.LittleEndian.Uint64(x[0:]), binary.LittleEndian.Uint64(y[0:])))
		binary.LittleEndian.PutUint64(d[8:], addWord(binary.LittleEndian.Uint64(x[8:]), binary.LittleEndian.Uint64(y[8:])))
		binary.LittleEndian.PutUint64(d[16:], addWord(binary.LittleEndian.Uint64(x[16:]), binary.LittleEndian.Uint64(y[16:])))
		binary.LittleEndian.PutUint64(d[24:], addWord(binary.LittleEndian.Uint64(x[24:]), binary.LittleEndian.Uint64(y[24:])))
	}
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], addWord(binary.LittleEndian.Uint64(a[i:]), binary.LittleEndian.Uint64(b[i:])))
	}
	for ; i < n; i++ {
		s := (a[i] - '0') + (b[i] - '0')
		if s >= 10 {
			s -= 10
		}
		dst[i] = s + '0'
	}
}

// subWords is Sub without the vector kernel.
func subWords(dst, a, b []byte) {
	n := len(a)
	dst, b = dst[:n], b[:n]
	i := 0
	for ; i+32 <= n; i += 32 {
		d, x, y := dst[i:i+32:i+32], a[i:i+32:i+32], b[i:i+32:i+32]
		binary.LittleEndian.PutUint64(d[0:], subWord(binary.LittleEndian.Uint64(x[0:]), binary.LittleEndian.Uint64(y[0:])))
		binary.LittleEndian.PutUint64(d[8:], subWord(binary.LittleEndian.Uint64(x[8:]), binary.LittleEndian.Uint64(y[8:])))
		binary.LittleEndian.PutUint64(d[16:], subWord(binary.LittleEndian.Uint64(x[16:]), binary.LittleEndian.Uint64(y[16:])))
		binary.LittleEndian.PutUint64(d[24:], subWord(binary.LittleEndian.Uint64(x[24:]), binary.LittleEndian.Uint64(y[24:])))
	}
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], subWord(binary.LittleEndian.Uint64(a[i:]), binary.LittleEndian.Uint64(b[i:])))
	}
	for ; i < n; i++ {
		s := (a[i] - '0') + 10 - (b[i] - '0')
		if s >= 10 {
			s -= 10
		}
		dst[i] = s + '0'
	}
}

// addWord adds eight ASCII digits to eight, without carry.
func addWord(x, y uint64) uint64 {
	return reduce10(x-ascii0+y-ascii0) + ascii0
}

// subWord subtracts eight ASCII digits from eight, without borrow.
func subWord(x, y uint64) uint64 {
	return reduce10(x-ascii0+10*ones-(y-ascii0)) + ascii0
}

// AddString and SubString are the string forms of Add and Sub for short
// values such as single groups.
func AddString(a, b string) string {
	dst := make([]byte, len(a))
	Add(dst, []byte(a), []byte(b))
	return string(dst)
}

// SubString returns a - b, digit by digit mod 10.
func SubString(a, b string) string {
	dst := make([]byte, len(a))
	Sub(dst, []byte(a), []byte(b))
	return string(dst)
}

// Check returns an error naming the first byte of b that is not an ASCII
// digit.
func Check(b []byte) error {
	for i, c := range b {
		if c < '0' || c > '9' {
			return fmt.Errorf("position %d: %q is not a digit", i+1, c)
		}
	}
	return nil
}

func sameLen(dst, a, b []byte) int {
	if len(a) != len(b) || len(dst) != len(a) {
		panic(fmt.Sprintf("groups: length mismatch dst=%d a=%d b=%d", len(dst), len(a), len(b)))
	}
	return len(a)
}
