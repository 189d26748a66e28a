package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/otp"
	"ciphergram/vault"
)

// vaultRow is the vault table's row.
type vaultRow struct {
	check, salt []byte
	rotations   int
	rotated     *int64
}

func (f *fixture) vaultRow() vaultRow {
	f.t.Helper()
	var v vaultRow
	f.must(f.s.db.QueryRowContext(f.ctx, `SELECT key_check, salt, rotations, rotated FROM vault WHERE id = 1`).
		Scan(&v.check, &v.salt, &v.rotations, &v.rotated))
	return v
}

// rotationFixture is a store under its default key file with a live pad
// (page 1 used), a pad whose key was erased and an incoming pad.
type rotationFixture struct {
	*fixture
	out, spent, in *otp.Pad
}

func newRotationFixture(t *testing.T) *rotationFixture {
	t.Helper()
	f := &rotationFixture{fixture: newFixture(t)}
	f.spent = f.pad("LON-CEN-0", ciphergram.PadOut, 1, 10)
	f.out = f.pad("LON-CEN-1", ciphergram.PadOut, 5, 10)
	f.in = f.pad("CEN-LON-1", ciphergram.PadIn, 3, 10)
	f.claim(f.spent.Pages[0]) // the oldest pad first: its only page
	f.claim(f.out.Pages[0])
	if f.readStored(f.spent.ID).wrapped != nil {
		t.Fatal("fixture: the used-up pad keeps its data key")
	}
	return f
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

// TestRotateKeyFile rotates the office key of a database under its
// default key file to a new key file in its place, twice: the file is
// replaced (mode 0600, no FILE.new left), the old key is refused, the new
// one opens, the pads read whole, erased keys stay erased and the vault
// row counts the rotations.
func TestRotateKeyFile(t *testing.T) {
	f := newRotationFixture(t)
	keyFile := KeyFile(f.path)
	for round := 1; round <= 2; round++ {
		old, err := vault.LoadKeyFile(keyFile)
		f.must(err)
		oldText, before := keyText(t, keyFile), f.vaultRow()
		spentWrapped := f.readStored(f.spent.ID).wrapped
		outWrapped := f.readStored(f.out.ID).wrapped

		n, err := f.s.RotateKey(f.ctx, vault.Source{File: keyFile}, f.audit("office_key.rotated"))
		f.must(err)
		if n != 2 {
			t.Errorf("round %d: %d data keys rewrapped, want 2", round, n)
		}
		if f.s.OfficeKeyFile() != keyFile {
			t.Errorf("round %d: the store's key file is %q, want %q", round, f.s.OfficeKeyFile(), keyFile)
		}
		if text := keyText(t, keyFile); text == oldText || !strings.HasPrefix(text, "ciphergram office key v1\n") {
			t.Fatalf("round %d: the key file was not replaced by a new key file", round)
		}
		if fi, err := os.Stat(keyFile); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
			t.Errorf("round %d: the new key file: %v, mode %v", round, err, fi.Mode())
		}
		if _, err := os.Stat(vault.PendingKeyFile(keyFile)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("round %d: %s is left: %v", round, vault.PendingKeyFile(keyFile), err)
		}
		after := f.vaultRow()
		if after.rotations != before.rotations+1 || after.rotated == nil || bytes.Equal(after.check, before.check) || after.salt != nil {
			t.Errorf("round %d: the vault row went from %+v to %+v", round, before, after)
		}
		if bytes.Equal(f.readStored(f.out.ID).wrapped, outWrapped) {
			t.Errorf("round %d: the live pad's data key was not rewrapped", round)
		}
		if spentWrapped != nil || f.readStored(f.spent.ID).wrapped != nil {
			t.Errorf("round %d: an erased data key came back", round)
		}
		f.works(round + 1) // the store goes on under the new key
		f.claim(f.out.Pages[round])

		f.must(f.s.Close())
		if _, err := Open(f.ctx, f.path, WithKey(old)); !errors.Is(err, vault.ErrWrongKey) {
			t.Errorf("round %d: Open with the old key: %v, want vault.ErrWrongKey", round, err)
		}
		f.open()
		f.works(round + 2)
	}
	entries, head, err := f.s.AuditLog(f.ctx)
	f.must(err)
	f.must(ciphergram.VerifyChain(entries, head))
}

