package storetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/vault"
)

// stored reads pad id's key material as the database holds it.
func (e *env) stored(id string) (wrapped []byte, digits map[int][]byte) {
	e.t.Helper()
	wrapped, digits, err := e.h.Stored(e.ctx, e.dsn, id)
	must(e.t, "reading the stored key material of "+id, err)
	return wrapped, digits
}

// testKeyAtRest checks that the digits are stored sealed, not in clear,
// that every read gives them back whole, and that a store opened with
// another office key is refused before it does anything.
func testKeyAtRest(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	out := genPad(t, 1, "LON-CEN-1", home, centre, 12, otp.DefaultGroupsPerPage)
	in := genPad(t, 2, "CEN-LON-1", centre, home, 5, 10)
	in.Pages[2].Burn()
	e.importPad(out, ciphergram.PadOut)
	e.importPad(in, ciphergram.PadIn)

	wrappedKeys := map[string][]byte{}
	for _, p := range []*otp.Pad{out, in} {
		wrapped, digits := e.stored(p.ID)
		if len(wrapped) == 0 {
			t.Errorf("pad %s: no wrapped data key is stored", p.ID)
		}
		wrappedKeys[p.ID] = wrapped
		if len(digits) != p.Remaining() {
			t.Errorf("pad %s: %d pages have stored digits, want the %d unused", p.ID, len(digits), p.Remaining())
		}
		for _, pg := range p.Pages {
			stored, ok := digits[pg.Number]
			switch {
			case pg.Burned && ok:
				t.Errorf("pad %s: burned page %d has stored digits", p.ID, pg.Number)
			case pg.Burned:
			case len(stored) == 0:
				t.Errorf("pad %s: unused page %d has no stored digits", p.ID, pg.Number)
			case bytes.Equal(stored, pg.Digits) || bytes.Contains(stored, pg.Digits[otp.GroupSize:3*otp.GroupSize]):
				t.Errorf("pad %s: page %d is stored in clear", p.ID, pg.Number)
			}
		}
	}
	if bytes.Equal(wrappedKeys[out.ID], wrappedKeys[in.ID]) {
		t.Error("two pads have the same wrapped data key")
	}

	// Every read opens the pages: export, claim, the receiver's lookup.
	checkExport(t, e, out, nil)
	checkExport(t, e, in, burned(3))
	tg := e.draft("sealed at rest", day(10, 0))
	got, err := e.st.ClaimPages(e.ctx, home, centre, 2, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages", err)
	checkClaimed(t, got, out.Pages[0], out.Pages[1])
	_, pg, err := e.st.IncomingPage(e.ctx, centre, home, in.Pages[1].Indicator())
	must(t, "IncomingPage", err)
	if !bytes.Equal(pg.Digits, in.Pages[1].Digits) {
		t.Error("IncomingPage gave other digits than the page's")
	}

	// Another office key is refused at Open, with a clear error, and
	// changes nothing.
	before := e.snapshot()
	wrong, err := vault.NewKey()
	must(t, "NewKey", err)
	if st, err := h.OpenWithKey(e.ctx, e.dsn, wrong); err == nil {
		st.Close()
		t.Error("Open with another office key succeeded")
	} else if !errors.Is(err, vault.ErrWrongKey) || !strings.Contains(err.Error(), "the office key does not open this database") {
		t.Errorf("Open with another office key: %v, want vault.ErrWrongKey", err)
	}
	e.reopen()
	if after := e.snapshot(); len(after.Audit) != len(before.Audit) || len(after.Destructions) != len(before.Destructions) {
		t.Error("the refused Open changed the store")
	}
	checkExport(t, e, out, burned(1, 2))
	checkExport(t, e, in, burned(3))
}

// testCryptographicErase checks that a pad's data key is erased with its
// last unused page, whichever way that page goes (claimed, destroyed by
// order, burned by failures, registered), and only then; the records stay.
func testCryptographicErase(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	out := genPad(t, 1, "LON-CEN-1", home, centre, 3, 10)    // used up by claims
	in := genPad(t, 2, "CEN-LON-1", centre, home, 4, 10)     // destroyed by order
	other := genPad(t, 3, "LON-WAS-1", home, washin, 3, 10)  // partly used
	single := genPad(t, 4, "CEN-LON-2", centre, home, 1, 10) // burned by failures
	last := genPad(t, 5, "CEN-LON-3", centre, home, 1, 10)   // registered
	for _, p := range []*otp.Pad{in, single, last} {
		for _, q := range []*otp.Pad{in, single, last} {
			if p != q && len(sharedIndicators(p, q)) > 0 {
				t.Fatalf("fixture: pads %s and %s share indicators; choose other seeds", p.ID, q.ID)
			}
		}
	}
	e.importPad(out, ciphergram.PadOut)
	e.importPad(in, ciphergram.PadIn)
	e.importPad(other, ciphergram.PadOut)
	e.importPad(single, ciphergram.PadIn)
	e.importPad(last, ciphergram.PadIn)
	erased := func(p *otp.Pad, want bool) {
		t.Helper()
		wrapped, digits := e.stored(p.ID)
		switch {
		case want && wrapped != nil:
			t.Errorf("pad %s has no unused page, and its data key is still stored", p.ID)
		case want && len(digits) > 0:
			t.Errorf("pad %s has no unused page, and %d pages keep stored digits", p.ID, len(digits))
		case !want && wrapped == nil:
			t.Errorf("pad %s has unused pages, and its data key is gone", p.ID)
		}
	}

	tg := e.draft("the last pages", day(10, 0))
	_, err := e.st.ClaimPages(e.ctx, home, centre, 2, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages", err)
	erased(out, false)
	_, err = e.st.ClaimPages(e.ctx, home, centre, 1, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages of the last page", err)
	erased(out, true)
	_, err = e.st.ClaimPages(e.ctx, home, washin, 1, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages", err)
	erased(other, false)

	n, err := e.st.DestroyPad(e.ctx, in.ID, e.audit("pad.destroyed"))
	must(t, "DestroyPad", err)
	if n != 4 {
		t.Errorf("DestroyPad destroyed %d pages, want 4", n)
	}
	erased(in, true)
	n, err = e.st.DestroyPad(e.ctx, out.ID, e.audit("pad.destroyed"))
	must(t, "DestroyPad of a pad used up", err)
	if n != 0 {
		t.Errorf("DestroyPad of a pad used up destroyed %d pages", n)
	}
	erased(out, true)

	for range otp.MaxFailures {
		_, err := e.st.RecordAuthFailure(e.ctx, centre, home, single.Pages[0].Indicator(), e.audit("telegram.auth_failed"))
		must(t, "RecordAuthFailure", err)
	}
	erased(single, true)

	rx := e.received(354, day(13, 0))
	e.register(rx, day(13, 30), e.refs(last, 1), 1)
	erased(last, true)
	erased(other, false)

	// The pads and their pages' records are kept, and read as used.
	e.reopen()
	checkPads(t, e, []ciphergram.PadInfo{
		{ID: "CEN-LON-1", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 4, Used: 4},
		{ID: "CEN-LON-2", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 1, Used: 1},
		{ID: "CEN-LON-3", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 1, Used: 1},
		{ID: "LON-CEN-1", From: home, To: centre, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 3, Used: 3},
		{ID: "LON-WAS-1", From: home, To: washin, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 3, Used: 1},
	})
	checkExport(t, e, out, burned(1, 2, 3))
	checkExport(t, e, in, burned(1, 2, 3, 4))
	checkExport(t, e, single, burned(1))
	checkExport(t, e, other, burned(1))
	got, err := e.st.ClaimPages(e.ctx, home, washin, 2, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages of the last pages after reopening", err)
	checkClaimed(t, got, other.Pages[1:]...)
	erased(other, true)
}
