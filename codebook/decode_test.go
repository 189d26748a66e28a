package codebook

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	c := testCodebook(t)
	tests := []struct {
		name, tokens, want string
	}{
		{"Empty", "", ""},
		{"Words", "OUR NOTE|AGENT", "OUR NOTE AGENT"},
		{"Spelled", spell("LIST") + "|" + spell("ЛИСТ"), "LIST ЛИСТ"},
		{"Number", "<NUMBER>|<1>|<6>|<COLON>|<0>|<5>|<END NUMBER>", "16:05"},
		{"NoSpaceBefore", "NOTE|<STOP>|NOTE|<COMMA>|NOTE|<COLON>|NOTE|<SEMICOLON>|NOTE|<QUERY>|NOTE|<EXCLAIM>|NOTE", "NOTE. NOTE, NOTE: NOTE; NOTE? NOTE! NOTE"},
		{"Parens", "NOTE|<OPEN PAREN>|NOTE|<CLOSE PAREN>|NOTE", "NOTE (NOTE) NOTE"},
		{"NoSpaceAround", "NOTE|<APOSTROPHE>|NOTE|<HYPHEN>|NOTE|<SLASH>|NOTE", "NOTE'NOTE-NOTE/NOTE"},
		{"QuotesAlternate", "NOTE|<QUOTE>|NOTE|<QUOTE>|NOTE|<QUOTE>|NOTE|<QUOTE>|<STOP>", `NOTE "NOTE" NOTE "NOTE".`},
		{"QuoteAfterParen", "<OPEN PAREN>|<QUOTE>|NOTE|<QUOTE>|<CLOSE PAREN>", `("NOTE")`},
		{"QuotesRestartEachParagraph", "<QUOTE>|NOTE|<PARAGRAPH>|<QUOTE>|NOTE|<QUOTE>", "\"NOTE\n\n\"NOTE\""},
		{"Paragraph", "NOTE|<STOP>|<PARAGRAPH>|NOTE", "NOTE.\n\nNOTE"},
		{"ParagraphsCollapse", "<PARAGRAPH>|NOTE|<PARAGRAPH>|<PARAGRAPH>|NOTE|<PARAGRAPH>", "NOTE\n\nNOTE"},
		{"HyphenBetweenNumbers", "<NUMBER>|<1>|<4>|<END NUMBER>|<HYPHEN>|<NUMBER>|<4>|<END NUMBER>", "14 - 4"},
		{"SlashBetweenNumbers", "<NUMBER>|<1>|<END NUMBER>|<SLASH>|<NUMBER>|<2>|<END NUMBER>", "1 / 2"},
		{"HyphenBeforeNumber", "<HYPHEN>|<NUMBER>|<5>|<END NUMBER>", "-5"},
		{"TwoNumbers", "<NUMBER>|<1>|<END NUMBER>|<NUMBER>|<2>|<END NUMBER>", "1 2"},
		{"Null", "<NULL>|NOTE|<NULL>|<NULL>|NOTE|<NULL>", "NOTE NOTE"},
		{"NullInsideSpell", "<SPELL LATIN>|<L>|<NULL>|<I>|<END SPELL>", "LI"},
		{"Unrecovered", "NOTE|#9999|NOTE", "NOTE [1 group unrecovered] NOTE"},
		{"UnrecoveredMerge", "NOTE|#9999|#12?4|#123|#abcd|<NULL>|#99999|NOTE", "NOTE [5 groups unrecovered] NOTE"},
		{"UnrecoveredBeforeStop", "NOTE|#9999|<STOP>", "NOTE [1 group unrecovered]."},
		{"UnrecoveredLetter", "<SPELL LATIN>|<L>|#9999|<S>|<T>|<END SPELL>", "L[1 group unrecovered]ST"},
		{"UnrecoveredLastLetter", "<SPELL LATIN>|<L>|<I>|#9999|<END SPELL>|NOTE", "LI[1 group unrecovered] NOTE"},
		{"UnrecoveredDigit", "<NUMBER>|<1>|#9999|#9999|<5>|<END NUMBER>", "1[2 groups unrecovered]5"},
		{"UnrecoveredEndSpell", "<SPELL LATIN>|<L>|<I>|#9999|NOTE", "LI [1 group unrecovered] NOTE"},
		{"UnrecoveredOnlyLetter", "<SPELL LATIN>|#9999|<END SPELL>|#9999", "[2 groups unrecovered]"},
		{"SpellNeverEnds", "<SPELL LATIN>|<L>|<I>", "LI"},
		{"SpellEndedByWord", "<SPELL LATIN>|<L>|<I>|NOTE", "LI NOTE"},
		{"SpellEndedBySpell", "<SPELL LATIN>|<L>|<SPELL CYRILLIC>|<Л>|<END SPELL>", "L Л"},
		{"SpellEndedByNumber", "<SPELL LATIN>|<L>|<NUMBER>|<1>|<END NUMBER>", "L 1"},
		{"EmptySpell", "NOTE|<SPELL LATIN>|<END SPELL>|NOTE", "NOTE NOTE"},
		{"StrayLetters", "#9999|<L>|<I>|<S>|<T>|<END SPELL>|NOTE", "[1 group unrecovered] LIST NOTE"},
		{"StrayDigits", "AT|#9999|<1>|<6>|<COLON>|<0>|<5>|<END NUMBER>", "AT [1 group unrecovered] 16:05"},
		{"LettersThenDigits", "<L>|<1>", "L 1"},
		{"StrayEnds", "<END SPELL>|NOTE|<END NUMBER>", "NOTE"},
		{"NumberEndedByWord", "<NUMBER>|<1>|NOTE", "1 NOTE"},
		{"NonSeparatorInNumber", "<NUMBER>|<1>|<QUERY>|<2>|<END NUMBER>", "1? 2"},
		{"SeparatorOutsideNumber", "NOTE|<COLON>|<NUMBER>|<2>|<END NUMBER>", "NOTE: 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Decode(groupsOf(t, c, tt.tokens)); got != tt.want {
				t.Errorf("Decode(%s):\n got %q\nwant %q", tt.tokens, got, tt.want)
			}
		})
	}
}

