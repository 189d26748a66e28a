package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"ciphergram/lab"
)

// The lab commands of this file: recovering the plaintexts of parts in
// depth, and crib dragging.

const labSolveUsage = "--in FILE --messages ID,ID[,ID...] [--offsets 0,K,...] [--codebook FILE|default] [--corpus FILE]"

const labSolveExamples = `  ciphergram lab solve --in traffic.txt --messages NEW-YORK/12/1,MOSCOW/40/1
  ciphergram lab solve --in traffic.txt --messages LONDON/7/1,LONDON/9/2,MOSCOW/3/1 --offsets 0,0,-2

Offsets are in five-figure groups: each part's first cipher group is that
many groups further into the shared key than the first part's. A depth
that 'ciphergram lab depths' reports as A B with offset K (A's group i
shares key with B's group i+K) is --messages A,B --offsets 0,-K.`

const labCribUsage = "--in FILE --messages ID,ID[,ID...] --target ID --crib WORDS [--at POS] [--offsets 0,K,...] [--codebook FILE|default] [--corpus FILE]"

const labCribExamples = `  ciphergram lab crib --in traffic.txt --messages NEW-YORK/12/1,MOSCOW/40/1 --target MOSCOW/40/1 --crib "TO VIKTOR"
  ciphergram lab crib --in traffic.txt --messages NEW-YORK/12/1,MOSCOW/40/1 --target NEW-YORK/12/1 --crib "NEUTRALITY PACT" --at 48

POS is a figure of the target part's cipher text, counted from 0; a crib
can only start where one of its code groups does (every 4 figures).`

// labDepthFlags are the flags solve and crib share.
type labDepthFlags struct {
	in, codebook, messages, offsets, corpus *string
}

func addLabDepthFlags(fs *flag.FlagSet) labDepthFlags {
	return labDepthFlags{
		in:       fs.String("in", "", "intercepts: transmissions in the SPEC 6 format, digits or letters, as 'lab simulate' writes them ('-' for standard input)"),
		codebook: fs.String("codebook", "default", "codebook file, or \"default\" for the built-in one (a partial book is fine)"),
		messages: fs.String("messages", "", "the parts in depth, by ID FROM/NR/PART, comma-separated"),
		offsets:  fs.String("offsets", "", "each part's offset in the shared key, in five-figure groups, comma-separated (default all 0)"),
		corpus:   fs.String("corpus", "", "plain text to train the code-group language model on, paragraphs separated by blank lines (default: the lab's embedded training corpus)"),
	}
}

// labDepth is what solve and crib work on.
type labDepth struct {
	parts   []*lab.Intercept
	offsets []int
	streams []lab.Stream
	model   *lab.Model
}

// loadDepth reads the intercepts, picks the named parts, and trains the
// model.
func (m *Main) loadDepth(name string, f labDepthFlags) (*labDepth, error) {
	var b string
	var err error
	if *f.in == "-" {
		b, err = m.readStdin()
	} else {
		b, err = readLabFile(*f.in)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	all, err := lab.ReadIntercepts(strings.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, *f.in, err)
	}
	offsets, err := lab.ParseOffsets(*f.offsets)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	set, err := lab.NewDepthSet(all, lab.ParseIDs(*f.messages), offsets)
	if err != nil {
		return nil, &hintError{fmt.Errorf("%s: %s: %w", name, *f.in, err), "name the parts that share key, e.g. --messages NEW-YORK/12/1,MOSCOW/40/1, and their offsets with --offsets 0,-K for a depth at offset K"}
	}
	d := &labDepth{parts: set.Parts, offsets: set.Offsets, streams: set.Streams}
	cb, err := loadCodebook(*f.codebook)
	if err != nil {
		return nil, err
	}
	var text string
	if *f.corpus != "" {
		if text, err = readLabFile(*f.corpus); err != nil {
			return nil, fmt.Errorf("%s: corpus: %w", name, err)
		}
	} else {
		text, _ = lab.Corpus()
	}
	d.model = lab.TrainModel(cb, text)
	if d.model.Groups == 0 {
		return nil, fmt.Errorf("%s: the corpus gives no code groups to train on", name)
	}
	return d, nil
}

// readLabFile reads a whole file of at most maxInput bytes.
func readLabFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxInput {
		return "", fmt.Errorf("%s is larger than %d MiB", path, maxInput>>20)
	}
	return string(b), nil
}

