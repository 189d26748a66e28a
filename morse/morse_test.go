package morse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// transmissions returns the transmission texts of the conformance vectors
// (preamble and body, as the cable carries them): those in cable letters and
// those in figures.
func transmissions(tb testing.TB) (letters, figures []string) {
	tb.Helper()
	files, err := filepath.Glob("../testdata/cases/*.txt")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no vector cases: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		sections := strings.Split(string(b), "\n-- ")
		for _, s := range sections {
			name, body, ok := strings.Cut(s, " --\n")
			if !ok || !strings.HasPrefix(name, "transmission ") {
				continue
			}
			_, groups, _ := strings.Cut(body, "\n")
			if strings.ContainsAny(groups, "OIUZTREWAP") {
				letters = append(letters, body)
			} else {
				figures = append(figures, body)
			}
		}
	}
	if len(letters) == 0 || len(figures) == 0 {
		tb.Fatalf("vectors: %d transmissions in letters, %d in figures", len(letters), len(figures))
	}
	return letters, figures
}

// normalize is text as Decode gives it back: capitals, words separated by
// single spaces.
func normalize(text string) string {
	return strings.Join(strings.Fields(strings.ToUpper(text)), " ")
}

func TestTimingPARIS(t *testing.T) {
	for _, tc := range []struct {
		text     string
		opts     Options
		duration time.Duration
	}{
		// PARIS and its word gap are 50 dots: 60/WPM seconds.
		{"PARIS ", Options{WPM: 20}, 3 * time.Second},
		{"PARIS PARIS ", Options{WPM: 20}, 6 * time.Second},
		{"paris\n", Options{WPM: 20}, 3 * time.Second},
		{"PARIS", Options{WPM: 20}, 2580 * time.Millisecond}, // 43 dots: no word gap
		{" PARIS", Options{WPM: 20}, 3 * time.Second},        // a leading gap counts too
		{"PARIS \n\t ", Options{WPM: 20}, 3 * time.Second},   // one run of space, one gap
		{"PARIS ", Options{WPM: 12}, 5 * time.Second},
		{"PARIS ", Options{WPM: 20, SampleRate: 44100}, 3 * time.Second},
		{"PARIS ", Options{WPM: 20, SampleRate: 48000, Tone: 600}, 3 * time.Second},
		// Farnsworth: characters at 20 WPM, PARIS at 10 WPM overall.
		{"PARIS ", Options{WPM: 20, FarnsworthWPM: 10}, 6 * time.Second},
		{"PARIS PARIS ", Options{WPM: 25, FarnsworthWPM: 15}, 8 * time.Second},
		{"PARIS ", Options{WPM: 20, FarnsworthWPM: 20}, 3 * time.Second},
		// Cut numbers: 0=T is one dash, 3 dots, plus the 7 of the word gap.
		{"0 ", Options{WPM: 20, CutNumbers: true}, 600 * time.Millisecond},
		{"0 ", Options{WPM: 20}, 1560 * time.Millisecond}, // ----- is 19 dots, 26 with the gap
		{"", Options{}, 0},
	} {
		rate := tc.opts.SampleRate
		if rate == 0 {
			rate = DefaultSampleRate
		}
		want := int64(math.Round(tc.duration.Seconds() * float64(rate)))
		s, err := Encode(tc.text, tc.opts)
		if err != nil {
			t.Fatalf("Encode(%q, %+v): %v", tc.text, tc.opts, err)
		}
		if int64(len(s)) != want {
			t.Errorf("Encode(%q, %+v): %d samples (%v), want %d (%v)", tc.text, tc.opts, len(s),
				time.Duration(float64(len(s))/float64(rate)*float64(time.Second)), want, tc.duration)
		}
		if n, err := Samples(tc.text, tc.opts); err != nil || n != want {
			t.Errorf("Samples(%q, %+v) = %d, %v; want %d", tc.text, tc.opts, n, err, want)
		}
	}
}

