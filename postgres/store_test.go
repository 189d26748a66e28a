package postgres

import (
	"bytes"
	"ciphergram/internal/pgtest"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ciphergram"
	"ciphergram/otp"
)

// These tests look inside the database, where the conformance suite
// (postgres_test.go) cannot: the schema's constraints and triggers, the
// migrations, the session settings.

// fixture is a store with an office, a link to the CENTRE and a telegram.
type fixture struct {
	t   *testing.T
	ctx context.Context
	dsn string
	s   *Store
	seq int
	tg  *ciphergram.Telegram
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: t.Context(), dsn: pgtest.NewDSN(t)}
	f.open()
	t.Cleanup(func() { f.s.Close() })
	admin := &ciphergram.User{Name: "admin", Role: ciphergram.RoleAdmin}
	f.must(f.s.InitOffice(f.ctx, ciphergram.Office{Name: "LONDON"}, admin, f.audit("office.created")))
	f.must(f.s.CreateLink(f.ctx, &ciphergram.Link{Peer: "CENTRE"}, f.audit("link.created")))
	f.tg = &ciphergram.Telegram{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, From: "LONDON", To: "CENTRE",
		Filed: time.Date(1941, 4, 21, 10, 0, 0, 0, time.UTC)}
	f.must(f.s.CreateTelegram(f.ctx, f.tg, f.audit("telegram.composed")))
	return f
}

func (f *fixture) open() {
	f.t.Helper()
	s, err := Open(f.ctx, f.dsn, testKey())
	f.must(err)
	f.s = s
}

// testKey opens a test store with the tests' office key.
func testKey() Option { return WithKey(pgtest.Key()) }

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) audit(action string) ciphergram.Audit {
	f.seq++
	return ciphergram.Audit{Time: time.Date(1941, 4, 21, 9, 0, f.seq, 0, time.UTC), Actor: "test", Action: action}
}

// pad generates a pad deterministically and imports a copy of it.
func (f *fixture) pad(id string, dir ciphergram.PadDirection, pages, gpp int) *otp.Pad {
	f.t.Helper()
	from, to := "LONDON", "CENTRE"
	if dir == ciphergram.PadIn {
		from, to = to, from
	}
	var seed [32]byte
	copy(seed[:], id)
	p, err := otp.Generate(rand.NewChaCha8(seed), id, from, to, pages, gpp)
	f.must(err)
	f.must(f.s.ImportPad(f.ctx, clonePad(p), dir, f.audit("pad.imported")))
	return p
}

// clonePad copies a pad deeply.
func clonePad(p *otp.Pad) *otp.Pad {
	c := *p
	c.Pages = nil
	for _, pg := range p.Pages {
		cp := *pg
		cp.Digits = bytes.Clone(pg.Digits)
		c.Pages = append(c.Pages, &cp)
	}
	return &c
}

// exec runs SQL on one of the store's own connections.
func (f *fixture) exec(query string, args ...any) error {
	_, err := f.s.pool.Exec(f.ctx, query, args...)
	return err
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	f.must(f.s.pool.QueryRow(f.ctx, query, args...).Scan(&n))
	return n
}

func TestMigrationsOnReopen(t *testing.T) {
	f := newFixture(t)
	ms, err := migrations()
	f.must(err)
	for range 2 {
		f.must(f.s.Close())
		f.open()
		var n, newest int
		f.must(f.s.pool.QueryRow(f.ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &newest))
		if n != len(ms) || newest != len(ms) {
			t.Errorf("schema_migrations has %d rows up to version %d, want %d", n, newest, len(ms))
		}
	}
	if _, err := f.s.Office(f.ctx); err != nil {
		t.Errorf("after reopening: Office: %v", err)
	}

	f.must(f.exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, 'future.sql')`, len(ms)+1))
	if s, err := Open(f.ctx, f.dsn, testKey()); err == nil {
		s.Close()
		t.Error("Open of a database with a newer schema succeeded")
	}
	f.must(f.exec(`DELETE FROM schema_migrations WHERE version = $1`, len(ms)+1))
	f.must(f.exec(`UPDATE schema_migrations SET name = 'other.sql' WHERE version = 2`))
	if s, err := Open(f.ctx, f.dsn, testKey()); err == nil {
		s.Close()
		t.Error("Open of a database with another migration 2 succeeded")
	}
	f.must(f.exec(`UPDATE schema_migrations SET name = $1 WHERE version = 2`, ms[1].name))
	f.must(f.s.Close())
	f.open()
}

// TestOpenConcurrently opens one empty schema from several stores at once,
// as processes starting together would: the advisory lock lets one of them
// migrate, and the others find the schema up to date.
func TestOpenConcurrently(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	const n = 8
	var wg sync.WaitGroup
	stores := make([]*Store, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), dsn, testKey()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := stores[0].pool.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) {
		t.Errorf("%d migrations recorded, want %d", applied, len(ms))
	}
	var locks int
	err = stores[0].pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1`,
		migrateLockClass).Scan(&locks)
	if err != nil || locks != 0 {
		t.Errorf("%d migration locks are still held (%v)", locks, err)
	}
}

