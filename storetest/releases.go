package storetest

import (
	"slices"
	"testing"

	"ciphergram"
)

// testReleases: a release round-trips with its lists (empty ones too), is
// listed per telegram, and one for an unknown telegram is refused with
// nothing recorded.
func testReleases(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	t1, t2 := e.received(278, day(10, 0)), e.received(279, day(11, 0))
	r1 := &ciphergram.Release{TelegramID: t1.ID, Reveal: []string{"VADIM", "ЛИСТ"}, Redact: []string{"IN THE PARK, AT NOON"},
		Notes: []string{"LIST: a source «not identified»", "second note"}, ReleasedBy: "registrar", Released: day(12, 0)}
	a := e.audit("telegram.released")
	must(t, "CreateRelease", e.st.CreateRelease(e.ctx, r1, a))
	checkLastAudit(t, e, a)
	r2 := &ciphergram.Release{TelegramID: t2.ID, ReleasedBy: "registrar", Released: day(12, 30)}
	must(t, "CreateRelease", e.st.CreateRelease(e.ctx, r2, e.audit("telegram.released")))
	if r1.ID == 0 || r2.ID == r1.ID {
		t.Fatalf("release IDs %d, %d", r1.ID, r2.ID)
	}
	before := len(checkChain(t, e))
	wantCode(t, "CreateRelease of an unknown telegram", e.st.CreateRelease(e.ctx,
		&ciphergram.Release{TelegramID: t2.ID + 100, ReleasedBy: "registrar", Released: day(13, 0)}, e.audit("telegram.released")), ciphergram.ENOTFOUND)
	if after := len(checkChain(t, e)); after != before {
		t.Errorf("a refused release left %d audit entries", after-before)
	}

	all, err := e.st.Releases(e.ctx, 0)
	must(t, "Releases", err)
	if len(all) != 2 || all[0].ID != r1.ID || all[1].ID != r2.ID {
		t.Fatalf("Releases(0) = %v, want both in order", all)
	}
	g := all[0]
	if g.TelegramID != t1.ID || !slices.Equal(g.Reveal, r1.Reveal) || !slices.Equal(g.Redact, r1.Redact) ||
		!slices.Equal(g.Notes, r1.Notes) || g.ReleasedBy != "registrar" || !g.Released.Equal(r1.Released) {
		t.Errorf("release = %+v, want %+v", *g, *r1)
	}
	if len(all[1].Reveal)+len(all[1].Redact)+len(all[1].Notes) != 0 {
		t.Errorf("empty lists came back as %+v", *all[1])
	}
	one, err := e.st.Releases(e.ctx, t2.ID)
	must(t, "Releases(t2)", err)
	if len(one) != 1 || one[0].ID != r2.ID {
		t.Errorf("Releases(%d) = %v, want only release %d", t2.ID, one, r2.ID)
	}
	e.reopen()
	if again, err := e.st.Releases(e.ctx, t1.ID); err != nil || len(again) != 1 || !slices.Equal(again[0].Notes, r1.Notes) {
		t.Errorf("after reopening: %v, %v", again, err)
	}
}