func (m *Main) runLabSolve(ctx context.Context, args []string) error {
	fs := m.newFlags("lab solve", labSolveUsage, labSolveExamples)
	df := addLabDepthFlags(fs)
	beam := fs.Int("beam", lab.DefaultBeam, "hypotheses kept at each step of the search (more is slower, rarely better)")
	threshold := fs.Float64("threshold", lab.DefaultThreshold, "confidence below which a group is shown as unrecovered (0 to 1)")
	unknown := fs.Float64("unknown", 0, "for a partial codebook: the share of plaintext groups it lacks (e.g. 0.2); 0 if it is complete")
	noEnds := fs.Bool("no-ends", false, "do not read the key the parts' end groups give in clear")
	groupsOut := fs.Bool("groups", false, "also list every group: code, word and confidence")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "in", "messages"); err != nil {
		return err
	}
	if *threshold < 0 || *threshold > 1 {
		return fmt.Errorf("lab solve: --threshold %v out of range 0..1", *threshold)
	}
	d, err := m.loadDepth("lab solve", df)
	if err != nil {
		return err
	}
	opts := lab.SolveOptions{Beam: *beam, Threshold: *threshold, Unknown: *unknown}
	if *threshold == 0 {
		opts.Threshold = -1 // show every group the search reached
	}
	if !*noEnds {
		key, conflicts := lab.EndKeys(d.parts, d.offsets)
		opts.Key = key
		if len(conflicts) > 0 {
			fmt.Fprintf(m.Stderr, "ciphergram: warning: end groups disagree on the key at group(s) %v: check the offsets\n", conflicts)
		}
	}
	rs, err := lab.Solve(d.streams, d.model, opts)
	if err != nil {
		return fmt.Errorf("lab solve: %w", err)
	}
	for i, r := range rs {
		if i > 0 {
			fmt.Fprintln(m.Stdout)
		}
		th := opts.Threshold
		fmt.Fprintf(m.Stdout, "%s  offset %d  %d of %d groups recovered\n", r.ID, d.offsets[i], r.Recovered(th), len(r.Groups))
		fmt.Fprintln(m.Stdout, wrapLines(r.Text, 78))
		if *groupsOut {
			for k, g := range r.Groups {
				word := g.Word
				if word == "" && strings.Contains(g.Code, "?") {
					word = "-"
				}
				fmt.Fprintf(m.Stdout, "  %3d  %s  %4.2f  %s\n", k+1, g.Code, g.Confidence, word)
			}
		}
	}
	return nil
}

func (m *Main) runLabCrib(ctx context.Context, args []string) error {
	fs := m.newFlags("lab crib", labCribUsage, labCribExamples)
	df := addLabDepthFlags(fs)
	target := fs.String("target", "", "the part the crib is guessed in (one of --messages)")
	crib := fs.String("crib", "", "the guessed words")
	at := fs.Int("at", -1, "try the crib only at this figure of the target part (default: everywhere)")
	top := fs.Int("top", 10, "show the best N placings (with --at, the one asked for)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "in", "messages", "target", "crib"); err != nil {
		return err
	}
	d, err := m.loadDepth("lab crib", df)
	if err != nil {
		return err
	}
	ti := -1
	for i, x := range d.parts {
		if x.ID == *target {
			ti = i
		}
	}
	if ti < 0 {
		return &hintError{fmt.Errorf("lab crib: --target %s is not one of --messages", *target), "the target is the part you guess the crib is in"}
	}
	var hits []lab.CribHit
	if *at >= 0 {
		h, ok, err := lab.DragAt(d.streams, ti, *crib, d.model, *at)
		if err != nil {
			return fmt.Errorf("lab crib: %w", err)
		}
		if !ok {
			return fmt.Errorf("lab crib: at figure %d of %s the crib lies under no other part's key", *at, *target)
		}
		hits = []lab.CribHit{h}
	} else {
		if hits, err = lab.Drag(d.streams, ti, *crib, d.model); err != nil {
			return fmt.Errorf("lab crib: %w", err)
		}
		if len(hits) == 0 {
			return fmt.Errorf("lab crib: the crib fits nowhere in %s under another part's key", *target)
		}
		hits = hits[:min(len(hits), max(*top, 1))]
	}
	gs, _ := d.model.Encode(*crib)
	fmt.Fprintf(m.Stdout, "crib %q = %s in %s\n", strings.ToUpper(*crib), strings.Join(gs, " "), *target)
	for _, h := range hits {
		fmt.Fprintf(m.Stdout, "\nfigure %d (code group %d)  score %.2f\n", h.Position, (h.Position-d.streams[ti].Lead)/4+1, h.Score)
		for i, x := range d.parts {
			if i == ti {
				continue
			}
			if txt, ok := h.Implied[x.ID]; ok {
				fmt.Fprintf(m.Stdout, "  %s: %s\n", x.ID, txt)
			}
		}
	}
	return nil
}

// wrapLines breaks text into lines of at most width columns at spaces, keeping
// its blank lines.
func wrapLines(text string, width int) string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			switch {
			case line == "":
				line = w
			case len(line)+1+len(w) > width:
				out = append(out, line)
				line = w
			default:
				line += " " + w
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func init() {
	labCommands["solve"] = command{"recover the plaintexts of parts in depth, VENONA style", (*Main).runLabSolve}
	labCommands["crib"] = command{"drag a guessed word or phrase through a part in depth and read what it implies", (*Main).runLabCrib}
}
