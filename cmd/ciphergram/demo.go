package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ciphergram/cipher"
	"ciphergram/codebook"
	"ciphergram/groups"
	"ciphergram/telegram"
)

// The scenario clock of the reference telegram (SPEC, reference telegram).
var (
	demoFiled      = time.Date(1941, time.April, 21, 19, 30, 0, 0, time.UTC)
	demoReceived   = time.Date(1941, time.April, 22, 16, 5, 0, 0, time.UTC)
	demoDeciphered = time.Date(1941, time.April, 22, 22, 50, 0, 0, time.UTC)
)

const (
	demoNr       = 278  // VADIM's outgoing number
	demoRegistry = 2688 // the Centre's incoming number
)

func (m *Main) runDemo(ctx context.Context, args []string) error {
	fs := m.newFlags("demo", "[--no-serve] [--dir DIR]", `  ciphergram demo --no-serve`)
	noServe := fs.Bool("no-serve", false, "exit when the story is told")
	dir := fs.String("dir", "", "keep the two offices' files in DIR (default: a temporary folder, removed at the end)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_ = noServe // the offices have no server yet: the demo always ends here
	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "ciphergram-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	d := &demo{m: m, w: m.Stdout, root: root, cb: codebook.Default()}
	return d.run()
}

type demo struct {
	m    *Main
	w    io.Writer
	root string
	cb   *codebook.Codebook
	step int
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.w, format+"\n", args...) }

func (d *demo) stage(when time.Time, place, what string) {
	d.step++
	d.say("\n== %d. %s, %s: %s", d.step, place, when.Format("2 January 2006 15:04"), what)
}

func (d *demo) run() error {
	londonPad, centrePad, err := d.issuePads()
	if err != nil {
		return err
	}
	wire, err := d.send(londonPad)
	if err != nil {
		return err
	}
	if err := d.receive(centrePad, wire); err != nil {
		return err
	}
	d.replay(centrePad, wire)
	d.say("\nBoth copies of the pad now show the used page as BURNED:")
	for _, p := range []string{londonPad, centrePad} {
		if err := d.m.padInventory([]string{"--pad", p}); err != nil {
			return err
		}
	}
	return nil
}

// issuePads makes the link's pad and hands one copy to each office.
func (d *demo) issuePads() (london, centre string, err error) {
	d.stage(demoFiled.AddDate(0, -1, 0), "CENTRE", "the pad factory prints a one-time pad for the link LONDON to CENTRE")
	for _, o := range []string{"london", "centre"} {
		if err := os.MkdirAll(filepath.Join(d.root, o), 0o700); err != nil {
			return "", "", err
		}
	}
	london = filepath.Join(d.root, "london", "lon-cen-1941.pad")
	centre = filepath.Join(d.root, "centre", "lon-cen-1941.pad")
	if err := d.m.padGenerate([]string{"--id", "LON-CEN-1941", "--from", "LONDON", "--to", "CENTRE", "--pages", "20", "--out", london}); err != nil {
		return "", "", err
	}
	b, err := os.ReadFile(london)
	if err != nil {
		return "", "", err
	}
	defer clear(b)
	if err := os.WriteFile(centre, b, 0o600); err != nil {
		return "", "", err
	}
	d.say("Two copies exist: the residency's (sending) and the Centre's (receiving).")
	d.say("Digits from crypto/rand, unbiased; each page is 60 groups, its first group the indicator.")
	return london, centre, nil
}

// send encodes, enciphers and cables VADIM's telegram.
func (d *demo) send(padPath string) (string, error) {
	text := telegram.DemoText
	d.stage(demoFiled, "LONDON", fmt.Sprintf("the resident VADIM signs telegram No. %d", demoNr))
	d.say("%s", strings.TrimSpace(text))
	gs, err := d.cb.Encode(text)
	if err != nil {
		return "", err
	}
	words := countWords(text)
	d.stage(demoFiled, "LONDON", fmt.Sprintf("the cipher clerk encodes it with codebook %s (%d entries)", d.cb.ID(), d.cb.Len()))
	d.say("%d words become %d four-figure code groups (%.2f a word). The first twenty:", words, len(gs), float64(len(gs))/float64(words))
	d.say("%s", groups.Join(gs[:min(20, len(gs))], 10))
	d.stage(demoFiled, "LONDON", "regrouped into fives, the pad added without carrying, authenticated, cabled as letters")
	msg := cipher.Message{From: "LONDON", To: "CENTRE", Nr: demoNr, Day: demoFiled.Day(), Prec: cipher.Priority}
	ts, err := sealWithPad(padPath, d.cb, text, cipher.Authenticated, msg)
	if err != nil {
		return "", err
	}
	wire := cipher.FormatAll(ts, true)
	d.say("The pages are burned in the residency's pad before the cable leaves. On the wire:\n")
	d.say("%s", strings.TrimRight(wire, "\n"))
	return wire, nil
}

// receive deciphers at the Centre and shows the registered telegram.
func (d *demo) receive(padPath, wire string) error {
	d.stage(demoReceived, "CENTRE", "the cable is received")
	ts, err := cipher.ParseTransmissions(wire)
	if err != nil {
		return err
	}
	d.say("%d part(s), indicator %s found in the Centre's copy of the pad.", len(ts), ts[0].Groups[0])
	d.stage(demoDeciphered, "CENTRE", "deciphered: every tag verifies, the pages are burned")
	o, err := openWithPad(padPath, cipher.Authenticated, ts)
	if err != nil {
		return err
	}
	numbers := make([]int, len(ts))
	for i := range numbers {
		numbers[i] = demoRegistry + i
	}
	reg := &telegram.Registered{
		Classification: "TOP SECRET", Caveat: "Removal of copies prohibited",
		Numbers: numbers, From: o.From, Received: demoReceived, Deciphered: demoDeciphered,
		Text: o.Text(d.cb),
	}
	d.say("Registered as CIPHER TELEGRAM No. %d:\n", demoRegistry)
	d.say("%s", reg.Render())
	reg.Copy = 1
	d.say("Copy No. 1, for the reader:\n")
	d.say("%s", reg.Render())
	return nil
}

// replay shows that the same cable cannot be read twice.
func (d *demo) replay(padPath, wire string) {
	d.stage(demoDeciphered.Add(10*time.Minute), "CENTRE", "someone feeds the same cable in again")
	ts, err := cipher.ParseTransmissions(wire)
	if err == nil {
		_, err = openWithPad(padPath, cipher.Authenticated, ts)
	}
	if err == nil {
		d.say("ERROR: the replay was accepted")
		return
	}
	d.say("Refused: %v", err)
}

func countWords(text string) int {
	n := 0
	for _, f := range strings.FieldsFunc(text, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if f != "" {
			n++
		}
	}
	return n
}
