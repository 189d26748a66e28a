package office

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ciphergram"
	"ciphergram/cipher"
)

// Receipt is the text of one or more parts of an incoming telegram as they
// arrived, over a link or typed in by the cable clerk, and how the
// telegram is to be classified once all its parts are in.
type Receipt struct {
	Wire           string // the transmissions as they arrived (digits or letters)
	Classification string // default TOP SECRET
	Caveat         string
	// Via, when set, is the peer office that delivered the parts over its
	// link: parts from any other office are refused.
	Via string
}

// Arrival says what became of the parts handed in.
type Arrival struct {
	From  string
	Nr    int
	Parts []PartArrival // one per part handed in, in the order given
	// Held and Count are the parts of the telegram now held, of its count.
	Held, Count int
	// Telegram is the incoming telegram once all its parts are in.
	Telegram *ciphergram.Telegram
	// Repeat lists parts that arrived garbled; a repeat was asked of the
	// sender (if the link has a URL) or must be asked by hand.
	Repeat []int
	// Replay is set when every part was already held and the telegram is
	// already deciphered.
	Replay bool
}

// PartArrival is the fate of one part.
type PartArrival struct {
	Part    int
	Result  ciphergram.AcceptResult
	Garbled int // groups that could not be read
}

// Receive takes in a whole telegram typed or pasted in by the clerk (see
// Arrive). It is refused unless all its parts are then held, and a replay
// of a telegram already deciphered is refused too.
func (s *Service) Receive(ctx context.Context, actor *ciphergram.User, r Receipt) (*ciphergram.Telegram, error) {
	a, err := s.Arrive(ctx, actor, r)
	if err != nil {
		return nil, err
	}
	if a.Telegram == nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "%s NR %d: %d of %d parts held; the rest must arrive before it can be deciphered", a.From, a.Nr, a.Held, a.Count)
	}
	return a.Telegram, nil
}

// Arrive keeps the parts of one incoming telegram, from a link or the
// clerk, with the time received. Delivery is idempotent: a part already
// held changes nothing, so a part sent twice is never registered twice.
// Parts may come in any order; when the last is in, the parts are
// assembled into one incoming telegram in state received. A part that
// arrives garbled is kept, and a repeat is asked of the sender; the
// repeated part replaces it while the telegram is not yet deciphered.
// Nothing is deciphered here. A clerk who hands in a telegram already
// deciphered is refused (ECONFLICT: a replay); a peer delivering it again
// is answered with an Arrival that says so, as delivery is idempotent.
func (s *Service) Arrive(ctx context.Context, actor *ciphergram.User, r Receipt) (*Arrival, error) {
	if err := allow(actor, "receive", ciphergram.RoleClerk); err != nil {
		return nil, err
	}
	if err := checkSizes(checkSize("wire", r.Wire, MaxWireBytes), checkSize("caveat", r.Caveat, MaxLineBytes),
		checkSize("classification", r.Classification, MaxLineBytes)); err != nil {
		return nil, err
	}
	if r.Classification != "" {
		c, err := ciphergram.NormalizeClassification(r.Classification)
		if err != nil {
			return nil, err
		}
		r.Classification = c
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
	for _, t := range ts {
		if t.To != o.Name {
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "line %d: the part is addressed to %s, not to %s", t.Line, t.To, o.Name)
		}
		if r.Via != "" && t.From != r.Via {
			return nil, ciphergram.Errorf(ciphergram.EFORBIDDEN, "line %d: a part from %s delivered over the link to %s", t.Line, t.From, r.Via)
		}
		if t.From != f.From || t.Nr != f.Nr || t.Parts != f.Parts {
			return nil, ciphergram.Errorf(ciphergram.EINVALID, "line %d: %s NR %d part %d/%d is not a part of %s NR %d: hand in one telegram at a time", t.Line, t.From, t.Nr, t.Part, t.Parts, f.From, f.Nr)
		}
	}
	l, err := s.store.Link(ctx, f.From)
	if err != nil {
		return nil, err
	}
	a := &Arrival{From: f.From, Nr: f.Nr, Count: f.Parts}
	replaced, dupOf, dups := false, int64(0), 0
	for _, t := range ts {
		p := &ciphergram.InboxPart{Peer: t.From, Nr: t.Nr, Part: t.Part, Parts: t.Parts, Indicator: t.Groups[0],
			Wire: t.Format(true), Received: s.Now()}
		res, err := s.store.AcceptPart(ctx, p, s.audit(actor, "part.received", fmt.Sprintf("%s NR %d part %d/%d", t.From, t.Nr, t.Part, t.Parts), string(partResult(t))))
		if err != nil {
			return nil, err
		}
		replaced = replaced || res == ciphergram.PartReplaced
		if res == ciphergram.PartDuplicate {
			dups++
			dupOf = max(dupOf, p.TelegramID)
		}
		a.Parts = append(a.Parts, PartArrival{Part: t.Part, Result: res, Garbled: len(t.Garbles)})
		if len(t.Garbles) > 0 && res != ciphergram.PartDuplicate {
			a.Repeat = append(a.Repeat, t.Part)
		}
	}
	if len(a.Repeat) > 0 {
		if err := s.askRepeat(ctx, actor, l, f.Nr, a.Repeat, "garbled"); err != nil {
			return nil, err
		}
	}
	if err := s.assemble(ctx, actor, a, r, l, replaced); err != nil {
		return nil, err
	}
	if a.Telegram == nil && dups == len(ts) && dupOf != 0 {
		t, err := s.store.Telegram(ctx, dupOf)
		if err != nil {
			return nil, err
		}
		a.Telegram, a.Held, a.Replay = t, a.Count, t.State != ciphergram.StateReceived
	}
	if a.Replay && r.Via == "" {
		return nil, ciphergram.Errorf(ciphergram.ECONFLICT, "%s NR %d was already received and deciphered (telegram %d): a replay", a.From, a.Nr, a.Telegram.ID)
	}
	return a, nil
}

