package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"ciphergram/lab"
)

// labCommands are the subcommands of `ciphergram lab`, the VENONA lab.
// Other files add theirs from an init function, for example
//
//	func init() { labCommands["solve"] = command{"...", (*Main).runLabSolve} }
//
// so that each subcommand lives in its own file.
var labCommands = map[string]command{
	"simulate": {"a year of simulated traffic with duplicated pad pages, and the truth about it", (*Main).runLabSimulate},
	"depths":   {"find the intercepted parts in depth (same key), by indicator and statistically", (*Main).runLabDepths},
}

func (m *Main) runLab(ctx context.Context, args []string) error {
	if len(args) == 0 || isHelp(args[0]) || args[0] == "help" {
		fmt.Fprintln(m.Stdout, "Usage: ciphergram lab <subcommand> [flags]")
		fmt.Fprintln(m.Stdout, "\nThe VENONA lab: historical traffic in which some pad pages were used twice, and how it was broken.")
		fmt.Fprintln(m.Stdout, "\nSubcommands:")
		names := make([]string, 0, len(labCommands))
		for n := range labCommands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(m.Stdout, "  %-10s %s\n", n, labCommands[n].summary)
		}
		fmt.Fprintln(m.Stdout, "\nRun 'ciphergram lab <subcommand> --help' for flags and examples; docs/lab.md tells the whole story.")
		return nil
	}
	c, ok := labCommands[args[0]]
	if !ok {
		return &hintError{fmt.Errorf("lab: unknown subcommand %q", args[0]), "run 'ciphergram lab --help'"}
	}
	return c.run(m, ctx, args[1:])
}

