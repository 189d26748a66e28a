package otp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HeaderLine is the first line of every pad file: the format and its version.
const HeaderLine = "# ciphergram pad v1"

// FailuresKey names the comment line, right after a page's PAGE line, that
// records failed authentication attempts: "# failed-authentications: 2".
// Readers that do not know it skip it as a comment.
const FailuresKey = "failed-authentications"

// maxLine bounds a pad file line; the scanner reads into one buffer of this
// size, which is wiped when Parse returns.
const maxLine = 64 << 10

// Parse reads a pad file (SPEC 5). It checks the version line and the header
// (id, from and to are required; groups-per-page defaults to 60), that pages
// ascend, that each unburned page has exactly GroupsPerPage groups of five
// digits written ten to a line (the last line shorter), and that indicators
// are unique. "PAGE n BURNED" marks a used page. Lines starting with "#" are
// comments anywhere; header comments other than the keys are kept in Notes,
// later ones are dropped except the failed-authentications line.
//
// Errors name the line, as in "pad line 9: group 4 has non-digit 'a' at
// position 3", and never quote pad digits other than indicators. Parse
// reads r through a single buffer that it wipes before returning.
func Parse(r io.Reader) (*Pad, error) {
	buf := make([]byte, maxLine)
	defer clear(buf)
	sc := bufio.NewScanner(r)
	sc.Buffer(buf, len(buf))
	ps := &parser{pad: &Pad{}, seen: map[string]int{}}
	for sc.Scan() {
		ps.line++
		if err := ps.parseLine(sc.Bytes()); err != nil {
			ps.pad.Wipe()
			return nil, fmt.Errorf("pad line %d: %w", ps.line, err)
		}
	}
	err := sc.Err()
	if errors.Is(err, bufio.ErrTooLong) {
		err = fmt.Errorf("pad line %d: line longer than %d bytes", ps.line+1, maxLine)
	}
	if err == nil {
		err = ps.finish()
	}
	if err != nil {
		ps.pad.Wipe()
		return nil, err
	}
	return ps.pad, nil
}

// parser holds the state of one Parse.
type parser struct {
	pad       *Pad
	line      int
	keys      map[string]bool // header keys seen
	cur       *Page           // page being read, nil before the first
	curLine   int             // line of cur's PAGE line
	curFailed bool            // cur has a failed-authentications line
	seen      map[string]int  // indicator -> page number
}

func (ps *parser) parseLine(b []byte) error {
	if ps.line == 1 {
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if string(bytes.TrimSpace(b)) != HeaderLine {
			return fmt.Errorf("not a pad file: want first line %q", HeaderLine)
		}
		ps.keys = map[string]bool{}
		return nil
	}
	t := bytes.TrimSpace(b)
	switch {
	case len(t) == 0:
		return nil
	case t[0] == '#':
		return ps.comment(commentText(t))
	case bytes.HasPrefix(t, []byte("PAGE")):
		return ps.pageLine(t)
	default:
		return ps.digitLine(t)
	}
}

// commentText returns a trimmed comment line's text: what follows "#",
// without one leading space.
func commentText(t []byte) string {
	s := string(t[1:])
	return strings.TrimPrefix(s, " ")
}

// headerKey splits a comment's text into a known header key and its value.
func headerKey(text string) (key, value string, ok bool) {
	k, v, found := strings.Cut(text, ":")
	k = strings.TrimSpace(k)
	switch k {
	case "id", "from", "to", "groups-per-page":
		return k, strings.TrimSpace(v), found
	}
	return "", "", false
}

func (ps *parser) comment(text string) error {
	if ps.cur != nil {
		k, v, found := strings.Cut(text, ":")
		if strings.TrimSpace(k) == FailuresKey && found {
			return ps.failures(strings.TrimSpace(v))
		}
		return nil // other comments among the pages are dropped
	}
	key, v, ok := headerKey(text)
	if !ok {
		ps.pad.Notes = append(ps.pad.Notes, text)
		return nil
	}
	if ps.keys[key] {
		return fmt.Errorf("header key %q repeats", key)
	}
	ps.keys[key] = true
	var err error
	switch key {
	case "id":
		ps.pad.ID, err = v, checkName("pad id", v)
	case "from":
		ps.pad.From, err = v, checkName("from", v)
	case "to":
		ps.pad.To, err = v, checkName("to", v)
	case "groups-per-page":
		ps.pad.GroupsPerPage, err = strconv.Atoi(v)
		if err != nil || !isDigits(v) {
			return fmt.Errorf("groups-per-page %q is not a number", v)
		}
		err = checkGroupsPerPage(ps.pad.GroupsPerPage)
	}
	return err
}

