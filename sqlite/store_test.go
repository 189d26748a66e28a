package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/otp"
)

// These tests look inside the database, where the conformance suite
// (sqlite_test.go) cannot: the schema's constraints, the files' bytes.

// fixture is a store with an office, a link to the CENTRE and a telegram.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	path string
	s    *Store
	seq  int
	tg   *ciphergram.Telegram
	// stored is each pad's key material as the database held it after the
	// import, to look for in the files (see traces).
	stored map[string]*storedPad
}

// storedPad is a pad's key material as the database holds it: its wrapped
// data key and its pages' sealed digits by number.
type storedPad struct {
	wrapped []byte
	sealed  map[int][]byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureAt(t, filepath.Join(t.TempDir(), "office.db"))
}

// newFixtureAt is newFixture on the database file at path.
func newFixtureAt(t *testing.T, path string) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: t.Context(), path: path}
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
	s, err := Open(f.ctx, f.path)
	f.must(err)
	f.s = s
}

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
	c := *p
	c.Pages = nil
	for _, pg := range p.Pages {
		cp := *pg
		cp.Digits = bytes.Clone(pg.Digits)
		c.Pages = append(c.Pages, &cp)
	}
	f.must(f.s.ImportPad(f.ctx, &c, dir, f.audit("pad.imported")))
	f.readStored(id)
	return p
}

// readStored keeps the key material of pad id as the database holds it.
func (f *fixture) readStored(id string) *storedPad {
	f.t.Helper()
	sp := &storedPad{sealed: map[int][]byte{}}
	f.must(f.s.db.QueryRow(`SELECT wrapped_key FROM pads WHERE id = ?`, id).Scan(&sp.wrapped))
	rows, err := f.s.db.Query(`SELECT d.number, d.digits FROM page_digits d JOIN pads p ON p.seq = d.pad WHERE p.id = ?`, id)
	f.must(err)
	defer rows.Close()
	for rows.Next() {
		var n int
		var b []byte
		f.must(rows.Scan(&n, &b))
		sp.sealed[n] = b
	}
	f.must(rows.Err())
	if f.stored == nil {
		f.stored = map[string]*storedPad{}
	}
	f.stored[id] = sp
	return sp
}

// trace is what the files may hold of one page: its digits past the public
// indicator, and their sealed form as the database stored it.
type trace struct {
	name          string
	plain, sealed []byte
}

// traces returns the traces of pages of pad p (all of them if none are
// named).
func (f *fixture) traces(p *otp.Pad, pages ...*otp.Page) []trace {
	f.t.Helper()
	if len(pages) == 0 {
		pages = p.Pages
	}
	var ts []trace
	for _, pg := range pages {
		sealed := f.stored[p.ID].sealed[pg.Number]
		if sealed == nil {
			f.t.Fatalf("no sealed digits kept of page %d of %s", pg.Number, p.ID)
		}
		ts = append(ts, trace{fmt.Sprintf("page %d of %s", pg.Number, p.ID), pg.Digits[otp.GroupSize:], sealed})
	}
	return ts
}

// exec runs SQL on one of the store's own connections.
func (f *fixture) exec(query string, args ...any) error {
	_, err := f.s.db.ExecContext(f.ctx, query, args...)
	return err
}

