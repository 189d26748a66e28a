package cipher

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ciphergram/groups"
	"ciphergram/otp"
)

// ErrAuthentication is wrapped by every failure of the one-time MAC.
var ErrAuthentication = errors.New("authentication failure")

// AuthError reports the part whose tag did not verify and the indicator of
// its page, so that the receiver can count the failure against that page.
type AuthError struct {
	Part, Parts int
	Indicator   string
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("part %d/%d (indicator %s): %v: the tag does not match; nothing was released",
		e.Part, e.Parts, e.Indicator, ErrAuthentication)
}

// Unwrap lets errors.Is(err, ErrAuthentication) match.
func (e *AuthError) Unwrap() error { return ErrAuthentication }

// Keys finds the receiving copy of a pad page by link and indicator. It
// returns an error for an indicator that is unknown or already used.
type Keys interface {
	Page(from, to, indicator string) (*otp.Page, error)
}

// Opened is a telegram that passed every check of its mode.
type Opened struct {
	From, To string
	Nr       int
	Parts    int
	Prec     Precedence
	Day      int    // day of filing from the serial group (0 if unreadable)
	Digits   string // the regrouped plaintext stream; '?' marks unreadable digits
	// Pages are the pages used, in part order. The receiver burns them.
	Pages []*otp.Page
	// Warnings describe damage tolerated in historical mode (garbled groups,
	// a mismatched end or serial group). Authenticated telegrams have none.
	Warnings []string
}

// Text decodes the plaintext with the codec the telegram was encoded with.
func (o *Opened) Text(c Codec) string { return c.DecodeDigits(o.Digits) }

// Open checks and deciphers the transmissions of one telegram. In
// authenticated mode every part's tag is verified, in constant time, before
// anything is deciphered, and any unreadable group, mismatched end group or
// bad tag fails the whole telegram. In historical mode unreadable cipher
// groups become '?' digits and other damage is reported in Warnings. Open
// never burns pages; it returns the ones used.
func Open(mode Mode, ts []*Transmission, keys Keys) (*Opened, error) {
	ts, err := assemble(ts)
	if err != nil {
		return nil, err
	}
	first := ts[0]
	o := &Opened{From: first.From, To: first.To, Nr: first.Nr, Parts: first.Parts, Prec: first.Prec}
	plain := make([][]byte, len(ts))
	for i, t := range ts {
		pg, p, err := openPart(mode, t, keys, o)
		if err != nil {
			return nil, err
		}
		o.Pages = append(o.Pages, pg)
		plain[i] = p
	}
	o.Digits = string(slices.Concat(plain...))
	return o, nil
}

// assemble orders the parts of one telegram and checks that none is
// missing, repeated or from another telegram.
func assemble(ts []*Transmission) ([]*Transmission, error) {
	if len(ts) == 0 {
		return nil, errors.New("no transmission to decipher")
	}
	ts = slices.Clone(ts)
	slices.SortStableFunc(ts, func(a, b *Transmission) int { return a.Part - b.Part })
	f := ts[0]
	for _, t := range ts {
		if t.From != f.From || t.To != f.To || t.Nr != f.Nr || t.Parts != f.Parts {
			return nil, fmt.Errorf("line %d: part %d/%d of %s to %s NR %d does not belong to telegram %s to %s NR %d (%d parts)",
				t.Line, t.Part, t.Parts, t.From, t.To, t.Nr, f.From, f.To, f.Nr, f.Parts)
		}
	}
	for i := 1; i < len(ts); i++ {
		if ts[i].Part == ts[i-1].Part {
			return nil, fmt.Errorf("line %d: part %d/%d appears twice (also at line %d)", ts[i].Line, ts[i].Part, f.Parts, ts[i-1].Line)
		}
	}
	var missing []string
	for k, i := 1, 0; k <= f.Parts; k++ {
		if i < len(ts) && ts[i].Part == k {
			i++
			continue
		}
		missing = append(missing, strconv.Itoa(k))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("telegram %s NR %d is incomplete: missing part %s of %d", f.From, f.Nr, strings.Join(missing, ", "), f.Parts)
	}
	return ts, nil
}