func partResult(t *cipher.Transmission) string {
	if len(t.Garbles) > 0 {
		return fmt.Sprintf("%d group(s) garbled", len(t.Garbles))
	}
	return "clean"
}

// assemble makes the incoming telegram once every part of it is held, or
// brings its wire up to date when a repeat replaced a part.
func (s *Service) assemble(ctx context.Context, actor *ciphergram.User, a *Arrival, r Receipt, l *ciphergram.Link, replaced bool) error {
	held, err := s.store.InboxParts(ctx, a.From, a.Nr)
	if err != nil {
		return err
	}
	parts := map[int]*ciphergram.InboxPart{}
	for _, p := range held {
		if p.Parts == a.Count {
			parts[p.Part] = p // the latest held of a part number wins
		}
	}
	a.Held = len(parts)
	if a.Held < a.Count {
		return nil
	}
	ids, wires, tid := make([]int64, 0, a.Count), make([]string, 0, a.Count), int64(0)
	var received = parts[1].Received
	for n := 1; n <= a.Count; n++ {
		p := parts[n]
		ids, wires = append(ids, p.ID), append(wires, p.Wire)
		if p.Received.After(received) {
			received = p.Received
		}
		if p.TelegramID != 0 {
			tid = p.TelegramID
		}
	}
	wire := strings.Join(wires, "\n\n") + "\n"
	if tid != 0 {
		return s.refresh(ctx, actor, a, tid, wire, replaced)
	}
	if r.Classification == "" {
		r.Classification = ciphergram.TopSecret
	}
	t := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: a.From, To: l.Peer,
		Nr: a.Nr, Mode: l.Mode, Classification: r.Classification, Caveat: r.Caveat, Wire: wire, Received: received,
		CreatedBy: actor.Name}
	if ts, err := cipher.ParseTransmissions(wire); err == nil {
		t.Prec, t.To = ts[0].Prec, ts[0].To
	}
	au := s.audit(actor, "telegram.received", fmt.Sprintf("%s NR %d", a.From, a.Nr), fmt.Sprintf("%d part(s) assembled", a.Count))
	err = s.store.AssembleTelegram(ctx, t, ids, au)
	if ciphergram.ErrorCode(err) == ciphergram.ECONFLICT {
		// Another arrival assembled it first: read what it made.
		return s.refresh(ctx, actor, a, 0, wire, false)
	}
	if err != nil {
		return err
	}
	a.Telegram = t
	return nil
}

// refresh finds the telegram the parts were assembled into and, when a
// repeat replaced one of them, saves the new wire.
func (s *Service) refresh(ctx context.Context, actor *ciphergram.User, a *Arrival, tid int64, wire string, replaced bool) error {
	if tid == 0 {
		held, err := s.store.InboxParts(ctx, a.From, a.Nr)
		if err != nil {
			return err
		}
		for _, p := range held {
			tid = max(tid, p.TelegramID)
		}
	}
	if tid == 0 {
		return ciphergram.Errorf(ciphergram.EINTERNAL, "%s NR %d: parts held but no telegram assembled", a.From, a.Nr)
	}
	t, err := s.store.Telegram(ctx, tid)
	if err != nil {
		return err
	}
	if replaced && t.State == ciphergram.StateReceived && t.Wire != wire {
		t.Wire = wire
		au := s.audit(actor, "telegram.repeated", fmt.Sprintf("telegram %d", t.ID), "a repeated part replaced the one held")
		if err := s.store.UpdateTelegram(ctx, t, ciphergram.StateReceived, "", au); err != nil {
			return err
		}
	}
	a.Telegram = t
	return nil
}

// askRepeat queues a service message asking the sender to repeat parts of
// telegram nr; without a URL on the link it is only recorded, for the
// clerk to ask by hand.
func (s *Service) askRepeat(ctx context.Context, actor *ciphergram.User, l *ciphergram.Link, nr int, parts []int, why string) error {
	msg := RepeatRequest{Nr: nr, Parts: slices.Clone(parts)}.String()
	subject := fmt.Sprintf("%s NR %d", l.Peer, nr)
	au := s.audit(actor, "repeat.requested", subject, why+": "+msg)
	if l.PeerURL == "" {
		return s.store.Record(ctx, au)
	}
	d := &ciphergram.Delivery{Peer: l.Peer, Kind: ciphergram.DeliverRepeat, Body: msg, Queued: s.Now(), NextAttempt: s.Now()}
	if err := s.store.QueueDeliveries(ctx, []*ciphergram.Delivery{d}, au); err != nil {
		return err
	}
	s.notify()
	return nil
}
