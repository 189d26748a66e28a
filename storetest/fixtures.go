package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/otp"
)

// The office every test runs in, and its links.
const (
	home   = "LONDON"
	centre = "CENTRE"
	washin = "WASHINGTON"
)

// msk is the Moscow time zone of 1941, so that times travel with an offset
// and not only in UTC.
var msk = time.FixedZone("MSK", 3*3600)

// day is a time on the scenario's day, to the microsecond: every store keeps
// domain times at least that finely (PostgreSQL's timestamptz does not keep
// nanoseconds; audit times, which are hashed, are kept to the nanosecond).
func day(hour, min int) time.Time {
	return time.Date(1941, 4, 21, hour, min, 7, 123456000, msk)
}

// env is one test's store on its own database.
type env struct {
	t     *testing.T
	h     Harness
	ctx   context.Context
	dsn   string
	st    ciphergram.Store
	seq   int // audits made so far, for distinct times and subjects
	close func()
}

// newEnv opens a store on a fresh database; it is closed at the end of the
// test.
func newEnv(t *testing.T, h Harness) *env {
	t.Helper()
	e := &env{t: t, h: h, ctx: t.Context(), dsn: h.NewDSN(t)}
	e.open()
	t.Cleanup(func() { e.close() })
	return e
}

// open opens e.dsn as e.st; e.close closes it once.
func (e *env) open() {
	e.t.Helper()
	st, err := e.h.Open(context.Background(), e.dsn)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.st = st
	closed := false
	e.close = func() {
		if closed {
			return
		}
		closed = true
		if err := st.Close(); err != nil {
			e.t.Errorf("Close: %v", err)
		}
	}
}

// reopen closes the store and opens the same database again.
func (e *env) reopen() {
	e.t.Helper()
	e.close()
	e.open()
}

// second opens another Store on the same database, as a second process
// would; it is closed at the end of the test.
func (e *env) second() ciphergram.Store {
	e.t.Helper()
	st, err := e.h.Open(context.Background(), e.dsn)
	if err != nil {
		e.t.Fatalf("Open a second time: %v", err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

// audit describes an act. Each has a distinct time with nanoseconds, before
// 1970 (negative Unix time), and text the store must keep as it is.
func (e *env) audit(action string) ciphergram.Audit {
	e.seq++
	return ciphergram.Audit{
		Time:    time.Date(1941, 4, 21, 9, 0, e.seq, 100000000+e.seq, msk),
		Actor:   "clerk",
		Action:  action,
		Subject: fmt.Sprintf("act %d", e.seq),
		Detail:  "détail «" + action + "»\nsecond line",
	}
}

// init sets up the office LONDON with its admin and links to the CENTRE and
// WASHINGTON.
func (e *env) init() {
	e.t.Helper()
	admin := &ciphergram.User{Name: "admin", Role: ciphergram.RoleAdmin, Cleared: true, Created: day(9, 0)}
	o := ciphergram.Office{Name: home, Created: day(9, 0)}
	must(e.t, "InitOffice", e.st.InitOffice(e.ctx, o, admin, e.audit("office.created")))
	for _, peer := range []string{centre, washin} {
		l := &ciphergram.Link{Peer: peer, Mode: cipher.Authenticated, Codebook: "default", Created: day(9, 1)}
		must(e.t, "CreateLink "+peer, e.st.CreateLink(e.ctx, l, e.audit("link.created")))
	}
}

// draft stores a new outgoing draft to the CENTRE.
func (e *env) draft(text string, filed time.Time) *ciphergram.Telegram {
	e.t.Helper()
	t := &ciphergram.Telegram{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, From: home, To: centre,
		Filed: filed, Prec: cipher.Routine, Mode: cipher.Authenticated, Classification: "TOP SECRET",
		Text: text, CreatedBy: "officer"}
	must(e.t, "CreateTelegram", e.st.CreateTelegram(e.ctx, t, e.audit("telegram.composed")))
	return t
}

// received stores a new incoming telegram from the CENTRE, as received.
func (e *env) received(nr int, at time.Time) *ciphergram.Telegram {
	e.t.Helper()
	t := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: centre, To: home,
		Nr: nr, Prec: cipher.Priority, Mode: cipher.Authenticated, Classification: "TOP SECRET",
		Wire: fmt.Sprintf("CENTRE LONDON NR %d\n12345 67890", nr), Received: at, CreatedBy: "clerk"}
	must(e.t, "CreateTelegram", e.st.CreateTelegram(e.ctx, t, e.audit("telegram.received")))
	return t
}

// must stops the test on an error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantCode checks that err carries the application error code want ("" for
// no error).
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := ciphergram.ErrorCode(err); got != want {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}

// genPad generates a pad from a deterministic source: the same seed gives the
// same digits.
func genPad(t *testing.T, seed uint64, id, from, to string, pages, groupsPerPage int) *otp.Pad {
	t.Helper()
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	p, err := otp.Generate(rand.NewChaCha8(key), id, from, to, pages, groupsPerPage)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// clonePad copies a pad deeply, so that what the store is given cannot
// change what the test expects.
func clonePad(p *otp.Pad) *otp.Pad {
	c := *p
	c.Notes = append([]string(nil), p.Notes...)
	c.Pages = make([]*otp.Page, len(p.Pages))
	for i, pg := range p.Pages {
		cp := *pg
		cp.Digits = append([]byte(nil), pg.Digits...)
		if pg.Digits == nil {
			cp.Digits = nil
		}
		c.Pages[i] = &cp
	}
	return &c
}

// importPad takes a copy of p into custody.
func (e *env) importPad(p *otp.Pad, dir ciphergram.PadDirection) {
	e.t.Helper()
	must(e.t, "ImportPad "+p.ID, e.st.ImportPad(e.ctx, clonePad(p), dir, e.audit("pad.imported")))
}
