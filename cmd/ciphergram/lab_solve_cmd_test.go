package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ciphergram/cipher"
	"ciphergram/codebook"
	"ciphergram/otp"
)

// The two telegrams of the test depth, written for it in the style of the
// held-out traffic (the model has not seen them).
var labDepthTexts = []string{
	"TO VIKTOR. AND HE SAID TO HIS BROTHERS, I AM JOSEPH; DOES MY FATHER YET LIVE? AND HIS BROTHERS COULD NOT ANSWER HIM; FOR THEY WERE TROUBLED AT HIS PRESENCE. AND JOSEPH SAID TO HIS BROTHERS, COME NEAR TO ME, I PRAY YOU. MAJ.",
	"TO ANTON. AND THE KING SAID TO THE QUEEN, WHAT HAVE THEY DONE IN THE REST OF THE PROVINCES? NOW WHAT IS YOUR PETITION? AND IT SHALL BE GRANTED YOU. AND THE QUEEN ANSWERED AND SAID, IF IT PLEASE THE KING. VIKTOR.",
}

// writeLabDepth enciphers the test telegrams on one duplicated pad page
// (and a third telegram on a page of its own) and writes the intercepts.
func writeLabDepth(t *testing.T) string {
	t.Helper()
	cb := codebook.Default()
	src := rand.NewChaCha8([32]byte{'l', 'a', 'b'})
	padA, err := otp.Generate(src, "NYK-MOS-0001", "NEW-YORK", "MOSCOW", 3, 60)
	if err != nil {
		t.Fatal(err)
	}
	padB, err := otp.Generate(src, "MOS-WAS-0001", "MOSCOW", "WASHINGTON", 3, 60)
	if err != nil {
		t.Fatal(err)
	}
	// The factory printed page 1 of the first pad twice: MOSCOW's page 2
	// to WASHINGTON is a copy.
	dup := *padA.Pages[0]
	dup.Number = 2
	padB.Pages[1] = &dup
	seal := func(text string, from, to string, nr int, page *otp.Page) []*cipher.Transmission {
		p, err := cipher.Prepare(cb, text, cipher.Historical, 60)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := p.Seal(cipher.Message{From: from, To: to, Nr: nr, Day: 14, Prec: cipher.Routine}, []*otp.Page{page})
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	var ts []*cipher.Transmission
	ts = append(ts, seal(labDepthTexts[0], "NEW-YORK", "MOSCOW", 12, padA.Pages[0])...)
	ts = append(ts, seal("TO MAJ. NOTHING NEW TO REPORT. VIKTOR.", "MOSCOW", "WASHINGTON", 39, padB.Pages[0])...)
	ts = append(ts, seal(labDepthTexts[1], "MOSCOW", "WASHINGTON", 40, padB.Pages[1])...)
	path := filepath.Join(t.TempDir(), "traffic.txt")
	if err := os.WriteFile(path, []byte(cipher.FormatAll(ts, true)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// wordsFound is the share of want's words that got holds, in order.
func labWordsFound(got, want string) float64 {
	norm := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'A' && r <= 'Z') })
	}
	g, w := norm(got), norm(want)
	n, j := 0, 0
	for _, word := range w {
		for k := j; k < len(g) && k < j+6; k++ {
			if g[k] == word {
				n, j = n+1, k+1
				break
			}
		}
	}
	return float64(n) / float64(len(w))
}

func TestLabSolveCommand(t *testing.T) {
	path := writeLabDepth(t)
	out, stderr, err := run(t, "", "lab", "solve", "--in", path, "--messages", "NEW-YORK/12/1,MOSCOW/40/1")
	if err != nil {
		t.Fatal(err, stderr)
	}
	t.Log("\n" + out)
	parts := strings.Split(out, "\n\n")
	if len(parts) != 2 {
		t.Fatalf("want 2 recovered parts, got:\n%s", out)
	}
	for i, id := range []string{"NEW-YORK/12/1", "MOSCOW/40/1"} {
		header, text, _ := strings.Cut(parts[i], "\n")
		if !strings.HasPrefix(header, id+"  offset 0  ") || !strings.HasSuffix(header, "groups recovered") {
			t.Errorf("header %q", header)
		}
		if f := labWordsFound(text, labDepthTexts[i]); f < 0.6 {
			t.Errorf("%s: only %.0f%% of the words recovered:\n%s", id, 100*f, text)
		}
	}

	// --groups lists every group; --threshold 1 hides all but the certain.
	out, _, err = run(t, "", "lab", "solve", "--in", path, "--messages", "NEW-YORK/12/1,MOSCOW/40/1", "--groups", "--threshold", "1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "    1  ") || !strings.Contains(out, "groups unrecovered]") {
		t.Errorf("--groups --threshold 1 output:\n%s", out)
	}
}

