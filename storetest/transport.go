package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
)

func testDestroyPad(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	out := genPad(t, 1, "LON-CEN-1", home, centre, 5, 10)
	in := genPad(t, 2, "CEN-LON-1", centre, home, 4, 10)
	other := genPad(t, 3, "LON-WAS-1", home, washin, 3, 10)
	e.importPad(out, ciphergram.PadOut)
	e.importPad(in, ciphergram.PadIn)
	e.importPad(other, ciphergram.PadOut)
	tg := e.draft("before the order", day(10, 0))
	_, err := e.st.ClaimPages(e.ctx, home, centre, 2, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages", err)

	a := e.audit("pad.destroyed")
	n, err := e.st.DestroyPad(e.ctx, out.ID, a)
	must(t, "DestroyPad", err)
	if n != 3 {
		t.Errorf("DestroyPad of a pad with 3 unused pages destroyed %d", n)
	}
	checkLastAudit(t, e, a)
	_, err = e.st.ClaimPages(e.ctx, home, centre, 1, tg.ID, e.audit("pages.claimed"))
	wantCode(t, "ClaimPages after DestroyPad", err, ciphergram.EEXHAUSTED)
	checkExport(t, e, out, burned(1, 2, 3, 4, 5))
	want := append(destroyed(out, "sent", tg.ID, 1, 2), destroyed(out, "destroyed by order", 0, 3, 4, 5)...)
	checkDestructions(t, e, want)

	// Destroyed already: nothing is left to destroy, and no record is added.
	n, err = e.st.DestroyPad(e.ctx, out.ID, e.audit("pad.destroyed"))
	must(t, "DestroyPad again", err)
	if n != 0 {
		t.Errorf("DestroyPad of a destroyed pad destroyed %d pages", n)
	}
	checkDestructions(t, e, want)

	// An incoming pad, one of whose pages failed once: the failure does not
	// keep it.
	_, err = e.st.RecordAuthFailure(e.ctx, centre, home, in.Pages[1].Indicator(), e.audit("telegram.auth_failed"))
	must(t, "RecordAuthFailure", err)
	n, err = e.st.DestroyPad(e.ctx, in.ID, e.audit("pad.destroyed"))
	must(t, "DestroyPad of an incoming pad", err)
	if n != 4 {
		t.Errorf("DestroyPad of an incoming pad of 4 unused pages destroyed %d", n)
	}
	e.checkUnused(in, burned(1, 2, 3, 4))
	want = append(want, destroyed(in, "destroyed by order", 0, 1, 2, 3, 4)...)
	checkDestructions(t, e, want)

	a = e.audit("pad.destroyed")
	_, err = e.st.DestroyPad(e.ctx, "LON-CEN-404", a)
	wantCode(t, "DestroyPad of an unknown pad", err, ciphergram.ENOTFOUND)
	if entries := checkChain(t, e); entries[len(entries)-1].Subject == a.Subject {
		t.Error("the refused DestroyPad was audited")
	}

	// Other pads are untouched.
	checkExport(t, e, other, nil)
	got, err := e.st.ClaimPages(e.ctx, home, washin, 3, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages on another link", err)
	checkClaimed(t, got, other.Pages...)
	checkPads(t, e, []ciphergram.PadInfo{
		{ID: "CEN-LON-1", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 4, Used: 4},
		{ID: "LON-CEN-1", From: home, To: centre, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 5, Used: 5},
		{ID: "LON-WAS-1", From: home, To: washin, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 3, Used: 3},
	})
}

// enciphered stores an outgoing telegram to the CENTRE and takes it to
// state enciphered.
func (e *env) enciphered(text string, filed time.Time, nr int) *ciphergram.Telegram {
	e.t.Helper()
	tg := e.draft(text, filed)
	e.sign(tg, nr)
	tg.State, tg.Wire = ciphergram.StateEnciphered, fmt.Sprintf("LONDON CENTRE NR %d 1/2\n\nLONDON CENTRE NR %d 2/2", tg.Nr, tg.Nr)
	must(e.t, "UpdateTelegram", e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateSigned, "", e.audit("telegram.enciphered")))
	return tg
}

// partDeliveries are the deliveries of the parts of tg.
func partDeliveries(tg *ciphergram.Telegram, queued time.Time, parts int) []*ciphergram.Delivery {
	var ds []*ciphergram.Delivery
	for n := 1; n <= parts; n++ {
		ds = append(ds, &ciphergram.Delivery{Peer: tg.To, Kind: ciphergram.DeliverPart, TelegramID: tg.ID, Part: n,
			Body: fmt.Sprintf("LONDON CENTRE NR %d %d/%d\n12345 67890", tg.Nr, n, parts), Queued: queued, NextAttempt: queued})
	}
	return ds
}

// checkDeliveries compares deliveries with want, times as instants.
func checkDeliveries(t *testing.T, what string, got, want []*ciphergram.Delivery) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s gave %d deliveries %v, want %d %v", what, len(got), deliveryIDs(got), len(want), deliveryIDs(want))
		return
	}
	for i, w := range want {
		g := *got[i]
		for _, tt := range []struct{ g, w *time.Time }{{&g.Queued, &w.Queued}, {&g.NextAttempt, &w.NextAttempt}, {&g.Delivered, &w.Delivered}} {
			if tt.g.Equal(*tt.w) {
				*tt.g = *tt.w
			}
		}
		if g != *w {
			t.Errorf("%s [%d] = %+v, want %+v", what, i, g, *w)
		}
	}
}

