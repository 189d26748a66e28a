package morse

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// roundTrip keys text to a WAV file, decodes it with the decoding hints and
// checks that the text comes back.
func roundTrip(t *testing.T, text string, enc, dec Options) {
	t.Helper()
	var b bytes.Buffer
	if err := EncodeWAV(&b, text, enc); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeWAVOptions(&b, dec)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if want := normalize(text); got != want {
		t.Errorf("decoded text differs\n got: %s\nwant: %s", got, want)
	}
}

// TestRoundTrip keys real transmissions and reads them back from the audio
// alone, at several speeds and tones, with and without Farnsworth spacing
// and cut numbers.
func TestRoundTrip(t *testing.T) {
	letters, figures := transmissions(t)
	for _, wpm := range []float64{12, 18, 25} {
		for _, tone := range []float64{600, 800} {
			for _, fw := range []float64{0, wpm * 2 / 3} {
				for _, cut := range []bool{false, true} {
					o := Options{WPM: wpm, FarnsworthWPM: fw, Tone: tone, CutNumbers: cut}
					t.Run(fmt.Sprintf("wpm=%v/tone=%v/farnsworth=%v/cut=%v", wpm, tone, fw, cut), func(t *testing.T) {
						t.Parallel()
						i := int(wpm + tone + fw)
						// Cut numbers are for figures: a cable-letter
						// group made only of U, T, E and A would read
						// back as figures.
						if !cut {
							roundTrip(t, letters[i%len(letters)], o, Options{})
						}
						roundTrip(t, figures[i%len(figures)], o, Options{CutNumbers: cut})
					})
				}
			}
		}
	}
}

// TestRoundTripOther covers the rest of the range: slow and fast keying,
// other sample rates, a quiet note, a low and a high tone.
func TestRoundTripOther(t *testing.T) {
	letters, figures := transmissions(t)
	text := figures[0]
	for _, o := range []Options{
		{WPM: 5},
		{WPM: 40},
		{WPM: 60, FarnsworthWPM: 20},
		{WPM: 25, FarnsworthWPM: 5},
		{SampleRate: 44100, Tone: 1200},
		{SampleRate: 4000, Tone: 400},
		{SampleRate: 16000, Tone: 3000, Amplitude: 0.01},
		{Tone: 200, WPM: 15},
		{Ramp: 1, WPM: 30},
	} {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			t.Parallel()
			roundTrip(t, text, o, Options{})
			roundTrip(t, letters[0], o, Options{})
		})
	}
	// Signs, lower case, several lines.
	roundTrip(t, "cq cq de r3x/p ?\n=  A-B, 1.5\r\n", Options{}, Options{})
}

// TestCutNumbers checks that cut numbers are shorter, and that they read as
// letters without the option.
func TestCutNumbers(t *testing.T) {
	text := "NR 278 PART 1/1 GR 19 PREC R\n00463 74317 90845"
	full, _ := Samples(text, Options{})
	short, _ := Samples(text, Options{CutNumbers: true})
	if short >= full*3/4 {
		t.Errorf("cut numbers take %d samples, full figures %d", short, full)
	}
	s, err := Encode(text, Options{CutNumbers: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(s, DefaultSampleRate, Options{})
	if want := "NR UBD PART A/A GR AN PREC R TT46V B4VAB NTD4E"; got != want || err != nil {
		t.Errorf("cut numbers read without the option: %q, %v; want %q", got, err, want)
	}
	got, err = Decode(s, DefaultSampleRate, Options{CutNumbers: true})
	if want := normalize(text); got != want || err != nil {
		t.Errorf("cut numbers read with the option: %q, %v; want %q", got, err, want)
	}
}

// addNoise returns s with white Gaussian noise at snr dB below the note's
// power (amplitude amp of full scale), over the whole band.
func addNoise(s []int16, amp, snr float64, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	sigma := amp * 32767 / math.Sqrt2 / math.Pow(10, snr/20)
	out := make([]int16, len(s))
	for i, v := range s {
		x := math.Round(float64(v) + sigma*rng.NormFloat64())
		out[i] = int16(max(math.MinInt16, min(math.MaxInt16, x)))
	}
	return out
}

// TestNoise: white noise as strong as the note itself (0 dB over the 4 kHz
// band of 8000 samples a second) does not cost a character. (The decoder
// holds to about -3 dB at 25 WPM and -6 dB at 12 WPM.)
func TestNoise(t *testing.T) {
	letters, figures := transmissions(t)
	for i, wpm := range []float64{12, 18, 25} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("wpm=%v/seed=%d", wpm, seed), func(t *testing.T) {
				t.Parallel()
				text := letters[i]
				if seed%2 == 1 {
					text = figures[i]
				}
				s, err := Encode(text, Options{WPM: wpm})
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				if err := WriteWAV(&b, addNoise(s, DefaultAmplitude, 0, seed), DefaultSampleRate); err != nil {
					t.Fatal(err)
				}
				got, err := DecodeWAV(&b)
				if want := normalize(text); got != want || err != nil {
					t.Errorf("decoded with noise: %v\n got: %s\nwant: %s", err, got, want)
				}
			})
		}
	}
}

