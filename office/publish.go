package office

import (
	"context"
	"fmt"
	"strings"

	"ciphergram"
	"ciphergram/telegram"
)

// ReleaseRequest is what an archivist releases of a registered telegram.
type ReleaseRequest struct {
	Reveal []string // cover names whose true names are published
	Redact []string // passages withheld, exactly as they appear in the text
	Notes  []string // translator's notes, printed after the text
}

// Release releases a registered telegram for publication (archivists and
// admins). Every cover name revealed must be registered and appear in the
// telegram, and every passage withheld must appear in its text, so that
// nothing is published by mistake; the release is recorded with who made
// it.
func (s *Service) Release(ctx context.Context, actor *ciphergram.User, telegramID int64, req ReleaseRequest) (*ciphergram.Release, error) {
	if err := allow(actor, "release a telegram for publication", ciphergram.RoleArchivist); err != nil {
		return nil, err
	}
	if err := checkSizes(checkList("cover name revealed", req.Reveal, MaxNameBytes), checkList("passage withheld", req.Redact, MaxLineBytes),
		checkList("note", req.Notes, MaxNoteBytes)); err != nil {
		return nil, err
	}
	t, err := s.store.Telegram(ctx, telegramID)
	if err != nil {
		return nil, err
	}
	if t.State != ciphergram.StateRegistered {
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is %s: only a registered telegram is released", telegramID, t.State)
	}
	if err := cleared(actor, t, "release it"); err != nil {
		return nil, err
	}
	names, err := s.trueNames(ctx)
	if err != nil {
		return nil, err
	}
	r := &ciphergram.Release{TelegramID: t.ID, ReleasedBy: actor.Name, Released: s.Now()}
	for i, c := range req.Reveal {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if _, ok := names[c]; !ok {
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "reveal %d: no cover name %s is registered", i+1, c)
		}
		if annotated := (&telegram.Publication{Registered: telegram.Registered{Text: t.Text}, Reveal: map[string]string{c: "x"}}).Body(); annotated == t.Text {
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "reveal %d: %s does not appear in telegram %d", i+1, c, t.ID)
		}
		r.Reveal = append(r.Reveal, c)
	}
	for i, p := range req.Redact {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(t.Text, p) {
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "redaction %d: the passage %q does not appear in the text of telegram %d", i+1, p, t.ID)
		}
		r.Redact = append(r.Redact, p)
	}
	for _, n := range req.Notes {
		if n = strings.TrimSpace(n); n != "" {
			r.Notes = append(r.Notes, n)
		}
	}
	detail := fmt.Sprintf("reveals %s; %d passage(s) withheld; %d note(s)", orNone(r.Reveal), len(r.Redact), len(r.Notes))
	if err := s.store.CreateRelease(ctx, r, s.audit(actor, "telegram.released", fmt.Sprintf("telegram %d", t.ID), detail)); err != nil {
		return nil, err
	}
	return r, nil
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "no true names"
	}
	return strings.Join(xs, ", ")
}

// trueNames maps the registered cover names to their true names.
func (s *Service) trueNames(ctx context.Context) (map[string]string, error) {
	cs, err := s.store.Cryptonyms(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(cs))
	for _, c := range cs {
		m[c.Cover] = c.TrueName
	}
	return m, nil
}

// Releases lists the releases of a telegram (all if 0). A release is for
// publication, so anyone signed in may see it.
func (s *Service) Releases(ctx context.Context, actor *ciphergram.User, telegramID int64) ([]*ciphergram.Release, error) {
	if actor == nil {
		return nil, ciphergram.Errorf(ciphergram.EUNAUTHORIZED, "releases: no user")
	}
	return s.store.Releases(ctx, telegramID)
}

// Publication is the declassified translation a release publishes. It
// shows only what the release released, so anyone signed in may have it.
func (s *Service) Publication(ctx context.Context, actor *ciphergram.User, releaseID int64) (*telegram.Publication, error) {
	rs, err := s.Releases(ctx, actor, 0)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.ID != releaseID {
			continue
		}
		t, err := s.store.Telegram(ctx, r.TelegramID)
		if err != nil {
			return nil, err
		}
		names, err := s.trueNames(ctx)
		if err != nil {
			return nil, err
		}
		p := &telegram.Publication{Registered: telegram.Registered{Classification: t.Classification, Caveat: t.Caveat,
			Numbers: t.Numbers, From: t.From, Received: t.Received, Deciphered: t.Deciphered, Text: t.Text},
			Reveal: map[string]string{}, Redact: r.Redact, Notes: r.Notes, ReleasedBy: r.ReleasedBy, Released: r.Released}
		for _, c := range r.Reveal {
			p.Reveal[c] = names[c]
		}
		if err := s.store.Record(ctx, s.audit(actor, "publication.read", fmt.Sprintf("release %d", r.ID), fmt.Sprintf("telegram %d", t.ID))); err != nil {
			return nil, err
		}
		return p, nil
	}
	return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no release %d", releaseID)
}