// TestOpenRefuses checks what Open will not work with.
func TestOpenRefuses(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	noSchema, err := pgtest.WithParams(dsn, map[string]string{"search_path": "ciphergram_test_no_such_schema"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"postgres://[::1", noSchema} {
		if s, err := Open(t.Context(), d, testKey()); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", d)
		}
	}
	// An office key is required.
	if s, err := Open(t.Context(), dsn); ciphergram.ErrorCode(err) != ciphergram.EINVALID || !strings.Contains(fmt.Sprint(err), "an office key is required") {
		if err == nil {
			s.Close()
		}
		t.Errorf("Open without an office key: %v, want EINVALID", err)
	}
}

// TestSessionSettings checks every connection of the pool: each commits
// synchronously, even when the DSN asks for less.
func TestSessionSettings(t *testing.T) {
	dsn, err := pgtest.WithParams(pgtest.NewDSN(t), map[string]string{"synchronous_commit": "off"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), dsn, testKey())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var conns []interface{ Release() }
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for i := range pgtest.MaxConns {
		c, err := s.pool.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var sync string
		if err := c.QueryRow(t.Context(), `SHOW synchronous_commit`).Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if sync != "on" {
			t.Errorf("connection %d: synchronous_commit = %s, want on", i, sync)
		}
	}
}

// TestDigitsDestroyed claims and burns pages and looks for their digits,
// sealed or not, in the rows.
func TestDigitsDestroyed(t *testing.T) {
	f := newFixture(t)
	out := f.pad("LON-CEN-1", ciphergram.PadOut, 40, otp.DefaultGroupsPerPage)
	in := f.pad("CEN-LON-1", ciphergram.PadIn, 5, otp.DefaultGroupsPerPage)
	sealed := map[string][]byte{} // "pad/number" -> the sealed digits stored
	rows, err := f.s.pool.Query(f.ctx, `SELECT p.id, d.number, d.digits FROM page_digits d JOIN pads p ON p.seq = d.pad`)
	f.must(err)
	for rows.Next() {
		var id string
		var n int
		var b []byte
		f.must(rows.Scan(&id, &n, &b))
		sealed[fmt.Sprintf("%s/%d", id, n)] = b
	}
	f.must(rows.Err())
	if len(sealed) != 45 {
		t.Fatalf("%d pages have stored digits, want 45", len(sealed))
	}
	claimed, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 30, f.tg.ID, f.audit("pages.claimed"))
	f.must(err)
	for i, pg := range claimed {
		if !bytes.Equal(pg.Digits, out.Pages[i].Digits) || pg.Burned {
			t.Fatalf("claimed page %d is not page %d of the pad", pg.Number, i+1)
		}
	}
	for range otp.MaxFailures {
		_, err := f.s.RecordAuthFailure(f.ctx, "CENTRE", "LONDON", in.Pages[0].Indicator(), f.audit("telegram.auth_failed"))
		f.must(err)
	}
	if n := f.count(`SELECT count(*) FROM page_digits d JOIN pages g USING (pad, number) WHERE g.state = 'used'`); n != 0 {
		t.Errorf("%d used pages keep their digits", n)
	}
	if n := f.count(`SELECT count(*) FROM page_digits`); n != 10+4 {
		t.Errorf("%d pages have digits, want the 14 unused", n)
	}
	for _, pg := range append(out.Pages[:30], in.Pages[0]) {
		if n := f.count(`SELECT count(*) FROM page_digits WHERE digits = $1 OR position($2::bytea in digits) > 0`,
			pg.Digits, pg.Digits[otp.GroupSize:3*otp.GroupSize]); n != 0 {
			t.Errorf("the digits of destroyed page %d are in a row", pg.Number)
		}
	}
	for key, b := range sealed {
		destroyed := key == "CEN-LON-1/1"
		for _, pg := range out.Pages[:30] {
			destroyed = destroyed || key == fmt.Sprintf("LON-CEN-1/%d", pg.Number)
		}
		if n := f.count(`SELECT count(*) FROM page_digits WHERE digits = $1`, b); n != map[bool]int{true: 0, false: 1}[destroyed] {
			t.Errorf("the sealed digits of page %s are in %d rows (destroyed: %t)", key, n, destroyed)
		}
	}
}

