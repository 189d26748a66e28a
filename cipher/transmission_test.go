package cipher

import "testing"

// TestFormatGarbled: a transmission with an unreadable group formats in
// either form with the group's marks kept, and reads back the same.
func TestFormatGarbled(t *testing.T) {
	in := "CIPHERGRAM FROM LONDON TO CENTRE NR 1 PART 1/1 GR 3 PREC R\nWWZTA W?ZTA OIUZT\n"
	ts, err := ParseTransmissions(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, letters := range []bool{true, false} {
		again, err := ParseTransmissions(ts[0].Format(letters))
		if err != nil {
			t.Fatalf("letters=%t: %v", letters, err)
		}
		if len(again[0].Garbles) != 1 || again[0].Garbles[0].Group != 2 || again[0].Groups[0] != ts[0].Groups[0] || again[0].Groups[2] != ts[0].Groups[2] {
			t.Errorf("letters=%t: %+v, want group 2 garbled and the others kept", letters, again[0])
		}
	}
}
