package cipher

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"ciphergram/groups"
)

// GroupsPerLine is how many groups a transmission body shows on one line.
const GroupsPerLine = 10

// Transmission is one part of a telegram as it goes on the wire: a preamble
// and the body groups (SPEC 6).
type Transmission struct {
	From, To    string
	Nr          int // the sender's telegram number
	Part, Parts int // 1-based part number and the telegram's part count
	Prec        Precedence
	// Groups are the body groups as five ASCII digits each, in order:
	// indicator, cipher groups, (tag), end group, serial/date group. A '?'
	// stands for a digit the receiver could not read.
	Groups []string
	// Garbles lists the body groups that could not be read as sent. Only a
	// parsed transmission has them.
	Garbles []Garble
	// Line is the line of the preamble in the text it was parsed from.
	Line int

	declared int // the GR count of a parsed preamble
}

// Garble records a received body group that could not be read.
type Garble struct {
	Group     int // 1-based position in the body
	Line, Col int
	Text      string // the group as received
	Reason    string
}

func (g Garble) String() string {
	return fmt.Sprintf("line %d, column %d, group %d %q: %s", g.Line, g.Col, g.Group, g.Text, g.Reason)
}

// ID names the part as FROM/NR/PART, the form the lab and logs use.
func (t *Transmission) ID() string {
	return fmt.Sprintf("%s/%d/%d", t.From, t.Nr, t.Part)
}

// Preamble returns the transmission's first line.
func (t *Transmission) Preamble() string {
	return fmt.Sprintf("CIPHERGRAM FROM %s TO %s NR %d PART %d/%d GR %d PREC %s",
		t.From, t.To, t.Nr, t.Part, t.Parts, len(t.Groups), t.Prec)
}

// Format writes the transmission text: the preamble, then the body ten groups
// a line, in cable letters when letters is true. It ends with a newline. A
// group that could not be read stays as its '?' marks, in either form.
func (t *Transmission) Format(letters bool) string {
	body := t.Groups
	if letters {
		body = make([]string, len(t.Groups))
		for i, g := range t.Groups {
			if strings.IndexByte(g, '?') >= 0 {
				body[i] = g
				continue
			}
			body[i] = groups.ToLetters(g)
		}
	}
	return t.Preamble() + "\n" + groups.Join(body, GroupsPerLine) + "\n"
}

// FormatAll writes several transmissions separated by blank lines.
func FormatAll(ts []*Transmission, letters bool) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Format(letters)
	}
	return strings.Join(parts, "\n")
}

// ParseTransmissions reads one or more transmissions: each a preamble line
// followed by body groups in digits or cable letters (either case, any white
// space). Blank lines are ignored. Errors name the line and, for a body, the
// group. A body group that cannot be read (wrong length, '?', a character
// outside the cable alphabet) is kept as '?' digits and listed in Garbles;
// whether that is acceptable is for Open to decide by mode. A group mixing
// digits and letters is an error (SPEC 2).
func ParseTransmissions(text string) ([]*Transmission, error) {
	var out []*Transmission
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	var cur *Transmission
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if strings.EqualFold(fields[0], "CIPHERGRAM") {
			if err := finish(cur); err != nil {
				return nil, err
			}
			t, err := parsePreamble(fields, line)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
			cur = t
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: expected a preamble line starting with CIPHERGRAM, found %q", line, fields[0])
		}
		if err := cur.addBodyLine(sc.Text(), line); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if err := finish(cur); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no transmission found (expected a line starting with CIPHERGRAM)")
	}
	return out, nil
}

func finish(t *Transmission) error {
	if t == nil {
		return nil
	}
	if want := t.declared; len(t.Groups) != want {
		return fmt.Errorf("line %d: part %d/%d: wrong group count: the preamble says GR %d but the body has %d groups",
			t.Line, t.Part, t.Parts, t.declared, len(t.Groups))
	}
	return nil
}

