package office

import (
	"context"
	"crypto/subtle"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"ciphergram"
	"ciphergram/cipher"
)

// MarkSent hands an enciphered telegram to the cable: its state becomes
// sent and, when the link has a peer URL, each part is queued in the outbox
// for delivery, in the same transaction. Without a URL the clerk cables the
// wire text by hand.
func (s *Service) MarkSent(ctx context.Context, actor *ciphergram.User, id int64) (*ciphergram.Telegram, error) {
	if err := allow(actor, "send", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	t, err := s.store.Telegram(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Direction != ciphergram.Outgoing || t.State != ciphergram.StateEnciphered {
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is %s, not enciphered", id, t.State)
	}
	l, err := s.store.Link(ctx, t.To)
	if err != nil {
		return nil, err
	}
	var ds []*ciphergram.Delivery
	how := "to be cabled by hand"
	if l.PeerURL != "" {
		if ds, err = s.partDeliveries(t, nil); err != nil {
			return nil, err
		}
		how = fmt.Sprintf("%d part(s) queued for %s", len(ds), l.PeerURL)
	}
	t.State = ciphergram.StateSent
	if err := s.store.SendTelegram(ctx, t, ds, s.audit(actor, "telegram.sent", fmt.Sprintf("telegram %d", id), how)); err != nil {
		return nil, err
	}
	s.notify()
	return t, nil
}

// partDeliveries makes one delivery per part of t's wire (only the parts
// listed, if any are).
func (s *Service) partDeliveries(t *ciphergram.Telegram, only []int) ([]*ciphergram.Delivery, error) {
	ts, err := cipher.ParseTransmissions(t.Wire)
	if err != nil {
		return nil, ciphergram.Errorf(ciphergram.EINTERNAL, "telegram %d: stored wire: %v", t.ID, err)
	}
	var ds []*ciphergram.Delivery
	for _, tr := range ts {
		if len(only) > 0 && !slices.Contains(only, tr.Part) {
			continue
		}
		ds = append(ds, &ciphergram.Delivery{Peer: t.To, Kind: ciphergram.DeliverPart, TelegramID: t.ID, Part: tr.Part,
			Body: tr.Format(true), Queued: s.Now(), NextAttempt: s.Now()})
	}
	return ds, nil
}

// notify wakes the courier, if one listens, after something was queued.
func (s *Service) notify() {
	if s.Notify != nil {
		s.Notify()
	}
}

// AuthenticateLink checks the credential a peer office presents and
// returns its link. EUNAUTHORIZED for an unknown peer, a link without a
// credential, or a wrong one (the three are not told apart).
func (s *Service) AuthenticateLink(ctx context.Context, peer, secret string) (*ciphergram.Link, error) {
	l, err := s.store.Link(ctx, strings.ToUpper(peer))
	if err != nil && ciphergram.ErrorCode(err) != ciphergram.ENOTFOUND {
		return nil, err
	}
	if err != nil || l.Secret == "" || subtle.ConstantTimeCompare([]byte(l.Secret), []byte(secret)) != 1 {
		return nil, ciphergram.Errorf(ciphergram.EUNAUTHORIZED, "link credential refused")
	}
	return l, nil
}

// LinkActor is who acts for a peer office that delivers over its link: a
// clerk of that link, named so in the audit log.
func LinkActor(peer string) *ciphergram.User {
	return &ciphergram.User{Name: "link:" + peer, Role: ciphergram.RoleClerk}
}

// RepeatRequest is the service message that asks a sender to repeat parts
// of a telegram: "REPEAT NR 278 PARTS 2 3".
type RepeatRequest struct {
	Nr    int
	Parts []int
}

func (r RepeatRequest) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "REPEAT NR %d PARTS", r.Nr)
	for _, p := range r.Parts {
		fmt.Fprintf(&b, " %d", p)
	}
	return b.String()
}

