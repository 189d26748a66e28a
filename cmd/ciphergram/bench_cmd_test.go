package main

import (
	"strings"
	"testing"
)

// TestBenchFlags checks the bench command's help and its refusal of bad
// flags; internal/bench tests the measuring itself.
func TestBenchFlags(t *testing.T) {
	out, _, err := run(t, "", "bench", "--help")
	if err != nil || !strings.Contains(out, "--quick") || !strings.Contains(out, "--json") {
		t.Errorf("bench --help = %q, %v", out, err)
	}
	if _, _, err := run(t, "", "bench", "--clerks", "1,x"); err == nil || !strings.Contains(err.Error(), "--clerks") {
		t.Errorf("bench --clerks 1,x: %v, want a refusal", err)
	}
	if out, _, _ := run(t, "", "help"); !strings.Contains(out, "bench") {
		t.Errorf("help does not list bench:\n%s", out)
	}
}
