package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ciphergram/cipher"
)

// run executes one command line in-process.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Rand: rand.Reader,
		Now: func() time.Time { return time.Date(1941, 4, 21, 12, 0, 0, 0, time.UTC) }}
	err = m.Run(context.Background(), args)
	return out.String(), errb.String(), err
}

// TestConcurrentEncipher: clerks enciphering at once on one pad file never
// get the same page, and every page they got is burned in the file.
func TestConcurrentEncipher(t *testing.T) {
	dir := t.TempDir()
	pad := filepath.Join(dir, "lon.pad")
	if _, stderr, err := run(t, "", "pad", "generate", "--id", "LON-CEN-1", "--from", "LONDON", "--to", "CENTRE", "--pages", "40", "--out", pad); err != nil {
		t.Fatal(err, stderr)
	}
	const clerks = 8
	var wg sync.WaitGroup
	outs := make([]string, clerks)
	errs := make([]error, clerks)
	for i := range clerks {
		wg.Go(func() {
			outs[i], _, errs[i] = run(t, "The pact is signed.", "encipher", "--codebook", "default", "--pad", pad,
				"--from", "LONDON", "--to", "CENTRE", "--nr", "1")
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range clerks {
		if errs[i] != nil {
			t.Fatalf("clerk %d: %v", i, errs[i])
		}
		ts, err := cipher.ParseTransmissions(outs[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range ts {
			if seen[tr.Groups[0]] {
				t.Fatalf("indicator %s handed out twice", tr.Groups[0])
			}
			seen[tr.Groups[0]] = true
		}
	}
	b, err := os.ReadFile(pad)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), " BURNED\n"); n != len(seen) {
		t.Fatalf("%d pages burned in the file, %d used", n, len(seen))
	}
}

// TestDemo runs the demo end to end and checks the story's milestones.
func TestDemo(t *testing.T) {
	out, stderr, err := run(t, "", "demo", "--no-serve")
	if err != nil {
		t.Fatal(err, stderr)
	}
	for _, want := range []string{
		"CIPHERGRAM FROM LONDON TO CENTRE NR 278 PART 1/",
		"TOP SECRET\nRemoval of copies prohibited\nCIPHER TELEGRAM No. 2688",
		"Received 22 April 1941 at 16:05.      Deciphered 22 April 1941 at 22:50.",
		"OUR NOTE: GUO TAIQI IS THE CHINESE AMBASSADOR IN LONDON.",
		"WASHINGTON AND CHONGQING.",
		"21 April 1941. No. 278.      VADIM.",
		"Copy No. 1\n",
		"Refused: ",
		"a replay",
		"audit chain intact",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(out, "ERROR") {
		t.Errorf("demo reports an error:\n%s", out)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"--help"}, {"encipher", "--help"}, {"decipher", "--help"}, {"pad", "generate", "--help"},
		{"pad", "inventory", "--help"}, {"codebook", "encode", "--help"}, {"codebook", "decode", "--help"},
		{"codebook", "generate", "--help"}, {"codebook", "info", "--help"}, {"demo", "--help"},
	} {
		out, _, err := run(t, "", args...)
		if err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(out, "Usage: ciphergram") {
			t.Errorf("%v: no usage in %q", args, out)
		}
		if len(args) > 1 && !strings.Contains(out, "Examples:") {
			t.Errorf("%v: no examples", args)
		}
	}
}