// ParseRepeat reads a repeat request.
func ParseRepeat(msg string) (RepeatRequest, error) {
	f := strings.Fields(msg)
	if len(f) < 5 || f[0] != "REPEAT" || f[1] != "NR" || f[3] != "PARTS" {
		return RepeatRequest{}, ciphergram.Errorf(ciphergram.EINVALID, "service message %q: want REPEAT NR n PARTS p...", msg)
	}
	var r RepeatRequest
	var err error
	if r.Nr, err = strconv.Atoi(f[2]); err != nil || r.Nr < 1 {
		return r, ciphergram.Errorf(ciphergram.EINVALID, "service message %q: bad telegram number %q", msg, f[2])
	}
	for _, x := range f[4:] {
		p, err := strconv.Atoi(x)
		if err != nil || p < 1 || p > 99 {
			return r, ciphergram.Errorf(ciphergram.EINVALID, "service message %q: bad part number %q", msg, x)
		}
		r.Parts = append(r.Parts, p)
	}
	return r, nil
}

// Repeat answers a peer's request to repeat parts of one of the telegrams
// sent to it: the parts, as sent, are queued again. The same ciphertext is
// sent again; no key is used twice.
func (s *Service) Repeat(ctx context.Context, actor *ciphergram.User, peer string, msg string) error {
	if err := allow(actor, "repeat", ciphergram.RoleClerk); err != nil {
		return err
	}
	r, err := ParseRepeat(msg)
	if err != nil {
		return err
	}
	sent, err := s.store.Telegrams(ctx, ciphergram.TelegramFilter{Direction: ciphergram.Outgoing, State: ciphergram.StateSent, Peer: peer})
	if err != nil {
		return err
	}
	for _, t := range sent { // newest first: the latest telegram of that number
		if t.To != peer || t.Nr != r.Nr {
			continue
		}
		ds, err := s.partDeliveries(t, r.Parts)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			return ciphergram.Errorf(ciphergram.EINVALID, "telegram %d to %s has no part %v", t.ID, peer, r.Parts)
		}
		au := s.audit(actor, "telegram.repeat_queued", fmt.Sprintf("telegram %d", t.ID), msg)
		l, err := s.store.Link(ctx, peer)
		if err != nil {
			return err
		}
		if l.PeerURL == "" {
			return s.store.Record(ctx, au)
		}
		if err := s.store.QueueDeliveries(ctx, ds, au); err != nil {
			return err
		}
		s.notify()
		return nil
	}
	return ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram NR %d was sent to %s", r.Nr, peer)
}

// Backoff is the wait before attempt n+1 of a delivery that failed n
// times: doubling from a second to ten minutes, with jitter.
func Backoff(n int) time.Duration {
	d := time.Second << min(n, 10)
	d = min(d, 10*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// DueDeliveries returns what the courier should try now.
func (s *Service) DueDeliveries(ctx context.Context, limit int) ([]*ciphergram.Delivery, error) {
	return s.store.DueDeliveries(ctx, s.Now(), limit)
}

// Delivered records a peer's acknowledgement of a delivery.
func (s *Service) Delivered(ctx context.Context, d *ciphergram.Delivery, answer string) error {
	subject := fmt.Sprintf("%s to %s", d.Kind, d.Peer)
	if d.Kind == ciphergram.DeliverPart {
		subject = fmt.Sprintf("telegram %d part %d", d.TelegramID, d.Part)
	}
	return s.store.DeliveryDone(ctx, d.ID, s.Now(), ciphergram.Audit{Time: s.Now(), Actor: "system", Action: "delivery.acknowledged", Subject: subject, Detail: answer})
}

// DeliveryFailed keeps a failed attempt and schedules the next.
func (s *Service) DeliveryFailed(ctx context.Context, d *ciphergram.Delivery, cause error) error {
	return s.store.DeliveryFailed(ctx, d.ID, s.Now().Add(s.backoff(d.Attempts)), cause.Error())
}

func (s *Service) backoff(n int) time.Duration {
	if s.Backoff != nil {
		return s.Backoff(n)
	}
	return Backoff(n)
}

// Link returns a link (for the courier, which needs its URL and secret).
func (s *Service) Link(ctx context.Context, peer string) (*ciphergram.Link, error) {
	return s.store.Link(ctx, peer)
}
