package storetest

import (
	"bytes"
	"slices"
	"testing"

	"ciphergram"
	"ciphergram/otp"
)

func testImportPad(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	out := genPad(t, 1, "LON-CEN-1", home, centre, 12, otp.DefaultGroupsPerPage)
	in := genPad(t, 2, "CEN-LON-1", centre, home, 5, 10)
	e.importPad(out, ciphergram.PadOut)
	e.importPad(in, ciphergram.PadIn)
	checkPads(t, e, []ciphergram.PadInfo{
		{ID: "CEN-LON-1", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 5},
		{ID: "LON-CEN-1", From: home, To: centre, Direction: ciphergram.PadOut, GroupsPerPage: 60, Pages: 12},
	})

	dup := genPad(t, 3, "LON-CEN-1", home, centre, 4, 10)
	err := e.st.ImportPad(e.ctx, dup, ciphergram.PadOut, e.audit("pad.imported"))
	wantCode(t, "ImportPad with a known pad ID", err, ciphergram.ECONFLICT)
	dup = genPad(t, 3, "CEN-LON-1", centre, home, 4, 10)
	err = e.st.ImportPad(e.ctx, dup, ciphergram.PadIn, e.audit("pad.imported"))
	wantCode(t, "ImportPad with a known pad ID", err, ciphergram.ECONFLICT)
	checkExport(t, e, out, nil)
	checkExport(t, e, in, nil)
	_, err = e.st.ExportPad(e.ctx, "LON-CEN-2", e.audit("pad.exported"))
	wantCode(t, "ExportPad of an unknown pad", err, ciphergram.ENOTFOUND)

	tg := e.draft("claim", day(10, 0))
	_, err = e.st.ClaimPages(e.ctx, home, centre, 2, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages", err)
	checkExport(t, e, out, burned(1, 2))
	checkPads(t, e, []ciphergram.PadInfo{
		{ID: "CEN-LON-1", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 5},
		{ID: "LON-CEN-1", From: home, To: centre, Direction: ciphergram.PadOut, GroupsPerPage: 60, Pages: 12, Used: 2},
	})
}

func testImportPadIndicators(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	a := genPad(t, 1, "LON-CEN-1", home, centre, 10, 10)
	e.importPad(a, ciphergram.PadOut)
	clean := genPad(t, 2, "LON-CEN-2", home, centre, 10, 10)
	if shared := sharedIndicators(a, clean); len(shared) > 0 {
		t.Fatalf("fixture: pads share indicators %q; choose other seeds", shared)
	}

	// A second pad of the link and direction that repeats an indicator of
	// the first is refused whole.
	repeat := clonePad(clean)
	copy(repeat.Pages[4].Digits, a.Pages[2].Digits)
	err := e.st.ImportPad(e.ctx, clonePad(repeat), ciphergram.PadOut, e.audit("pad.imported"))
	wantCode(t, "ImportPad repeating an indicator on the link", err, ciphergram.ECONFLICT)
	_, err = e.st.ExportPad(e.ctx, "LON-CEN-2", e.audit("pad.exported"))
	wantCode(t, "ExportPad of the refused pad", err, ciphergram.ENOTFOUND)

	// The same indicator is fine in the other direction and on another link.
	other := clonePad(repeat)
	other.ID, other.From, other.To = "CEN-LON-1", centre, home
	e.importPad(other, ciphergram.PadIn)
	other = clonePad(repeat)
	other.ID, other.To = "LON-WAS-1", washin
	e.importPad(other, ciphergram.PadOut)
	// Nothing of the refused pad was left behind.
	e.importPad(clean, ciphergram.PadOut)
	checkExport(t, e, clean, nil)
	checkPads(t, e, []ciphergram.PadInfo{
		{ID: "CEN-LON-1", From: centre, To: home, Direction: ciphergram.PadIn, GroupsPerPage: 10, Pages: 10},
		{ID: "LON-CEN-1", From: home, To: centre, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 10},
		{ID: "LON-CEN-2", From: home, To: centre, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 10},
		{ID: "LON-WAS-1", From: home, To: washin, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 10},
	})
}

func testImportPadBurnedPages(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "LON-CEN-1", home, centre, 6, 10)
	p.Pages[0].Burn()
	p.Pages[3].Burn()
	e.importPad(p, ciphergram.PadOut)
	checkPads(t, e, []ciphergram.PadInfo{
		{ID: "LON-CEN-1", From: home, To: centre, Direction: ciphergram.PadOut, GroupsPerPage: 10, Pages: 6, Used: 2},
	})
	checkExport(t, e, p, burned(1, 4))
	tg := e.draft("claim", day(10, 0))
	got, err := e.st.ClaimPages(e.ctx, home, centre, 3, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages", err)
	checkClaimed(t, got, p.Pages[1], p.Pages[2], p.Pages[4])
}

// burned is a set of page numbers.
func burned(numbers ...int) map[int]bool {
	m := map[int]bool{}
	for _, n := range numbers {
		m[n] = true
	}
	return m
}

// checkPads compares Pads with want; Imported must only be set.
func checkPads(t *testing.T, e *env, want []ciphergram.PadInfo) {
	t.Helper()
	got, err := e.st.Pads(e.ctx)
	must(t, "Pads", err)
	if len(got) != len(want) {
		t.Fatalf("Pads gave %d pads, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := *got[i]
		if g.Imported.IsZero() {
			t.Errorf("pad %s: Imported not set", g.ID)
		}
		g.Imported = w.Imported
		if g != w {
			t.Errorf("Pads[%d] = %+v, want %+v", i, g, w)
		}
	}
}

// checkExport checks that ExportPad gives want's pages, with the numbers in
// used burned and without digits.
func checkExport(t *testing.T, e *env, want *otp.Pad, used map[int]bool) {
	t.Helper()
	got, err := e.st.ExportPad(e.ctx, want.ID, e.audit("pad.exported"))
	must(t, "ExportPad "+want.ID, err)
	if got.ID != want.ID || got.From != want.From || got.To != want.To || got.GroupsPerPage != want.GroupsPerPage {
		t.Errorf("ExportPad gave pad %s %s->%s of %d groups a page, want %s %s->%s of %d",
			got.ID, got.From, got.To, got.GroupsPerPage, want.ID, want.From, want.To, want.GroupsPerPage)
	}
	if len(got.Pages) != len(want.Pages) {
		t.Fatalf("ExportPad %s gave %d pages, want %d", want.ID, len(got.Pages), len(want.Pages))
	}
	for i, w := range want.Pages {
		g := got.Pages[i]
		switch {
		case g.Number != w.Number:
			t.Errorf("ExportPad %s: page %d is numbered %d", want.ID, w.Number, g.Number)
		case used[w.Number] && (!g.Burned || len(g.Digits) > 0):
			t.Errorf("ExportPad %s: page %d is used but comes back with burned=%t and %d digits", want.ID, w.Number, g.Burned, len(g.Digits))
		case !used[w.Number] && (g.Burned || !bytes.Equal(g.Digits, w.Digits)):
			t.Errorf("ExportPad %s: page %d is unused but comes back burned=%t or with other digits", want.ID, w.Number, g.Burned)
		}
	}
}

// checkClaimed checks that ClaimPages returned exactly the pages want, in
// order, with their digits.
func checkClaimed(t *testing.T, got []*otp.Page, want ...*otp.Page) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("ClaimPages gave %d pages, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Number != w.Number || !bytes.Equal(got[i].Digits, w.Digits) {
			t.Errorf("ClaimPages page %d is page %d (indicator %q), want page %d (indicator %q)",
				i, got[i].Number, got[i].Indicator(), w.Number, w.Indicator())
		}
	}
}

// sharedIndicators lists the indicators two pads have in common.
func sharedIndicators(a, b *otp.Pad) []string {
	var shared []string
	for _, p := range a.Pages {
		for _, q := range b.Pages {
			if p.Indicator() != "" && p.Indicator() == q.Indicator() {
				shared = append(shared, p.Indicator())
			}
		}
	}
	slices.Sort(shared)
	return shared
}