// TestRotateKeyPassphrase rotates from the key file to a passphrase, to
// another passphrase (a new salt), and to a new key file elsewhere, and
// checks at each step which ways open the database.
func TestRotateKeyPassphrase(t *testing.T) {
	f := newRotationFixture(t)
	first, second := []byte("Kuznetsky Most 1941"), []byte("Kuznetsky Most 1942")
	refused := func(what string, opt Option, want string) {
		t.Helper()
		s, err := Open(f.ctx, f.path, opt)
		if err == nil {
			s.Close()
			t.Fatalf("%s: Open succeeded", what)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", what, err, want)
		}
	}
	reopen := func(opt Option) {
		t.Helper()
		f.must(f.s.Close())
		s, err := Open(f.ctx, f.path, opt)
		f.must(err)
		f.s = s
	}

	_, err := f.s.RotateKey(f.ctx, vault.Source{Passphrase: first}, f.audit("office_key.rotated"))
	f.must(err)
	v1 := f.vaultRow()
	if len(v1.salt) != vault.SaltSize || f.s.OfficeKeyFile() != "" {
		t.Fatalf("after the rotation to a passphrase: a %d-byte salt, key file %q", len(v1.salt), f.s.OfficeKeyFile())
	}
	f.works(2)
	f.must(f.s.Close())
	refused("the old key file", WithKeyFile(KeyFile(f.path)), "derived from a passphrase")
	refused("another passphrase", WithPassphrase(second), "the office key does not open this database")
	f.s, err = Open(f.ctx, f.path, WithPassphrase(first))
	f.must(err)
	f.works(2)

	_, err = f.s.RotateKey(f.ctx, vault.Source{Passphrase: first}, f.audit("office_key.rotated"))
	f.must(err) // the same passphrase with a new salt is a new key
	v2 := f.vaultRow()
	if bytes.Equal(v2.salt, v1.salt) || bytes.Equal(v2.check, v1.check) || v2.rotations != 2 {
		t.Errorf("a second rotation to a passphrase kept the salt or the check, or counted %d", v2.rotations)
	}
	_, err = f.s.RotateKey(f.ctx, vault.Source{Passphrase: second}, f.audit("office_key.rotated"))
	f.must(err)
	reopen(WithPassphrase(second))
	f.works(2)
	f.must(f.s.Close())
	refused("the first passphrase", WithPassphrase(first), "the office key does not open this database")
	f.s, err = Open(f.ctx, f.path, WithPassphrase(second))
	f.must(err)

	elsewhere := filepath.Join(t.TempDir(), "new.key")
	_, err = f.s.RotateKey(f.ctx, vault.Source{File: elsewhere}, f.audit("office_key.rotated"))
	f.must(err)
	if f.s.OfficeKeyFile() != elsewhere || f.vaultRow().salt != nil {
		t.Errorf("after the rotation to a key file: key file %q, salt %x", f.s.OfficeKeyFile(), f.vaultRow().salt)
	}
	f.works(2)
	f.must(f.s.Close())
	refused("the passphrase", WithPassphrase(second), "open it with its key file")
	f.s, err = Open(f.ctx, f.path, WithKeyFile(elsewhere))
	f.must(err)
	f.works(2)
	f.claim(f.out.Pages[1])
}

// TestRotateKeyRefuses: a rotation that cannot be is refused before it
// begins, and changes nothing.
func TestRotateKeyRefuses(t *testing.T) {
	f := newRotationFixture(t)
	keyFile := KeyFile(f.path)
	current, err := vault.LoadKeyFile(keyFile)
	f.must(err)
	other := filepath.Join(filepath.Dir(f.path), "other.key")
	if _, err := vault.CreateKeyFile(other); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(filepath.Dir(f.path), "link.key")
	if err := os.Symlink(keyFile, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	before, keyBefore, otherBefore := f.vaultRow(), keyText(t, keyFile), keyText(t, other)
	for _, tt := range []struct {
		name string
		to   vault.Source
		want string
	}{
		{"AnotherKeyFile", vault.Source{File: other}, "exists already and is not the key file this database is open with"},
		{"SymbolicLink", vault.Source{File: link}, "symbolic link"},
		{"NoDirectory", vault.Source{File: filepath.Join(filepath.Dir(f.path), "missing", "new.key")}, "the directory of the new key file"},
		{"ShortPassphrase", vault.Source{Passphrase: []byte("too short")}, "at least 12 characters"},
		{"TwoWays", vault.Source{File: keyFile, Passphrase: []byte("Kuznetsky Most 1941")}, "one way"},
		{"TheCurrentKey", vault.Source{Key: current}, "the new key is the database's current one"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.RotateKey(f.ctx, tt.to, f.audit("office_key.rotated"))
			if ciphergram.ErrorCode(err) != ciphergram.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("RotateKey: %v, want EINVALID saying %q", err, tt.want)
			}
		})
	}
	if after := f.vaultRow(); !bytes.Equal(after.check, before.check) || after.rotations != 0 {
		t.Error("a refused rotation changed the vault row")
	}
	if keyText(t, keyFile) != keyBefore || keyText(t, other) != otherBefore {
		t.Error("a refused rotation changed a key file")
	}
	if _, err := os.Stat(vault.PendingKeyFile(keyFile)); err == nil {
		t.Error("a refused rotation left FILE.new")
	}
	f.works(2)
}

