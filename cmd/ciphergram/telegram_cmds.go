package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/office"
)

func (m *Main) runTelegram(ctx context.Context, args []string) error {
	id := func(fs *flag.FlagSet) *int64 { return fs.Int64("id", 0, "telegram ID (see telegram list)") }
	return m.group(ctx, "telegram", "A telegram's life: compose, sign, encipher, send; receive, decipher (and register); show, list.", map[string]officeCmd{
		"compose": {usage: "--to OFFICE [--file FILE] [--classification C] [--caveat C] [--prec R|P|O|Z] < text", examples: `  ciphergram telegram compose --as gorsky --to CENTRE --caveat "Removal of copies prohibited" < report.txt`,
			setup: func(fs *flag.FlagSet) action {
				to := fs.String("to", "", "the receiving office")
				file := fs.String("file", "", "the text (default: standard input)")
				class := fs.String("classification", "TOP SECRET", "classification")
				caveat := fs.String("caveat", "", "handling caveat, e.g. \"Removal of copies prohibited\"")
				prec := fs.String("prec", "R", "precedence R, P, O or Z")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					p, err := cipher.ParsePrecedence(*prec)
					if err != nil {
						return err
					}
					text, err := m.readTextFlag(*file)
					if err != nil {
						return err
					}
					t, err := svc.Compose(ctx, actor, office.Draft{To: *to, Text: text, Classification: *class, Caveat: *caveat, Prec: p})
					if err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "telegram %d: draft to %s\n", t.ID, t.To)
					return nil
				}
			}},
		"sign": {usage: "--id N", examples: `  ciphergram telegram sign --as gorsky --id 1`, setup: func(fs *flag.FlagSet) action {
			n := id(fs)
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				t, err := svc.Sign(ctx, actor, *n)
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "telegram %d signed by %s as No. %d\n", t.ID, t.SignedBy, t.Nr)
				return nil
			}
		}},
		"encipher": {usage: "--id N", examples: `  ciphergram telegram encipher --as clerk --id 1 > cable.txt`, setup: func(fs *flag.FlagSet) action {
			n := id(fs)
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				t, err := svc.Encipher(ctx, actor, *n)
				if err != nil {
					return err
				}
				fmt.Fprint(m.Stdout, t.Wire)
				return nil
			}
		}},
		"send": {usage: "--id N", examples: `  ciphergram telegram send --as clerk --id 1`, setup: func(fs *flag.FlagSet) action {
			n := id(fs)
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				t, err := svc.MarkSent(ctx, actor, *n)
				if err == nil {
					fmt.Fprintf(m.Stdout, "telegram %d marked sent\n", t.ID)
				}
				return err
			}
		}},
		"receive": {usage: "[--file FILE] [--caveat C] < transmissions", examples: `  ciphergram telegram receive --as clerk --caveat "Removal of copies prohibited" < cable.txt`,
			setup: func(fs *flag.FlagSet) action {
				file := fs.String("file", "", "the transmissions (default: standard input)")
				class := fs.String("classification", "TOP SECRET", "classification")
				caveat := fs.String("caveat", "", "handling caveat")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					wire, err := m.readTextFlag(*file)
					if err != nil {
						return err
					}
					t, err := svc.Receive(ctx, actor, office.Receipt{Wire: wire, Classification: *class, Caveat: *caveat})
					if err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "telegram %d: received from %s (NR %d)\n", t.ID, t.From, t.Nr)
					return nil
				}
			}},
		"decipher": {usage: "--id N", examples: `  ciphergram telegram decipher --as clerk --id 1`, setup: func(fs *flag.FlagSet) action {
			n := id(fs)
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				t, err := svc.Decipher(ctx, actor, *n)
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "telegram %d deciphered and registered as CIPHER TELEGRAM No. %s\n", t.ID, joinNumbers(t.Numbers))
				return nil
			}
		}},
		"show": {usage: "--id N", examples: `  ciphergram telegram show --as archivist --id 1`, setup: func(fs *flag.FlagSet) action {
			n := id(fs)
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				t, err := svc.Telegram(ctx, actor, *n)
				if err != nil {
					return err
				}
				out, err := svc.Render(ctx, actor, t, 0)
				if err == nil {
					fmt.Fprint(m.Stdout, out)
				}
				return err
			}
		}},
		"list": {usage: "", examples: `  ciphergram telegram list --as clerk`, setup: func(fs *flag.FlagSet) action {
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				ts, err := svc.Telegrams(ctx, actor, ciphergram.TelegramFilter{})
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tDIR\tSTATE\tFROM\tTO\tNR\tREGISTRY\tCLASSIFICATION")
				for _, t := range ts {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", t.ID, t.Direction, t.State, t.From, t.To, t.Nr, joinNumbers(t.Numbers), t.Classification)
				}
				return w.Flush()
			}
		}},
	}, args)
}

func joinNumbers(ns []int) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(n)
	}
	return s
}

func (m *Main) runCopy(ctx context.Context, args []string) error {
	closeCmd := func(state ciphergram.CopyState) officeCmd {
		return officeCmd{usage: "--id N", examples: "  ciphergram copy " + map[ciphergram.CopyState]string{ciphergram.CopyRecalled: "recall", ciphergram.CopyDestroyed: "destroy"}[state] + " --as archivist --id 1",
			setup: func(fs *flag.FlagSet) action {
				n := fs.Int64("id", 0, "copy ID (see copy list)")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					if err := svc.CloseCopy(ctx, actor, *n, state); err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "copy %d %s\n", *n, state)
					return nil
				}
			}}
	}
	return m.group(ctx, "copy", "Numbered copies of registered telegrams.", map[string]officeCmd{
		"print": m.copyPrint(),
		"issue": {usage: "--telegram N --reader USER", examples: `  ciphergram copy issue --as archivist --telegram 1 --reader fitin`,
			setup: func(fs *flag.FlagSet) action {
				tid := fs.Int64("telegram", 0, "telegram ID")
				reader := fs.String("reader", "", "the reader the copy is issued to")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					c, err := svc.IssueCopy(ctx, actor, *tid, *reader)
					if err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "copy No. %d of telegram %d issued to %s (copy ID %d)\n", c.Number, c.TelegramID, c.Reader, c.ID)
					return nil
				}
			}},
		"read": {usage: "--id N", examples: `  ciphergram copy read --as fitin --id 1`, setup: func(fs *flag.FlagSet) action {
			n := fs.Int64("id", 0, "copy ID")
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				out, err := svc.ReadCopy(ctx, actor, *n)
				if err == nil {
					fmt.Fprint(m.Stdout, out)
				}
				return err
			}
		}},
		"list": {usage: "[--telegram N]", examples: `  ciphergram copy list --as archivist`, setup: func(fs *flag.FlagSet) action {
			tid := fs.Int64("telegram", 0, "only this telegram's copies")
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				cs, err := svc.Copies(ctx, actor, *tid)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tTELEGRAM\tCOPY\tREADER\tSTATE")
				for _, c := range cs {
					fmt.Fprintf(w, "%d\t%d\tNo. %d\t%s\t%s\n", c.ID, c.TelegramID, c.Number, c.Reader, c.State)
				}
				return w.Flush()
			}
		}},
		"recall":  closeCmd(ciphergram.CopyRecalled),
		"destroy": closeCmd(ciphergram.CopyDestroyed),
	}, args)
}