func TestDecodeDigits(t *testing.T) {
	c := testCodebook(t)
	null := c.Filler()
	if null != "8044" {
		t.Fatalf("Filler = %s, want 8044", null)
	}
	note, stop := groupsOf(t, c, "NOTE")[0], groupsOf(t, c, "<STOP>")[0]
	tests := []struct {
		name, digits, want string
	}{
		{"Empty", "", ""},
		{"Exact", note + stop, "NOTE."},
		{"PaddedIncomplete", note + stop + null[:2], "NOTE."},
		{"PaddedWholeNull", note + null + stop + null + null + null[:1], "NOTE."},
		{"NullInside", note + null + note, "NOTE NOTE"},
		{"LostDigit", note + "64?0" + stop, "NOTE [1 group unrecovered]."},
		{"LostDigits", "????" + "????" + note, "[2 groups unrecovered] NOTE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.DecodeDigits(tt.digits); got != tt.want {
				t.Errorf("DecodeDigits(%s) = %q, want %q", tt.digits, got, tt.want)
			}
		})
	}
}

// TestDecodeDigitsRegrouped pads as SPEC 4 does and checks every remainder.
func TestDecodeDigitsRegrouped(t *testing.T) {
	c := testCodebook(t)
	for n := 1; n <= 6; n++ {
		text := strings.TrimSpace(strings.Repeat("NOTE ", n))
		digits, err := c.EncodeDigits(text)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; len(digits)%5 != 0; i++ {
			digits += c.Filler()[i%4 : i%4+1]
		}
		if got := c.DecodeDigits(digits); got != text {
			t.Errorf("%d words: DecodeDigits = %q, want %q", n, got, text)
		}
	}
}