// TestRotateKeyFailsWhole injects an error at each step of the rotation's
// transaction, and a commit that fails before or after the data reach the
// file: a rotation that did not commit changes nothing (the key check, the
// wrapped keys, the key file, the audit log; FILE.new removed) and the store
// goes on under the old key; one whose commit reported failure after
// writing goes on under the new key, its key file in place.
func TestRotateKeyFailsWhole(t *testing.T) {
	d := registerFaults()
	driverName = "sqlite-faults"
	defer func() { driverName = "sqlite" }()
	f := newRotationFixture(t)
	keyFile := KeyFile(f.path)
	injected := errors.New("injected")
	for _, tc := range []struct {
		name              string
		step              string
		before, after     int32
		wantErr, rotation bool
	}{
		{"ErrorWhenStaged", stepStaged, 0, 0, true, false},
		{"ErrorWhenRewrapped", stepRewrapped, 0, 0, true, false},
		{"CommitFails", "", 1, 0, true, false},
		{"CommitReportsFailureAfterWriting", "", 0, 1, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rowBefore, textBefore := f.vaultRow(), keyText(t, keyFile)
			outBefore := f.readStored(f.out.ID).wrapped
			entries, _, err := f.s.AuditLog(f.ctx)
			f.must(err)
			f.s.rotateHook = func(step string) error {
				if step == tc.step {
					if _, err := os.Stat(vault.PendingKeyFile(keyFile)); err != nil {
						t.Errorf("at step %s FILE.new is not written: %v", step, err)
					}
					return injected
				}
				return nil
			}
			defer func() { f.s.rotateHook = nil }()
			d.failBefore.Store(tc.before)
			d.failAfter.Store(tc.after)
			_, err = f.s.RotateKey(f.ctx, vault.Source{File: keyFile}, f.audit("office_key.rotated"))
			d.failBefore.Store(0)
			d.failAfter.Store(0)
			if (err != nil) != tc.wantErr {
				t.Fatalf("RotateKey: %v, want an error: %t", err, tc.wantErr)
			}
			if tc.step != "" && !errors.Is(err, injected) {
				t.Errorf("RotateKey: %v, want the injected error", err)
			}
			if _, err := os.Stat(vault.PendingKeyFile(keyFile)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("FILE.new is left: %v", err)
			}
			rowAfter, textAfter := f.vaultRow(), keyText(t, keyFile)
			outAfter := f.readStored(f.out.ID).wrapped
			entriesAfter, head, err := f.s.AuditLog(f.ctx)
			f.must(err)
			f.must(ciphergram.VerifyChain(entriesAfter, head))
			rotated := map[string]bool{
				"key check": !bytes.Equal(rowAfter.check, rowBefore.check),
				"count":     rowAfter.rotations != rowBefore.rotations,
				"key file":  textAfter != textBefore,
				"data key":  !bytes.Equal(outAfter, outBefore),
				"audit":     len(entriesAfter) != len(entries),
			}
			for what, changed := range rotated {
				if changed != tc.rotation {
					t.Errorf("the %s changed: %t, want %t", what, changed, tc.rotation)
				}
			}
			f.works(2)
			f.must(f.s.Close())
			f.open() // with the key file, whichever key it holds now
			f.works(2)
		})
	}
}

// The crash test runs a rotation in a child process that stops dead (exit
// status 3) at one step; the parent then opens the database as the next
// process would.
const rotateCrashEnv = "CIPHERGRAM_TEST_ROTATE_CRASH"

