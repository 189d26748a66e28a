package office

import (
	"context"
	"fmt"
	"strings"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/otp"
	"ciphergram/telegram"
)

// Draft is what an officer writes.
type Draft struct {
	To             string
	Text           string
	Classification string // default TOP SECRET
	Caveat         string // e.g. Removal of copies prohibited
	Prec           cipher.Precedence
}

// Compose stores a draft telegram to a linked office. The text is checked
// against the link's codebook now, so that a clerk never finds it
// unencodable later.
func (s *Service) Compose(ctx context.Context, actor *ciphergram.User, d Draft) (*ciphergram.Telegram, error) {
	if err := allow(actor, "compose a telegram", ciphergram.RoleOfficer); err != nil {
		return nil, err
	}
	o, err := s.store.Office(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.store.Link(ctx, strings.ToUpper(d.To))
	if err != nil {
		return nil, err
	}
	c, err := s.codec(l)
	if err != nil {
		return nil, err
	}
	if _, err := cipher.Prepare(c, d.Text, l.Mode, otp.DefaultGroupsPerPage); err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "text: %v", err)
	}
	if d.Classification == "" {
		d.Classification = "TOP SECRET"
	}
	if d.Prec == 0 {
		d.Prec = cipher.Routine
	}
	t := &ciphergram.Telegram{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, From: o.Name, To: l.Peer,
		Prec: d.Prec, Mode: l.Mode, Classification: d.Classification, Caveat: d.Caveat, Text: strings.TrimSpace(d.Text),
		CreatedBy: actor.Name}
	if err := s.store.CreateTelegram(ctx, t, s.audit(actor, "telegram.composed", "draft to "+l.Peer, "")); err != nil {
		return nil, err
	}
	return t, nil
}

// Sign closes a draft with the signing officer's cover name and gives it
// the next outgoing number of the year.
func (s *Service) Sign(ctx context.Context, actor *ciphergram.User, id int64) (*ciphergram.Telegram, error) {
	if err := allow(actor, "sign a telegram", ciphergram.RoleOfficer); err != nil {
		return nil, err
	}
	if actor.Cover == "" {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "%s has no cover name to sign with", actor.Name)
	}
	t, err := s.store.Telegram(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Direction != ciphergram.Outgoing || t.State != ciphergram.StateDraft {
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is %s, not a draft", id, t.State)
	}
	t.State, t.Filed, t.SignedBy = ciphergram.StateSigned, s.Now(), actor.Cover
	a := s.audit(actor, "telegram.signed", fmt.Sprintf("telegram %d", id), "as "+actor.Cover)
	if err := s.store.UpdateTelegram(ctx, t, ciphergram.StateDraft, ciphergram.CounterOutgoing, a); err != nil {
		return nil, err
	}
	return t, nil
}

// SignedText is the text that is enciphered: the draft and its closing line.
func SignedText(t *ciphergram.Telegram) string {
	c := telegram.Closing{Date: t.Filed, Nr: t.Nr, Cover: t.SignedBy}
	return fmt.Sprintf("%s\n\n%s. No. %d. %s.", t.Text, c.Date.Format("2 January 2006"), c.Nr, c.Cover)
}

// Encipher enciphers a signed telegram with the next pages of the link's
// pad. The pages are claimed and destroyed durably before the ciphertext
// exists; if anything fails after the claim the pages stay burned and the
// telegram stays signed, to be enciphered again with fresh pages.
func (s *Service) Encipher(ctx context.Context, actor *ciphergram.User, id int64) (*ciphergram.Telegram, error) {
	if err := allow(actor, "encipher", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	t, err := s.store.Telegram(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Direction != ciphergram.Outgoing || t.State != ciphergram.StateSigned {
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is %s: only a signed telegram is enciphered", id, t.State)
	}
	prep, err := s.prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	subject := fmt.Sprintf("telegram %d", id)
	pages, err := s.store.ClaimPages(ctx, t.From, t.To, prep.Parts(), t.ID, s.audit(actor, "pages.claimed", subject, fmt.Sprintf("%d page(s) of %s to %s", prep.Parts(), t.From, t.To)))
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, p := range pages {
			p.Wipe()
		}
	}()
	msg := cipher.Message{From: t.From, To: t.To, Nr: t.Nr, Day: t.Filed.Day(), Prec: t.Prec}
	ts, err := prep.Seal(msg, pages)
	if err != nil {
		return nil, fmt.Errorf("sealing %s (its pages are burned): %w", subject, err)
	}
	t.Wire, t.State = cipher.FormatAll(ts, true), ciphergram.StateEnciphered
	if err := s.store.UpdateTelegram(ctx, t, ciphergram.StateSigned, "", s.audit(actor, "telegram.enciphered", subject, fmt.Sprintf("%d part(s)", len(ts)))); err != nil {
		return nil, err
	}
	return t, nil
}

// prepare encodes a signed telegram for its link; it uses no key.
func (s *Service) prepare(ctx context.Context, t *ciphergram.Telegram) (*cipher.Prepared, error) {
	l, err := s.store.Link(ctx, t.To)
	if err != nil {
		return nil, err
	}
	c, err := s.codec(l)
	if err != nil {
		return nil, err
	}
	gpp := otp.DefaultGroupsPerPage
	pads, err := s.store.Pads(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range pads {
		if p.Direction == ciphergram.PadOut && p.To == t.To && p.Left() > 0 {
			gpp = p.GroupsPerPage
			break
		}
	}
	prep, err := cipher.Prepare(c, SignedText(t), t.Mode, gpp)
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "telegram %d: %v", t.ID, err)
	}
	return prep, nil
}

// errAuth reports an authentication failure already counted.
func authFailure(ae *cipher.AuthError, burned bool) error {
	note := "the failure is counted against the page"
	if burned {
		note = fmt.Sprintf("the page is burned after %d failures", otp.MaxFailures)
	}
	return ciphergram.Errorf(ciphergram.EINVALID, "%v; %s; ask the sender for a repeat", ae, note)
}
