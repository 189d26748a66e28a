package morse

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Defaults taken for the zero fields of Options when encoding.
const (
	DefaultWPM        = 18
	DefaultTone       = 700  // Hz
	DefaultSampleRate = 8000 // samples per second
	DefaultAmplitude  = 0.5  // of full scale
	DefaultRamp       = 5 * time.Millisecond
)

// Limits of the options Encode accepts.
const (
	MinWPM, MaxWPM               = 1, 100
	MinTone, MaxTone             = 100, 4000 // Hz, and below 0.45 × the sample rate
	MinSampleRate, MaxSampleRate = 4000, 192000
)

// MaxSamples is the most samples a 16-bit mono WAV file holds: its RIFF
// size is a 32-bit count of the bytes after the first eight.
const MaxSamples = (1<<32 - 1 - 36) / 2

// Options sets the keying. The zero value keys at 18 WPM, 700 Hz, 8000
// samples per second, half of full scale, with 5 ms ramps and figures in
// full.
//
// Decode takes the same Options as hints, all optional: a non-zero Tone is
// used instead of estimating the tone; WPM and FarnsworthWPM settle the
// cases the measurements alone cannot (a text of only dots or only dashes,
// only character gaps or only word gaps); CutNumbers reads words of cut
// numbers back as figures. The other fields are ignored there.
type Options struct {
	// WPM is the character speed in words per minute by the PARIS
	// standard: a dot lasts 1.2/WPM seconds.
	WPM float64
	// FarnsworthWPM, when non-zero and below WPM, is the overall speed:
	// the characters keep the timing of WPM and only the gaps between
	// characters and words are stretched (ARRL formula), so that PARIS
	// takes 60/FarnsworthWPM seconds.
	FarnsworthWPM float64
	// Tone is the frequency of the note in Hz.
	Tone float64
	// SampleRate is the number of samples per second.
	SampleRate int
	// Amplitude is the peak of the note as a fraction of full scale, in
	// (0, 1].
	Amplitude float64
	// Ramp is the rise and the fall of every element, a raised-cosine
	// edge; it is shortened to half an element where an element is shorter.
	Ramp time.Duration
	// CutNumbers keys figures in their cut forms: 1=A 2=U 3=V 4=4 5=E 6=6
	// 7=B 8=D 9=N 0=T.
	CutNumbers bool
}

// Timing is the length of every element and gap of a keying.
type Timing struct {
	Dot, Dash  time.Duration
	ElementGap time.Duration // between the elements of one character
	CharGap    time.Duration // between characters
	WordGap    time.Duration // between words, and for a run of white space
}

// keying is a checked set of Options with the defaults filled in.
type keying struct {
	unit  float64 // seconds: a dot at the character speed
	space float64 // seconds: a unit of the gaps between characters and words
	rate  int
	tone  float64
	amp   float64
	ramp  int // samples
	cut   bool
}

func (o Options) keying() (*keying, error) {
	wpm, fw, tone, amp := o.WPM, o.FarnsworthWPM, o.Tone, o.Amplitude
	rate, ramp := o.SampleRate, o.Ramp
	if wpm == 0 {
		wpm = DefaultWPM
	}
	if tone == 0 {
		tone = DefaultTone
	}
	if rate == 0 {
		rate = DefaultSampleRate
	}
	if amp == 0 {
		amp = DefaultAmplitude
	}
	if ramp == 0 {
		ramp = DefaultRamp
	}
	switch {
	case !(wpm >= MinWPM && wpm <= MaxWPM):
		return nil, fmt.Errorf("morse: speed %v WPM: want %d to %d", wpm, MinWPM, MaxWPM)
	case !(fw >= 0 && fw <= wpm):
		return nil, fmt.Errorf("morse: Farnsworth speed %v WPM: want 0 (none) or a speed up to the character speed, %v WPM", fw, wpm)
	case rate < MinSampleRate || rate > MaxSampleRate:
		return nil, fmt.Errorf("morse: sample rate %d Hz: want %d to %d", rate, MinSampleRate, MaxSampleRate)
	case !(tone >= MinTone && tone <= MaxTone && tone < 0.45*float64(rate)):
		return nil, fmt.Errorf("morse: tone %v Hz: want %d to %d Hz and below 0.45 × the sample rate (%v Hz)",
			tone, MinTone, MaxTone, 0.45*float64(rate))
	case !(amp > 0 && amp <= 1):
		return nil, fmt.Errorf("morse: amplitude %v: want more than 0 and at most 1", amp)
	case ramp < 0:
		return nil, fmt.Errorf("morse: ramp %v: want a positive duration", ramp)
	}
	k := &keying{unit: 1.2 / wpm, space: spacing(wpm, fw), rate: rate, tone: tone, amp: amp, cut: o.CutNumbers}
	k.ramp = int(math.Round(ramp.Seconds() * float64(rate)))
	return k, nil
}

