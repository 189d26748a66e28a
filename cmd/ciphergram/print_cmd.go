package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"ciphergram"
	"ciphergram/codebook"
	"ciphergram/internal/padfile"
	"ciphergram/office"
	"ciphergram/otp"
	"ciphergram/pdf"
	"ciphergram/telegram"
)

// printer renders the office's paper with package pdf, for the web server.
type printer struct{}

func (printer) PadBook(w io.Writer, p *otp.Pad, dir ciphergram.PadDirection) error {
	return pdf.PadBook(w, p, pdf.PadBookOptions{Direction: pdfDirection(dir)})
}

func (printer) TelegramCopy(w io.Writer, r *telegram.Registered, footer string) error {
	return pdf.TelegramCopy(w, r, pdf.CopyOptions{Footer: footer})
}

func (printer) Publication(w io.Writer, p *telegram.Publication) error {
	return pdf.Publication(w, p, pdf.CopyOptions{})
}

func pdfDirection(dir ciphergram.PadDirection) pdf.Direction {
	if dir == ciphergram.PadIn {
		return pdf.In
	}
	return pdf.Out
}

func publicationPDF(w io.Writer, p *telegram.Publication) error { return printer{}.Publication(w, p) }

// padPrint prints a pad book: of a pad file (--pad) or of a pad in the
// office's custody (--id).
func (m *Main) padPrint(ctx context.Context, args []string) error {
	fs := m.newFlags("pad print", "(--pad FILE --direction out|in | --db DB --as USER --id PAD) --out FILE.pdf [--checkerboard CT-46|FILE] [--size A4|A5|A6]",
		`  ciphergram pad print --pad lon-cen.pad --direction out --out lon-cen-out.pdf --checkerboard CT-46
  ciphergram pad print --db centre.db --as clerk --id LON-CEN-1 --out lon-cen-1-in.pdf`)
	of := addOfficeFlags(fs)
	path := fs.String("pad", "", "a pad file (instead of the office's pad --id)")
	id := fs.String("id", "", "a pad in the office's custody")
	dir := fs.String("direction", "", "with --pad: whose copy the book is, out (the sender's) or in (the receiver's)")
	out := fs.String("out", "", "the PDF to write (never overwritten)")
	board := fs.String("checkerboard", "", "add a checkerboard card: CT-46 or a board file")
	size := fs.String("size", "A5", "page size: A4, A5 or A6")
	class := fs.String("classification", "TOP SECRET", "the marking of every sheet")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required(fs, "out"); err != nil {
		return err
	}
	opts := pdf.PadBookOptions{Classification: *class, PageSize: pdf.PageSize(strings.ToUpper(*size)), Date: m.Now()}
	if *board != "" {
		c, err := loadCodec("", *board)
		if err != nil {
			return err
		}
		cb, ok := c.(*codebook.Checkerboard)
		if !ok {
			return fmt.Errorf("pad print: --checkerboard %s is not a checkerboard", *board)
		}
		opts.Checkerboard = cb
	}
	var pad *otp.Pad
	switch {
	case *path != "" && *id == "":
		switch strings.ToLower(*dir) {
		case "out":
			opts.Direction = pdf.Out
		case "in":
			opts.Direction = pdf.In
		default:
			return &hintError{errors.New("pad print: --direction out or in: say whose copy the book is"), "out for the sender, in for the receiver"}
		}
		f, err := padfile.Open(*path)
		if err != nil {
			return err
		}
		defer f.Close()
		pad = f.Pad
	case *id != "" && *path == "":
		svc, st, err := m.openOffice(ctx, of)
		if err != nil {
			return err
		}
		defer st.Close()
		actor, err := svc.Actor(ctx, *of.as)
		if err != nil {
			return err
		}
		p, info, err := svc.PrintPad(ctx, actor, *id)
		if err != nil {
			return err
		}
		defer p.Wipe()
		pad, opts.Direction = p, pdfDirection(info.Direction)
	default:
		return &hintError{errors.New("pad print: give --pad FILE or --id PAD, not both"), "run 'ciphergram pad print --help'"}
	}
	err := writeNewFile(*out, false, 0o600, func(w io.Writer) error { return pdf.PadBook(w, pad, opts) })
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "pad book of %s (%s copy) written to %s\n", pad.ID, opts.Direction, *out)
	return nil
}

// copyPrint is "copy print": a numbered copy, issued and printed.
func (m *Main) copyPrint() officeCmd {
	return officeCmd{usage: "--telegram N --reader USER --out FILE.pdf",
		examples: `  ciphergram copy print --as registrar --telegram 1 --reader fitin --out 2688-copy.pdf`,
		setup: func(fs *flag.FlagSet) action {
			tid := fs.Int64("telegram", 0, "the registered telegram's ID")
			reader := fs.String("reader", "", "the reader the printed copy is issued to")
			out := fs.String("out", "", "the PDF to write (never overwritten)")
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				if *out == "" {
					return &hintError{errors.New("copy print: --out FILE.pdf is required"), "a printed copy goes to a file"}
				}
				if _, err := os.Stat(*out); err == nil {
					return fmt.Errorf("copy print: %s exists; a copy is never overwritten", *out)
				}
				c, r, err := svc.PrintCopy(ctx, actor, *tid, *reader)
				if err != nil {
					return err
				}
				footer := fmt.Sprintf("Issued to %s by %s on %s", c.Reader, c.IssuedBy, c.Issued.Format("2 January 2006 at 15:04"))
				err = writeNewFile(*out, false, 0o600, func(w io.Writer) error {
					return pdf.TelegramCopy(w, r, pdf.CopyOptions{Footer: footer, Date: c.Issued})
				})
				if err != nil {
					return fmt.Errorf("copy No. %d was issued but not printed: %w (recall it)", c.Number, err)
				}
				fmt.Fprintf(m.Stdout, "copy No. %d of telegram %d issued to %s and printed to %s\n", c.Number, c.TelegramID, c.Reader, *out)
				return nil
			}
		}}
}
