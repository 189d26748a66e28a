package vault

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func newKey(t *testing.T) *Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newDataKey(t *testing.T) *DataKey {
	t.Helper()
	k, err := NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// digits are a page's worth of digits for the tests.
var digits = []byte(strings.Repeat("0123456789", 30))

func TestWrapRoundTrip(t *testing.T) {
	office, dk := newKey(t), newDataKey(t)
	w, err := Wrap(office, "LON-CEN-1", dk)
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != WrappedSize || bytes.Contains(w, dk.bytes()) {
		t.Fatalf("wrapped key: %d bytes, holding the key in clear: %t", len(w), bytes.Contains(w, dk.bytes()))
	}
	w2, err := Wrap(office, "LON-CEN-1", dk)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(w, w2) {
		t.Error("two wraps of one key are the same bytes: the nonce is not random")
	}
	got, err := Unwrap(office, "LON-CEN-1", w)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.bytes(), dk.bytes()) {
		t.Error("Unwrap gave another key")
	}
}

func TestUnwrapRefuses(t *testing.T) {
	office, dk := newKey(t), newDataKey(t)
	w, err := Wrap(office, "LON-CEN-1", dk)
	if err != nil {
		t.Fatal(err)
	}
	tamper := func(i int) []byte {
		c := bytes.Clone(w)
		c[i] ^= 1
		return c
	}
	for _, tt := range []struct {
		name    string
		office  *Key
		padID   string
		wrapped []byte
	}{
		{"WrongOfficeKey", newKey(t), "LON-CEN-1", w},
		{"OtherPad", office, "LON-CEN-2", w},
		{"Version", office, "LON-CEN-1", tamper(0)},
		{"Nonce", office, "LON-CEN-1", tamper(1)},
		{"Ciphertext", office, "LON-CEN-1", tamper(20)},
		{"Tag", office, "LON-CEN-1", tamper(len(w) - 1)},
		{"Short", office, "LON-CEN-1", w[:len(w)-1]},
		{"Empty", office, "LON-CEN-1", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Unwrap(tt.office, tt.padID, tt.wrapped); !errors.Is(err, ErrOpen) {
				t.Errorf("Unwrap: %v, want ErrOpen", err)
			}
		})
	}
}

func TestSealRoundTrip(t *testing.T) {
	dk := newDataKey(t)
	sealed := SealPage(dk, "LON-CEN-1", 7, digits)
	if len(sealed) != SealedSize(len(digits)) {
		t.Errorf("sealed page: %d bytes, want %d", len(sealed), SealedSize(len(digits)))
	}
	if bytes.Contains(sealed, digits[:10]) {
		t.Error("the sealed page holds digits in clear")
	}
	if !bytes.Equal(SealPage(dk, "LON-CEN-1", 7, digits), sealed) {
		t.Error("sealing the same page again gives other bytes")
	}
	if bytes.Equal(SealPage(dk, "LON-CEN-1", 8, digits)[1:17], sealed[1:17]) {
		t.Error("two pages of the same digits seal alike: the nonce does not depend on the page number")
	}
	got, err := OpenPage(dk, "LON-CEN-1", 7, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, digits) {
		t.Error("OpenPage gave other digits")
	}
}

func TestOpenPageRefuses(t *testing.T) {
	dk := newDataKey(t)
	sealed := SealPage(dk, "LON-CEN-1", 7, digits)
	tamper := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 1
		return c
	}
	for _, tt := range []struct {
		name   string
		dk     *DataKey
		padID  string
		number int
		sealed []byte
	}{
		{"WrongDataKey", newDataKey(t), "LON-CEN-1", 7, sealed},
		{"OtherPad", dk, "LON-CEN-2", 7, sealed},
		{"OtherPage", dk, "LON-CEN-1", 8, sealed},
		{"PageZero", dk, "LON-CEN-1", 0, sealed},
		{"Version", dk, "LON-CEN-1", 7, tamper(0)},
		{"Digits", dk, "LON-CEN-1", 7, tamper(5)},
		{"Tag", dk, "LON-CEN-1", 7, tamper(len(sealed) - 1)},
		{"Truncated", dk, "LON-CEN-1", 7, sealed[:len(sealed)-1]},
		{"Empty", dk, "LON-CEN-1", 7, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := OpenPage(tt.dk, tt.padID, tt.number, tt.sealed); !errors.Is(err, ErrOpen) {
				t.Errorf("OpenPage: %v, want ErrOpen", err)
			}
		})
	}
}

