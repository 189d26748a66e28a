package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"unicode/utf8"
)

// Source names where a store gets its office key: exactly one of a key in
// hand, a key file or a passphrase.
type Source struct {
	// Key is used as it is; its owner keeps it and destroys it after the
	// store is closed.
	Key *Key
	// File is a key file (LoadKeyFile). When it does not exist and the
	// database holds no office key yet, it is created (CreateKeyFile). A
	// rotation to a key file writes it beside, as PendingKeyFile(File),
	// first (see Rotation; Pending and Settle finish an interrupted one).
	File string
	// Passphrase derives the key with the salt the database keeps (a new
	// one for a database without a key). At least MinPassphrase
	// characters.
	Passphrase []byte
}

// Stored is what a database keeps of its office key: the key check
// (Check) and, for a key derived from a passphrase, the salt.
type Stored struct {
	Check, Salt []byte
}

// Open finds the office key that src names for a database that keeps st,
// or nil when the database holds no office key yet. With st, the key is
// verified against its check: ErrWrongKey if it is not the database's.
// Without, keep is what the database is to keep of the new key. owned says
// that the key was made here (loaded, created or derived), and that the
// caller destroys it when done; a Key given in src stays its owner's.
//
// The errors say what to give instead: the key file of a database sealed
// under one when it is missing (wrapping fs.ErrNotExist), the passphrase
// of a database whose key is derived from one, and so on.
func (src Source) Open(st *Stored) (key *Key, owned bool, keep *Stored, err error) {
	if err := src.oneWay(); err != nil {
		return nil, false, nil, err
	}
	switch {
	case src.Passphrase != nil:
		return src.fromPassphrase(st)
	case st != nil && st.Salt != nil:
		return nil, false, nil, errors.New("the office key of this database is derived from a passphrase: open it with the passphrase, not a key file")
	}
	key, owned = src.Key, false
	if key == nil {
		if key, err = src.loadFile(st == nil); err != nil {
			if st != nil && errors.Is(err, fs.ErrNotExist) {
				err = fmt.Errorf("the database's pads are sealed under the office key in %s, which is missing: restore it from its backup: %w", src.File, err)
			}
			return nil, false, nil, err
		}
		owned = true
	}
	if st == nil {
		return key, owned, &Stored{Check: Check(key)}, nil
	}
	if err := VerifyCheck(key, st.Check); err != nil {
		if owned {
			key.Destroy()
		}
		return nil, false, nil, err
	}
	return key, owned, nil, nil
}

// oneWay refuses a Source that names no key, or more than one.
func (src Source) oneWay() error {
	given := 0
	for _, set := range []bool{src.Key != nil, src.File != "", src.Passphrase != nil} {
		if set {
			given++
		}
	}
	switch {
	case given == 0:
		return errors.New("no office key given")
	case given > 1:
		return errors.New("give the office key one way: a key, a key file or a passphrase")
	}
	return nil
}

// loadFile loads src.File, or with create, makes it if it does not exist
// (or loads the one another process made meanwhile).
func (src Source) loadFile(create bool) (*Key, error) {
	k, err := LoadKeyFile(src.File)
	if !create || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	k, err = CreateKeyFile(src.File)
	if errors.Is(err, fs.ErrExist) {
		return LoadKeyFile(src.File)
	}
	return k, err
}

// fromPassphrase is Open for a passphrase.
func (src Source) fromPassphrase(st *Stored) (*Key, bool, *Stored, error) {
	if utf8.RuneCount(src.Passphrase) < MinPassphrase {
		return nil, false, nil, fmt.Errorf("the office passphrase needs at least %d characters", MinPassphrase)
	}
	if st != nil && st.Salt == nil {
		return nil, false, nil, errors.New("the office key of this database is in a key file, not derived from a passphrase: open it with its key file")
	}
	if st == nil {
		salt, err := NewSalt()
		if err != nil {
			return nil, false, nil, err
		}
		k := KeyFromPassphrase(src.Passphrase, salt)
		return k, true, &Stored{Check: Check(k), Salt: salt}, nil
	}
	k := KeyFromPassphrase(src.Passphrase, st.Salt)
	if err := VerifyCheck(k, st.Check); err != nil {
		k.Destroy()
		return nil, false, nil, err
	}
	return k, true, nil, nil
}
