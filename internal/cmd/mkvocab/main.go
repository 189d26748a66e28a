// Command mkvocab builds codebook/vocabulary.txt, the word and phrase list of
// the built-in Ciphergram codebook, from the hand-written lists in
// codebook/vocab/ and the SCOWL word lists shipped by Debian's scowl package.
//
// Usage (from the repository root):
//
//	go run ./internal/cmd/mkvocab -scowl /usr/share/dict/scowl -out codebook/vocabulary.txt
//
// Tokens are taken in priority order: the hand lists (telegram.txt,
// phrases.txt, places.txt, names.txt), then the SCOWL lists by size class
// (10, 20, 35: the smaller the class, the commoner the word). A token already
// taken is not taken again, and the list stops at the budget (-budget, 9,800
// by default), so that the tokens and the 88 control tokens fit in the
// 10,000 four-figure groups with room to spare. The output is a pure function
// of the input files: the same inputs give the same bytes.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const (
	// groupCount is the number of four-figure code groups, 0000 to 9999.
	groupCount = 10000
	// controlTokens counts the control tokens every codebook carries (SPEC
	// section 3): 19 named ones, 26 Latin and 33 Cyrillic letters, 10 digits.
	controlTokens = 19 + 26 + 33 + 10
	// maxPhraseWords is the longest phrase the encoder matches.
	maxPhraseWords = 6
	// defaultBudget leaves about 900 groups free for additions.
	defaultBudget = 9800

	// Canonical command and SCOWL release, written into the header.
	canonicalCommand = "go run ./internal/cmd/mkvocab -scowl /usr/share/dict/scowl -out codebook/vocabulary.txt"
	defaultScowlName = "SCOWL 2020.12.07 (Debian package scowl 2020.12.07-2)"
	copyrightFile    = "SCOWL-COPYRIGHT.txt"
	excludeFile      = "exclude.txt"
)

// handLists are read from the vocab directory in this order; a missing
// optional list is skipped.
var handLists = []struct {
	name     string
	optional bool
}{
	{"telegram.txt", false},
	{"phrases.txt", false},
	{"places.txt", false},
	{"names.txt", true},
}

// scowlClasses are the SCOWL size classes used, commonest first, and
// scowlKinds the lists read within each class. english-* holds the words
// common to all spellings; american-* and british-* the spellings of one
// variety (COLOR, COLOUR). Entries of a kind's file that is absent for a
// class are simply not there (SCOWL has no english-upper.20, for instance).
var (
	scowlClasses = []int{10, 20, 35}
	scowlKinds   = []string{"english-words", "american-words", "british-words", "english-upper", "american-upper", "british-upper"}
)

// Config is everything the generator reads.
type Config struct {
	ScowlDir  string // directory of SCOWL final lists, e.g. /usr/share/dict/scowl
	VocabDir  string // directory of the hand lists, codebook/vocab
	Budget    int    // most tokens to keep
	ScowlName string // SCOWL release named in the header
}

// Source is one priority class of the output.
type Source struct {
	Name    string   // e.g. "hand list telegram.txt" or "scowl class 20"
	Offered int      // new, valid tokens the source offered after deduplication
	Kept    []string // tokens kept within the budget, sorted
}

// Result is the generated vocabulary.
type Result struct {
	Sources  []Source
	Excluded int // SCOWL words dropped because exclude.txt lists them
	Rejected int // SCOWL entries dropped by the spelling filter
	Output   []byte
}

// Tokens returns all kept tokens in output order.
func (r *Result) Tokens() []string {
	var all []string
	for _, s := range r.Sources {
		all = append(all, s.Kept...)
	}
	return all
}

func main() {
	cfg := Config{ScowlName: defaultScowlName}
	flag.StringVar(&cfg.ScowlDir, "scowl", "/usr/share/dict/scowl", "directory of the SCOWL word lists")
	flag.StringVar(&cfg.VocabDir, "vocab", "codebook/vocab", "directory of the hand-written lists")
	flag.IntVar(&cfg.Budget, "budget", defaultBudget, "most tokens to keep")
	out := flag.String("out", "codebook/vocabulary.txt", "file to write")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "mkvocab: unexpected arguments:", flag.Args())
		os.Exit(2)
	}
	res, err := Generate(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkvocab:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, res.Output, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "mkvocab:", err)
		os.Exit(1)
	}
	total := 0
	for _, s := range res.Sources {
		fmt.Fprintf(os.Stderr, "%-28s offered %5d kept %5d\n", s.Name, s.Offered, len(s.Kept))
		total += len(s.Kept)
	}
	fmt.Fprintf(os.Stderr, "scowl entries rejected by the filter %d, excluded by %s %d\n", res.Rejected, excludeFile, res.Excluded)
	fmt.Fprintf(os.Stderr, "%d tokens written to %s (%d groups with the %d control tokens)\n", total, *out, total+controlTokens, controlTokens)
}

