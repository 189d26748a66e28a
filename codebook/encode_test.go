package codebook

import (
	"errors"
	"strings"
	"testing"
)

// groupsOf returns the groups of "|"-separated tokens; "#" and a group
// stands for that group as is.
func groupsOf(t testing.TB, c *Codebook, tokens string) []string {
	t.Helper()
	if tokens == "" {
		return nil
	}
	var out []string
	for _, tok := range strings.Split(tokens, "|") {
		if raw, ok := strings.CutPrefix(tok, "#"); ok {
			out = append(out, raw)
			continue
		}
		g, ok := c.Lookup(tok)
		if !ok {
			t.Fatalf("no group for %q", tok)
		}
		out = append(out, g)
	}
	return out
}

// spell returns the tokens spelling a word: "<SPELL ...>|<L>|...|<END SPELL>".
func spell(w string) string {
	s := "<SPELL LATIN>"
	if scriptOf([]rune(w)[0]) == cyrillic {
		s = "<SPELL CYRILLIC>"
	}
	for _, r := range w {
		s += "|<" + string(r) + ">"
	}
	return s + "|<END SPELL>"
}

// encodeCase is text and the tokens ("A|<COMMA>|B") it must encode to.
type encodeCase = struct{ name, text, want string }

// runEncodeCases runs each case as a subtest against codebook c.
func runEncodeCases(t *testing.T, c *Codebook, tests []encodeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Encode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := strings.Join(got, " "), strings.Join(groupsOf(t, c, tt.want), " "); g != w {
				t.Errorf("Encode(%q):\n got %s\nwant %s (%s)", tt.text, g, w, tt.want)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	c := testCodebook(t)
	tests := []struct {
		name, text, want string
	}{
		{"Empty", " \n\n\t", ""},
		{"LowerCase", "pilot", spell("PILOT")},
		{"Phrase", "our note", "OUR NOTE"},
		{"PhraseOverLineEnd", "the\neast", "THE EAST"},
		{"NoBreakSpace", "THE\u00a0EAST", "THE EAST"},
		{"Diacritic", "Café", spell("CAFE")},
		{"CombiningAcute", "Cafe\u0301", spell("CAFE")},
		{"Vietnamese", "Hồ", spell("HO")},
		{"Ligature", "Straße", spell("STRASSE")},
		{"Stroke", "Łódź", spell("LODZ")},
		{"Cyrillic", "ёлка", spell("ЁЛКА")},
		{"ComposedShortI", "И\u0306", spell("Й")},
		{"ComposedYo", "е\u0308ж", spell("ЁЖ")},
		{"StressMark", "молоко\u0301", spell("МОЛОКО")},
		{"CurlyQuotes", "“NOTE”", "<QUOTE>|NOTE|<QUOTE>"},
		{"Guillemets", "«NOTE»", "<QUOTE>|NOTE|<QUOTE>"},
		{"CurlyApostrophe", "Stalin’s", "STALIN|<APOSTROPHE>|" + spell("S")},
		{"Dashes", "A – A — A", "A|<HYPHEN>|A|<HYPHEN>|A"},
		{"Ellipsis", "A…", "A|<STOP>|<STOP>|<STOP>"},
		{"AllPunctuation", `.,:;?!"'()-/`, "<STOP>|<COMMA>|<COLON>|<SEMICOLON>|<QUERY>|<EXCLAIM>|<QUOTE>|<APOSTROPHE>|<OPEN PAREN>|<CLOSE PAREN>|<HYPHEN>|<SLASH>"},
		{"SoftHyphen", "Wash\u00adington", "WASHINGTON"},
		{"ByteOrderMark", "\ufeffNOTE", "NOTE"},
		{"Paragraph", "NOTE\n\nNOTE", "NOTE|<PARAGRAPH>|NOTE"},
		{"ParagraphCRLF", "NOTE\r\n \r\n\r\n\r\nNOTE\r\n\r\n", "NOTE|<PARAGRAPH>|NOTE"},
		{"ParagraphSeparator", "NOTE\u2029NOTE", "NOTE|<PARAGRAPH>|NOTE"},
		{"LineEnd", "NOTE\nNOTE", "NOTE|NOTE"},
		{"NumberTime", "16:05", "<NUMBER>|<1>|<6>|<COLON>|<0>|<5>|<END NUMBER>"},
		{"NumberDecimal", "1.5", "<NUMBER>|<1>|<STOP>|<5>|<END NUMBER>"},
		{"NumberDate", "14/4", "<NUMBER>|<1>|<4>|<SLASH>|<4>|<END NUMBER>"},
		{"NumberEnDash", "3–4", "<NUMBER>|<3>|<HYPHEN>|<4>|<END NUMBER>"},
		{"NumberDoubleSeparator", "1..5", "<NUMBER>|<1>|<END NUMBER>|<STOP>|<STOP>|<NUMBER>|<5>|<END NUMBER>"},
		{"NumberSpacedSeparator", "1 - 5", "<NUMBER>|<1>|<END NUMBER>|<HYPHEN>|<NUMBER>|<5>|<END NUMBER>"},
		{"NumberEndsSentence", "5.", "<NUMBER>|<5>|<END NUMBER>|<STOP>"},
		{"NegativeNumber", "-5", "<HYPHEN>|<NUMBER>|<5>|<END NUMBER>"},
		{"WordThenNumber", "a1", "A|<NUMBER>|<1>|<END NUMBER>"},
		{"SeparateScripts", "Agent Лист", "AGENT|" + spell("ЛИСТ")},
		{"ScriptsSplitByHyphen", "Лист-List", spell("ЛИСТ") + "|<HYPHEN>|" + spell("LIST")},
	}
	runEncodeCases(t, c, tests)
}

// TestEncodeFewestGroups checks the dynamic programme on a book whose
// phrases overlap.
func TestEncodeFewestGroups(t *testing.T) {
	c := miniBook(t,
		"0001\tA B", "0002\tB C", "0003\tA", "0004\tB", "0005\tC",
		"0010\tX Y Z", "0011\tX Y", "0012\tZ W", "0013\tW",
		"0020\tP Q R", "0021\tP Q", "0022\tR S T",
		"0030\tONE TWO THREE FOUR FIVE SIX", "0031\tONE", "0032\tSEVEN")
	tests := []struct {
		name, text, want string
	}{
		{"TieLongerFirst", "a b c", "A B|C"},
		{"TieLongerFirstAgain", "x y z w", "X Y Z|W"},
		{"NotGreedy", "p q r s t", "P Q|R S T"},
		{"SixWords", "one two three four five six seven", "ONE TWO THREE FOUR FIVE SIX|SEVEN"},
		{"PhraseBrokenByPunctuation", "a, b c", "A|<COMMA>|B C"},
		{"PhraseBrokenByParagraph", "a\n\nb", "A|<PARAGRAPH>|B"},
		{"SpellInsidePhraseRun", "a b q", "A B|" + spell("Q")},
	}
	runEncodeCases(t, c, tests)
}

func TestEncodeErr(t *testing.T) {
	c := testCodebook(t)
	tests := []struct {
		name, text string
		want       TextError
		msg        string
	}{
		{"ErrSection", "Line one\nline two § here", TextError{2, 10, '§', "cannot be encoded"},
			`line 2, column 10: character "§" (U+00A7) cannot be encoded`},
		{"ErrCRLF", "a\r\nb\r\n#", TextError{3, 1, '#', "cannot be encoded"},
			`line 3, column 1: character "#" (U+0023) cannot be encoded`},
		{"ErrLoneCR", "a\rb\r[", TextError{3, 1, '[', "cannot be encoded"},
			`line 3, column 1: character "[" (U+005B) cannot be encoded`},
		{"ErrColumnsInRunes", "Лист\t[", TextError{1, 6, '[', "cannot be encoded"},
			`line 1, column 6: character "[" (U+005B) cannot be encoded`},
		{"ErrGreek", "Ω", TextError{1, 1, 'Ω', "cannot be encoded"},
			`line 1, column 1: character "Ω" (U+03A9) cannot be encoded`},
		{"ErrUkrainian", "Київ", TextError{1, 3, 'ї', "cannot be encoded"},
			`line 1, column 3: character "ї" (U+0457) cannot be encoded`},
		{"ErrMixedScripts", "agent Лиst", TextError{1, 9, 's', "is Latin in a Cyrillic word (a word cannot mix Latin and Cyrillic letters)"},
			`line 1, column 9: character "s" (U+0073) is Latin in a Cyrillic word (a word cannot mix Latin and Cyrillic letters)`},
		{"ErrHomoglyph", "СRIPPS", TextError{1, 2, 'R', "is Latin in a Cyrillic word (a word cannot mix Latin and Cyrillic letters)"},
			`line 1, column 2: character "R" (U+0052) is Latin in a Cyrillic word (a word cannot mix Latin and Cyrillic letters)`},
		{"ErrLatinThenCyrillic", "Listа", TextError{1, 5, 'а', "is Cyrillic in a Latin word (a word cannot mix Latin and Cyrillic letters)"},
			`line 1, column 5: character "а" (U+0430) is Cyrillic in a Latin word (a word cannot mix Latin and Cyrillic letters)`},
		{"ErrLoneMark", "a \u0301", TextError{1, 3, '\u0301', "cannot be encoded (a combining mark not on a letter)"},
			`line 1, column 3: character "́" (U+0301) cannot be encoded (a combining mark not on a letter)`},
		{"ErrInvalidUTF8", "ab\xff", TextError{1, 3, 0, "invalid UTF-8 byte 0xff"},
			`line 1, column 3: invalid UTF-8 byte 0xff`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Encode(tt.text)
			var te *TextError
			if !errors.As(err, &te) {
				t.Fatalf("Encode(%q) error = %v, want a *TextError", tt.text, err)
			}
			if *te != tt.want {
				t.Errorf("Encode(%q) error = %+v, want %+v", tt.text, *te, tt.want)
			}
			if err.Error() != tt.msg {
				t.Errorf("Error():\n got %s\nwant %s", err, tt.msg)
			}
		})
	}
}

func TestEncodeDigits(t *testing.T) {
	c := testCodebook(t)
	got, err := c.EncodeDigits("Pilot delivered report.")
	if err != nil {
		t.Fatal(err)
	}
	want := "44111480580216465412647572774411645014601646580254601460332814606450727710277333"
	if got != want {
		t.Errorf("EncodeDigits = %s, want %s", got, want)
	}
	if _, err := c.EncodeDigits("§"); err == nil {
		t.Errorf("EncodeDigits(§) did not fail")
	}
}
