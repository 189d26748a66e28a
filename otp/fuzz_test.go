package otp

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParse checks the parser's round trip: whatever Parse accepts, WriteTo
// writes, and the output parses to an equal pad and is its own canonical
// form.
func FuzzParse(f *testing.F) {
	f.Add(readTestPad(f))
	f.Add([]byte(smallHeader + smallPage("1", "11111", '1') + "PAGE 2 BURNED\n# failed-authentications: 3\n"))
	f.Add([]byte("# ciphergram pad v1\n# made by hand\n# id: X\n# from: A\n# to: B\n# groups-per-page: 10\nPAGE 3\n# failed-authentications: 1\n" +
		"00001 00002 00003 00004 00005 00006 00007 00008 00009 00010\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		pad, err := Parse(bytes.NewReader(in))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := pad.WriteTo(&out); err != nil {
			t.Fatalf("WriteTo of a parsed pad: %v", err)
		}
		first := bytes.Clone(out.Bytes())
		back, err := Parse(&out)
		if err != nil {
			t.Fatalf("Parse of WriteTo output: %v\n%s", err, first)
		}
		if !reflect.DeepEqual(back, pad) {
			t.Fatalf("round trip changed the pad:\n%s", first)
		}
		out.Reset()
		if _, err := back.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), first) {
			t.Fatalf("canonical form is not stable (err %v)", err)
		}
	})
}
