package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/office"
)

type action = func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error

func (m *Main) runOffice(ctx context.Context, args []string) error {
	return m.group(ctx, "office", "Set up an office (a station or the Centre) in its database.", map[string]officeCmd{
		"init": {usage: "--name NAME [--centre] --admin USER [--registry-start N] [--outgoing-start N]", examples: `  ciphergram office init --db centre.db --name CENTRE --centre --admin chief --registry-start 2688`,
			noActor: true, setup: func(fs *flag.FlagSet) action {
				name := fs.String("name", "", "office name, e.g. LONDON or CENTRE")
				centre := fs.Bool("centre", false, "this office is the Centre")
				admin := fs.String("admin", "", "name of the first admin user")
				start := fs.Int("registry-start", 0, "next registry number of this year (default 1)")
				outStart := fs.Int("outgoing-start", 0, "next outgoing telegram number of this year (default 1)")
				return func(ctx context.Context, svc *office.Service, _ *ciphergram.User) error {
					if err := svc.Init(ctx, strings.ToUpper(*name), *centre, *admin); err != nil {
						return err
					}
					u, err := svc.Actor(ctx, *admin)
					if err != nil {
						return err
					}
					for counter, next := range map[string]int{ciphergram.CounterRegistry: *start, ciphergram.CounterOutgoing: *outStart} {
						if next > 0 {
							if err := svc.SeedCounter(ctx, u, counter, next); err != nil {
								return err
							}
						}
					}
					fmt.Fprintf(m.Stdout, "office %s created; admin %s\n", strings.ToUpper(*name), *admin)
					return nil
				}
			}},
	}, args)
}

func (m *Main) runUser(ctx context.Context, args []string) error {
	return m.group(ctx, "user", "Users of the office and their roles.", map[string]officeCmd{
		"add": {usage: "--name NAME --role ROLE [--cover COVER] [--cleared] [--clearance LEVEL]", examples: `  ciphergram user add --as chief --name gorsky --role officer --cover VADIM --cleared
  ciphergram user add --as chief --name typist --role reader --clearance SECRET`,
			setup: func(fs *flag.FlagSet) action {
				u := &ciphergram.User{}
				fs.StringVar(&u.Name, "name", "", "login name")
				role := fs.String("role", "", "admin, officer, clerk, reader, archivist or analyst")
				fs.StringVar(&u.Cover, "cover", "", "an officer's cover name")
				fs.BoolVar(&u.Cleared, "cleared", false, "may see true names behind cover names")
				fs.StringVar(&u.Clearance, "clearance", ciphergram.TopSecret, "the highest classification the user may read: "+strings.Join(ciphergram.Classifications, ", "))
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					u.Role = ciphergram.Role(*role)
					if err := svc.AddUser(ctx, actor, u); err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "user %s (%s, cleared to %s) added\n", u.Name, u.Role, u.Clearance)
					return nil
				}
			}},
		"clearance": {usage: "--name NAME --clearance LEVEL", examples: `  ciphergram user clearance --as chief --name typist --clearance CONFIDENTIAL`,
			setup: func(fs *flag.FlagSet) action {
				name := fs.String("name", "", "whose clearance")
				level := fs.String("clearance", "", "the highest classification they may read: "+strings.Join(ciphergram.Classifications, ", "))
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					if err := svc.SetClearance(ctx, actor, *name, *level); err != nil {
						return err
					}
					c, _ := ciphergram.NormalizeClassification(*level)
					fmt.Fprintf(m.Stdout, "%s is cleared to %s\n", *name, c)
					return nil
				}
			}},
		"password": {usage: "--name NAME [--password-file FILE]", examples: `  ciphergram user password --as chief --name gorsky --password-file pw.txt
  CIPHERGRAM_PASSWORD=... ciphergram user password --as gorsky --name gorsky`,
			setup: func(fs *flag.FlagSet) action {
				name := fs.String("name", "", "whose password")
				file := fs.String("password-file", "", "read the new password from this file (default $CIPHERGRAM_PASSWORD)")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					pw, err := secretFrom(*file, "CIPHERGRAM_PASSWORD", "--password-file")
					if err != nil {
						return err
					}
					if err := svc.SetPassword(ctx, actor, *name, pw); err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "password of %s set; their sessions are ended\n", *name)
					return nil
				}
			}},
	}, args)
}

