package office

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"

	"ciphergram"
	"ciphergram/otp"
)

// maxPadFile bounds an imported pad file (a 10,000-page pad is ~4 MiB).
const maxPadFile = 16 << 20

// IssuePad generates a pad from crypto/rand for one direction of a link
// whose one end is this office, and takes this office's copy into custody:
// the sending copy if the office is from, the receiving copy if it is to.
// The other copy leaves only through ExportPad.
func (s *Service) IssuePad(ctx context.Context, actor *ciphergram.User, id, from, to string, pages, gpp int) (*ciphergram.PadInfo, error) {
	if err := allow(actor, "issue a pad", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	if err := checkSize("pad ID", id, MaxNameBytes); err != nil {
		return nil, err
	}
	dir, err := s.direction(ctx, from, to)
	if err != nil {
		return nil, err
	}
	p, err := otp.Generate(s.Rand, id, from, to, pages, gpp)
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "pad: %v", err)
	}
	defer p.Wipe()
	a := s.audit(actor, "pad.issued", "pad "+id, fmt.Sprintf("%s to %s, %d pages, %s copy kept", from, to, pages, dir))
	if err := s.store.ImportPad(ctx, p, dir, a); err != nil {
		return nil, err
	}
	return s.padInfo(ctx, id)
}

// direction tells which copy of a from->to pad this office keeps.
func (s *Service) direction(ctx context.Context, from, to string) (ciphergram.PadDirection, error) {
	o, err := s.store.Office(ctx)
	if err != nil {
		return "", err
	}
	peer, dir := to, ciphergram.PadOut
	switch o.Name {
	case from:
	case to:
		peer, dir = from, ciphergram.PadIn
	default:
		return "", ciphergram.Errorf(ciphergram.EINVALID, "a pad %s to %s is not for office %s", from, to, o.Name)
	}
	if _, err := s.store.Link(ctx, peer); err != nil {
		return "", fmt.Errorf("link to %s: %w", peer, err)
	}
	return dir, nil
}

func (s *Service) padInfo(ctx context.Context, id string) (*ciphergram.PadInfo, error) {
	ps, err := s.store.Pads(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no pad %s", id)
}

// ExportPad writes the pad for the other end of its link, encrypted with a
// passphrase (age, scrypt) and ASCII-armored, so that it can travel by any
// channel. The passphrase must reach the other office by another way.
func (s *Service) ExportPad(ctx context.Context, actor *ciphergram.User, id, passphrase string, w io.Writer) error {
	if err := allow(actor, "export a pad", ciphergram.RoleClerk); err != nil {
		return err
	}
	if len(passphrase) < 12 {
		return ciphergram.Errorf(ciphergram.EINVALID, "the transport passphrase must have at least 12 characters")
	}
	p, err := s.store.ExportPad(ctx, id, s.audit(actor, "pad.exported", "pad "+id, "for transport, passphrase-protected"))
	if err != nil {
		return err
	}
	defer p.Wipe()
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return ciphergram.Errorf(ciphergram.EINVALID, "passphrase: %v", err)
	}
	aw := armor.NewWriter(w)
	ew, err := age.Encrypt(aw, r)
	if err != nil {
		return err
	}
	if _, err := p.WriteTo(ew); err != nil {
		return err
	}
	if err := ew.Close(); err != nil {
		return err
	}
	return aw.Close()
}

// ImportPad decrypts a pad exported by the other end and takes this
// office's copy into custody. Indicators already held on the link are
// refused (ECONFLICT), and so is a pad that is not for this office.
func (s *Service) ImportPad(ctx context.Context, actor *ciphergram.User, r io.Reader, passphrase string) (*ciphergram.PadInfo, error) {
	if err := allow(actor, "import a pad", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "passphrase: %v", err)
	}
	sealed, err := io.ReadAll(io.LimitReader(r, maxPadFile+1))
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "pad file: %v", err)
	}
	if len(sealed) > maxPadFile {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "pad file: larger than %d bytes", maxPadFile)
	}
	dr, err := age.Decrypt(armor.NewReader(bytes.NewReader(sealed)), id)
	if err != nil {
		// age quotes what it could not read: keep the message short.
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "cannot open the pad file: %s (wrong passphrase, or not an exported pad)", ciphergram.Clip(err.Error(), 200))
	}
	var buf bytes.Buffer
	_, err = io.Copy(&buf, io.LimitReader(dr, maxPadFile+1))
	defer clear(buf.Bytes())
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "pad file: %v", err)
	}
	if buf.Len() > maxPadFile {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "pad file: larger than %d bytes once opened", maxPadFile)
	}
	p, err := otp.Parse(&buf)
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "pad file: %v", err)
	}
	defer p.Wipe()
	dir, err := s.direction(ctx, p.From, p.To)
	if err != nil {
		return nil, err
	}
	a := s.audit(actor, "pad.imported", "pad "+p.ID, fmt.Sprintf("%s to %s, %d pages, %s copy", p.From, p.To, len(p.Pages), dir))
	if err := s.store.ImportPad(ctx, p, dir, a); err != nil {
		return nil, err
	}
	return s.padInfo(ctx, p.ID)
}

// Pads lists the pads in custody (clerks and admins).
func (s *Service) Pads(ctx context.Context, actor *ciphergram.User) ([]*ciphergram.PadInfo, error) {
	if err := allow(actor, "list pads", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	return s.store.Pads(ctx)
}

// DestroyPad destroys every unused page of a pad, by order (clerk or admin).
func (s *Service) DestroyPad(ctx context.Context, actor *ciphergram.User, id string) (int, error) {
	if err := allow(actor, "destroy a pad", ciphergram.RoleClerk); err != nil {
		return 0, err
	}
	return s.store.DestroyPad(ctx, id, s.audit(actor, "pad.destroyed", "pad "+id, "every unused page, by order"))
}

// PrintPad returns the unused pages of a pad in custody, for printing as a
// pad book (clerks and admins); the printing is recorded. The caller wipes
// the pad after use.
func (s *Service) PrintPad(ctx context.Context, actor *ciphergram.User, id string) (*otp.Pad, *ciphergram.PadInfo, error) {
	if err := allow(actor, "print a pad", ciphergram.RoleClerk); err != nil {
		return nil, nil, err
	}
	info, err := s.padInfo(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.ExportPad(ctx, id, s.audit(actor, "pad.printed", "pad "+id, "a pad book of the unused pages"))
	if err != nil {
		return nil, nil, err
	}
	return p, info, nil
}