// Generate reads the inputs and builds the vocabulary.
func Generate(cfg Config) (*Result, error) {
	if cfg.Budget < 1 || cfg.Budget+controlTokens > groupCount {
		return nil, fmt.Errorf("budget %d: must be between 1 and %d (%d groups less %d control tokens)",
			cfg.Budget, groupCount-controlTokens, groupCount, controlTokens)
	}
	notice, err := os.ReadFile(filepath.Join(cfg.VocabDir, copyrightFile))
	if err != nil {
		return nil, fmt.Errorf("SCOWL copyright notice: %w", err)
	}

	res := &Result{}
	seen := make(map[string]bool) // tokens taken, or refused by exclude.txt
	kept := make(map[string]bool) // tokens taken
	left := cfg.Budget
	var prov []string // provenance lines for the header

	// Hand lists: every token is kept, or it is an error.
	for _, hl := range handLists {
		path := filepath.Join(cfg.VocabDir, hl.name)
		toks, err := readHandList(path)
		if errors.Is(err, os.ErrNotExist) && hl.optional {
			continue
		}
		if err != nil {
			return nil, err
		}
		src := Source{Name: "hand list " + hl.name}
		for _, t := range toks {
			if !seen[t] {
				seen[t] = true
				kept[t] = true
				src.Kept = append(src.Kept, t)
			}
		}
		src.Offered = len(src.Kept)
		if len(src.Kept) > left {
			return nil, fmt.Errorf("the hand lists alone exceed the budget of %d tokens (at %s)", cfg.Budget, hl.name)
		}
		left -= len(src.Kept)
		slices.Sort(src.Kept)
		res.Sources = append(res.Sources, src)
	}

	exclude := map[string]bool{}
	if toks, err := readHandList(filepath.Join(cfg.VocabDir, excludeFile)); err == nil {
		for _, t := range toks {
			exclude[t] = true
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}

	// SCOWL, one size class at a time.
	found := 0
	for _, class := range scowlClasses {
		src := Source{Name: fmt.Sprintf("scowl class %d", class)}
		var cand []string
		for _, kind := range scowlKinds {
			name := fmt.Sprintf("%s.%d", kind, class)
			data, err := os.ReadFile(filepath.Join(cfg.ScowlDir, name))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			found++
			sum := sha256.Sum256(data)
			prov = append(prov, fmt.Sprintf("%-18s sha256 %x", name, sum))
			for _, line := range strings.Split(string(data), "\n") {
				line = strings.TrimSpace(line)
				if line == "" {
					continue
				}
				t, ok := scowlToken(line)
				if !ok {
					res.Rejected++
					continue
				}
				if seen[t] {
					continue
				}
				if exclude[t] {
					res.Excluded++
					seen[t] = true // count it once
					continue
				}
				seen[t] = true
				cand = append(cand, t)
			}
		}
		src.Offered = len(cand)
		if len(cand) > left {
			cand = pick(cand, left, kept)
		}
		for _, t := range cand {
			kept[t] = true
		}
		left -= len(cand)
		slices.Sort(cand)
		src.Kept = cand
		res.Sources = append(res.Sources, src)
	}
	if found == 0 {
		return nil, fmt.Errorf("no SCOWL lists found in %s", cfg.ScowlDir)
	}

	res.Output = render(cfg, res, prov, notice)
	return res, nil
}

// readHandList reads one token per line; blank lines and lines starting
// with # are skipped. Every token must be 1 to 6 words of A-Z separated by
// single spaces.
func readHandList(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var toks []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !validToken(line) {
			return nil, fmt.Errorf("%s:%d: %q is not 1 to %d words of A-Z separated by single spaces",
				path, n, line, maxPhraseWords)
		}
		toks = append(toks, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return toks, nil
}

func validToken(s string) bool {
	words := strings.Split(s, " ")
	if len(words) > maxPhraseWords {
		return false
	}
	for _, w := range words {
		if w == "" {
			return false
		}
		for i := 0; i < len(w); i++ {
			if w[i] < 'A' || w[i] > 'Z' {
				return false
			}
		}
	}
	return true
}

// scowlToken turns a SCOWL entry into a token: plain ASCII letters only (no
// possessives, accents, hyphens or digits), upper-cased; the only one-letter
// words kept are A and I, since SCOWL's other single letters are the names of
// the letters.
func scowlToken(entry string) (string, bool) {
	for i := 0; i < len(entry); i++ {
		c := entry[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "", false
		}
	}
	t := strings.ToUpper(entry)
	if len(t) == 1 && t != "A" && t != "I" {
		return "", false
	}
	return t, true
}

// pick chooses n of the candidates of the size class that the budget cuts.
// SCOWL gives no order within a class, so the choice uses two rules of
// thumb. First come inflected forms (-S, -ED, -ING, -LY, ...) of words
// already taken: their bases are known to be common. Then, within each of
// the two tiers, longer words before shorter ones: the words of one class
// are of roughly one frequency, and a word left out costs 2 + its letters
// groups each time it is spelled, so the long ones save the most. Words of
// equal length are ordered by a fixed hash (FNV-1a), which is arbitrary but
// reproducible and free of the alphabetical bias a sorted cut would have.
func pick(cand []string, n int, taken map[string]bool) []string {
	type ranked struct {
		tok  string
		tier int
		n    int
		h    uint64
	}
	rs := make([]ranked, len(cand))
	for i, t := range cand {
		tier := 1
		for _, b := range bases(t) {
			if taken[b] {
				tier = 0
				break
			}
		}
		f := fnv.New64a()
		io.WriteString(f, t)
		rs[i] = ranked{t, tier, len(t), f.Sum64()}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if a.tier != b.tier {
			return a.tier - b.tier
		}
		if a.n != b.n {
			return b.n - a.n
		}
		if a.h != b.h {
			if a.h < b.h {
				return -1
			}
			return 1
		}
		return strings.Compare(a.tok, b.tok)
	})
	out := make([]string, n)
	for i := range out {
		out[i] = rs[i].tok
	}
	return out
}

// bases guesses the words an inflected form may come from, by stripping
// the common English inflectional endings.
func bases(w string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 2 {
			out = append(out, s)
		}
	}
	cut := func(suffix string) (string, bool) {
		if strings.HasSuffix(w, suffix) && len(w) > len(suffix)+1 {
			return w[:len(w)-len(suffix)], true
		}
		return "", false
	}
	undouble := func(s string) {
		// STOPPED -> STOP, PLANNING -> PLAN
		if n := len(s); n >= 3 && s[n-1] == s[n-2] && !strings.ContainsRune("AEIOULSZ", rune(s[n-1])) {
			add(s[:n-1])
		}
	}
	if s, ok := cut("IES"); ok {
		add(s + "Y")
	}
	if s, ok := cut("IED"); ok {
		add(s + "Y")
	}
	if s, ok := cut("ES"); ok {
		add(s)
	}
	if s, ok := cut("S"); ok && !strings.HasSuffix(w, "SS") {
		add(s)
	}
	if s, ok := cut("ED"); ok {
		add(s)
		add(s + "E")
		undouble(s)
	}
	if s, ok := cut("ING"); ok {
		add(s)
		add(s + "E")
		undouble(s)
	}
	if s, ok := cut("ILY"); ok {
		add(s + "Y")
	}
	if s, ok := cut("LY"); ok {
		add(s)
	}
	if s, ok := cut("ER"); ok {
		add(s)
		add(s + "E")
		undouble(s)
	}
	if s, ok := cut("EST"); ok {
		add(s)
		add(s + "E")
	}
	return out
}

