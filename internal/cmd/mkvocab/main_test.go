package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixture writes a tiny SCOWL directory and a tiny vocab directory.
func fixture(t *testing.T, hand map[string]string) Config {
	t.Helper()
	root := t.TempDir()
	scowl := filepath.Join(root, "scowl")
	vocab := filepath.Join(root, "vocab")
	for _, d := range []string{scowl, vocab} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(dir, name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Class 10: the common words, with entries the filter must reject.
	write(scowl, "english-words.10", "the\nof\nreport\nreports\na\nb\nagent's\ncafé\nx2\nembassy\n\n")
	write(scowl, "english-upper.10", "I\nEnglish\nMonday\n")
	write(scowl, "american-words.10", "color\nthe\n")
	// Class 20: "reported" inflects "report" (tier 0); the rest are plain.
	write(scowl, "english-words.20", "zebra\nreported\nox\nsoftware\nantelope\ncat\n")
	write(scowl, "british-words.20", "colour\n")
	// Class 35: nothing of it fits in the small budgets below.
	write(scowl, "english-words.35", "aardvark\n")
	// Files of other kinds and varieties are not read.
	write(scowl, "english-proper-names.10", "Smith\n")
	write(scowl, "australian-words.10", "arvo\n")

	write(vocab, copyrightFile, "SCOWL notice line 1\n\nline 3\n")
	write(vocab, excludeFile, "# anachronisms\nSOFTWARE\n")
	for name, text := range hand {
		write(vocab, name, text)
	}
	return Config{ScowlDir: scowl, VocabDir: vocab, Budget: 100, ScowlName: "SCOWL test"}
}

var stdHand = map[string]string{
	"telegram.txt": "# comment\nEMBASSY\nTELEGRAM\n\nREPORT\nTELEGRAM\n",
	"phrases.txt":  "OF THE\nIN THE\nAT THE SAME TIME\n",
	"places.txt":   "MOSCOW\nLONDON\n",
}

func sourceNamed(t *testing.T, r *Result, name string) Source {
	t.Helper()
	for _, s := range r.Sources {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no source %q", name)
	return Source{}
}

func TestGenerateFiltersAndDedups(t *testing.T) {
	res, err := Generate(fixture(t, stdHand))
	if err != nil {
		t.Fatal(err)
	}
	toks := res.Tokens()
	count := map[string]int{}
	for _, tok := range toks {
		count[tok]++
	}
	for tok, n := range count {
		if n != 1 {
			t.Errorf("token %q listed %d times", tok, n)
		}
	}
	for _, want := range []string{"TELEGRAM", "OF THE", "AT THE SAME TIME", "MOSCOW", "THE", "A", "I",
		"ENGLISH", "MONDAY", "COLOR", "COLOUR", "REPORTS", "REPORTED", "ZEBRA", "OX", "AARDVARK"} {
		if count[want] != 1 {
			t.Errorf("missing %q", want)
		}
	}
	for _, bad := range []string{"B", "AGENT'S", "AGENTS", "CAFÉ", "CAFE", "X2", "SOFTWARE", "SMITH", "ARVO"} {
		if count[bad] != 0 {
			t.Errorf("%q should have been left out", bad)
		}
	}
	// A token in a hand list is not repeated under SCOWL.
	if s := sourceNamed(t, res, "scowl class 10"); slices.Contains(s.Kept, "EMBASSY") || slices.Contains(s.Kept, "REPORT") {
		t.Errorf("scowl class 10 repeats a hand token: %v", s.Kept)
	}
	if s := sourceNamed(t, res, "hand list telegram.txt"); !slices.Equal(s.Kept, []string{"EMBASSY", "REPORT", "TELEGRAM"}) {
		t.Errorf("telegram.txt kept %v", s.Kept)
	}
	if res.Excluded != 1 {
		t.Errorf("excluded %d, want 1 (SOFTWARE)", res.Excluded)
	}
	// names.txt is optional and absent here.
	for _, s := range res.Sources {
		if s.Name == "hand list names.txt" {
			t.Errorf("absent names.txt produced a source")
		}
	}
	out := string(res.Output)
	for _, want := range []string{"# SCOWL notice line 1\n#\n# line 3\n", "SCOWL test", canonicalCommand, "english-words.10"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The output reads back as the token list: one token per non-comment line.
	var back []string
	for _, line := range strings.Split(out, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			back = append(back, line)
		}
	}
	if !slices.Equal(back, toks) {
		t.Errorf("output lines %v\nwant %v", back, toks)
	}
}

func TestGenerateBudget(t *testing.T) {
	cfg := fixture(t, stdHand)
	full, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c10 := len(sourceNamed(t, full, "scowl class 10").Kept)
	hand := 3 + 3 + 2

	// Room for all of class 10 and two words of class 20: the inflection
	// of a word already taken comes first, then the longest word.
	cfg.Budget = hand + c10 + 2
	res, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Tokens()); n != cfg.Budget {
		t.Fatalf("kept %d tokens, want the budget %d", n, cfg.Budget)
	}
	c20 := sourceNamed(t, res, "scowl class 20")
	if !slices.Equal(c20.Kept, []string{"ANTELOPE", "REPORTED"}) {
		t.Errorf("class 20 kept %v, want [ANTELOPE REPORTED]", c20.Kept)
	}
	if c20.Offered != 6 {
		t.Errorf("class 20 offered %d, want 6", c20.Offered)
	}
	if s := sourceNamed(t, res, "scowl class 35"); len(s.Kept) != 0 {
		t.Errorf("class 35 kept %v past the budget", s.Kept)
	}

	// Hand lists never get cut: a budget below them is an error.
	cfg.Budget = hand - 1
	if _, err := Generate(cfg); err == nil || !strings.Contains(err.Error(), "exceed the budget") {
		t.Errorf("budget below the hand lists: err %v", err)
	}
	// Nor may the budget leave too few groups for the control tokens.
	cfg.Budget = groupCount - controlTokens + 1
	if _, err := Generate(cfg); err == nil {
		t.Errorf("budget %d accepted", cfg.Budget)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := fixture(t, stdHand)
	cfg.Budget = 14
	a, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		b, err := Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Output, b.Output) {
			t.Fatalf("run %d differs", i+2)
		}
	}
	// Sorted within each source.
	for _, s := range a.Sources {
		if !slices.IsSorted(s.Kept) {
			t.Errorf("%s not sorted: %v", s.Name, s.Kept)
		}
	}
}

