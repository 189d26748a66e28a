package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/otp"
)

// refs finds the incoming pages of p with the given numbers, as a receiver
// does by their indicators.
func (e *env) refs(p *otp.Pad, numbers ...int) []ciphergram.PageRef {
	e.t.Helper()
	var rs []ciphergram.PageRef
	for _, n := range numbers {
		ref, pg, err := e.st.IncomingPage(e.ctx, p.From, p.To, p.Pages[n-1].Indicator())
		must(e.t, fmt.Sprintf("IncomingPage of page %d", n), err)
		pg.Wipe()
		rs = append(rs, ref)
	}
	return rs
}

// register deciphers and registers tg with the pages refs and checks the
// registry numbers it gets.
func (e *env) register(tg *ciphergram.Telegram, at time.Time, refs []ciphergram.PageRef, want ...int) {
	e.t.Helper()
	tg.Text, tg.Deciphered = fmt.Sprintf("telegram %d deciphered", tg.Nr), at
	must(e.t, "RegisterIncoming", e.st.RegisterIncoming(e.ctx, tg, refs, e.audit("telegram.registered")))
	if !slices.Equal(tg.Numbers, want) || tg.State != ciphergram.StateRegistered {
		e.t.Errorf("RegisterIncoming gave numbers %v and state %s, want %v and registered", tg.Numbers, tg.State, want)
	}
	tg.State = ciphergram.StateRegistered
	checkTelegram(e.t, e, tg)
}

// checkUnused checks that the pages of incoming pad p with the given numbers
// are still there to be found, and those used are not.
func (e *env) checkUnused(p *otp.Pad, used map[int]bool) {
	e.t.Helper()
	for _, pg := range p.Pages {
		_, got, err := e.st.IncomingPage(e.ctx, p.From, p.To, pg.Indicator())
		switch {
		case used[pg.Number]:
			wantCode(e.t, fmt.Sprintf("IncomingPage of used page %d", pg.Number), err, ciphergram.ENOTFOUND)
		case err != nil:
			e.t.Errorf("IncomingPage of unused page %d: %v", pg.Number, err)
		default:
			got.Wipe()
		}
	}
}

func testRegisterIncoming(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "CEN-LON-1", centre, home, 6, otp.DefaultGroupsPerPage)
	e.importPad(p, ciphergram.PadIn)
	must(t, "SetCounter", e.st.SetCounter(e.ctx, ciphergram.CounterRegistry, 1941, 2688, e.audit("counter.set")))

	apr22 := func(hour, min int) time.Time { return time.Date(1941, 4, 22, hour, min, 0, 250000000, msk) }
	first := e.received(278, apr22(16, 5))
	e.register(first, apr22(22, 50), e.refs(p, 1, 2), 2688, 2689)
	second := e.received(279, apr22(23, 0))
	e.register(second, apr22(23, 30), e.refs(p, 3), 2690)
	// The registry counter of the year deciphered, not received.
	third := e.received(280, time.Date(1941, 12, 31, 23, 0, 0, 0, msk))
	e.register(third, time.Date(1942, 1, 1, 0, 10, 0, 0, msk), e.refs(p, 4), 1)
	fourth := e.received(281, time.Date(1942, 1, 1, 9, 0, 0, 0, msk))
	e.register(fourth, time.Date(1942, 1, 1, 9, 30, 0, 0, msk), e.refs(p, 5), 2)

	e.checkUnused(p, burned(1, 2, 3, 4, 5))
	want := destroyed(p, "received", first.ID, 1, 2)
	want = append(want, destroyed(p, "received", second.ID, 3)...)
	want = append(want, destroyed(p, "received", third.ID, 4)...)
	want = append(want, destroyed(p, "received", fourth.ID, 5)...)
	checkDestructions(t, e, want)
	checkExport(t, e, p, burned(1, 2, 3, 4, 5))
}

func testRegisterIncomingConflict(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "CEN-LON-1", centre, home, 5, 10)
	e.importPad(p, ciphergram.PadIn)
	must(t, "SetCounter", e.st.SetCounter(e.ctx, ciphergram.CounterRegistry, 1941, 100, e.audit("counter.set")))
	first := e.received(1, day(16, 0))
	used := e.refs(p, 1)
	e.register(first, day(16, 30), used, 100)

	// A page already used: nothing happens.
	second := e.received(2, day(17, 0))
	saved := *second
	refs := append(used, e.refs(p, 2)...)
	second.Text, second.Deciphered = "replayed", day(17, 30)
	err := e.st.RegisterIncoming(e.ctx, second, refs, e.audit("telegram.registered"))
	wantCode(t, "RegisterIncoming with a used page", err, ciphergram.ECONFLICT)
	checkTelegram(t, e, &saved)
	e.checkUnused(p, burned(1))

	// A telegram already registered: nothing happens.
	again := *first
	again.State = ciphergram.StateReceived
	err = e.st.RegisterIncoming(e.ctx, &again, e.refs(p, 3), e.audit("telegram.registered"))
	wantCode(t, "RegisterIncoming of a registered telegram", err, ciphergram.ECONFLICT)
	checkTelegram(t, e, first)
	e.checkUnused(p, burned(1))
	checkDestructions(t, e, destroyed(p, "received", first.ID, 1))

	// The counter did not move.
	second = &saved
	e.register(second, day(18, 0), e.refs(p, 2), 101)
}
