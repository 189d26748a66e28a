package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/internal/pgtest"
	"ciphergram/otp"
	"ciphergram/vault"
)

// rotationFixture is a store under a key file with a live pad (page 1
// used), a pad whose key was erased and an incoming pad.
type rotationFixture struct {
	*fixture
	keyFile        string
	out, spent, in *otp.Pad
}

// newRotationFixture makes the fixture on a new schema.
func newRotationFixture(t *testing.T) *rotationFixture {
	t.Helper()
	f := &rotationFixture{fixture: &fixture{t: t, ctx: t.Context(), dsn: pgtest.NewDSN(t)},
		keyFile: filepath.Join(t.TempDir(), "office.key")}
	f.reopen(WithKeyFile(f.keyFile))
	t.Cleanup(func() { f.s.Close() })
	admin := &ciphergram.User{Name: "admin", Role: ciphergram.RoleAdmin}
	f.must(f.s.InitOffice(f.ctx, ciphergram.Office{Name: "LONDON"}, admin, f.audit("office.created")))
	f.must(f.s.CreateLink(f.ctx, &ciphergram.Link{Peer: "CENTRE"}, f.audit("link.created")))
	f.tg = &ciphergram.Telegram{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, From: "LONDON", To: "CENTRE",
		Filed: time.Date(1941, 4, 21, 10, 0, 0, 0, time.UTC)}
	f.must(f.s.CreateTelegram(f.ctx, f.tg, f.audit("telegram.composed")))
	f.spent = f.pad("LON-CEN-0", ciphergram.PadOut, 1, 10)
	f.out = f.pad("LON-CEN-1", ciphergram.PadOut, 5, 10)
	f.in = f.pad("CEN-LON-1", ciphergram.PadIn, 3, 10)
	f.claim(f.spent.Pages[0])
	f.claim(f.out.Pages[0])
	return f
}

// reopen closes the store, if open, and opens it with opt.
func (f *rotationFixture) reopen(opt Option) {
	f.t.Helper()
	if f.s != nil {
		f.s.Close()
	}
	s, err := Open(f.ctx, f.dsn, opt)
	f.must(err)
	f.s = s
}

// claim claims the next outgoing page, which must be want.
func (f *rotationFixture) claim(want *otp.Page) {
	f.t.Helper()
	got, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, f.audit("pages.claimed"))
	f.must(err)
	if len(got) != 1 || got[0].Number != want.Number || !bytes.Equal(got[0].Digits, want.Digits) {
		f.t.Fatalf("ClaimPages gave another page than page %d", want.Number)
	}
}

// works checks that the store reads the pads whole: the live pad's pages
// from page from on, and the incoming pad's.
func (f *rotationFixture) works(from int) {
	f.t.Helper()
	got, err := f.s.ExportPad(f.ctx, f.out.ID, f.audit("pad.exported"))
	f.must(err)
	for i, pg := range got.Pages {
		if unused := i+1 >= from; unused == pg.Burned || (unused && !bytes.Equal(pg.Digits, f.out.Pages[i].Digits)) {
			f.t.Errorf("page %d of %s comes back burned=%t or with other digits", pg.Number, f.out.ID, pg.Burned)
		}
	}
	_, pg, err := f.s.IncomingPage(f.ctx, "CENTRE", "LONDON", f.in.Pages[0].Indicator())
	f.must(err)
	if !bytes.Equal(pg.Digits, f.in.Pages[0].Digits) {
		f.t.Error("IncomingPage gave other digits")
	}
}

// vaultRow is the vault table's row.
type vaultRow struct {
	check, salt []byte
	rotations   int
	rotated     *time.Time
}

func (f *fixture) vaultRow() vaultRow {
	f.t.Helper()
	var v vaultRow
	f.must(f.s.pool.QueryRow(f.ctx, `SELECT key_check, salt, rotations, rotated FROM vault WHERE id = 1`).
		Scan(&v.check, &v.salt, &v.rotations, &v.rotated))
	return v
}

func (f *fixture) wrapped(id string) []byte {
	f.t.Helper()
	var w []byte
	f.must(f.s.pool.QueryRow(f.ctx, `SELECT wrapped_key FROM pads WHERE id = $1`, id).Scan(&w))
	return w
}