// TestRotateKeyCrash stops a rotation to the default key file at each
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
			keyFile := KeyFile(f.path)
			oldText, before := keyText(t, keyFile), f.vaultRow()
			f.must(f.s.Close())

			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRotateKeyCrash$", "-test.count=1")
			cmd.Env = append(os.Environ(), rotateCrashEnv+"="+tc.step+"|"+f.path)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("the child did not stop at %s: %v\n%s", tc.step, err, out)
			}
			pending := keyText(t, vault.PendingKeyFile(keyFile))
			if pending == "" || keyText(t, keyFile) != oldText {
				t.Fatalf("after the crash: FILE.new written %t, FILE unchanged %t", pending != "", keyText(t, keyFile) == oldText)
			}

			f.open()
			after := f.vaultRow()
			if got := after.rotations == before.rotations+1; got != tc.committed {
				t.Errorf("the rotation committed: %t, want %t", got, tc.committed)
			}
			want := oldText
			if tc.committed {
				want = pending
			}
			if keyText(t, keyFile) != want {
				t.Errorf("the key file holds the %s key, want the %s one",
					map[bool]string{true: "old", false: "new"}[keyText(t, keyFile) == oldText],
					map[bool]string{true: "new", false: "old"}[tc.committed])
			}
			if _, err := os.Stat(vault.PendingKeyFile(keyFile)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Open left FILE.new: %v", err)
			}
			f.works(2)
			f.claim(f.out.Pages[1])
			if f.readStored(f.spent.ID).wrapped != nil {
				t.Error("an erased data key came back")
			}
			// And the next rotation runs as usual.
			_, err = f.s.RotateKey(f.ctx, vault.Source{File: keyFile}, f.audit("office_key.rotated"))
			f.must(err)
			f.works(3)
		})
	}
}

// rotateCrashChild is TestRotateKeyCrash in the child: it rotates the
// database's key to its default key file and exits at the step named.
func rotateCrashChild(t *testing.T, spec string) {
	step, path, _ := strings.Cut(spec, "|")
	f := &fixture{t: t, ctx: t.Context(), path: path}
	f.open()
	f.s.rotateHook = func(s string) error {
		if s == step {
			os.Exit(3)
		}
		return nil
	}
	_, err := f.s.RotateKey(f.ctx, vault.Source{File: KeyFile(path)}, f.audit("office_key.rotated"))
	t.Fatalf("the rotation ran to its end (%v) without stopping at %s", err, step)
}

// TestSettleKeyFile opens databases with a FILE.new beside the key file
// that no crash of the store left: a stale one that opens nothing is
// removed, a key file gone with FILE.new holding the key is put back, and
// a FILE.new in the way of a rotation is replaced.
func TestSettleKeyFile(t *testing.T) {
	f := newRotationFixture(t)
	keyFile, pending := KeyFile(f.path), vault.PendingKeyFile(KeyFile(f.path))
	keyBefore := keyText(t, keyFile)
	f.must(f.s.Close())

	// A FILE.new holding another key, or not a key file at all, beside a
	// key file that opens the database: removed.
	for _, text := range []string{"", "not a key file\n"} {
		if text == "" {
			if _, err := vault.CreateKeyFile(pending); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(pending, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		f.open()
		f.must(f.s.Close())
		if _, err := os.Stat(pending); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a stale FILE.new (%q) is left: %v", text, err)
		}
		if keyText(t, keyFile) != keyBefore {
			t.Error("the key file changed")
		}
	}

	// The key file renamed to FILE.new (as if the rename had not happened
	// yet): put back.
	f.must(os.Rename(keyFile, pending))
	f.open()
	if keyText(t, keyFile) != keyBefore {
		t.Error("Open did not put FILE.new, which holds the key, in place")
	}
	f.works(2)

	// Neither opens it: both stay, and Open says the key is wrong.
	f.must(f.s.Close())
	f.must(os.Rename(keyFile, keyFile+".away"))
	if _, err := vault.CreateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.CreateKeyFile(pending); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(f.ctx, f.path); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("Open with neither key: %v, want vault.ErrWrongKey", err)
	}
	if _, err := os.Stat(pending); err != nil {
		t.Errorf("Open removed a FILE.new that it could not place: %v", err)
	}
	f.must(os.Remove(keyFile))
	f.must(os.Rename(keyFile+".away", keyFile))

	// FILE.new in the way of a rotation: Open removes it first, and a
	// rotation replaces one that appears after.
	f.open()
	if _, err := os.Stat(pending); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a stale FILE.new is left: %v", err)
	}
	f.must(os.WriteFile(pending, []byte("left by someone\n"), 0o600))
	_, err := f.s.RotateKey(f.ctx, vault.Source{File: keyFile}, f.audit("office_key.rotated"))
	f.must(err)
	if _, err := vault.LoadKeyFile(keyFile); err != nil {
		t.Errorf("after the rotation: %v", err)
	}
	f.must(f.s.Close())
	f.open()
	f.works(2)
}

