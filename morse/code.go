// Package morse keys text as International Morse code audio and reads it
// back: 16-bit mono PCM in RIFF/WAVE files, written and read by hand, with
// no dependency beyond the standard library.
//
// Encode turns text (letters A-Z in either case, figures 0-9, the signs
// / ? - . , = and white space) into samples timed by the PARIS standard: a
// dot is 1.2/WPM seconds, a dash three dots, the gap inside a character one
// dot, between characters three and between words seven. Farnsworth spacing
// sends the characters at Options.WPM and stretches only the gaps between
// characters and words to reach Options.FarnsworthWPM overall. Every element
// starts and ends with a short raised-cosine ramp, so the keying does not
// click. A run of white space, line breaks included, is one word gap.
//
// Cut numbers (Options.CutNumbers) send figures in the short forms
// operators used for number groups: 1=A 2=U 3=V 4=4 5=E 6=6 7=B 8=D 9=N 0=T.
//
// Decode reads the keying back from the audio alone: it finds the tone,
// follows its envelope and classifies marks and gaps by their measured
// lengths. See Decode for how.
package morse

import "strings"

// codes maps a character to its elements, '.' for a dot and '-' for a dash.
var codes = map[rune]string{
	'A': ".-", 'B': "-...", 'C': "-.-.", 'D': "-..", 'E': ".", 'F': "..-.",
	'G': "--.", 'H': "....", 'I': "..", 'J': ".---", 'K': "-.-", 'L': ".-..",
	'M': "--", 'N': "-.", 'O': "---", 'P': ".--.", 'Q': "--.-", 'R': ".-.",
	'S': "...", 'T': "-", 'U': "..-", 'V': "...-", 'W': ".--", 'X': "-..-",
	'Y': "-.--", 'Z': "--..",
	'0': "-----", '1': ".----", '2': "..---", '3': "...--", '4': "....-",
	'5': ".....", '6': "-....", '7': "--...", '8': "---..", '9': "----.",
	'/': "-..-.", '?': "..--..", '-': "-....-", '.': ".-.-.-", ',': "--..--",
	'=': "-...-",
}

// cut maps a figure to the character whose code its cut form borrows:
// 1=A 2=U 3=V 4=4 5=E 6=6 7=B 8=D 9=N 0=T.
const cut = "TAUV4E6BDN"

// encTable holds the elements of every ASCII character Encode accepts, in
// full and with cut numbers; "" for the others. Lower-case letters share the
// capitals' codes.
var encTable, encTableCut = func() (full, short [128]string) {
	for r, c := range codes {
		full[r] = c
		if r >= 'A' && r <= 'Z' {
			full[r+'a'-'A'] = c
		}
	}
	short = full
	for d := '0'; d <= '9'; d++ {
		short[d] = codes[rune(cut[d-'0'])]
	}
	return full, short
}()

// decTable maps a pattern of elements back to its character.
var decTable = func() map[string]rune {
	m := make(map[string]rune, len(codes))
	for r, c := range codes {
		m[c] = r
	}
	return m
}()

// Code returns the elements of r ('.' and '-') as Encode keys them, and
// false for a character that has no Morse code here.
func Code(r rune, cutNumbers bool) (string, bool) {
	if r < 0 || r >= 128 {
		return "", false
	}
	c := encTable[r]
	if cutNumbers {
		c = encTableCut[r]
	}
	return c, c != ""
}

// UncutNumbers reads a word sent with cut numbers back as figures: each cut
// form (A U V E B D N T) becomes its figure, and figures, '/' and '?' stay.
// It reports false, and returns word unchanged, when word holds any other
// character or no figure at all.
//
// The letters of the cut forms are ordinary letters too, so a word made only
// of them ("TEN", or the cable-letter group "UTEAU") reads as figures. Decode
// applies this rule to every word when Options.CutNumbers is set; callers
// that know which words are numbers (the fields of a preamble, the groups of
// a body keyed in figures) can apply it to those alone.
func UncutNumbers(word string) (string, bool) {
	b := []byte(word)
	figures := false
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			figures = true
		case c == '/' || c == '?':
		default:
			d := strings.IndexByte(cut, c)
			if d < 0 {
				return word, false
			}
			b[i] = byte('0' + d)
			figures = true
		}
	}
	if !figures {
		return word, false
	}
	return string(b), true
}
