package otp

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

func readTestPad(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/pad.txt")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseTestdata(t *testing.T) {
	in := readTestPad(t)
	pad, err := Parse(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if pad.ID != "TEST-1941" || pad.From != "LONDON" || pad.To != "CENTRE" || pad.GroupsPerPage != 60 {
		t.Errorf("header = %q %q %q %d", pad.ID, pad.From, pad.To, pad.GroupsPerPage)
	}
	if len(pad.Pages) != 40 || pad.Remaining() != 40 {
		t.Errorf("%d pages, %d remaining; want 40, 40", len(pad.Pages), pad.Remaining())
	}
	if got := pad.Pages[0].Indicator(); got != "00463" {
		t.Errorf("page 1 indicator = %s, want 00463", got)
	}
	if got := string(pad.Pages[0].Group(1)); got != "30206" {
		t.Errorf("page 1 group 1 = %s, want 30206", got)
	}
	if got := string(pad.Pages[0].Group(59)); got != "03000" {
		t.Errorf("page 1 group 59 = %s, want 03000", got)
	}
	var out bytes.Buffer
	n, err := pad.WriteTo(&out)
	if err != nil || n != int64(out.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d", n, err, out.Len())
	}
	if !bytes.Equal(out.Bytes(), in) {
		t.Errorf("WriteTo(Parse(pad.txt)) differs from pad.txt:\n%s", firstDiff(out.Bytes(), in))
	}
}

// firstDiff describes the first differing line of two texts.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ": got " + gl + "\nwant " + wl
		}
	}
	return "(no line differs)"
}

const smallHeader = "# ciphergram pad v1\n# id: T-1\n# from: A\n# to: B\n# groups-per-page: 12\n"

// smallPage writes a 12-group page whose groups are all "ddddd" except the
// indicator ind.
func smallPage(num, ind string, d byte) string {
	g := strings.Repeat(string(d), 5)
	return "PAGE " + num + "\n" + ind + strings.Repeat(" "+g, 9) + "\n" + g + " " + g + "\n"
}

// TestParseOK covers what Parse accepts beyond the canonical form: the
// canonical text it must write back is given where it differs.
func TestParseOK(t *testing.T) {
	p1, p2 := smallPage("1", "11111", '1'), smallPage("2", "22222", '2')
	tests := []struct {
		name, in, canonical string
	}{
		{"OKCanonical", smallHeader + p1 + p2, ""},
		{"OKBurned", smallHeader + "PAGE 1 BURNED\n" + p2, ""},
		{"OKFailures", smallHeader + strings.Replace(p1, "\n", "\n# failed-authentications: 2\n", 1) + p2, ""},
		{"OKBurnedFailures", smallHeader + "PAGE 1 BURNED\n# failed-authentications: 3\n" + p2, ""},
		{"OKZeroFailures", smallHeader + strings.Replace(p1, "\n", "\n# failed-authentications: 0\n", 1), smallHeader + p1},
		{"OKNotes", strings.Replace(smallHeader, "# id", "# made by hand\n#\n# id", 1) + p1,
			smallHeader + "# made by hand\n#\n" + p1},
		{"OKCommentsAmongPages", smallHeader + "# a header note\n" + p1 + "\n# dropped\n\n" + p2, smallHeader + "# a header note\n" + p1 + p2},
		{"OKCRLFAndSpaces", strings.ReplaceAll(smallHeader+p1, "\n", "  \r\n"), smallHeader + p1},
		{"OKTabs", smallHeader + strings.ReplaceAll(p1, " ", "\t"), smallHeader + p1},
		{"OKDefaultGroupsPerPage", strings.Replace(readTestPadString(), "# groups-per-page: 60\n", "", 1), readTestPadString()},
		{"OKGapInNumbers", smallHeader + p1 + smallPage("7", "77777", '7'), ""},
		{"OKHeaderOrder", "# ciphergram pad v1\n# to: B\n# groups-per-page: 12\n# from: A\n# id: T-1\n" + p1, smallHeader + p1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pad, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.canonical
			if want == "" {
				want = tt.in
			}
			var out strings.Builder
			if _, err := pad.WriteTo(&out); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Errorf("canonical form:\n%s\nwant:\n%s", out.String(), want)
			}
		})
	}
}

