package storetest

import (
	"bytes"
	"reflect"
	"testing"

	"ciphergram"
	"ciphergram/otp"
)

// snapshot is everything a store lists, read without auditing anything.
type snapshot struct {
	Office       *ciphergram.Office
	Users        []*ciphergram.User
	Links        []*ciphergram.Link
	Pads         []*ciphergram.PadInfo
	Destructions []*ciphergram.Destruction
	Telegrams    []*ciphergram.Telegram
	Copies       []*ciphergram.Copy
	Cryptonyms   []*ciphergram.Cryptonym
	Deliveries   []*ciphergram.Delivery
	Parts        []*ciphergram.InboxPart // of the CENTRE's telegram 354
	Audit        []*ciphergram.AuditEntry
	Head         []byte
}

func (e *env) snapshot() *snapshot {
	e.t.Helper()
	var s snapshot
	var errs [11]error
	s.Office, errs[0] = e.st.Office(e.ctx)
	s.Users, errs[1] = e.st.Users(e.ctx)
	s.Links, errs[2] = e.st.Links(e.ctx)
	s.Pads, errs[3] = e.st.Pads(e.ctx)
	s.Destructions, errs[4] = e.st.Destructions(e.ctx)
	s.Telegrams, errs[5] = e.st.Telegrams(e.ctx, ciphergram.TelegramFilter{})
	s.Copies, errs[6] = e.st.Copies(e.ctx, 0)
	s.Cryptonyms, errs[7] = e.st.Cryptonyms(e.ctx)
	s.Deliveries, errs[9] = e.st.Deliveries(e.ctx, 0)
	s.Parts, errs[10] = e.st.InboxParts(e.ctx, centre, 354)
	s.Audit, s.Head, errs[8] = e.st.AuditLog(e.ctx)
	for _, err := range errs {
		must(e.t, "reading the store", err)
	}
	return &s
}

// testReopen closes the store and opens the database again: everything is
// still there, and the numbers, pages and audit chain go on where they were.
func testReopen(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	u := &ciphergram.User{Name: "officer", Role: ciphergram.RoleOfficer, Cover: "VADIM", Created: day(9, 30)}
	must(t, "CreateUser", e.st.CreateUser(e.ctx, u, e.audit("user.created")))
	must(t, "PutCryptonym", e.st.PutCryptonym(e.ctx, &ciphergram.Cryptonym{Cover: "VADIM", TrueName: "the resident", Kind: ciphergram.KindOfficer}, e.audit("cryptonym.registered")))
	out := genPad(t, 1, "LON-CEN-1", home, centre, 10, 10)
	in := genPad(t, 2, "CEN-LON-1", centre, home, 5, 10)
	e.importPad(out, ciphergram.PadOut)
	e.importPad(in, ciphergram.PadIn)
	tg := e.draft("before", day(10, 0))
	e.sign(tg, 1)
	_, err := e.st.ClaimPages(e.ctx, home, centre, 2, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages", err)
	_, err = e.st.RecordAuthFailure(e.ctx, centre, home, in.Pages[2].Indicator(), e.audit("telegram.auth_failed"))
	must(t, "RecordAuthFailure", err)
	must(t, "SetCounter", e.st.SetCounter(e.ctx, ciphergram.CounterRegistry, 1941, 2688, e.audit("counter.set")))
	c := &ciphergram.Copy{TelegramID: tg.ID, Reader: "officer", IssuedBy: "admin", Issued: day(11, 0)}
	must(t, "IssueCopy", e.st.IssueCopy(e.ctx, c, e.audit("copy.issued")))
	l, err := e.st.Link(e.ctx, centre)
	must(t, "Link", err)
	l.PeerURL, l.Secret = "https://centre.example/", "shared"
	must(t, "UpdateLink", e.st.UpdateLink(e.ctx, l, e.audit("link.updated")))
	must(t, "QueueDeliveries", e.st.QueueDeliveries(e.ctx, partDeliveries(tg, day(11, 5), 2), e.audit("deliveries.queued")))
	e.accept(part(centre, 354, 1, 2, "12345", "CENTRE LONDON NR 354 1/2", day(11, 10)), ciphergram.PartAdded)
	sess := &ciphergram.Session{ID: sessionID(1), User: "officer", Created: day(11, 15), Seen: day(11, 20)}
	must(t, "CreateSession", e.st.CreateSession(e.ctx, sess))
	before := e.snapshot()

	e.reopen()
	after := e.snapshot()
	bv, av := reflect.ValueOf(*before), reflect.ValueOf(*after)
	for i := range bv.NumField() {
		if !reflect.DeepEqual(bv.Field(i).Interface(), av.Field(i).Interface()) {
			t.Errorf("after reopening, %s differ from before", bv.Type().Field(i).Name)
		}
	}

	checkSession(t, e, sess)
	checkExport(t, e, out, burned(1, 2))
	checkExport(t, e, in, nil)
	if pg := e.unusedPage(in, 3); pg.Failures != 1 {
		t.Errorf("after reopening, page 3 has %d failed authentications, want 1", pg.Failures)
	}
	got, err := e.st.ClaimPages(e.ctx, home, centre, 1, tg.ID, e.audit("pages.claimed"))
	must(t, "ClaimPages after reopening", err)
	checkClaimed(t, got, out.Pages[2])
	e.sign(e.draft("after", day(12, 0)), 2)
	rx := e.received(354, day(13, 0))
	e.register(rx, day(13, 30), e.refs(in, 1), 2688)
	c2 := &ciphergram.Copy{TelegramID: tg.ID, Reader: "officer", IssuedBy: "admin", Issued: day(14, 0)}
	must(t, "IssueCopy", e.st.IssueCopy(e.ctx, c2, e.audit("copy.issued")))
	if c2.Number != 2 {
		t.Errorf("after reopening, the next copy is number %d, want 2", c2.Number)
	}
	entries := checkChain(t, e)
	if len(entries) <= len(before.Audit) || !bytes.Equal(entries[len(before.Audit)-1].Hash, before.Head) {
		t.Errorf("after reopening, the audit log does not go on from the entry it ended with")
	}
}

// unusedPage returns an unused page of an incoming pad as the store has it.
func (e *env) unusedPage(p *otp.Pad, number int) *otp.Page {
	e.t.Helper()
	_, pg, err := e.st.IncomingPage(e.ctx, p.From, p.To, p.Pages[number-1].Indicator())
	must(e.t, "IncomingPage", err)
	return pg
}
