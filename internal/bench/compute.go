package bench

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"ciphergram/cipher"
	"ciphergram/codebook"
	"ciphergram/groups"
	"ciphergram/otp"
	"ciphergram/telegram"
)

// measureAdd measures groups.Add over buffers of c.AddBytes digits against
// a copy of the same size: both read c.AddBytes and write c.AddBytes (Add
// reads twice as much).
func measureAdd(_ context.Context, c Config, r *Result) error {
	rng := rand.New(rand.NewPCG(1941, 4))
	a, b, dst := randomDigits(rng, c.AddBytes), randomDigits(rng, c.AddBytes), make([]byte, c.AddBytes)
	mb := float64(c.AddBytes) / 1e6
	rs, err := alternate(c.Rounds,
		func() (float64, error) {
			return rate(c.MinTime, func() (float64, error) { groups.Add(dst, a, b); return mb, nil })
		},
		func() (float64, error) {
			return rate(c.MinTime, func() (float64, error) { copy(dst, a); return mb, nil })
		})
	if err != nil {
		return err
	}
	r.AddMBs, r.MemmoveMBs = rs[0], rs[1]
	return nil
}

func randomDigits(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0' + byte(rng.IntN(10))
	}
	return b
}

// randRead is the size of one read of the baseline: what a DigitReader
// asks crypto/rand for at a time.
const randRead = 4095

// measurePadgen measures the unbiased digits an otp.DigitReader makes from
// crypto/rand, read a page (60 groups) at a time as otp.Generate reads
// them, against reading crypto/rand itself; and, beside them, otp.Generate
// making whole pads (its pages, their unique indicators, and the memory of
// the pad, which is new each time).
func measurePadgen(_ context.Context, c Config, r *Result) error {
	page := make([]byte, otp.GroupSize*otp.DefaultGroupsPerPage)
	buf := make([]byte, randRead)
	dr := otp.NewDigitReader(crand.Reader)
	defer dr.Wipe()
	padDigits := float64(c.PadPages * c.PadGroups * otp.GroupSize)
	rs, err := alternate(c.Rounds,
		func() (float64, error) {
			return rate(c.MinTime, func() (float64, error) {
				for range 100 {
					if _, err := io.ReadFull(dr, page); err != nil {
						return 0, err
					}
				}
				return 100 * float64(len(page)), nil
			})
		},
		func() (float64, error) {
			return rate(c.MinTime, func() (float64, error) {
				_, err := crand.Read(buf)
				return randRead, err
			})
		},
		func() (float64, error) {
			return rate(c.MinTime, func() (float64, error) {
				p, err := otp.Generate(crand.Reader, "BENCH", "LONDON", "CENTRE", c.PadPages, c.PadGroups)
				if err != nil {
					return 0, err
				}
				p.Wipe()
				return padDigits, nil
			})
		})
	clear(page)
	if err != nil {
		return err
	}
	r.PadgenDigitsS, r.RandBytesS, r.PadDigitsS = rs[0], rs[1], rs[2]
	return nil
}

// prose returns about n bytes of telegram prose: the demonstration
// telegram, repeated, cut at a line end.
func prose(n int) string {
	text := strings.TrimSpace(telegram.DemoText) + "\n"
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(text)
	}
	s := b.String()
	if i := strings.LastIndexByte(s[:min(len(s), n+len(text)/2)], '\n'); i > 0 {
		s = s[:i]
	}
	return s
}

// cipherCase is one telegram ready to be enciphered and deciphered again
// and again: its text, pages enough for it (bench pages, thrown away; a
// real page is used once), and its wire.
type cipherCase struct {
	text  string
	codec cipher.Codec
	gpp   int
	pages []*otp.Page
	keys  mapKeys
	wire  string
}

