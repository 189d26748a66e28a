package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
	"unicode"

	"ciphergram/cipher"
	"ciphergram/groups"
	"ciphergram/morse"
)

// partPause is the silence between the parts of a telegram, in word gaps.
const partPause = 3

func (m *Main) runTransmit(ctx context.Context, args []string) error {
	fs := m.newFlags("transmit", `--morse --out FILE.wav [--wpm 18] [--farnsworth 0] [--tone 700] [--rate 8000] [--cut-numbers] [--force] < transmissions
       ciphergram transmit --listen --in FILE.wav [--cut-numbers] [--wpm N] [--tone HZ]

Keys transmissions (as encipher prints them) in Morse code, as the cable
carried them: each part's preamble and its groups as written, in letters or
figures, the parts a pause of three word gaps apart. --listen reads the
Morse back from the audio alone and prints the transmissions. Timing is by
PARIS: a dot lasts 1.2/WPM seconds.`,
		`  ciphergram encipher --codebook default --pad lon-cen.pad --from LONDON --to CENTRE --nr 278 --letters < text |
    ciphergram transmit --morse --out nr278.wav --wpm 20 --farnsworth 12
  ciphergram transmit --listen --in nr278.wav | ciphergram decipher --codebook default --pad centre/lon-cen.pad
  ciphergram transmit --morse --cut-numbers --out - < telegram.txt | aplay`)
	keyMorse := fs.Bool("morse", false, "key the transmissions on standard input as Morse code audio")
	listen := fs.Bool("listen", false, "read Morse code audio back to transmissions")
	out := fs.String("out", "", "WAV file to write with --morse (- for standard output)")
	in := fs.String("in", "", "WAV file to read with --listen (- for standard input)")
	wpm := fs.Float64("wpm", morse.DefaultWPM, "character speed in words per minute (with --listen: a hint)")
	fw := fs.Float64("farnsworth", 0, "overall speed in WPM, the gaps stretched to it (Farnsworth); 0 for none")
	tone := fs.Float64("tone", morse.DefaultTone, "tone in Hz (with --listen: the tone to listen for instead of finding it)")
	rate := fs.Int("rate", morse.DefaultSampleRate, "samples per second")
	cut := fs.Bool("cut-numbers", false, "figures in cut numbers: 1=A 2=U 3=V 4=4 5=E 6=6 7=B 8=D 9=N 0=T")
	force := fs.Bool("force", false, "replace an existing --out file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *keyMorse == *listen:
		return &hintError{errors.New("transmit: give --morse (key to a WAV file) or --listen (read one back)"), "run 'ciphergram transmit --help'"}
	case *keyMorse:
		if err := required(fs, "out"); err != nil {
			return err
		}
		if !(*wpm > 0 && *tone > 0 && *rate > 0) {
			return &hintError{errors.New("transmit: --wpm, --tone and --rate must be more than 0"), "run 'ciphergram transmit --help'"}
		}
		opts := morse.Options{WPM: *wpm, FarnsworthWPM: *fw, Tone: *tone, SampleRate: *rate, CutNumbers: *cut}
		return m.transmitMorse(*out, *force, opts)
	default:
		if err := required(fs, "in"); err != nil {
			return err
		}
		var hints morse.Options
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "wpm":
				hints.WPM = *wpm
			case "farnsworth":
				hints.FarnsworthWPM = *fw
			case "tone":
				hints.Tone = *tone
			}
		})
		return m.transmitListen(*in, hints, *cut)
	}
}

// transmitMorse keys the transmissions on standard input to a WAV file.
func (m *Main) transmitMorse(out string, force bool, opts morse.Options) error {
	timing, err := opts.Timing()
	if err != nil {
		return fmt.Errorf("transmit: %s", strings.TrimPrefix(err.Error(), "morse: "))
	}
	text, err := m.readStdin()
	if err != nil {
		return err
	}
	ts, err := cipher.ParseTransmissions(text)
	if err != nil {
		return err
	}
	// Each part as written: its preamble (as the parser read it) and its
	// body lines untouched, so that a character without a Morse code is
	// reported where it stands in the input.
	lines := strings.Split(text, "\n")
	parts := make([]string, len(ts))
	counts := make([]int64, len(ts))
	var total int64
	for i, t := range ts {
		end := len(lines)
		if i+1 < len(ts) {
			end = ts[i+1].Line - 1
		}
		body := strings.Join(lines[t.Line:end], "\n")
		parts[i] = strings.TrimRightFunc(t.Preamble()+"\n"+body, unicode.IsSpace)
		n, err := morse.Samples(parts[i], opts)
		var ce *morse.CharError
		if errors.As(err, &ce) {
			at := *ce
			at.Line += t.Line - 1
			return &hintError{&at, "Morse has the letters, the figures and / ? - . , = only"}
		}
		if err != nil {
			return err
		}
		counts[i], total = n, total+n
	}
	pause := int64(math.Round(partPause * timing.WordGap.Seconds() * float64(opts.SampleRate)))
	total += pause * int64(len(ts)-1)
	if total > morse.MaxSamples {
		return fmt.Errorf("transmit: %v of Morse is more than a WAV file holds", seconds(total, opts.SampleRate))
	}
	write := func(w io.Writer) error {
		if err := morse.WriteWAVHeader(w, total, opts.SampleRate); err != nil {
			return err
		}
		silence := make([]byte, 2*pause)
		for i, p := range parts {
			if i > 0 {
				if _, err := w.Write(silence); err != nil {
					return err
				}
			}
			if _, err := morse.EncodePCM(w, p, opts); err != nil {
				return err
			}
		}
		return nil
	}
	if out == "-" {
		bw := bufio.NewWriter(m.Stdout)
		if err := write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	} else if err := writeNewFile(out, force, 0o644, write); err != nil {
		return err
	}
	speed := fmt.Sprintf("%g WPM", opts.WPM)
	if opts.FarnsworthWPM > 0 && opts.FarnsworthWPM < opts.WPM {
		speed = fmt.Sprintf("%g/%g WPM (Farnsworth)", opts.WPM, opts.FarnsworthWPM)
	}
	if opts.CutNumbers {
		speed += " with cut numbers"
	}
	where := "written to " + out
	if out == "-" {
		where = "written to standard output"
	}
	fmt.Fprintf(m.Stderr, "transmit: %s, %v of Morse at %s, %g Hz, %s\n",
		plural(len(ts), "part"), seconds(total, opts.SampleRate), speed, opts.Tone, where)
	return nil
}

