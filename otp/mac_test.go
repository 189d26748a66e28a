package otp

import (
	"bufio"
	"math/bits"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// macVector is one line of ../testdata/mac.txt (SPEC 6 known answers):
// digits, r, s and the expected tag.
type macVector struct {
	line               int
	digits, r, s, want string
}

func readMACVectors(t testing.TB) []macVector {
	t.Helper()
	f, err := os.Open("../testdata/mac.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []macVector
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 {
			t.Fatalf("mac.txt line %d: %d fields, want 4", n, len(f))
		}
		vs = append(vs, macVector{n, f[0], f[1], f[2], f[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("mac.txt has no vectors")
	}
	return vs
}

func TestTagKnownAnswers(t *testing.T) {
	for _, v := range readMACVectors(t) {
		t.Run("line"+strconv.Itoa(v.line), func(t *testing.T) {
			t.Parallel()
			key, err := MACKeyFromDigits([]byte(v.r + v.s))
			if err != nil {
				t.Fatal(err)
			}
			if got := Tag(key, []byte(v.digits)); got != v.want {
				t.Errorf("Tag(%d digits) = %s, want %s", len(v.digits), got, v.want)
			}
			if !Verify(key, []byte(v.digits), v.want) {
				t.Errorf("Verify rejects the known tag")
			}
		})
	}
}

// TestMulmod checks the Barrett reduction against math/bits.Div64 at the
// edges of its domain and on random operands.
func TestMulmod(t *testing.T) {
	const p = MACPrime
	maxA := uint64(p + 2*100000000000000 - 1) // h < p plus m < 2*10^14
	edges := []uint64{0, 1, 2, p - 1, p, p + 1, 1 << 49, 1<<50 - 1, maxA}
	check := func(a, b uint64) {
		hi, lo := bits.Mul64(a, b)
		_, want := bits.Div64(hi, lo, p)
		if got := mulmod(a, b); got != want {
			t.Fatalf("mulmod(%d, %d) = %d, want %d", a, b, got, want)
		}
	}
	for _, a := range edges {
		for _, b := range edges {
			if b < p {
				check(a, b)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		check(r.Uint64N(maxA+1), r.Uint64N(p))
	}
}

func testKey(t testing.TB) MACKey {
	key, err := MACKeyFromDigits([]byte("314159265358979323846264338327"))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestTagEveryDigitCounts changes each digit of a 300-digit message in turn,
// to every other value, and also truncates and extends it: every change
// must change the tag.
func TestTagEveryDigitCounts(t *testing.T) {
	key := testKey(t)
	r := rand.New(rand.NewPCG(3, 4))
	msg := make([]byte, 300)
	for i := range msg {
		msg[i] = byte('0' + r.IntN(10))
	}
	base := Tag(key, msg)
	for i := range msg {
		orig := msg[i]
		for d := byte('0'); d <= '9'; d++ {
			if d == orig {
				continue
			}
			msg[i] = d
			if Tag(key, msg) == base {
				t.Errorf("digit %d changed %c -> %c: tag unchanged", i, orig, d)
			}
		}
		msg[i] = orig
	}
	// Length matters too: a leading-zero chunk differs from a shorter one.
	if Tag(key, msg[:299]) == base || Tag(key, append(msg[:300:300], '0')) == base {
		t.Error("changing the length kept the tag")
	}
}

func TestVerify(t *testing.T) {
	key := testKey(t)
	msg := []byte("00463252513427329434507713")
	tag := Tag(key, msg)
	flipped := []byte(tag)
	flipped[14] = '0' + (flipped[14]-'0'+1)%10
	tests := []struct {
		name string
		msg  []byte
		tag  string
		want bool
	}{
		{"OK", msg, tag, true},
		{"ErrLastDigit", msg, string(flipped), false},
		{"ErrMessage", []byte("00463252513427329434507714"), tag, false},
		{"ErrShortTag", msg, tag[:14], false},
		{"ErrLongTag", msg, tag + "0", false},
		{"ErrLetterTag", msg, "A" + tag[1:], false},
		{"ErrNonDigitMessage", []byte("0046x"), tag, false},
		{"ErrOtherKey", msg, Tag(MACKey{r: 1, s: 2}, msg), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(key, tt.msg, tt.tag); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMACKeyFromDigits(t *testing.T) {
	tests := []struct {
		name, in string
		r, s     uint64
		err      string
	}{
		{"OK", "314159265358979323846264338327", 314159265358979, 323846264338327, ""},
		{"OKReduced", "999999999999999999999999999989", 10, 0, ""},
		{"ErrShort", "31415926535897932384626433832", 0, 0, "29 digits, want 30"},
		{"ErrNonDigit", "3141592653589793238462643383x7", 0, 0, "position 29 is not a digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := MACKeyFromDigits([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "3141") {
					t.Errorf("error %q quotes key digits", err)
				}
				return
			}
			if err != nil || k.r != tt.r || k.s != tt.s {
				t.Errorf("got r=%d s=%d err=%v, want r=%d s=%d", k.r, k.s, err, tt.r, tt.s)
			}
		})
	}
}

func TestTagPanicsOnNonDigit(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Tag accepted a non-digit")
		}
	}()
	Tag(testKey(t), []byte("12a"))
}

// BenchmarkTag300 tags a 300-digit message (one full page's worth).
func BenchmarkTag300(b *testing.B) {
	key := testKey(b)
	msg := []byte(strings.Repeat("0123456789", 30))
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		Tag(key, msg)
	}
}
