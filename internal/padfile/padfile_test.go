package padfile

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ciphergram/otp"
)

// newPadFile creates a pad file of n pages in a fresh directory.
func newPadFile(t testing.TB, pages int) string {
	t.Helper()
	pad, err := otp.Generate(rand.NewChaCha8([32]byte{7}), "TEST-PAD", "LONDON", "CENTRE", pages, 12)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pad.txt")
	if err := Create(path, pad); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dirNames lists a directory, to catch leftover temporary files.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestCreate(t *testing.T) {
	path := newPadFile(t, 3)
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("new pad file: %v, mode %v; want 0600", err, info.Mode())
	}
	if got := dirNames(t, filepath.Dir(path)); len(got) != 1 {
		t.Errorf("directory holds %v, want only pad.txt", got)
	}
	pad, _ := otp.Generate(rand.NewChaCha8([32]byte{8}), "OTHER", "A", "B", 1, 12)
	err = Create(path, pad)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over an existing pad: %v, want fs.ErrExist", err)
	}
	if got := dirNames(t, filepath.Dir(path)); len(got) != 1 {
		t.Errorf("after refused Create the directory holds %v", got)
	}
}

func TestCommit(t *testing.T) {
	path := newPadFile(t, 3)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := f.Pad.Next(1)
	if err != nil {
		t.Fatal(err)
	}
	pages[0].Burn()
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !bytes.Contains(readFile(t, path), []byte("\nPAGE 1 BURNED\nPAGE 2\n")) {
		t.Error("page 1 not burned on disk")
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode after Commit = %v, want 0640", info.Mode().Perm())
	}
	if got := dirNames(t, filepath.Dir(path)); len(got) != 1 {
		t.Errorf("directory holds %v, want only pad.txt", got)
	}
	if err := f.Commit(); err == nil || !strings.Contains(err.Error(), "commit after close") {
		t.Errorf("Commit after Close: %v", err)
	}
}

func TestCloseWipes(t *testing.T) {
	f, err := Open(newPadFile(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	view := f.Pad.Pages[0].Groups(0, 12)
	f.Close()
	if !bytes.Equal(view, make([]byte, 60)) {
		t.Errorf("page digits not wiped on Close: %q", view)
	}
}

// TestCommitThroughSymlink replaces the file the link points to, not the
// link.
func TestCommitThroughSymlink(t *testing.T) {
	path := newPadFile(t, 2)
	link := filepath.Join(t.TempDir(), "link.txt")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	f, err := Open(link)
	if err != nil {
		t.Fatal(err)
	}
	f.Pad.Pages[0].Burn()
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link replaced: %v", err)
	}
	if !bytes.Contains(readFile(t, path), []byte("PAGE 1 BURNED")) {
		t.Error("target not updated")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("# ciphergram pad v1\n# id: X\n# from: A\n# to: B\nPAGE 1\n12345 6789\n"), 0o600)
	tests := []struct {
		name, path, err string
		is              error
	}{
		{"ErrMissing", filepath.Join(dir, "none.txt"), "none.txt: lstat: no such file", fs.ErrNotExist},
		{"ErrParse", bad, "pad file " + bad + ": pad line 6: page 1: 2 groups on the line, want 10", nil},
		{"ErrDirectory", dir, "is a directory", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.err) || tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("Open = %v, %v; want error %q", f, err, tt.err)
			}
		})
	}
}

// TestCommitFailureKeepsOriginal makes Commit fail at each step before the
// rename: the pad file must be byte-identical, no temporary file may be
// left, and a later Commit must still work.
func TestCommitFailureKeepsOriginal(t *testing.T) {
	tests := []struct {
		name string
		fail func(t *testing.T, f *File) (undo func())
		err  string
	}{
		{"ErrReadOnlyDir", func(t *testing.T, f *File) func() {
			if os.Geteuid() == 0 {
				t.Skip("root ignores directory permissions")
			}
			dir := filepath.Dir(f.Path())
			os.Chmod(dir, 0o500)
			return func() { os.Chmod(dir, 0o700) }
		}, "permission denied"},
		{"ErrSync", func(t *testing.T, f *File) func() {
			fsync = func(*os.File) error { return errors.New("disk unplugged") }
			return func() { fsync = (*os.File).Sync }
		}, "disk unplugged"},
		{"ErrWrite", func(t *testing.T, f *File) func() {
			saved := bytes.Clone(f.Pad.Pages[2].Digits)
			f.Pad.Pages[2].Wipe()
			return func() { f.Pad.Pages[2].Digits = saved }
		}, "page 3 has 0 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := newPadFile(t, 4)
			before := readFile(t, path)
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.Pad.Pages[0].Burn()
			undo := tt.fail(t, f)
			err = f.Commit()
			undo()
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Commit error = %v, want %q", err, tt.err)
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Error("failed Commit changed the pad file")
			}
			if got := dirNames(t, filepath.Dir(path)); len(got) != 1 {
				t.Errorf("failed Commit left %v", got)
			}
			if err := f.Commit(); err != nil {
				t.Fatalf("Commit after repair: %v", err)
			}
			if !bytes.Contains(readFile(t, path), []byte("PAGE 1 BURNED")) {
				t.Error("retried Commit did not burn page 1")
			}
		})
	}
}
