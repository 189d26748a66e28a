package morse

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// ErrNoSignal is returned by Decode for audio without a Morse tone in it.
var ErrNoSignal = errors.New("morse: no Morse signal found")

// DecodeWAV reads a WAV file (see ReadWAV) and decodes the Morse in it
// without hints.
func DecodeWAV(r io.Reader) (string, error) {
	return DecodeWAVOptions(r, Options{})
}

// DecodeWAVOptions reads a WAV file and decodes the Morse in it with the
// hints of opts (see Options and Decode).
func DecodeWAVOptions(r io.Reader, opts Options) (string, error) {
	samples, rate, err := ReadWAV(r)
	if err != nil {
		return "", err
	}
	return Decode(samples, rate, opts)
}

// Decode reads Morse code from samples and returns the text: the words in
// capitals separated by single spaces. A pattern of elements that is no
// character comes out as '?', the mark of an unreadable figure. Audio with
// no tone in it is ErrNoSignal.
//
// It works from the audio alone (opts only hints, see Options):
//
//  1. The tone: the loudest stretches, 32 ms each, are searched for the
//     frequency of most power (Goertzel filters every 10 Hz from 100 Hz to
//     4 kHz, then every 0.5 Hz around the best). A flat spectrum is no
//     signal.
//  2. The envelope: the audio is mixed down with a reference at the tone
//     (in-phase and quadrature sums per millisecond) and the magnitude of
//     their sum over a sliding window gives the tone's level every
//     millisecond: a Goertzel filter slid along the signal.
//  3. Keying: the levels are split into silence and tone by two-means, and
//     the key is down above 60% of the way from one to the other and up
//     again below 40%. Runs shorter than half a dot are merged into their
//     neighbours (clicks and drop-outs in noise).
//  4. The window of step 2 is as wide as the keying allows, to let in as
//     little noise as it can: windows from 48 ms down to 8 ms are tried
//     until one shows dots and dashes, the dots at least 1.8 windows long
//     (in noise a narrow window makes clicks about as long as itself) and
//     gaps within characters about a dot long (too wide a window runs the
//     elements together); the keying is then read again with a window of
//     half a dot.
//  5. Classes: the marks are split in two by their lengths (Otsu's method
//     on the logarithms); two clusters at least twice apart are dots and
//     dashes. Gaps shorter than the mean of a dot and a dash separate
//     elements; the longer ones are split in two again into character and
//     word gaps. Where there is only one cluster, the gaps, then the hints,
//     then the ratios of the standard timing decide.
func Decode(samples []int16, sampleRate int, opts Options) (string, error) {
	h, err := opts.hints()
	if err != nil {
		return "", err
	}
	if sampleRate < 1000 || sampleRate > 1<<30 {
		return "", fmt.Errorf("morse: sample rate %d Hz: want at least 1000", sampleRate)
	}
	rate := float64(sampleRate)
	tone := opts.Tone
	if tone == 0 {
		if tone = estimateTone(samples, sampleRate); tone == 0 {
			return "", ErrNoSignal
		}
	} else if tone >= rate/2 {
		return "", fmt.Errorf("morse: tone %v Hz is above half the sample rate", tone)
	}
	hop := max(1, int(math.Round(rate/1000)))
	dt := float64(hop) / rate // seconds per level
	bb := demodulate(samples, sampleRate, tone, hop)

	hops := func(sec float64) int { return max(1, int(math.Ceil(sec/dt))) }
	runs, c, ok := bb.search(dt, max(hops(0.008), hops(2/tone)), h)
	if !ok {
		return "", ErrNoSignal
	}
	text := c.read(runs, dt)
	if opts.CutNumbers {
		words := strings.Split(text, " ")
		for i, w := range words {
			words[i], _ = UncutNumbers(w)
		}
		text = strings.Join(words, " ")
	}
	return text, nil
}

// hints are the lengths the options announce, in seconds; 0 if unknown.
type hints struct {
	unit, space float64
}

func (o Options) hints() (hints, error) {
	for _, v := range []float64{o.WPM, o.FarnsworthWPM, o.Tone} {
		if !(v >= 0 && v < math.Inf(1)) {
			return hints{}, fmt.Errorf("morse: decoding hints must be 0 or positive: WPM %v, Farnsworth %v, tone %v",
				o.WPM, o.FarnsworthWPM, o.Tone)
		}
	}
	if o.WPM == 0 {
		return hints{}, nil
	}
	return hints{unit: 1.2 / o.WPM, space: spacing(o.WPM, o.FarnsworthWPM)}, nil
}