// TestRotateKeyScrubs checks that once a rotation has returned, the data
// keys wrapped under the old key are in neither the database file nor its
// WAL, with the store still open: a copy of the files taken now is of no
// use with the old key.
func TestRotateKeyScrubs(t *testing.T) {
	f := newRotationFixture(t)
	oldOut, oldIn := f.readStored(f.out.ID).wrapped, f.readStored(f.in.ID).wrapped
	if files := readFiles(t, f.path); !bytes.Contains(files, oldOut) || !bytes.Contains(files, oldIn) {
		t.Fatal("the wrapped keys are not in the files before the rotation: the search would find nothing")
	}
	_, err := f.s.RotateKey(f.ctx, vault.Source{File: KeyFile(f.path)}, f.audit("office_key.rotated"))
	f.must(err)
	files := readFiles(t, f.path)
	for name, w := range map[string][]byte{f.out.ID: oldOut, f.in.ID: oldIn} {
		if bytes.Contains(files, w) {
			t.Errorf("pad %s: the data key wrapped under the old office key is still in the files", name)
		}
		if now := f.readStored(name).wrapped; !bytes.Contains(files, now) {
			t.Errorf("pad %s: the data key wrapped under the new office key is not in the files", name)
		}
	}
}

// TestVaultRowRotatesOnly tries, on the store's own connections, what the
// code never does with the vault row: it changes only as a rotation does.
func TestVaultRowRotatesOnly(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ name, sql string }{
		{"ChangeTheCheck", `UPDATE vault SET key_check = zeroblob(16)`},
		{"ChangeTheCheckUncounted", `UPDATE vault SET key_check = zeroblob(16), rotated = 1`},
		{"CountTwice", `UPDATE vault SET key_check = zeroblob(16), rotated = 1, rotations = rotations + 2`},
		{"NoTime", `UPDATE vault SET key_check = zeroblob(16), rotations = rotations + 1`},
		{"SameCheck", `UPDATE vault SET rotated = 1, rotations = rotations + 1`},
		{"ShortCheck", `UPDATE vault SET key_check = x'00', rotated = 1, rotations = rotations + 1`},
		{"TextCheck", `UPDATE vault SET key_check = '0123456789abcdef', rotated = 1, rotations = rotations + 1`},
		{"ShortSalt", `UPDATE vault SET key_check = zeroblob(16), salt = x'00', rotated = 1, rotations = rotations + 1`},
		{"ChangeTheCreation", `UPDATE vault SET key_check = zeroblob(16), created = 0, rotated = 1, rotations = rotations + 1`},
		{"Delete", `DELETE FROM vault`},
		{"Replace", `INSERT OR REPLACE INTO vault (id, key_check) VALUES (1, zeroblob(16))`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.exec(tt.sql); err == nil {
				t.Errorf("%s succeeded", tt.sql)
			}
		})
	}
	// What a rotation does is allowed (and leaves a database no key opens).
	f.must(f.exec(`UPDATE vault SET key_check = zeroblob(16), salt = zeroblob(16), rotated = 1, rotations = rotations + 1`))
	if v := f.vaultRow(); v.rotations != 1 || !bytes.Equal(v.check, make([]byte, 16)) {
		t.Errorf("the vault row after a rotation's UPDATE: %+v", v)
	}
}

