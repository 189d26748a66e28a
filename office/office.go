// Package office holds the rules of a cipher-telegram office over a
// ciphergram.Store: who may do what (roles and need-to-know), the life of a
// telegram from draft to registry, pad custody, numbered copies, cover
// names and the audit of every security-relevant act. It is the one place
// these rules live; the command line and the web server call it.
package office

import (
	"context"
	"crypto/rand"
	"io"
	"slices"
	"sync"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/codebook"
)

// Service is one office's application service.
type Service struct {
	store ciphergram.Store
	// Now is the office clock (a scenario clock in the demo).
	Now func() time.Time
	// Rand is the source of pad digits: crypto/rand unless a test says so.
	Rand io.Reader
	// Notify, if set, is called when something was queued in the outbox.
	Notify func()
	// Backoff, if set, replaces the default retry schedule of deliveries
	// (Backoff in this package) with the wait after n failed attempts.
	Backoff func(n int) time.Duration

	pageSizes sync.Map // "FROM>TO": groups a page of the link's next outgoing pad (Encipher)
}

// New returns the service of the office kept in store.
func New(store ciphergram.Store) *Service {
	return &Service{store: store, Now: time.Now, Rand: rand.Reader}
}

// Store returns the underlying store.
func (s *Service) Store() ciphergram.Store { return s.store }

// Actor resolves the user acting; EUNAUTHORIZED if unknown.
func (s *Service) Actor(ctx context.Context, name string) (*ciphergram.User, error) {
	u, err := s.store.User(ctx, name)
	if ciphergram.ErrorCode(err) == ciphergram.ENOTFOUND {
		return nil, ciphergram.Errorf(ciphergram.EUNAUTHORIZED, "no user %q in this office", name)
	}
	return u, err
}

// allow refuses the act unless the actor has one of the roles.
func allow(u *ciphergram.User, what string, roles ...ciphergram.Role) error {
	if u == nil {
		return ciphergram.Errorf(ciphergram.EUNAUTHORIZED, "%s: no user", what)
	}
	if u.Role == ciphergram.RoleAdmin || slices.Contains(roles, u.Role) {
		return nil
	}
	return ciphergram.Errorf(ciphergram.EFORBIDDEN, "%s: not allowed to a %s", what, u.Role)
}

// cleared refuses, as EFORBIDDEN, to let u handle the plaintext of a
// telegram classified above u's clearance (what: the act, for the error).
func cleared(u *ciphergram.User, t *ciphergram.Telegram, what string) error {
	if u.ClearedFor(t.Classification) {
		return nil
	}
	return ciphergram.Errorf(ciphergram.EFORBIDDEN, "%s is cleared to %s and may not %s: telegram %d is %s",
		u.Name, u.Clearance, what, t.ID, t.Classification)
}

func (s *Service) audit(u *ciphergram.User, action, subject, detail string) ciphergram.Audit {
	actor := "system"
	if u != nil {
		actor = u.Name
	}
	return ciphergram.Audit{Time: s.Now(), Actor: actor, Action: action, Subject: subject, Detail: detail}
}

// Codec returns the codebook a link uses.
func (s *Service) codec(l *ciphergram.Link) (cipher.Codec, error) {
	if l.Codebook == "" || l.Codebook == "default" || l.Codebook == codebook.Default().ID() {
		return codebook.Default(), nil
	}
	if l.Codebook == "CT-46" {
		return codebook.CT46(), nil
	}
	return nil, ciphergram.Errorf(ciphergram.EINVALID, "link to %s uses codebook %s, which this office does not have", l.Peer, l.Codebook)
}