func (m *Main) runLink(ctx context.Context, args []string) error {
	return m.group(ctx, "link", "Links to peer offices.", map[string]officeCmd{
		"add": {usage: "--peer NAME [--mode authenticated|historical] [--codebook default]", examples: `  ciphergram link add --as chief --peer LONDON`,
			setup: func(fs *flag.FlagSet) action {
				peer := fs.String("peer", "", "the other office")
				mode := fs.String("mode", "authenticated", "authenticated or historical")
				cb := fs.String("codebook", "default", "codebook of the link")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					md, err := cipher.ParseMode(*mode)
					if err != nil {
						return err
					}
					l := &ciphergram.Link{Peer: *peer, Mode: md, Codebook: *cb}
					if err := svc.AddLink(ctx, actor, l); err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "link to %s added (%s, codebook %s)\n", l.Peer, l.Mode, l.Codebook)
					return nil
				}
			}},
		"route": {usage: "--peer NAME --url URL [--secret-file FILE]", examples: `  ciphergram link route --as chief --peer CENTRE --url https://centre.example:8443 --secret-file link.key`,
			setup: func(fs *flag.FlagSet) action {
				peer := fs.String("peer", "", "the other office")
				url := fs.String("url", "", "where the peer's server listens (empty: the link is worked by hand)")
				file := fs.String("secret-file", "", "the credential both ends share, 32+ characters (default $CIPHERGRAM_LINK_SECRET)")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					secret, err := secretFrom(*file, "CIPHERGRAM_LINK_SECRET", "--secret-file")
					if err != nil && *url != "" {
						return err
					}
					if err := svc.RouteLink(ctx, actor, *peer, *url, secret); err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "link to %s routed to %q\n", strings.ToUpper(*peer), *url)
					return nil
				}
			}},
	}, args)
}

func (m *Main) runAudit(ctx context.Context, args []string) error {
	return m.group(ctx, "audit", "The office's append-only, hash-chained audit log.", map[string]officeCmd{
		"verify": {usage: "", examples: `  ciphergram audit verify --as chief`, setup: func(fs *flag.FlagSet) action {
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				n, err := svc.VerifyAudit(ctx, actor)
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "audit log verified: %d entries, chain intact\n", n)
				return nil
			}
		}},
		"log": {usage: "", examples: `  ciphergram audit log --as chief`, setup: func(fs *flag.FlagSet) action {
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				if actor.Role != ciphergram.RoleAdmin {
					return ciphergram.Errorf(ciphergram.EFORBIDDEN, "the audit log is open to admins only")
				}
				entries, _, err := svc.Store().AuditLog(ctx)
				if err != nil {
					return err
				}
				for _, e := range entries {
					fmt.Fprintln(m.Stdout, e)
				}
				return nil
			}
		}},
	}, args)
}

func (m *Main) runCryptonym(ctx context.Context, args []string) error {
	return m.group(ctx, "cryptonym", "Cover names and the identities behind them.", map[string]officeCmd{
		"add": {usage: "--cover NAME --true-name NAME --kind officer|agent|place|organisation", examples: `  ciphergram cryptonym add --as chief --cover VADIM --true-name "Anatoly Gorsky" --kind officer`,
			setup: func(fs *flag.FlagSet) action {
				c := &ciphergram.Cryptonym{}
				fs.StringVar(&c.Cover, "cover", "", "the cover name")
				fs.StringVar(&c.TrueName, "true-name", "", "who or what it stands for")
				kind := fs.String("kind", "", "officer, agent, place or organisation")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					c.Kind = ciphergram.CryptonymKind(*kind)
					if err := svc.AddCryptonym(ctx, actor, c); err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "cover name %s registered\n", c.Cover)
					return nil
				}
			}},
		"list": {usage: "", examples: `  ciphergram cryptonym list --as reader1`, setup: func(fs *flag.FlagSet) action {
			return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
				cs, err := svc.Cryptonyms(ctx, actor)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "COVER\tKIND\tTRUE NAME")
				for _, c := range cs {
					tn := c.TrueName
					if tn == "" {
						tn = "[withheld]"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\n", c.Cover, c.Kind, tn)
				}
				return w.Flush()
			}
		}},
	}, args)
}

// readTextFlag reads --file, or standard input when it is "-" or empty.
func (m *Main) readTextFlag(path string) (string, error) {
	if path == "" || path == "-" {
		return m.readStdin()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if len(b) > maxInput {
		return "", fmt.Errorf("%s is larger than %d MiB", path, maxInput>>20)
	}
	return string(b), nil
}

// secretFrom reads a secret from a file or, without one, an environment
// variable: never from a flag, which other users could see.
func secretFrom(file, env, flagName string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if v := os.Getenv(env); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("give %s FILE or set $%s", flagName, env)
}