func TestTimingValues(t *testing.T) {
	tm, err := Options{WPM: 20}.Timing()
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	if want := (Timing{Dot: 60 * ms, Dash: 180 * ms, ElementGap: 60 * ms, CharGap: 180 * ms, WordGap: 420 * ms}); tm != want {
		t.Errorf("Timing at 20 WPM = %+v, want %+v", tm, want)
	}
	// Farnsworth 20/10: 31 dots of characters (1.86 s) and 19 units of
	// spacing sharing the other 4.14 s.
	tm, err = Options{WPM: 20, FarnsworthWPM: 10}.Timing()
	if err != nil {
		t.Fatal(err)
	}
	if tm.Dot != 60*ms || tm.CharGap.Round(ms) != 654*ms || tm.WordGap.Round(ms) != 1525*ms {
		t.Errorf("Timing at 20/10 WPM = %+v", tm)
	}
	if d := 31*tm.Dot + 4*tm.CharGap + tm.WordGap; d.Round(ms) != 6*time.Second {
		t.Errorf("PARIS at 20/10 WPM takes %v, want 6s", d)
	}
}

// TestElements checks where the key goes down and up: "A" at 20 WPM is a dot
// (480 samples at 8000 Hz), a gap of one dot, a dash of three.
func TestElements(t *testing.T) {
	s, err := Encode("A", Options{WPM: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 5*480 {
		t.Fatalf("A: %d samples, want %d", len(s), 5*480)
	}
	on := func(from, to int) bool { // any sound in [from, to)
		return slices.ContainsFunc(s[from:to], func(v int16) bool { return v != 0 })
	}
	if !on(0, 480) || on(480, 960) || !on(960, 2400) {
		t.Errorf("A is not dot, gap, dash at 0, 480, 960 samples")
	}
	// The ramps: the first and last samples of an element are nearly
	// silent, the middle at full amplitude.
	peak := 0.5 * 32767
	if math.Abs(float64(s[0])) > 0.01*peak || math.Abs(float64(s[479])) > 0.01*peak {
		t.Errorf("dot starts at %d and ends at %d: not ramped", s[0], s[479])
	}
	top := float64(slices.Max(s[100:380]))
	if math.Abs(top-peak) > 0.01*peak {
		t.Errorf("dot peaks at %v, want %v", top, peak)
	}
}

// TestNoClicks checks that no sample jumps further from the one before it
// than a ramped sine can: no edge is keyed hard.
func TestNoClicks(t *testing.T) {
	for _, o := range []Options{{WPM: 18}, {WPM: 60, Tone: 1000, Amplitude: 1}, {WPM: 100, Tone: 3000, SampleRate: 8000}} {
		s, err := Encode("CQ 123 ?/", o)
		if err != nil {
			t.Fatal(err)
		}
		k, _ := o.keying()
		peak := k.amp * 32767
		ramp := min(float64(k.ramp), k.unit*float64(k.rate)/2)
		limit := peak*(2*math.Pi*k.tone/float64(k.rate)+math.Pi/2/ramp) + 2
		for i := 1; i < len(s); i++ {
			if d := math.Abs(float64(s[i]) - float64(s[i-1])); d > limit {
				t.Fatalf("%+v: a step of %v at sample %d, more than %v", o, d, i, limit)
			}
		}
	}
}

func TestWAVHeader(t *testing.T) {
	s, err := Encode("PARIS ", Options{WPM: 20})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteWAV(&b, s, 8000); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if len(data) != 44+2*len(s) {
		t.Fatalf("file of %d bytes, want %d", len(data), 44+2*len(s))
	}
	le := binary.LittleEndian
	for _, c := range []struct {
		at   int
		got  any
		want any
	}{
		{0, string(data[0:4]), "RIFF"},
		{4, le.Uint32(data[4:]), uint32(36 + 2*len(s))},
		{8, string(data[8:12]), "WAVE"},
		{12, string(data[12:16]), "fmt "},
		{16, le.Uint32(data[16:]), uint32(16)},
		{20, le.Uint16(data[20:]), uint16(1)},     // PCM
		{22, le.Uint16(data[22:]), uint16(1)},     // mono
		{24, le.Uint32(data[24:]), uint32(8000)},  // sample rate
		{28, le.Uint32(data[28:]), uint32(16000)}, // byte rate
		{32, le.Uint16(data[32:]), uint16(2)},     // block align
		{34, le.Uint16(data[34:]), uint16(16)},    // bits per sample
		{36, string(data[36:40]), "data"},         //
		{40, le.Uint32(data[40:]), uint32(48000)}, // 2 × 24000 samples: 3 s
		{44, int16(le.Uint16(data[44:])), s[0]},   // the samples follow
		{46, int16(le.Uint16(data[46:])), s[1]},   //
		{len(data) - 2, int16(le.Uint16(data[len(data)-2:])), s[len(s)-1]},
	} {
		if c.got != c.want {
			t.Errorf("byte %d: %v, want %v", c.at, c.got, c.want)
		}
	}
	got, rate, err := ReadWAV(bytes.NewReader(data))
	if err != nil || rate != 8000 || !slices.Equal(got, s) {
		t.Errorf("ReadWAV: %d samples at %d Hz, %v; want the %d written at 8000 Hz", len(got), rate, err, len(s))
	}
	// The streaming writers write the same file.
	var b2 bytes.Buffer
	if err := EncodeWAV(&b2, "PARIS ", Options{WPM: 20}); err != nil || !bytes.Equal(b2.Bytes(), data) {
		t.Errorf("EncodeWAV differs from WriteWAV(Encode): %v", err)
	}
	var b3 bytes.Buffer
	if n, err := EncodePCM(&b3, "PARIS ", Options{WPM: 20}); err != nil || n != int64(len(s)) || !bytes.Equal(b3.Bytes(), data[44:]) {
		t.Errorf("EncodePCM = %d, %v: differs from the data chunk", n, err)
	}
}

func TestReadWAVOthers(t *testing.T) {
	s := []int16{0, 1, -1, 32767, -32768, 1000}
	// A stereo WAV_FORMAT_EXTENSIBLE file with a LIST chunk of odd size
	// before the data: the first channel is read.
	le := binary.LittleEndian
	var b []byte
	b = append(b, "RIFF\x00\x00\x00\x00WAVEfmt "...)
	b = le.AppendUint32(b, 40)
	b = le.AppendUint16(b, formatExtensible)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint32(b, 11025)
	b = le.AppendUint32(b, 11025*4)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint16(b, 16)
	b = le.AppendUint16(b, 22) // cbSize
	b = le.AppendUint16(b, 16) // valid bits
	b = le.AppendUint32(b, 3)  // channel mask
	b = append(b, "\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"...)
	b = append(b, "LIST\x03\x00\x00\x00abc\x00"...)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(4*len(s)))
	for _, v := range s {
		b = le.AppendUint16(b, uint16(v))
		b = le.AppendUint16(b, 7)
	}
	got, rate, err := ReadWAV(bytes.NewReader(b))
	if err != nil || rate != 11025 || !slices.Equal(got, s) {
		t.Errorf("ReadWAV(extensible stereo) = %v, %d, %v", got, rate, err)
	}
	var w bytes.Buffer
	if err := WriteWAV(&w, s, 8000); err != nil {
		t.Fatal(err)
	}
	good := w.Bytes()
	for name, data := range map[string][]byte{
		"empty":     nil,
		"not riff":  []byte("RIFX\x00\x00\x00\x00WAVE"),
		"truncated": good[:len(good)-3],
		"no data":   good[:36],
		"8 bit":     append(append(slices.Clone(good[:34]), 8, 0), good[36:]...),
		"float":     append(append(slices.Clone(good[:20]), 3, 0), good[22:]...),
	} {
		if _, _, err := ReadWAV(bytes.NewReader(data)); err == nil {
			t.Errorf("ReadWAV(%s) succeeded", name)
		}
	}
	if _, _, err := ReadWAV(bytes.NewReader(nil)); !errors.Is(err, ErrNotWAV) {
		t.Errorf("ReadWAV(empty) = %v, want ErrNotWAV", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		text, want string
		line, col  int
	}{
		{"CIPHERGRAM FROM LONDON\nUWAUI TW§UI", `line 2, column 9: character "§" (U+00A7) has no Morse code`, 2, 9},
		{"AB\r\nC#", `line 2, column 2: character "#" (U+0023) has no Morse code`, 2, 2},
		{"ЖУК", `line 1, column 1: character "Ж" (U+0416) has no Morse code`, 1, 1},
		{"AB \xff", `line 1, column 4: invalid UTF-8 byte 0xff`, 1, 4},
		{"\n\n  _", `line 3, column 3: character "_" (U+005F) has no Morse code`, 3, 3},
	} {
		_, err := Encode(tc.text, Options{})
		var ce *CharError
		if !errors.As(err, &ce) || err.Error() != tc.want || ce.Line != tc.line || ce.Col != tc.col {
			t.Errorf("Encode(%q) = %v, want %s", tc.text, err, tc.want)
		}
		if _, err := Samples(tc.text, Options{}); err == nil || err.Error() != tc.want {
			t.Errorf("Samples(%q) = %v, want %s", tc.text, err, tc.want)
		}
		var b bytes.Buffer
		if err := EncodeWAV(&b, tc.text, Options{}); err == nil || b.Len() != 0 {
			t.Errorf("EncodeWAV(%q) = %v and wrote %d bytes, want an error and nothing", tc.text, err, b.Len())
		}
	}
	for _, o := range []Options{
		{WPM: -1}, {WPM: 101}, {WPM: math.NaN()}, {WPM: 10, FarnsworthWPM: 12}, {FarnsworthWPM: -1},
		{Tone: 50}, {Tone: 5000}, {Tone: 2000, SampleRate: 4000}, {SampleRate: 1000}, {Amplitude: 1.5},
		{Amplitude: -0.1}, {Ramp: -time.Millisecond},
	} {
		if _, err := Encode("E", o); err == nil {
			t.Errorf("Encode with %+v succeeded", o)
		}
	}
}

func TestCode(t *testing.T) {
	for _, tc := range []struct {
		r        rune
		cut      bool
		want     string
		accepted bool
	}{
		{'A', false, ".-", true}, {'a', false, ".-", true}, {'1', false, ".----", true}, {'1', true, ".-", true},
		{'2', true, "..-", true}, {'3', true, "...-", true}, {'4', true, "....-", true}, {'5', true, ".", true},
		{'6', true, "-....", true}, {'7', true, "-...", true}, {'8', true, "-..", true}, {'9', true, "-.", true},
		{'0', true, "-", true}, {'/', false, "-..-.", true}, {'?', true, "..--..", true}, {'-', false, "-....-", true},
		{'#', false, "", false}, {'é', false, "", false},
	} {
		if got, ok := Code(tc.r, tc.cut); got != tc.want || ok != tc.accepted {
			t.Errorf("Code(%q, %v) = %q, %v; want %q, %v", tc.r, tc.cut, got, ok, tc.want, tc.accepted)
		}
	}
	for _, tc := range []struct {
		word, want string
		ok         bool
	}{
		{"UBD", "278", true}, {"BUD", "728", true}, {"A/A", "1/1", true}, {"AU?4E", "12?45", true}, {"TEN", "059", true},
		{"NR", "NR", false}, {"CENTRE", "CENTRE", false}, {"/", "/", false}, {"?", "?", false}, {"1941", "1941", true},
	} {
		if got, ok := UncutNumbers(tc.word); got != tc.want || ok != tc.ok {
			t.Errorf("UncutNumbers(%q) = %q, %v; want %q, %v", tc.word, got, ok, tc.want, tc.ok)
		}
	}
}
