package storetest

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"testing"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/vault"
)

// Rotator is a store that can rotate its office key (both stores can; see
// their RotateKey).
type Rotator interface {
	RotateKey(ctx context.Context, to vault.Source, a ciphergram.Audit) (int, error)
}

// testKeyRotation rotates the office key of a store that holds a live pad,
// a pad whose key was erased and a pad imported used up: the live data
// keys are rewrapped and the others stay erased, the sealed pages are
// untouched and still open, the store goes on under the new key, the audit
// log records the rotation, and afterwards the old key is refused and the
// new one opens the database. A rotation that cannot be changes nothing,
// and a store that still holds the old key refuses to claim, import or
// rotate, and uses no page.
func testKeyRotation(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	out := genPad(t, 1, "LON-CEN-1", home, centre, 6, 10)
	in := genPad(t, 2, "CEN-LON-1", centre, home, 4, 10)
	in.Pages[1].Burn()
	spent := genPad(t, 3, "LON-WAS-1", home, washin, 1, 10)
	burnt := genPad(t, 4, "LON-WAS-2", home, washin, 2, 10)
	for _, pg := range burnt.Pages {
		pg.Burn()
	}
	e.importPad(out, ciphergram.PadOut)
	e.importPad(in, ciphergram.PadIn)
	e.importPad(spent, ciphergram.PadOut)
	e.importPad(burnt, ciphergram.PadOut)
	tg := e.draft("under the old key", day(10, 0))
	got, err := e.st.ClaimPages(e.ctx, home, centre, 1, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages", err)
	checkClaimed(t, got, out.Pages[0])
	_, err = e.st.ClaimPages(e.ctx, home, washin, 1, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages of the last page of "+spent.ID, err)
	stale := e.second() // a store of another process, under the old key

	rot, ok := e.st.(Rotator)
	if !ok {
		t.Fatalf("%T has no RotateKey", e.st)
	}
	storedAll := func() map[string]material {
		m := map[string]material{}
		for _, p := range []*otp.Pad{out, in, spent, burnt} {
			w, d := e.stored(p.ID)
			m[p.ID] = material{w, d}
		}
		return m
	}
	before, snap := storedAll(), e.snapshot()
	newKey, err := vault.NewKey()
	must(t, "NewKey", err)
	t.Cleanup(newKey.Destroy)

	// Rotations that cannot be change nothing.
	for name, tc := range map[string]struct {
		to   vault.Source
		a    ciphergram.Audit
		code string
	}{
		"NoAuditTime":     {vault.Source{Key: newKey}, ciphergram.Audit{Actor: "admin", Action: "office_key.rotated"}, ciphergram.EINVALID},
		"NoKey":           {vault.Source{}, e.audit("office_key.rotated"), ciphergram.EINVALID},
		"TwoKeys":         {vault.Source{Key: newKey, Passphrase: []byte("a long passphrase here")}, e.audit("office_key.rotated"), ciphergram.EINVALID},
		"ShortPassphrase": {vault.Source{Passphrase: []byte("too short")}, e.audit("office_key.rotated"), ciphergram.EINVALID},
	} {
		if _, err := rot.RotateKey(e.ctx, tc.to, tc.a); ciphergram.ErrorCode(err) != tc.code {
			t.Errorf("%s: RotateKey: %v (code %q), want code %q", name, err, ciphergram.ErrorCode(err), tc.code)
		}
	}
	if after := storedAll(); !sameMaterial(before, after) {
		t.Fatal("a refused rotation changed the stored key material")
	}
	if after := e.snapshot(); len(after.Audit) != len(snap.Audit) {
		t.Fatal("a refused rotation was audited")
	}

	a := e.audit("office_key.rotated")
	n, err := rot.RotateKey(e.ctx, vault.Source{Key: newKey}, a)
	must(t, "RotateKey", err)
	if n != 2 {
		t.Errorf("RotateKey rewrapped %d data keys, want 2 (the erased ones stay erased)", n)
	}
	after := storedAll()
	for _, p := range []*otp.Pad{out, in} {
		switch b, a := before[p.ID], after[p.ID]; {
		case len(a.wrapped) != vault.WrappedSize:
			t.Errorf("pad %s: a %d-byte data key after the rotation", p.ID, len(a.wrapped))
		case bytes.Equal(a.wrapped, b.wrapped):
			t.Errorf("pad %s: the wrapped data key did not change", p.ID)
		case !maps.EqualFunc(a.digits, b.digits, bytes.Equal):
			t.Errorf("pad %s: the sealed pages changed: a rotation does not seal them again", p.ID)
		}
	}
	for _, p := range []*otp.Pad{spent, burnt} {
		if after[p.ID].wrapped != nil {
			t.Errorf("pad %s: an erased data key came back with the rotation", p.ID)
		}
	}
	entries, head, err := e.st.AuditLog(e.ctx)
	must(t, "AuditLog", err)
	if last := entries[len(entries)-1]; last.Audit.Action != a.Action || last.Subject != a.Subject || !last.Time.Equal(a.Time) {
		t.Errorf("the last audit entry is %v, want the rotation", last)
	}
	must(t, "VerifyChain", ciphergram.VerifyChain(entries, head))

	// The store goes on under the new key.
	got, err = e.st.ClaimPages(e.ctx, home, centre, 1, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages after the rotation", err)
	checkClaimed(t, got, out.Pages[1])
	_, pg, err := e.st.IncomingPage(e.ctx, centre, home, in.Pages[2].Indicator())
	must(t, "IncomingPage after the rotation", err)
	if !bytes.Equal(pg.Digits, in.Pages[2].Digits) {
		t.Error("IncomingPage after the rotation gave other digits")
	}
	checkExport(t, e, in, burned(2))
	p5 := genPad(t, 5, "LON-CEN-2", home, centre, 2, 10)
	e.importPad(p5, ciphergram.PadOut)
	checkExport(t, e, p5, nil)

	// A store that holds the old key refuses, and uses no page.
	usedBefore := padsUsed(t, e)
	if _, err := stale.ClaimPages(e.ctx, home, centre, 1, tg.ID, e.audit("pages.claimed")); !errors.Is(err, vault.ErrKeyRotated) {
		t.Errorf("ClaimPages by a store under the old key: %v, want vault.ErrKeyRotated", err)
	}
	if err := stale.ImportPad(e.ctx, clonePad(genPad(t, 6, "LON-CEN-3", home, centre, 2, 10)), ciphergram.PadOut,
		e.audit("pad.imported")); !errors.Is(err, vault.ErrKeyRotated) {
		t.Errorf("ImportPad by a store under the old key: %v, want vault.ErrKeyRotated", err)
	}
	if r, ok := stale.(Rotator); ok {
		other, err := vault.NewKey()
		must(t, "NewKey", err)
		defer other.Destroy()
		if _, err := r.RotateKey(e.ctx, vault.Source{Key: other}, e.audit("office_key.rotated")); !errors.Is(err, vault.ErrKeyRotated) {
			t.Errorf("RotateKey by a store under the old key: %v, want vault.ErrKeyRotated", err)
		}
	}
	if got := padsUsed(t, e); !maps.Equal(got, usedBefore) {
		t.Errorf("the store under the old key changed the pads (or imported one): %v, want %v", got, usedBefore)
	}

	// Closed, the database opens with the new key only.
	e.close()
	if st, err := h.Open(e.ctx, e.dsn); err == nil {
		st.Close()
		t.Fatal("Open with the old office key succeeded after the rotation")
	} else if !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("Open with the old office key: %v, want vault.ErrWrongKey", err)
	}
	st, err := h.OpenWithKey(e.ctx, e.dsn, newKey)
	must(t, "Open with the new office key", err)
	e.st = st
	e.close = func() { st.Close() }
	checkExport(t, e, out, burned(1, 2))
	checkExport(t, e, in, burned(2))
	got, err = e.st.ClaimPages(e.ctx, home, centre, 1, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages after reopening", err)
	checkClaimed(t, got, out.Pages[2])
	if w, _ := e.stored(spent.ID); w != nil {
		t.Errorf("pad %s: an erased data key came back", spent.ID)
	}
}

// material is a pad's key material as the database stores it.
type material struct {
	wrapped []byte
	digits  map[int][]byte
}

// sameMaterial reports whether two readings of the stored key material
// agree.
func sameMaterial(a, b map[string]material) bool {
	return maps.EqualFunc(a, b, func(x, y material) bool {
		return bytes.Equal(x.wrapped, y.wrapped) && maps.EqualFunc(x.digits, y.digits, bytes.Equal)
	})
}

// padsUsed maps each pad in custody to its pages used.
func padsUsed(t *testing.T, e *env) map[string]int {
	t.Helper()
	ps, err := e.st.Pads(e.ctx)
	must(t, "Pads", err)
	m := map[string]int{}
	for _, p := range ps {
		m[p.ID] = p.Used
	}
	return m
}
