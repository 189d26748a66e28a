package codebook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// controlLines returns the file lines of all required control tokens, with
// groups 9000, 9001, ...; tests add words in groups below 9000.
func controlLines() string {
	var b strings.Builder
	for i, tok := range requiredTokens {
		b.WriteString(fourDigits(9000+i) + "\t" + tok + "\n")
	}
	return b.String()
}

func fourDigits(n int) string { return fmt.Sprintf("%04d", n) }

// miniBook parses a codebook of the control tokens plus the given
// "NNNN\tTOKEN" lines.
func miniBook(t testing.TB, lines ...string) *Codebook {
	t.Helper()
	src := fileHeader + "\n" + controlLines() + strings.Join(lines, "\n") + "\n"
	c, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParse(t *testing.T) {
	head := fileHeader + "\n" + controlLines()
	t.Run("OK", func(t *testing.T) {
		src := "\uFEFF" + head + "# a comment\n\n0050\tAMBASSADOR\r\n0334\tOUR NOTE\n0335\tАГЕНТ ЛИСТ\n"
		c, err := Parse(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Len(), len(requiredTokens)+3; got != want {
			t.Errorf("Len = %d, want %d", got, want)
		}
		if g, ok := c.Lookup("OUR NOTE"); !ok || g != "0334" {
			t.Errorf("Lookup(OUR NOTE) = %q, %v; want 0334, true", g, ok)
		}
		if _, ok := c.Lookup("NOTE"); ok {
			t.Errorf("Lookup(NOTE) found a group")
		}
		if g, _ := c.Lookup("<SPELL LATIN>"); g != "9001" {
			t.Errorf("Lookup(<SPELL LATIN>) = %q, want 9001", g)
		}
		if e := c.Entries(); !slices.IsSortedFunc(e, func(a, b Entry) int { return strings.Compare(a.Group, b.Group) }) {
			t.Errorf("Entries not sorted by group")
		}
	})
	errs := []struct {
		name, src, want string
	}{
		{"ErrEmpty", "", `codebook: empty file, want the header "# ciphergram codebook v1"`},
		{"ErrNoHeader", "0050\tAMBASSADOR\n", `codebook line 1: missing header: want "# ciphergram codebook v1", got "0050\tAMBASSADOR"`},
		{"ErrWrongVersion", "# ciphergram codebook v2\n", `codebook line 1: missing header: want "# ciphergram codebook v1", got "# ciphergram codebook v2"`},
		{"ErrDuplicateGroup", fileHeader + "\n0050\tAMBASSADOR\n# c\n0050\tAGENT\n", "codebook line 4: duplicate group 0050 (first on line 2)"},
		{"ErrDuplicateToken", fileHeader + "\n0050\tAGENT\n0051\tAGENT\n", "codebook line 3: duplicate token AGENT (first on line 2)"},
		{"ErrNoTab", fileHeader + "\n0050 AGENT\n", `codebook line 2: want NNNN<TAB>TOKEN, got "0050 AGENT"`},
		{"ErrShortGroup", fileHeader + "\n050\tAGENT\n", `codebook line 2: group "050" is not 4 digits`},
		{"ErrLetterGroup", fileHeader + "\n05a0\tAGENT\n", `codebook line 2: group "05a0" is not 4 digits`},
		{"ErrLowerCase", fileHeader + "\n0050\tAgent\n", `codebook line 2: token "Agent": character 'g' is not a capital letter A-Z or А-Я, Ё`},
		{"ErrDiacritic", fileHeader + "\n0050\tCAFÉ\n", `codebook line 2: token "CAFÉ": character 'É' is not a capital letter A-Z or А-Я, Ё`},
		{"ErrDoubleSpace", fileHeader + "\n0050\tOUR  NOTE\n", `codebook line 2: token "OUR  NOTE": empty word (leading, trailing or double space)`},
		{"ErrTrailingSpace", fileHeader + "\n0050\tNOTE \n", `codebook line 2: token "NOTE ": empty word (leading, trailing or double space)`},
		{"ErrMixedScript", fileHeader + "\n0050\tЛИСT\n", `codebook line 2: token "ЛИСT": word "ЛИСT" mixes Latin and Cyrillic letters`},
		{"ErrSevenWords", fileHeader + "\n0050\tA B C D E F G\n", `codebook line 2: token "A B C D E F G" has 7 words, at most 6 allowed`},
		{"ErrUnknownControl", fileHeader + "\n0050\t<SPEL LATIN>\n", `codebook line 2: unknown control token "<SPEL LATIN>"`},
		{"ErrEmptyToken", fileHeader + "\n0050\t\n", `codebook line 2: empty token`},
		{"ErrBadUTF8", fileHeader + "\n0050\tA\xff\n", `codebook line 2: invalid UTF-8`},
		{"ErrMissingControls", fileHeader + "\n" + strings.Replace(strings.Replace(controlLines(), "9000\t<NULL>\n", "", 1), "\t<Ё>\n", "\tЁЖ\n", 1),
			"codebook: missing control tokens: <NULL> <Ё>"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	var entries []Entry
	for i, tok := range requiredTokens {
		entries = append(entries, Entry{fourDigits(9000 + i), tok})
	}
	t.Run("OK", func(t *testing.T) {
		c, err := New(append(slices.Clone(entries), Entry{"0001", "AGENT"}))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Entries()[0]; got != (Entry{"0001", "AGENT"}) {
			t.Errorf("first entry = %v, want {0001 AGENT}", got)
		}
	})
	errs := []struct {
		name  string
		extra []Entry
		want  string
	}{
		{"ErrGroup", []Entry{{"12345", "AGENT"}}, `codebook: entry 89: group "12345" is not 4 digits`},
		{"ErrDuplicateGroup", []Entry{{"9000", "AGENT"}}, "codebook: duplicate group 9000 (<NULL> and AGENT)"},
		{"ErrDuplicateToken", []Entry{{"0001", "<NULL>"}}, "codebook: duplicate token <NULL> (groups 9000 and 0001)"},
		{"ErrToken", []Entry{{"0001", "<agent>"}}, `codebook: entry 89: unknown control token "<agent>"`},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(append(slices.Clone(entries), tt.extra...))
			if err == nil || err.Error() != tt.want {
				t.Errorf("New error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
	t.Run("ErrMissing", func(t *testing.T) {
		_, err := New(entries[1:4])
		if err == nil || !strings.HasPrefix(err.Error(), "codebook: missing control tokens: <NULL> <NUMBER> <END NUMBER> <PARAGRAPH> <STOP>") {
			t.Errorf("New error = %v", err)
		}
	})
}

// TestFingerprint checks the fingerprint of the vectors' codebook against a
// SHA-256 of its file computed independently (the file is the header then
// entries sorted by group), and the ID as a known answer.
func TestFingerprint(t *testing.T) {
	c := testCodebook(t)
	data, err := os.ReadFile("../testdata/codebook.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(data), "\n")
	if got, want := c.Fingerprint(), sha256.Sum256([]byte(body)); got != want {
		t.Errorf("Fingerprint = %x, want %x", got, want)
	}
	if got, want := c.ID(), "6a18e3c644"; got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
	fp := c.Fingerprint()
	if got := c.ID(); got != hex.EncodeToString(fp[:])[:10] {
		t.Errorf("ID %s is not the start of the fingerprint %x", got, fp)
	}
	// Order and comments in the file do not matter.
	lines := strings.Split(strings.TrimSpace(body), "\n")
	slices.Reverse(lines)
	shuffled := fileHeader + "\n# reversed\n" + strings.Join(lines, "\n") + "\n"
	c2, err := Parse(strings.NewReader(shuffled))
	if err != nil {
		t.Fatal(err)
	}
	if c2.Fingerprint() != fp {
		t.Errorf("fingerprint depends on the order of the file")
	}
}

func TestWriteTo(t *testing.T) {
	c := testCodebook(t)
	var b strings.Builder
	n, err := c.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != b.Len() {
		t.Errorf("WriteTo returned %d, wrote %d bytes", n, b.Len())
	}
	want, err := os.ReadFile("../testdata/codebook.txt")
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("WriteTo of the (canonical) vectors' codebook differs from its file")
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	if c != Default() {
		t.Errorf("Default returns different codebooks")
	}
	if missing := missingControls(c.Entries()); len(missing) > 0 {
		t.Errorf("Default lacks %v", missing)
	}
	if c.Len() <= len(requiredTokens) {
		t.Errorf("Default has only %d entries", c.Len())
	}
	text := "The agent reports: 14 copies sent."
	gs, err := c.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Decode(gs), "THE AGENT REPORTS: 14 COPIES SENT."; got != want {
		t.Errorf("Decode(Encode(%q)) = %q, want %q", text, got, want)
	}
}
