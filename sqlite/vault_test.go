package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/vault"
)

// TestOfficeKey opens databases every way the office key can come, and
// every wrong way.
func TestOfficeKey(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "office.db")
	a := ciphergram.Audit{Time: time.Date(1941, 4, 21, 9, 0, 0, 0, time.UTC), Actor: "test", Action: "pad.imported"}
	p, err := otp.Generate(rand.NewChaCha8([32]byte{1}), "LON-CEN-1", "LONDON", "CENTRE", 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	var errs []error // every error, to look for key material in
	refused := func(what string, err error, want string) {
		t.Helper()
		errs = append(errs, err)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", what, err, want)
		}
	}
	open := func(what, path string, opts ...Option) *Store {
		t.Helper()
		s, err := Open(ctx, path, opts...)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}
	exported := func(s *Store) {
		t.Helper()
		got, err := s.ExportPad(ctx, p.ID, a)
		if err != nil {
			t.Fatal(err)
		}
		for i, pg := range got.Pages {
			if !bytes.Equal(pg.Digits, p.Pages[i].Digits) {
				t.Errorf("page %d comes back with other digits", pg.Number)
			}
		}
	}

	// A new database gets a new key file beside it, which opens it again.
	s := open("Open of a new database", path)
	if err := s.ImportPad(ctx, p, ciphergram.PadOut, a); err != nil {
		t.Fatal(err)
	}
	s.Close()
	fi, err := os.Stat(KeyFile(path))
	if err != nil {
		t.Fatalf("no key file beside the new database: %v", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file has mode %04o, want 0600", fi.Mode().Perm())
	}
	key, err := vault.LoadKeyFile(KeyFile(path))
	if err != nil {
		t.Fatal(err)
	}
	s = open("Open again", path)
	exported(s)
	s.Close()
	s = open("Open WithKeyFile", path, WithKeyFile(KeyFile(path)))
	s.Close()
	s = open("Open WithKey", path, WithKey(key))
	exported(s)
	s.Close()
	if key.String() != "vault.Key(redacted)" {
		t.Error("the store destroyed or changed a key it was given")
	}
	vault.Check(key) // a key given is not destroyed by Close: this would panic

	// Wrong keys, missing files and mixed ways are refused.
	other, err := vault.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, WithKey(other))
	if !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("Open with another key: %v, want vault.ErrWrongKey", err)
	}
	refused("Open with another key", err, "the office key does not open this database")
	otherFile := filepath.Join(dir, "other.key")
	if _, err := vault.CreateKeyFile(otherFile); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, WithKeyFile(otherFile))
	refused("Open with another key file", err, "the office key does not open this database")
	missing := filepath.Join(dir, "missing.key")
	_, err = Open(ctx, path, WithKeyFile(missing))
	refused("Open with a missing key file", err, "which is missing")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open with a missing key file: %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("Open of a database with a key made a new key file")
	}
	_, err = Open(ctx, path, WithPassphrase([]byte("Kuznetsky Most 1941")))
	refused("Open of a key file's database with a passphrase", err, "open it with its key file")
	_, err = Open(ctx, path, WithKey(key), WithKeyFile(KeyFile(path)))
	refused("Open with a key and a key file", err, "one way")
	if err := os.Rename(KeyFile(path), KeyFile(path)+".away"); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path)
	refused("Open without its key file", err, "which is missing")
	if err := os.Rename(KeyFile(path)+".away", KeyFile(path)); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if err := os.Chmod(KeyFile(path), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, path)
		refused("Open with a key file others may read", err, "chmod 600")
		if err := os.Chmod(KeyFile(path), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// A passphrase: the salt is in the database, and no key file is made.
	pp := filepath.Join(dir, "pass.db")
	pass := []byte("Kuznetsky Most 1941")
	s = open("Open of a new database with a passphrase", pp, WithPassphrase(pass))
	if err := s.ImportPad(ctx, p, ciphergram.PadOut, a); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open("Open with the passphrase again", pp, WithPassphrase(pass))
	exported(s)
	s.Close()
	_, err = Open(ctx, pp, WithPassphrase([]byte("Kuznetsky Most 1942")))
	refused("Open with another passphrase", err, "the office key does not open this database")
	_, err = Open(ctx, pp)
	refused("Open of a passphrase's database with the default key file", err, "open it with the passphrase")
	_, err = Open(ctx, pp, WithKey(key))
	refused("Open of a passphrase's database with a key", err, "open it with the passphrase")
	if _, err := os.Stat(KeyFile(pp)); err == nil {
		t.Error("a passphrase's database got a key file")
	}
	_, err = Open(ctx, filepath.Join(dir, "short.db"), WithPassphrase([]byte("too short")))
	refused("Open with a short passphrase", err, "at least 12 characters")

	for _, err := range errs {
		if err != nil && strings.Contains(strings.ToLower(err.Error()), hex.EncodeToString(vault.Check(key))[:8]) {
			t.Errorf("an error shows key material: %v", err)
		}
	}
}

