// Package padfile keeps custody of a pad file for the command line: it opens
// a pad under an exclusive lock, and rewrites it atomically and durably when
// pages are burned, so that two processes never hand out the same page and a
// crash never leaves a half-written pad.
//
// # Locking
//
// The lock is a flock(2) on the pad file itself, not on a sidecar lock file
// (which could be deleted while held, and litters the directory). Commit
// replaces the file by renaming a new one over it, which would leave the
// lock behind on the old inode; so the lock moves with the file:
//
//   - Open opens the path, blocks in flock, then checks that the path still
//     names the inode it locked. If a Commit replaced the file meanwhile, it
//     drops that inode and starts again on the new one.
//   - Commit locks the new temporary file (non-blocking: no one else knows
//     it yet) before renaming it into place, and releases the old inode only
//     afterwards. At every moment the inode the path names is locked by the
//     holder, and waiters on the old inode wake to find it stale.
//
// flock locks belong to open file descriptions, so the scheme serializes
// goroutines of one process as well as separate processes. It needs the
// pad's directory to be writable, which burning pages needs anyway.
package padfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"ciphergram/otp"
)

// File is a pad file open under an exclusive lock. Pad may be changed freely
// (pages burned, failures recorded); nothing reaches the disk until Commit.
// A File is not safe for concurrent use.
type File struct {
	Pad  *otp.Pad
	path string   // symlinks resolved, so Commit replaces the real file
	f    *os.File // the locked inode; the one path names
}

// fsync is os.File.Sync; tests replace it to inject failures.
var fsync = (*os.File).Sync

// Open opens the pad file at path, waits for an exclusive lock on it, and
// parses it. The lock is held until Close. The parser reads the file through
// one buffer that it wipes.
func Open(path string) (*File, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, wrap(path, err)
	}
	f, err := lockPath(resolved)
	if err != nil {
		return nil, wrap(path, err)
	}
	pad, err := otp.Parse(f)
	if err != nil {
		f.Close()
		return nil, wrap(path, err)
	}
	return &File{Pad: pad, path: resolved, f: f}, nil
}

// lockPath opens path and locks it, retrying until the locked inode is the
// one path names.
func lockPath(path string) (*os.File, error) {
	for {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		if err := lock(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking: %w", err)
		}
		held, err := f.Stat()
		if err == nil {
			var now fs.FileInfo
			if now, err = os.Stat(path); err == nil && os.SameFile(held, now) {
				return f, nil
			}
		}
		f.Close()
		if err != nil {
			return nil, err
		}
		// Replaced by a Commit while we waited: lock the new file.
	}
}

// Commit writes the pad to disk: its canonical text goes to a temporary file
// in the same directory, with the original's permissions, which is synced,
// renamed over the original, and the directory synced. It returns nil only
// when all of that succeeded. Before the rename any failure leaves the
// original file untouched and removes the temporary file; the File stays
// usable and Commit may be retried.
func (f *File) Commit() error {
	if f.f == nil {
		return fmt.Errorf("pad file %s: commit after close", f.path)
	}
	info, err := f.f.Stat()
	if err != nil {
		return wrap(f.path, err)
	}
	tmp, err := writeTemp(f.path, f.Pad, info.Mode().Perm(), true)
	if err != nil {
		return wrap(f.path, err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		discard(tmp)
		return wrap(f.path, err)
	}
	old := f.f
	f.f = tmp // holds the lock on the inode path now names
	old.Close()
	if err := syncDir(f.path); err != nil {
		return fmt.Errorf("pad file %s: replaced, but syncing its directory: %w", f.path, err)
	}
	return nil
}

// Close wipes the pad's digits from memory and releases the lock. Closing
// twice is harmless. The pad cannot be committed after Close.
func (f *File) Close() error {
	if f.f == nil {
		return nil
	}
	f.Pad.Wipe()
	err := f.f.Close()
	f.f = nil
	if err != nil {
		return wrap(f.path, err)
	}
	return nil
}

// Path returns the path of the pad file, with symlinks resolved.
func (f *File) Path() string { return f.path }

// Create writes pad to a new file at path with mode 0600, durably: the
// text is synced before the file appears under its name, and the directory
// after. It refuses to replace an existing file, since that would destroy
// the unused pages of a pad.
func Create(path string, pad *otp.Pad) error {
	tmp, err := writeTemp(path, pad, 0o600, false)
	if err != nil {
		return wrap(path, err)
	}
	defer discard(tmp)
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("pad file %s already exists; not overwriting a pad: %w", path, fs.ErrExist)
		}
		return wrap(path, err)
	}
	if err := syncDir(path); err != nil {
		return fmt.Errorf("pad file %s: written, but syncing its directory: %w", path, err)
	}
	return nil
}

// writeTemp writes pad to a new synced temporary file beside path, locked
// if lockIt. On error it leaves no file behind.
func writeTemp(path string, pad *otp.Pad, perm fs.FileMode, lockIt bool) (_ *os.File, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			discard(tmp)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return nil, err
	}
	if lockIt {
		if err := tryLock(tmp); err != nil {
			return nil, fmt.Errorf("locking %s: %w", tmp.Name(), err)
		}
	}
	if _, err := pad.WriteTo(tmp); err != nil {
		return nil, err
	}
	if err := fsync(tmp); err != nil {
		return nil, fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	return tmp, nil
}

// discard closes and removes a temporary file.
func discard(tmp *os.File) {
	tmp.Close()
	os.Remove(tmp.Name())
}

// syncDir syncs the directory holding path, making a rename or link in it
// durable.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return fsync(d)
}

// wrap prefixes err with the pad file's path, once: an fs.PathError for the
// same path loses its own copy of it.
func wrap(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return fmt.Errorf("pad file %s: %s: %w", path, pe.Op, pe.Err)
	}
	return fmt.Errorf("pad file %s: %w", path, err)
}
