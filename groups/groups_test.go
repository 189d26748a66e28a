package groups

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// The worked example of the Smithsonian's "How to Cipher Like a Soviet"
// (see shared background note, section 1.8): PILOT DELIVERED REPORT ABOUT
// ROCKETS regrouped and added to pad groups 56328 29731 35682 23798.
func TestAddKnownAnswer(t *testing.T) {
	plain := []string{"79342", "15711", "39387", "22166"}
	key := []string{"56328", "29731", "35682", "23798"}
	want := []string{"25660", "34442", "64969", "45854"}
	for i := range plain {
		if got := AddString(plain[i], key[i]); got != want[i] {
			t.Errorf("%s + %s = %s, want %s", plain[i], key[i], got, want[i])
		}
		if got := SubString(want[i], key[i]); got != plain[i] {
			t.Errorf("%s - %s = %s, want %s", want[i], key[i], got, plain[i])
		}
	}
	if got := ToLetters("26473"); got != "UETWZ" {
		t.Errorf("ToLetters(26473) = %s, want UETWZ", got)
	}
}

// TestAddExhaustive checks every digit pair in every lane of the word-at-a-
// time path and of the byte tail.
func TestAddExhaustive(t *testing.T) {
	for x := byte(0); x < 10; x++ {
		for y := byte(0); y < 10; y++ {
			for _, n := range []int{1, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200} {
				a := bytes.Repeat([]byte{'0' + x}, n)
				b := bytes.Repeat([]byte{'0' + y}, n)
				sum := make([]byte, n)
				diff := make([]byte, n)
				Add(sum, a, b)
				Sub(diff, a, b)
				ws, wd := '0'+(x+y)%10, '0'+(x+10-y)%10
				for i := 0; i < n; i++ {
					if sum[i] != ws || diff[i] != wd {
						t.Fatalf("n=%d lane %d: %d+%d=%c %d-%d=%c; want %c %c", n, i, x, y, sum[i], x, y, diff[i], ws, wd)
					}
				}
			}
		}
	}
}

func TestAddSubRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200; n++ {
		a, b := randDigits(r, n), randDigits(r, n)
		c := make([]byte, n)
		Add(c, a, b)
		Sub(c, c, b) // aliasing dst and a
		if !bytes.Equal(c, a) {
			t.Fatalf("n=%d: (a+b)-b = %s, want %s", n, c, a)
		}
	}
}

// TestAddSubKernels checks Add and Sub (vector kernel, words and bytes)
// against a digit-by-digit reference, for every length up to 300, at every
// misalignment of the three buffers, and with dst aliasing a or b.
func TestAddSubKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ref := func(a, b []byte, sub bool) []byte {
		out := make([]byte, len(a))
		for i := range a {
			x, y := int(a[i]-'0'), int(b[i]-'0')
			if sub {
				y = 10 - y
			}
			out[i] = byte('0' + (x+y)%10)
		}
		return out
	}
	for n := 0; n <= 300; n++ {
		for off := range 3 {
			a := randDigits(r, n+off)[off:]
			b := randDigits(r, n+2*off)[2*off:]
			for _, sub := range []bool{false, true} {
				op, words := Add, addWords
				if sub {
					op, words = Sub, subWords
				}
				want := ref(a, b, sub)
				dst := make([]byte, n+1)[1:]
				op(dst, a, b)
				if !bytes.Equal(dst, want) {
					t.Fatalf("n=%d off=%d sub=%t: got %s, want %s", n, off, sub, dst, want)
				}
				words(dst, a, b)
				if !bytes.Equal(dst, want) {
					t.Fatalf("words: n=%d off=%d sub=%t: got %s, want %s", n, off, sub, dst, want)
				}
				x, y := bytes.Clone(a), bytes.Clone(b)
				op(x, x, b) // dst is a
				op(y, a, y) // dst is b
				if !bytes.Equal(x, want) || !bytes.Equal(y, want) {
					t.Fatalf("aliased: n=%d off=%d sub=%t", n, off, sub)
				}
			}
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"UETWZ", "26473", false},
		{"uetwz", "26473", false},
		{"26473", "26473", false},
		{"OIUZTREWAP", "0123456789", false},
		{"UE7WZ", "", true},
		{"UEXWZ", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestSplitJoin(t *testing.T) {
	gs := Split("123456789012", 5)
	if len(gs) != 3 || gs[2] != "12" {
		t.Fatalf("Split = %q", gs)
	}
	if got := Join([]string{"a", "b", "c"}, 2); got != "a b\nc" {
		t.Fatalf("Join = %q", got)
	}
}

func randDigits(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0' + byte(r.IntN(10))
	}
	return b
}

func BenchmarkAdd(b *testing.B) {
	const n = 1 << 20
	r := rand.New(rand.NewPCG(1, 2))
	x, y, dst := randDigits(r, n), randDigits(r, n), make([]byte, n)
	b.SetBytes(n)
	for b.Loop() {
		Add(dst, x, y)
	}
}

func BenchmarkSub(b *testing.B) {
	const n = 1 << 20
	r := rand.New(rand.NewPCG(1, 2))
	x, y, dst := randDigits(r, n), randDigits(r, n), make([]byte, n)
	b.SetBytes(n)
	for b.Loop() {
		Sub(dst, x, y)
	}
}

func BenchmarkMemmove(b *testing.B) {
	const n = 1 << 20
	x, dst := make([]byte, n), make([]byte, n)
	b.SetBytes(n)
	for b.Loop() {
		copy(dst, x)
	}
}
