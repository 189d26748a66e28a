package storetest

import (
	"bytes"
	"testing"

	"ciphergram"
	"ciphergram/otp"
)

func testClaimPages(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "LON-CEN-1", home, centre, 8, otp.DefaultGroupsPerPage)
	e.importPad(p, ciphergram.PadOut)
	e.importPad(genPad(t, 2, "CEN-LON-1", centre, home, 8, 10), ciphergram.PadIn)
	e.importPad(genPad(t, 3, "LON-WAS-1", home, washin, 8, 10), ciphergram.PadOut)
	tg := e.draft("three parts", day(10, 0))

	got, err := e.st.ClaimPages(e.ctx, home, centre, 3, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages 3", err)
	checkClaimed(t, got, p.Pages[0:3]...)
	checkExport(t, e, p, burned(1, 2, 3))
	checkDestructions(t, e, destroyed(p, "sent", tg.ID, 1, 2, 3))
	for _, n := range []int{1, 4} { // a used page, and one of an outgoing pad
		_, _, err := e.st.IncomingPage(e.ctx, home, centre, p.Pages[n-1].Indicator())
		wantCode(t, "IncomingPage of an outgoing pad's page", err, ciphergram.ENOTFOUND)
	}

	// Too few left: nothing is claimed.
	_, err = e.st.ClaimPages(e.ctx, home, centre, 6, tg.ID, e.audit("pages.claimed"))
	wantCode(t, "ClaimPages 6 of 5", err, ciphergram.EEXHAUSTED)
	checkExport(t, e, p, burned(1, 2, 3))
	checkDestructions(t, e, destroyed(p, "sent", tg.ID, 1, 2, 3))

	got, err = e.st.ClaimPages(e.ctx, home, centre, 5, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages 5 of 5", err)
	checkClaimed(t, got, p.Pages[3:8]...)
	_, err = e.st.ClaimPages(e.ctx, home, centre, 1, tg.ID, e.audit("pages.claimed"))
	wantCode(t, "ClaimPages of an exhausted link", err, ciphergram.EEXHAUSTED)
	// An incoming pad is never claimed for sending.
	_, err = e.st.ClaimPages(e.ctx, centre, home, 1, tg.ID, e.audit("pages.claimed"))
	wantCode(t, "ClaimPages on a link with only an incoming pad", err, ciphergram.EEXHAUSTED)
	checkPads(t, e, []ciphergram.PadInfo{
		{ID: "CEN-LON-1", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 8},
		{ID: "LON-CEN-1", From: home, To: centre, Direction: ciphergram.PadOut, GroupsPerPage: 60, Pages: 8, Used: 8},
		{ID: "LON-WAS-1", From: home, To: washin, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 8},
	})
}

func testClaimPagesOldestPadFirst(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	// The older pad has the greater ID, so that ID order is not age order.
	older := genPad(t, 1, "LON-CEN-9", home, centre, 3, 10)
	newer := genPad(t, 2, "LON-CEN-1", home, centre, 4, 10)
	if shared := sharedIndicators(older, newer); len(shared) > 0 {
		t.Fatalf("fixture: pads share indicators %q; choose other seeds", shared)
	}
	e.importPad(older, ciphergram.PadOut)
	e.importPad(newer, ciphergram.PadOut)
	tg := e.draft("many parts", day(10, 0))
	claim := func(n int, want ...*otp.Page) {
		t.Helper()
		got, err := e.st.ClaimPages(e.ctx, home, centre, n, tg.ID, e.audit("pages.claimed"))
		must(t, "ClaimPages", err)
		checkClaimed(t, got, want...)
	}
	claim(2, older.Pages[0], older.Pages[1])
	claim(2, older.Pages[2], newer.Pages[0])
	_, err := e.st.ClaimPages(e.ctx, home, centre, 4, tg.ID, e.audit("pages.claimed"))
	wantCode(t, "ClaimPages 4 of 3 left on the link", err, ciphergram.EEXHAUSTED)
	claim(3, newer.Pages[1:]...)
	want := append(destroyed(older, "sent", tg.ID, 1, 2, 3), destroyed(newer, "sent", tg.ID, 1, 2, 3, 4)...)
	checkDestructions(t, e, want)
}

func testIncomingPage(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "CEN-LON-1", centre, home, 5, otp.DefaultGroupsPerPage)
	e.importPad(p, ciphergram.PadIn)
	want := p.Pages[2]
	for range 2 { // the second time finds the page despite the wiped copy
		ref, got, err := e.st.IncomingPage(e.ctx, centre, home, want.Indicator())
		must(t, "IncomingPage", err)
		if ref != (ciphergram.PageRef{PadID: p.ID, Number: 3}) {
			t.Errorf("IncomingPage ref = %+v, want page 3 of %s", ref, p.ID)
		}
		if got.Number != 3 || got.Burned || got.Failures != 0 || !bytes.Equal(got.Digits, want.Digits) {
			t.Errorf("IncomingPage = %v, want page 3 with its digits", got)
		}
		got.Wipe()
	}
	unknown := "00000"
	for _, pg := range p.Pages {
		if pg.Indicator() == unknown {
			t.Fatalf("fixture: indicator %s is on page %d", unknown, pg.Number)
		}
	}
	_, _, err := e.st.IncomingPage(e.ctx, centre, home, unknown)
	wantCode(t, "IncomingPage of an unknown indicator", err, ciphergram.ENOTFOUND)
	_, _, err = e.st.IncomingPage(e.ctx, washin, home, want.Indicator())
	wantCode(t, "IncomingPage on another link", err, ciphergram.ENOTFOUND)
	checkExport(t, e, p, nil)
	checkDestructions(t, e, nil)
}

