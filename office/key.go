package office

import (
	"context"

	"ciphergram"
	"ciphergram/vault"
)

// KeyRotator is a store whose office key, which seals the pads at rest,
// can be rotated: both stores (docs/security.md, "Rotating the office
// key").
type KeyRotator interface {
	// RotateKey rewraps every data key held under the office key to
	// names, replaces the key check and appends a, in one transaction,
	// and returns how many data keys it rewrapped.
	RotateKey(ctx context.Context, to vault.Source, a ciphergram.Audit) (int, error)
	// OfficeKeyFile is the key file the store's office key is in, or ""
	// when it is derived from a passphrase or was given.
	OfficeKeyFile() string
}

// Rotated is what a rotation of the office key did.
type Rotated struct {
	Rewrapped int    // data keys rewrapped under the new key
	KeyFile   string // where the new key is; "" for a passphrase
	OldFile   string // the key file of the old key, if another one; it no longer opens the database
}

// RotateKey puts the office's database under a new office key: the one to
// names (a new key file, or a passphrase), or, when to names none, a new
// key in the key file the database is open with. Admins only; audited as
// office_key.rotated, the detail saying where the new key is, never the
// key. EFORBIDDEN for others; ECONFLICT when the store cannot rotate, or
// when to names none and the office key is not in a key file. The store's
// own errors otherwise (EINVALID for a new key that cannot be).
func (s *Service) RotateKey(ctx context.Context, actor *ciphergram.User, to vault.Source) (*Rotated, error) {
	if err := allow(actor, "rotate the office key"); err != nil {
		return nil, err
	}
	st, ok := s.store.(KeyRotator)
	if !ok {
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT, "this store cannot rotate its office key")
	}
	old := st.OfficeKeyFile()
	var detail string
	switch {
	case to.Passphrase != nil:
		detail = "to a key derived from a new passphrase"
	case to.File != "" && to.File != old:
		detail = "to a new key file " + to.File
	case to.File == "" && old == "":
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT,
			"the office key of this database is derived from a passphrase, so there is no key file to put a new key in: name a new key file or a new passphrase")
	default:
		to.File, detail = old, "to a new key in the key file "+old
	}
	n, err := st.RotateKey(ctx, to, s.audit(actor, "office_key.rotated", "office key", detail))
	if err != nil {
		return nil, err
	}
	r := &Rotated{Rewrapped: n, KeyFile: to.File}
	if old != "" && old != to.File {
		r.OldFile = old
	}
	return r, nil
}
