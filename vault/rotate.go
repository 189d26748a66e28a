package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// Rotation of the office key.
//
// A store rotates its office key in one transaction: it unwraps every data
// key still held with the current office key and wraps it under the new one
// (Rewrap), and replaces the key check (and salt) the database keeps. The
// pages are not sealed again: their data keys do not change, so a rotation
// costs a few dozen bytes a pad. Once it has committed, the database opens
// only with the new key, and a copy of the database taken before opens only
// with the old one.
//
// A new key that goes to a key file must never be lost, whatever moment a
// crash picks. The store and this package keep to this protocol:
//
//  1. Under the database's write lock, with the database found still under
//     the store's key, the new key is written to PendingKeyFile(FILE),
//     FILE.new, synchronized with its directory (Stage). A FILE.new left
//     by a rotation that never committed holds a key nothing uses, and is
//     replaced.
//  2. The transaction that rewraps the data keys and replaces the key
//     check commits.
//  3. FILE.new is renamed over FILE, and the directory synchronized
//     (Finish).
//
// A crash before 2 leaves FILE, which still opens the database, and maybe
// FILE.new; a crash after 2 leaves FILE.new, which opens it, and FILE,
// which no longer does. A store that opens the database with FILE, and
// finds FILE.new beside it, settles the matter under the write lock
// (Source.Settle), so that no rotation is under way: if FILE opens the
// database, the rotation did not commit, and FILE.new is removed; if
// FILE.new does, it did, and FILE.new is renamed over FILE.

// PendingKeyFile is where a rotation writes the new key file at path before
// the database commits: path + ".new".
func PendingKeyFile(path string) string { return path + ".new" }

// ErrKeyRotated is the error of a store whose office key is no longer its
// database's: the key was rotated, by another store or process, since this
// one opened the database. Nothing was changed; the store must be opened
// again with the new key.
var ErrKeyRotated = errors.New("the office key of this database was rotated since this store opened it: open the database again with the new key")

// A Rotation is the new office key of a rotation under way, from
// NewRotation to Finish (committed) or Abort (not).
type Rotation struct {
	key    *Key
	owned  bool   // made here: Abort destroys it, and on success whoever takes it
	keep   Stored // what the database is to keep of the new key
	file   string // the key file it goes to; "" for a passphrase or a key in hand
	staged bool   // PendingKeyFile(file) written and not yet put in place or removed
}

// NewRotation prepares a rotation to the office key that to names:
//   - to.Key: that key, which stays its owner's;
//   - to.Passphrase: a key derived from it (at least MinPassphrase
//     characters) with a new salt, which takes argon2id's quarter second;
//   - to.File: a new key drawn at random, for a key file there that Stage
//     and Finish write. The file may be the key file the database is
//     opened with now, currentFile ("" if none), which the new one
//     replaces; any other file that exists is refused (fs.ErrExist), as
//     is a symbolic link (name the file it points to).
//
// Nothing is written yet. The caller ends the rotation with Finish or Abort.
func NewRotation(to Source, currentFile string) (*Rotation, error) {
	if err := to.oneWay(); err != nil {
		return nil, err
	}
	switch {
	case to.Key != nil:
		return &Rotation{key: to.Key, keep: Stored{Check: Check(to.Key)}}, nil
	case to.Passphrase != nil:
		if utf8.RuneCount(to.Passphrase) < MinPassphrase {
			return nil, fmt.Errorf("the new office passphrase needs at least %d characters", MinPassphrase)
		}
		salt, err := NewSalt()
		if err != nil {
			return nil, err
		}
		k := KeyFromPassphrase(to.Passphrase, salt)
		return &Rotation{key: k, owned: true, keep: Stored{Check: Check(k), Salt: salt}}, nil
	}
	if err := checkNewKeyFile(to.File, currentFile); err != nil {
		return nil, err
	}
	k, err := NewKey()
	if err != nil {
		return nil, err
	}
	return &Rotation{key: k, owned: true, keep: Stored{Check: Check(k)}, file: to.File}, nil
}

