package office

import (
	"context"
	"fmt"

	"ciphergram"
	"ciphergram/telegram"
)

// IssueCopy gives a reader the next numbered copy of a registered telegram.
// Copies are the only way a telegram leaves the registry; one marked
// "Removal of copies prohibited" leaves no other way.
func (s *Service) IssueCopy(ctx context.Context, actor *ciphergram.User, telegramID int64, reader string) (*ciphergram.Copy, error) {
	if err := allow(actor, "issue a copy", ciphergram.RoleArchivist); err != nil {
		return nil, err
	}
	t, err := s.store.Telegram(ctx, telegramID)
	if err != nil {
		return nil, err
	}
	if t.State != ciphergram.StateRegistered {
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is %s: only registered telegrams are copied", telegramID, t.State)
	}
	if err := cleared(actor, t, "issue a copy of it"); err != nil {
		return nil, err
	}
	holder, err := s.store.User(ctx, reader)
	if err != nil {
		return nil, fmt.Errorf("reader %s: %w", reader, err)
	}
	if err := cleared(holder, t, "hold a copy of it"); err != nil {
		return nil, err
	}
	c := &ciphergram.Copy{TelegramID: telegramID, Reader: reader, IssuedBy: actor.Name, Issued: s.Now()}
	a := s.audit(actor, "copy.issued", fmt.Sprintf("telegram %d", telegramID), "to "+reader)
	if err := s.store.IssueCopy(ctx, c, a); err != nil {
		return nil, err
	}
	return c, nil
}

// ReadCopy renders a copy for its reader (or the registry), recording the
// reading. A recalled or destroyed copy cannot be read.
func (s *Service) ReadCopy(ctx context.Context, actor *ciphergram.User, copyID int64) (string, error) {
	c, err := s.copy(ctx, copyID)
	if err != nil {
		return "", err
	}
	registry := actor.Role == ciphergram.RoleAdmin || actor.Role == ciphergram.RoleArchivist
	if c.Reader != actor.Name && !registry {
		return "", ciphergram.Errorf(ciphergram.ENOTFOUND, "no copy %d", copyID)
	}
	if c.State != ciphergram.CopyIssued {
		return "", ciphergram.Errorf(ciphergram.ECONFLICT, "copy No. %d of telegram %d was %s", c.Number, c.TelegramID, c.State)
	}
	t, err := s.store.Telegram(ctx, c.TelegramID)
	if err != nil {
		return "", err
	}
	// A clearance lowered after the copy was issued closes the copy.
	if err := cleared(actor, t, "read it"); err != nil {
		return "", err
	}
	a := s.audit(actor, "copy.read", fmt.Sprintf("telegram %d copy %d", c.TelegramID, c.Number), "")
	if err := s.store.Record(ctx, a); err != nil {
		return "", err
	}
	return s.Render(ctx, actor, t, c.Number)
}

// CloseCopy recalls or destroys an issued copy, with a record.
func (s *Service) CloseCopy(ctx context.Context, actor *ciphergram.User, copyID int64, state ciphergram.CopyState) error {
	if err := allow(actor, "recall or destroy a copy", ciphergram.RoleArchivist); err != nil {
		return err
	}
	if state != ciphergram.CopyRecalled && state != ciphergram.CopyDestroyed {
		return ciphergram.Errorf(ciphergram.EINVALID, "a copy is recalled or destroyed, not %q", state)
	}
	c, err := s.copy(ctx, copyID)
	if err != nil {
		return err
	}
	a := s.audit(actor, "copy."+string(state), fmt.Sprintf("telegram %d copy %d", c.TelegramID, c.Number), "held by "+c.Reader)
	return s.store.CloseCopy(ctx, copyID, state, actor.Name, s.Now(), a)
}

// Copies lists the copies of a telegram (0: all) for the registry, or the
// actor's own copies for anyone else.
func (s *Service) Copies(ctx context.Context, actor *ciphergram.User, telegramID int64) ([]*ciphergram.Copy, error) {
	all, err := s.store.Copies(ctx, telegramID)
	if err != nil {
		return nil, err
	}
	registry := actor.Role == ciphergram.RoleAdmin || actor.Role == ciphergram.RoleArchivist
	var out []*ciphergram.Copy
	classOf := map[int64]string{}
	for _, c := range all {
		if !registry && c.Reader != actor.Name {
			continue
		}
		// The registry sees the copies of what it is cleared for.
		if registry && actor.Clearance != ciphergram.TopSecret {
			class, ok := classOf[c.TelegramID]
			if !ok {
				t, err := s.store.Telegram(ctx, c.TelegramID)
				if err != nil {
					return nil, err
				}
				class, classOf[c.TelegramID] = t.Classification, t.Classification
			}
			if !actor.ClearedFor(class) {
				continue
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *Service) copy(ctx context.Context, id int64) (*ciphergram.Copy, error) {
	all, err := s.store.Copies(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no copy %d", id)
}

// PrintCopy issues the next numbered copy of a registered telegram to a
// reader and returns it laid out for printing: every printed copy is an
// issued copy, recorded as such (archivists and admins).
func (s *Service) PrintCopy(ctx context.Context, actor *ciphergram.User, telegramID int64, reader string) (*ciphergram.Copy, *telegram.Registered, error) {
	c, err := s.IssueCopy(ctx, actor, telegramID, reader)
	if err != nil {
		return nil, nil, err
	}
	t, err := s.store.Telegram(ctx, telegramID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.Record(ctx, s.audit(actor, "copy.printed", fmt.Sprintf("telegram %d copy %d", telegramID, c.Number), "for "+reader)); err != nil {
		return nil, nil, err
	}
	return c, &telegram.Registered{Classification: t.Classification, Caveat: t.Caveat, Numbers: t.Numbers, From: t.From,
		Received: t.Received, Deciphered: t.Deciphered, Text: t.Text, Copy: c.Number}, nil
}
