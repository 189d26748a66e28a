package cipher

import (
	"errors"
	"fmt"

	"ciphergram/groups"
	"ciphergram/otp"
)

// MaxParts is the largest part count a preamble can carry (two digits in
// the MAC input).
const MaxParts = 99

// Codec turns text into a digit stream and back: a codebook or a
// checkerboard.
type Codec interface {
	// EncodeDigits returns the digit stream for text, or an error naming the
	// line and column of what cannot be represented.
	EncodeDigits(text string) (string, error)
	// Filler returns the digits cycled onto the stream to fill its last
	// five-digit group.
	Filler() string
	// DecodeDigits turns a regrouped stream (filler included) back into
	// canonical text. '?' marks a digit that could not be read; decoding
	// never fails.
	DecodeDigits(digits string) string
}

// Message is what the sender states about a telegram besides its text.
type Message struct {
	From, To string
	Nr       int // the sender's telegram number; its last three digits go into the serial group
	Day      int // day of the month of filing, 1..31
	Prec     Precedence
}

func (m Message) check() error {
	if err := CheckStation(m.From); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := CheckStation(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	if m.Nr < 0 || m.Nr > 999999999 {
		return fmt.Errorf("telegram number %d out of range", m.Nr)
	}
	if m.Day < 1 || m.Day > 31 {
		return fmt.Errorf("day of month %d out of range 1..31", m.Day)
	}
	if _, err := ParsePrecedence(m.Prec.String()); err != nil {
		return err
	}
	return nil
}

// Serial returns the serial/date group SSSDD: the telegram number mod 1000
// and the day of filing.
func (m Message) Serial() string {
	return fmt.Sprintf("%03d%02d", m.Nr%1000, m.Day)
}

// Prepared is a telegram encoded and cut into parts, ready to be sealed with
// pad pages. It holds plaintext, not key.
type Prepared struct {
	mode  Mode
	gpp   int
	parts [][]byte // regrouped plaintext digits of each part, a multiple of 5
}

// Prepare encodes text with c, regroups the digits into five-digit groups
// (SPEC 4) and cuts them into parts of at most mode.Capacity(groupsPerPage)
// groups. It uses no key, so a failure here costs no pad page.
func Prepare(c Codec, text string, mode Mode, groupsPerPage int) (*Prepared, error) {
	capacity := mode.Capacity(groupsPerPage)
	if capacity < 1 {
		return nil, fmt.Errorf("pages of %d groups leave no room for text in %s mode", groupsPerPage, mode)
	}
	digits, err := c.EncodeDigits(text)
	if err != nil {
		return nil, err
	}
	if digits == "" {
		return nil, errors.New("nothing to encipher: the text is empty")
	}
	stream := Regroup(digits, c.Filler())
	p := &Prepared{mode: mode, gpp: groupsPerPage}
	for len(stream) > 0 {
		n := min(len(stream), capacity*groups.Size)
		p.parts = append(p.parts, []byte(stream[:n]))
		stream = stream[n:]
	}
	if len(p.parts) > MaxParts {
		return nil, fmt.Errorf("the text needs %d parts; a telegram has at most %d", len(p.parts), MaxParts)
	}
	return p, nil
}

// Regroup appends filler digits (cycling through filler) until the stream's
// length is a multiple of five.
func Regroup(digits, filler string) string {
	if filler == "" {
		filler = "0"
	}
	b := []byte(digits)
	for i := 0; len(b)%groups.Size != 0; i++ {
		b = append(b, filler[i%len(filler)])
	}
	return string(b)
}

// Parts is the number of pad pages Seal needs.
func (p *Prepared) Parts() int { return len(p.parts) }

// Mode is the mode the telegram was prepared for.
func (p *Prepared) Mode() Mode { return p.mode }

// CipherGroups is the total number of cipher groups over all parts.
func (p *Prepared) CipherGroups() int {
	n := 0
	for _, part := range p.parts {
		n += len(part) / groups.Size
	}
	return n
}

// Seal enciphers part i with pages[i] and lays out the transmissions. The
// pages must be unused pages of the link's pad, one per part; Seal only reads
// them. The caller must have made their consumption durable before any
// returned transmission leaves the process.
func (p *Prepared) Seal(msg Message, pages []*otp.Page) ([]*Transmission, error) {
	if err := msg.check(); err != nil {
		return nil, err
	}
	if len(pages) != len(p.parts) {
		return nil, fmt.Errorf("the telegram has %d parts but %d pages were given", len(p.parts), len(pages))
	}
	out := make([]*Transmission, len(p.parts))
	for i, part := range p.parts {
		if err := p.checkPage(pages[i]); err != nil {
			return nil, fmt.Errorf("part %d: %w", i+1, err)
		}
		t := &Transmission{From: msg.From, To: msg.To, Nr: msg.Nr, Part: i + 1, Parts: len(p.parts), Prec: msg.Prec}
		t.Groups = p.sealPart(part, pages[i], msg.Serial(), t.Part, t.Parts)
		out[i] = t
	}
	return out, nil
}

func (p *Prepared) checkPage(pg *otp.Page) error {
	if pg == nil || pg.Burned {
		return errors.New("page is burned")
	}
	if len(pg.Digits) != p.gpp*groups.Size {
		return fmt.Errorf("page %d has %d groups, want %d", pg.Number, len(pg.Digits)/groups.Size, p.gpp)
	}
	return nil
}

// sealPart builds one body: indicator, cipher groups, tag, end, serial.
func (p *Prepared) sealPart(plain []byte, pg *otp.Page, serial string, part, parts int) []string {
	m := len(plain) / groups.Size
	ct := make([]byte, len(plain))
	groups.Add(ct, plain, pg.Groups(1, m))
	body := make([]string, 0, m+p.mode.overhead())
	body = append(body, pg.Indicator())
	body = append(body, groups.Split(string(ct), groups.Size)...)
	end := m + 1
	if p.mode == Authenticated {
		key, err := otp.MACKeyFromDigits(pg.Groups(m+1, macKeyGroups))
		if err != nil {
			panic("cipher: page digits checked but MAC key refused: " + err.Error())
		}
		tag := otp.Tag(key, macInput(pg.Indicator(), ct, serial, part, parts))
		body = append(body, groups.Split(tag, groups.Size)...)
		end += macKeyGroups
	}
	body = append(body, string(pg.Group(end)), serial)
	return body
}

// macInput is indicator || cipher groups || serial/date group || part (2
// digits) || part count (2 digits), SPEC 6.
func macInput(indicator string, ct []byte, serial string, part, parts int) []byte {
	b := make([]byte, 0, len(indicator)+len(ct)+len(serial)+4)
	b = append(b, indicator...)
	b = append(b, ct...)
	b = append(b, serial...)
	return fmt.Appendf(b, "%02d%02d", part, parts)
}