// TestSchemaRefuses tries, on the store's own connections, what the code
// never does: every such change must fail.
func TestSchemaRefuses(t *testing.T) {
	f := newFixture(t)
	f.pad("LON-CEN-1", ciphergram.PadOut, 4, 10)
	_, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, f.audit("pages.claimed"))
	f.must(err)
	c := &ciphergram.Copy{TelegramID: f.tg.ID, Reader: "admin", IssuedBy: "admin"}
	f.must(f.s.IssueCopy(f.ctx, c, f.audit("copy.issued")))
	f.must(f.s.CloseCopy(f.ctx, c.ID, ciphergram.CopyDestroyed, "admin", time.Now(), f.audit("copy.destroyed")))
	tg := *f.tg
	tg.State = ciphergram.StateSigned
	f.must(f.s.UpdateTelegram(f.ctx, &tg, ciphergram.StateDraft, ciphergram.CounterOutgoing, f.audit("telegram.signed")))
	d := &ciphergram.Delivery{Peer: "CENTRE", Kind: ciphergram.DeliverPart, TelegramID: f.tg.ID, Part: 1, Body: "x"}
	f.must(f.s.QueueDeliveries(f.ctx, []*ciphergram.Delivery{d}, f.audit("delivery.queued")))
	f.must(f.s.DeliveryDone(f.ctx, d.ID, time.Date(1941, 4, 21, 12, 0, 0, 0, time.UTC), f.audit("delivery.acknowledged")))
	p := &ciphergram.InboxPart{Peer: "CENTRE", Nr: 1, Part: 1, Parts: 1, Indicator: "12345", Wire: "x"}
	_, err = f.s.AcceptPart(f.ctx, p, f.audit("part.received"))
	f.must(err)
	in := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: "CENTRE", To: "LONDON", Nr: 1}
	f.must(f.s.AssembleTelegram(f.ctx, in, []int64{p.ID}, f.audit("telegram.assembled")))

	// A pad whose data key was erased with its only page, and one made
	// behind the store's back with an unused page and no key.
	spent := f.pad("CEN-LON-1", ciphergram.PadIn, 1, 10)
	for range otp.MaxFailures {
		_, err := f.s.RecordAuthFailure(f.ctx, "CENTRE", "LONDON", spent.Pages[0].Indicator(), f.audit("telegram.auth_failed"))
		f.must(err)
	}
	f.must(f.exec(`INSERT INTO pads (id, from_office, to_office, direction, groups_per_page, notes) VALUES ('NOKEY', 'LONDON', 'CENTRE', 'out', 1, '{}')`))
	f.must(f.exec(`INSERT INTO pages (pad, number, from_office, to_office, direction, indicator, state)
		SELECT seq, 7, from_office, to_office, direction, '99999', 'unused' FROM pads WHERE id = 'NOKEY'`))

	const zeros = `decode(repeat('00', 32), 'hex')`
	for _, tt := range []struct{ name, sql string }{
		{"EraseAKeyInUse", `UPDATE pads SET wrapped_key = NULL WHERE id = 'LON-CEN-1'`},
		{"RestoreAnErasedKey", `UPDATE pads SET wrapped_key = (SELECT wrapped_key FROM pads WHERE id = 'LON-CEN-1') WHERE id = 'CEN-LON-1'`},
		{"DigitsWithoutAKey", `INSERT INTO page_digits (pad, number, digits) SELECT seq, 7, '\x3030' FROM pads WHERE id = 'NOKEY'`},
		{"ChangeTheKeyCheck", `UPDATE vault SET key_check = '\x00'`},
		{"ForgetTheKeyCheck", `DELETE FROM vault`},
		{"TruncateTheKeyCheck", `TRUNCATE vault`},
		{"ReuseAPage", `UPDATE pages SET state = 'unused' WHERE number = 1`},
		{"TouchAUsedPage", `UPDATE pages SET failures = 1 WHERE number = 1`},
		{"DeleteAPage", `DELETE FROM pages WHERE number = 1`},
		{"TruncatePages", `TRUNCATE pages CASCADE`},
		{"ReplaceAPage", `INSERT INTO pages SELECT pad, number, from_office, to_office, direction, indicator, 'unused', 0
			FROM pages WHERE number = 1 ON CONFLICT (pad, number) DO UPDATE SET state = 'unused'`},
		{"RenumberAPage", `UPDATE pages SET number = 99 WHERE number = 2`},
		{"MoveAPageToAnotherLink", `UPDATE pages SET to_office = 'PARIS' WHERE number = 2`},
		{"DigitsForAUsedPage", `INSERT INTO page_digits (pad, number, digits) SELECT pad, 1, '\x3030' FROM pages WHERE number = 2`},
		{"RewriteDigits", `UPDATE page_digits SET digits = '\x3030' WHERE number = 2`},
		{"DestroyTwice", `INSERT INTO destructions (pad, number, indicator, reason, time_ns)
			SELECT pad, number, indicator, 'sent', 0 FROM destructions`},
		{"DestroyUnused", `INSERT INTO destructions (pad, number, indicator, reason, time_ns)
			SELECT pad, number, indicator, 'sent', 0 FROM pages WHERE number = 2`},
		{"ForgetADestruction", `DELETE FROM destructions`},
		{"TruncateDestructions", `TRUNCATE destructions`},
		{"EditADestruction", `UPDATE destructions SET reason = 'other'`},
		{"RepeatAnIndicator", `INSERT INTO pages SELECT pad, 9, from_office, to_office, direction, indicator, 'unused', 0
			FROM pages WHERE number = 2`},
		{"DeleteAPad", `DELETE FROM pads`},
		{"EditTheAudit", `UPDATE audit SET actor = 'nobody' WHERE seq = 1`},
		{"DeleteFromTheAudit", `DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)`},
		{"TruncateTheAudit", `TRUNCATE audit`},
		{"ReplaceInTheAudit", `INSERT INTO audit (seq, time_ns, actor, action, subject, detail, prev, hash)
			SELECT seq, time_ns, 'nobody', action, subject, detail, prev, hash FROM audit WHERE seq = 1
			ON CONFLICT (seq) DO UPDATE SET actor = excluded.actor`},
		{"BreakTheChain", `INSERT INTO audit (seq, time_ns, actor, action, subject, detail, prev, hash)
			SELECT seq + 1, 0, 'x', 'x', 'x', 'x', ` + zeros + `, ` + zeros + ` FROM audit_head`},
		{"ForgeAHash", `INSERT INTO audit (seq, time_ns, actor, action, subject, detail, prev, hash)
			SELECT seq + 1, 0, 'x', 'x', 'x', 'x', hash, ` + zeros + ` FROM audit_head`},
		{"SkipASeq", `INSERT INTO audit (seq, time_ns, actor, action, subject, detail, prev, hash)
			SELECT seq + 2, 0, 'x', 'x', 'x', 'x', hash, audit_chain_hash(hash, seq + 2, 0, 'x', 'x', 'x', 'x') FROM audit_head`},
		{"MoveTheHead", `UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit WHERE seq = 1)`},
		{"DeleteTheHead", `DELETE FROM audit_head`},
		{"TruncateTheHead", `TRUNCATE audit_head`},
		{"TwoOffices", `INSERT INTO office (id, name, is_centre) VALUES (2, 'PARIS', false)`},
		{"ReopenACopy", `UPDATE copies SET state = 'issued'`},
		{"DeleteACopy", `DELETE FROM copies`},
		{"TakeANumberBack", `DELETE FROM numbers_given`},
		{"UnacknowledgeADelivery", `UPDATE outbox SET delivered = NULL`},
		{"RetryADeliveryDone", `UPDATE outbox SET attempts = attempts + 1`},
		{"AnUnknownKind", `INSERT INTO outbox (peer, kind, part, body, attempts, last_error) VALUES ('CENTRE', 'gossip', 0, '', 0, '')`},
		{"ReassembleAPart", `UPDATE inbox SET telegram_id = (SELECT id FROM telegrams WHERE direction = 'out')`},
		{"DetachAPart", `UPDATE inbox SET telegram_id = NULL`},
		{"TheSamePartTwice", `INSERT INTO inbox (peer, nr, part, parts, indicator, wire) SELECT peer, nr, part, parts, indicator, 'y' FROM inbox`},
		{"APartOfNone", `INSERT INTO inbox (peer, nr, part, parts, indicator, wire) VALUES ('CENTRE', 2, 2, 1, '1', '')`},
		{"ASessionOfNobody", `INSERT INTO sessions (id, user_name) VALUES ('x', 'nobody')`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := f.exec(tt.sql)
			if err == nil {
				t.Fatalf("%s succeeded", tt.sql)
			}
			t.Logf("refused: %v", sanitize(err))
		})
	}
	entries, head, err := f.s.AuditLog(f.ctx)
	f.must(err)
	if err := ciphergram.VerifyChain(entries, head); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
}