func TestMigrationsOnReopen(t *testing.T) {
	f := newFixture(t)
	ms, err := migrations()
	f.must(err)
	for range 2 {
		f.must(f.s.Close())
		f.open()
		var n, newest int
		f.must(f.s.db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &newest))
		if n != len(ms) || newest != len(ms) {
			t.Errorf("schema_migrations has %d rows up to version %d, want %d", n, newest, len(ms))
		}
	}
	if _, err := f.s.Office(f.ctx); err != nil {
		t.Errorf("after reopening: Office: %v", err)
	}

	f.must(f.exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, 'future.sql', 0)`, len(ms)+1))
	f.must(f.s.Close())
	if s, err := Open(f.ctx, f.path); err == nil {
		s.Close()
		t.Error("Open of a database with a newer schema succeeded")
	}
	raw, err := sql.Open("sqlite", f.path)
	f.must(err)
	defer raw.Close()
	_, err = raw.Exec(`DELETE FROM schema_migrations WHERE version = ?`, len(ms)+1)
	f.must(err)
	f.open()
}

func TestOpenRefusesNames(t *testing.T) {
	for _, name := range []string{"", ":memory:", "office.db?mode=ro"} {
		if s, err := Open(t.Context(), name); ciphergram.ErrorCode(err) != ciphergram.EINVALID {
			if err == nil {
				s.Close()
			}
			t.Errorf("Open(%q): %v, want EINVALID", name, err)
		}
	}
}

// TestPragmasOnEveryConnection checks every connection of the pool, one
// of which ran the checkpoint after a claim without a busy timeout.
func TestPragmasOnEveryConnection(t *testing.T) {
	f := newFixture(t)
	f.pad("LON-CEN-1", ciphergram.PadOut, 4, 10)
	_, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, f.audit("pages.claimed"))
	f.must(err)
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range maxConns {
		c, err := f.s.db.Conn(f.ctx)
		f.must(err)
		conns = append(conns, c)
		for p, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1",
			"secure_delete": "1", "busy_timeout": "10000", "temp_store": "2", "recursive_triggers": "1"} {
			var got string
			f.must(c.QueryRowContext(f.ctx, "PRAGMA "+p).Scan(&got))
			if got != want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, p, got, want)
			}
		}
	}
}

// TestDigitsDestroyed claims pages and looks for their digits in the rows
// and in the bytes of the database and WAL files: with ScrubDelay 0 they
// are gone when the calls return; with the default delay, within it.
func TestDigitsDestroyed(t *testing.T) {
	for _, delay := range []time.Duration{0, ScrubDelay} {
		t.Run(fmt.Sprint("delay=", delay), func(t *testing.T) {
			f := newFixture(t)
			f.s.scrubDelay = delay
			out := f.pad("LON-CEN-1", ciphergram.PadOut, 40, otp.DefaultGroupsPerPage)
			in := f.pad("CEN-LON-1", ciphergram.PadIn, 5, otp.DefaultGroupsPerPage)
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
			destroyedAt := time.Now()

			var rows int
			f.must(f.s.db.QueryRow(`SELECT count(*) FROM page_digits d JOIN pages g USING (pad, number) WHERE g.state = 'used'`).Scan(&rows))
			if rows != 0 {
				t.Errorf("%d used pages keep their digits", rows)
			}
			gone := slices.Concat(f.traces(out, out.Pages[:30]...), f.traces(in, in.Pages[0]))
			kept := f.traces(out, out.Pages[30:]...)
			f.awaitGone("open", gone, destroyedAt, delay)
			checkFiles(t, "open", f.path, nil, kept)
			f.must(f.s.Close())
			checkFiles(t, "closed", f.path, gone, kept)
			f.open()
		})
	}
}

// awaitGone waits for the traces of pages destroyed at the time given to
// leave the files, and fails if that takes longer than delay (and a margin
// for a slow machine).
func (f *fixture) awaitGone(when string, gone []trace, destroyedAt time.Time, delay time.Duration) {
	f.t.Helper()
	margin := 2 * time.Second
	if delay == 0 {
		margin = 0 // gone when the call returned
	}
	for {
		left := stillThere(readFiles(f.t, f.path), gone)
		if len(left) == 0 {
			f.t.Logf("%s: the sealed digits of %d pages left the files %v after the last destruction returned", when, len(gone), time.Since(destroyedAt).Round(time.Millisecond))
			return
		}
		if time.Since(destroyedAt) > delay+margin {
			for _, tr := range left {
				f.t.Errorf("%s: %s, destroyed, is still in the files %v after (scrub delay %v)", when, tr.name, time.Since(destroyedAt), delay)
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stillThere lists the pages whose sealed digits, or digits (the first two
// groups past the public indicator), are in files.
func stillThere(files []byte, traces []trace) []trace {
	var left []trace
	for _, tr := range traces {
		if bytes.Contains(files, tr.sealed) || bytes.Contains(files, tr.plain[:2*otp.GroupSize]) {
			left = append(left, tr)
		}
	}
	return left
}

// checkFiles fails if a page of gone is in the files at path, sealed or
// not, or if the sealed digits of a page of kept are not (the search finds
// what is there) or its digits are, in clear.
func checkFiles(t *testing.T, when, path string, gone, kept []trace) {
	t.Helper()
	files := readFiles(t, path)
	for _, tr := range stillThere(files, gone) {
		t.Errorf("%s: %s, destroyed, is still in the files", when, tr.name)
	}
	for _, tr := range kept {
		if !bytes.Contains(files, tr.sealed) {
			t.Errorf("%s: the sealed digits of %s, unused, are not in the files", when, tr.name)
		}
		if bytes.Contains(files, tr.plain[:2*otp.GroupSize]) {
			t.Errorf("%s: the digits of %s are in the files in clear", when, tr.name)
		}
	}
}

// readFiles returns the database file and its WAL, one after the other.
func readFiles(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestSchemaRefuses tries, on the store's own connections, what the code
// never does: every such change must fail.
func TestSchemaRefuses(t *testing.T) {
	f := newFixture(t)
	f.pad("LON-CEN-1", ciphergram.PadOut, 4, 10)
	_, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, f.audit("pages.claimed"))
	f.must(err)
	// A pad whose data key was erased with its only page, and one made
	// behind the store's back with an unused page and no key.
	spent := f.pad("CEN-LON-1", ciphergram.PadIn, 1, 10)
	for range otp.MaxFailures {
		_, err := f.s.RecordAuthFailure(f.ctx, "CENTRE", "LONDON", spent.Pages[0].Indicator(), f.audit("telegram.auth_failed"))
		f.must(err)
	}
	f.must(f.exec(`INSERT INTO pads (id, from_office, to_office, direction, groups_per_page, notes) VALUES ('NOKEY', 'LONDON', 'CENTRE', 'out', 1, '')`))
	f.must(f.exec(`INSERT INTO pages (pad, number, from_office, to_office, direction, indicator, state)
		SELECT seq, 7, from_office, to_office, direction, '99999', 'unused' FROM pads WHERE id = 'NOKEY'`))
	for _, tt := range []struct{ name, sql string }{
		{"EraseAKeyInUse", `UPDATE pads SET wrapped_key = NULL WHERE id = 'LON-CEN-1'`},
		{"RestoreAnErasedKey", `UPDATE pads SET wrapped_key = (SELECT wrapped_key FROM pads WHERE id = 'LON-CEN-1') WHERE id = 'CEN-LON-1'`},
		{"DigitsWithoutAKey", `INSERT INTO page_digits (pad, number, digits) SELECT seq, 7, x'3030' FROM pads WHERE id = 'NOKEY'`},
		{"ChangeTheKeyCheck", `UPDATE vault SET key_check = x'00'`},
		{"ForgetTheKeyCheck", `DELETE FROM vault`},
		{"ReuseAPage", `UPDATE pages SET state = 'unused' WHERE number = 1`},
		{"TouchAUsedPage", `UPDATE pages SET failures = 1 WHERE number = 1`},
		{"DeleteAPage", `DELETE FROM pages WHERE number = 1`},
		{"ReplaceAPage", `INSERT OR REPLACE INTO pages SELECT pad, number, from_office, to_office, direction, indicator, 'unused', 0
			FROM pages WHERE number = 1`},
		{"DigitsForAUsedPage", `INSERT INTO page_digits (pad, number, digits) SELECT pad, 1, x'3030' FROM pages WHERE number = 2`},
		{"RewriteDigits", `UPDATE page_digits SET digits = x'3030' WHERE number = 2`},
		{"DestroyTwice", `INSERT INTO destructions (pad, number, indicator, reason, time) SELECT pad, number, indicator, 'sent', 0 FROM destructions`},
		{"DestroyUnused", `INSERT INTO destructions (pad, number, indicator, reason, time) SELECT pad, number, indicator, 'sent', 0 FROM pages WHERE number = 2`},
		{"ForgetADestruction", `DELETE FROM destructions`},
		{"RepeatAnIndicator", `INSERT INTO pages SELECT pad, 9, from_office, to_office, direction, indicator, 'unused', 0 FROM pages WHERE number = 2`},
		{"EditTheAudit", `UPDATE audit SET actor = 'nobody' WHERE seq = 1`},
		{"DeleteFromTheAudit", `DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)`},
		{"ReplaceInTheAudit", `INSERT OR REPLACE INTO audit SELECT * FROM audit WHERE seq = 1`},
		{"BreakTheChain", `INSERT INTO audit (seq, time, actor, action, subject, detail, prev, hash)
			SELECT seq + 1, 0, 'x', 'x', 'x', 'x', zeroblob(32), zeroblob(32) FROM audit_head`},
		{"MoveTheHead", `UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit WHERE seq = 1)`},
		{"TwoOffices", `INSERT INTO office (id, name, is_centre) VALUES (2, 'PARIS', 0)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.exec(tt.sql); err == nil {
				t.Errorf("%s succeeded", tt.sql)
			}
		})
	}
	entries, head, err := f.s.AuditLog(f.ctx)
	f.must(err)
	if err := ciphergram.VerifyChain(entries, head); err != nil {
		t.Errorf("VerifyChain: %v", err)
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

// BenchmarkClaimPage claims one page at a time: the IMMEDIATE transaction,
// the synchronous commit and the WAL checkpoint after it.
func BenchmarkClaimPage(b *testing.B) {
	ctx := b.Context()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "office.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a := ciphergram.Audit{Time: time.Date(1941, 4, 21, 9, 0, 0, 0, time.UTC), Actor: "bench", Action: "pages.claimed"}
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 { // the pad before is used up
			b.StopTimer()
			p, err := otp.Generate(rand.NewChaCha8([32]byte{byte(i / 1000)}), fmt.Sprint("LON-CEN-", i), "LONDON", "CENTRE", 1000, otp.DefaultGroupsPerPage)
			if err == nil {
				err = s.ImportPad(ctx, p, ciphergram.PadOut, a)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := s.ClaimPages(ctx, "LONDON", "CENTRE", 1, 0, a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
}