func TestNoSignal(t *testing.T) {
	noise := addNoise(make([]int16, 4*DefaultSampleRate), DefaultAmplitude, 0, 1)
	for name, s := range map[string][]int16{
		"nothing": nil,
		"silence": make([]int16, 8000),
		"noise":   noise,
	} {
		if got, err := Decode(s, DefaultSampleRate, Options{}); !errors.Is(err, ErrNoSignal) {
			t.Errorf("Decode(%s) = %q, %v; want ErrNoSignal", name, got, err)
		}
	}
	if _, err := DecodeWAV(strings.NewReader("not a WAV file")); !errors.Is(err, ErrNotWAV) {
		t.Errorf("DecodeWAV(text) = %v, want ErrNotWAV", err)
	}
}

// TestDegenerate: texts of one kind of element or gap only are read with the
// speed as a hint, and most without.
func TestDegenerate(t *testing.T) {
	for _, text := range []string{"E", "T", "I", "M", "EEE", "TTT", "E E E", "T T T", "O", "S", "5", "0", "TT", "EE T"} {
		for _, wpm := range []float64{8, 18, 35} {
			for _, fw := range []float64{0, wpm / 3} {
				o := Options{WPM: wpm, FarnsworthWPM: fw}
				s, err := Encode(text, o)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := Decode(s, DefaultSampleRate, o); got != normalize(text) || err != nil {
					t.Errorf("Decode(%q at %v/%v WPM, with hints) = %q, %v", text, wpm, fw, got, err)
				}
			}
		}
		// At the default speed no hint is needed.
		s, _ := Encode(text, Options{})
		if got, err := Decode(s, DefaultSampleRate, Options{}); got != normalize(text) || err != nil {
			t.Errorf("Decode(%q at 18 WPM, no hints) = %q, %v", text, got, err)
		}
	}
}

// FuzzEncode: any text is keyed or refused with a *CharError, never a
// panic; what is keyed decodes back, with the options as hints.
func FuzzEncode(f *testing.F) {
	letters, figures := transmissions(f)
	f.Add(letters[0][:80], uint8(18), uint8(0), false)
	f.Add(figures[0][:80], uint8(25), uint8(15), true)
	f.Add("PARIS PARIS", uint8(20), uint8(10), false)
	f.Add("cq de r3x/p ?", uint8(12), uint8(0), true)
	f.Add("AB§\n", uint8(5), uint8(0), false)
	f.Add(" \t\n", uint8(30), uint8(3), false)
	f.Add("E", uint8(40), uint8(0), false)
	f.Fuzz(func(t *testing.T, text string, wpm, farnsworth uint8, cut bool) {
		if len(text) > 60 {
			return // a minute of audio is plenty
		}
		o := Options{WPM: float64(wpm%36 + 5), CutNumbers: cut}
		if farnsworth > 0 {
			o.FarnsworthWPM = float64(farnsworth%36+5) * o.WPM / 41
		}
		s, err := Encode(text, o)
		if err != nil {
			var ce *CharError
			if !errors.As(err, &ce) || ce.Line < 1 || ce.Col < 1 {
				t.Fatalf("Encode(%q): %v is not a *CharError with a position", text, err)
			}
			return
		}
		var b bytes.Buffer
		if err := WriteWAV(&b, s, DefaultSampleRate); err != nil {
			t.Fatal(err)
		}
		got, err := DecodeWAVOptions(&b, o)
		want := normalize(text)
		if cut {
			want = cutAndRead(want)
		}
		if want == "" && errors.Is(err, ErrNoSignal) {
			return
		}
		if got != want || err != nil {
			t.Fatalf("%+v: Decode(Encode(%q)) = %q, %v; want %q", o, text, got, err, want)
		}
	})
}

// cutAndRead is what keying text with cut numbers and decoding it with the
// option gives: every word that could be cut numbers is figures.
func cutAndRead(text string) string {
	words := strings.Split(text, " ")
	for i, w := range words {
		b := []byte(w)
		for j, c := range b {
			if c >= '0' && c <= '9' {
				b[j] = cut[c-'0']
			}
		}
		words[i], _ = UncutNumbers(string(b))
	}
	return strings.Join(words, " ")
}

// benchText is the vectors' 25 transmissions: 7 KB of cable text, an
// hour and a half of Morse at 18 WPM.
func benchText(b *testing.B) string {
	letters, figures := transmissions(b)
	return strings.Join(append(letters, figures...), "\n")
}

// reportRealtime reports how many seconds of audio one second of work makes
// or reads.
func reportRealtime(b *testing.B, samples int, rate int) {
	audio := float64(samples) / float64(rate) * float64(b.N)
	b.ReportMetric(audio/b.Elapsed().Seconds(), "x-realtime")
}

func BenchmarkEncode(b *testing.B) {
	text := benchText(b)
	n, _ := Samples(text, Options{})
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Encode(text, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRealtime(b, int(n), DefaultSampleRate)
}

func BenchmarkEncodeWAV(b *testing.B) {
	text := benchText(b)
	n, _ := Samples(text, Options{})
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if err := EncodeWAV(discard{}, text, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRealtime(b, int(n), DefaultSampleRate)
}

func BenchmarkDecode(b *testing.B) {
	text := benchText(b)
	s, err := Encode(text, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Decode(s, DefaultSampleRate, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRealtime(b, len(s), DefaultSampleRate)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
