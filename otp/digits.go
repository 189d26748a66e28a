package otp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Digit extraction: the source is read as a bit stream and cut into 10-bit
// chunks v in 0..1023. A chunk below 1000 gives three digits (v/100, v/10%10,
// v%10): each of the 1000 three-digit strings comes from exactly one chunk,
// so the digits are uniform and independent when the bits are. Chunks 1000
// to 1023 are rejected. That yields 0.8 * 1000/1024 * 3 = 2.34 digits per
// random byte, 97% of the log2(10) bound; whole 5-byte blocks carry exactly
// four chunks. On amd64 pairs of blocks are converted eight chunks at a time
// with SSSE3 (digits_amd64.s), to the same digits.
const (
	blockBytes   = 5
	chunksPer    = 4
	digitsPer    = 3
	groupBytes   = 2 * blockBytes // the vector code's unit
	groupDigits  = 2 * chunksPer * digitsPer
	vecSlack     = 16               // the vector code stores 16 bytes at a time
	rawBytes     = 819 * blockBytes // just under 4 KiB of randomness per read
	digitCap     = rawBytes / blockBytes * chunksPer * digitsPer
	acceptBelow  = 1000
	maxRejects   = 64 // chance with a sound source: (24/1024)^64 < 10^-104
	maxZeroReads = 100
)

// DigitReader turns a source of uniform random bytes, normally crypto/rand,
// into uniform random ASCII digits by rejection sampling. It reads the
// source in blocks of about 4 KiB and wipes raw bytes as soon as they are
// converted, and digits as soon as Read copies them out; Wipe clears what is
// still buffered. A DigitReader is not safe for concurrent use.
type DigitReader struct {
	src      io.Reader
	raw      [rawBytes]byte
	rlo, rhi int // unconverted source bytes are raw[rlo:rhi]
	dig      [digitCap + vecSlack]byte
	dlo, dhi int // digits ready are dig[dlo:dhi]
	rejects  int // consecutive rejected chunks
	err      error
}

// errStuck reports a source that is certainly not random.
var errStuck = fmt.Errorf("random source is broken: %d 10-bit chunks in a row were out of range", maxRejects)

// NewDigitReader returns a DigitReader drawing on src. It draws whole
// reads of about 4 KiB; a caller that needs little (an indicator) should
// keep one reader for all its draws.
func NewDigitReader(src io.Reader) *DigitReader {
	return &DigitReader{src: src}
}

// Read fills p with uniform random ASCII digits '0'..'9'. It returns len(p)
// and a nil error, or fewer digits and the source's error (io.EOF at the end
// of a finite source). A source that yields only rejected chunks for 64
// chunks in a row is reported as broken rather than read forever.
func (d *DigitReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.dlo == d.dhi {
			if err := d.refill(); err != nil {
				return n, err
			}
		}
		c := copy(p[n:], d.dig[d.dlo:d.dhi])
		clear(d.dig[d.dlo : d.dlo+c])
		d.dlo += c
		n += c
	}
	return n, nil
}

// Wipe zeroes the buffered randomness and digits. The reader stays usable:
// later reads draw fresh bytes from the source.
func (d *DigitReader) Wipe() {
	clear(d.raw[:])
	clear(d.dig[:])
	d.rlo, d.rhi, d.dlo, d.dhi = 0, 0, 0, 0
}

// refill reads the source until at least one digit is ready.
func (d *DigitReader) refill() error {
	d.dlo, d.dhi = 0, 0
	zero := 0
	for d.dhi == 0 {
		if d.err != nil {
			return d.err
		}
		m := copy(d.raw[:], d.raw[d.rlo:d.rhi]) // fewer than blockBytes left over
		clear(d.raw[m:d.rhi])
		d.rlo, d.rhi = 0, m
		k, err := d.src.Read(d.raw[d.rhi:])
		d.rhi += k
		d.err = err
		if k == 0 && err == nil {
			if zero++; zero >= maxZeroReads {
				d.err = io.ErrNoProgress
			}
		}
		if err := d.convert(); err != nil {
			return err
		}
	}
	return nil
}

// convert turns every whole block of raw bytes into digits, wiping the
// bytes it used: pairs of blocks with the vector code where there is one,
// the rest here. The inner loop has no data-dependent branch: a rejected
// chunk writes three scratch bytes that the next chunk overwrites. A run of
// maxRejects rejected chunks, counted across blocks and reads, ends the
// conversion after its block (its group, in the vector code) with errStuck.
func (d *DigitReader) convert() error {
	start := d.rlo
	n, used, rejects, stuck := convertGroups(d.dig[d.dhi:], d.raw[d.rlo:d.rhi], d.rejects)
	d.dhi += n
	d.rlo += used
	dig := d.dig[:]
	dhi := d.dhi
	for ; !stuck && d.rhi-d.rlo >= blockBytes; d.rlo += blockBytes {
		b := d.raw[d.rlo : d.rlo+blockBytes]
		x := uint64(b[0])<<32 | uint64(binary.BigEndian.Uint32(b[1:]))
		longest := 0
		for shift := (chunksPer - 1) * 10; shift >= 0; shift -= 10 {
			v := uint32(x>>shift) & 1023
			ok := int((v - acceptBelow) >> 31) // 1 if v < 1000, else 0
			dig[dhi] = byte('0' + v/100)
			dig[dhi+1] = byte('0' + v/10%10)
			dig[dhi+2] = byte('0' + v%10)
			dhi += digitsPer * ok
			rejects = (rejects + 1) * (1 - ok)
			longest = max(longest, rejects)
		}
		stuck = longest >= maxRejects
	}
	if stuck {
		d.err = errStuck
	}
	clear(d.raw[start:d.rlo])
	clear(dig[dhi : dhi+vecSlack]) // scratch from a final rejected chunk, zeros from the vector code
	d.dhi, d.rejects = dhi, rejects
	if d.dhi == 0 && errors.Is(d.err, errStuck) {
		return d.err
	}
	return nil
}