func newCipherCase(size int) (*cipherCase, error) {
	cc := &cipherCase{text: prose(size), codec: codebook.Default(), gpp: otp.DefaultGroupsPerPage}
	var prep *cipher.Prepared
	var err error
	for { // a telegram too long for 99 parts gets larger pages
		prep, err = cipher.Prepare(cc.codec, cc.text, cipher.Authenticated, cc.gpp)
		if err == nil || cc.gpp == otp.MaxGroupsPerPage {
			break
		}
		cc.gpp = min(2*cc.gpp, otp.MaxGroupsPerPage)
	}
	if err != nil {
		return nil, fmt.Errorf("a telegram of %d bytes: %w", len(cc.text), err)
	}
	pad, err := otp.Generate(rand.NewChaCha8([32]byte{'b', 'e', 'n', 'c', 'h'}), "BENCH", "LONDON", "CENTRE", prep.Parts(), cc.gpp)
	if err != nil {
		return nil, err
	}
	cc.pages, cc.keys = pad.Pages, mapKeys{}
	for _, pg := range pad.Pages {
		cc.keys[pg.Indicator()] = pg
	}
	if cc.wire, err = cc.encipher(); err != nil {
		return nil, err
	}
	if text, err := cc.decipher(); err != nil || !strings.Contains(text, "LONDON") {
		return nil, fmt.Errorf("the bench telegram does not come back (%v)", err)
	}
	return cc, nil
}

// encipher is the whole procedure from text to wire: encode, regroup, cut
// into parts, add the pages, authenticate, lay out in letters.
func (cc *cipherCase) encipher() (string, error) {
	prep, err := cipher.Prepare(cc.codec, cc.text, cipher.Authenticated, cc.gpp)
	if err != nil {
		return "", err
	}
	ts, err := prep.Seal(cipher.Message{From: "LONDON", To: "CENTRE", Nr: 278, Day: 21, Prec: cipher.Routine}, cc.pages)
	if err != nil {
		return "", err
	}
	return cipher.FormatAll(ts, true), nil
}

// decipher is the whole procedure back: parse, verify, subtract, decode.
func (cc *cipherCase) decipher() (string, error) {
	ts, err := cipher.ParseTransmissions(cc.wire)
	if err != nil {
		return "", err
	}
	o, err := cipher.Open(cipher.Authenticated, ts, cc.keys)
	if err != nil {
		return "", err
	}
	return o.Text(cc.codec), nil
}

// mapKeys finds bench pages by indicator, as the store's index does.
type mapKeys map[string]*otp.Page

func (k mapKeys) Page(_, _, indicator string) (*otp.Page, error) {
	if pg, ok := k[indicator]; ok {
		return pg, nil
	}
	return nil, fmt.Errorf("no page %s", indicator)
}

// cipherRates measures encipherment and decipherment of a telegram of
// about size bytes, in MB of prose a second.
func cipherRates(c Config, size int) (enc, dec float64, err error) {
	cc, err := newCipherCase(size)
	if err != nil {
		return 0, 0, err
	}
	mb := float64(len(cc.text)) / 1e6
	rs, err := alternate(c.Rounds,
		func() (float64, error) {
			return rate(c.MinTime, func() (float64, error) { _, err := cc.encipher(); return mb, err })
		},
		func() (float64, error) {
			return rate(c.MinTime, func() (float64, error) { _, err := cc.decipher(); return mb, err })
		})
	if err != nil {
		return 0, 0, err
	}
	return rs[0], rs[1], nil
}

func measureCipher(_ context.Context, c Config, r *Result) error {
	var err error
	if r.EncipherMBs, r.DecipherMBs, err = cipherRates(c, c.TextSize); err != nil {
		return err
	}
	if len(c.TextSizes) == 0 {
		return nil
	}
	s := r.scaling()
	s.EncipherMBs, s.DecipherMBs = map[int]float64{}, map[int]float64{}
	for _, n := range c.TextSizes {
		logf(c, "  telegrams of %d bytes", n)
		if s.EncipherMBs[n], s.DecipherMBs[n], err = cipherRates(c, n); err != nil {
			return err
		}
	}
	return nil
}

func (r *Result) scaling() *Scaling {
	if r.Scaling == nil {
		r.Scaling = &Scaling{}
	}
	return r.Scaling
}
