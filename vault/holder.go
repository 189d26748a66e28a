package vault

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"ciphergram/otp"
)

// A Holder is the office key a store holds while it is open. It hands the
// key to each use, and Close ends the uses (a use after Close gets
// ErrKeyGone) and destroys the key if the holder made it. A rotation
// switches it to the new key (Switch). The zero Holder holds no key; Set
// gives it one. It is safe for concurrent use.
type Holder struct {
	mu    sync.RWMutex
	key   *Key
	owned bool   // made (loaded, created or derived) by the store, which destroys it
	file  string // the key file it came from; "" for a passphrase or a key given
	gone  bool   // closed
	// away is set once a read found the database under another office
	// key: the holder never gets the new one.
	away atomic.Bool
}

// ErrKeyGone is the error of a use of the office key after Close.
var ErrKeyGone = errors.New("the store is closed: its office key is gone")

// Set gives the holder its key, from the key file file ("" if none); owned
// says that the holder destroys it at Close.
func (h *Holder) Set(key *Key, owned bool, file string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.key, h.owned, h.file = key, owned, file
}

// Use runs fn with the office key, which fn must not keep; Close waits for
// it. ErrKeyGone after Close.
func (h *Holder) Use(fn func(office *Key) error) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.gone {
		return ErrKeyGone
	}
	return fn(h.key)
}

// File returns the key file the office key is in, or "" when it is
// derived from a passphrase or was given.
func (h *Holder) File() string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.file
}

// Close ends the uses of the office key, and destroys it if the holder
// made it.
func (h *Holder) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.owned && !h.gone {
		h.key.Destroy()
	}
	h.gone = true
}

// Switch puts the holder under the new key of rotation r, once the
// database committed it, and destroys the old key if the holder made it.
// A holder closed meanwhile destroys the new key instead, if r made it.
func (h *Holder) Switch(r *Rotation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gone {
		if r.Owned() {
			r.Key().Destroy()
		}
		return
	}
	if h.owned {
		h.key.Destroy()
	}
	h.key, h.owned, h.file = r.Key(), r.Owned(), r.File()
}

// Seal seals p under the office key (SealPad).
func (h *Holder) Seal(p *otp.Pad) (sp *SealedPad, err error) {
	err = h.Use(func(office *Key) error {
		sp, err = SealPad(office, p)
		return err
	})
	return sp, err
}

// OpenPages opens the sealed digits of pages under the office key
// (OpenPages). When they do not open, stored, which reads what the
// database keeps of its key (nil if it cannot tell), says whether the key
// was rotated by another store since this one opened the database, and the
// error is then ErrKeyRotated.
func (h *Holder) OpenPages(refs []PageRef, pages []*otp.Page, stored func() *Stored) error {
	err := h.Use(func(office *Key) error { return OpenPages(office, refs, pages) })
	if errors.Is(err, ErrOpen) && h.rotatedAway(stored) {
		return fmt.Errorf("%w (%v)", ErrKeyRotated, err)
	}
	return err
}

// rotatedAway reports whether the database's key check, as stored reads
// it, is no longer the holder's key's; once it found so, that is
// remembered.
func (h *Holder) rotatedAway(stored func() *Stored) bool {
	if h.away.Load() {
		return true
	}
	st := stored()
	if st == nil {
		return false
	}
	if h.Current(st) == ErrKeyRotated {
		h.away.Store(true)
		return true
	}
	return false
}

// Current checks that st, what the database keeps of its office key, is
// the holder's key's: ErrKeyRotated if another store rotated it since this
// one opened the database.
func (h *Holder) Current(st *Stored) error {
	if st == nil {
		return errors.New("the database keeps no office key check")
	}
	err := h.Use(func(office *Key) error { return VerifyCheck(office, st.Check) })
	if errors.Is(err, ErrWrongKey) {
		return ErrKeyRotated
	}
	return err
}
