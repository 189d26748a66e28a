package telegram

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Redacted marks a passage withheld from a publication.
const Redacted = "[REDACTED]"

// Publication is a registered telegram released for publication: the
// declassified translation. True names are given in brackets after the
// cover names the archivist released, passages withheld are marked, and
// the translator's notes follow the text.
type Publication struct {
	Registered                   // the telegram as registered (Copy is not used)
	Reveal     map[string]string // cover name -> true name, for the names released
	Redact     []string          // passages withheld, as they appear in the text
	Notes      []string          // translator's notes
	ReleasedBy string
	Released   time.Time
}

// Body is the text as published: passages withheld replaced by Redacted,
// then each released cover name followed by its true name in brackets.
func (p *Publication) Body() string {
	text := p.Text
	for _, r := range p.Redact {
		if r = strings.TrimSpace(r); r != "" {
			text = strings.ReplaceAll(text, r, Redacted)
		}
	}
	covers := make([]string, 0, len(p.Reveal))
	for c := range p.Reveal {
		covers = append(covers, c)
	}
	// Longer names first, so that "LIST" inside a released "LISTOK" is not
	// touched twice (whole words only, in any case).
	slices.SortFunc(covers, func(a, b string) int { return len(b) - len(a) })
	for _, c := range covers {
		text = annotate(text, c, fmt.Sprintf("%s [%s]", c, p.Reveal[c]))
	}
	return text
}

// annotate replaces the whole-word occurrences of word in text.
func annotate(text, word, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, word)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(word)
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[end:])
		whole := (i == 0 || !isWordRune(before)) && (end == len(text) || !isWordRune(after))
		b.WriteString(text[:i])
		if strings.HasPrefix(text[i:], with) { // already annotated
			end = i + len(with)
			b.WriteString(with)
		} else if whole {
			b.WriteString(with)
		} else {
			b.WriteString(word)
		}
		text = text[end:]
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// header is the head of a publication, for both forms.
func (p *Publication) header() []string {
	orig := p.Classification
	if p.Caveat != "" {
		orig += ". " + p.Caveat
	}
	return []string{
		"DECLASSIFIED",
		fmt.Sprintf("Released for publication on %s by %s.", p.Released.Format("2 January 2006"), p.ReleasedBy),
		"Originally " + orig + ".",
	}
}

// facts are the registration lines of SPEC 8.
func (p *Publication) facts() []string {
	return []string{
		"CIPHER TELEGRAM No. " + joinInts(p.Numbers),
		"From " + p.From,
		fmt.Sprintf("Received %s.      Deciphered %s.", stamp(p.Received), stamp(p.Deciphered)),
	}
}

// footer lists the redactions and the notes.
func (p *Publication) footer(item func(n int, s string) string) []string {
	var out []string
	if n := strings.Count(p.Body(), Redacted); n > 0 {
		out = append(out, fmt.Sprintf("%d passage(s) withheld, marked %s.", n, Redacted))
	}
	if len(p.Notes) > 0 {
		out = append(out, "", "Notes:")
		for i, n := range p.Notes {
			out = append(out, item(i+1, n))
		}
	}
	return out
}

// PlainText is the publication as plain text.
func (p *Publication) PlainText() string {
	lines := append(p.header(), "")
	lines = append(lines, p.facts()...)
	lines = append(lines, "", p.Body(), "")
	lines = append(lines, p.footer(func(n int, s string) string { return fmt.Sprintf("[%d] %s", n, s) })...)
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}

// Markdown is the publication in Markdown, the text kept as written.
func (p *Publication) Markdown() string {
	h := p.header()
	var b strings.Builder
	fmt.Fprintf(&b, "# CIPHER TELEGRAM No. %s\n\n**Declassified.** %s %s\n\n", joinInts(p.Numbers), h[1], h[2])
	f := p.facts()
	fmt.Fprintf(&b, "%s  \n%s\n\n", f[1], f[2])
	fmt.Fprintf(&b, "```text\n%s\n```\n", strings.TrimRight(p.Body(), "\n"))
	if foot := p.footer(func(n int, s string) string { return fmt.Sprintf("%d. %s", n, s) }); len(foot) > 0 {
		b.WriteString("\n" + strings.Join(foot, "\n") + "\n")
	}
	return b.String()
}