// spacing returns the unit of the gaps between characters and words: a dot
// without Farnsworth, else the ARRL delay (60c-37.2s)/(s c) spread over the
// 19 units of spacing in PARIS.
func spacing(wpm, farnsworth float64) float64 {
	if farnsworth == 0 || farnsworth >= wpm {
		return 1.2 / wpm
	}
	return (60*wpm - 37.2*farnsworth) / (farnsworth * wpm) / 19
}

// Timing returns the lengths of the elements and gaps the options key.
func (o Options) Timing() (Timing, error) {
	k, err := o.keying()
	if err != nil {
		return Timing{}, err
	}
	d := func(units float64, u float64) time.Duration {
		return time.Duration(math.Round(units * u * float64(time.Second)))
	}
	return Timing{
		Dot: d(1, k.unit), Dash: d(3, k.unit), ElementGap: d(1, k.unit),
		CharGap: d(3, k.space), WordGap: d(7, k.space),
	}, nil
}

// A CharError reports a character of the text that cannot be keyed. Line
// and Col are 1-based; lines end at '\n' and columns count runes.
type CharError struct {
	Line, Col int
	Char      rune   // the character; 0 for invalid UTF-8
	Msg       string // what is wrong, e.g. "has no Morse code"
}

// Error returns, for example:
//
//	line 2, column 8: character "§" (U+00A7) has no Morse code
func (e *CharError) Error() string {
	if e.Char == 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("line %d, column %d: character %s (%U) %s",
		e.Line, e.Col, strconv.Quote(string(e.Char)), e.Char, e.Msg)
}

// Gaps between characters and words, in units of spacing.
const (
	charGap = 3
	wordGap = 7
)

// walk goes through the elements of text in order, calling mark (if not
// nil) with the first and the past-the-end sample of each, and returns the
// number of samples of the whole text. Positions are rounded from the exact
// times, so the rounding never accumulates.
func (k *keying) walk(text string, mark func(start, end int64) error) (int64, error) {
	var units, spaces int64 // dots and units of spacing so far
	rate := float64(k.rate)
	pos := func() int64 {
		return int64(math.Round((float64(units)*k.unit + float64(spaces)*k.space) * rate))
	}
	line, col := 1, 0
	gap := int64(0) // the spacing owed before the next character
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		col++
		if r == utf8.RuneError && size == 1 {
			return 0, &CharError{Line: line, Col: col, Msg: fmt.Sprintf("invalid UTF-8 byte %#02x", text[i])}
		}
		i += size
		if r == '\n' {
			line, col, gap = line+1, 0, wordGap
			continue
		}
		if unicode.IsSpace(r) {
			gap = wordGap
			continue
		}
		code, ok := Code(r, k.cut)
		if !ok {
			return 0, &CharError{Line: line, Col: col, Char: r, Msg: "has no Morse code"}
		}
		spaces += gap
		for j := 0; j < len(code); j++ {
			if j > 0 {
				units++
			}
			start := pos()
			if code[j] == '-' {
				units += 3
			} else {
				units++
			}
			if mark != nil {
				if err := mark(start, pos()); err != nil {
					return 0, err
				}
			}
		}
		gap = charGap
		if n := pos(); n > MaxSamples {
			return 0, fmt.Errorf("morse: line %d: the text keys to more than %v of audio, the most a WAV file at %d Hz holds",
				line, time.Duration(float64(MaxSamples)/rate*float64(time.Second)).Round(time.Second), k.rate)
		}
	}
	if gap == wordGap {
		spaces += wordGap
	}
	return pos(), nil
}

// Samples returns the number of samples Encode makes of text, or the error
// it would return.
func Samples(text string, opts Options) (int64, error) {
	k, err := opts.keying()
	if err != nil {
		return 0, err
	}
	return k.walk(text, nil)
}

// Encode keys text as 16-bit samples at opts.SampleRate. A character without
// a Morse code is a *CharError naming its line and column.
func Encode(text string, opts Options) ([]int16, error) {
	k, err := opts.keying()
	if err != nil {
		return nil, err
	}
	n, err := k.walk(text, nil)
	if err != nil {
		return nil, err
	}
	out := make([]int16, 0, n)
	err = k.render(text, n, func(s []int16) error {
		out = append(out, s...)
		return nil
	})
	return out, err
}

