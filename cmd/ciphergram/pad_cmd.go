package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"ciphergram/internal/padfile"
	"ciphergram/otp"
)

func (m *Main) runPad(ctx context.Context, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(m.Stdout, `Usage: ciphergram pad generate|inventory [flags]

  generate   a new one-time pad file from crypto/rand (give one copy to each end of the link)
  inventory  pages used and left: of a pad file (--pad FILE), or of the office's pads
  issue      a new pad for a link of the office; the office keeps its own copy
  export     the pad for the other end, encrypted with a passphrase for transport
  import     a pad exported by the other end
  print      a pad book as PDF: of a pad file, or of a pad in the office's custody

Run 'ciphergram pad <subcommand> --help' for flags and examples.`)
		return nil
	}
	switch {
	case args[0] == "generate":
		return m.padGenerate(args[1:])
	case args[0] == "inventory" && hasFlag(args[1:], "pad"):
		return m.padInventory(args[1:])
	case args[0] == "print":
		return m.padPrint(ctx, args[1:])
	}
	if c, ok := m.padOfficeCmds()[args[0]]; ok {
		return m.runOfficeCmd(ctx, "pad "+args[0], c, args[1:])
	}
	return &hintError{fmt.Errorf("pad: unknown subcommand %q", args[0]), "run 'ciphergram pad --help'"}
}

func (m *Main) padGenerate(args []string) error {
	fs := m.newFlags("pad generate", "--id ID --from A --to B --pages N [--groups-per-page 60] --out FILE",
		`  ciphergram pad generate --id LON-CEN-0001 --from LONDON --to CENTRE --pages 50 --out lon-cen.pad
  cp lon-cen.pad centre/lon-cen.pad    # the receiver's copy: exactly two copies exist`)
	id := fs.String("id", "", "pad identifier, e.g. LON-CEN-0001")
	from := fs.String("from", "", "sending office")
	to := fs.String("to", "", "receiving office")
	pages := fs.Int("pages", 0, "number of pages")
	gpp := fs.Int("groups-per-page", otp.DefaultGroupsPerPage, "five-figure groups per page (the first is the indicator)")
	out := fs.String("out", "", "pad file to create (never overwritten)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "id", "from", "to", "pages", "out"); err != nil {
		return err
	}
	pad, err := otp.Generate(m.Rand, *id, *from, *to, *pages, *gpp)
	if err != nil {
		return fmt.Errorf("pad generate: %w", err)
	}
	defer pad.Wipe()
	if err := writeNewFile(*out, false, 0o600, func(w io.Writer) error {
		_, err := pad.WriteTo(w)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "pad %s (%s to %s): %d pages of %d groups written to %s\n", pad.ID, pad.From, pad.To, *pages, *gpp, *out)
	return nil
}

func (m *Main) padInventory(args []string) error {
	fs := m.newFlags("pad inventory", "--pad FILE", `  ciphergram pad inventory --pad lon-cen.pad`)
	path := fs.String("pad", "", "pad file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "pad"); err != nil {
		return err
	}
	f, err := padfile.Open(*path)
	if err != nil {
		return err
	}
	defer f.Close()
	p := f.Pad
	burned, next := 0, 0
	for _, pg := range p.Pages {
		if pg.Burned {
			burned++
		} else if next == 0 {
			next = pg.Number
		}
	}
	fmt.Fprintf(m.Stdout, "pad %s: %s to %s, %d groups a page\n", p.ID, p.From, p.To, p.GroupsPerPage)
	fmt.Fprintf(m.Stdout, "pages %d, burned %d, left %d\n", len(p.Pages), burned, len(p.Pages)-burned)
	if next > 0 {
		fmt.Fprintf(m.Stdout, "next page %d\n", next)
	} else {
		fmt.Fprintln(m.Stdout, "the pad is exhausted: issue a new one")
	}
	return nil
}

// hasFlag reports whether args set the flag name (as -name or --name).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}
