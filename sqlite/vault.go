package sqlite

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"time"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/vault"
)

// Key material at rest. (The rotation of the office key is in
// vault_rotate.go.)
//
// Every pad's digits are sealed under a data key of its own, kept wrapped
// by the office key (package vault; the schema is migrations/0008_vault.sql).
// The store holds the office key while it is open, and unwraps a pad's
// data key only for the read that needs it, destroying it after. Using the
// last unused page of a pad, or destroying the pad, erases its wrapped key
// in the same transaction; secure_delete zeroes the bytes it took, and the
// WAL scrub (scrub.go) clears the older images from the files within
// ScrubDelay, as for the digits. From then on the pad's sealed pages, in
// whatever copy of the files was taken before, open only with that copy's
// own wrapped key and the office key together.

// Option sets how Open finds the office key. Without one, Open uses the key
// file KeyFile(path) beside the database, as WithKeyFile would.
type Option func(*vault.Source)

// WithKey opens the store with the office key given. The caller keeps it,
// and destroys it after Close.
func WithKey(k *vault.Key) Option { return func(src *vault.Source) { src.Key = k } }

// WithKeyFile opens the store with the office key in the key file at path
// (vault.LoadKeyFile). When the file does not exist and the database holds
// no office key yet (a new database, or one made before keys), a new key
// file is created there (mode 0600); when the database has a key, a missing
// file is an error.
func WithKeyFile(path string) Option { return func(src *vault.Source) { src.File = path } }

// WithPassphrase opens the store with the office key derived from the
// passphrase (vault.KeyFromPassphrase, at least vault.MinPassphrase
// characters) and the salt the database keeps; a new database gets a new
// salt. The caller zeroes the passphrase after Open.
func WithPassphrase(p []byte) Option {
	if p == nil {
		p = []byte{} // given, and too short
	}
	return func(src *vault.Source) { src.Passphrase = p }
}

// KeyFile is the key file Open uses for the database at path when no
// option names the office key: path + ".key", beside the database. Keep it
// off the database's backups, and back it up apart: without it no pad of
// the database can be read.
func KeyFile(path string) string { return path + ".key" }

// unlock sets the store's office key. A database without a key yet gets
// one in an IMMEDIATE transaction, so that processes opening a new database
// at once agree on one key: each reads the record again under the write
// lock, and the first records the check (and salt) of its key. Then the
// plain digits of a database older than keys are sealed (sealPlainPads).
//
// A key file with a rotation's pending file beside it (vault.Rotation) is
// settled first, under the write lock, so that no rotation is under way:
// the rotation that left it is finished or undone.
func (s *Store) unlock(ctx context.Context, src vault.Source) error {
	st, err := keyRecord(ctx, s.db)
	if err != nil {
		return err
	}
	if st != nil && src.Pending() {
		if st, err = s.settle(ctx, src); err != nil {
			return err
		}
	}
	var key *vault.Key
	var owned bool
	if st != nil {
		key, owned, _, err = src.Open(st)
	} else {
		key, owned, err = s.firstKey(ctx, src)
	}
	if err != nil {
		return err
	}
	s.keys.Set(key, owned, src.File)
	return s.sealPlainPads(ctx)
}

// settle settles the rotation that left a pending file beside src.File
// (vault.Source.Settle) under the write lock, and returns what the
// database keeps of its key.
func (s *Store) settle(ctx context.Context, src vault.Source) (*vault.Stored, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st, err := keyRecord(ctx, tx)
	if err != nil {
		return nil, err
	}
	return st, src.Settle(st)
}

// firstKey sets up the office key of a database that had none when unlock
// looked, under the write lock.
func (s *Store) firstKey(ctx context.Context, src vault.Source) (*vault.Key, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	st, err := keyRecord(ctx, tx)
	if err != nil {
		return nil, false, err
	}
	key, owned, keep, err := src.Open(st)
	if err != nil {
		return nil, false, err
	}
	if keep != nil {
		_, err = tx.ExecContext(ctx, `INSERT INTO vault (id, key_check, salt, created) VALUES (1, ?, ?, ?)`,
			keep.Check, keep.Salt, time.Now().UnixNano())
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		if owned {
			key.Destroy()
		}
		return nil, false, err
	}
	return key, owned, nil
}