// keyText reads a key file as it is, "" if missing.
func keyText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRotateKey rotates the office key every way: to a new key file in
// place of the store's, to a passphrase, to another passphrase, to a key
// file elsewhere. After each, the old way is refused, the new one opens,
// the pads read whole, the erased key stays erased, and the vault row
// counts the rotation.
func TestRotateKey(t *testing.T) {
	f := newRotationFixture(t)
	first, second := []byte("Kuznetsky Most 1941"), []byte("Kuznetsky Most 1942")
	elsewhere := filepath.Join(t.TempDir(), "new.key")
	steps := []struct {
		name      string
		to        vault.Source
		open      Option
		refused   Option
		refusal   string
		wantSalt  bool
		wantFile  string
		fileAfter string
	}{
		{"KeyFileInPlace", vault.Source{File: f.keyFile}, WithKeyFile(f.keyFile), nil, "", false, f.keyFile, f.keyFile},
		{"Passphrase", vault.Source{Passphrase: first}, WithPassphrase(first), WithKeyFile(f.keyFile), "derived from a passphrase", true, "", ""},
		{"AnotherPassphrase", vault.Source{Passphrase: second}, WithPassphrase(second), WithPassphrase(first), "does not open this database", true, "", ""},
		{"KeyFileElsewhere", vault.Source{File: elsewhere}, WithKeyFile(elsewhere), WithPassphrase(second), "open it with its key file", false, elsewhere, elsewhere},
	}
	for i, st := range steps {
		before, outBefore := f.vaultRow(), f.wrapped(f.out.ID)
		textBefore := keyText(t, f.keyFile)
		n, err := f.s.RotateKey(f.ctx, st.to, f.audit("office_key.rotated"))
		if err != nil {
			t.Fatalf("%s: RotateKey: %v", st.name, err)
		}
		if n != 2 {
			t.Errorf("%s: %d data keys rewrapped, want 2", st.name, n)
		}
		after := f.vaultRow()
		switch {
		case after.rotations != before.rotations+1 || after.rotated == nil || bytes.Equal(after.check, before.check):
			t.Errorf("%s: the vault row went from %+v to %+v", st.name, before, after)
		case (after.salt != nil) != st.wantSalt || (st.wantSalt && bytes.Equal(after.salt, before.salt)):
			t.Errorf("%s: the salt is %x, was %x", st.name, after.salt, before.salt)
		case f.s.OfficeKeyFile() != st.wantFile:
			t.Errorf("%s: the store's key file is %q, want %q", st.name, f.s.OfficeKeyFile(), st.wantFile)
		case bytes.Equal(f.wrapped(f.out.ID), outBefore) || f.wrapped(f.spent.ID) != nil:
			t.Errorf("%s: the live data key was not rewrapped, or the erased one came back", st.name)
		}
		if st.fileAfter == f.keyFile && keyText(t, f.keyFile) == textBefore {
			t.Errorf("%s: the key file was not replaced", st.name)
		}
		if st.fileAfter != "" {
			if _, err := os.Stat(vault.PendingKeyFile(st.fileAfter)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: FILE.new is left: %v", st.name, err)
			}
		}
		f.works(i + 2)
		f.claim(f.out.Pages[i+1])
		if err := f.s.keys.Use(func(k *vault.Key) error { return vault.VerifyCheck(k, after.check) }); err != nil {
			t.Errorf("%s: the store's key is not the new one", st.name)
		}

		f.s.Close()
		if st.refused != nil {
			if s, err := Open(f.ctx, f.dsn, st.refused); err == nil {
				s.Close()
				t.Errorf("%s: Open the old way succeeded", st.name)
			} else if !strings.Contains(err.Error(), st.refusal) {
				t.Errorf("%s: Open the old way: %v, want an error saying %q", st.name, err, st.refusal)
			}
		}
		s, err := Open(f.ctx, f.dsn, st.open)
		f.must(err)
		f.s = s
		f.works(i + 3)
	}
	entries, head, err := f.s.AuditLog(f.ctx)
	f.must(err)
	f.must(ciphergram.VerifyChain(entries, head))
}

// TestRotateKeyFailsWhole injects an error with FILE.new written and with
// the data keys rewrapped: nothing changes, FILE.new is removed, and the
// store goes on under the old key.
func TestRotateKeyFailsWhole(t *testing.T) {
	f := newRotationFixture(t)
	injected := errors.New("injected")
	for _, step := range []string{stepStaged, stepRewrapped} {
		before, text, out := f.vaultRow(), keyText(t, f.keyFile), f.wrapped(f.out.ID)
		entries, _, err := f.s.AuditLog(f.ctx)
		f.must(err)
		f.s.rotateHook = func(s string) error {
			if s == step {
				return injected
			}
			return nil
		}
		_, err = f.s.RotateKey(f.ctx, vault.Source{File: f.keyFile}, f.audit("office_key.rotated"))
		f.s.rotateHook = nil
		if !errors.Is(err, injected) {
			t.Errorf("%s: RotateKey: %v, want the injected error", step, err)
		}
		after, entriesAfter := f.vaultRow(), 0
		if es, _, err := f.s.AuditLog(f.ctx); err == nil {
			entriesAfter = len(es)
		}
		switch {
		case !bytes.Equal(after.check, before.check) || after.rotations != before.rotations:
			t.Errorf("%s: the vault row changed", step)
		case keyText(t, f.keyFile) != text:
			t.Errorf("%s: the key file changed", step)
		case !bytes.Equal(f.wrapped(f.out.ID), out):
			t.Errorf("%s: a data key changed", step)
		case entriesAfter != len(entries):
			t.Errorf("%s: the failed rotation was audited", step)
		}
		if _, err := os.Stat(vault.PendingKeyFile(f.keyFile)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: FILE.new is left: %v", step, err)
		}
		f.works(2)
		f.reopen(WithKeyFile(f.keyFile))
		f.works(2)
	}
}