func readTestPadString() string {
	b, err := os.ReadFile("../testdata/pad.txt")
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestParseFailures(t *testing.T) {
	in := smallHeader + strings.Replace(smallPage("1", "11111", '1'), "\n", "\n# failed-authentications: 2\n", 1)
	pad, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := pad.Pages[0].Failures; got != 2 {
		t.Errorf("Failures = %d, want 2", got)
	}
}

func TestParseErrors(t *testing.T) {
	p1, p2 := smallPage("1", "11111", '1'), smallPage("2", "22222", '2')
	tests := []struct {
		name, in, err string
	}{
		{"ErrEmpty", "", "pad is empty"},
		{"ErrVersion", "# ciphergram pad v2\n" + p1, "pad line 1: not a pad file"},
		{"ErrNoPages", smallHeader, "pad has no pages"},
		{"ErrNoID", strings.Replace(smallHeader, "# id: T-1\n", "", 1) + p1, `pad line 5: header has no "# id: " line`},
		{"ErrRepeatKey", smallHeader + "# to: C\n" + p1, `pad line 6: header key "to" repeats`},
		{"ErrSpaceInName", strings.Replace(smallHeader, "B\n", "NEW YORK\n", 1) + p1, `pad line 4: to "NEW YORK" contains white space`},
		{"ErrGroupsPerPage", strings.Replace(smallHeader, "12", "x", 1) + p1, `pad line 5: groups-per-page "x" is not a number`},
		{"ErrSmallPages", strings.Replace(smallHeader, "12", "9", 1) + p1, `pad line 5: groups-per-page 9: want 10 to 10000`},
		{"ErrDigitsFirst", smallHeader + "11111\n", "pad line 6: text before the first PAGE line"},
		{"ErrPageLine", smallHeader + "PAGE one\n", `pad line 6: page number "one"`},
		{"ErrPageWord", smallHeader + "PAGE 1 USED\n", "pad line 6: malformed page line"},
		{"ErrDescending", smallHeader + p2 + p1, "pad line 9: page 1 follows page 2: pages must ascend"},
		{"ErrRepeatNumber", smallHeader + p1 + p1, "pad line 9: page 1 follows page 1"},
		{"ErrNonDigit", smallHeader + strings.Replace(p1, "11111 11111 1111", "11111 11111 11a1", 1), `pad line 7: group 3 has non-digit 'a' at position 3`},
		{"ErrGroupLength", smallHeader + strings.Replace(p1, "11111 11111", "11111 111111", 1), "pad line 7: group 2 has 6 characters, want 5 digits"},
		{"ErrShortLine", smallHeader + strings.Replace(p1, "11111 11111\n", "11111\n", 1), "pad line 7: page 1: 9 groups on the line, want 10"},
		{"ErrShortPage", smallHeader + "PAGE 1\n11111 11111 11111 11111 11111 11111 11111 11111 11111 11111\n" + p2,
			"pad line 8: page 1 (line 6) has 10 groups, want 12"},
		{"ErrShortLastPage", smallHeader + p1 + "PAGE 2\n", "pad line 9: page 2 (line 9) has 0 groups, want 12"},
		{"ErrExtraLine", smallHeader + p1 + "11111\n", "pad line 9: page 1 already has its 12 groups"},
		{"ErrBurnedDigits", smallHeader + "PAGE 1 BURNED\n11111\n", "pad line 7: page 1 is burned but has digits"},
		{"ErrRepeatIndicator", smallHeader + p1 + smallPage("2", "11111", '2'), "pad line 10: page 2 indicator 11111 repeats page 1"},
		{"ErrFailuresCount", smallHeader + "PAGE 1 BURNED\n# failed-authentications: many\n", `pad line 7: page 1: failed-authentications "many" is not a count`},
		{"ErrFailuresTwice", smallHeader + "PAGE 1 BURNED\n# failed-authentications: 1\n# failed-authentications: 1\n", "pad line 8: page 1 has a second"},
		{"ErrLongLine", smallHeader + strings.Repeat("1", maxLine+1), "pad line 6: line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Parse error = %v, want %q", err, tt.err)
			}
		})
	}
}

// TestParseErrorsHideDigits checks that a malformed line is reported without
// quoting its key digits.
func TestParseErrorsHideDigits(t *testing.T) {
	in := smallHeader + "PAGE 1\n13579 24680 97531 08642 12345 67890 98765 43210 1357x 02468\n"
	_, err := Parse(strings.NewReader(in))
	if err == nil {
		t.Fatal("Parse accepted a non-digit")
	}
	for _, g := range strings.Fields(in[len(smallHeader)+7:]) {
		if strings.Contains(err.Error(), g[:4]) {
			t.Errorf("error %q quotes pad digits %s", err, g[:4])
		}
	}
}

func TestParseReaderError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := Parse(&errReader{data: []byte(smallHeader), err: boom})
	if !errors.Is(err, boom) {
		t.Errorf("Parse error = %v, want %v", err, boom)
	}
}

type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}
