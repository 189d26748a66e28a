package sqlite

import (
	"context"
	"errors"
	"fmt"

	"ciphergram"
	"ciphergram/vault"
)

// Rotation of the office key (package vault; the schema is
// migrations/0009_key_rotation.sql).

// RotateKey puts the database under the office key that to names, and
// returns how many data keys it rewrapped. In one IMMEDIATE transaction it
// unwraps every data key still held with the current office key and wraps
// it under the new one, replaces the key check (and the salt, for a
// passphrase), counts the rotation and appends a to the audit log; once
// that has committed, the database opens only with the new key. Erased
// data keys stay erased. The pages are not sealed again (their data keys
// do not change), so a rotation costs a few dozen bytes a pad, whatever
// the pads hold. It runs between the store's batches, while no other write
// of the store runs; other processes' writes wait for its transaction.
//
// The new key is the one to names (vault.NewRotation): a new random key
// in a key file (a new one, or the store's own, replaced by way of
// FILE.new so that a crash never loses it), a passphrase's, or a given key.
//
// The store then goes on under the new key; the old one is destroyed if
// the store made it (a key given with WithKey stays its owner's). The WAL
// is scrubbed, so that the data keys wrapped under the old key leave the
// files as erased ones do (scrub.go). Copies of the database taken before
// open only with the old key.
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
	ran := false
	var n int
	err = s.exclusive(ctx, "RotateKey", func() error {
		ran = true
		var err error
		n, err = s.rotate(ctx, r, a)
		return err
	})
	if !ran {
		r.Abort()
	}
	return n, err
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

// rotate runs the rotation r under the lead (see RotateKey): the
// transaction, then the switch to the new key and the key file put in
// place. It ends r either way.
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
	err = r.Finish()
	s.scrubWAL() // the data keys wrapped under the old key leave the files
	return n, err
}

// rotateTx runs the transaction of rotation r under the store's office key,
// holding the key's uses against Close.
func (s *Store) rotateTx(ctx context.Context, r *vault.Rotation, a ciphergram.Audit) (n int, commitErr, err error) {
	err = s.keys.Use(func(old *vault.Key) error {
		var txErr error
		n, commitErr, txErr = s.rewrap(ctx, old, r, a)
		return txErr
	})
	return n, commitErr, err
}

// rewrap is the transaction of a rotation from the office key old. It
// returns the number of data keys rewrapped and, apart, the error of the
// commit, whose outcome is not known.
func (s *Store) rewrap(ctx context.Context, old *vault.Key, r *vault.Rotation, a ciphergram.Audit) (n int, commitErr, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, err
	}
	defer tx.Rollback()
	w := &wtx{tx: tx, ctx: ctx, stmts: &s.stmts}
	st, err := keyRecord(ctx, w)
	if err != nil {
		return 0, nil, err
	}
	if err := r.Check(old, st); err != nil {
		if errors.Is(err, vault.ErrSameKey) {
			err = ciphergram.Errorf(ciphergram.EINVALID, "%v", err)
		}
		return 0, nil, err
	}
	if err := r.Stage(); err != nil {
		return 0, nil, err
	}
	if err := s.hook(stepStaged); err != nil {
		return 0, nil, err
	}
	if n, err = rewrapKeys(ctx, w, old, r.Key()); err != nil {
		return 0, nil, err
	}
	if err := s.hook(stepRewrapped); err != nil {
		return 0, nil, err
	}
	keep := r.Stored()
	_, err = w.ExecContext(ctx, `UPDATE vault SET key_check = ?, salt = ?, rotated = ?, rotations = rotations + 1 WHERE id = 1`,
		keep.Check, keep.Salt, a.Time.UnixNano())
	if err != nil {
		return 0, nil, err
	}
	if err := appendAudit(ctx, w, a); err != nil {
		return 0, nil, err
	}
	return n, tx.Commit(), nil
}

// rewrapKeys rewraps every data key held from the office key old to new,
// in the transaction w.
func rewrapKeys(ctx context.Context, w *wtx, old, new *vault.Key) (int, error) {
	rows, err := w.QueryContext(ctx, `SELECT seq, id, wrapped_key FROM pads WHERE wrapped_key IS NOT NULL ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	type pad struct {
		seq     int64
		id      string
		wrapped []byte
	}
	pads, err := collect(rows, func(r scanner) (pad, error) {
		var p pad
		return p, r.Scan(&p.seq, &p.id, &p.wrapped)
	})
	if err != nil {
		return 0, err
	}
	for _, p := range pads {
		wrapped, err := vault.Rewrap(old, new, p.id, p.wrapped)
		if err != nil {
			return 0, fmt.Errorf("the data key of pad %s: %w", p.id, err)
		}
		if _, err := w.ExecContext(ctx, `UPDATE pads SET wrapped_key = ? WHERE seq = ?`, wrapped, p.seq); err != nil {
			return 0, err
		}
	}
	return len(pads), nil
}

// commitOutcome learns, after the commit of rotation r failed with
// commitErr, whether it committed all the same: nil if it did, commitErr
// if it did not, and vault.ErrOutcomeUnknown (FILE.new kept for the next Open
// to settle) if the database cannot tell.
func (s *Store) commitOutcome(ctx context.Context, r *vault.Rotation, commitErr error) error {
	st, err := keyRecord(context.WithoutCancel(ctx), s.db)
	return r.Outcome(commitErr, st, err, func(err error) error { return err })
}
