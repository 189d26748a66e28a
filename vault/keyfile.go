package vault

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// A key file holds one office key as two lines of text:
//
//	ciphergram office key v1
//	<the 32 bytes in 64 hex digits>
//
// (a final newline is optional). It is made with mode 0600 and never
// overwritten; a rotation of the office key replaces it whole, renaming a
// new file over it (see Rotation). LoadKeyFile refuses a file that its group or others may
// read or write (any of the bits 0077), rather than warning about it: a
// key file that others can read has been disclosed to them, and a warning
// in a log is easily missed. (On Windows, where the mode bits do not say
// who may read a file, the check is left to the file's ACL.)
//
// Whoever holds the key file and a copy of the database can read every
// page that copy holds unused: keep the key file off the database's
// backups, and back it up apart (losing it loses every pad).

// keyFileHeader is the first line of a key file.
const keyFileHeader = "ciphergram office key v1"

// maxKeyFile bounds what LoadKeyFile reads: a key file is under 100 bytes.
const maxKeyFile = 1024

// CreateKeyFile draws a new office key and writes it to a new key file at
// path with mode 0600, synchronized to disk with its directory entry. It
// refuses to overwrite an existing file (the error wraps fs.ErrExist). The
// file appears whole or not at all: it is written to a temporary file
// beside it, which is then linked at path (where the file system cannot
// link, it is written in place, and a crash may leave it short). A crash
// before the link may leave the temporary file, .office-key-*, which holds
// a key nothing uses.
func CreateKeyFile(path string) (*Key, error) {
	k, err := NewKey()
	if err != nil {
		return nil, err
	}
	if err := writeKeyFile(path, k); err != nil {
		k.Destroy()
		return nil, err
	}
	return k, nil
}

// writeKeyFile writes k to a new key file at path, as CreateKeyFile
// describes: whole or not at all, mode 0600, synchronized with its
// directory entry, never over an existing file.
func writeKeyFile(path string, k *Key) error {
	text := make([]byte, 0, len(keyFileHeader)+2+2*KeySize)
	text = append(text, keyFileHeader+"\n"...)
	text = hex.AppendEncode(text, k.bytes())
	text = append(text, '\n')
	defer clear(text)
	err := createLinked(path, text)
	if errors.Is(err, errNoLink) {
		err = createInPlace(path, text)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("vault: the key file %s exists already, and a key file is never overwritten: %w", path, fs.ErrExist)
	} else if err != nil {
		return fmt.Errorf("vault: writing the key file %s: %w", path, err)
	}
	return nil
}

// errNoLink says that the file system cannot make a hard link.
var errNoLink = errors.New("no hard links here")

// createLinked writes text to a new temporary file (mode 0600) in path's
// directory, synchronizes it and links it at path, which must not exist.
func createLinked(path string, text []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".office-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	err = os.Link(f.Name(), path)
	var le *os.LinkError
	if err != nil && !errors.Is(err, fs.ErrExist) && errors.As(err, &le) {
		return errNoLink
	}
	return err
}

// createInPlace writes text to a new file at path, which must not exist,
// with mode 0600, and synchronizes it.
func createInPlace(path string, text []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// syncDir makes a new directory entry durable, so that a key file whose
// key a database already uses does not vanish in a power cut. Windows
// cannot open a directory for that, and does not need it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// LoadKeyFile reads the office key from the key file at path. It refuses a
// missing file (the error wraps fs.ErrNotExist), one that is not a regular
// file, one that its group or others may read or write, and one that is
// not in the format above. Its errors never quote the file's content.
func LoadKeyFile(path string) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault: reading the key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: reading the key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("vault: the key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("vault: the key file %s may be read or written by others (mode %04o): make it its owner's only (chmod 600 %s)",
			path, perm, path)
	}
	text, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	defer clear(text)
	if err != nil {
		return nil, fmt.Errorf("vault: reading the key file: %w", err)
	}
	k, err := parseKeyFile(text)
	if err != nil {
		return nil, fmt.Errorf("vault: %s is not an office key file: %w", path, err)
	}
	return k, nil
}

// parseKeyFile reads the text of a key file. Its errors say what is wrong
// without quoting the text.
func parseKeyFile(text []byte) (*Key, error) {
	if len(text) > maxKeyFile {
		return nil, fmt.Errorf("it is longer than %d bytes", maxKeyFile)
	}
	header, rest, _ := bytes.Cut(text, []byte("\n"))
	if string(bytes.TrimSuffix(header, []byte("\r"))) != keyFileHeader {
		return nil, fmt.Errorf("its first line is not %q", keyFileHeader)
	}
	line, rest, _ := bytes.Cut(rest, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("it has more than two lines")
	}
	if len(line) != 2*KeySize {
		return nil, fmt.Errorf("its second line has %d characters, want %d hex digits", len(line), 2*KeySize)
	}
	k := &Key{s: newSecret()}
	if _, err := hex.Decode(k.s.b[:], line); err != nil {
		k.Destroy()
		return nil, errors.New("its second line is not all hex digits")
	}
	return k, nil
}
