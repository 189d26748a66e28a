package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"ciphergram"
	"ciphergram/vault"
)

// Rotation of the office key (package vault; the schema is
// migrations/0009_key_rotation.sql).

// RotateKey puts the database under the office key that to names, and
// returns how many data keys it rewrapped. In one transaction it unwraps
// every data key still held with the current office key and wraps it under
// the new one, replaces the key check (and the salt, for a passphrase),
// counts the rotation and appends a to the audit log; once that has
// committed, the database opens only with the new key. Erased data keys
// stay erased. The pages are not sealed again (their data keys do not
// change), so a rotation costs a few dozen bytes a pad, whatever the pads
// hold.
//
// The transaction locks the vault row first (which an import that sealed
// its pad before its transaction holds FOR SHARE while it checks that the
// key is still the database's), then the audit head, so that no write of
// any process commits beside it, then the pads with a data key. Every
// other server process of the database still holds the old key: its
// reads and claims fail with vault.ErrKeyRotated (no page is used), and it
// must be started again with the new key.
//
// The new key is the one to names (vault.NewRotation): a new random key
// in a key file (a new one, or the store's own, replaced by way of
// FILE.new so that a crash never loses it), a passphrase's, or a given key.
//
// The store then goes on under the new key; the old one is destroyed if
// the store made it (a key given with WithKey stays its owner's). The row
// versions that held the old wrapped keys stay in the table until VACUUM,
// and in the WAL until recycled, as erased keys do; copies of the database
// taken before open only with the old key.
//
// Errors: EINVALID for a new key that cannot be (vault.NewRotation, the
// current key again) or an audit entry without a time; vault.ErrKeyRotated
// if another store rotated the key since this one opened the database. On
// an error before the commit nothing changed; when the commit's outcome is
// unknown, see vault.Rotation.Outcome.
func (s *Store) RotateKey(ctx context.Context, to vault.Source, a ciphergram.Audit) (int, error) {
	if err := checkAudit(a); err != nil {
		return 0, err
	}
	r, err := vault.NewRotation(to, s.OfficeKeyFile())
	if err != nil {
		return 0, ciphergram.Errorf(ciphergram.EINVALID, "rotating the office key: %v", err)
	}
	s.rotateMu.Lock()
	defer s.rotateMu.Unlock()
	n, err := s.rotate(ctx, r, a)
	return n, fault("RotateKey", err)
}

// OfficeKeyFile returns the key file the store's office key is in, or ""
// when it is derived from a passphrase or was given.
func (s *Store) OfficeKeyFile() string {
	return s.keys.File()
}

// The steps of a rotation at which rotateHook runs.
const (
	stepStaged    = "staged"    // FILE.new written, in the transaction
	stepRewrapped = "rewrapped" // the data keys rewrapped, the check not yet replaced
	stepCommitted = "committed" // the transaction committed, FILE.new not yet in place
)

// hook runs the test hook at a step of a rotation.
func (s *Store) hook(step string) error {
	if s.rotateHook == nil {
		return nil
	}
	return s.rotateHook(step)
}

// rotate runs the rotation r: the transaction, then the switch to the new
// key and the key file put in place. It ends r either way.
func (s *Store) rotate(ctx context.Context, r *vault.Rotation, a ciphergram.Audit) (int, error) {
	n, commitErr, err := s.rotateTx(ctx, r, a)
	if err == nil && commitErr != nil {
		err = s.commitOutcome(ctx, r, commitErr)
	}
	if errors.Is(err, vault.ErrOutcomeUnknown) {
		r.Leave()
		return 0, err
	}
	if err != nil {
		r.Abort()
		return 0, err
	}
	_ = s.hook(stepCommitted)
	s.keys.Switch(r)
	return n, r.Finish()
}

