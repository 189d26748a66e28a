package office

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"ciphergram"
	"ciphergram/telegram"
)

// canSee applies need-to-know: admins, clerks and archivists see the
// registry; an officer sees the outgoing telegrams; a reader sees a
// telegram only through a copy issued to them; analysts see none; and
// nobody sees a telegram classified above their clearance.
func (s *Service) canSee(ctx context.Context, u *ciphergram.User, t *ciphergram.Telegram) error {
	if !u.ClearedFor(t.Classification) {
		return ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", t.ID)
	}
	switch u.Role {
	case ciphergram.RoleAdmin, ciphergram.RoleClerk, ciphergram.RoleArchivist:
		return nil
	case ciphergram.RoleOfficer:
		if t.Direction == ciphergram.Outgoing {
			return nil
		}
	}
	// Not visible: say "not found", revealing nothing of its existence.
	return ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", t.ID)
}

// Telegram returns a telegram the actor may see, recording the reading.
func (s *Service) Telegram(ctx context.Context, actor *ciphergram.User, id int64) (*ciphergram.Telegram, error) {
	t, err := s.store.Telegram(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.canSee(ctx, actor, t); err != nil {
		return nil, err
	}
	if err := s.store.Record(ctx, s.audit(actor, "telegram.read", fmt.Sprintf("telegram %d", id), string(t.State))); err != nil {
		return nil, err
	}
	return t, nil
}

// Telegrams lists what the actor may see (without recording a reading:
// a list shows no text).
func (s *Service) Telegrams(ctx context.Context, actor *ciphergram.User, f ciphergram.TelegramFilter) ([]*ciphergram.Telegram, error) {
	all, err := s.store.Telegrams(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []*ciphergram.Telegram
	for _, t := range all {
		if s.canSee(ctx, actor, t) == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// Render lays a telegram out for reading: a registered one in the registry
// layout (SPEC 8), an outgoing one with its closing line, then the cover
// names it mentions (true names only for the cleared). copyNo > 0 marks a
// numbered copy.
func (s *Service) Render(ctx context.Context, actor *ciphergram.User, t *ciphergram.Telegram, copyNo int) (string, error) {
	var b strings.Builder
	switch {
	case t.State == ciphergram.StateRegistered:
		r := &telegram.Registered{Classification: t.Classification, Caveat: t.Caveat, Numbers: t.Numbers, From: t.From,
			Received: t.Received, Deciphered: t.Deciphered, Text: t.Text, Copy: copyNo}
		b.WriteString(r.Render())
	case t.Direction == ciphergram.Outgoing && t.State != ciphergram.StateDraft:
		fmt.Fprintf(&b, "%s\n%s\nTelegram No. %d to %s (%s)\n\n%s\n", t.Classification, t.Caveat, t.Nr, t.To, t.State, SignedText(t))
	default:
		fmt.Fprintf(&b, "%s\n%s\nTelegram %d (%s)\n\n%s\n", t.Classification, t.Caveat, t.ID, t.State, t.Text)
	}
	notes, err := s.coverNotes(ctx, actor, t.Text+" "+t.SignedBy)
	if err != nil {
		return "", err
	}
	b.WriteString(notes)
	return b.String(), nil
}

var wordRE = regexp.MustCompile(`[A-ZА-ЯЁ]+(?: [A-ZА-ЯЁ]+)?`)

// coverNotes lists the registered cover names found in text.
func (s *Service) coverNotes(ctx context.Context, actor *ciphergram.User, text string) (string, error) {
	cs, err := s.store.Cryptonyms(ctx)
	if err != nil || len(cs) == 0 {
		return "", err
	}
	words := " " + strings.Join(strings.FieldsFunc(strings.ToUpper(text), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'А' && r <= 'Я' || r == 'Ё')
	}), " ") + " "
	var lines []string
	for _, c := range cs {
		if !strings.Contains(words, " "+c.Cover+" ") {
			continue
		}
		who := "[true name withheld]"
		if actor.Cleared {
			who = c.TrueName
			if err := s.store.Record(ctx, s.audit(actor, "cryptonym.revealed", "cover name "+c.Cover, "in a telegram view")); err != nil {
				return "", err
			}
		}
		lines = append(lines, fmt.Sprintf("  %s (%s): %s", c.Cover, c.Kind, who))
	}
	if len(lines) == 0 {
		return "", nil
	}
	slices.Sort(lines)
	return "\nCover names:\n" + strings.Join(lines, "\n") + "\n", nil
}

// Deliveries lists the outbox entries of a telegram (all if 0): clerks
// and admins only.
func (s *Service) Deliveries(ctx context.Context, actor *ciphergram.User, telegramID int64) ([]*ciphergram.Delivery, error) {
	if err := allow(actor, "see the outbox", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	return s.store.Deliveries(ctx, telegramID)
}
