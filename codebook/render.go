package codebook

import "strings"

// render writes decoded items as canonical text (see Decode).
func render(items []item) string {
	var b strings.Builder
	space := false // the text so far wants a space before the next item
	open := false  // a quote is open in this paragraph
	para := false  // a paragraph break is due before the next item
	for i, it := range items {
		if it.kind == itemParagraph {
			para = true
			continue
		}
		if para && b.Len() > 0 {
			b.WriteString("\n\n")
			space, open = false, false
		}
		para = false
		before, after := true, true
		text := it.text
		switch it.kind {
		case itemPunct:
			text = punctChars[it.punct : it.punct+1]
			before, after = punctSpacing(it.punct, &open)
			if betweenNumbers(items, i) {
				before, after = true, true
			}
		case itemLost:
			text = unrecovered(it.lost)
		}
		if space && before {
			b.WriteByte(' ')
		}
		b.WriteString(text)
		space = after
	}
	return b.String()
}

// punctSpacing says whether punctuation mark p takes a space before and
// after it; open tracks whether a quote is open, so that quotes alternate.
func punctSpacing(p int, open *bool) (before, after bool) {
	switch p {
	case pOpenParen:
		return true, false
	case pApostrophe, pHyphen, pSlash:
		return false, false
	case pQuote:
		*open = !*open
		if *open {
			return true, false
		}
		return false, true
	}
	return false, true // . , : ; ? ! )
}

// betweenNumbers reports whether items[i] is a hyphen or slash with a
// number on each side: written unspaced it would join them into one number.
func betweenNumbers(items []item, i int) bool {
	p := items[i].punct
	return (p == pHyphen || p == pSlash) && i > 0 && i+1 < len(items) &&
		items[i-1].kind == itemNumber && items[i+1].kind == itemNumber
}
