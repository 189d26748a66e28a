package storetest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"ciphergram"
)

// checkChain checks that the audit log verifies and that the recorded head
// is the last entry's hash.
func checkChain(t *testing.T, e *env) []*ciphergram.AuditEntry {
	t.Helper()
	entries, head, err := e.st.AuditLog(e.ctx)
	must(t, "AuditLog", err)
	if err := ciphergram.VerifyChain(entries, head); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
	if len(entries) > 0 && !bytes.Equal(head, entries[len(entries)-1].Hash) {
		t.Errorf("AuditLog head %x is not the last entry's hash %x", head, entries[len(entries)-1].Hash)
	}
	return entries
}

// auditVariants are audits with awkward contents that must come back as
// they were given: nanoseconds, zones, times far from 1970, empty and long
// text, bytes that need quoting.
var auditVariants = []ciphergram.Audit{
	{Time: time.Date(1941, 4, 22, 22, 50, 1, 1, msk), Actor: "system", Action: "office.created", Subject: "", Detail: ""},
	{Time: time.Date(2261, 12, 31, 23, 59, 59, 999999999, time.UTC), Actor: "o'brien", Action: "a\"b", Subject: "x;y--", Detail: "%_\\"},
	{Time: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "ñ", Action: "telegram.read", Subject: "telegram 1", Detail: strings.Repeat("long detail ", 1000)},
	{Time: time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -7*3600-30*60)), Actor: "clerk", Action: "x", Subject: "\x01\t\n", Detail: "🙂"},
}