// checkNewKeyFile refuses a key file path that a rotation may not write:
// one in a directory that does not exist, a symbolic link, and an existing
// file other than the current key file.
func checkNewKeyFile(path, current string) error {
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return fmt.Errorf("vault: the directory of the new key file %s: %w", path, err)
	}
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("vault: the new key file: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("vault: the key file %s is a symbolic link, which a rotation would replace: name the file it points to", path)
	}
	if current != "" {
		if cur, err := os.Stat(current); err == nil && os.SameFile(fi, cur) {
			return nil
		}
	}
	return fmt.Errorf("vault: %s exists already and is not the key file this database is open with: "+
		"a rotation writes a new key file, and replaces only the database's own: %w", path, fs.ErrExist)
}

// Key returns the new office key. It belongs to the rotation until Finish,
// then to whoever takes it (see Owned).
func (r *Rotation) Key() *Key { return r.key }

// Owned reports whether the new key was made by the rotation (from a
// passphrase or for a key file), and is to be destroyed by whoever takes
// it when done; a key given in Source.Key stays its owner's.
func (r *Rotation) Owned() bool { return r.owned }

// Stored returns what the database is to keep of the new key: its check,
// and the salt of a passphrase.
func (r *Rotation) Stored() Stored { return r.keep }

// File returns the key file the new key goes to, or "" for a passphrase or
// a key in hand.
func (r *Rotation) File() string { return r.file }

// Stage writes the new key to PendingKeyFile(File()) (see the protocol
// above), replacing a pending file that an earlier rotation left. Call it
// under the database's write lock, once the database is found still under
// the current key: a pending file left then holds a key nothing uses. It
// does nothing for a rotation to a passphrase or a key in hand.
func (r *Rotation) Stage() error {
	if r.file == "" {
		return nil
	}
	pending := PendingKeyFile(r.file)
	if err := os.Remove(pending); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("vault: removing %s, which a rotation that did not commit left: %w", pending, err)
	}
	if err := writeKeyFile(pending, r.key); err != nil {
		return err
	}
	r.staged = true
	return nil
}

// Finish puts the new key file in place once the database has committed
// the rotation: the pending file is renamed over the key file, and the
// directory synchronized. Should the pending file be gone (a store that
// opened the database meanwhile found the rotation committed and finished
// it), the key file is checked to hold the new key, and written again from
// memory if it does not. Until Finish succeeds, the new key is in the
// pending file, which the next Open puts in place; its error says where.
func (r *Rotation) Finish() error {
	if r.file == "" {
		return nil
	}
	pending := PendingKeyFile(r.file)
	err := os.Rename(pending, r.file)
	if errors.Is(err, fs.ErrNotExist) {
		if r.fileHoldsKey() {
			r.staged = false
			return nil
		}
		if err = writeKeyFile(pending, r.key); err == nil {
			err = os.Rename(pending, r.file)
		}
	}
	if err == nil {
		err = syncDir(filepath.Dir(r.file))
	}
	if err != nil {
		return fmt.Errorf("vault: the database is under the new office key, which is in %s: rename it to %s (the next open does): %w",
			pending, r.file, err)
	}
	r.staged = false
	return nil
}

// fileHoldsKey reports whether the key file holds the new key.
func (r *Rotation) fileHoldsKey() bool {
	k, err := LoadKeyFile(r.file)
	if err != nil {
		return false
	}
	defer k.Destroy()
	return VerifyCheck(k, r.keep.Check) == nil
}

// Abort ends a rotation that the database did not commit: it removes the
// pending key file that Stage wrote, and destroys a key made here. Call it
// only when the transaction certainly did not commit; when its outcome is
// unknown, leave the pending file to the next Open, which settles it.
func (r *Rotation) Abort() error {
	var err error
	if r.staged {
		pending := PendingKeyFile(r.file)
		if err = os.Remove(pending); err != nil && !errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("vault: removing %s, the key file of a rotation that did not commit: %w", pending, err)
		} else {
			err = nil
		}
		r.staged = false
	}
	if r.owned {
		r.key.Destroy()
	}
	return err
}

// Leave ends a rotation whose commit failed with an outcome the store could
// not learn: the pending key file is left for the next Open to settle
// (Source.Settle), and a key made here is destroyed.
func (r *Rotation) Leave() {
	r.staged = false
	if r.owned {
		r.key.Destroy()
	}
}