// keyRecord reads what the database keeps of its office key; nil if none.
func keyRecord(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (*vault.Stored, error) {
	var st vault.Stored
	err := q.QueryRowContext(ctx, `SELECT key_check, salt FROM vault WHERE id = 1`).Scan(&st.Check, &st.Salt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// sealPlainPads seals the digits of the pads that have digits but no
// wrapped key: those of a database made before keys (migration 0008). Each
// gets a data key; its plain rows are deleted (secure_delete zeroes them)
// and sealed ones inserted, all pads in one IMMEDIATE transaction, which
// checks again under the write lock. Open scrubs the WAL after it, so that
// the plain digits leave the files.
func (s *Store) sealPlainPads(ctx context.Context) error {
	const plain = `SELECT seq, id FROM pads p WHERE wrapped_key IS NULL
		AND EXISTS (SELECT 1 FROM page_digits d WHERE d.pad = p.seq) ORDER BY seq`
	var found bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (`+plain+`)`).Scan(&found); err != nil || !found {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.keyIsCurrent(ctx, tx); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, plain)
	if err != nil {
		return err
	}
	type pad struct {
		seq int64
		id  string
	}
	pads, err := collect(rows, func(r scanner) (pad, error) {
		var p pad
		return p, r.Scan(&p.seq, &p.id)
	})
	if err != nil {
		return err
	}
	for _, p := range pads {
		if err := s.sealPlainPad(ctx, tx, p.seq, p.id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// sealPlainPad seals the plain digits of the pad numbered seq in tx.
func (s *Store) sealPlainPad(ctx context.Context, tx *sql.Tx, seq int64, id string) error {
	rows, err := tx.QueryContext(ctx, `SELECT number, 0, 0, digits FROM page_digits WHERE pad = ? ORDER BY number`, seq)
	if err != nil {
		return err
	}
	p := &otp.Pad{ID: id}
	if p.Pages, err = scanPages(rows, nil); err != nil {
		return err
	}
	defer p.Wipe()
	sp, err := s.keys.Seal(p)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pads SET wrapped_key = ? WHERE seq = ?`, sp.Wrapped, seq); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM page_digits WHERE pad = ?`, seq); err != nil {
		return err
	}
	for i, pg := range p.Pages {
		_, err := tx.ExecContext(ctx, `INSERT INTO page_digits (pad, number, digits) VALUES (?, ?, ?)`, seq, pg.Number, sp.Pages[i])
		if err != nil {
			return err
		}
	}
	return nil
}

// openPages opens the sealed digits of the pages read under the office key
// (vault.Holder.OpenPages): vault.ErrKeyRotated when they do not open
// because another store rotated the office key since this one opened the
// database.
func (s *Store) openPages(refs []vault.PageRef, pages []*otp.Page) error {
	return s.keys.OpenPages(refs, pages, s.storedKey)
}

// storedKey reads what the database keeps of its office key, within a
// second (the reads that failed may hold the pool's connections); nil if
// it cannot.
func (s *Store) storedKey() *vault.Stored {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st, err := keyRecord(ctx, s.db)
	if err != nil {
		return nil
	}
	return st
}

// keyIsCurrent makes sure, in a write transaction, that the store's office
// key is still the database's: vault.ErrKeyRotated if another store
// rotated it since this one opened the database.
func (s *Store) keyIsCurrent(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) error {
	st, err := keyRecord(ctx, q)
	if err != nil {
		return err
	}
	return s.keys.Current(st)
}

// sealedUnderCurrent refuses, in the transaction that stores it, a pad
// that was sealed before the transaction under an office key that is no
// longer the database's: rotated meanwhile, by this store (ECONFLICT: seal
// it again) or by another (vault.ErrKeyRotated). Stored, its data key
// would open under no key the database knows.
func (s *Store) sealedUnderCurrent(ctx context.Context, tx *wtx, sp *vault.SealedPad) error {
	if sp.Wrapped == nil {
		return nil // no data key, no pages
	}
	st, err := keyRecord(ctx, tx)
	if err != nil {
		return err
	}
	if st != nil && hmac.Equal(st.Check, sp.Check) {
		return nil
	}
	if err := s.keyIsCurrent(ctx, tx); err != nil {
		return err
	}
	return ciphergram.Errorf(ciphergram.ECONFLICT, "the office key was rotated while the pad was being sealed: nothing was imported; import it again")
}
