package codebook

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestCT46Encode checks digits worked out by hand from the table of SPEC 7.
func TestCT46Encode(t *testing.T) {
	b := CT46()
	if b.Name() != "CT-46" || b.Filler() != "90" {
		t.Fatalf("Name, Filler = %q, %q; want CT-46, 90", b.Name(), b.Filler())
	}
	tests := []struct {
		name, text, want string
	}{
		// P80 I3 L78 O5 T83 _90 D72 E2 L78 I3 V85 E2 R6 E2 D72 _90 R6 E2 P80 O5 R6 T83 .91
		{"Words", "Pilot delivered report.", "80" + "3" + "78" + "5" + "83" + "90" + "72" + "2" + "78" + "3" + "85" + "2" + "6" + "2" + "72" + "90" + "6" + "2" + "80" + "5" + "6" + "83" + "91"},
		// N4 O5 .91 _90 3=03 5=05 4=04 ,92 _90 "98 V85 A1 D72 I3 M79 "98 ?94
		{"FiguresAndPunctuation", `No. 354, "Vadim"?`, "459190030504929098851723799894"},
		{"Time", "16:05", "0106930005"},
		{"Parens", "(a/b)", "96" + "1" + "95" + "70" + "97"},
		{"WhiteSpaceCollapses", "  a \t\n\n b  ", "1" + "90" + "70"},
		{"Diacritics", "Ébène", "2" + "70" + "2" + "4" + "2"},
		{"Empty", " ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.EncodeDigits(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("EncodeDigits(%q) = %s, want %s", tt.text, got, tt.want)
			}
		})
	}
	errs := []struct {
		name, text string
		want       TextError
	}{
		{"ErrApostrophe", "Stalin's", TextError{1, 7, '\'', "cannot be encoded with checkerboard CT-46"}},
		{"ErrHyphen", "a\nb - c", TextError{2, 3, '-', "cannot be encoded with checkerboard CT-46"}},
		{"ErrCyrillic", "ok Лист", TextError{1, 4, 'Л', "cannot be encoded with checkerboard CT-46"}},
		{"ErrNotText", "a § b", TextError{1, 3, '§', "cannot be encoded"}},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.EncodeDigits(tt.text)
			var te *TextError
			if !errors.As(err, &te) || *te != tt.want {
				t.Errorf("EncodeDigits(%q) error = %v, want %+v", tt.text, err, tt.want)
			}
		})
	}
}

func TestCT46Decode(t *testing.T) {
	b := CT46()
	pilot := "80378583907227838526272906280568391" // PILOT DELIVERED REPORT.
	tests := []struct {
		name, digits, want string
	}{
		{"Words", pilot, "PILOT DELIVERED REPORT."},
		{"PadHalfSpace", "19", "A"},
		{"PadSpace", "190", "A"},
		{"PadSpaces", "190909", "A"},
		{"Code", "1" + "99123" + "90" + "70", "A [CODE 123] B"},
		{"CodeAtStart", "99007", "[CODE 007]"},
		{"CodeCut", "1" + "9912", "A [1 group unrecovered]"},
		// The L (78) starting in group 1 is lost with it; decoding resumes in the
		// middle of the D (72) and reads 0 7 as a figure.
		{"LostGroup", "8037?????072278", "PI [2 groups unrecovered] 7EEL"},
		{"LostAligned", "80378" + "?????" + "39072", "PIL [1 group unrecovered] I D"},
		{"LostAtStart", "?????" + "19070", "[1 group unrecovered] A B"},
		{"LostRunsMerge", "1????" + "?????" + "70", "A [2 groups unrecovered] B"},
		{"LostRestOfGroup", "1????" + "70", "A [1 group unrecovered] B"},
		{"LostRunsSplit", "1????" + "?1???", "A [2 groups unrecovered] A [1 group unrecovered]"},
		{"LostRunsApart", "??1???" + "70" + "???", "[1 group unrecovered] A [2 groups unrecovered] B [2 groups unrecovered]"},
		{"LostInCode", "199?23" + "70", "A [2 groups unrecovered] B"},
		{"NotPadTail", "1" + "7", "A [1 group unrecovered]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.DecodeDigits(tt.digits); got != tt.want {
				t.Errorf("DecodeDigits(%s) = %q, want %q", tt.digits, got, tt.want)
			}
		})
	}
}

