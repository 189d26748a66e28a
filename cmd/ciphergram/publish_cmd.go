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
	"ciphergram/telegram"
)

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, "; ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func (m *Main) runPublish(ctx context.Context, args []string) error {
	return m.group(ctx, "publish", "Declassified translations: an archivist releases a registered telegram for publication.", map[string]officeCmd{
		"release": {usage: "--telegram N [--reveal COVER]... [--redact PASSAGE]... [--note TEXT]...",
			examples: `  ciphergram publish release --as registrar --telegram 1 --reveal VADIM --redact "IN THE PARK" --note "LIST: not identified."`,
			setup: func(fs *flag.FlagSet) action {
				tid := fs.Int64("telegram", 0, "the registered telegram's ID")
				var req office.ReleaseRequest
				fs.Var((*repeated)(&req.Reveal), "reveal", "a cover name whose true name is published (repeatable)")
				fs.Var((*repeated)(&req.Redact), "redact", "a passage withheld, exactly as in the text (repeatable)")
				fs.Var((*repeated)(&req.Notes), "note", "a translator's note (repeatable)")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					r, err := svc.Release(ctx, actor, *tid, req)
					if err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "release %d of telegram %d: reveals %s, %d passage(s) withheld, %d note(s)\n",
						r.ID, r.TelegramID, strings.Join(r.Reveal, ", "), len(r.Redact), len(r.Notes))
					return nil
				}
			}},
		"export": {usage: "--release N [--format text|md|pdf] [--out FILE]",
			examples: `  ciphergram publish export --as registrar --release 1 --format md --out 2688.md`,
			setup: func(fs *flag.FlagSet) action {
				id := fs.Int64("release", 0, "the release's ID (see publish list)")
				format := fs.String("format", "text", "text, md or pdf")
				out := fs.String("out", "", "write to FILE (default standard output; pdf needs a file)")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					p, err := svc.Publication(ctx, actor, *id)
					if err != nil {
						return err
					}
					return m.writePublication(p, *format, *out)
				}
			}},
		"list": {usage: "[--telegram N]", examples: `  ciphergram publish list --as registrar`,
			setup: func(fs *flag.FlagSet) action {
				tid := fs.Int64("telegram", 0, "only this telegram's releases")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					rs, err := svc.Releases(ctx, actor, *tid)
					if err != nil {
						return err
					}
					w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(w, "RELEASE\tTELEGRAM\tREVEALS\tWITHHELD\tNOTES\tBY\tON")
					for _, r := range rs {
						fmt.Fprintf(w, "%d\t%d\t%s\t%d\t%d\t%s\t%s\n", r.ID, r.TelegramID, strings.Join(r.Reveal, ","),
							len(r.Redact), len(r.Notes), r.ReleasedBy, r.Released.Format("2006-01-02"))
					}
					return w.Flush()
				}
			}},
	}, args)
}

// writePublication writes a publication in a format.
func (m *Main) writePublication(p *telegram.Publication, format, out string) error {
	var w io.Writer = m.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	switch format {
	case "text", "txt":
		_, err := io.WriteString(w, p.PlainText())
		return err
	case "md", "markdown":
		_, err := io.WriteString(w, p.Markdown())
		return err
	case "pdf":
		if out == "" {
			return &hintError{fmt.Errorf("publish export: a PDF goes to a file"), "give --out FILE.pdf"}
		}
		return publicationPDF(w, p)
	}
	return &hintError{fmt.Errorf("publish export: unknown format %q", format), "want text, md or pdf"}
}