// TestAuditHashInSQL appends entries with awkward text through SQL alone,
// with the hash the schema computes (audit_chain_hash), which the insert
// trigger checks on every append: the log must verify with
// ciphergram.ChainHash, so the two compute the same hash.
func TestAuditHashInSQL(t *testing.T) {
	f := newFixture(t)
	for i, s := range []string{"", "o'brien", "détail «x»\nsecond line", "\x01\t", "🙂 Строка"} {
		ns := int64(-885000000123456789) + int64(i)
		err := f.exec(`INSERT INTO audit (seq, time_ns, actor, action, subject, detail, prev, hash)
			SELECT seq + 1, $1, $2, 'sql', $3, $2 || $3, hash, audit_chain_hash(hash, seq + 1, $1, $2, 'sql', $3, $2 || $3)
			FROM audit_head`, ns, s, fmt.Sprint(i))
		f.must(err)
	}
	f.must(f.s.Record(f.ctx, f.audit("after")))
	entries, head, err := f.s.AuditLog(f.ctx)
	f.must(err)
	if err := ciphergram.VerifyChain(entries, head); err != nil {
		t.Errorf("VerifyChain after appends in SQL: %v", err)
	}
	if len(entries) != 3+5+1 {
		t.Errorf("%d audit entries, want 9", len(entries))
	}
}

