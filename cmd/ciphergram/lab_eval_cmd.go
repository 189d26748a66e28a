package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"ciphergram/lab"
)

// The lab command of this file: the lab measured end to end on simulated
// traffic.

const labEvalExamples = `  ciphergram lab eval                     # seeds 1-3, 2,000 telegrams each: a few minutes
  ciphergram lab eval --quick             # seed 1, 1,000 telegrams: under a minute
  ciphergram lab eval --seeds 5 --messages 1000 --json > eval.json

For each seed it simulates the traffic twice (indicators in clear, then
hidden), finds the depths (by indicator; with both methods as 'lab depths'
does) and compares them with the truth, solves pairs of the true depths of
30 groups or more with the key their end groups give, and solves depths of
three parts built from the traffic's plaintexts under a fresh key, at
offsets 0 and at small other offsets, with their first two parts alone.
The figures are the same for the same flags, except the times; docs/lab.md
explains them.`

func (m *Main) runLabEval(_ context.Context, args []string) error {
	def := lab.DefaultEvalOptions()
	fs := m.newFlags("lab eval", "[--seeds N] [--first-seed S] [--messages N] [--pairs N] [--sets N] [--quick] [--json]", labEvalExamples)
	seeds := fs.Int("seeds", len(def.Seeds), "number of simulations (seeds --first-seed, --first-seed+1, ...)")
	first := fs.Uint64("first-seed", def.Seeds[0], "seed of the first simulation")
	messages := fs.Int("messages", def.Sim.Messages, fmt.Sprintf("telegrams a simulation (1 to %d)", lab.MaxSimMessages))
	pairs := fs.Int("pairs", def.Pairs, "simulated depths of two solved a seed")
	sets := fs.Int("sets", def.Sets, "depths of three built and solved a seed, at each of offsets 0 and small offsets")
	quick := fs.Bool("quick", false, "seed 1, 1,000 telegrams, 10 depths of two and 2x4 of three: under a minute (flags given override them)")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of tables")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &hintError{fmt.Errorf("lab eval: unexpected argument %q", fs.Arg(0)), "run 'ciphergram lab eval --help'"}
	}
	opts := def
	if *quick {
		opts = lab.QuickEvalOptions()
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["seeds"] || set["first-seed"] {
		n := *seeds
		if !set["seeds"] {
			n = len(opts.Seeds)
		}
		if n < 1 || n > 1000 {
			return fmt.Errorf("lab eval: --seeds %d: want 1 to 1000", n)
		}
		opts.Seeds = nil
		for i := range n {
			opts.Seeds = append(opts.Seeds, *first+uint64(i))
		}
	}
	if set["messages"] {
		if *messages < 1 || *messages > lab.MaxSimMessages {
			return fmt.Errorf("lab eval: --messages %d: want 1 to %d", *messages, lab.MaxSimMessages)
		}
		opts.Sim.Messages = *messages
	}
	for _, f := range []struct {
		name string
		v    int
		dst  *int
	}{{"pairs", *pairs, &opts.Pairs}, {"sets", *sets, &opts.Sets}} {
		if !set[f.name] {
			continue
		}
		if f.v < 1 {
			return fmt.Errorf("lab eval: --%s %d: want at least 1", f.name, f.v)
		}
		*f.dst = f.v
	}
	rep, err := lab.Evaluate(opts, func(s string) { fmt.Fprintf(m.Stderr, "lab eval: %s\n", s) })
	if err != nil {
		return fmt.Errorf("lab eval: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(m.Stdout)
}

func init() {
	labCommands["eval"] = command{"measure the lab end to end on simulated traffic: depths found, depths solved", (*Main).runLabEval}
}
