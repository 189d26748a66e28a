package office

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/otp"
)

// Receipt says how an incoming telegram is to be handled.
type Receipt struct {
	Wire           string // the transmissions as they arrived (digits or letters)
	Classification string // default TOP SECRET
	Caveat         string
}

// Receive records the transmissions of one telegram as they arrived, with
// the time received. Nothing is deciphered yet; malformed text, a telegram
// not addressed to this office, or one from an office without a link is
// refused, and so is the same telegram received twice.
func (s *Service) Receive(ctx context.Context, actor *ciphergram.User, r Receipt) (*ciphergram.Telegram, error) {
	if err := allow(actor, "receive", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	ts, err := cipher.ParseTransmissions(r.Wire)
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "transmission: %v", err)
	}
	o, err := s.store.Office(ctx)
	if err != nil {
		return nil, err
	}
	f := ts[0]
	if f.To != o.Name {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "the telegram is addressed to %s, not to %s", f.To, o.Name)
	}
	l, err := s.store.Link(ctx, f.From)
	if err != nil {
		return nil, err
	}
	if err := s.checkNotReceived(ctx, f); err != nil {
		return nil, err
	}
	if r.Classification == "" {
		r.Classification = "TOP SECRET"
	}
	t := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: f.From, To: f.To,
		Nr: f.Nr, Prec: f.Prec, Mode: l.Mode, Classification: r.Classification, Caveat: r.Caveat,
		Wire: cipher.FormatAll(ts, true), Received: s.Now(), CreatedBy: actor.Name}
	a := s.audit(actor, "telegram.received", fmt.Sprintf("%s NR %d", f.From, f.Nr), fmt.Sprintf("%d part(s)", len(ts)))
	if err := s.store.CreateTelegram(ctx, t, a); err != nil {
		return nil, err
	}
	return t, nil
}

// checkNotReceived refuses a telegram already received (a replay or a
// repeat of one that is already being handled).
func (s *Service) checkNotReceived(ctx context.Context, f *cipher.Transmission) error {
	in, err := s.store.Telegrams(ctx, ciphergram.TelegramFilter{Direction: ciphergram.Incoming})
	if err != nil {
		return err
	}
	for _, t := range in {
		if t.From == f.From && t.Nr == f.Nr && t.State != ciphergram.StateReceived {
			return ciphergram.Errorf(ciphergram.ECONFLICT, "%s NR %d was already received and deciphered (telegram %d): a replay", f.From, f.Nr, t.ID)
		}
	}
	return nil
}

// storeKeys serves cipher.Keys from the store's incoming pads and remembers
// where each page was found.
type storeKeys struct {
	ctx   context.Context
	store ciphergram.Store
	refs  map[string]ciphergram.PageRef
}

func (k *storeKeys) Page(from, to, indicator string) (*otp.Page, error) {
	ref, p, err := k.store.IncomingPage(k.ctx, from, to, indicator)
	if err != nil {
		return nil, err
	}
	k.refs[indicator] = ref
	return p, nil
}

// Decipher verifies and deciphers a received telegram and registers it: the
// pages are destroyed, the registry numbers given and the text saved in one
// transaction. A bad tag releases nothing and is counted against its page,
// which is burned at the third failure.
func (s *Service) Decipher(ctx context.Context, actor *ciphergram.User, id int64) (*ciphergram.Telegram, error) {
	if err := allow(actor, "decipher", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	t, err := s.store.Telegram(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Direction != ciphergram.Incoming || t.State != ciphergram.StateReceived {
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is %s: only a received telegram is deciphered", id, t.State)
	}
	o, err := s.open(ctx, actor, t)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, p := range o.pages {
			p.Wipe()
		}
	}()
	t.Text, t.Deciphered = o.text, s.Now()
	a := s.audit(actor, "telegram.registered", fmt.Sprintf("telegram %d", id), fmt.Sprintf("%s NR %d, %d page(s) destroyed", t.From, t.Nr, len(o.refs)))
	if err := s.store.RegisterIncoming(ctx, t, o.refs, a); err != nil {
		return nil, err
	}
	return t, nil
}

type opened struct {
	text  string
	refs  []ciphergram.PageRef
	pages []*otp.Page
}

func (s *Service) open(ctx context.Context, actor *ciphergram.User, t *ciphergram.Telegram) (*opened, error) {
	l, err := s.store.Link(ctx, t.From)
	if err != nil {
		return nil, err
	}
	c, err := s.codec(l)
	if err != nil {
		return nil, err
	}
	ts, err := cipher.ParseTransmissions(t.Wire)
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "telegram %d: %v", t.ID, err)
	}
	keys := &storeKeys{ctx: ctx, store: s.store, refs: map[string]ciphergram.PageRef{}}
	o, err := cipher.Open(t.Mode, ts, keys)
	var ae *cipher.AuthError
	if errors.As(err, &ae) {
		burned, rerr := s.store.RecordAuthFailure(ctx, t.From, t.To, ae.Indicator,
			s.audit(actor, "telegram.auth_failed", fmt.Sprintf("telegram %d", t.ID), fmt.Sprintf("part %d, indicator %s", ae.Part, ae.Indicator)))
		if rerr != nil {
			return nil, fmt.Errorf("%v; recording the failure: %w", ae, rerr)
		}
		return nil, authFailure(ae, burned)
	}
	if err != nil {
		if ciphergram.ErrorCode(err) == ciphergram.EINTERNAL {
			err = ciphergram.Errorf(ciphergram.EINVALID, "telegram %d: %v", t.ID, err)
		}
		return nil, err
	}
	out := &opened{text: o.Text(c), pages: o.Pages}
	slices.SortFunc(ts, func(a, b *cipher.Transmission) int { return a.Part - b.Part })
	for _, tr := range ts {
		out.refs = append(out.refs, keys.refs[tr.Groups[0]])
	}
	return out, nil
}