// TestPageThatDoesNotOpen: a sealed page moved to another row, or a data
// key moved to another pad, is an internal fault, and the read that met it
// uses no page.
func TestPageThatDoesNotOpen(t *testing.T) {
	f := newFixture(t)
	out := f.pad("LON-CEN-1", ciphergram.PadOut, 3, 10)
	in := f.pad("CEN-LON-1", ciphergram.PadIn, 3, 10)
	// Page 2's sealed digits in place of page 1's (the schema lets a row go
	// and come back while its page is unused).
	f.must(f.exec(`DELETE FROM page_digits WHERE number = 1 AND pad = (SELECT seq FROM pads WHERE id = 'LON-CEN-1')`))
	f.must(f.exec(`INSERT INTO page_digits (pad, number, digits) SELECT pad, 1, digits FROM page_digits
		WHERE number = 2 AND pad = (SELECT seq FROM pads WHERE id = 'LON-CEN-1')`))
	// The outgoing pad's wrapped key on the incoming pad.
	f.must(f.exec(`UPDATE pads SET wrapped_key = (SELECT wrapped_key FROM pads WHERE id = 'LON-CEN-1') WHERE id = 'CEN-LON-1'`))

	fault := func(what string, err error, where string) {
		t.Helper()
		if ciphergram.ErrorCode(err) != ciphergram.EINTERNAL || !errors.Is(err, vault.ErrOpen) || !strings.Contains(err.Error(), where) {
			t.Errorf("%s: %v, want an internal fault naming %s", what, err, where)
		}
		for _, p := range []*otp.Pad{out, in} {
			for _, pg := range p.Pages {
				if strings.Contains(fmt.Sprint(err), string(pg.Digits[otp.GroupSize:2*otp.GroupSize])) {
					t.Errorf("%s: the error quotes digits", what)
				}
			}
		}
	}
	pages, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 2, f.tg.ID, f.audit("pages.claimed"))
	fault("ClaimPages", err, "page 1 of pad LON-CEN-1")
	if pages != nil {
		t.Error("ClaimPages returned pages with its error")
	}
	tg := *f.tg
	tg.State = ciphergram.StateSigned
	f.must(f.s.UpdateTelegram(f.ctx, &tg, ciphergram.StateDraft, ciphergram.CounterOutgoing, f.audit("telegram.signed")))
	sealed := false
	err = f.s.EncipherTelegram(f.ctx, &tg, 1, func([]*otp.Page) (string, error) { sealed = true; return "wire", nil },
		f.audit("pages.claimed"), f.audit("telegram.enciphered"))
	fault("EncipherTelegram", err, "page 1 of pad LON-CEN-1")
	if sealed || tg.State != ciphergram.StateSigned {
		t.Error("EncipherTelegram sealed a telegram with a page that did not open")
	}
	_, err = f.s.ExportPad(f.ctx, "LON-CEN-1", f.audit("pad.exported"))
	fault("ExportPad", err, "page 1 of pad LON-CEN-1")
	_, _, err = f.s.IncomingPage(f.ctx, "CENTRE", "LONDON", in.Pages[0].Indicator())
	fault("IncomingPage", err, "the data key of pad CEN-LON-1")

	ps, err := f.s.Pads(f.ctx)
	f.must(err)
	for _, p := range ps {
		if p.Used != 0 {
			t.Errorf("pad %s has %d pages used after reads that failed", p.ID, p.Used)
		}
	}
	ds, err := f.s.Destructions(f.ctx)
	f.must(err)
	if len(ds) != 0 {
		t.Errorf("%d destruction records after reads that failed", len(ds))
	}
}

