package postgres

import (
	"context"
	"crypto/hmac"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
// in the same transaction. What that guarantees on disk is what destroy in
// pages.go says of the digits: the row version that held the key stays in
// the table's file until VACUUM prunes it, and in the WAL (and any archive,
// backup or replica) until recycled; but there, without the office key, it
// opens nothing, and with it only the pages that were still unused in the
// same old copy.

// Option sets how Open finds the office key. One is required: a store
// without an office key is refused (EINVALID).
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

// unlock sets the store's office key on conn, which holds the migration
// lock, so that processes opening a new database at once agree on one key:
// the first records the check (and salt) of its key, and the others find
// it. Then the plain digits of a database older than keys are sealed
// (sealPlainPads).
//
// A key file with a rotation's pending file beside it (vault.Rotation) is
// settled first, with the vault row locked, so that no rotation is under
// way: the rotation that left it is finished or undone.
func (s *Store) unlock(ctx context.Context, conn *pgxpool.Conn, src vault.Source) error {
	st, err := keyRecord(ctx, conn, "")
	if err != nil {
		return err
	}
	if st != nil && src.Pending() {
		if st, err = settle(ctx, conn, src); err != nil {
			return err
		}
	}
	key, owned, keep, err := src.Open(st)
	if err != nil {
		return err
	}
	if keep != nil {
		_, err = conn.Exec(ctx, `INSERT INTO vault (id, key_check, salt) VALUES (1, $1, $2)`, keep.Check, keep.Salt)
		if err != nil {
			if owned {
				key.Destroy()
			}
			return err
		}
	}
	s.keys.Set(key, owned, src.File)
	return s.sealPlainPads(ctx, conn)
}

// querier is a connection, a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// keyRecord reads what the database keeps of its office key, nil if none;
// lock, if not "", is the row lock to take (FOR SHARE, FOR UPDATE).
func keyRecord(ctx context.Context, q querier, lock string) (*vault.Stored, error) {
	var st vault.Stored
	err := q.QueryRow(ctx, `SELECT key_check, salt FROM vault WHERE id = 1 `+lock).Scan(&st.Check, &st.Salt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// settle settles the rotation that left a pending file beside src.File
// (vault.Source.Settle) with the vault row locked, as a rotation locks it,
// and returns what the database keeps of its key.
func settle(ctx context.Context, conn *pgxpool.Conn, src vault.Source) (*vault.Stored, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer rollback(ctx, tx)
	st, err := keyRecord(ctx, tx, "FOR UPDATE")
	if err != nil {
		return nil, err
	}
	return st, src.Settle(st)
}

// sealPlainPads seals the digits of the pads that have digits but no
// wrapped key: those of a database made before keys (migration 0008). Each
// gets a data key; its plain rows are deleted and sealed ones inserted,
// all pads in one transaction. (The dead rows keep the plain digits until
// VACUUM, as used digits do; see destroy.)
func (s *Store) sealPlainPads(ctx context.Context, conn *pgxpool.Conn) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer rollback(ctx, tx)
	if err := s.keyIsCurrent(ctx, tx); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT seq, id FROM pads p WHERE wrapped_key IS NULL
		AND EXISTS (SELECT FROM page_digits d WHERE d.pad = p.seq) ORDER BY seq FOR UPDATE`)
	type pad struct {
		seq int64
		id  string
	}
	pads, err := collect(rows, err, func(r pgx.Row) (pad, error) {
		var p pad
		return p, r.Scan(&p.seq, &p.id)
	})
	if err != nil || len(pads) == 0 {
		return err
	}
	for _, p := range pads {
		if err := s.sealPlainPad(ctx, tx, p.seq, p.id); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// sealPlainPad seals the plain digits of the pad numbered seq in tx.
func (s *Store) sealPlainPad(ctx context.Context, tx pgx.Tx, seq int64, id string) error {
	rows, err := tx.Query(ctx, `SELECT number, false, 0, digits FROM page_digits WHERE pad = $1 ORDER BY number`, seq)
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
	numbers := make([]int32, len(p.Pages))
	for i, pg := range p.Pages {
		numbers[i] = int32(pg.Number)
	}
	if _, err := tx.Exec(ctx, `UPDATE pads SET wrapped_key = $1 WHERE seq = $2`, sp.Wrapped, seq); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM page_digits WHERE pad = $1`, seq); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO page_digits (pad, number, digits)
		SELECT $1, number, digits FROM unnest($2::integer[], $3::bytea[]) AS d (number, digits)`, seq, numbers, sp.Pages)
	return err
}

// openPages opens the sealed digits of the pages read under the office key
// (vault.Holder.OpenPages): vault.ErrKeyRotated when they do not open
// because another store rotated the office key since this one opened the
// database.
func (s *Store) openPages(refs []vault.PageRef, pages []*otp.Page) error {
	return s.keys.OpenPages(refs, pages, s.storedKey)
}

// storedKey reads what the database keeps of its office key, on a
// connection of its own, not one of the pool, which the transactions that
// failed may hold all of; nil if it cannot.
func (s *Store) storedKey() *vault.Stored {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil
	}
	defer conn.Close(ctx)
	st, err := keyRecord(ctx, conn, "")
	if err != nil {
		return nil
	}
	return st
}

// keyIsCurrent makes sure, in a transaction, that the store's office key
// is still the database's, and keeps the vault row locked FOR SHARE until
// the transaction ends, so that no rotation commits meanwhile:
// vault.ErrKeyRotated if another store rotated the key since this one
// opened the database.
func (s *Store) keyIsCurrent(ctx context.Context, tx pgx.Tx) error {
	st, err := keyRecord(ctx, tx, "FOR SHARE")
	if err != nil {
		return err
	}
	return s.keys.Current(st)
}

// sealedUnderCurrent refuses, in the transaction that stores it, a pad
// that was sealed before the transaction under an office key that is no
// longer the database's: rotated meanwhile, by this store (ECONFLICT: seal
// it again) or by another (vault.ErrKeyRotated). Stored, its data key
// would open under no key the database knows. It locks the vault row FOR
// SHARE until the transaction ends, so that no rotation commits between
// the check and the commit.
func (s *Store) sealedUnderCurrent(ctx context.Context, tx pgx.Tx, sp *vault.SealedPad) error {
	if sp.Wrapped == nil {
		return nil // no data key, no pages
	}
	st, err := keyRecord(ctx, tx, "FOR SHARE")
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