// estimateTone returns the frequency of most power in the loudest 32 ms
// windows of x, or 0 when there is none that stands out.
func estimateTone(x []int16, rate int) float64 {
	n := int(0.032 * float64(rate))
	if len(x) < n {
		n = len(x)
	}
	if n < 16 {
		return 0
	}
	type window struct {
		at     int
		energy float64
	}
	ws := make([]window, 0, len(x)/n)
	for at := 0; at+n <= len(x); at += n {
		e := 0.0
		for _, v := range x[at : at+n] {
			e += float64(v) * float64(v)
		}
		ws = append(ws, window{at, e})
	}
	slices.SortFunc(ws, func(a, b window) int { return -cmpFloat(a.energy, b.energy) })
	ws = ws[:max(1, min(64, len(ws)/4))]
	if ws[0].energy == 0 {
		return 0
	}
	power := func(f float64) float64 {
		p := 0.0
		for _, w := range ws {
			p += goertzel(x[w.at:w.at+n], f, rate)
		}
		return p
	}
	top := min(float64(MaxTone), 0.45*float64(rate))
	var scan []float64
	best, bestP := 0.0, -1.0
	for f := float64(MinTone); f <= top; f += 10 {
		p := power(f)
		scan = append(scan, p)
		if p > bestP {
			best, bestP = f, p
		}
	}
	// A tone stands well above the median of the scan; white noise does
	// not, and the more windows are summed the less its peaks stand out.
	slices.Sort(scan)
	ratio := 20.0
	if len(ws) >= 16 {
		ratio = 5
	}
	if bestP < ratio*scan[len(scan)/2] {
		return 0
	}
	coarse := best
	for f := coarse - 10; f <= coarse+10; f += 0.5 {
		if p := power(f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// goertzel returns the power of x at frequency f.
func goertzel(x []int16, f float64, rate int) float64 {
	c := 2 * math.Cos(2*math.Pi*f/float64(rate))
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// baseband holds the running sums of the audio mixed with the tone's
// in-phase and quadrature references, one per hop, with pad hops of
// silence before and after so that a signal that fills the recording still
// has an edge of silence to be measured against.
type baseband struct {
	i, q []float64 // i[k] is the sum over the first k hops
	pad  int
}

func demodulate(x []int16, rate int, tone float64, hop int) *baseband {
	pad := 100 // hops of silence: 100 ms
	nh := (len(x) + hop - 1) / hop
	bb := &baseband{i: make([]float64, nh+2*pad+1), q: make([]float64, nh+2*pad+1), pad: pad}
	step := 2 * math.Pi * tone / float64(rate)
	cd, sd := math.Cos(step), math.Sin(step)
	var c, s, si, sq float64
	for h := 0; h < nh; h++ {
		for j := h * hop; j < min((h+1)*hop, len(x)); j++ {
			if j%1024 == 0 { // start the oscillator afresh now and then
				cycles := float64(j) * tone / float64(rate)
				theta := 2 * math.Pi * (cycles - math.Floor(cycles))
				c, s = math.Cos(theta), math.Sin(theta)
			}
			v := float64(x[j]) / 32768
			si += v * c
			sq += v * s
			c, s = c*cd-s*sd, s*cd+c*sd
		}
		bb.i[pad+h+1], bb.q[pad+h+1] = si, sq
	}
	for k := pad + nh + 1; k < len(bb.i); k++ {
		bb.i[k], bb.q[k] = si, sq
	}
	return bb
}

// search finds the runs of keying with the widest window that the keying
// allows, and their classes. A window of w hops answers fully only to a mark
// longer than w, and in noise a narrow window makes clicks about w long of
// their own: so windows from 48 ms down are tried until the dots measure at
// least 1.8 windows, and the keying is then read again with a window of half
// a dot (see classes.sound). minW is the narrowest window (8 ms, or two
// periods of a low tone).
func (bb *baseband) search(dt float64, minW int, h hints) ([]run, classes, bool) {
	hops := func(sec float64) int { return max(minW, int(math.Round(sec/dt))) }
	try := func(w, minLen int) ([]run, classes, bool) {
		runs, ok := bb.key(w)
		if !ok {
			return nil, classes{}, false
		}
		if runs = debounce(runs, minLen); len(runs) < 3 {
			return nil, classes{}, false
		}
		return runs, measure(runs, dt, h), true
	}
	var (
		narrow []run // the keying in the narrowest window that showed any
		nc     classes
		last   int
	)
	for _, ms := range []float64{48, 38, 30, 24, 19, 15, 12, 10, 8} {
		w := hops(ms / 1000)
		if w == last {
			continue
		}
		last = w
		runs, c, ok := try(w, max(1, w/2))
		if !ok {
			continue
		}
		if c.sound(float64(w) * dt) {
			w := min(hops(0.5*c.dot), hops(0.048))
			return try(w, max(1, int(math.Round(0.5*c.dot/dt))))
		}
		narrow, nc = runs, c
	}
	// Only dots or only dashes, or a signal at the limit: as the narrowest
	// window heard it.
	if narrow == nil {
		return nil, classes{}, false
	}
	runs := debounce(narrow, max(1, int(math.Round(0.5*nc.dot/dt))))
	if len(runs) < 3 {
		return nil, classes{}, false
	}
	return runs, measure(runs, dt, h), true
}

// run is a stretch of key down (on) or up, in hops.
type run struct {
	on bool
	n  int
}

// key returns the runs of the tone's level over a window of w hops, from
// the first mark to the last; false if there is no tone.
func (bb *baseband) key(w int) ([]run, bool) {
	n := len(bb.i) - 1
	level := make([]float64, n)
	for k := range level {
		a := min(max(k-w/2, 0), n)
		b := min(a+w, n)
		level[k] = math.Hypot(bb.i[b]-bb.i[a], bb.q[b]-bb.q[a])
	}
	lo, hi := twoMeans(level)
	if !(hi > 0 && hi > 3*lo) {
		return nil, false
	}
	up, down := lo+0.6*(hi-lo), lo+0.4*(hi-lo)
	var runs []run
	on := false
	for _, v := range level {
		if on && v < down || !on && v > up {
			on = !on
		}
		if len(runs) > 0 && runs[len(runs)-1].on == on {
			runs[len(runs)-1].n++
		} else {
			runs = append(runs, run{on, 1})
		}
	}
	if len(runs) < 3 { // silence, marks, silence at least: the pads are silent
		return nil, false
	}
	return runs, true
}

// twoMeans splits values into a low and a high cluster and returns their
// means.
func twoMeans(v []float64) (lo, hi float64) {
	if len(v) == 0 {
		return 0, 0
	}
	lo, hi = slices.Min(v), slices.Max(v)
	for range 30 {
		t := (lo + hi) / 2
		var sl, sh float64
		var nl, nh int
		for _, x := range v {
			if x < t {
				sl, nl = sl+x, nl+1
			} else {
				sh, nh = sh+x, nh+1
			}
		}
		if nl == 0 || nh == 0 {
			break
		}
		nlo, nhi := sl/float64(nl), sh/float64(nh)
		if nlo == lo && nhi == hi {
			break
		}
		lo, hi = nlo, nhi
	}
	return lo, hi
}

// debounce merges every inner run shorter than minLen hops into its
// neighbours, which are of the other state: a click in a gap, or a
// drop-out in a mark. The first and last runs are kept.
func debounce(runs []run, minLen int) []run {
	out := make([]run, 0, len(runs))
	for _, r := range runs {
		n := len(out)
		switch {
		case n > 0 && out[n-1].on == r.on:
			out[n-1].n += r.n
		case n >= 2 && out[n-1].n < minLen:
			out[n-2].n += out[n-1].n + r.n
			out = out[:n-1]
		default:
			out = append(out, r)
		}
	}
	return out
}

// classes are the measured lengths, in seconds, that tell elements and
// gaps apart.
type classes struct {
	dot, dash float64
	both      bool      // the marks fell in two clusters: dots and dashes
	gaps      int       // the gaps between marks
	elements  []float64 // those within characters
	dashFrom  float64   // a mark this long or longer is a dash
	charFrom  float64   // a gap this long or longer ends a character
	wordFrom  float64   // and this long or longer, a word
}

// measure finds the classes of marks and gaps in runs (hops of dt
// seconds), which start and end with silence.
func measure(runs []run, dt float64, h hints) classes {
	var marks, gaps []float64
	for i, r := range runs {
		switch {
		case r.on:
			marks = append(marks, float64(r.n)*dt)
		case i > 0 && i < len(runs)-1:
			gaps = append(gaps, float64(r.n)*dt)
		}
	}
	var c classes
	slices.Sort(marks)
	slices.Sort(gaps)
	if lo, hi, ok := split(marks); ok && hi >= 2*lo {
		c.dot, c.dash, c.both = lo, hi, true
	} else {
		m := marks[len(marks)/2]
		if isDashes(m, gaps, h) {
			c.dot, c.dash = m/3, m
		} else {
			c.dot, c.dash = m, 3*m
		}
	}
	c.dashFrom = math.Sqrt(c.dot * c.dash)
	// An element gap measures about a dot plus what the edges take from
	// the marks, a character gap three units more than that: the mean of a
	// dot and a dash lies halfway.
	c.charFrom = (c.dot + c.dash) / 2
	i, _ := slices.BinarySearch(gaps, c.charFrom)
	c.gaps, c.elements = len(gaps), gaps[:i]
	long := gaps[i:]
	if lo, hi, ok := split(long); ok && hi >= 1.6*lo {
		c.wordFrom = (lo + hi) / 2
	} else {
		unit := (c.dash - c.dot) / 2 // the ramps shorten both alike
		if h.space > 0 {
			unit = h.space
		}
		c.wordFrom = 5 * unit
	}
	return c
}

// sound reports whether the classes are those of a keying heard whole
// through a window of w seconds: dots and dashes both, dots at least 1.8
// windows long, and gaps within characters about a dot long, a tenth of the
// gaps at least. Too wide a window loses the dots, or runs the elements of
// a character together into marks that can pass for dots and dashes; but
// then the gaps within characters are gone.
func (c classes) sound(w float64) bool {
	return c.both && c.dot >= 1.8*w &&
		len(c.elements) > 0 && 10*len(c.elements) >= c.gaps && mean(c.elements) >= 0.5*c.dot
}

// isDashes decides whether marks all about m seconds long are dashes.
func isDashes(m float64, gaps []float64, h hints) bool {
	closer := func(u float64) bool { return math.Abs(math.Log(m/(3*u))) < math.Abs(math.Log(m/u)) }
	switch {
	case h.unit > 0:
		return closer(h.unit)
	case len(gaps) > 0 && gaps[0] < 0.6*m:
		return true // a gap inside a character shorter than the marks
	}
	return closer(1.2 / DefaultWPM)
}

// split divides sorted positive values in two where the variance of their
// logarithms within the parts is least (Otsu's method) and returns the
// mean of each part; false for fewer than two values.
func split(v []float64) (lo, hi float64, ok bool) {
	n := len(v)
	if n < 2 {
		return 0, 0, false
	}
	logs := make([]float64, n+1) // running sums
	for i, x := range v {
		logs[i+1] = logs[i] + math.Log(x)
	}
	best, at := -1.0, 1
	for k := 1; k < n; k++ {
		m0 := logs[k] / float64(k)
		m1 := (logs[n] - logs[k]) / float64(n-k)
		if b := float64(k) * float64(n-k) * (m1 - m0) * (m1 - m0); b > best {
			best, at = b, k
		}
	}
	return mean(v[:at]), mean(v[at:]), true
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// read turns the runs into text by the classes.
func (c classes) read(runs []run, dt float64) string {
	var b strings.Builder
	var pattern []byte
	flush := func() {
		if len(pattern) == 0 {
			return
		}
		r, ok := decTable[string(pattern)]
		if !ok {
			r = '?'
		}
		b.WriteRune(r)
		pattern = pattern[:0]
	}
	for i, r := range runs {
		d := float64(r.n) * dt
		switch {
		case r.on && d >= c.dashFrom:
			pattern = append(pattern, '-')
		case r.on:
			pattern = append(pattern, '.')
		case i == 0 || i == len(runs)-1:
		case d >= c.wordFrom:
			flush()
			b.WriteByte(' ')
		case d >= c.charFrom:
			flush()
		}
	}
	flush()
	return b.String()
}
