// Package groups holds the arithmetic and the spelling of the cipher's digit
// groups: non-carrying (digit-wise mod 10) addition and subtraction, cutting
// digit streams into groups, and the fixed digit-to-letter table used to cable
// groups as letters.
//
// Digit strings are ASCII: each byte is '0'..'9'. The package does no I/O.
package groups

import (
	"errors"
	"fmt"
	"strings"
)

// ErrMixed is returned by Parse for a group that mixes digits and letters,
// which SPEC 2 makes an error rather than a garble.
var ErrMixed = errors.New("mixes digits and letters")

// Size is the number of digits in a transmission group.
const Size = 5

// CodeSize is the number of digits in a code group.
const CodeSize = 4

// letters maps digit d to its cable letter (SPEC 2): 0=O 1=I 2=U 3=Z 4=T 5=R
// 6=E 7=W 8=A 9=P.
const letters = "OIUZTREWAP"

// digitOf maps an upper- or lower-case cable letter to its digit, or 0xff.
var digitOf = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for d := 0; d < 10; d++ {
		t[letters[d]] = byte('0' + d)
		t[letters[d]+'a'-'A'] = byte('0' + d)
	}
	return t
}()

// IsDigits reports whether s is non-empty and made only of ASCII digits.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ToLetters spells a digit string in cable letters. It panics on a non-digit,
// which is a programming error: callers hold validated groups.
func ToLetters(digits string) string {
	b := make([]byte, len(digits))
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			panic("groups: ToLetters on non-digit " + fmt.Sprintf("%q", c))
		}
		b[i] = letters[c-'0']
	}
	return string(b)
}

// Parse reads one received group written in digits or cable letters (either
// case) and returns it as digits. A group that mixes digits and letters, or
// holds a character that is neither, is an error; the length is not checked.
func Parse(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty group")
	}
	var nd, nl int
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			nd++
			b[i] = c
		case digitOf[c] != 0xff:
			nl++
			b[i] = digitOf[c]
		default:
			return "", fmt.Errorf("group %q: character %q is neither a digit nor a cable letter (%s)", s, c, letters)
		}
	}
	if nd > 0 && nl > 0 {
		return "", fmt.Errorf("group %q %w", s, ErrMixed)
	}
	return string(b), nil
}

// Split cuts a digit string into groups of n digits. The last group is
// shorter when len(digits) is not a multiple of n.
func Split(digits string, n int) []string {
	out := make([]string, 0, (len(digits)+n-1)/n)
	for len(digits) > n {
		out = append(out, digits[:n])
		digits = digits[n:]
	}
	if digits != "" {
		out = append(out, digits)
	}
	return out
}

// Join writes groups separated by single spaces, perLine groups to a line
// (no trailing space, lines ended by "\n" except the last).
func Join(gs []string, perLine int) string {
	var b strings.Builder
	for i, g := range gs {
		if i > 0 {
			if perLine > 0 && i%perLine == 0 {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(g)
	}
	return b.String()
}
