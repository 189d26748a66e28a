package otp

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"math/bits"
)

// The MAC of SPEC 6: a polynomial (Carter-Wegman) one-time authenticator
// over the prime field of order MACPrime, keyed by 30 pad digits.
const (
	MACPrime     = 999999999999989 // 10^15 - 11
	MACKeyDigits = 30              // six pad groups: r then s, 15 digits each
	MACKeyGroups = MACKeyDigits / GroupSize
	TagDigits    = 15 // three groups T1 T2 T3
	TagGroups    = TagDigits / GroupSize
	chunkDigits  = 14 // message digits per field element
)

// barrettMu is floor(2^101 / MACPrime), the Barrett constant of mulmod.
var barrettMu = func() uint64 {
	q, _ := bits.Div64(1<<(101-64), 0, MACPrime)
	return q
}()

var pow10 = func() (t [chunkDigits + 1]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// MACKey is the one-time key (r, s) of one authenticated part. Its fields
// are unexported and it formats and logs as redacted.
type MACKey struct{ r, s uint64 }

// MACKeyFromDigits reads a key from 30 pad digits: r is the first 15 read as
// a decimal integer mod MACPrime, s the next 15 mod MACPrime. Errors do not
// quote the digits.
func MACKeyFromDigits(d []byte) (MACKey, error) {
	if len(d) != MACKeyDigits {
		return MACKey{}, fmt.Errorf("MAC key: %d digits, want %d", len(d), MACKeyDigits)
	}
	for i, c := range d {
		if c < '0' || c > '9' {
			return MACKey{}, fmt.Errorf("MAC key: position %d is not a digit", i+1)
		}
	}
	return MACKey{r: reduce(decimal(d[:15])), s: reduce(decimal(d[15:]))}, nil
}

// Tag returns the 15-digit tag of the digit string msg under key:
// msg is cut into chunks of 14 digits (the last may be shorter), a chunk c of
// length l is the field element m = 10^l + c, h = (h + m) * r for each chunk
// from h = 0, and the tag is h + s, all mod MACPrime. It panics if msg holds
// a byte that is not an ASCII digit: callers pass parsed groups.
//
// The arithmetic takes the same time whatever the key: no division
// instruction and no branch depends on r, s or h.
func Tag(key MACKey, msg []byte) string {
	for i, c := range msg {
		if c < '0' || c > '9' {
			panic(fmt.Sprintf("otp: Tag: message byte %d is not a digit", i))
		}
	}
	var h uint64
	for len(msg) > 0 {
		l := min(chunkDigits, len(msg))
		m := pow10[l] + decimal(msg[:l])
		h = mulmod(h+m, key.r)
		msg = msg[l:]
	}
	t := reduce(h + key.s)
	var out [TagDigits]byte
	for i := TagDigits - 1; i >= 0; i-- {
		out[i] = byte('0' + t%10)
		t /= 10
	}
	return string(out[:])
}

// Verify reports whether tag is the tag of msg under key, comparing in
// constant time. A tag that is not 15 digits, or a message with a
// non-digit, does not verify.
func Verify(key MACKey, msg []byte, tag string) bool {
	if len(tag) != TagDigits || !allDigits([]byte(tag)) || !allDigits(msg) {
		return false
	}
	want := Tag(key, msg)
	return subtle.ConstantTimeCompare([]byte(want), []byte(tag)) == 1
}

// Wipe zeroes the key.
func (k *MACKey) Wipe() { *k = MACKey{} }

// String returns "otp.MACKey(REDACTED)".
func (k MACKey) String() string { return "otp.MACKey(REDACTED)" }

// Format makes every fmt verb print String.
func (k MACKey) Format(f fmt.State, verb rune) { fmt.Fprint(f, k.String()) }

// LogValue implements slog.LogValuer with a redacted value.
func (k MACKey) LogValue() slog.Value { return slog.StringValue("REDACTED") }

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decimal reads at most 19 ASCII digits as an integer, without branching
// on their values.
func decimal(d []byte) uint64 {
	var v uint64
	for _, c := range d {
		v = v*10 + uint64(c-'0')
	}
	return v
}

// reduce returns x mod MACPrime for x < 2*MACPrime, in constant time.
func reduce(x uint64) uint64 {
	t := x - MACPrime
	keep := -(t >> 63) // all ones if x < MACPrime (t wrapped)
	return t ^ ((t ^ x) & keep)
}

// mulmod returns a*b mod MACPrime for a*b < 2^101 (a < 2^51, b < 2^50), by
// Barrett reduction: q = floor(floor(ab / 2^49) * mu / 2^52) falls short of
// floor(ab / p) by at most 2, so ab - q*p < 3p, and two constant-time
// subtractions finish. (The bound: q > ab/p - ab/2^101 - 2^49/p - 1 >
// ab/p - 2.57.)
func mulmod(a, b uint64) uint64 {
	xhi, xlo := bits.Mul64(a, b)
	q1 := xhi<<15 | xlo>>49
	qhi, qlo := bits.Mul64(q1, barrettMu)
	q := qhi<<12 | qlo>>52
	r := xlo - q*MACPrime // exact: the true remainder is below 2^52
	return reduce(reduce(r))
}