// TestSetCounterBack refuses to set a counter to where it would give a
// number again.
func TestSetCounterBack(t *testing.T) {
	f := newFixture(t)
	sign := func(want int) {
		t.Helper()
		tg := *f.tg
		tg.ID, tg.State = 0, ciphergram.StateDraft
		f.must(f.s.CreateTelegram(f.ctx, &tg, f.audit("telegram.composed")))
		tg.State = ciphergram.StateSigned
		f.must(f.s.UpdateTelegram(f.ctx, &tg, ciphergram.StateDraft, ciphergram.CounterOutgoing, f.audit("telegram.signed")))
		if tg.Nr != want {
			t.Errorf("signed as number %d, want %d", tg.Nr, want)
		}
	}
	sign(1)
	sign(2)
	err := f.s.SetCounter(f.ctx, ciphergram.CounterOutgoing, 1941, 2, f.audit("counter.set"))
	if ciphergram.ErrorCode(err) != ciphergram.ECONFLICT {
		t.Errorf("SetCounter back to a number given: %v, want ECONFLICT", err)
	}
	f.must(f.s.SetCounter(f.ctx, ciphergram.CounterOutgoing, 1941, 3, f.audit("counter.set")))
	sign(3)
	f.must(f.s.SetCounter(f.ctx, ciphergram.CounterOutgoing, 1941, 100, f.audit("counter.set")))
	sign(100)
	// 50 to 99 were never given, but 100 would be given again in time.
	err = f.s.SetCounter(f.ctx, ciphergram.CounterOutgoing, 1941, 50, f.audit("counter.set"))
	if ciphergram.ErrorCode(err) != ciphergram.ECONFLICT {
		t.Errorf("SetCounter back below a number given: %v, want ECONFLICT", err)
	}
	f.must(f.s.SetCounter(f.ctx, ciphergram.CounterOutgoing, 1942, 50, f.audit("counter.set"))) // another year
	sign(101)
}