func (ps *parser) failures(v string) error {
	if ps.curFailed {
		return fmt.Errorf("page %d has a second %s line", ps.cur.Number, FailuresKey)
	}
	n, err := strconv.Atoi(v)
	if err != nil || !isDigits(v) {
		return fmt.Errorf("page %d: %s %q is not a count", ps.cur.Number, FailuresKey, v)
	}
	ps.cur.Failures, ps.curFailed = n, true
	return nil
}

// pageLine starts a page: "PAGE n" or "PAGE n BURNED".
func (ps *parser) pageLine(t []byte) error {
	f := bytes.Fields(t)
	if string(f[0]) != "PAGE" || len(f) < 2 || len(f) > 3 || len(f) == 3 && string(f[2]) != "BURNED" {
		return errors.New(`malformed page line: want "PAGE n" or "PAGE n BURNED"`)
	}
	num := string(f[1])
	n, err := strconv.Atoi(num)
	if err != nil || !isDigits(num) || n < 1 {
		return fmt.Errorf("page number %q is not a positive number", num)
	}
	if ps.cur == nil {
		if err := ps.checkHeader(); err != nil {
			return err
		}
	} else if err := ps.endPage(); err != nil {
		return err
	}
	if ps.cur != nil && n <= ps.cur.Number {
		return fmt.Errorf("page %d follows page %d: pages must ascend", n, ps.cur.Number)
	}
	pg := &Page{Number: n, Burned: len(f) == 3}
	if !pg.Burned {
		pg.Digits = make([]byte, 0, GroupSize*ps.pad.GroupsPerPage)
	}
	ps.pad.Pages = append(ps.pad.Pages, pg)
	ps.cur, ps.curLine, ps.curFailed = pg, ps.line, false
	return nil
}

// checkHeader runs at the first page line: the header is complete.
func (ps *parser) checkHeader() error {
	for _, k := range []string{"id", "from", "to"} {
		if !ps.keys[k] {
			return fmt.Errorf("header has no %q line before the first page", "# "+k+": ")
		}
	}
	if !ps.keys["groups-per-page"] {
		ps.pad.GroupsPerPage = DefaultGroupsPerPage
	}
	return nil
}

// endPage checks that the current page is complete.
func (ps *parser) endPage() error {
	pg := ps.cur
	if pg == nil || pg.Burned {
		return nil
	}
	if have := len(pg.Digits) / GroupSize; have != ps.pad.GroupsPerPage {
		return fmt.Errorf("page %d (line %d) has %d groups, want %d", pg.Number, ps.curLine, have, ps.pad.GroupsPerPage)
	}
	return nil
}

// digitLine appends one line of groups to the current page.
func (ps *parser) digitLine(t []byte) error {
	pg := ps.cur
	switch {
	case pg == nil:
		return errors.New("text before the first PAGE line is neither a comment nor a page")
	case pg.Burned:
		return fmt.Errorf("page %d is burned but has digits", pg.Number)
	}
	have := len(pg.Digits) / GroupSize
	want := min(GroupsPerLine, ps.pad.GroupsPerPage-have)
	if want == 0 {
		return fmt.Errorf("page %d already has its %d groups", pg.Number, have)
	}
	f := bytes.Fields(t)
	if len(f) != want {
		return fmt.Errorf("page %d: %d groups on the line, want %d", pg.Number, len(f), want)
	}
	for i, g := range f {
		if err := checkGroup(g); err != nil {
			return fmt.Errorf("group %d %w", i+1, err)
		}
		pg.Digits = append(pg.Digits, g...)
	}
	if have == 0 {
		ind := string(pg.Digits[:GroupSize])
		if prev, ok := ps.seen[ind]; ok {
			return fmt.Errorf("page %d indicator %s repeats page %d", pg.Number, ind, prev)
		}
		ps.seen[ind] = pg.Number
	}
	return nil
}

// checkGroup reports, without quoting the group, why g is not five digits.
func checkGroup(g []byte) error {
	if len(g) != GroupSize {
		return fmt.Errorf("has %d characters, want %d digits", utf8.RuneCount(g), GroupSize)
	}
	for i, c := range g {
		if c < '0' || c > '9' {
			return fmt.Errorf("has non-digit %q at position %d", c, i+1)
		}
	}
	return nil
}

func (ps *parser) finish() error {
	if ps.line == 0 {
		return errors.New("pad is empty")
	}
	if ps.cur == nil {
		return errors.New("pad has no pages")
	}
	if err := ps.endPage(); err != nil {
		return fmt.Errorf("pad line %d: %w", ps.line, err)
	}
	return nil
}

// isDigits reports whether s is a non-empty run of at most 9 ASCII digits
// (so that it converts to an int without overflow on any platform).
func isDigits(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