func testRecordAuthFailure(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "CEN-LON-1", centre, home, 4, 10)
	e.importPad(p, ciphergram.PadIn)
	ind := p.Pages[1].Indicator()
	for n := 1; n <= otp.MaxFailures; n++ {
		b, err := e.st.RecordAuthFailure(e.ctx, centre, home, ind, e.audit("telegram.auth_failed"))
		must(t, "RecordAuthFailure", err)
		if want := n == otp.MaxFailures; b != want {
			t.Errorf("failure %d: burned = %t, want %t", n, b, want)
		}
		_, pg, err := e.st.IncomingPage(e.ctx, centre, home, ind)
		if n == otp.MaxFailures {
			wantCode(t, "IncomingPage of the burned page", err, ciphergram.ENOTFOUND)
			break
		}
		must(t, "IncomingPage", err)
		if pg.Failures != n {
			t.Errorf("after failure %d: IncomingPage gives %d failures", n, pg.Failures)
		}
	}
	_, err := e.st.RecordAuthFailure(e.ctx, centre, home, ind, e.audit("telegram.auth_failed"))
	wantCode(t, "RecordAuthFailure on the burned page", err, ciphergram.ENOTFOUND)
	_, err = e.st.RecordAuthFailure(e.ctx, washin, home, p.Pages[2].Indicator(), e.audit("telegram.auth_failed"))
	wantCode(t, "RecordAuthFailure on another link", err, ciphergram.ENOTFOUND)
	checkDestructions(t, e, destroyed(p, "authentication failures", 0, 2))
	checkExport(t, e, p, burned(2))
	checkPads(t, e, []ciphergram.PadInfo{
		{ID: "CEN-LON-1", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 4, Used: 1},
	})
}

// destroyed gives the destruction records expected for pages of p.
func destroyed(p *otp.Pad, reason string, telegramID int64, numbers ...int) []*ciphergram.Destruction {
	var ds []*ciphergram.Destruction
	for _, n := range numbers {
		ds = append(ds, &ciphergram.Destruction{PageRef: ciphergram.PageRef{PadID: p.ID, Number: n},
			Indicator: p.Pages[n-1].Indicator(), Reason: reason, TelegramID: telegramID})
	}
	return ds
}

// checkDestructions compares the destruction records with want, oldest
// first; Time must only be set.
func checkDestructions(t *testing.T, e *env, want []*ciphergram.Destruction) {
	t.Helper()
	got, err := e.st.Destructions(e.ctx)
	must(t, "Destructions", err)
	if len(got) != len(want) {
		t.Fatalf("Destructions gave %d records, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := *got[i]
		if g.Time.IsZero() {
			t.Errorf("destruction of page %d of %s has no time", g.Number, g.PadID)
		}
		g.Time = w.Time
		if g != *w {
			t.Errorf("Destructions[%d] = %+v, want %+v", i, g, *w)
		}
	}
}
