package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"ciphergram"
	"ciphergram/office"
	"ciphergram/vault"
)

func (m *Main) runKey(ctx context.Context, args []string) error {
	return m.group(ctx, "key", "The office key, which encrypts the pads at rest (see docs/security.md).", map[string]officeCmd{
		"rotate": {usage: "[--new-key-file FILE | --new-key-passphrase-file FILE]",
			examples: `  # a new key in the key file the database is opened with (DB.key beside a SQLite database)
  ciphergram key rotate --db centre.db --as chief

  # from the key file to a passphrase, and later to a new passphrase (a new salt)
  ciphergram key rotate --db centre.db --as chief --new-key-passphrase-file office.pass
  ciphergram key rotate --db centre.db --as chief --key-passphrase-file office.pass --new-key-passphrase-file office2.pass

  # from a passphrase to a new key file
  ciphergram key rotate --db centre.db --as chief --key-passphrase-file office2.pass --new-key-file /etc/ciphergram/centre.key

  # PostgreSQL: stop the other server processes first, and give them the new key file after
  ciphergram key rotate --db postgres://ciphergram@db.example/centre --key-file /etc/ciphergram/centre.key --as chief

Every pad's data key is rewrapped under the new office key in one transaction, and
the database then opens only with the new key; the pages are not encrypted again, so
a rotation takes a moment whatever the pads hold. Admins only; the rotation is audited.`,
			setup: func(fs *flag.FlagSet) action {
				newFile := fs.String("new-key-file", "", "put the new office key in a new key file here "+
					"(default: replace the key file the database is opened with)")
				newPass := fs.String("new-key-passphrase-file", "", "derive the new office key from the passphrase in this file "+
					"(at least 12 characters; a new salt)")
				return func(ctx context.Context, svc *office.Service, actor *ciphergram.User) error {
					return m.rotateKey(ctx, svc, actor, *newFile, *newPass)
				}
			}},
	}, args)
}

// rotateKey rotates the office key of svc's store to a new key file or
// passphrase (office.RotateKey), and says what was done and what to do
// next.
func (m *Main) rotateKey(ctx context.Context, svc *office.Service, actor *ciphergram.User, newFile, newPass string) error {
	var to vault.Source
	switch {
	case newFile != "" && newPass != "":
		return &hintError{errors.New("key rotate: give --new-key-file or --new-key-passphrase-file, not both"),
			"the new office key is in a key file or derived from a passphrase"}
	case newPass != "":
		b, err := os.ReadFile(newPass)
		if err != nil {
			return fmt.Errorf("key rotate: --new-key-passphrase-file: %w", err)
		}
		defer clear(b)
		to.Passphrase = bytes.TrimRight(b, "\r\n")
	case newFile != "":
		to.File = newFile
	}
	r, err := svc.RotateKey(ctx, actor, to)
	if ciphergram.ErrorCode(err) == ciphergram.ECONFLICT && to.File == "" && to.Passphrase == nil {
		return &hintError{fmt.Errorf("key rotate: %w", err),
			"give --new-key-passphrase-file FILE for a new passphrase, or --new-key-file FILE for a key file"}
	}
	if err != nil {
		return fmt.Errorf("key rotate: %w", err)
	}
	fmt.Fprintf(m.Stdout, "office key rotated: %d data key(s) rewrapped under the new key; the old key no longer opens this database\n", r.Rewrapped)
	switch {
	case r.KeyFile != "":
		fmt.Fprintf(m.Stdout, "the new key is in %s: back it up apart from the database, and replace every copy of the old one\n", r.KeyFile)
	default:
		fmt.Fprintf(m.Stdout, "open the database with --key-passphrase-file and the new passphrase from now on\n")
	}
	if r.OldFile != "" {
		fmt.Fprintf(m.Stdout, "the old key file %s no longer opens this database\n", r.OldFile)
	}
	fmt.Fprintf(m.Stdout, "copies of the database made before now still open with the old key: destroy them, or every copy of the old key\n")
	return nil
}