// render writes the header and the tokens.
func render(cfg Config, res *Result, prov []string, notice []byte) []byte {
	var b bytes.Buffer
	total := len(res.Tokens())
	p := func(format string, a ...any) {
		if format == "" {
			b.WriteString("#\n")
			return
		}
		fmt.Fprintf(&b, "# "+format+"\n", a...)
	}
	p("Ciphergram vocabulary: the words and phrases of the built-in codebook.")
	p("GENERATED FILE, do not edit: change codebook/vocab/ and run")
	p("  %s", canonicalCommand)
	p("Build the codebook from it with")
	p("  ciphergram codebook generate --words codebook/vocabulary.txt --seed ciphergram-default-1 --out codebook/default.txt --force")
	p("")
	p("%d tokens; with the %d control tokens, %d of the %d code groups (budget %d).", total, controlTokens, total+controlTokens, groupCount, cfg.Budget)
	p("Sources, in priority order (a token is listed once, under its first source;")
	p("the tokens of each source are sorted):")
	for _, s := range res.Sources {
		p("  %-28s %5d tokens (of %d offered)", s.Name, len(s.Kept), s.Offered)
	}
	p("Hand lists: codebook/vocab/*.txt, written for Ciphergram (see codebook/vocab/README.md).")
	p("Word lists: %s, http://wordlist.aspell.net/,", cfg.ScowlName)
	p("  classes %s of the kinds %s;", joinInts(scowlClasses), strings.Join(scowlKinds, ", "))
	p("  entries with anything but the letters A-Z (possessives, accents) are dropped, as are")
	p("  one-letter entries other than A and I and the words of codebook/vocab/%s.", excludeFile)
	p("  The class cut by the budget keeps inflections of words already taken first, then")
	p("  the others; within each, longer words first, equal lengths in the order of the")
	p("  FNV-1a hash of the word. Files read:")
	for _, l := range prov {
		p("  %s", l)
	}
	p("")
	p("The SCOWL lists are used under the following notice (Debian's copyright file")
	p("for the scowl package, reproduced verbatim; also in codebook/vocab/%s):", copyrightFile)
	p("")
	for _, line := range strings.Split(strings.TrimRight(string(notice), "\n"), "\n") {
		if line == "" {
			b.WriteString("#\n")
		} else {
			b.WriteString("# " + line + "\n")
		}
	}
	for _, s := range res.Sources {
		if len(s.Kept) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n# --- %s: %d tokens ---\n", s.Name, len(s.Kept))
		for _, t := range s.Kept {
			b.WriteString(t)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
