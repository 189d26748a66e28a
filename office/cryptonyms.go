package office

import (
	"context"
	"slices"
	"strings"

	"ciphergram"
)

// AddCryptonym records a cover name and the identity behind it (admins and
// archivists).
func (s *Service) AddCryptonym(ctx context.Context, actor *ciphergram.User, c *ciphergram.Cryptonym) error {
	if err := allow(actor, "register a cover name", ciphergram.RoleArchivist); err != nil {
		return err
	}
	if err := checkSizes(checkSize("cover name", c.Cover, MaxNameBytes), checkSize("true name", c.TrueName, MaxLineBytes)); err != nil {
		return err
	}
	c.Cover = strings.ToUpper(strings.TrimSpace(c.Cover))
	kinds := []ciphergram.CryptonymKind{ciphergram.KindOfficer, ciphergram.KindAgent, ciphergram.KindPlace, ciphergram.KindOrganisation}
	switch {
	case c.Cover == "":
		return ciphergram.Errorf(ciphergram.EINVALID, "a cover name is needed")
	case !slices.Contains(kinds, c.Kind):
		return ciphergram.Errorf(ciphergram.EINVALID, "kind %q: want officer, agent, place or organisation", c.Kind)
	}
	return s.store.PutCryptonym(ctx, c, s.audit(actor, "cryptonym.registered", "cover name "+c.Cover, string(c.Kind)))
}

// Cryptonyms lists the cover names; true names are blanked for users who
// are not cleared, and each one shown to a cleared user is recorded.
func (s *Service) Cryptonyms(ctx context.Context, actor *ciphergram.User) ([]*ciphergram.Cryptonym, error) {
	if actor.Role == ciphergram.RoleAnalyst {
		return nil, ciphergram.Errorf(ciphergram.EFORBIDDEN, "cover names are not open to analysts")
	}
	cs, err := s.store.Cryptonyms(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if !actor.Cleared {
			c.TrueName = ""
			continue
		}
		if err := s.store.Record(ctx, s.audit(actor, "cryptonym.revealed", "cover name "+c.Cover, "in the list")); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// VerifyAudit checks the whole audit chain (admins only).
func (s *Service) VerifyAudit(ctx context.Context, actor *ciphergram.User) (int, error) {
	if err := allow(actor, "verify the audit log"); err != nil {
		return 0, err
	}
	entries, head, err := s.store.AuditLog(ctx)
	if err != nil {
		return 0, err
	}
	return len(entries), ciphergram.VerifyChain(entries, head)
}

// AuditLog returns the audit log, newest last, and whether its chain
// verifies (admins only).
func (s *Service) AuditLog(ctx context.Context, actor *ciphergram.User) ([]*ciphergram.AuditEntry, error, error) {
	if err := allow(actor, "read the audit log"); err != nil {
		return nil, nil, err
	}
	entries, head, err := s.store.AuditLog(ctx)
	if err != nil {
		return nil, nil, err
	}
	return entries, ciphergram.VerifyChain(entries, head), nil
}