// The crash test runs a rotation in a child process that stops dead (exit
// status 3) at one step; the parent then opens the database as the next
// process would.
const rotateCrashEnv = "CIPHERGRAM_TEST_ROTATE_CRASH"

// TestRotateKeyCrash stops a rotation to the store's key file at each
// step: with FILE.new written, with the data keys rewrapped, and after the
// commit before the rename. The next Open must find a key that opens the
// database (the old one before the commit, the new one after), leave no
// FILE.new, and read every pad.
func TestRotateKeyCrash(t *testing.T) {
	if spec := os.Getenv(rotateCrashEnv); spec != "" {
		rotateCrashChild(t, spec)
		return
	}
	for _, tc := range []struct {
		step      string
		committed bool
	}{
		{stepStaged, false},
		{stepRewrapped, false},
		{stepCommitted, true},
	} {
		t.Run(tc.step, func(t *testing.T) {
			f := newRotationFixture(t)
			oldText, before := keyText(t, f.keyFile), f.vaultRow()
			f.s.Close()
			f.s = nil

			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRotateKeyCrash$", "-test.count=1")
			cmd.Env = append(os.Environ(), rotateCrashEnv+"="+tc.step+"|"+f.keyFile+"|"+f.dsn)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("the child did not stop at %s: %v\n%s", tc.step, err, out)
			}
			pending := keyText(t, vault.PendingKeyFile(f.keyFile))
			if pending == "" || keyText(t, f.keyFile) != oldText {
				t.Fatalf("after the crash: FILE.new written %t, FILE unchanged %t", pending != "", keyText(t, f.keyFile) == oldText)
			}

			f.reopen(WithKeyFile(f.keyFile))
			after := f.vaultRow()
			if got := after.rotations == before.rotations+1; got != tc.committed {
				t.Errorf("the rotation committed: %t, want %t", got, tc.committed)
			}
			want := oldText
			if tc.committed {
				want = pending
			}
			if keyText(t, f.keyFile) != want {
				t.Errorf("the key file does not hold the key the database is under")
			}
			if _, err := os.Stat(vault.PendingKeyFile(f.keyFile)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Open left FILE.new: %v", err)
			}
			f.works(2)
			f.claim(f.out.Pages[1])
			if f.wrapped(f.spent.ID) != nil {
				t.Error("an erased data key came back")
			}
		})
	}
}

// rotateCrashChild is TestRotateKeyCrash in the child.
func rotateCrashChild(t *testing.T, spec string) {
	parts := strings.SplitN(spec, "|", 3)
	step, keyFile, dsn := parts[0], parts[1], parts[2]
	s, err := Open(t.Context(), dsn, WithKeyFile(keyFile))
	if err != nil {
		t.Fatal(err)
	}
	s.rotateHook = func(at string) error {
		if at == step {
			os.Exit(3)
		}
		return nil
	}
	a := ciphergram.Audit{Time: time.Date(1941, 4, 22, 9, 0, 0, 0, time.UTC), Actor: "test", Action: "office_key.rotated"}
	_, err = s.RotateKey(t.Context(), vault.Source{File: keyFile}, a)
	t.Fatalf("the rotation ran to its end (%v) without stopping at %s", err, step)
}