func deliveryIDs(ds []*ciphergram.Delivery) []int64 {
	var ids []int64
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return ids
}

// checkDue checks DueDeliveries at now, up to limit, against want.
func checkDue(t *testing.T, e *env, now time.Time, limit int, want ...*ciphergram.Delivery) {
	t.Helper()
	got, err := e.st.DueDeliveries(e.ctx, now, limit)
	must(t, "DueDeliveries", err)
	checkDeliveries(t, fmt.Sprintf("DueDeliveries at %s, limit %d", now.Format(time.TimeOnly), limit), got, want)
}

func testSendTelegram(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	tg := e.enciphered("two parts", day(10, 0), 1)
	signed := e.draft("signed only", day(10, 5))
	e.sign(signed, 2)

	// From the wrong state: nothing is saved, nothing queued.
	saved := *signed
	signed.State, signed.Wire = ciphergram.StateSent, "LONDON CENTRE NR 2 1/1"
	a := e.audit("telegram.sent")
	err := e.st.SendTelegram(e.ctx, signed, partDeliveries(signed, day(11, 0), 1), a)
	wantCode(t, "SendTelegram of a signed telegram", err, ciphergram.ECONFLICT)
	checkTelegram(t, e, &saved)
	all, err := e.st.Deliveries(e.ctx, 0)
	must(t, "Deliveries", err)
	checkDeliveries(t, "Deliveries after the refused SendTelegram", all, nil)
	checkDue(t, e, day(23, 0), 0)
	if entries := checkChain(t, e); entries[len(entries)-1].Subject == a.Subject {
		t.Error("the refused SendTelegram was audited")
	}

	tg.State = ciphergram.StateSent
	ds := partDeliveries(tg, day(11, 0), 2)
	a = e.audit("telegram.sent")
	must(t, "SendTelegram", e.st.SendTelegram(e.ctx, tg, ds, a))
	if ds[0].ID == 0 || ds[1].ID == 0 || ds[0].ID == ds[1].ID {
		t.Errorf("SendTelegram gave the deliveries IDs %d and %d, want two distinct IDs", ds[0].ID, ds[1].ID)
	}
	checkTelegram(t, e, tg)
	checkLastAudit(t, e, a)
	got, err := e.st.Deliveries(e.ctx, tg.ID)
	must(t, "Deliveries", err)
	want := slices.SortedFunc(slices.Values(ds), func(a, b *ciphergram.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	checkDeliveries(t, "Deliveries of the telegram sent", got, want)
	checkDue(t, e, day(11, 0), 0, want...)

	// Sent already: refused, and nothing more is queued.
	again := *tg
	err = e.st.SendTelegram(e.ctx, &again, partDeliveries(tg, day(12, 0), 2), e.audit("telegram.sent"))
	wantCode(t, "SendTelegram of a telegram sent", err, ciphergram.ECONFLICT)
	all, err = e.st.Deliveries(e.ctx, 0)
	must(t, "Deliveries", err)
	checkDeliveries(t, "Deliveries after sending twice", all, want)

	ghost := *tg
	ghost.ID += 1000
	ghost.State = ciphergram.StateSent
	err = e.st.SendTelegram(e.ctx, &ghost, nil, e.audit("telegram.sent"))
	if c := ciphergram.ErrorCode(err); c != ciphergram.ENOTFOUND && c != ciphergram.ECONFLICT {
		t.Errorf("SendTelegram of an unknown ID: error code %q (%v), want %q or %q", c, err, ciphergram.ENOTFOUND, ciphergram.ECONFLICT)
	}
}

func testDeliveries(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	tg := e.draft("queued", day(9, 30))
	other := e.draft("other", day(9, 40))
	queued := day(9, 50)
	ds := []*ciphergram.Delivery{
		{Peer: centre, Kind: ciphergram.DeliverPart, TelegramID: tg.ID, Part: 1, Body: "part one", Queued: queued, NextAttempt: day(11, 0)},
		{Peer: centre, Kind: ciphergram.DeliverPart, TelegramID: tg.ID, Part: 2, Body: "part two", Queued: queued, NextAttempt: day(10, 0)},
		{Peer: washin, Kind: ciphergram.DeliverRepeat, Body: "REPEAT NR 7 PARTS 2 3", Queued: queued, NextAttempt: day(11, 0)},
		{Peer: centre, Kind: ciphergram.DeliverPart, TelegramID: tg.ID, Part: 3, Body: "part «three»\n", Queued: queued, NextAttempt: day(13, 0)},
	}
	a := e.audit("deliveries.queued")
	must(t, "QueueDeliveries", e.st.QueueDeliveries(e.ctx, ds, a))
	checkLastAudit(t, e, a)
	ids := map[int64]bool{}
	for _, d := range ds {
		if d.ID == 0 || ids[d.ID] {
			t.Fatalf("QueueDeliveries gave IDs %v, want distinct IDs", deliveryIDs(ds))
		}
		ids[d.ID] = true
		if !d.Pending() {
			t.Errorf("delivery %d is not pending", d.ID)
		}
	}
	byID := slices.SortedFunc(slices.Values(ds), func(a, b *ciphergram.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	// due orders deliveries as DueDeliveries must: by NextAttempt, then ID.
	due := func(ds ...*ciphergram.Delivery) []*ciphergram.Delivery {
		return slices.SortedFunc(slices.Values(ds), func(a, b *ciphergram.Delivery) int {
			return cmp.Or(a.NextAttempt.Compare(b.NextAttempt), cmp.Compare(a.ID, b.ID))
		})
	}

	all, err := e.st.Deliveries(e.ctx, 0)
	must(t, "Deliveries(0)", err)
	checkDeliveries(t, "Deliveries(0)", all, byID)
	got, err := e.st.Deliveries(e.ctx, tg.ID)
	must(t, "Deliveries of the telegram", err)
	checkDeliveries(t, "Deliveries of the telegram", got, []*ciphergram.Delivery{ds[0], ds[1], ds[3]})
	got, err = e.st.Deliveries(e.ctx, other.ID)
	must(t, "Deliveries of another telegram", err)
	checkDeliveries(t, "Deliveries of another telegram", got, nil)

	checkDue(t, e, day(9, 59), 0)
	checkDue(t, e, day(10, 0), 0, ds[1]) // not after now: at now is due
	checkDue(t, e, day(12, 0), 0, due(ds[0], ds[1], ds[2])...)
	checkDue(t, e, day(12, 0), 2, due(ds[0], ds[1], ds[2])[:2]...)
	checkDue(t, e, day(23, 0), 0, due(ds...)...)

	// Failed attempts are counted and put off; no act is recorded.
	entries := len(checkChain(t, e))
	must(t, "DeliveryFailed", e.st.DeliveryFailed(e.ctx, ds[1].ID, day(12, 30), "connection refused"))
	ds[1].Attempts, ds[1].NextAttempt, ds[1].LastError = 1, day(12, 30), "connection refused"
	checkDue(t, e, day(12, 0), 0, due(ds[0], ds[2])...)
	must(t, "DeliveryFailed", e.st.DeliveryFailed(e.ctx, ds[1].ID, day(12, 40), "503 Service Unavailable"))
	ds[1].Attempts, ds[1].NextAttempt, ds[1].LastError = 2, day(12, 40), "503 Service Unavailable"
	checkDue(t, e, day(12, 40), 0, due(ds[0], ds[1], ds[2])...)
	if got := checkChain(t, e); len(got) != entries {
		t.Errorf("DeliveryFailed added %d audit entries, want none", len(got)-entries)
	}
	wantCode(t, "DeliveryFailed of an unknown delivery", e.st.DeliveryFailed(e.ctx, byID[3].ID+1000, day(13, 0), "x"), ciphergram.ENOTFOUND)

	// Acknowledged: no longer due, and acknowledged once.
	a = e.audit("delivery.acknowledged")
	must(t, "DeliveryDone", e.st.DeliveryDone(e.ctx, ds[0].ID, day(12, 5), a))
	checkLastAudit(t, e, a)
	ds[0].Delivered = day(12, 5)
	if ds[0].Pending() {
		t.Fatal("fixture: an acknowledged delivery is pending")
	}
	checkDue(t, e, day(23, 0), 0, due(ds[1], ds[2], ds[3])...)
	a = e.audit("delivery.acknowledged")
	wantCode(t, "DeliveryDone twice", e.st.DeliveryDone(e.ctx, ds[0].ID, day(12, 10), a), ciphergram.ECONFLICT)
	if got := checkChain(t, e); got[len(got)-1].Subject == a.Subject {
		t.Error("the refused DeliveryDone was audited")
	}
	wantCode(t, "DeliveryDone of an unknown delivery", e.st.DeliveryDone(e.ctx, byID[3].ID+1000, day(12, 10), e.audit("delivery.acknowledged")), ciphergram.ENOTFOUND)
	all, err = e.st.Deliveries(e.ctx, 0)
	must(t, "Deliveries(0)", err)
	checkDeliveries(t, "Deliveries(0) at the end", all, byID)

	for _, d := range ds[1:] {
		must(t, "DeliveryDone", e.st.DeliveryDone(e.ctx, d.ID, day(13, 0), e.audit("delivery.acknowledged")))
	}
	checkDue(t, e, day(23, 0), 0)
}

// part is an incoming part from peer of its telegram nr.
func part(peer string, nr, n, parts int, indicator, wire string, received time.Time) *ciphergram.InboxPart {
	return &ciphergram.InboxPart{Peer: peer, Nr: nr, Part: n, Parts: parts, Indicator: indicator, Wire: wire, Received: received}
}

// accept hands p to AcceptPart and checks the result.
func (e *env) accept(p *ciphergram.InboxPart, want ciphergram.AcceptResult) {
	e.t.Helper()
	res, err := e.st.AcceptPart(e.ctx, p, e.audit("part.received"))
	must(e.t, fmt.Sprintf("AcceptPart %s NR %d part %d", p.Peer, p.Nr, p.Part), err)
	if res != want {
		e.t.Errorf("AcceptPart %s NR %d part %d (%s): %s, want %s", p.Peer, p.Nr, p.Part, p.Indicator, res, want)
	}
	if p.ID == 0 {
		e.t.Errorf("AcceptPart %s NR %d part %d left the ID unset", p.Peer, p.Nr, p.Part)
	}
}

// checkParts compares InboxParts(peer, nr) with want.
func checkParts(t *testing.T, e *env, peer string, nr int, want ...*ciphergram.InboxPart) {
	t.Helper()
	got, err := e.st.InboxParts(e.ctx, peer, nr)
	must(t, "InboxParts", err)
	if len(got) != len(want) {
		t.Errorf("InboxParts(%s, %d) gave %d parts, want %d", peer, nr, len(got), len(want))
		return
	}
	for i, w := range want {
		g := *got[i]
		if g.Received.Equal(w.Received) {
			g.Received = w.Received
		}
		if g != *w {
			t.Errorf("InboxParts(%s, %d)[%d] = %+v, want %+v", peer, nr, i, g, *w)
		}
	}
}

// incoming is the telegram assembled from parts.
func incoming(peer string, nr int, parts ...*ciphergram.InboxPart) *ciphergram.Telegram {
	t := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: peer, To: home, Nr: nr,
		Prec: cipher.Priority, Mode: cipher.Authenticated, Classification: "TOP SECRET", CreatedBy: "clerk"}
	for _, p := range parts {
		t.Wire += p.Wire + "\n\n"
		if p.Received.After(t.Received) {
			t.Received = p.Received
		}
	}
	return t
}

// partIDs are the IDs of parts.
func partIDs(parts ...*ciphergram.InboxPart) []int64 {
	var ids []int64
	for _, p := range parts {
		ids = append(ids, p.ID)
	}
	return ids
}

// assemble assembles parts into a new incoming telegram and checks it.
func (e *env) assemble(parts ...*ciphergram.InboxPart) *ciphergram.Telegram {
	e.t.Helper()
	tg := incoming(parts[0].Peer, parts[0].Nr, parts...)
	a := e.audit("telegram.assembled")
	must(e.t, "AssembleTelegram", e.st.AssembleTelegram(e.ctx, tg, partIDs(parts...), a))
	if tg.ID == 0 || !tg.Created.Equal(a.Time) {
		e.t.Errorf("AssembleTelegram set ID %d and Created %v, want an ID and the time of the act %v", tg.ID, tg.Created, a.Time)
	}
	checkTelegram(e.t, e, tg)
	for _, p := range parts {
		p.TelegramID = tg.ID
	}
	return tg
}

func testAcceptPart(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p1 := part(centre, 7, 1, 2, "11111", "CENTRE LONDON NR 7 1/2\n11111 22222", day(10, 0))
	e.accept(p1, ciphergram.PartAdded)
	checkParts(t, e, centre, 7, p1)

	// The same part again, later: nothing changes, and p is the held part.
	dup := *p1
	dup.ID, dup.Received = 0, day(10, 5)
	e.accept(&dup, ciphergram.PartDuplicate)
	if dup.ID != p1.ID || dup.Wire != p1.Wire || !dup.Received.Equal(p1.Received) || dup.Parts != p1.Parts || dup.TelegramID != 0 {
		t.Errorf("AcceptPart of a duplicate filled it as %+v, want the held %+v", dup, *p1)
	}
	checkParts(t, e, centre, 7, p1)

	// A repeat with another wire replaces it.
	rep := part(centre, 7, 1, 2, "11111", "CENTRE LONDON NR 7 1/2\n11111 22223", day(10, 30))
	e.accept(rep, ciphergram.PartReplaced)
	if rep.ID != p1.ID {
		t.Errorf("the part replaced has ID %d, want the held part's %d", rep.ID, p1.ID)
	}
	p1.Wire, p1.Received = rep.Wire, rep.Received
	checkParts(t, e, centre, 7, p1)

	// Not the same part: another indicator, another peer, another number.
	p2 := part(centre, 7, 2, 2, "33333", "CENTRE LONDON NR 7 2/2\n33333 44444", day(10, 40))
	e.accept(p2, ciphergram.PartAdded)
	p2x := part(centre, 7, 2, 2, "55555", "CENTRE LONDON NR 7 2/2\n55555 66666", day(10, 41))
	e.accept(p2x, ciphergram.PartAdded)
	w := part(washin, 7, 1, 2, "11111", p1.Wire, day(10, 42))
	e.accept(w, ciphergram.PartAdded)
	n8 := part(centre, 8, 1, 1, "11111", p1.Wire, day(10, 43))
	e.accept(n8, ciphergram.PartAdded)
	if ids := map[int64]bool{p1.ID: true, p2.ID: true, p2x.ID: true, w.ID: true, n8.ID: true}; len(ids) != 5 {
		t.Errorf("five parts added have %d distinct IDs", len(ids))
	}
	got, err := e.st.InboxParts(e.ctx, centre, 7)
	must(t, "InboxParts", err)
	if len(got) != 3 || got[0].ID != p1.ID || got[1].Part != 2 || got[2].Part != 2 {
		t.Errorf("InboxParts(CENTRE, 7) gave %d parts, want part 1 and two parts 2, by part", len(got))
	}
	checkParts(t, e, washin, 7, w)
	checkParts(t, e, centre, 8, n8)

	// Assembled, but still received: a repeat still replaces it.
	tg := e.assemble(p1, p2)
	rep2 := part(centre, 7, 2, 2, "33333", "CENTRE LONDON NR 7 2/2\n33333 44445", day(11, 0))
	e.accept(rep2, ciphergram.PartReplaced)
	p2.Wire, p2.Received = rep2.Wire, rep2.Received
	checkParts(t, e, centre, 7, p1, p2, p2x)

	// Deciphered: a repeat is refused and changes nothing; the duplicate
	// of the part held is still a duplicate.
	tg.State, tg.Text, tg.Deciphered = ciphergram.StateDeciphered, "deciphered", day(11, 30)
	must(t, "UpdateTelegram", e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateReceived, "", e.audit("telegram.deciphered")))
	late := part(centre, 7, 2, 2, "33333", "CENTRE LONDON NR 7 2/2\n33333 99999", day(12, 0))
	a := e.audit("part.received")
	res, err := e.st.AcceptPart(e.ctx, late, a)
	wantCode(t, "AcceptPart replacing a part of a deciphered telegram", err, ciphergram.ECONFLICT)
	if res == ciphergram.PartReplaced {
		t.Errorf("AcceptPart refused the repeat but said %s", res)
	}
	if entries := checkChain(t, e); entries[len(entries)-1].Subject == a.Subject {
		t.Error("the refused AcceptPart was audited")
	}
	again := part(centre, 7, 2, 2, "33333", p2.Wire, day(12, 5))
	e.accept(again, ciphergram.PartDuplicate)
	if again.ID != p2.ID || again.Wire != p2.Wire || !again.Received.Equal(p2.Received) || again.TelegramID != tg.ID {
		t.Errorf("AcceptPart of a duplicate filled it as %+v, want the held %+v", *again, *p2)
	}
	again = part(centre, 7, 1, 2, "11111", p1.Wire, day(12, 6))
	e.accept(again, ciphergram.PartDuplicate)
	if again.ID != p1.ID || again.TelegramID != tg.ID {
		t.Errorf("AcceptPart of a duplicate filled it as %+v, want the held %+v", *again, *p1)
	}
	// The parts of the deciphered telegram are closed; the one left over
	// is open still.
	checkParts(t, e, centre, 7, p2x)
	checkTelegram(t, e, tg)
}

func testInboxParts(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "CEN-LON-1", centre, home, 4, 10)
	e.importPad(p, ciphergram.PadIn)
	c3 := part(centre, 5, 3, 3, "30000", "CENTRE LONDON NR 5 3/3", day(10, 3))
	c1 := part(centre, 5, 1, 3, "10000", "CENTRE LONDON NR 5 1/3", day(10, 1))
	c2 := part(centre, 5, 2, 3, "20000", "CENTRE LONDON NR 5 2/3", day(10, 2))
	six := part(centre, 6, 1, 1, "60000", "CENTRE LONDON NR 6 1/1", day(10, 4))
	was := part(washin, 5, 1, 1, "10000", "WASHINGTON LONDON NR 5 1/1", day(10, 5))
	for _, pt := range []*ciphergram.InboxPart{c3, c1, c2, six, was} {
		e.accept(pt, ciphergram.PartAdded)
	}
	checkParts(t, e, centre, 5, c1, c2, c3)
	checkParts(t, e, centre, 6, six)
	checkParts(t, e, washin, 5, was)
	checkParts(t, e, centre, 99)
	checkParts(t, e, "TOKYO", 5)

	// Assembled and still received: open, with their telegram.
	t5 := e.assemble(c1, c2, c3)
	checkParts(t, e, centre, 5, c1, c2, c3)
	t6 := e.assemble(six)
	checkParts(t, e, centre, 6, six)

	// Registered, or deciphered: closed.
	e.register(t5, day(12, 0), e.refs(p, 1, 2, 3), 1, 2, 3)
	checkParts(t, e, centre, 5)
	t6.State, t6.Text, t6.Deciphered = ciphergram.StateDeciphered, "deciphered", day(12, 30)
	must(t, "UpdateTelegram", e.st.UpdateTelegram(e.ctx, t6, ciphergram.StateReceived, "", e.audit("telegram.deciphered")))
	checkParts(t, e, centre, 6)
	checkParts(t, e, washin, 5, was)
}

func testAssembleTelegram(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	ps := []*ciphergram.InboxPart{
		part(centre, 9, 1, 3, "10000", "CENTRE LONDON NR 9 1/3", day(10, 1)),
		part(centre, 9, 2, 3, "20000", "CENTRE LONDON NR 9 2/3", day(10, 2)),
		part(centre, 9, 3, 3, "30000", "CENTRE LONDON NR 9 3/3", day(10, 3)),
	}
	for _, p := range ps {
		e.accept(p, ciphergram.PartAdded)
	}
	tg := e.assemble(ps...)
	checkParts(t, e, centre, 9, ps...)

	countIncoming := func(want int) {
		t.Helper()
		in, err := e.st.Telegrams(e.ctx, ciphergram.TelegramFilter{Direction: ciphergram.Incoming})
		must(t, "Telegrams", err)
		if len(in) != want {
			t.Errorf("%d incoming telegrams, want %d", len(in), want)
		}
	}
	refuse := func(what, code string, ids ...int64) {
		t.Helper()
		again := incoming(centre, 9, ps...)
		a := e.audit("telegram.assembled")
		wantCode(t, what, e.st.AssembleTelegram(e.ctx, again, ids, a), code)
		if again.ID != 0 {
			t.Errorf("%s: the refused AssembleTelegram set the telegram's ID to %d", what, again.ID)
		}
		if entries := checkChain(t, e); entries[len(entries)-1].Subject == a.Subject {
			t.Errorf("%s: the refused AssembleTelegram was audited", what)
		}
	}
	refuse("AssembleTelegram again", ciphergram.ECONFLICT, partIDs(ps...)...)
	countIncoming(1)

	// One part new, one attached: the new one stays unattached.
	extra := part(centre, 9, 3, 3, "31000", "CENTRE LONDON NR 9 3/3 again", day(10, 4))
	e.accept(extra, ciphergram.PartAdded)
	refuse("AssembleTelegram of a new and an attached part", ciphergram.ECONFLICT, extra.ID, ps[0].ID)
	refuse("AssembleTelegram of an unknown part", ciphergram.ENOTFOUND, extra.ID, extra.ID+1000)
	countIncoming(1)
	checkParts(t, e, centre, 9, ps[0], ps[1], ps[2], extra)
	checkTelegram(t, e, tg)
}

// testAssembleTelegramConcurrent has 8 goroutines, on two Store values,
// assemble the same parts at once: exactly one telegram is made.
func testAssembleTelegramConcurrent(t *testing.T, h Harness) {
	const assemblers = 8
	e := newEnv(t, h)
	e.init()
	ps := []*ciphergram.InboxPart{
		part(centre, 9, 1, 2, "10000", "CENTRE LONDON NR 9 1/2", day(10, 1)),
		part(centre, 9, 2, 2, "20000", "CENTRE LONDON NR 9 2/2", day(10, 2)),
	}
	for _, p := range ps {
		e.accept(p, ciphergram.PartAdded)
	}
	stores := []ciphergram.Store{e.st, e.second()}
	tgs := make([]*ciphergram.Telegram, assemblers)
	audits := make([]ciphergram.Audit, assemblers)
	errs := make([]error, assemblers)
	for i := range assemblers {
		tgs[i], audits[i] = incoming(centre, 9, ps...), e.audit("telegram.assembled")
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range assemblers {
		wg.Go(func() {
			<-start
			errs[i] = stores[i%len(stores)].AssembleTelegram(e.ctx, tgs[i], partIDs(ps...), audits[i])
		})
	}
	close(start)
	wg.Wait()

	var winner *ciphergram.Telegram
	for i, err := range errs {
		switch {
		case err == nil && winner != nil:
			t.Errorf("assemblers made telegrams %d and %d of the same parts", winner.ID, tgs[i].ID)
		case err == nil:
			winner = tgs[i]
		default:
			wantCode(t, fmt.Sprintf("assembler %d", i), err, ciphergram.ECONFLICT)
		}
	}
	if winner == nil {
		t.Fatal("no assembler made the telegram")
	}
	in, err := e.st.Telegrams(e.ctx, ciphergram.TelegramFilter{Direction: ciphergram.Incoming})
	must(t, "Telegrams", err)
	if len(in) != 1 || in[0].ID != winner.ID {
		t.Errorf("%d incoming telegrams, want only the winner's %d", len(in), winner.ID)
	}
	for _, p := range ps {
		p.TelegramID = winner.ID
	}
	checkParts(t, e, centre, 9, ps...)
	n := 0
	for _, entry := range checkChain(t, e) {
		if entry.Action == "telegram.assembled" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d assemblies audited, want 1", n)
	}
}

func testTelegramsPeerSearch(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	in := genPad(t, 1, "CEN-LON-1", centre, home, 2, 10)
	e.importPad(in, ciphergram.PadIn)
	must(t, "SetCounter", e.st.SetCounter(e.ctx, ciphergram.CounterOutgoing, 1941, 278, e.audit("counter.set")))
	must(t, "SetCounter", e.st.SetCounter(e.ctx, ciphergram.CounterRegistry, 1941, 2688, e.audit("counter.set")))

	o1 := e.draft("Встреча с агентом LIST отменена.", day(10, 0))
	e.sign(o1, 278)
	o2 := &ciphergram.Telegram{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, From: home, To: washin,
		Filed: day(10, 5), Text: "Meeting at NOON, 100% sure (not_yet)", CreatedBy: "officer"}
	must(t, "CreateTelegram", e.st.CreateTelegram(e.ctx, o2, e.audit("telegram.composed")))
	i1 := e.received(354, day(11, 0))
	i1.Text, i1.Deciphered = "Агент LIST сообщает: all clear.", day(11, 30)
	must(t, "RegisterIncoming", e.st.RegisterIncoming(e.ctx, i1, e.refs(in, 1, 2), e.audit("telegram.registered")))
	if !slices.Equal(i1.Numbers, []int{2688, 2689}) {
		t.Fatalf("fixture: registered as %v, want 2688 and 2689", i1.Numbers)
	}
	i2 := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: washin, To: home,
		Nr: 12, Wire: "WASHINGTON LONDON NR 12\n55555 66666", Received: day(12, 0), CreatedBy: "clerk"}
	must(t, "CreateTelegram", e.st.CreateTelegram(e.ctx, i2, e.audit("telegram.received")))

	all := []*ciphergram.Telegram{i2, i1, o2, o1}
	tests := []struct {
		name string
		f    ciphergram.TelegramFilter
		want []*ciphergram.Telegram
	}{
		{"PeerCentre", ciphergram.TelegramFilter{Peer: centre}, []*ciphergram.Telegram{i1, o1}},
		{"PeerWashington", ciphergram.TelegramFilter{Peer: washin}, []*ciphergram.Telegram{i2, o2}},
		{"PeerHome", ciphergram.TelegramFilter{Peer: home}, all},
		{"PeerUnknown", ciphergram.TelegramFilter{Peer: "TOKYO"}, nil},
		{"PeerIncoming", ciphergram.TelegramFilter{Peer: centre, Direction: ciphergram.Incoming}, []*ciphergram.Telegram{i1}},
		{"PeerState", ciphergram.TelegramFilter{Peer: washin, State: ciphergram.StateDraft}, []*ciphergram.Telegram{o2}},
		{"PeerLimit", ciphergram.TelegramFilter{Peer: washin, Limit: 1}, []*ciphergram.Telegram{i2}},
		{"SearchCyrillicLower", ciphergram.TelegramFilter{Search: "встреча"}, []*ciphergram.Telegram{o1}},
		{"SearchCyrillicUpper", ciphergram.TelegramFilter{Search: "ВСТРЕЧА С АГЕНТОМ"}, []*ciphergram.Telegram{o1}},
		{"SearchLatin", ciphergram.TelegramFilter{Search: "noon"}, []*ciphergram.Telegram{o2}},
		{"SearchBoth", ciphergram.TelegramFilter{Search: "list"}, []*ciphergram.Telegram{i1, o1}},
		{"SearchNone", ciphergram.TelegramFilter{Search: "zzz"}, nil},
		{"SearchPercent", ciphergram.TelegramFilter{Search: "%"}, []*ciphergram.Telegram{o2}},
		{"SearchUnderscore", ciphergram.TelegramFilter{Search: "t_y"}, []*ciphergram.Telegram{o2}},
		{"SearchPercentLiteral", ciphergram.TelegramFilter{Search: "a%t"}, nil},
		{"SearchUnderscoreLiteral", ciphergram.TelegramFilter{Search: "g_a"}, nil},
		{"SearchTextDigits", ciphergram.TelegramFilter{Search: "100"}, []*ciphergram.Telegram{o2}},
		{"SearchNr", ciphergram.TelegramFilter{Search: "278"}, []*ciphergram.Telegram{o1}},
		{"SearchIncomingNr", ciphergram.TelegramFilter{Search: "354"}, []*ciphergram.Telegram{i1}},
		{"SearchReceivedNr", ciphergram.TelegramFilter{Search: "12"}, []*ciphergram.Telegram{i2}},
		{"SearchRegistryNumberFirst", ciphergram.TelegramFilter{Search: "2688"}, []*ciphergram.Telegram{i1}},
		{"SearchRegistryNumberLast", ciphergram.TelegramFilter{Search: "2689"}, []*ciphergram.Telegram{i1}},
		{"SearchPartOfANumber", ciphergram.TelegramFilter{Search: "268"}, nil},
		{"SearchPeerDirection", ciphergram.TelegramFilter{Search: "LIST", Peer: centre, Direction: ciphergram.Outgoing}, []*ciphergram.Telegram{o1}},
		{"SearchOtherPeer", ciphergram.TelegramFilter{Search: "LIST", Peer: washin}, nil},
		{"SearchLimit", ciphergram.TelegramFilter{Search: "list", Limit: 1}, []*ciphergram.Telegram{i1}},
		{"SearchIDs", ciphergram.TelegramFilter{Search: "list", IDs: []int64{o1.ID, o2.ID}}, []*ciphergram.Telegram{o1}},
	}
	for _, tt := range tests {
		got, err := e.st.Telegrams(e.ctx, tt.f)
		must(t, "Telegrams "+tt.name, err)
		var gotIDs, wantIDs []int64
		for _, g := range got {
			gotIDs = append(gotIDs, g.ID)
		}
		for _, w := range tt.want {
			wantIDs = append(wantIDs, w.ID)
		}
		if !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("Telegrams %s (%+v) = IDs %v, want %v", tt.name, tt.f, gotIDs, wantIDs)
			continue
		}
		for i, w := range tt.want {
			if diff := telegramDiff(got[i], w); diff != "" {
				t.Errorf("Telegrams %s: telegram %d: %s", tt.name, w.ID, diff)
			}
		}
	}
}