// TestErrorCodes checks how server errors map to codes, and that an error
// does not repeat the values of the row refused.
func TestErrorCodes(t *testing.T) {
	f := newFixture(t)
	code := func(what string, err error, want string) {
		t.Helper()
		if got := ciphergram.ErrorCode(err); got != want {
			t.Errorf("%s: %v, want %s", what, err, want)
		}
	}
	code("a NUL byte in text", f.s.Record(f.ctx, ciphergram.Audit{Time: time.Now(), Actor: "a\x00b"}), ciphergram.EINVALID)
	code("text that is not UTF-8", f.s.CreateUser(f.ctx, &ciphergram.User{Name: "\xff"}, f.audit("user.created")), ciphergram.EINVALID)
	code("an unknown kind", f.s.PutCryptonym(f.ctx, &ciphergram.Cryptonym{Cover: "X", Kind: "ghost"}, f.audit("cryptonym.registered")), ciphergram.EINVALID)
	code("an audit without a time", f.s.Record(f.ctx, ciphergram.Audit{Actor: "x"}), ciphergram.EINVALID)
	code("an audit after 2262", f.s.Record(f.ctx, ciphergram.Audit{Time: time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC)}), ciphergram.EINVALID)
	far := &ciphergram.User{Name: "far", Created: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)}
	code("a time timestamptz cannot hold", f.s.CreateUser(f.ctx, far, f.audit("user.created")), ciphergram.EINVALID)
	old := &ciphergram.User{Name: "old", Created: time.Date(-1000, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.must(f.s.CreateUser(f.ctx, old, f.audit("user.created")))
	if u, err := f.s.User(f.ctx, "old"); err != nil || !u.Created.Equal(old.Created) {
		t.Errorf("a time of 1001 BC came back as %v (%v)", u, err)
	}

	// A CHECK failure's DETAIL quotes the row; the error must not.
	err := f.s.PutCryptonym(f.ctx, &ciphergram.Cryptonym{Cover: "X", TrueName: "SECRET-NAME", Kind: "ghost"}, f.audit("cryptonym.registered"))
	if bytes.Contains([]byte(fmt.Sprintf("%v %+v %#v", err, err, err)), []byte("SECRET-NAME")) {
		t.Errorf("the error repeats a value of the row: %v", err)
	}
}

// TestMigrateFromVersion4 upgrades a schema made with migrations 0001-0004:
// its links keep everything and get no secret, and the new tables work.
func TestMigrateFromVersion4(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.NewDSN(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 5 || ms[4].name != "0005_transport.sql" {
		t.Fatalf("%d migrations, want 0005_transport.sql as the fifth", len(ms))
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	delete(cfg.RuntimeParams, "pool_max_conns") // pgxpool's, not the server's
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, query, args...); err != nil {
			t.Fatalf("%.60s: %v", query, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`)
	for _, m := range ms[:4] {
		exec(m.sql)
		exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
	}
	created := time.Date(1941, 4, 21, 9, 0, 0, 0, time.UTC)
	exec(`INSERT INTO links (peer, mode, codebook, peer_url, created) VALUES ('CENTRE', 1, 'kod', 'https://centre.example/', $1)`, created)
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, dsn, testKey())
	if err != nil {
		t.Fatalf("Open of a schema at version 4: %v", err)
	}
	defer s.Close()
	l, err := s.Link(ctx, "CENTRE")
	if err != nil {
		t.Fatal(err)
	}
	want := ciphergram.Link{ID: l.ID, Peer: "CENTRE", Mode: 1, Codebook: "kod", PeerURL: "https://centre.example/", Created: created}
	if *l != want {
		t.Errorf("after migrating, Link = %+v, want %+v", *l, want)
	}
	l.Secret = "shared"
	if err := s.UpdateLink(ctx, l, ciphergram.Audit{Time: created, Actor: "test", Action: "link.updated"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Link(ctx, "CENTRE"); err != nil || got.Secret != "shared" {
		t.Errorf("after migrating, UpdateLink did not keep the secret: %v, %v", got, err)
	}
	for _, table := range []string{"sessions", "outbox", "inbox"} {
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Errorf("after migrating, table %s: %d rows, %v", table, n, err)
		}
	}
}
