// Command ciphergram runs a cipher-telegram office: codebooks, one-time pads,
// encipherment and decipherment of telegrams in the historical wire format.
// Run "ciphergram help" for the commands.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"ciphergram"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(m.report(err))
}

// Main holds the command's wiring: its streams, its source of randomness
// and its clock. Tests build one with their own and call Run.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Rand           io.Reader        // crypto/rand.Reader in production
	Now            func() time.Time // the office clock
}

// NewMain returns a Main wired to the process.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Rand: rand.Reader, Now: time.Now}
}

// command is one subcommand: its one-line summary and its runner.
type command struct {
	summary string
	run     func(m *Main, ctx context.Context, args []string) error
}

var commands = map[string]command{
	"demo":      {"the life of the reference telegram, LONDON to the CENTRE, 1941", (*Main).runDemo},
	"codebook":  {"encode, decode, generate and inspect codebooks", (*Main).runCodebook},
	"pad":       {"generate one-time pads and count the pages left", (*Main).runPad},
	"encipher":  {"encipher a telegram from standard input with the next pad pages", (*Main).runEncipher},
	"office":    {"set up an office database (a station or the Centre)", (*Main).runOffice},
	"key":       {"rotate the office key, which encrypts the pads at rest", (*Main).runKey},
	"user":      {"add users and their roles", (*Main).runUser},
	"link":      {"links to peer offices", (*Main).runLink},
	"telegram":  {"compose, sign, encipher, receive, decipher, show and list telegrams", (*Main).runTelegram},
	"copy":      {"issue, read, recall and destroy numbered copies", (*Main).runCopy},
	"publish":   {"release registered telegrams for publication and export the declassified translations", (*Main).runPublish},
	"cryptonym": {"cover names and the identities behind them", (*Main).runCryptonym},
	"audit":     {"verify and show the hash-chained audit log", (*Main).runAudit},
	"serve":     {"serve one office: the web UI, the HTTP API and the transport to its peers", (*Main).runServe},
	"decipher":  {"decipher a telegram's transmissions from standard input", (*Main).runDecipher},
	"lab":       {"the VENONA lab: simulate traffic with reused pad pages, find depths, break them", (*Main).runLab},
	"transmit":  {"key transmissions as Morse code audio (WAV), and listen to them back", (*Main).runTransmit},
	"bench":     {"measure the figures near the machine's limits, each beside its baseline", (*Main).runBench},
}

// Run executes one command line (without the program name).
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || isHelp(args[0]) || args[0] == "help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				if err := c.run(m, ctx, []string{"--help"}); !errors.Is(err, errHelpShown) {
					return err
				}
				return nil
			}
		}
		m.usage(m.Stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		return &hintError{fmt.Errorf("unknown command %q", args[0]), "run 'ciphergram help' for the list of commands"}
	}
	if err := c.run(m, ctx, args[1:]); !errors.Is(err, errHelpShown) {
		return err
	}
	return nil
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "Ciphergram: a cipher-telegram office (codebook + one-time pad, 1941 wire format).")
	fmt.Fprintln(w, "\nUsage: ciphergram <command> [arguments]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'ciphergram <command> --help' for a command's flags and examples.")
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" }

// hintError carries a suggestion printed after the error line.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// report prints err in the house format and returns the exit status.
func (m *Main) report(err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(m.Stderr, "ciphergram: error: %s\n", ciphergram.Clip(err.Error(), 2*ciphergram.MaxMessageBytes))
	var h *hintError
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintf(m.Stderr, "ciphergram: hint: %s\n", h.hint)
	}
	return 1
}

// newFlags makes a flag set whose --help prints usage and examples to
// stdout. Parse errors come back as errors, not printed.
func (m *Main) newFlags(name, usage, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(m.Stdout, "Usage: ciphergram %s %s\n\nFlags:\n", name, usage)
		fs.SetOutput(m.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		if examples != "" {
			fmt.Fprintf(m.Stdout, "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
		}
	}
	return fs
}

// parseFlags parses args; errHelpShown means --help was printed.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) { // fs.Parse has printed the usage
		return errHelpShown
	}
	if err != nil {
		return &hintError{fmt.Errorf("%s: %v", fs.Name(), err), "run 'ciphergram " + fs.Name() + " --help'"}
	}
	if fs.NArg() > 0 {
		return &hintError{fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0)), "run 'ciphergram " + fs.Name() + " --help'"}
	}
	return nil
}

// errHelpShown ends a command quietly after --help.
var errHelpShown = errors.New("help shown")

// maxInput bounds what a command reads from standard input.
const maxInput = 16 << 20

func (m *Main) readStdin() (string, error) {
	b, err := io.ReadAll(io.LimitReader(m.Stdin, maxInput+1))
	if err != nil {
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	if len(b) > maxInput {
		return "", fmt.Errorf("standard input is larger than %d MiB", maxInput>>20)
	}
	return string(b), nil
}

func required(fs *flag.FlagSet, names ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range names {
		if !set[n] {
			return &hintError{fmt.Errorf("%s: --%s is required", fs.Name(), n), "run 'ciphergram " + fs.Name() + " --help'"}
		}
	}
	return nil
}
