package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ciphergram/lab"
)

// TestLabSimulateDepths: simulate a small traffic, then find its depths
// from the command line; every pair printed is a true depth, and the
// output is exactly one JSON object a line.
func TestLabSimulateDepths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "traffic")
	_, stderr, err := run(t, "", "lab", "simulate", "--out", dir, "--messages", "120", "--duplicated-pages", "0.1", "--seed", "5")
	if err != nil {
		t.Fatal(err, stderr)
	}
	if !strings.Contains(stderr, "pairs in depth") {
		t.Errorf("stderr: %q", stderr)
	}
	tf, err := os.Open(filepath.Join(dir, "truth.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	_, truth, err := lab.ReadTruth(tf)
	if err != nil || len(truth) == 0 {
		t.Fatalf("truth: %d depths, %v", len(truth), err)
	}
	// The same command again refuses to overwrite, unless --force.
	if _, _, err := run(t, "", "lab", "simulate", "--out", dir, "--messages", "120"); err == nil {
		t.Error("simulate overwrote its files")
	}
	if _, stderr, err := run(t, "", "lab", "simulate", "--out", dir, "--messages", "120", "--duplicated-pages", "0.1", "--seed", "5", "--force"); err != nil {
		t.Fatal(err, stderr)
	}

	out, stderr, err := run(t, "", "lab", "depths", "--in", filepath.Join(dir, "intercepts.txt"))
	if err != nil {
		t.Fatal(err, stderr)
	}
	want := map[[2]string]lab.TruthDepth{}
	for _, d := range truth {
		want[[2]string{d.A, d.B}] = d
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, line := range lines {
		var d struct {
			A, B     string
			Offset   int
			Score    float64
			Evidence string
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if !strings.HasPrefix(line, `{"a":"`) || !strings.Contains(line, `","offset":`) || !strings.Contains(line, `,"evidence":"`) {
			t.Errorf("layout: %s", line)
		}
		td, ok := want[[2]string{d.A, d.B}]
		if !ok {
			t.Errorf("false pair: %s", line)
		} else if td.Overlap >= 5 && td.Offset != d.Offset {
			t.Errorf("wrong offset: %s (true %d)", line, td.Offset)
		}
		if d.Evidence != "indicator" && d.Evidence != "statistical" {
			t.Errorf("evidence: %s", line)
		}
	}
	if len(lines) < len(truth) {
		t.Errorf("%d depths printed of %d", len(lines), len(truth))
	}
	if strings.Contains(stderr, "\r") || strings.Contains(stderr, "\x1b") {
		t.Errorf("a progress bar on a stderr that is not a terminal: %q", stderr)
	}
}

func TestLabErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lab", "nosuch"}, `unknown subcommand "nosuch"`},
		{[]string{"lab", "simulate"}, "--out is required"},
		{[]string{"lab", "simulate", "--out", dir, "--links", "99"}, "links 99"},
		{[]string{"lab", "depths"}, "--in is required"},
		{[]string{"lab", "depths", "--in", filepath.Join(dir, "missing.txt")}, "no such file"},
		{[]string{"lab", "depths", "--in", "-", "--method", "guess"}, "--method"},
	} {
		_, _, err := run(t, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	out, _, err := run(t, "", "lab", "--help")
	if err != nil || !strings.Contains(out, "simulate") || !strings.Contains(out, "depths") {
		t.Errorf("lab --help: %v\n%s", err, out)
	}
	out, _, err = run(t, "", "lab", "depths", "--help")
	if err != nil || !strings.Contains(out, "--min-overlap") {
		t.Errorf("lab depths --help: %v\n%s", err, out)
	}
	// Standard input, indicator method only.
	in := "CIPHERGRAM FROM LONDON TO MOSCOW NR 1 PART 1/1 GR 6 PREC R\n12345 11111 22222 33333 44444 00101\n\n" +
		"CIPHERGRAM FROM NEW-YORK TO MOSCOW NR 7 PART 1/1 GR 6 PREC R\n12345 51111 62222 73333 84444 00101\n"
	out, _, err = run(t, in, "lab", "depths", "--in", "-", "--method", "indicator")
	if err != nil || !strings.HasPrefix(out, `{"a":"LONDON/1/1","b":"NEW-YORK/7/1","offset":0,`) {
		t.Errorf("stdin: %v\n%s", err, out)
	}
}