// openBoard parses testdata/board.txt.
func openBoard(t testing.TB) *Checkerboard {
	t.Helper()
	f, err := os.Open("testdata/board.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := ParseCheckerboard(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCheckerboard(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		b := openBoard(t)
		if b.Name() != "RU-36" || b.Filler() != "90" {
			t.Errorf("Name, Filler = %q, %q; want RU-36, 90", b.Name(), b.Filler())
		}
		text := "Агент Лист сообщает, пакт подписан 13.\n\nЁж и йод."
		d, err := b.EncodeDigits(text)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := b.DecodeDigits(d), "АГЕНТ ЛИСТ СООБЩАЕТ, ПАКТ ПОДПИСАН 13. ЁЖ И ЙОД."; got != want {
			t.Errorf("round trip = %q, want %q", got, want)
		}
	})
	t.Run("OKParagraphAndNoName", func(t *testing.T) {
		src := boardHeader + "\n1\tA\n2\tB\n30\tSPACE\n31\tPARAGRAPH\n"
		b, err := ParseCheckerboard(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		if want := "board " + b.ID(); b.Name() != want || len(b.ID()) != 10 {
			t.Errorf("Name = %q, want %q", b.Name(), want)
		}
		d, err := b.EncodeDigits("a b\n\nab")
		if want := "1" + "30" + "2" + "31" + "1" + "2"; err != nil || d != want {
			t.Errorf("EncodeDigits = %s, %v; want %s", d, err, want)
		}
		if got := b.DecodeDigits(d + "30"); got != "A B\n\nAB" {
			t.Errorf("DecodeDigits = %q", got)
		}
		// 4 and 35 are no codes: unreadable, one group each time.
		if got, want := b.DecodeDigits("14235"+"301"), "A [1 group unrecovered] B [1 group unrecovered] A"; got != want {
			t.Errorf("DecodeDigits = %q, want %q", got, want)
		}
	})
	h := boardHeader + "\n"
	errs := []struct {
		name, src, want string
	}{
		{"ErrEmpty", "", `checkerboard: empty file, want the header "# ciphergram checkerboard v1"`},
		{"ErrHeader", "# ciphergram codebook v1\n", `checkerboard line 1: missing header: want "# ciphergram checkerboard v1", got "# ciphergram codebook v1"`},
		{"ErrNoTab", h + "1 A\n", `checkerboard line 2: want CODE<TAB>SYMBOL, got "1 A"`},
		{"ErrCode", h + "1x\tA\n", `checkerboard line 2: code "1x" is not 1 to 4 digits`},
		{"ErrEmptyCode", h + "\tA\n", `checkerboard line 2: code "" is not 1 to 4 digits`},
		{"ErrLongCode", h + "12345\tA\n", `checkerboard line 2: code "12345" is not 1 to 4 digits`},
		{"ErrSymbol", h + "1\tAB\n", `checkerboard line 2: symbol "AB" is not one character nor SPACE, PARAGRAPH or CODE`},
		{"ErrLowerCase", h + "1\ta\n", `checkerboard line 2: symbol "a" cannot occur in normalised text (capital letters, digits, .,:;?!"'()-/)`},
		{"ErrSection", h + "1\t§\n", `checkerboard line 2: symbol "§" cannot occur in normalised text (capital letters, digits, .,:;?!"'()-/)`},
		{"ErrDuplicateCode", h + "1\tA\n# c\n1\tB\n", "checkerboard line 4: duplicate code 1 (first on line 2)"},
		{"ErrDuplicateSymbol", h + "1\tA\n2\tA\n", "checkerboard line 3: symbol A already has a code (line 2)"},
		{"ErrPrefix", h + "70\tB\n1\tA\n7\tSPACE\n", "checkerboard line 2: code 70 starts with code 7 (line 4)"},
		{"ErrPrefixLong", h + "12\tA\n1234\tB\n0\tSPACE\n", "checkerboard line 3: code 1234 starts with code 12 (line 2)"},
		{"ErrNoSpace", h + "1\tA\n", "checkerboard: no SPACE code"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCheckerboard(strings.NewReader(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseCheckerboard error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestCT46File checks that CT46 is the board its file text describes, and
// that the ID does not depend on the file's order or comments.
func TestCT46File(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(ct46File), "\n")
	rev := []string{boardHeader, "# reversed, no name"}
	for i := len(lines) - 1; i >= 2; i-- {
		rev = append(rev, lines[i])
	}
	b, err := ParseCheckerboard(strings.NewReader(strings.Join(rev, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if b.ID() != CT46().ID() {
		t.Errorf("ID %s of the reversed CT-46 differs from %s", b.ID(), CT46().ID())
	}
	for _, l := range lines[2:] {
		code, sym, _ := strings.Cut(l, "\t")
		if len(sym) != 1 {
			continue
		}
		if got, err := b.EncodeDigits(sym); err != nil || got != code {
			t.Errorf("EncodeDigits(%s) = %s, %v; want %s", sym, got, err, code)
		}
		if got := b.DecodeDigits(code); got != sym {
			t.Errorf("DecodeDigits(%s) = %q, want %s", code, got, sym)
		}
	}
}