// EncodePCM keys text straight to w as 16-bit little-endian samples, in
// constant memory, and returns the number of samples written. The text is
// checked before anything is written.
func EncodePCM(w io.Writer, text string, opts Options) (int64, error) {
	k, err := opts.keying()
	if err != nil {
		return 0, err
	}
	n, err := k.walk(text, nil)
	if err != nil {
		return 0, err
	}
	if err := k.render(text, n, pcmWriter(w)); err != nil {
		return 0, err
	}
	return n, nil
}

// EncodeWAV keys text straight to w as a complete WAV file, in constant
// memory. The text is checked before anything is written.
func EncodeWAV(w io.Writer, text string, opts Options) error {
	k, err := opts.keying()
	if err != nil {
		return err
	}
	n, err := k.walk(text, nil)
	if err != nil {
		return err
	}
	if err := WriteWAVHeader(w, n, k.rate); err != nil {
		return err
	}
	return k.render(text, n, pcmWriter(w))
}

// pcmWriter returns a sink that writes samples to w little-endian.
func pcmWriter(w io.Writer) func([]int16) error {
	var buf []byte
	return func(s []int16) error {
		buf = buf[:0]
		for _, v := range s {
			buf = binary.LittleEndian.AppendUint16(buf, uint16(v))
		}
		_, err := w.Write(buf)
		return err
	}
}

// chunk is how many samples render hands to its sink at a time.
const chunk = 4096

// render makes the n samples of text and passes them to sink in chunks.
func (k *keying) render(text string, n int64, sink func([]int16) error) error {
	r := renderer{k: k, sink: sink, buf: make([]int16, 0, chunk)}
	r.ramp = make([]float64, k.ramp)
	for i := range r.ramp {
		r.ramp[i] = rampGain(i, k.ramp)
	}
	w := 2 * math.Pi * k.tone / float64(k.rate)
	r.cosD, r.sinD = math.Cos(w), math.Sin(w)
	if _, err := k.walk(text, r.mark); err != nil {
		return err
	}
	if err := r.silence(n); err != nil {
		return err
	}
	return r.flush()
}

// rampGain is the raised-cosine gain of the i-th of n samples of a rise.
func rampGain(i, n int) float64 {
	return 0.5 * (1 - math.Cos(math.Pi*(float64(i)+0.5)/float64(n)))
}

type renderer struct {
	k          *keying
	sink       func([]int16) error
	buf        []int16
	at         int64 // the next sample's index
	ramp       []float64
	cosD, sinD float64 // one sample's turn of the note
}

func (r *renderer) put(v int16) error {
	r.buf = append(r.buf, v)
	r.at++
	if len(r.buf) == cap(r.buf) {
		return r.flush()
	}
	return nil
}

func (r *renderer) flush() error {
	if len(r.buf) == 0 {
		return nil
	}
	err := r.sink(r.buf)
	r.buf = r.buf[:0]
	return err
}

// silence fills up to sample until.
func (r *renderer) silence(until int64) error {
	for r.at < until {
		if err := r.put(0); err != nil {
			return err
		}
	}
	return nil
}

// mark keys the note from sample start to end, ramped at both ends. The
// phase follows the absolute time, so the note is one continuous sine.
func (r *renderer) mark(start, end int64) error {
	if err := r.silence(start); err != nil {
		return err
	}
	n := int(end - start)
	ramp := r.ramp
	if 2*len(ramp) > n {
		ramp = make([]float64, n/2)
		for i := range ramp {
			ramp[i] = rampGain(i, len(ramp))
		}
	}
	cycles := float64(start) * r.k.tone / float64(r.k.rate)
	theta := 2 * math.Pi * (cycles - math.Floor(cycles))
	c, s := math.Cos(theta), math.Sin(theta)
	peak := r.k.amp * math.MaxInt16
	for i := 0; i < n; i++ {
		g := 1.0
		if i < len(ramp) {
			g = ramp[i]
		} else if j := n - 1 - i; j < len(ramp) {
			g = ramp[j]
		}
		if err := r.put(int16(math.Round(peak * g * s))); err != nil {
			return err
		}
		c, s = c*r.cosD-s*r.sinD, s*r.cosD+c*r.sinD
	}
	return nil
}