func (m *Main) runLabSimulate(_ context.Context, args []string) error {
	def := lab.DefaultSimOptions()
	fs := m.newFlags("lab simulate", "--out DIR [--seed N] [--messages N] [--links N] [--duplicated-pages F] [--late-start F] [--hide-indicators] [--letters]",
		`  ciphergram lab simulate --out traffic                        # 2,000 telegrams, indicators in clear
  ciphergram lab simulate --out hidden --hide-indicators --seed 7 --messages 500
  ciphergram lab depths --in traffic/intercepts.txt`)
	out := fs.String("out", "", "folder to write intercepts.txt and truth.jsonl into (created if missing)")
	seed := fs.Uint64("seed", def.Seed, "seed of the simulation: the same flags give the same files")
	messages := fs.Int("messages", def.Messages, fmt.Sprintf("telegrams over the year (1 to %d)", lab.MaxSimMessages))
	links := fs.Int("links", def.Links, fmt.Sprintf("stations in traffic with %s (1 to %d)", lab.SimCentre, len(lab.SimStations())))
	dup := fs.Float64("duplicated-pages", def.DuplicatedPages, "fraction of pad pages the factory also printed into another link's pad (0 to 0.5)")
	late := fs.Float64("late-start", def.LateStart, "fraction of parts whose clerk began the key further down the page (0 to 1)")
	hide := fs.Bool("hide-indicators", false, "replace indicators and end groups with random groups: depths can only be found statistically")
	letters := fs.Bool("letters", false, "write the intercepts in cable letters instead of digits")
	year := fs.Int("year", def.Year, "year of the traffic")
	force := fs.Bool("force", false, "replace existing files")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "out"); err != nil {
		return err
	}
	opts := lab.SimOptions{Seed: *seed, Messages: *messages, Links: *links, DuplicatedPages: *dup, LateStart: *late,
		HideIndicators: *hide, Letters: *letters, Year: *year}
	var ib, tb bytes.Buffer
	if err := lab.Simulate(opts, &ib, &tb); err != nil {
		return fmt.Errorf("lab simulate: %w", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("lab simulate: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{"intercepts.txt", ib.Bytes()}, {"truth.jsonl", tb.Bytes()}}
	for _, f := range files {
		if err := writeNewFile(filepath.Join(*out, f.name), *force, 0o644, func(w io.Writer) error {
			_, err := w.Write(f.data)
			return err
		}); err != nil {
			return err
		}
	}
	parts, depths, err := lab.ReadTruth(bytes.NewReader(tb.Bytes()))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "lab simulate: %d telegrams, %d parts, %d pairs in depth: %s, %s\n", opts.Messages, len(parts), len(depths),
		filepath.Join(*out, files[0].name), filepath.Join(*out, files[1].name))
	return nil
}

func (m *Main) runLabDepths(_ context.Context, args []string) error {
	fs := m.newFlags("lab depths", "--in FILE [--min-overlap N] [--threshold S] [--max-offset N] [--any-offset] [--method both|indicator|statistical]",
		`  ciphergram lab depths --in traffic/intercepts.txt > depths.jsonl
  ciphergram lab depths --in hidden/intercepts.txt --threshold 25     # fewer, surer pairs
  ciphergram lab depths --in big.txt --method indicator                # only same indicators and end groups`)
	in := fs.String("in", "", "intercepts: transmissions in the SPEC 6 format, digits or letters ('-' for standard input)")
	minOverlap := fs.Int("min-overlap", lab.DefaultDepthMinOverlap, "least number of shared groups the statistical search tries")
	threshold := fs.Float64("threshold", 0, "least score (nats) of a statistical depth; 0 chooses it from the size of the traffic (see docs/lab.md)")
	maxOffset := fs.Int("max-offset", 0, "largest |offset| the statistical search tries; 0: every offset two parts on one page can have (see --any-offset)")
	anyOffset := fs.Bool("any-offset", false, "search every offset, also those two parts on one 60-group page cannot have (slower: about 3 times the work)")
	method := fs.String("method", "both", "both, indicator or statistical")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "in"); err != nil {
		return err
	}
	opts := lab.DepthOptions{MinOverlap: *minOverlap, Threshold: *threshold, MaxOffset: *maxOffset, AnyOffset: *anyOffset}
	switch *method {
	case "both":
	case "indicator":
		opts.SkipStatistical = true
	case "statistical":
		opts.SkipIndicators = true
	default:
		return &hintError{fmt.Errorf("lab depths: --method %q: want both, indicator or statistical", *method), "run 'ciphergram lab depths --help'"}
	}
	if *minOverlap < 1 || *maxOffset < 0 {
		return fmt.Errorf("lab depths: --min-overlap must be at least 1 and --max-offset at least 0")
	}
	var r io.Reader = m.Stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("lab depths: %w", err)
		}
		defer f.Close()
		r = f
	}
	xs, err := lab.ReadIntercepts(r)
	if err != nil {
		return fmt.Errorf("lab depths: %s: %w", *in, err)
	}
	start := time.Now()
	ds := lab.FindDepths(xs, opts, m.progressBar("depths"))
	w := bufio.NewWriter(m.Stdout)
	if err := lab.WriteDepths(w, ds); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	byInd := 0
	for _, d := range ds {
		if d.Evidence == lab.EvidenceIndicator {
			byInd++
		}
	}
	fmt.Fprintf(m.Stderr, "lab depths: %d intercepts, %d pairs in depth (%d by indicator, %d statistical) in %v\n",
		len(xs), len(ds), byInd, len(ds)-byInd, time.Since(start).Round(time.Millisecond))
	return nil
}

// progressBar returns a progress callback that draws a bar on standard
// error when it is a terminal, and does nothing otherwise (a pipe, a file,
// a test).
func (m *Main) progressBar(what string) func(done, total int) {
	f, ok := m.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		if bar == nil {
			if total <= 0 {
				return
			}
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
				progressbar.OptionSetPredictTime(true), progressbar.OptionFullWidth())
		}
		_ = bar.Set(done)
		if done >= total {
			_ = bar.Finish()
		}
	}
}
