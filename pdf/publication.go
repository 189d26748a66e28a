package pdf

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"ciphergram/telegram"
)

// Publication writes a declassified translation in PDF: the same sheet as a
// telegram copy, marked DECLASSIFIED and "Released for publication" instead
// of the classification and caveat, with the publication's plain text as
// its body (the release, the registration lines, the text with true names
// and passages withheld marked, the notes). The same publication and
// options give the same bytes.
func Publication(w io.Writer, p *telegram.Publication, opts CopyOptions) error {
	if p == nil {
		return errors.New("publication: no publication")
	}
	if opts.PageSize == "" {
		opts.PageSize = A4
	}
	if opts.Date.IsZero() {
		opts.Date = p.Released
	}
	c := &telegramCopy{class: "DECLASSIFIED", caveat: "Released for publication", copyNo: "PUBLICATION", footer: printable(opts.Footer)}
	if len(p.Numbers) > 0 {
		c.reg = "Reg. No. " + joinInts(p.Numbers)
	}
	var body []string
	for _, l := range strings.Split(strings.TrimRight(p.PlainText(), "\n"), "\n") {
		body = append(body, printable(l))
	}
	title := "Declassified cipher telegram No. " + joinInts(p.Numbers)
	s, err := newSheet(opts.PageSize, opts.Date, opts.Compress, title, append(body, c.class, c.caveat, c.reg, c.footer)...)
	if err != nil {
		return fmt.Errorf("publication: %w", err)
	}
	c.sheet, c.u = s, s.w/210
	c.print(body)
	if err := s.write(w); err != nil {
		return fmt.Errorf("publication: %w", err)
	}
	return nil
}