// TestRotateKeyUnderLoad rotates the key while clerks of this store and of
// another (a second process, under the old key) claim pages, using the
// last pages of pads (which erases their keys as the rotation rewraps
// them): the rotation does not deadlock with them, a claim either gives
// the right digits or fails and uses no page, the other store's claims
// after the rotation fail with vault.ErrKeyRotated and this store's
// succeed, and afterwards the database opens with the new key only and
// every page left reads.
func TestRotateKeyUnderLoad(t *testing.T) {
	f := newFixture(t)
	other, err := Open(f.ctx, f.dsn, testKey())
	f.must(err)
	defer other.Close()
	digits := map[string][]byte{} // by indicator
	var pads []*otp.Pad
	for i := range 40 {
		p := f.pad(fmt.Sprintf("LON-CEN-%03d", i), ciphergram.PadOut, 3, 10)
		pads = append(pads, p)
		for _, pg := range p.Pages {
			digits[pg.Indicator()] = pg.Digits
		}
	}
	newKey, err := vault.NewKey()
	f.must(err)
	defer newKey.Destroy()

	var mu sync.Mutex
	claimed, failed, seq := 0, 0, 0
	claim := func(st *Store) error {
		mu.Lock()
		seq++
		a := ciphergram.Audit{Time: time.Date(1941, 4, 22, 9, 0, 0, seq, time.UTC), Actor: "clerk", Action: "pages.claimed"}
		mu.Unlock()
		got, err := st.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, a)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed++
			return err // fails closed: checked below by the pages used
		}
		claimed++
		if want := digits[got[0].Indicator()]; !bytes.Equal(got[0].Digits, want) {
			t.Errorf("a claim gave page %d with other digits", got[0].Number)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	var rotated atomic.Bool
	var wg sync.WaitGroup
	for i := range 6 {
		st := f.s
		if i%2 == 1 {
			st = other
		}
		wg.Go(func() {
			for !rotated.Load() && ctx.Err() == nil {
				claim(st)
				time.Sleep(time.Millisecond)
			}
			err := claim(st) // after the rotation
			switch {
			case st == f.s && err != nil:
				t.Errorf("a claim of the store that rotated, after the rotation: %v", err)
			case st == other && !errors.Is(err, vault.ErrKeyRotated):
				t.Errorf("a claim of the other store, after the rotation: %v, want vault.ErrKeyRotated", err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	_, err = f.s.RotateKey(ctx, vault.Source{Key: newKey}, f.audit("office_key.rotated"))
	rotated.Store(true)
	f.must(err)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the claims did not finish in 30 s: a deadlock")
	}
	t.Logf("%d claims succeeded and %d failed around the rotation", claimed, failed)
	if used := f.count(`SELECT count(*) FROM pages WHERE state = 'used'`); used != claimed {
		t.Errorf("%d pages used, %d claims succeeded: a failed claim used a page, or a page went without its claim", used, claimed)
	}
	if n := f.count(`SELECT count(*) FROM pads p WHERE wrapped_key IS NOT NULL
		AND NOT EXISTS (SELECT FROM pages g WHERE g.pad = p.seq AND g.state = 'unused')`); n != 0 {
		t.Errorf("%d pads keep a data key with no unused page", n)
	}
	f.s.Close()
	if _, err := Open(f.ctx, f.dsn, testKey()); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("Open with the old key after the rotation: %v, want vault.ErrWrongKey", err)
	}
	s, err := Open(f.ctx, f.dsn, WithKey(newKey))
	f.must(err)
	f.s = s
	for _, p := range pads {
		got, err := s.ExportPad(f.ctx, p.ID, f.audit("pad.exported"))
		f.must(err)
		for i, pg := range got.Pages {
			if !pg.Burned && !bytes.Equal(pg.Digits, p.Pages[i].Digits) {
				t.Errorf("page %d of %s reads other digits after the rotation", pg.Number, p.ID)
			}
		}
	}
}

// TestVaultRowRotatesOnly tries, on the store's own connections, what the
// code never does with the vault row: it changes only as a rotation does.
func TestVaultRowRotatesOnly(t *testing.T) {
	f := newFixture(t)
	const zero = `'\x00000000000000000000000000000000'::bytea`
	for _, tt := range []struct{ name, sql string }{
		{"ChangeTheCheck", `UPDATE vault SET key_check = ` + zero},
		{"ChangeTheCheckUncounted", `UPDATE vault SET key_check = ` + zero + `, rotated = now()`},
		{"CountTwice", `UPDATE vault SET key_check = ` + zero + `, rotated = now(), rotations = rotations + 2`},
		{"NoTime", `UPDATE vault SET key_check = ` + zero + `, rotations = rotations + 1`},
		{"SameCheck", `UPDATE vault SET rotated = now(), rotations = rotations + 1`},
		{"ShortCheck", `UPDATE vault SET key_check = '\x00', rotated = now(), rotations = rotations + 1`},
		{"ShortSalt", `UPDATE vault SET key_check = ` + zero + `, salt = '\x00', rotated = now(), rotations = rotations + 1`},
		{"ChangeTheCreation", `UPDATE vault SET key_check = ` + zero + `, created = now() - interval '1 day', rotated = now(), rotations = rotations + 1`},
		{"Delete", `DELETE FROM vault`},
		{"Truncate", `TRUNCATE vault`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.exec(tt.sql); err == nil {
				t.Errorf("%s succeeded", tt.sql)
			}
		})
	}
	// What a rotation does is allowed (and leaves a database no key opens).
	f.must(f.exec(`UPDATE vault SET key_check = ` + zero + `, salt = ` + zero + `, rotated = now(), rotations = rotations + 1`))
	if v := f.vaultRow(); v.rotations != 1 || !bytes.Equal(v.check, make([]byte, 16)) {
		t.Errorf("the vault row after a rotation's UPDATE: %+v", v)
	}
}
