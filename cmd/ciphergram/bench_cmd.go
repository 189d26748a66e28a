package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ciphergram/internal/bench"
)

// runBench measures the figures of docs/performance.md, each beside its
// baseline, in this process.
func (m *Main) runBench(ctx context.Context, args []string) error {
	fs := m.newFlags("bench", "[--quick] [--json] [--dir DIR] [--rounds N] [--clerks N,N,...] [--telegrams N] [--no-lab]",
		`  ciphergram bench --quick                    # under 45 seconds
  ciphergram bench --json > bench.json          # the run of record, with the scaling tables
  ciphergram bench --dir /var/lib/ciphergram    # the databases on the office's file system
  ciphergram bench --quick --clerks 1,2,4,8,16  # office throughput by clerks`)
	quick := fs.Bool("quick", false, "a short run (under 45 s): fewer rounds, no scaling tables, the lab's statistical search scaled from 1,000 intercepts")
	asJSON := fs.Bool("json", false, "write the figures as one JSON object instead of a table")
	dir := fs.String("dir", "", "directory for the temporary databases (default the system's temporary directory)")
	rounds := fs.Int("rounds", 0, "measure each figure and its baseline this many times, alternately (default 3 quick, 7 full)")
	clerks := fs.String("clerks", "", "numbers of concurrent clerks to measure, comma-separated (default 1,8 quick, 1,2,4,8,16 full)")
	telegrams := fs.Int("telegrams", 0, "telegrams enciphered in one office measurement (default 800 quick, 2000 full)")
	noLab := fs.Bool("no-lab", false, "leave out the lab's figures")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, statN := bench.Full(), 10000
	if *quick {
		c, statN = bench.Quick(), 1000 // the statistical depth search scaled from 1,000 intercepts
	}
	c.Dir, c.Log = *dir, m.Stderr
	if !*noLab {
		c.Lab = bench.LabMeasures(statN)
	}
	if *rounds > 0 {
		c.Rounds = *rounds
	}
	if *telegrams > 0 {
		c.OfficeTelegrams = *telegrams
	}
	if *clerks != "" {
		c.Clerks = nil
		for f := range strings.SplitSeq(*clerks, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return &hintError{fmt.Errorf("bench: --clerks %q: want numbers of clerks, 1 or more, comma-separated", *clerks), "e.g. --clerks 1,2,4,8,16"}
			}
			c.Clerks = append(c.Clerks, n)
		}
	}
	r, err := bench.Run(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		return r.WriteJSON(m.Stdout)
	}
	return r.WriteTable(m.Stdout)
}