func TestOpener(t *testing.T) {
	office := newKey(t)
	type page struct {
		pad     string
		wrapped []byte
		number  int
		sealed  []byte
	}
	var pages []page
	for _, id := range []string{"A", "B"} {
		dk := newDataKey(t)
		w, err := Wrap(office, id, dk)
		if err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= 3; n++ {
			pages = append(pages, page{id, w, n, SealPage(dk, id, n, digits)})
		}
		dk.Destroy()
	}
	o := NewOpener(office)
	for _, pg := range pages {
		got, err := o.Open(pg.pad, pg.wrapped, pg.number, pg.sealed)
		if err != nil || !bytes.Equal(got, digits) {
			t.Fatalf("page %d of %s: %v", pg.number, pg.pad, err)
		}
	}
	if len(o.keys) != 2 {
		t.Errorf("the opener unwrapped %d keys for 2 pads", len(o.keys))
	}
	held := []*DataKey{o.keys["A"], o.keys["B"]}
	_, err := o.Open("A", pages[0].wrapped, 2, pages[0].sealed) // page 1 read as page 2
	if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "page 2 of pad A") {
		t.Errorf("Open of a page moved: %v", err)
	}
	o.Close()
	for _, dk := range held {
		if !dk.s.destroyed || *dk.s.b != [KeySize]byte{} {
			t.Error("Close left a data key whole")
		}
	}
	o = NewOpener(newKey(t))
	if _, err := o.Open("A", pages[0].wrapped, 1, pages[0].sealed); !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "pad A") {
		t.Errorf("Open under another office key: %v", err)
	}
}

func TestCheck(t *testing.T) {
	k := newKey(t)
	c := Check(k)
	if len(c) != 16 {
		t.Errorf("the key check has %d bytes, want 16", len(c))
	}
	if err := VerifyCheck(k, c); err != nil {
		t.Errorf("VerifyCheck of the key's own check: %v", err)
	}
	if err := VerifyCheck(newKey(t), c); !errors.Is(err, ErrWrongKey) {
		t.Errorf("VerifyCheck of another key: %v, want ErrWrongKey", err)
	}
	if err := VerifyCheck(k, nil); !errors.Is(err, ErrWrongKey) {
		t.Errorf("VerifyCheck of no check: %v, want ErrWrongKey", err)
	}
}

func TestKeyFromPassphrase(t *testing.T) {
	salt, err := NewSalt()
	if err != nil {
		t.Fatal(err)
	}
	pass := []byte("Kuznetsky Most 1941")
	a, b := KeyFromPassphrase(pass, salt), KeyFromPassphrase(pass, salt)
	if !bytes.Equal(a.bytes(), b.bytes()) {
		t.Error("one passphrase and salt give two keys")
	}
	salt2, _ := NewSalt()
	if bytes.Equal(KeyFromPassphrase(pass, salt2).bytes(), a.bytes()) {
		t.Error("another salt gives the same key")
	}
	if bytes.Equal(KeyFromPassphrase([]byte("Kuznetsky Most 1942"), salt).bytes(), a.bytes()) {
		t.Error("another passphrase gives the same key")
	}
}

func TestDestroy(t *testing.T) {
	k := newKey(t)
	copyOfValue := *k
	k.Destroy()
	if *copyOfValue.s.b != [KeySize]byte{} {
		t.Error("Destroy left a copy of the Key value whole")
	}
	for name, use := range map[string]func(){
		"Check":         func() { Check(k) },
		"Wrap":          func() { Wrap(k, "A", newDataKey(t)) },
		"EmptyKey":      func() { Check(&Key{}) },
		"NilKey":        func() { Check(nil) },
		"EmptyDataKey":  func() { SealPage(&DataKey{}, "A", 1, digits) },
		"DestroyedSeal": func() { dk := newDataKey(t); dk.Destroy(); SealPage(dk, "A", 1, digits) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("a destroyed or empty key was used without a panic")
				}
			}()
			use()
		})
	}
	k.Destroy() // twice is fine
	(*Key)(nil).Destroy()
}

