package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"ciphergram/cipher"
	"ciphergram/codebook"
	"ciphergram/groups"
)

func (m *Main) runCodebook(ctx context.Context, args []string) error {
	sub := map[string]func([]string) error{
		"encode":   m.codebookEncode,
		"decode":   m.codebookDecode,
		"generate": m.codebookGenerate,
		"info":     m.codebookInfo,
		"stats":    m.codebookStats,
	}
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(m.Stdout, `Usage: ciphergram codebook encode|decode|generate|info [flags]

  encode    text on standard input -> 4-figure code groups on standard output
  decode    code groups on standard input -> canonical text
  generate  a new codebook from a word list, groups assigned at random
  info      a codebook's ID, fingerprint and size
  stats     how many code groups a text costs, and which words must be spelled

Run 'ciphergram codebook <subcommand> --help' for flags and examples.`)
		return nil
	}
	run, ok := sub[args[0]]
	if !ok {
		return &hintError{fmt.Errorf("codebook: unknown subcommand %q", args[0]), "run 'ciphergram codebook --help'"}
	}
	return run(args[1:])
}

// loadCodebook reads a codebook file, or the built-in one for "default".
func loadCodebook(name string) (*codebook.Codebook, error) {
	if name == "" || name == "default" {
		return codebook.Default(), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("codebook: %w", err)
	}
	defer f.Close()
	cb, err := codebook.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("codebook %s: %w", name, err)
	}
	return cb, nil
}

// loadCodec picks the codebook or the checkerboard named on the command line.
func loadCodec(cbName, boardName string) (cipher.Codec, error) {
	switch {
	case cbName != "" && boardName != "":
		return nil, fmt.Errorf("give --codebook or --checkerboard, not both")
	case boardName == "":
		return loadCodebook(cbName)
	case strings.EqualFold(boardName, "CT-46") || strings.EqualFold(boardName, "CT46"):
		return codebook.CT46(), nil
	}
	f, err := os.Open(boardName)
	if err != nil {
		return nil, fmt.Errorf("checkerboard: %w", err)
	}
	defer f.Close()
	b, err := codebook.ParseCheckerboard(f)
	if err != nil {
		return nil, fmt.Errorf("checkerboard %s: %w", boardName, err)
	}
	return b, nil
}

func (m *Main) codebookEncode(args []string) error {
	cb, text, err := m.codebookInput("codebook encode", "--codebook FILE|default < text", `  echo "Agent LIST reports: the pact is signed." | ciphergram codebook encode --codebook default`, args)
	if err != nil {
		return err
	}
	gs, err := cb.Encode(text)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, groups.Join(gs, 10))
	return nil
}

func (m *Main) codebookDecode(args []string) error {
	cb, text, err := m.codebookInput("codebook decode", "--codebook FILE|default < groups", `  echo "3875 0720 8297 7794" | ciphergram codebook decode --codebook book.txt`, args)
	if err != nil {
		return err
	}
	gs, err := readCodeGroups(text)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, cb.Decode(gs))
	return nil
}

func (m *Main) codebookInfo(args []string) error {
	fs := m.newFlags("codebook info", "--codebook FILE|default", `  ciphergram codebook info --codebook default`)
	cbName := fs.String("codebook", "default", "codebook file, or \"default\" for the built-in one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cb, err := loadCodebook(*cbName)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "codebook %s\nentries %d\nfingerprint %x\n", cb.ID(), cb.Len(), cb.Fingerprint())
	return nil
}

func (m *Main) codebookGenerate(args []string) error {
	fs := m.newFlags("codebook generate", "--words FILE --out FILE [--seed TEXT] [--force]", `  # a new secret codebook (groups drawn from crypto/rand):
  ciphergram codebook generate --words codebook/vocabulary.txt --out mybook.txt
  # the built-in codebook, reproduced exactly:
  ciphergram codebook generate --words codebook/vocabulary.txt --seed ciphergram-default-1 --out codebook/default.txt --force`)
	words := fs.String("words", "", "word list: one word or phrase per line, # comments")
	out := fs.String("out", "", "codebook file to write")
	seed := fs.String("seed", "", "derive the group assignment from this text (reproducible, NOT secret); default: crypto/rand")
	force := fs.Bool("force", false, "overwrite --out if it exists")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "words", "out"); err != nil {
		return err
	}
	tokens, err := readWordList(*words)
	if err != nil {
		return err
	}
	var rng io.Reader = m.Rand
	if *seed != "" {
		rng = codebook.SeededReader(*seed)
	}
	cb, err := codebook.Generate(tokens, rng)
	if err != nil {
		return fmt.Errorf("codebook generate: %w", err)
	}
	if err := writeNewFile(*out, *force, 0o600, func(w io.Writer) error {
		_, err := cb.WriteTo(w)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "codebook %s: %d entries written to %s\n", cb.ID(), cb.Len(), *out)
	return nil
}

// readWordList reads the word list file of codebook generate.
func readWordList(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("word list: %w", err)
	}
	defer f.Close()
	tokens, err := codebook.ReadWordList(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tokens, nil
}

// writeNewFile writes a file through a temporary name, fsyncs it and renames
// it into place, refusing to replace an existing file unless force is set.
func writeNewFile(path string, force bool, perm os.FileMode, write func(io.Writer) error) error {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return &hintError{fmt.Errorf("%s already exists", path), "choose another --out, or pass --force to replace it"}
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ciphergram-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if !force {
		// Link fails if path appeared meanwhile: no silent clobbering.
		if err := os.Link(tmp.Name(), path); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	} else if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename or link in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readCodeGroups reads 4-figure groups separated by white space; a bad one
// is named by line, column and its number in the stream.
func readCodeGroups(text string) ([]string, error) {
	var gs []string
	for i, line := range strings.Split(text, "\n") {
		col := 0
		for _, g := range strings.Fields(line) {
			col += strings.Index(line[col:], g)
			if len(g) != groups.CodeSize || !groups.IsDigits(g) {
				return nil, fmt.Errorf("line %d, column %d (group %d): %q is not a 4-figure code group", i+1, col+1, len(gs)+1, g)
			}
			gs = append(gs, g)
			col += len(g)
		}
	}
	return gs, nil
}

func (m *Main) codebookStats(args []string) error {
	cb, text, err := m.codebookInput("codebook stats", "--codebook FILE|default < text", `  ciphergram codebook stats --codebook default < telegram.txt`, args)
	if err != nil {
		return err
	}
	st, err := cb.Stats(text)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "words %d\nnumbers %d\ncode groups %d\ngroups per word %.3f\nspelled %d\n",
		st.Words, st.Numbers, st.Groups, st.GroupsPerWord(), len(st.Spelled))
	if len(st.Spelled) > 0 {
		fmt.Fprintf(m.Stdout, "spelled words: %s\n", strings.Join(st.Spelled, " "))
	}
	return nil
}

// codebookInput parses the flags of a codebook subcommand that reads text
// on standard input, and returns the codebook and the text.
func (m *Main) codebookInput(name, usage, examples string, args []string) (*codebook.Codebook, string, error) {
	fs := m.newFlags(name, usage, examples)
	cbName := fs.String("codebook", "default", "codebook file, or \"default\" for the built-in one")
	if err := parseFlags(fs, args); err != nil {
		return nil, "", err
	}
	cb, err := loadCodebook(*cbName)
	if err != nil {
		return nil, "", err
	}
	text, err := m.readStdin()
	if err != nil {
		return nil, "", err
	}
	return cb, text, nil
}