// rotateTx runs the transaction of rotation r under the store's office key,
// holding the key's uses against Close; again when the server broke it off
// for a deadlock or a serialization failure.
func (s *Store) rotateTx(ctx context.Context, r *vault.Rotation, a ciphergram.Audit) (n int, commitErr, err error) {
	err = s.keys.Use(func(old *vault.Key) error {
		for attempt := 1; ; attempt++ {
			var txErr error
			n, commitErr, txErr = s.rewrap(ctx, old, r, a)
			if txErr == nil || !retryable(txErr) || attempt == maxAttempts || ctx.Err() != nil {
				return txErr
			}
		}
	})
	return n, commitErr, err
}

// rewrap is the transaction of a rotation from the office key old. It
// returns the number of data keys rewrapped and, apart, the error of the
// commit, whose outcome is not known.
func (s *Store) rewrap(ctx context.Context, old *vault.Key, r *vault.Rotation, a ciphergram.Audit) (n int, commitErr, err error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return 0, nil, err
	}
	defer rollback(ctx, tx)
	st, err := keyRecord(ctx, tx, "FOR UPDATE")
	if err != nil {
		return 0, nil, err
	}
	if err := r.Check(old, st); err != nil {
		if errors.Is(err, vault.ErrSameKey) {
			err = ciphergram.Errorf(ciphergram.EINVALID, "%v", err)
		}
		return 0, nil, err
	}
	// The audit head now, not last: a claim that commits holds the head
	// and then locks its pad's row to erase its key, so taking the pads
	// before the head could deadlock with it.
	if _, err := tx.Exec(ctx, `SELECT FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
		return 0, nil, err
	}
	if err := r.Stage(); err != nil {
		return 0, nil, err
	}
	if err := s.hook(stepStaged); err != nil {
		return 0, nil, err
	}
	if n, err = rewrapKeys(ctx, tx, old, r.Key()); err != nil {
		return 0, nil, err
	}
	if err := s.hook(stepRewrapped); err != nil {
		return 0, nil, err
	}
	keep := r.Stored()
	_, err = tx.Exec(ctx, `UPDATE vault SET key_check = $1, salt = $2, rotated = $3, rotations = rotations + 1 WHERE id = 1`,
		keep.Check, keep.Salt, a.Time)
	if err != nil {
		return 0, nil, err
	}
	if err := appendAudit(ctx, tx, a); err != nil {
		return 0, nil, err
	}
	return n, tx.Commit(ctx), nil
}

// rewrapKeys rewraps every data key held from the office key old to new,
// in tx, which locks the pads' rows.
func rewrapKeys(ctx context.Context, tx pgx.Tx, old, new *vault.Key) (int, error) {
	rows, err := tx.Query(ctx, `SELECT seq, id, wrapped_key FROM pads WHERE wrapped_key IS NOT NULL ORDER BY seq FOR UPDATE`)
	type pad struct {
		seq     int64
		id      string
		wrapped []byte
	}
	pads, err := collect(rows, err, func(r pgx.Row) (pad, error) {
		var p pad
		return p, r.Scan(&p.seq, &p.id, &p.wrapped)
	})
	if err != nil || len(pads) == 0 {
		return 0, err
	}
	seqs := make([]int64, len(pads))
	wrapped := make([][]byte, len(pads))
	for i, p := range pads {
		if wrapped[i], err = vault.Rewrap(old, new, p.id, p.wrapped); err != nil {
			return 0, fmt.Errorf("the data key of pad %s: %w", p.id, err)
		}
		seqs[i] = p.seq
	}
	_, err = tx.Exec(ctx, `UPDATE pads p SET wrapped_key = k.wrapped
		FROM unnest($1::bigint[], $2::bytea[]) AS k (seq, wrapped) WHERE p.seq = k.seq`, seqs, wrapped)
	if err != nil {
		return 0, err
	}
	return len(pads), nil
}

// commitOutcome learns, after the commit of rotation r failed with
// commitErr, whether it committed all the same: nil if it did, commitErr
// if it did not, and vault.ErrOutcomeUnknown (FILE.new kept for the next Open
// to settle) if the database cannot tell.
func (s *Store) commitOutcome(ctx context.Context, r *vault.Rotation, commitErr error) error {
	st, err := keyRecord(context.WithoutCancel(ctx), s.pool, "")
	return r.Outcome(commitErr, st, err, sanitize)
}