// openPart checks one part and returns its page and plaintext digits.
func openPart(mode Mode, t *Transmission, keys Keys, o *Opened) (*otp.Page, []byte, error) {
	where := fmt.Sprintf("line %d: part %d/%d", t.Line, t.Part, t.Parts)
	m := len(t.Groups) - mode.overhead()
	if m < 1 {
		return nil, nil, fmt.Errorf("%s: %d groups are too few for a %s transmission", where, len(t.Groups), mode)
	}
	if err := checkGarbles(mode, t, o); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	ind := t.Groups[0]
	pg, err := keys.Page(t.From, t.To, ind)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: indicator %s: %w", where, ind, err)
	}
	gpp := len(pg.Digits) / groups.Size
	if capacity := mode.Capacity(gpp); m > capacity {
		return nil, nil, fmt.Errorf("%s: %d cipher groups, but a page of %d groups carries at most %d in %s mode",
			where, m, gpp, capacity, mode)
	}
	ct := []byte(strings.Join(t.Groups[1:1+m], ""))
	serial := t.Groups[len(t.Groups)-1]
	end := m + 1
	if mode == Authenticated {
		if err := verify(t, pg, ct, m, serial); err != nil {
			return nil, nil, err
		}
		end += macKeyGroups
	}
	if got := t.Groups[len(t.Groups)-2]; got != string(pg.Group(end)) {
		msg := fmt.Sprintf("%s: end group %s does not match the page: the text is truncated or garbled", where, got)
		if mode == Authenticated {
			return nil, nil, errors.New(msg)
		}
		o.Warnings = append(o.Warnings, msg)
	}
	if err := checkSerial(mode, t, serial, o); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	return pg, subtract(ct, pg.Groups(1, m)), nil
}

func verify(t *Transmission, pg *otp.Page, ct []byte, m int, serial string) error {
	key, err := otp.MACKeyFromDigits(pg.Groups(m+1, macKeyGroups))
	if err != nil {
		return fmt.Errorf("part %d: page %d: %w", t.Part, pg.Number, err)
	}
	tag := strings.Join(t.Groups[1+m:1+m+tagGroups], "")
	if !otp.Verify(key, macInput(t.Groups[0], ct, serial, t.Part, t.Parts), tag) {
		return &AuthError{Part: t.Part, Parts: t.Parts, Indicator: t.Groups[0]}
	}
	return nil
}

// checkGarbles refuses any unreadable group in authenticated mode, and in
// historical mode any in the indicator (the page cannot be found without it).
func checkGarbles(mode Mode, t *Transmission, o *Opened) error {
	for _, g := range t.Garbles {
		if mode == Authenticated {
			return fmt.Errorf("unreadable group in an authenticated telegram (ask for a repeat): %s", g)
		}
		if g.Group == 1 {
			return fmt.Errorf("the indicator cannot be read: %s", g)
		}
		o.Warnings = append(o.Warnings, fmt.Sprintf("part %d/%d: %s", t.Part, t.Parts, g))
	}
	return nil
}

// checkSerial compares the serial/date group with the preamble's number.
func checkSerial(mode Mode, t *Transmission, serial string, o *Opened) error {
	day, err := strconv.Atoi(serial[3:])
	ok := err == nil && serial[:3] == fmt.Sprintf("%03d", t.Nr%1000) && day >= 1 && day <= 31
	if ok && (o.Day == 0 || o.Day == day) {
		o.Day = day
		return nil
	}
	msg := fmt.Sprintf("serial/date group %s does not agree with NR %d", serial, t.Nr)
	if o.Day != 0 && ok {
		msg = fmt.Sprintf("serial/date group %s gives day %d, another part gives %d", serial, day, o.Day)
	}
	if mode == Authenticated {
		return errors.New(msg)
	}
	o.Warnings = append(o.Warnings, fmt.Sprintf("line %d: part %d/%d: %s", t.Line, t.Part, t.Parts, msg))
	return nil
}

// subtract deciphers ct with key; '?' digits stay unreadable.
func subtract(ct, key []byte) []byte {
	p := make([]byte, len(ct))
	if !slices.Contains(ct, '?') {
		groups.Sub(p, ct, key)
		return p
	}
	for i := range ct {
		if ct[i] == '?' {
			p[i] = '?'
			continue
		}
		p[i] = (ct[i]-'0'+10-(key[i]-'0'))%10 + '0'
	}
	return p
}

// PadKeys serves Keys from the receiving copy of one pad, refusing
// transmissions of any other link.
func PadKeys(p *otp.Pad) Keys { return padKeys{p} }

type padKeys struct{ pad *otp.Pad }

func (k padKeys) Page(from, to, indicator string) (*otp.Page, error) {
	if from != k.pad.From || to != k.pad.To {
		return nil, fmt.Errorf("pad %s serves %s to %s, not %s to %s", k.pad.ID, k.pad.From, k.pad.To, from, to)
	}
	return k.pad.Lookup(indicator)
}