// Check checks, in the rotation's transaction, that the database keeps st
// for the store's office key current, so that the rotation may go on:
// ErrKeyRotated if current is no longer its key (another store rotated
// it), an error if the new key is the current one again.
func (r *Rotation) Check(current *Key, st *Stored) error {
	switch {
	case st == nil:
		return errors.New("the database keeps no office key check")
	case VerifyCheck(current, st.Check) != nil:
		return ErrKeyRotated
	case bytes.Equal(st.Check, r.keep.Check):
		return ErrSameKey
	}
	return nil
}

// ErrSameKey is the error of a rotation to the office key the database is
// under already.
var ErrSameKey = errors.New("rotating the office key: the new key is the database's current one")

// ErrOutcomeUnknown marks a rotation whose commit failed and whose outcome
// the store could not learn.
var ErrOutcomeUnknown = errors.New("the outcome of the rotation is unknown")

// Outcome tells, after the commit of the rotation failed with commitErr,
// whether it committed all the same, from st, what the database keeps of
// its key as read after the failure (readErr the error of that read): nil
// if it committed, commitErr if it did not, and an error wrapping
// ErrOutcomeUnknown, which says where the new key is, if the database
// could not be read. clean takes key-free text out of the errors.
func (r *Rotation) Outcome(commitErr error, st *Stored, readErr error, clean func(error) error) error {
	switch {
	case readErr == nil && st != nil && bytes.Equal(st.Check, r.keep.Check):
		return nil
	case readErr == nil && st != nil:
		return commitErr
	}
	where := "the new key is kept in " + PendingKeyFile(r.file) + ", which the next open puts in place if the rotation committed"
	if r.file == "" {
		where = "open the database with the new key, or else the old one"
	}
	return fmt.Errorf("%w: the commit failed (%v) and the database could not be read (%v): %s",
		ErrOutcomeUnknown, clean(commitErr), clean(readErr), where)
}

// Rewrap unwraps the data key of pad padID with the office key from and
// wraps it under the office key to, with a new nonce; the data key is
// destroyed before Rewrap returns. ErrOpen if it does not unwrap.
func Rewrap(from, to *Key, padID string, wrapped []byte) ([]byte, error) {
	dk, err := Unwrap(from, padID, wrapped)
	if err != nil {
		return nil, err
	}
	defer dk.Destroy()
	return Wrap(to, padID, dk)
}

// Pending reports whether src names a key file beside which a rotation
// left its pending file (PendingKeyFile): one that was interrupted, or is
// under way. A store that finds one calls Settle under its database's write
// lock before it opens the key file.
func (src Source) Pending() bool {
	if src.File == "" {
		return false
	}
	_, err := os.Lstat(PendingKeyFile(src.File))
	return err == nil
}

// Settle finishes or undoes the rotation to src.File that left its pending
// file, for a database that keeps st. The caller holds the database's
// write lock, so that no rotation is under way:
//   - if src.File opens the database, the rotation did not commit: the
//     pending file is removed;
//   - if the pending file opens it, the rotation committed but did not
//     put the file in place: the pending file is renamed over src.File;
//   - if neither does, both are left as they are, and Open says that the
//     key is wrong.
//
// Its errors never quote key material.
func (src Source) Settle(st *Stored) error {
	if src.File == "" || st == nil {
		return nil
	}
	pending := PendingKeyFile(src.File)
	if opens(src.File, st) {
		if err := os.Remove(pending); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("vault: removing %s, the key file of a rotation that did not commit: %w", pending, err)
		}
		return nil
	}
	if !opens(pending, st) {
		return nil
	}
	err := os.Rename(pending, src.File)
	if err == nil {
		err = syncDir(filepath.Dir(src.File))
	}
	if err != nil {
		return fmt.Errorf("vault: finishing the rotation of the office key: the database is under the key in %s, which could not be renamed to %s: %w",
			pending, src.File, err)
	}
	return nil
}

// opens reports whether the key file at path holds the key that st checks.
func opens(path string, st *Stored) bool {
	if st.Salt != nil {
		return false // a database under a passphrase opens with no key file
	}
	k, err := LoadKeyFile(path)
	if err != nil {
		return false
	}
	defer k.Destroy()
	return VerifyCheck(k, st.Check) == nil
}