func TestLabCribCommand(t *testing.T) {
	path := writeLabDepth(t)
	args := []string{"lab", "crib", "--in", path, "--messages", "NEW-YORK/12/1,MOSCOW/40/1", "--target", "MOSCOW/40/1"}
	out, stderr, err := run(t, "", append(args, "--crib", "WHAT IS YOUR PETITION", "--top", "3")...)
	if err != nil {
		t.Fatal(err, stderr)
	}
	t.Log("\n" + out)
	// The crib's true place: after the groups of the text before it.
	before, _, _ := strings.Cut(labDepthTexts[1], "WHAT IS YOUR PETITION")
	gs, err := codebook.Default().Encode(before)
	if err != nil {
		t.Fatal(err)
	}
	pos := 4 * len(gs)
	hits := strings.Split(out, "\n\n")
	if len(hits) != 4 || !strings.HasPrefix(hits[1], "figure "+strconv.Itoa(pos)+" ") {
		t.Fatalf("the best placing is not figure %d:\n%s", pos, out)
	}
	// Under it, the other telegram reads its own text.
	nyGroups, _ := codebook.Default().Encode(labDepthTexts[0])
	want := codebook.Default().Decode(nyGroups[len(gs)+1 : len(gs)+3])
	if !strings.Contains(hits[1], want) {
		t.Errorf("the best placing does not show %q in NEW-YORK/12/1:\n%s", want, hits[1])
	}

	out, _, err = run(t, "", append(args, "--crib", "WHAT IS YOUR PETITION", "--at", strconv.Itoa(pos))...)
	if err != nil || strings.Count(out, "figure ") != 1 || !strings.Contains(out, want) {
		t.Errorf("--at %d: %v\n%s", pos, err, out)
	}
	if _, _, err := run(t, "", append(args, "--crib", "WHAT", "--at", "3")...); err == nil || !strings.Contains(err.Error(), "not where a code group") {
		t.Errorf("--at 3: %v", err)
	}
}

func TestLabSolveErrors(t *testing.T) {
	path := writeLabDepth(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lab", "solve", "--messages", "NEW-YORK/12/1,MOSCOW/40/1"}, "--in is required"},
		{[]string{"lab", "solve", "--in", path, "--messages", "NEW-YORK/12/1"}, "a depth needs at least 2"},
		{[]string{"lab", "solve", "--in", path, "--messages", "NEW-YORK/12/1,LONDON/1/1"}, `no part "LONDON/1/1"`},
		{[]string{"lab", "solve", "--in", path, "--messages", "NEW-YORK/12/1,MOSCOW/40/1", "--offsets", "0"}, "1 offsets for 2 parts"},
		{[]string{"lab", "solve", "--in", path, "--messages", "NEW-YORK/12/1,MOSCOW/40/1", "--offsets", "0,x"}, "not a whole number"},
		{[]string{"lab", "solve", "--in", path, "--messages", "NEW-YORK/12/1,MOSCOW/40/1", "--offsets", "0,500"}, "no two parts share any key"},
		{[]string{"lab", "solve", "--in", filepath.Join(t.TempDir(), "none"), "--messages", "A/1/1,B/1/1"}, "no such file"},
		{[]string{"lab", "crib", "--in", path, "--messages", "NEW-YORK/12/1,MOSCOW/40/1", "--target", "MOSCOW/39/1", "--crib", "TO"}, "not one of --messages"},
		{[]string{"lab", "crib", "--in", path, "--messages", "NEW-YORK/12/1,MOSCOW/40/1", "--target", "MOSCOW/40/1", "--crib", "§"}, "cannot be encoded"},
	} {
		_, _, err := run(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error with %q", tc.args[1:], err, tc.want)
		}
	}
}