// TestSealPlainPads opens a database made before keys (schema version 7),
// whose digits are in clear: Open seals them, and they leave the files.
func TestSealPlainPads(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "office.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if ms[7].name != "0008_vault.sql" {
		t.Fatalf("migration 8 is %s, want 0008_vault.sql", ms[7].name)
	}
	raw, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%.60s: %v", query, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`)
	for _, m := range ms[:7] {
		exec(m.sql)
		exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, 0)`, m.version, m.name)
	}
	// Two pads as the old store kept them: one with page 1 used, one used up.
	gen := func(seed byte, id string, pages int) *otp.Pad {
		p, err := otp.Generate(rand.NewChaCha8([32]byte{seed}), id, "LONDON", "CENTRE", pages, otp.DefaultGroupsPerPage)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	live, spent := gen(1, "LON-CEN-1", 6), gen(2, "LON-CEN-0", 2)
	for seq, p := range []*otp.Pad{spent, live} {
		exec(`INSERT INTO pads (seq, id, from_office, to_office, direction, groups_per_page, notes) VALUES (?, ?, 'LONDON', 'CENTRE', 'out', ?, '[]')`,
			seq+1, p.ID, p.GroupsPerPage)
		for _, pg := range p.Pages {
			used := p == spent || pg.Number == 1
			exec(`INSERT INTO pages (pad, number, from_office, to_office, direction, indicator, state) VALUES (?, ?, 'LONDON', 'CENTRE', 'out', ?, ?)`,
				seq+1, pg.Number, pg.Indicator(), map[bool]string{true: "used", false: "unused"}[used])
			if !used {
				exec(`INSERT INTO page_digits (pad, number, digits) VALUES (?, ?, ?)`, seq+1, pg.Number, pg.Digits)
			}
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	if files := readFiles(t, path); !bytes.Contains(files, live.Pages[1].Digits) {
		t.Fatal("the old database does not hold its digits in clear: the search would find nothing")
	}

	f := &fixture{t: t, ctx: ctx, path: path}
	f.open()
	defer func() { f.s.Close() }()
	sp := f.readStored(live.ID)
	if len(sp.wrapped) == 0 || len(sp.sealed) != 5 {
		t.Fatalf("after Open the live pad has a %d-byte data key and %d sealed pages, want one and 5", len(sp.wrapped), len(sp.sealed))
	}
	if sp := f.readStored(spent.ID); sp.wrapped != nil {
		t.Error("the used-up pad got a data key")
	}
	kept := f.traces(live, live.Pages[1:]...)
	checkFiles(t, "after Open", path, nil, kept)
	f.must(f.s.Close())
	checkFiles(t, "closed", path, nil, kept)
	f.open()
	got, err := f.s.ExportPad(ctx, live.ID, f.audit("pad.exported"))
	f.must(err)
	for i, pg := range got.Pages {
		if want := live.Pages[i]; pg.Burned != (i == 0) || (i > 0 && !bytes.Equal(pg.Digits, want.Digits)) {
			t.Errorf("page %d comes back burned=%t or with other digits", pg.Number, pg.Burned)
		}
	}
	claimed, err := f.s.ClaimPages(ctx, "LONDON", "CENTRE", 5, 0, f.audit("pages.claimed"))
	f.must(err)
	if len(claimed) != 5 || !bytes.Equal(claimed[4].Digits, live.Pages[5].Digits) {
		t.Error("the sealed pages are not claimed as they were")
	}
	if sp := f.readStored(live.ID); sp.wrapped != nil {
		t.Error("the live pad keeps its data key once used up")
	}
}

// The erase test runs its scenario in a child process: the SQLite driver
// reads the environment once, when it first starts, so that only a process
// started with SQLITE_TMPDIR and TMPDIR set is sure to put any temporary
// file of SQLite's where the test looks.
const eraseDirEnv = "CIPHERGRAM_TEST_ERASE_DIR"

// TestCryptographicErase imports a pad, uses some of its pages, destroys
// it by order and closes the store, and then looks for the pad in the raw
// bytes of every file the store left: the database, its WAL and shared
// memory files when there are any, the key file and SQLite's temporary
// directory. None of the destroyed pages may be there, in clear (any run
// of 10 digits of a page past its public indicator, or its groups as
// printed) or sealed, nor the pad's wrapped data key. Before the
// destruction the digits must not be there in clear either, and the sealed
// pages and the wrapped key must (so that the search is known to see them).
func TestCryptographicErase(t *testing.T) {
	if dir := os.Getenv(eraseDirEnv); dir != "" {
		eraseScenario(t, dir)
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("SQLite on Windows does not take its temporary directory from the environment")
	}
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCryptographicErase$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), eraseDirEnv+"="+dir, "SQLITE_TMPDIR="+tmp, "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestCryptographicErase")) {
		t.Fatalf("the scenario in a child process: %v\n%s", err, out)
	}
	t.Logf("the scenario in a child process:\n%s", out)
}

// eraseScenario is TestCryptographicErase in the child process, in dir.
func eraseScenario(t *testing.T, dir string) {
	tmp := filepath.Join(dir, "tmp")
	path := filepath.Join(dir, "db", "office.db")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	f := newFixtureAt(t, path)
	f.s.scrubDelay = 0 // scrubbed before DestroyPad returns: the files are checked at once
	// The pad destroyed is imported first, so that the claims take its
	// pages; the other stays unused.
	gone := f.pad("LON-CEN-1", ciphergram.PadOut, 20, otp.DefaultGroupsPerPage)
	kept := f.pad("LON-CEN-2", ciphergram.PadOut, 5, otp.DefaultGroupsPerPage)
	goneKey, keptKey := f.stored[gone.ID].wrapped, f.stored[kept.ID].wrapped
	if len(goneKey) != vault.WrappedSize || len(keptKey) != vault.WrappedSize {
		t.Fatalf("wrapped keys of %d and %d bytes, want %d", len(goneKey), len(keptKey), vault.WrappedSize)
	}
	marks := eraseMarks(f, gone)

	before := readTree(t, dir)
	for _, m := range marks.found(before) {
		if m.plain {
			t.Errorf("before the destruction: %s is in the files in clear", m.name)
		}
	}
	for _, tr := range f.traces(gone) {
		if !bytes.Contains(before, tr.sealed) {
			t.Fatalf("before the destruction the sealed %s is not in the files: the search does not see them", tr.name)
		}
	}
	if !bytes.Contains(before, goneKey) {
		t.Fatal("before the destruction the wrapped data key is not in the files: the search does not see it")
	}

	claimed, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 5, f.tg.ID, f.audit("pages.claimed"))
	f.must(err)
	wipe(claimed)
	n, err := f.s.DestroyPad(f.ctx, gone.ID, f.audit("pad.destroyed"))
	f.must(err)
	if n != 15 {
		t.Errorf("DestroyPad destroyed %d pages, want 15", n)
	}
	if sp := f.readStored(gone.ID); sp.wrapped != nil || len(sp.sealed) != 0 {
		t.Fatalf("after DestroyPad the pad keeps its data key (%t) and %d sealed pages", sp.wrapped != nil, len(sp.sealed))
	}
	check := func(when string) {
		t.Helper()
		files := readTree(t, dir)
		for _, m := range marks.found(files) {
			t.Errorf("%s: %s is still in the files", when, m.name)
		}
		for _, tr := range f.traces(kept) {
			if !bytes.Contains(files, tr.sealed) {
				t.Errorf("%s: the sealed %s, unused, is not in the files", when, tr.name)
			}
		}
		if !bytes.Contains(files, keptKey) {
			t.Errorf("%s: the wrapped data key of the pad kept is not in the files", when)
		}
	}
	check("with the store open")
	f.must(f.s.Close())
	check("with the store closed")
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Logf("SQLite left %s in its temporary directory", e.Name())
	}
	f.open() // for the fixture's cleanup
}

// mark is one string a destroyed pad may leave in the files. found
// reports one mark of a group: a page's sealed digits whole or a piece.
type mark struct {
	name, group string
	b           []byte
	plain       bool // digits in clear
}

// marks is what the test looks for: strings, and runs of 10 digits in clear.
type marks struct {
	strings []mark
	windows map[string]string // 10 digits -> where they come from
}

// windowSize is the length of the runs of digits looked for.
const windowSize = 10

// eraseMarks lists the marks of pad p, whose key material the fixture
// read after the import: each page's digits past the indicator as stored
// by a careless program (joined, and as printed in groups), every run of
// 10 of them, the sealed page whole and in pieces of 16 bytes, and the
// wrapped data key, whole and its encrypted key alone.
func eraseMarks(f *fixture, p *otp.Pad) marks {
	ms := marks{windows: map[string]string{}}
	for _, tr := range f.traces(p) {
		printed := string(tr.plain[:otp.GroupSize]) + " " + string(tr.plain[otp.GroupSize:2*otp.GroupSize]) + " " +
			string(tr.plain[2*otp.GroupSize:3*otp.GroupSize])
		ms.strings = append(ms.strings,
			mark{name: "the digits of " + tr.name, b: tr.plain, plain: true},
			mark{name: "the groups of " + tr.name, b: []byte(printed), plain: true},
			mark{name: "the sealed " + tr.name, group: "sealed " + tr.name, b: tr.sealed})
		for i := 0; i+16 <= len(tr.sealed); i += 8 {
			ms.strings = append(ms.strings, mark{name: fmt.Sprintf("bytes %d-%d of the sealed %s", i, i+16, tr.name),
				group: "sealed " + tr.name, b: tr.sealed[i : i+16]})
		}
		for i := 0; i+windowSize <= len(tr.plain); i++ {
			ms.windows[string(tr.plain[i:i+windowSize])] = fmt.Sprintf("digits %d-%d of %s", otp.GroupSize+i+1, otp.GroupSize+i+windowSize, tr.name)
		}
	}
	w := f.stored[p.ID].wrapped
	ms.strings = append(ms.strings, mark{name: "the wrapped data key", group: "key", b: w},
		mark{name: "the encrypted data key in the wrapped one", group: "key", b: w[13:45]})
	return ms
}

// found lists the marks in files, the first found of each group.
func (ms marks) found(files []byte) []mark {
	var found []mark
	seen := map[string]bool{}
	for _, m := range ms.strings {
		if (m.group == "" || !seen[m.group]) && bytes.Contains(files, m.b) {
			found = append(found, m)
			seen[m.group] = true
		}
	}
	// Every run of digits in the files, each of its 10-digit windows.
	for i := 0; i < len(files); {
		if files[i] < '0' || files[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(files) && files[j] >= '0' && files[j] <= '9' {
			j++
		}
		for k := i; k+windowSize <= j; k++ {
			if where, ok := ms.windows[string(files[k:k+windowSize])]; ok {
				found = append(found, mark{name: where + " (in clear)", plain: true})
			}
		}
		i = j
	}
	return found
}

// readTree returns every file under dir, one after the other.
func readTree(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) { // a -wal or -shm file that went meanwhile
			return nil
		}
		all = append(all, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}