// parsePreamble reads
// CIPHERGRAM FROM <A> TO <B> NR <n> PART <k>/<n> GR <g> PREC <p>.
func parsePreamble(f []string, line int) (*Transmission, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("line %d: preamble: %s", line, fmt.Sprintf(format, args...))
	}
	want := []string{"CIPHERGRAM", "FROM", "", "TO", "", "NR", "", "PART", "", "GR", "", "PREC", ""}
	if len(f) != len(want) {
		return nil, bad("want 13 words (CIPHERGRAM FROM A TO B NR n PART k/n GR g PREC p), found %d", len(f))
	}
	for i, w := range want {
		if w != "" && !strings.EqualFold(f[i], w) {
			return nil, bad("word %d is %q, want %s", i+1, f[i], w)
		}
	}
	t := &Transmission{From: strings.ToUpper(f[2]), To: strings.ToUpper(f[4]), Line: line}
	for _, s := range []string{t.From, t.To} {
		if err := CheckStation(s); err != nil {
			return nil, bad("%v", err)
		}
	}
	var err error
	if t.Nr, err = number(f[6], "NR", 0); err != nil {
		return nil, bad("%v", err)
	}
	k, n, ok := strings.Cut(f[8], "/")
	if !ok {
		return nil, bad("PART %q is not k/n", f[8])
	}
	if t.Part, err = number(k, "part number", 1); err != nil {
		return nil, bad("%v", err)
	}
	if t.Parts, err = number(n, "part count", 1); err != nil {
		return nil, bad("%v", err)
	}
	if t.Part > t.Parts || t.Parts > 99 {
		return nil, bad("PART %s: want 1 <= k <= n <= 99", f[8])
	}
	if t.declared, err = number(f[10], "GR", 1); err != nil {
		return nil, bad("%v", err)
	}
	if t.Prec, err = ParsePrecedence(f[12]); err != nil {
		return nil, bad("%v", err)
	}
	return t, nil
}

func number(s, what string, min int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < min || len(s) > 9 {
		return 0, fmt.Errorf("%s %q is not a whole number >= %d", what, s, min)
	}
	return n, nil
}

// CheckStation validates an office name as it appears in a preamble: one
// word of capital letters, digits and hyphens.
func CheckStation(s string) error {
	if s == "" {
		return fmt.Errorf("empty station name")
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("station name %q: only capital letters, digits and '-' are allowed", s)
		}
	}
	return nil
}

// addBodyLine appends the groups of one body line.
func (t *Transmission) addBodyLine(text string, line int) error {
	col := 0
	for _, tok := range strings.FieldsFunc(text, unicode.IsSpace) {
		// find the token's column (1-based, in bytes; groups are ASCII)
		col += strings.Index(text[col:], tok)
		g, reason, err := readGroup(tok)
		if err != nil {
			return fmt.Errorf("line %d, column %d: part %d/%d, group %d: %v",
				line, col+1, t.Part, t.Parts, len(t.Groups)+1, err)
		}
		if reason != "" {
			t.Garbles = append(t.Garbles, Garble{Group: len(t.Groups) + 1, Line: line, Col: col + 1, Text: tok, Reason: reason})
		}
		t.Groups = append(t.Groups, g)
		col += len(tok)
	}
	return nil
}

// readGroup turns one received body group into five digits. A group that
// cannot be read comes back as '?' digits with a reason; only a group mixing
// digits and cable letters is an error.
func readGroup(tok string) (g, reason string, err error) {
	const unreadable = "?????"
	if len(tok) != groups.Size {
		return unreadable, fmt.Sprintf("has %d characters, want %d", len(tok), groups.Size), nil
	}
	if !strings.Contains(tok, "?") {
		d, perr := groups.Parse(tok)
		if perr == nil {
			return d, "", nil
		}
		if errors.Is(perr, groups.ErrMixed) {
			return "", "", perr
		}
		return unreadable, perr.Error(), nil
	}
	// Some digits marked unreadable: keep the readable ones.
	b := []byte(tok)
	for i, c := range b {
		if c == '?' {
			continue
		}
		d, perr := groups.Parse(string(c))
		if perr != nil {
			return unreadable, perr.Error(), nil
		}
		b[i] = d[0]
	}
	if err := mixed(tok); err != nil {
		return "", "", err
	}
	return string(b), "marked unreadable", nil
}

func mixed(tok string) error {
	s := strings.ReplaceAll(tok, "?", "")
	if s == "" {
		return nil
	}
	if _, err := groups.Parse(s); errors.Is(err, groups.ErrMixed) {
		return fmt.Errorf("group %q %w", tok, groups.ErrMixed)
	}
	return nil
}
