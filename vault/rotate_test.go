package vault

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestRewrap(t *testing.T) {
	from, to, dk := newKey(t), newKey(t), newDataKey(t)
	w, err := Wrap(from, "LON-CEN-1", dk)
	if err != nil {
		t.Fatal(err)
	}
	sealed := SealPage(dk, "LON-CEN-1", 3, digits)
	nw, err := Rewrap(from, to, "LON-CEN-1", w)
	if err != nil {
		t.Fatal(err)
	}
	if len(nw) != WrappedSize || bytes.Equal(nw, w) {
		t.Fatalf("the rewrapped key: %d bytes, the same as before: %t", len(nw), bytes.Equal(nw, w))
	}
	if _, err := Unwrap(from, "LON-CEN-1", nw); !errors.Is(err, ErrOpen) {
		t.Errorf("the rewrapped key unwraps under the old office key: %v", err)
	}
	got, err := Unwrap(to, "LON-CEN-1", nw)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := OpenPage(got, "LON-CEN-1", 3, sealed); err != nil || !bytes.Equal(d, digits) {
		t.Errorf("the page sealed before does not open with the rewrapped data key: %v", err)
	}
	for name, tt := range map[string]struct {
		from    *Key
		padID   string
		wrapped []byte
	}{
		"WrongOfficeKey": {to, "LON-CEN-1", w},
		"OtherPad":       {from, "LON-CEN-2", w},
		"Damaged":        {from, "LON-CEN-1", w[:len(w)-1]},
	} {
		if _, err := Rewrap(tt.from, to, tt.padID, tt.wrapped); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Rewrap: %v, want ErrOpen", name, err)
		}
	}
}

// TestRotationFile follows a rotation to a key file through its steps:
// nothing is written until Stage, which writes FILE.new; Finish puts it
// in place.
func TestRotationFile(t *testing.T) {
	dir := t.TempDir()
	current := filepath.Join(dir, "office.key")
	old, err := CreateKeyFile(current)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRotation(Source{File: current}, current)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Owned() || r.File() != current || r.Stored().Salt != nil || VerifyCheck(r.Key(), r.Stored().Check) != nil {
		t.Fatal("the rotation's new key is not what it says")
	}
	if VerifyCheck(old, r.Stored().Check) == nil {
		t.Fatal("the new key is the old one")
	}
	pending := PendingKeyFile(current)
	if _, err := os.Stat(pending); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("NewRotation wrote a file")
	}
	if err := os.WriteFile(pending, []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.Stage(); err != nil {
		t.Fatal(err)
	}
	staged, err := LoadKeyFile(pending)
	if err != nil {
		t.Fatalf("Stage did not replace the stale FILE.new with the new key: %v", err)
	}
	if VerifyCheck(staged, r.Stored().Check) != nil {
		t.Fatal("FILE.new holds another key")
	}
	if fi, _ := os.Stat(pending); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("FILE.new has mode %04o", fi.Mode().Perm())
	}
	if k, _ := LoadKeyFile(current); VerifyCheck(k, Check(old)) != nil {
		t.Fatal("Stage changed the key file")
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if k, err := LoadKeyFile(current); err != nil || VerifyCheck(k, r.Stored().Check) != nil {
		t.Fatalf("after Finish the key file does not hold the new key: %v", err)
	}
	if _, err := os.Stat(pending); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Finish left FILE.new")
	}
}

