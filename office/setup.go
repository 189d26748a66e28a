package office

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ciphergram"
	"ciphergram/cipher"
)

// Init creates the office and its first admin user.
func (s *Service) Init(ctx context.Context, name string, centre bool, admin string) error {
	if err := cipher.CheckStation(name); err != nil {
		return ciphergram.Errorf(ciphergram.EINVALID, "office name: %v", err)
	}
	if admin == "" {
		return ciphergram.Errorf(ciphergram.EINVALID, "the first admin needs a name")
	}
	o := ciphergram.Office{Name: name, IsCentre: centre, Created: s.Now()}
	u := &ciphergram.User{Name: admin, Role: ciphergram.RoleAdmin, Cleared: true, Created: s.Now()}
	kind := "station"
	if centre {
		kind = "centre"
	}
	return s.store.InitOffice(ctx, o, u, s.audit(u, "office.created", "office "+name, kind))
}

// AddUser adds a user (admin only). An officer needs a cover name to sign.
func (s *Service) AddUser(ctx context.Context, actor *ciphergram.User, u *ciphergram.User) error {
	if err := allow(actor, "add a user"); err != nil {
		return err
	}
	if err := checkSizes(checkSize("user name", u.Name, MaxNameBytes), checkSize("cover name", u.Cover, MaxNameBytes)); err != nil {
		return err
	}
	if u.Name == "" || strings.ContainsAny(u.Name, " \t\n") {
		return ciphergram.Errorf(ciphergram.EINVALID, "user name %q: one word, not empty", u.Name)
	}
	if !slices.Contains(ciphergram.Roles, u.Role) {
		return ciphergram.Errorf(ciphergram.EINVALID, "unknown role %q (want one of %v)", u.Role, ciphergram.Roles)
	}
	u.Cover = strings.ToUpper(strings.TrimSpace(u.Cover))
	if u.Role == ciphergram.RoleOfficer && u.Cover == "" {
		return ciphergram.Errorf(ciphergram.EINVALID, "an officer needs a cover name (--cover) to sign telegrams")
	}
	if u.Clearance == "" {
		u.Clearance = ciphergram.TopSecret
	}
	c, err := ciphergram.NormalizeClassification(u.Clearance)
	if err != nil {
		return ciphergram.Errorf(ciphergram.EINVALID, "clearance: %s", err.(*ciphergram.Error).Message)
	}
	u.Clearance = c
	u.Created = s.Now()
	detail := fmt.Sprintf("role %s, cleared %t, clearance %s", u.Role, u.Cleared, u.Clearance)
	return s.store.CreateUser(ctx, u, s.audit(actor, "user.created", "user "+u.Name, detail))
}

// SetClearance changes a user's clearance (admin only). It takes effect at
// the user's next request: copies already issued stay in the registry's
// books but cannot be read above the new clearance.
func (s *Service) SetClearance(ctx context.Context, actor *ciphergram.User, name, clearance string) error {
	if err := allow(actor, "change a clearance"); err != nil {
		return err
	}
	c, err := ciphergram.NormalizeClassification(clearance)
	if err != nil {
		return ciphergram.Errorf(ciphergram.EINVALID, "clearance: %s", err.(*ciphergram.Error).Message)
	}
	return s.store.SetClearance(ctx, name, c, s.audit(actor, "user.clearance_set", "user "+name, c))
}

// AddLink opens a link to a peer office (admin only).
func (s *Service) AddLink(ctx context.Context, actor *ciphergram.User, l *ciphergram.Link) error {
	if err := allow(actor, "add a link"); err != nil {
		return err
	}
	l.Peer = strings.ToUpper(l.Peer)
	if err := cipher.CheckStation(l.Peer); err != nil {
		return ciphergram.Errorf(ciphergram.EINVALID, "peer: %v", err)
	}
	if l.Codebook == "" {
		l.Codebook = "default"
	}
	if _, err := s.codec(l); err != nil {
		return err
	}
	if err := checkRoute(l.PeerURL, l.Secret); err != nil {
		return err
	}
	l.PeerURL = strings.TrimRight(l.PeerURL, "/")
	l.Created = s.Now()
	return s.store.CreateLink(ctx, l, s.audit(actor, "link.created", "link "+l.Peer, fmt.Sprintf("mode %s, codebook %s", l.Mode, l.Codebook)))
}

// SeedCounter sets the next number of a yearly counter for the current
// year (admin only): ciphergram.CounterRegistry at a Centre that starts its
// registry here, ciphergram.CounterOutgoing at a station.
func (s *Service) SeedCounter(ctx context.Context, actor *ciphergram.User, counter string, next int) error {
	if err := allow(actor, "seed a counter"); err != nil {
		return err
	}
	if counter != ciphergram.CounterRegistry && counter != ciphergram.CounterOutgoing {
		return ciphergram.Errorf(ciphergram.EINVALID, "unknown counter %q", counter)
	}
	if next < 1 {
		return ciphergram.Errorf(ciphergram.EINVALID, "numbers start at 1 or above, not %d", next)
	}
	year := s.Now().Year()
	a := s.audit(actor, "counter.seeded", fmt.Sprintf("%s %d", counter, year), fmt.Sprintf("next number %d", next))
	return s.store.SetCounter(ctx, counter, year, next, a)
}

// Office returns the office this service keeps.
func (s *Service) Office(ctx context.Context) (*ciphergram.Office, error) {
	return s.store.Office(ctx)
}

// Users lists the users (admin only).
func (s *Service) Users(ctx context.Context, actor *ciphergram.User) ([]*ciphergram.User, error) {
	if err := allow(actor, "list users"); err != nil {
		return nil, err
	}
	return s.store.Users(ctx)
}

// SecretHidden stands for a link credential in what Links returns.
const SecretHidden = "(set)"

// Links lists the links, each credential replaced by SecretHidden.
func (s *Service) Links(ctx context.Context, actor *ciphergram.User) ([]*ciphergram.Link, error) {
	if err := allow(actor, "list links", ciphergram.RoleOfficer, ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	ls, err := s.store.Links(ctx)
	for _, l := range ls {
		if l.Secret != "" {
			l.Secret = SecretHidden
		}
	}
	return ls, err
}

// RouteLink sets where a link's peer listens and the credential both ends
// of the link share (admin only). An empty URL makes the link one worked
// by hand; a credential needs at least 32 characters.
func (s *Service) RouteLink(ctx context.Context, actor *ciphergram.User, peer, url, secret string) error {
	if err := allow(actor, "route a link"); err != nil {
		return err
	}
	l, err := s.store.Link(ctx, strings.ToUpper(peer))
	if err != nil {
		return err
	}
	if err := checkRoute(url, secret); err != nil {
		return err
	}
	l.PeerURL = strings.TrimRight(url, "/")
	if secret != "" {
		l.Secret = secret
	}
	return s.store.UpdateLink(ctx, l, s.audit(actor, "link.routed", "link "+l.Peer, "url "+l.PeerURL))
}

// checkRoute checks a link's peer URL and credential.
func checkRoute(url, secret string) error {
	if err := checkSizes(checkSize("peer URL", url, MaxLineBytes), checkSize("link credential", secret, MaxLineBytes)); err != nil {
		return err
	}
	if url != "" && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return ciphergram.Errorf(ciphergram.EINVALID, "peer URL %q: want http:// or https://", url)
	}
	if secret != "" && len(secret) < 32 {
		return ciphergram.Errorf(ciphergram.EINVALID, "the link credential needs at least 32 characters, not %d", len(secret))
	}
	return nil
}
