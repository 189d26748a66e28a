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
	if err := cleared(actor, t, "decipher it"); err != nil {
		return nil, err
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
		if !burned {
			if err := s.askRepeat(ctx, actor, l, t.Nr, []int{ae.Part}, "authentication failed"); err != nil {
				return nil, fmt.Errorf("%v; asking for a repeat: %w", ae, err)
			}
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