// TestRotationFinishAfterSettle: a Finish whose FILE.new another process
// already put in place succeeds; one whose FILE.new was removed writes the
// key again from memory.
func TestRotationFinishAfterSettle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "office.key")
	for _, settled := range []bool{true, false} {
		os.Remove(path)
		if _, err := CreateKeyFile(path); err != nil {
			t.Fatal(err)
		}
		r, err := NewRotation(Source{File: path}, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Stage(); err != nil {
			t.Fatal(err)
		}
		if settled {
			err = os.Rename(PendingKeyFile(path), path)
		} else {
			err = os.Remove(PendingKeyFile(path))
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(); err != nil {
			t.Fatalf("settled %t: Finish: %v", settled, err)
		}
		if k, err := LoadKeyFile(path); err != nil || VerifyCheck(k, r.Stored().Check) != nil {
			t.Errorf("settled %t: the key file does not hold the new key: %v", settled, err)
		}
	}
}

func TestRotationAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "office.key")
	r, err := NewRotation(Source{File: path}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Stage(); err != nil {
		t.Fatal(err)
	}
	k := r.Key()
	if err := r.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(PendingKeyFile(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Abort left FILE.new")
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Abort made the key file")
	}
	if !k.s.destroyed {
		t.Error("Abort left the new key whole")
	}

	given := newKey(t)
	r, err = NewRotation(Source{Key: given}, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Owned() || r.File() != "" {
		t.Error("a key given is owned by the rotation, or goes to a file")
	}
	if err := r.Stage(); err != nil {
		t.Fatal(err)
	}
	r.Abort()
	Check(given) // a key given is not destroyed: this would panic
}

func TestRotationPassphrase(t *testing.T) {
	pass := []byte("Kuznetsky Most 1941")
	a, err := NewRotation(Source{Passphrase: pass}, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewRotation(Source{Passphrase: pass}, "")
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := a.Stored(), b.Stored()
	switch {
	case len(sa.Salt) != SaltSize || bytes.Equal(sa.Salt, sb.Salt):
		t.Error("a rotation to a passphrase does not draw a new salt")
	case bytes.Equal(sa.Check, sb.Check):
		t.Error("the same passphrase with another salt gives the same key")
	case VerifyCheck(KeyFromPassphrase(pass, sa.Salt), sa.Check) != nil:
		t.Error("the new key is not the passphrase's with the new salt")
	case !a.Owned() || a.File() != "":
		t.Error("the derived key is not the rotation's, or goes to a file")
	}
}

func TestNewRotationRefuses(t *testing.T) {
	dir := t.TempDir()
	current := filepath.Join(dir, "office.key")
	other := filepath.Join(dir, "other.key")
	for _, p := range []string{current, other} {
		if _, err := CreateKeyFile(p); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "link.key")
	if err := os.Symlink(current, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	for _, tt := range []struct {
		name    string
		to      Source
		current string
		want    string
	}{
		{"Nothing", Source{}, current, "no office key given"},
		{"TwoWays", Source{File: current, Passphrase: []byte("Kuznetsky Most 1941")}, current, "one way"},
		{"ShortPassphrase", Source{Passphrase: []byte("eleven char")}, current, "at least 12 characters"},
		{"AnotherFile", Source{File: other}, current, "exists already"},
		{"AFileWithoutCurrent", Source{File: current}, "", "exists already"},
		{"SymbolicLink", Source{File: link}, current, "symbolic link"},
		{"NoDirectory", Source{File: filepath.Join(dir, "no", "new.key")}, current, "the directory of the new key file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRotation(tt.to, tt.current)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewRotation: %v, want an error saying %q", err, tt.want)
			}
		})
	}
	if _, err := NewRotation(Source{File: other}, current); !errors.Is(err, fs.ErrExist) {
		t.Errorf("NewRotation over another file: %v, want fs.ErrExist", err)
	}
	// The current key file through another name is the current one.
	if _, err := NewRotation(Source{File: filepath.Join(dir, ".", "office.key")}, current); err != nil {
		t.Errorf("NewRotation to the current key file by another name: %v", err)
	}
	if _, err := NewRotation(Source{File: current}, link); err != nil {
		t.Errorf("NewRotation to the file the current key file links to: %v", err)
	}
}

// TestSettle covers every state a key file and its FILE.new can be in when
// a store opens the database.
func TestSettle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "office.key")
	pending := PendingKeyFile(path)
	var db *Stored // what the database keeps: set per case
	write := func(p string, k *Key) {
		t.Helper()
		os.Remove(p)
		if err := writeKeyFile(p, k); err != nil {
			t.Fatal(err)
		}
	}
	oldK, newK := newKey(t), newKey(t)
	for _, tt := range []struct {
		name          string
		file, pend    *Key // nil: missing
		under         *Key // the key the database is under
		wantFile      *Key // nil: missing
		wantPending   bool
		wantAfterOpen bool
	}{
		{"NotCommitted", oldK, newK, oldK, oldK, false, true},
		{"Committed", oldK, newK, newK, newK, false, true},
		{"CommittedFileGone", nil, newK, newK, newK, false, true},
		{"Neither", oldK, newK, newKey(t), oldK, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(path)
			os.Remove(pending)
			if tt.file != nil {
				write(path, tt.file)
			}
			write(pending, tt.pend)
			db = &Stored{Check: Check(tt.under)}
			src := Source{File: path}
			if !src.Pending() {
				t.Fatal("Pending does not see FILE.new")
			}
			if err := src.Settle(db); err != nil {
				t.Fatal(err)
			}
			k, err := LoadKeyFile(path)
			if err != nil || VerifyCheck(k, Check(tt.wantFile)) != nil {
				t.Errorf("the key file does not hold the key it should: %v", err)
			}
			if src.Pending() != tt.wantPending {
				t.Errorf("FILE.new left: %t, want %t", src.Pending(), tt.wantPending)
			}
			_, _, _, err = src.Open(db)
			if (err == nil) != tt.wantAfterOpen {
				t.Errorf("Open after Settle: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), hex.EncodeToString(tt.pend.bytes())[:8]) {
				t.Errorf("an error shows key material: %v", err)
			}
		})
	}
	// A database under a passphrase is no key file's: nothing is touched.
	write(path, oldK)
	write(pending, newK)
	if err := (Source{File: path}).Settle(&Stored{Check: Check(newK), Salt: make([]byte, SaltSize)}); err != nil {
		t.Fatal(err)
	}
	if !(Source{File: path}).Pending() {
		t.Error("Settle for a passphrase's database removed FILE.new")
	}
	if (Source{Passphrase: []byte("x")}).Pending() || (Source{}).Pending() {
		t.Error("Pending without a key file")
	}
}
