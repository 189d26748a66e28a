package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"ciphergram"
	"ciphergram/office"
	"ciphergram/otp"
)

// padOfficeCmds are the pad subcommands that work on an office database.
func (m *Main) padOfficeCmds() map[string]officeCmd {
	return map[string]officeCmd{
		"issue": {usage: "--id ID --from A --to B --pages N [--groups-per-page 60]", examples: `  ciphergram pad issue --db centre.db --as chief --id LON-CEN-1941 --from LONDON --to CENTRE --pages 50`,
			setup: func(fs *flag.FlagSet) action {
				id := fs.String("id", "", "pad identifier")
				from := fs.String("from", "", "sending office")
				to := fs.String("to", "", "receiving office")
				pages := fs.Int("pages", 0, "number of pages")
				gpp := fs.Int("groups-per-page", otp.DefaultGroupsPerPage, "groups per page")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					p, err := svc.IssuePad(ctx, actor, *id, strings.ToUpper(*from), strings.ToUpper(*to), *pages, *gpp)
					if err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "pad %s issued: %s to %s, %d pages, this office keeps the %s copy\n", p.ID, p.From, p.To, p.Pages, p.Direction)
					return nil
				}
			}},
		"export": {usage: "--id ID --out FILE (passphrase from $CIPHERGRAM_PAD_PASSPHRASE or --passphrase-file)", examples: `  CIPHERGRAM_PAD_PASSPHRASE='correct horse battery' ciphergram pad export --as chief --id LON-CEN-1941 --out lon-cen.pad.age`,
			setup: func(fs *flag.FlagSet) action {
				id := fs.String("id", "", "pad identifier")
				out := fs.String("out", "", "file to write (never overwritten)")
				pf := fs.String("passphrase-file", "", "file holding the transport passphrase")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					pass, err := passphrase(*pf)
					if err != nil {
						return err
					}
					return writeNewFile(*out, false, 0o600, func(w io.Writer) error {
						return svc.ExportPad(ctx, actor, *id, pass, w)
					})
				}
			}},
		"import": {usage: "--in FILE (passphrase from $CIPHERGRAM_PAD_PASSPHRASE or --passphrase-file)", examples: `  ciphergram pad import --db london.db --as clerk --in lon-cen.pad.age`,
			setup: func(fs *flag.FlagSet) action {
				in := fs.String("in", "", "the exported pad file")
				pf := fs.String("passphrase-file", "", "file holding the transport passphrase")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					pass, err := passphrase(*pf)
					if err != nil {
						return err
					}
					f, err := os.Open(*in)
					if err != nil {
						return err
					}
					defer f.Close()
					p, err := svc.ImportPad(ctx, actor, f, pass)
					if err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "pad %s imported: %s to %s, %d pages left, %s copy\n", p.ID, p.From, p.To, p.Left(), p.Direction)
					return nil
				}
			}},
		"inventory": {usage: "[--pad FILE for a pad file instead of the office]", examples: `  ciphergram pad inventory --as clerk
  ciphergram pad inventory --pad lon-cen.pad`,
			setup: func(fs *flag.FlagSet) action {
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					ps, err := svc.Pads(ctx, actor)
					if err != nil {
						return err
					}
					w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(w, "PAD\tFROM\tTO\tCOPY\tPAGES\tUSED\tLEFT")
					for _, p := range ps {
						warn := ""
						if p.Left() < 5 {
							warn = "\tLOW"
						}
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%d%s\n", p.ID, p.From, p.To, p.Direction, p.Pages, p.Used, p.Left(), warn)
					}
					return w.Flush()
				}
			}},
	}
}

// passphrase reads the pad transport passphrase from a file or the
// environment, never from the command line (where ps would show it).
func passphrase(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if p := os.Getenv("CIPHERGRAM_PAD_PASSPHRASE"); p != "" {
		return p, nil
	}
	return "", &hintError{fmt.Errorf("no transport passphrase"), "set CIPHERGRAM_PAD_PASSPHRASE or give --passphrase-file"}
}