func TestHandListErrors(t *testing.T) {
	for _, bad := range []string{
		"AGENT'S", "Embassy", "OF  THE", "NEW-YORK", "ONE TWO THREE FOUR FIVE SIX SEVEN", "NR2", " ",
	} {
		if strings.TrimSpace(bad) == "" {
			continue // blank lines are skipped, not errors
		}
		hand := map[string]string{
			"telegram.txt": "EMBASSY\n" + bad + "\n",
			"phrases.txt":  "OF THE\n",
			"places.txt":   "MOSCOW\n",
		}
		_, err := Generate(fixture(t, hand))
		if err == nil || !strings.Contains(err.Error(), "telegram.txt:2") {
			t.Errorf("hand token %q: err %v, want one naming telegram.txt:2", bad, err)
		}
	}
	// A required list that is missing is an error.
	hand := map[string]string{"telegram.txt": "EMBASSY\n", "phrases.txt": "OF THE\n"}
	if _, err := Generate(fixture(t, hand)); err == nil {
		t.Error("missing places.txt accepted")
	}
}

func TestBases(t *testing.T) {
	cases := map[string]string{
		"REPORTS":    "REPORT",
		"COUNTRIES":  "COUNTRY",
		"STOPPED":    "STOP",
		"PLANNING":   "PLAN",
		"ARRIVED":    "ARRIVE",
		"CLOSELY":    "CLOSE",
		"EASILY":     "EASY",
		"MARCHES":    "MARCH",
		"STRONGEST":  "STRONG",
		"CIPHERING":  "CIPHER",
		"DECIPHERED": "DECIPHER",
	}
	for w, want := range cases {
		if got := bases(w); !slices.Contains(got, want) {
			t.Errorf("bases(%s) = %v, want %s among them", w, got, want)
		}
	}
	if got := bases("CLASS"); slices.Contains(got, "CLAS") {
		t.Errorf("bases(CLASS) = %v", got)
	}
}
