package codebook

import (
	"fmt"
	"strings"
)

// maxPhraseWords is the longest phrase, in words, a codebook entry may hold
// (SPEC 3).
const maxPhraseWords = 6

// punctChars are the punctuation marks that have code groups, in the order
// of punctTokens.
const punctChars = `.,:;?!"'()-/`

// Indexes into punctChars and punctTokens for the marks the decoder spaces
// specially.
const (
	pStop = iota
	pComma
	pColon
	pSemicolon
	pQuery
	pExclaim
	pQuote
	pApostrophe
	pOpenParen
	pCloseParen
	pHyphen
	pSlash
	numPunct
)

// punctTokens are the control tokens of the punctuation marks (SPEC 3).
var punctTokens = [numPunct]string{
	"<STOP>", "<COMMA>", "<COLON>", "<SEMICOLON>", "<QUERY>", "<EXCLAIM>",
	"<QUOTE>", "<APOSTROPHE>", "<OPEN PAREN>", "<CLOSE PAREN>", "<HYPHEN>", "<SLASH>",
}

// numberSeparators are the punctuation marks a NUMBER may hold between two
// digits.
const numberSeparators = ".,:/-"

// cyrillicAlphabet is the Russian alphabet in its order, Ё after Е: the 33
// Cyrillic letters a codebook can spell.
const cyrillicAlphabet = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"

// tokenKind says what a codebook token stands for when decoding.
type tokenKind uint8

const (
	kPhrase tokenKind = iota // a word or phrase, decoded as its text
	kNull
	kSpellLatin
	kSpellCyrillic
	kEndSpell
	kNumber
	kEndNumber
	kParagraph
	kPunct  // val is the index into punctChars
	kLetter // val is the letter
	kDigit  // val is the digit '0'..'9'
)

// tokenInfo is the decoded meaning of one token.
type tokenInfo struct {
	kind tokenKind
	val  rune
}

// controlInfo maps every control token to its meaning; requiredTokens lists
// them in the order of SPEC 3 (the order Generate adds missing ones in).
var controlInfo, requiredTokens = func() (map[string]tokenInfo, []string) {
	m := map[string]tokenInfo{}
	var order []string
	add := func(tok string, k tokenKind, v rune) {
		m[tok] = tokenInfo{k, v}
		order = append(order, tok)
	}
	add("<NULL>", kNull, 0)
	add("<SPELL LATIN>", kSpellLatin, 0)
	add("<SPELL CYRILLIC>", kSpellCyrillic, 0)
	add("<END SPELL>", kEndSpell, 0)
	add("<NUMBER>", kNumber, 0)
	add("<END NUMBER>", kEndNumber, 0)
	add("<PARAGRAPH>", kParagraph, 0)
	for i, tok := range punctTokens {
		add(tok, kPunct, rune(i))
	}
	for r := 'A'; r <= 'Z'; r++ {
		add("<"+string(r)+">", kLetter, r)
	}
	for _, r := range cyrillicAlphabet {
		add("<"+string(r)+">", kLetter, r)
	}
	for r := '0'; r <= '9'; r++ {
		add("<"+string(r)+">", kDigit, r)
	}
	return m, order
}()

// script tells the two alphabets apart.
type script uint8

const (
	noScript script = iota
	latin
	cyrillic
)

// scriptOf returns the script of an alphabet letter (A-Z, А-Я, Ё), or
// noScript for any other rune.
func scriptOf(r rune) script {
	switch {
	case r >= 'A' && r <= 'Z':
		return latin
	case r >= 'А' && r <= 'Я' || r == 'Ё':
		return cyrillic
	}
	return noScript
}

// checkToken reports whether tok is a well-formed token: a known control
// token, or 1 to 6 words of capital letters separated by single spaces, each
// word in one script.
func checkToken(tok string) error {
	if tok == "" {
		return fmt.Errorf("empty token")
	}
	if tok[0] == '<' {
		if _, ok := controlInfo[tok]; !ok {
			return fmt.Errorf("unknown control token %q", tok)
		}
		return nil
	}
	words := strings.Split(tok, " ")
	if len(words) > maxPhraseWords {
		return fmt.Errorf("token %q has %d words, at most %d allowed", tok, len(words), maxPhraseWords)
	}
	for _, w := range words {
		if err := checkWord(w); err != nil {
			return fmt.Errorf("token %q: %w", tok, err)
		}
	}
	return nil
}

// checkWord reports whether w is a run of capital letters of one script.
func checkWord(w string) error {
	if w == "" {
		return fmt.Errorf("empty word (leading, trailing or double space)")
	}
	first := noScript
	for _, r := range w {
		s := scriptOf(r)
		switch {
		case s == noScript:
			return fmt.Errorf("character %q is not a capital letter A-Z or А-Я, Ё", r)
		case first == noScript:
			first = s
		case s != first:
			return fmt.Errorf("word %q mixes Latin and Cyrillic letters", w)
		}
	}
	return nil
}