// TestKeysNeverPrint formats keys every way a program might, directly and
// inside structs, and logs them.
func TestKeysNeverPrint(t *testing.T) {
	k, dk := newKey(t), newDataKey(t)
	type holder struct {
		Key     *Key
		DataKey *DataKey
		key     Key
		dataKey DataKey
		keyPtr  *Key
	}
	h := holder{k, dk, *k, *dk, k}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d", "%08b"} {
		for _, v := range []any{k, *k, dk, *dk, h, &h} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	fmt.Fprintln(&out, k, dk, h)
	log := slog.New(slog.NewJSONHandler(&out, nil))
	log.Info("keys", "office", k, "data", dk, "value", *k, "holder", h)
	slog.New(slog.NewTextHandler(&out, nil)).Info("keys", "office", k, "data", dk)
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(j)
	for _, key := range [][]byte{k.bytes(), dk.bytes()} {
		for _, enc := range [][]byte{key, []byte(hex.EncodeToString(key)), []byte(hex.EncodeToString(key)[:16]),
			[]byte(strings.ToUpper(hex.EncodeToString(key))[:16]), []byte(fmt.Sprint(key[:4]))[1:10]} {
			if bytes.Contains(out.Bytes(), enc) {
				t.Fatalf("a key was printed (%q):\n%s", enc, out.String())
			}
		}
	}
	if !strings.Contains(out.String(), "vault.Key(redacted)") || !strings.Contains(out.String(), "vault.DataKey(redacted)") {
		t.Errorf("the keys did not print as redacted:\n%s", out.String())
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "office.key")
	k, err := CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file has mode %04o, want 0600", fi.Mode().Perm())
	}
	text, _ := os.ReadFile(path)
	if want := keyFileHeader + "\n" + hex.EncodeToString(k.bytes()) + "\n"; string(text) != want {
		t.Errorf("the key file is not in the documented format")
	}
	got, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.bytes(), k.bytes()) {
		t.Error("LoadKeyFile gave another key")
	}
	if _, err := CreateKeyFile(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateKeyFile over an existing file: %v, want fs.ErrExist", err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, text) {
		t.Error("CreateKeyFile changed an existing key file")
	}
	// Without the final newline, and with CRLF, it is the same key.
	for name, text := range map[string]string{"nonl": strings.TrimSuffix(string(text), "\n"), "crlf": strings.ReplaceAll(string(text), "\n", "\r\n")} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := LoadKeyFile(p); err != nil || !bytes.Equal(got.bytes(), k.bytes()) {
			t.Errorf("%s: LoadKeyFile: %v", name, err)
		}
	}
}

func TestLoadKeyFileRefuses(t *testing.T) {
	dir := t.TempDir()
	secretHex := strings.Repeat("ab", KeySize)
	good := keyFileHeader + "\n" + secretHex + "\n"
	for _, tt := range []struct {
		name, text string
		mode       os.FileMode
		want       string
	}{
		{"Empty", "", 0o600, "first line"},
		{"NoHeader", secretHex + "\n", 0o600, "first line"},
		{"OtherVersion", "ciphergram office key v2\n" + secretHex + "\n", 0o600, "first line"},
		{"Short", keyFileHeader + "\n" + secretHex[:62] + "\n", 0o600, "62 characters"},
		{"Long", keyFileHeader + "\n" + secretHex + "ab\n", 0o600, "66 characters"},
		{"NotHex", keyFileHeader + "\n" + secretHex[:62] + "zz\n", 0o600, "not all hex"},
		{"ThirdLine", good + "more\n", 0o600, "more than two lines"},
		{"Huge", good + strings.Repeat("\n", maxKeyFile), 0o600, "longer than"},
		{"GroupReadable", good, 0o640, "chmod 600"},
		{"WorldReadable", good, 0o604, "chmod 600"},
		{"GroupWritable", good, 0o620, "chmod 600"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS == "windows" && tt.mode != 0o600 {
				t.Skip("mode bits do not say who may read a file on Windows")
			}
			p := filepath.Join(dir, tt.name)
			if err := os.WriteFile(p, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadKeyFile(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadKeyFile: %v, want an error saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secretHex[:8]) || strings.Contains(err.Error(), "zz") {
				t.Errorf("the error quotes the file: %v", err)
			}
		})
	}
	if _, err := LoadKeyFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadKeyFile of a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := LoadKeyFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("LoadKeyFile of a directory: %v", err)
	}
}

func TestKeyFromBytes(t *testing.T) {
	b := bytes.Repeat([]byte{7}, KeySize)
	k, err := KeyFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	b[0] = 8
	if k.bytes()[0] != 7 {
		t.Error("KeyFromBytes did not copy the bytes")
	}
	if _, err := KeyFromBytes(b[:31]); err == nil {
		t.Error("KeyFromBytes of 31 bytes succeeded")
	}
}

// BenchmarkClaimOverhead is what a claim of one page adds: the pad's data
// key unwrapped, the page opened, the key destroyed.
func BenchmarkClaimOverhead(b *testing.B) {
	office, _ := NewKey()
	dk, _ := NewDataKey()
	w, _ := Wrap(office, "LON-CEN-1", dk)
	sealed := SealPage(dk, "LON-CEN-1", 1, digits)
	for b.Loop() {
		o := NewOpener(office)
		d, err := o.Open("LON-CEN-1", w, 1, sealed)
		if err != nil {
			b.Fatal(err)
		}
		clear(d)
		o.Close()
	}
}

// BenchmarkImportOverhead is what importing a pad of 1000 pages of 60
// groups adds: a data key drawn and wrapped, every page sealed.
func BenchmarkImportOverhead(b *testing.B) {
	office, _ := NewKey()
	page := []byte(strings.Repeat("0123456789", 30))
	for b.Loop() {
		dk, _ := NewDataKey()
		if _, err := Wrap(office, "LON-CEN-1", dk); err != nil {
			b.Fatal(err)
		}
		for n := 1; n <= 1000; n++ {
			SealPage(dk, "LON-CEN-1", n, page)
		}
		dk.Destroy()
	}
}
