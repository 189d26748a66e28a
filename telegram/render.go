// Package telegram renders a registered, deciphered telegram in the layout of
// the Centre's registry (SPEC 8): classification, handling caveat, the
// Centre's incoming numbers, origin, the times received and deciphered, the
// text, and the sender's closing line.
package telegram

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Registered is a telegram as the receiving office registered it.
type Registered struct {
	Classification string    // e.g. "TOP SECRET"
	Caveat         string    // e.g. "Removal of copies prohibited"; may be empty
	Numbers        []int     // the Centre's incoming numbers, one per part
	From           string    // the sending office
	Received       time.Time // time the last part was received
	Deciphered     time.Time
	Text           string // the deciphered text, closing line included
	Copy           int    // copy number, 0 for the registry's own record
}

// gap separates the two halves of the date line and of the closing line.
const gap = "      "

// Render lays the telegram out as SPEC 8 shows it. A closing line of the form
// "21 APRIL 1941. NO. 278. VADIM." is set apart, its date and number in the
// registry's mixed case and the cover name in capitals.
func (r *Registered) Render() string {
	var b strings.Builder
	for _, l := range []string{r.Classification, r.Caveat} {
		if l != "" {
			b.WriteString(l + "\n")
		}
	}
	if r.Copy > 0 {
		fmt.Fprintf(&b, "Copy No. %d\n", r.Copy)
	}
	fmt.Fprintf(&b, "CIPHER TELEGRAM No. %s\n", joinInts(r.Numbers))
	fmt.Fprintf(&b, "From %s\n", r.From)
	fmt.Fprintf(&b, "Received %s.%sDeciphered %s.\n\n", stamp(r.Received), gap, stamp(r.Deciphered))
	body, closing := SplitClosing(r.Text)
	b.WriteString(body)
	if closing != nil {
		b.WriteString("\n\n" + closing.String())
	}
	b.WriteString("\n")
	return b.String()
}

func stamp(t time.Time) string { return t.Format("2 January 2006 at 15:04") }

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// Closing is the sender's closing line: date, station number and cover name.
type Closing struct {
	Date  time.Time
	Nr    int
	Cover string
}

// String writes "21 April 1941. No. 278.      VADIM."
func (c *Closing) String() string {
	return fmt.Sprintf("%s. No. %d.%s%s.", c.Date.Format("2 January 2006"), c.Nr, gap, c.Cover)
}

var closingRE = regexp.MustCompile(`(?i)^(\d{1,2}) ([A-Z]+) (\d{4})\. NO\. (\d+)\.\s+([A-ZА-ЯЁ][A-ZА-ЯЁ -]*)\.$`)

// SplitClosing separates a final closing line from the text before it. It
// returns the text unchanged and nil when the last line is no closing line.
func SplitClosing(text string) (string, *Closing) {
	text = strings.TrimRight(text, "\n ")
	i := strings.LastIndexByte(text, '\n')
	last := strings.TrimSpace(text[i+1:])
	m := closingRE.FindStringSubmatch(last)
	if m == nil {
		return text, nil
	}
	d, err := time.Parse("2 January 2006", m[1]+" "+titleCase(m[2])+" "+m[3])
	if err != nil {
		return text, nil
	}
	nr, _ := strconv.Atoi(m[4])
	body := ""
	if i >= 0 {
		body = strings.TrimRight(text[:i], "\n ")
	}
	return body, &Closing{Date: d, Nr: nr, Cover: strings.ToUpper(m[5])}
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}
