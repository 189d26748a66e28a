// Package codebook turns plaintext into digits and back: with a codebook of
// 4-digit code groups (SPEC 3, 4) or with a straddling checkerboard
// (SPEC 7). It is pure: it reads and writes only through io.Reader and
// io.Writer.
//
// # Codebook files
//
//	# ciphergram codebook v1
//	0050	AMBASSADOR
//	0334	OUR NOTE
//	4411	<SPELL LATIN>
//
// UTF-8; the first line is the header; then one entry a line, four digits, a
// tab and a token; lines starting with '#' are comments. A token is either a
// control token in angle brackets (the list is in SPEC 3; every codebook has
// all of them and no others) or 1 to 6 words of capital letters separated by
// single spaces, each word all Latin (A-Z) or all Cyrillic (А-Я and Ё).
// Letters with diacritics other than Й and Ё cannot occur in a token, since
// normalised text never holds them. Groups and tokens are each unique.
//
// # Encoding
//
// Text is normalised: upper case; Latin letters lose their diacritics (É to
// E; ß, Æ, Œ, Ø, Ł, Đ, Þ are spelled SS, AE, OE, O, L, D, TH); Cyrillic
// letters keep Й and Ё and lose other marks (stress accents); combining
// marks are applied as NFC would, then dropped the same way; curly quotes
// and guillemets become " and ', hyphens and dashes -, the ellipsis three
// stops; CRLF and CR are line ends. White space, no-break space included,
// separates tokens, and a blank line between text is a paragraph. Anything
// else is a *TextError with its line and column. Encode then follows SPEC 3
// exactly (see Encode).
//
// # Decoding
//
// Decode writes canonical text, upper case and regularly spaced; encoding it
// again gives the same groups. Decoding never fails: groups that are lost or
// not in the codebook become "[n groups unrecovered]", as in the published
// VENONA translations.
//
// # Checkerboard files
//
//	# ciphergram checkerboard v1
//	# name: RU-36
//	1	О
//	70	С
//	90	SPACE
//
// UTF-8; the first line is the header; an optional "# name: NAME" line names
// the board (otherwise Name is "board" and its ID); then one code a line:
// 1 to 4 digits, a tab and a symbol. A symbol is one character normalised
// text can hold (A-Z, А-Я, Ё, 0-9, . , : ; ? ! " ' ( ) - /), or SPACE (the
// word space and filler, required), PARAGRAPH (a blank line; without it a
// blank line is a space) or CODE (followed in the digits by a 3-digit code
// group, decoded as "[CODE nnn]"; text never encodes to it). No code may be
// the prefix of another. Other '#' lines are comments. testdata/board.txt is
// a Russian board in this format; CT46 is the built-in CT-46.
package codebook