func testAudit(t *testing.T, h Harness) {
	e := newEnv(t, h)
	var want []ciphergram.Audit
	act := func(what string, fn func(a ciphergram.Audit) error) {
		t.Helper()
		a := e.audit(what)
		if v := len(want); v < len(auditVariants) {
			a = auditVariants[v]
		}
		must(t, what, fn(a))
		want = append(want, a)
	}
	refuse := func(what, code string, fn func(a ciphergram.Audit) error) {
		t.Helper()
		wantCode(t, what, fn(e.audit("refused "+what)), code)
	}
	admin := &ciphergram.User{Name: "admin", Role: ciphergram.RoleAdmin, Created: day(9, 0)}
	office := ciphergram.Office{Name: home, Created: day(9, 0)}
	act("InitOffice", func(a ciphergram.Audit) error { return e.st.InitOffice(e.ctx, office, admin, a) })
	refuse("InitOffice", ciphergram.ECONFLICT, func(a ciphergram.Audit) error { return e.st.InitOffice(e.ctx, office, admin, a) })
	u := &ciphergram.User{Name: "clerk", Role: ciphergram.RoleClerk, Created: day(9, 1)}
	act("CreateUser", func(a ciphergram.Audit) error { return e.st.CreateUser(e.ctx, u, a) })
	refuse("CreateUser", ciphergram.ECONFLICT, func(a ciphergram.Audit) error { return e.st.CreateUser(e.ctx, u, a) })
	l := &ciphergram.Link{Peer: centre, Created: day(9, 2)}
	act("CreateLink", func(a ciphergram.Audit) error { return e.st.CreateLink(e.ctx, l, a) })
	out := genPad(t, 1, "LON-CEN-1", home, centre, 3, 10)
	in := genPad(t, 2, "CEN-LON-1", centre, home, 3, 10)
	act("ImportPad", func(a ciphergram.Audit) error { return e.st.ImportPad(e.ctx, clonePad(out), ciphergram.PadOut, a) })
	act("ImportPad", func(a ciphergram.Audit) error { return e.st.ImportPad(e.ctx, clonePad(in), ciphergram.PadIn, a) })
	refuse("ImportPad", ciphergram.ECONFLICT, func(a ciphergram.Audit) error { return e.st.ImportPad(e.ctx, clonePad(in), ciphergram.PadIn, a) })
	act("ExportPad", func(a ciphergram.Audit) error { _, err := e.st.ExportPad(e.ctx, in.ID, a); return err })
	act("SetCounter", func(a ciphergram.Audit) error { return e.st.SetCounter(e.ctx, ciphergram.CounterRegistry, 1941, 7, a) })

	tg := &ciphergram.Telegram{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, From: home, To: centre, Filed: day(10, 0)}
	act("CreateTelegram", func(a ciphergram.Audit) error { return e.st.CreateTelegram(e.ctx, tg, a) })
	tg.State = ciphergram.StateSigned
	act("UpdateTelegram", func(a ciphergram.Audit) error {
		return e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateDraft, ciphergram.CounterOutgoing, a)
	})
	refuse("UpdateTelegram", ciphergram.ECONFLICT, func(a ciphergram.Audit) error {
		return e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateDraft, ciphergram.CounterOutgoing, a)
	})
	act("ClaimPages", func(a ciphergram.Audit) error {
		_, err := e.st.ClaimPages(e.ctx, home, centre, 2, tg.ID, a)
		return err
	})
	refuse("ClaimPages", ciphergram.EEXHAUSTED, func(a ciphergram.Audit) error {
		_, err := e.st.ClaimPages(e.ctx, home, centre, 2, tg.ID, a)
		return err
	})
	act("RecordAuthFailure", func(a ciphergram.Audit) error {
		_, err := e.st.RecordAuthFailure(e.ctx, centre, home, in.Pages[2].Indicator(), a)
		return err
	})
	rx := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: centre, To: home, Received: day(11, 0)}
	act("CreateTelegram", func(a ciphergram.Audit) error { return e.st.CreateTelegram(e.ctx, rx, a) })
	refs := e.refs(in, 1)
	rx.Deciphered = day(11, 30)
	act("RegisterIncoming", func(a ciphergram.Audit) error { return e.st.RegisterIncoming(e.ctx, rx, refs, a) })
	refuse("RegisterIncoming", ciphergram.ECONFLICT, func(a ciphergram.Audit) error { return e.st.RegisterIncoming(e.ctx, rx, refs, a) })

	c := &ciphergram.Copy{TelegramID: rx.ID, Reader: "clerk", IssuedBy: "admin", Issued: day(12, 0)}
	act("IssueCopy", func(a ciphergram.Audit) error { return e.st.IssueCopy(e.ctx, c, a) })
	act("CloseCopy", func(a ciphergram.Audit) error {
		return e.st.CloseCopy(e.ctx, c.ID, ciphergram.CopyDestroyed, "admin", day(12, 1), a)
	})
	refuse("CloseCopy", ciphergram.ECONFLICT, func(a ciphergram.Audit) error {
		return e.st.CloseCopy(e.ctx, c.ID, ciphergram.CopyDestroyed, "admin", day(12, 1), a)
	})
	act("PutCryptonym", func(a ciphergram.Audit) error {
		return e.st.PutCryptonym(e.ctx, &ciphergram.Cryptonym{Cover: "VADIM", Kind: ciphergram.KindOfficer}, a)
	})
	act("Record", func(a ciphergram.Audit) error { return e.st.Record(e.ctx, a) })

	entries := checkChain(t, e)
	if len(entries) != len(want) {
		t.Fatalf("AuditLog has %d entries after %d audited acts, want one for each", len(entries), len(want))
	}
	for i, w := range want {
		g := entries[i].Audit
		if !g.Time.Equal(w.Time) || g.Actor != w.Actor || g.Action != w.Action || g.Subject != w.Subject || g.Detail != w.Detail {
			t.Errorf("audit entry %d = %q %q %q at %v (%d bytes of detail), want %q %q %q at %v (%d bytes)", i+1,
				g.Actor, g.Action, g.Subject, g.Time, len(g.Detail), w.Actor, w.Action, w.Subject, w.Time, len(w.Detail))
		}
	}
}

func testAuditEmpty(t *testing.T, h Harness) {
	e := newEnv(t, h)
	if entries := checkChain(t, e); len(entries) != 0 {
		t.Errorf("a new store has %d audit entries", len(entries))
	}
}
