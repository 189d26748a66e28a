package office

import (
	"context"
	"errors"
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
	if err := checkSizes(checkSize("text", d.Text, MaxTextBytes), checkSize("caveat", d.Caveat, MaxLineBytes),
		checkSize("classification", d.Classification, MaxLineBytes)); err != nil {
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
		d.Classification = ciphergram.TopSecret
	}
	if d.Classification, err = ciphergram.NormalizeClassification(d.Classification); err != nil {
		return nil, err
	}
	if !actor.ClearedFor(d.Classification) {
		return nil, ciphergram.Errorf(ciphergram.EFORBIDDEN, "%s is cleared to %s and may not compose a %s telegram",
			actor.Name, actor.Clearance, d.Classification)
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
// pad. The pages are claimed, the ciphertext made with them and the
// enciphered telegram saved in one durable transaction
// (Store.EncipherTelegram), and the ciphertext leaves only once it has
// committed: if anything fails no page is used, the telegram stays signed,
// and the ciphertext made is dropped, never released.
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
	if err := cleared(actor, t, "encipher it"); err != nil {
		return nil, err
	}
	c, err := s.linkCodec(ctx, t.To)
	if err != nil {
		return nil, err
	}
	gpp, err := s.pageSize(ctx, t.From, t.To)
	if err != nil {
		return nil, err
	}
	subject := fmt.Sprintf("telegram %d", id)
	msg := cipher.Message{From: t.From, To: t.To, Nr: t.Nr, Day: t.Filed.Day(), Prec: t.Prec}
	for try := 1; ; try++ {
		prep, err := cipher.Prepare(c, SignedText(t), t.Mode, gpp)
		if err != nil {
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "telegram %d: %v", t.ID, err)
		}
		seal := func(pages []*otp.Page) (string, error) {
			for _, pg := range pages {
				if n := len(pg.Digits) / otp.GroupSize; n != gpp {
					return "", &pageSizeError{want: gpp, got: n}
				}
			}
			ts, err := prep.Seal(msg, pages)
			if err != nil {
				return "", fmt.Errorf("sealing %s (no page is used): %w", subject, err)
			}
			return cipher.FormatAll(ts, true), nil
		}
		claimed := s.audit(actor, "pages.claimed", subject, fmt.Sprintf("%d page(s) of %s to %s", prep.Parts(), t.From, t.To))
		enciphered := s.audit(actor, "telegram.enciphered", subject, fmt.Sprintf("%d part(s)", prep.Parts()))
		err = s.store.EncipherTelegram(ctx, t, prep.Parts(), seal, claimed, enciphered)
		var size *pageSizeError
		switch {
		case errors.As(err, &size) && try == 1:
			// The link's next pad has pages of another size than was
			// thought: cut the telegram for those.
			gpp = size.got
			s.pageSizes.Store(linkKey(t.From, t.To), gpp)
			continue
		case errors.As(err, &size): // it needs pages of two pads of different sizes
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "telegram %d: %v", id, err)
		}
		if err != nil {
			return nil, err
		}
		return t, nil
	}
}

// pageSizeError is the seal's refusal of pages of another size than the
// telegram was cut for; nothing was claimed.
type pageSizeError struct{ want, got int }

func (e *pageSizeError) Error() string {
	return fmt.Sprintf("the link's next pages have %d groups, not %d; no page is used", e.got, e.want)
}

// linkCodec returns the codec of the link to peer.
func (s *Service) linkCodec(ctx context.Context, peer string) (cipher.Codec, error) {
	l, err := s.store.Link(ctx, peer)
	if err != nil {
		return nil, err
	}
	return s.codec(l)
}

// pageSize is the number of groups of the pages the link from->to sends
// with next. It is remembered from the pads in custody, read the first
// time, and corrected by Encipher when the pages it gets tell otherwise
// (a pad used up, another imported), so that no encipherment reads every
// pad's pages.
func (s *Service) pageSize(ctx context.Context, from, to string) (int, error) {
	if n, ok := s.pageSizes.Load(linkKey(from, to)); ok {
		return n.(int), nil
	}
	gpp := otp.DefaultGroupsPerPage
	pads, err := s.store.Pads(ctx)
	if err != nil {
		return 0, err
	}
	var first *ciphergram.PadInfo // the oldest with pages left, as claims take them
	for _, p := range pads {
		if p.Direction == ciphergram.PadOut && p.From == from && p.To == to && p.Left() > 0 &&
			(first == nil || p.Imported.Before(first.Imported)) {
			first = p
		}
	}
	if first != nil {
		gpp = first.GroupsPerPage
		s.pageSizes.Store(linkKey(from, to), gpp)
	}
	return gpp, nil
}

func linkKey(from, to string) string { return from + ">" + to }

// errAuth reports an authentication failure already counted.
func authFailure(ae *cipher.AuthError, burned bool) error {
	note := "the failure is counted against the page"
	if burned {
		note = fmt.Sprintf("the page is burned after %d failures", otp.MaxFailures)
	}
	return ciphergram.Errorf(ciphergram.EINVALID, "%v; %s; ask the sender for a repeat", ae, note)
}