func seconds(samples int64, rate int) time.Duration {
	return time.Duration(float64(samples) / float64(rate) * float64(time.Second)).Round(time.Second)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// transmitListen decodes a WAV file and prints the transmissions heard.
func (m *Main) transmitListen(in string, hints morse.Options, cut bool) error {
	var r io.Reader = m.Stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = bufio.NewReader(f)
	}
	samples, rate, err := morse.ReadWAV(r)
	if err != nil {
		return fmt.Errorf("transmit: %s: %s", in, strings.TrimPrefix(err.Error(), "morse: "))
	}
	heard, err := morse.Decode(samples, rate, hints)
	if errors.Is(err, morse.ErrNoSignal) {
		return fmt.Errorf("transmit: %s: no Morse heard", in)
	}
	if err != nil {
		return fmt.Errorf("transmit: %s: %s", in, strings.TrimPrefix(err.Error(), "morse: "))
	}
	text, warnings := readTransmissions(heard, cut)
	for _, w := range warnings {
		fmt.Fprintf(m.Stderr, "ciphergram: warning: %s\n", w)
	}
	_, err = io.WriteString(m.Stdout, text)
	return err
}

// heardPart is one part as heard: its preamble words and body groups.
type heardPart struct {
	preamble, body []string
}

// readTransmissions lays the words heard out as transmissions: a preamble
// at every CIPHERGRAM, its twelve words after it, then the groups ten a
// line. With cut, the numbers of the preambles and the bodies keyed in
// figures are read back from cut numbers. What parses is written back in
// the form encipher prints, in letters or figures as heard; what does not
// is printed as laid out, with a warning.
func readTransmissions(heard string, cut bool) (string, []string) {
	var head []string
	var parts []*heardPart
	for _, w := range strings.Fields(heard) {
		switch {
		case w == "CIPHERGRAM":
			parts = append(parts, &heardPart{preamble: []string{w}})
		case len(parts) == 0:
			head = append(head, w)
		case len(parts[len(parts)-1].preamble) < 13:
			p := parts[len(parts)-1]
			p.preamble = append(p.preamble, w)
		default:
			p := parts[len(parts)-1]
			p.body = append(p.body, w)
		}
	}
	var warnings []string
	letters := make([]bool, len(parts))
	var b strings.Builder
	if len(head) > 0 {
		b.WriteString(strings.Join(head, " ") + "\n")
	}
	for i, p := range parts {
		if cut {
			uncutPart(p)
		} else if len(p.preamble) > 6 {
			if _, ok := morse.UncutNumbers(p.preamble[6]); ok && !groups.IsDigits(p.preamble[6]) {
				warnings = append(warnings, fmt.Sprintf("NR %s is not a number: keyed with cut numbers? (try --cut-numbers)", p.preamble[6]))
			}
		}
		letters[i] = inLetters(p.body)
		if i > 0 || len(head) > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Join(p.preamble, " ") + "\n")
		if len(p.body) > 0 {
			b.WriteString(groups.Join(p.body, cipher.GroupsPerLine) + "\n")
		}
	}
	laidOut := b.String()
	ts, err := cipher.ParseTransmissions(laidOut)
	if err != nil {
		return laidOut, append(warnings, "what was heard is not a transmission: "+err.Error())
	}
	formatted := make([]string, len(ts))
	for i, t := range ts {
		formatted[i] = t.Format(letters[i])
		for _, g := range t.Garbles {
			warnings = append(warnings, fmt.Sprintf("part %d/%d, group %d %q: %s", t.Part, t.Parts, g.Group, g.Text, g.Reason))
		}
	}
	return strings.Join(formatted, "\n"), warnings
}

// uncutPart reads the numbers of a preamble (NR, PART k/n, GR) back from cut
// numbers, and the body too if it was keyed in figures: cut figures use V B
// D N 4 6 and cable letters O I Z R W P, the rest (U T E A) being common to
// both; the more telling groups decide.
func uncutPart(p *heardPart) {
	for _, i := range []int{6, 8, 10} {
		if i < len(p.preamble) {
			p.preamble[i], _ = morse.UncutNumbers(p.preamble[i])
		}
	}
	var figures, letters int
	for _, g := range p.body {
		if strings.ContainsAny(g, "VBDN0123456789") {
			figures++
		}
		if strings.ContainsAny(g, "OIZRWP") {
			letters++
		}
	}
	if figures < letters {
		return
	}
	for i, g := range p.body {
		p.body[i], _ = morse.UncutNumbers(g)
	}
}

// inLetters reports whether a body was keyed in cable letters: more of its
// groups hold letters than figures.
func inLetters(body []string) bool {
	var figures, letters int
	for _, g := range body {
		if strings.ContainsAny(g, "0123456789") {
			figures++
		} else if strings.ContainsAny(g, "OIUZTREWAP") {
			letters++
		}
	}
	return letters > figures
}