// TestRotateKeyNeverShowsKeys rotates and fails to rotate in every way,
// and looks for key material in the errors.
func TestRotateKeyNeverShowsKeys(t *testing.T) {
	f := newRotationFixture(t)
	keyFile := KeyFile(f.path)
	old, err := vault.LoadKeyFile(keyFile)
	f.must(err)
	var errs []error
	rotate := func(to vault.Source) {
		_, err := f.s.RotateKey(f.ctx, to, f.audit("office_key.rotated"))
		errs = append(errs, err)
	}
	rotate(vault.Source{Key: old})
	f.s.rotateHook = func(step string) error { return fmt.Errorf("stopped at %s", step) }
	rotate(vault.Source{File: keyFile})
	f.s.rotateHook = nil
	rotate(vault.Source{File: keyFile})
	newKey, err := vault.LoadKeyFile(keyFile)
	f.must(err)
	stale, err := Open(f.ctx, f.path, WithKey(newKey))
	f.must(err)
	defer stale.Close()
	rotate(vault.Source{File: keyFile}) // stale now holds a key rotated away
	_, err = stale.RotateKey(f.ctx, vault.Source{Passphrase: []byte("Kuznetsky Most 1941")}, f.audit("office_key.rotated"))
	errs = append(errs, err)
	_, err = stale.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, f.audit("pages.claimed"))
	errs = append(errs, err)
	if !errors.Is(err, vault.ErrKeyRotated) {
		t.Errorf("ClaimPages by a store under a key rotated away: %v, want vault.ErrKeyRotated", err)
	}
	current, err := vault.LoadKeyFile(keyFile)
	f.must(err)
	var secrets []string
	for _, k := range []*vault.Key{old, newKey, current} {
		secrets = append(secrets, fmt.Sprintf("%x", vault.Check(k))[:8])
	}
	for _, text := range []string{keyText(t, keyFile)} {
		secrets = append(secrets, strings.Split(text, "\n")[1][:16])
	}
	for _, err := range errs {
		if err == nil {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(strings.ToLower(err.Error()), s) {
				t.Errorf("an error shows key material: %v", err)
			}
		}
	}
}

// TestRotateKeyUnderLoad rotates the key while clerks of this store and of
// another (a second process, under the old key) claim pages: the rotation
// runs between the batches, a claim either gives the right digits or fails
// and uses no page, the other store's claims after the rotation fail with
// vault.ErrKeyRotated and this store's succeed, and the database then opens
// with the new key.
func TestRotateKeyUnderLoad(t *testing.T) {
	f := newFixture(t)
	other, err := Open(f.ctx, f.path)
	f.must(err)
	defer other.Close()
	digits := map[string][]byte{} // by indicator
	for i := range 30 {
		p := f.pad(fmt.Sprintf("LON-CEN-%03d", i), ciphergram.PadOut, 3, 10)
		for _, pg := range p.Pages {
			digits[pg.Indicator()] = pg.Digits
		}
	}
	var mu sync.Mutex
	claimed := 0 // of 90 pages: each clerk claims at most 12 before the rotation
	claim := func(st *Store) error {
		mu.Lock()
		a := f.audit("pages.claimed")
		mu.Unlock()
		got, err := st.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, a)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		claimed++
		if !bytes.Equal(got[0].Digits, digits[got[0].Indicator()]) {
			t.Errorf("a claim gave page %d with other digits", got[0].Number)
		}
		return nil
	}
	var rotated atomic.Bool
	var wg sync.WaitGroup
	for i := range 6 {
		st := f.s
		if i%2 == 1 {
			st = other
		}
		wg.Go(func() {
			for n := 0; !rotated.Load(); n++ {
				if n < 12 {
					claim(st)
				}
				time.Sleep(time.Millisecond)
			}
			err := claim(st)
			switch {
			case st == f.s && err != nil:
				t.Errorf("a claim of the store that rotated, after the rotation: %v", err)
			case st == other && !errors.Is(err, vault.ErrKeyRotated):
				t.Errorf("a claim of the other store, after the rotation: %v, want vault.ErrKeyRotated", err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	a := f.audit("office_key.rotated")
	mu.Unlock()
	start := time.Now()
	_, err = f.s.RotateKey(f.ctx, vault.Source{File: KeyFile(f.path)}, a)
	took := time.Since(start)
	rotated.Store(true)
	f.must(err)
	wg.Wait()
	t.Logf("the rotation took %v", took)
	var used int
	f.must(f.s.db.QueryRow(`SELECT count(*) FROM pages WHERE state = 'used'`).Scan(&used))
	if used != claimed {
		t.Errorf("%d pages used, %d claims succeeded", used, claimed)
	}
	t.Logf("%d claims succeeded around the rotation", claimed)
	f.must(f.s.Close())
	f.open()
	got, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, f.audit("pages.claimed"))
	f.must(err)
	if !bytes.Equal(got[0].Digits, digits[got[0].Indicator()]) {
		t.Error("after reopening, a claim gave other digits")
	}
}
