package office

import (
	"testing"

	"ciphergram"
)

// FuzzParseRepeat: a service message from a peer parses into a request
// that prints back as itself, or is refused as invalid; never a panic.
func FuzzParseRepeat(f *testing.F) {
	for _, s := range []string{"REPEAT NR 278 PARTS 2", "REPEAT NR 1 PARTS 1 2 3", "REPEAT NR x PARTS 1", "REPEAT", "", "REPEAT NR 9999999999999999999999 PARTS 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		r, err := ParseRepeat(msg)
		if err != nil {
			if ciphergram.ErrorCode(err) != ciphergram.EINVALID {
				t.Fatalf("ParseRepeat(%q): %v, want invalid", msg, err)
			}
			return
		}
		again, err := ParseRepeat(r.String())
		if err != nil || again.String() != r.String() {
			t.Fatalf("ParseRepeat(%q) = %v, which reads back as %v, %v", msg, r, again, err)
		}
	})
}
