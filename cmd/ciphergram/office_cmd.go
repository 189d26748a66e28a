package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"

	"ciphergram"
	"ciphergram/office"
)

// officeFlags are the flags every office command has.
type officeFlags struct {
	db, as *string
	key    keyFlags
}

func addOfficeFlags(fs *flag.FlagSet) officeFlags {
	return officeFlags{
		db:  fs.String("db", "ciphergram.db", "the office's database: a SQLite file, or a postgres:// URL"),
		as:  fs.String("as", os.Getenv("CIPHERGRAM_USER"), "the user acting (default $CIPHERGRAM_USER)"),
		key: addKeyFlags(fs),
	}
}

// keyFlags name the office key, which encrypts the pads at rest: a key
// file, or a passphrase the key is derived from (see package vault).
type keyFlags struct {
	file, passFile *string
}

func addKeyFlags(fs *flag.FlagSet) keyFlags {
	return keyFlags{
		file: fs.String("key-file", "", "the office key file, which encrypts the pads at rest (default $CIPHERGRAM_KEY_FILE, "+
			"or for a SQLite database the file DB.key beside it; created with a new database; required for PostgreSQL)"),
		passFile: fs.String("key-passphrase-file", "", "derive the office key from the passphrase in this file instead of a key file "+
			"(argon2id; at least 12 characters; the database keeps the salt)"),
	}
}

// openOffice opens the office database. The caller closes the store.
func (m *Main) openOffice(ctx context.Context, f officeFlags) (*office.Service, ciphergram.Store, error) {
	st, err := openStore(ctx, *f.db, f.key, m.Stderr)
	if err != nil {
		return nil, nil, err
	}
	svc := office.New(st)
	svc.Now, svc.Rand = m.Now, m.Rand
	return svc, st, nil
}

// officeCmd is one office subcommand: flags are declared by setup, which
// returns the action run with the service and the acting user.
type officeCmd struct {
	usage, examples string
	setup           func(fs *flag.FlagSet) func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error
	noActor         bool // office init: there is no user yet
}

// runOfficeCmd parses the flags, opens the office and runs the action.
func (m *Main) runOfficeCmd(ctx context.Context, name string, c officeCmd, args []string) error {
	fs := m.newFlags(name, c.usage, c.examples)
	of := addOfficeFlags(fs)
	action := c.setup(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, st, err := m.openOffice(ctx, of)
	if err != nil {
		return err
	}
	defer st.Close()
	var actor *ciphergram.User
	if !c.noActor {
		if *of.as == "" {
			return &hintError{fmt.Errorf("%s: who is acting? give --as NAME", name), "or set CIPHERGRAM_USER"}
		}
		if actor, err = svc.Actor(ctx, *of.as); err != nil {
			return err
		}
	}
	return action(ctx, svc, actor)
}

// group dispatches "ciphergram <group> <sub> ..." to office subcommands.
func (m *Main) group(ctx context.Context, group, summary string, subs map[string]officeCmd, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintf(m.Stdout, "Usage: ciphergram %s <subcommand> [flags]\n\n%s\n\nSubcommands:\n", group, summary)
		for _, n := range sortedKeys(subs) {
			fmt.Fprintf(m.Stdout, "  %-10s %s\n", n, subs[n].usage)
		}
		fmt.Fprintf(m.Stdout, "\nEvery subcommand takes --db FILE (default ./ciphergram.db), --as USER, and --key-file FILE\n"+
			"(default DB.key beside a SQLite database; required for PostgreSQL) or --key-passphrase-file FILE.\n")
		return nil
	}
	c, ok := subs[args[0]]
	if !ok {
		return &hintError{fmt.Errorf("%s: unknown subcommand %q", group, args[0]), "run 'ciphergram " + group + " --help'"}
	}
	return m.runOfficeCmd(ctx, group+" "+args[0], c, args[1:])
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
