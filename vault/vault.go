// Package vault keeps pad digits encrypted at rest. Each pad is sealed
// under a data key of its own, drawn at random when the pad is imported;
// the data key is kept wrapped (encrypted) by the office key, and erasing
// the wrapped data key makes every sealed page of the pad unreadable at
// once: a cryptographic erase, which needs a few dozen bytes destroyed
// where destroying the digits themselves needs every copy of every page.
//
// The office key is 32 bytes, from a key file (CreateKeyFile, LoadKeyFile)
// or derived from a passphrase (KeyFromPassphrase, argon2id with a salt the
// database keeps). A store keeps Check(office) beside the data, so that a
// wrong key is refused when the store opens rather than at the first page.
// The office key can be rotated (Rotation, Rewrap): the data keys are
// rewrapped under the new key and the pages are not sealed again.
//
// Both layers are AES-256-GCM:
//   - Wrap seals a data key under the office key with a random nonce; the
//     additional data binds a version label and the pad's ID, so that a
//     wrapped key moved to another pad does not unwrap;
//   - SealPage seals one page's digits under its pad's data key. The nonce
//     is the page number: a data key is drawn for one pad and each page of
//     it is sealed once (the stores never rewrite digits), so no nonce
//     repeats under a key. The additional data binds the version, the pad
//     ID and the page number, so that sealed pages swapped between rows do
//     not open.
//
// Keys are held by pointer to memory of their own, never print (every fmt
// verb, slog and %#v give "vault.Key(redacted)"), and are zeroed by
// Destroy. Errors never quote key material or digits. What cannot be
// zeroed: the copies the Go runtime and crypto/aes make (an AES key
// schedule, stack copies), and what the operating system swapped out.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"golang.org/x/crypto/argon2"
)

// KeySize is the size of the office key and of data keys: AES-256.
const KeySize = 32

// SaltSize is the size of the salt of a passphrase.
const SaltSize = 16

// The argon2id parameters of KeyFromPassphrase: 64 MiB, 3 passes, 2 lanes,
// the office's password parameters. They are part of the key's definition:
// changing them changes the key of every passphrase.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
)

// MinPassphrase is the fewest characters an office passphrase may have.
const MinPassphrase = 12

// version is the first byte of a wrapped key and of a sealed page: the
// format and the labels below. Another version is refused.
const version = 1

// Labels that separate the uses of the keys (additional data and the key
// check).
const (
	labelWrap  = "ciphergram data key v1"
	labelPage  = "ciphergram page v1"
	labelCheck = "ciphergram office key check v1"
)

// ErrWrongKey is the error of a store opened with an office key that is not
// the one its data was sealed under.
var ErrWrongKey = errors.New("the office key does not open this database")

// ErrOpen is the error of a wrapped key or a sealed page that does not
// open: damaged, tampered with, moved from another pad or page, or sealed
// under another key.
var ErrOpen = errors.New("vault: key material does not open (damaged, tampered with, or not sealed here)")

// secret is the memory of one key, shared by copies of its Key value so
// that Destroy reaches them all. The bytes are behind a pointer of their
// own: fmt prints a struct met through a pointer, even where it cannot call
// Key's Format (a Key in an unexported field, printed with a verb a pointer
// does not take), but never follows a second pointer inside it.
type secret struct {
	b         *[KeySize]byte
	destroyed bool
}

func newSecret() *secret { return &secret{b: new([KeySize]byte)} }

// bytes returns the key's bytes; it panics on a destroyed or empty key, so
// that nothing is ever sealed under a key of zeros.
func (s *secret) bytes(kind string) []byte {
	if s == nil {
		panic("vault: use of an empty " + kind)
	}
	if s.destroyed {
		panic("vault: use of a destroyed " + kind)
	}
	return s.b[:]
}

func (s *secret) destroy() {
	if s != nil {
		clear(s.b[:])
		s.destroyed = true
	}
}

// Key is an office key. The zero Key is empty and not usable; make one with
// NewKey, KeyFromBytes, KeyFromPassphrase, CreateKeyFile or LoadKeyFile.
type Key struct{ s *secret }

// bytes returns the key's bytes (see secret.bytes).
func (k *Key) bytes() []byte {
	if k == nil {
		return (*secret)(nil).bytes("office key")
	}
	return k.s.bytes("office key")
}

// NewKey draws an office key from crypto/rand.
func NewKey() (*Key, error) {
	k := &Key{s: newSecret()}
	if _, err := io.ReadFull(rand.Reader, k.s.b[:]); err != nil {
		return nil, fmt.Errorf("vault: drawing a key: %w", err)
	}
	return k, nil
}

// KeyFromBytes makes an office key of a copy of b, which must be KeySize
// bytes (a key from a secrets manager, say). The caller zeroes b.
func KeyFromBytes(b []byte) (*Key, error) {
	if len(b) != KeySize {
		return nil, fmt.Errorf("vault: an office key is %d bytes, not %d", KeySize, len(b))
	}
	k := &Key{s: newSecret()}
	copy(k.s.b[:], b)
	return k, nil
}

// KeyFromPassphrase derives the office key from a passphrase and the salt
// the database keeps, with argon2id (64 MiB, 3 passes, 2 lanes): a quarter
// of a second or so, once per Open. The caller zeroes pass.
func KeyFromPassphrase(pass, salt []byte) *Key {
	b := argon2.IDKey(pass, salt, argonTime, argonMemory, argonThreads, KeySize)
	k := &Key{s: newSecret()}
	copy(k.s.b[:], b)
	clear(b)
	return k
}

// NewSalt draws the salt of a new passphrase.
func NewSalt() ([]byte, error) {
	salt := make([]byte, SaltSize)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return nil, fmt.Errorf("vault: drawing a salt: %w", err)
	}
	return salt, nil
}

// Destroy zeroes the key, in every copy of this Key value. A destroyed key
// panics when used. Destroying a nil or destroyed key does nothing.
func (k *Key) Destroy() {
	if k != nil {
		k.s.destroy()
	}
}

// Check returns the key check value of the office key: the first 16 bytes
// of HMAC-SHA256 under the key of a fixed label. A store keeps it so that
// it can tell a wrong key at once; it reveals nothing of the key (beyond
// letting whoever holds the database test guesses of a passphrase, which
// argon2id makes slow).
func Check(office *Key) []byte {
	m := hmac.New(sha256.New, office.bytes())
	m.Write([]byte(labelCheck))
	return m.Sum(nil)[:16]
}

// VerifyCheck compares the key check kept in a database with the office
// key's, in constant time: ErrWrongKey if they differ.
func VerifyCheck(office *Key, check []byte) error {
	if subtle.ConstantTimeCompare(Check(office), check) != 1 {
		return ErrWrongKey
	}
	return nil
}

// DataKey is the key of one pad's pages. It is drawn at random for the pad
// and exists at rest only wrapped by the office key.
type DataKey struct{ s *secret }

// bytes returns the key's bytes (see secret.bytes).
func (k *DataKey) bytes() []byte {
	if k == nil {
		return (*secret)(nil).bytes("data key")
	}
	return k.s.bytes("data key")
}

// NewDataKey draws a data key from crypto/rand.
func NewDataKey() (*DataKey, error) {
	k := &DataKey{s: newSecret()}
	if _, err := io.ReadFull(rand.Reader, k.s.b[:]); err != nil {
		return nil, fmt.Errorf("vault: drawing a data key: %w", err)
	}
	return k, nil
}

// Destroy zeroes the data key (see Key.Destroy).
func (k *DataKey) Destroy() {
	if k != nil {
		k.s.destroy()
	}
}

// newGCM returns AES-256-GCM under key.
func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // only for a key size other than 16, 24 or 32
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // only for an unusual block or tag size
	}
	return aead
}

// wrapAAD is the additional data of a wrapped key: the label and the pad ID,
// its length first so that no two (label, ID) give the same bytes.
func wrapAAD(padID string) []byte {
	b := append([]byte(labelWrap), 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(padID)))
	return append(b, padID...)
}

// WrappedSize is the size of a wrapped data key: version, nonce, the
// encrypted key and the tag.
const WrappedSize = 1 + 12 + KeySize + 16

// Wrap encrypts the data key of pad padID under the office key, with a
// random nonce. The result is WrappedSize bytes: version, nonce, sealed key.
func Wrap(office *Key, padID string, dk *DataKey) ([]byte, error) {
	aead := newGCM(office.bytes())
	out := make([]byte, 1+aead.NonceSize(), WrappedSize)
	out[0] = version
	if _, err := io.ReadFull(rand.Reader, out[1:]); err != nil {
		return nil, fmt.Errorf("vault: drawing a nonce: %w", err)
	}
	return aead.Seal(out, out[1:], dk.bytes(), wrapAAD(padID)), nil
}

// Unwrap decrypts the wrapped data key of pad padID: ErrOpen if it is not a
// key wrapped for that pad under that office key. The caller destroys the
// data key when done with it.
func Unwrap(office *Key, padID string, wrapped []byte) (*DataKey, error) {
	aead := newGCM(office.bytes())
	if len(wrapped) != WrappedSize || wrapped[0] != version {
		return nil, ErrOpen
	}
	nonce, sealed := wrapped[1:1+aead.NonceSize()], wrapped[1+aead.NonceSize():]
	k := &DataKey{s: newSecret()}
	if _, err := aead.Open(k.s.b[:0], nonce, sealed, wrapAAD(padID)); err != nil {
		k.Destroy()
		return nil, ErrOpen
	}
	return k, nil
}

// pageNonce is the nonce of page number under its pad's data key.
func pageNonce(number int) []byte {
	if number < 1 {
		panic(fmt.Sprintf("vault: page number %d", number))
	}
	var nonce [12]byte
	binary.BigEndian.PutUint64(nonce[4:], uint64(number))
	return nonce[:]
}

// pageAAD is the additional data of a sealed page: the label, the pad ID
// (its length first) and the page number.
func pageAAD(padID string, number int) []byte {
	b := append([]byte(labelPage), 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(padID)))
	b = append(b, padID...)
	return binary.BigEndian.AppendUint64(b, uint64(number))
}

// SealedSize is the size of a page of n digits once sealed.
func SealedSize(n int) int { return 1 + n + 16 }

// SealPage encrypts the digits of page number (1 or more) of pad padID
// under the pad's data key: a version byte, then the digits sealed with
// AES-256-GCM, SealedSize(len(digits)) bytes. Each page of a pad must be
// sealed once under one data key (the nonce is the page number); sealing
// the same digits again gives the same bytes, sealing others under the
// same key and number would break the cipher.
func SealPage(dk *DataKey, padID string, number int, digits []byte) []byte {
	aead := newGCM(dk.bytes())
	out := make([]byte, 1, SealedSize(len(digits)))
	out[0] = version
	return aead.Seal(out, pageNonce(number), digits, pageAAD(padID, number))
}

// OpenPage decrypts a sealed page: ErrOpen unless it is page number of pad
// padID sealed under dk. The caller wipes the digits after use.
func OpenPage(dk *DataKey, padID string, number int, sealed []byte) ([]byte, error) {
	aead := newGCM(dk.bytes())
	if number < 1 || len(sealed) < SealedSize(0) || sealed[0] != version {
		return nil, ErrOpen
	}
	digits, err := aead.Open(nil, pageNonce(number), sealed[1:], pageAAD(padID, number))
	if err != nil {
		return nil, ErrOpen
	}
	return digits, nil
}

// Opener opens the sealed pages of a read that may span several pads,
// unwrapping each pad's data key once. Close destroys the data keys.
type Opener struct {
	office *Key
	keys   map[string]*DataKey
}

// NewOpener returns an Opener under the office key.
func NewOpener(office *Key) *Opener { return &Opener{office: office} }

// Open decrypts page number of pad padID, whose data key is wrapped: ErrOpen
// (with the pad and page named) if the key or the page does not open.
func (o *Opener) Open(padID string, wrapped []byte, number int, sealed []byte) ([]byte, error) {
	dk, ok := o.keys[padID]
	if !ok {
		var err error
		if dk, err = Unwrap(o.office, padID, wrapped); err != nil {
			return nil, fmt.Errorf("the data key of pad %s: %w", padID, err)
		}
		if o.keys == nil {
			o.keys = map[string]*DataKey{}
		}
		o.keys[padID] = dk
	}
	digits, err := OpenPage(dk, padID, number, sealed)
	if err != nil {
		return nil, fmt.Errorf("page %d of pad %s: %w", number, padID, err)
	}
	return digits, nil
}

// Close destroys the data keys unwrapped.
func (o *Opener) Close() {
	for id, dk := range o.keys {
		dk.Destroy()
		delete(o.keys, id)
	}
}

// redacted is what keys print as.
const (
	redactedKey     = "vault.Key(redacted)"
	redactedDataKey = "vault.DataKey(redacted)"
)

// String returns "vault.Key(redacted)".
func (Key) String() string { return redactedKey }

// GoString returns "vault.Key(redacted)", for %#v.
func (Key) GoString() string { return redactedKey }

// Format makes every fmt verb print "vault.Key(redacted)".
func (Key) Format(f fmt.State, _ rune) { io.WriteString(f, redactedKey) }

// LogValue implements slog.LogValuer with the redacted text.
func (Key) LogValue() slog.Value { return slog.StringValue(redactedKey) }

// MarshalText gives the redacted text, so that encoders (JSON, say) do
// not print the key either.
func (Key) MarshalText() ([]byte, error) { return []byte(redactedKey), nil }

// String returns "vault.DataKey(redacted)".
func (DataKey) String() string { return redactedDataKey }

// GoString returns "vault.DataKey(redacted)", for %#v.
func (DataKey) GoString() string { return redactedDataKey }

// Format makes every fmt verb print "vault.DataKey(redacted)".
func (DataKey) Format(f fmt.State, _ rune) { io.WriteString(f, redactedDataKey) }

// LogValue implements slog.LogValuer with the redacted text.
func (DataKey) LogValue() slog.Value { return slog.StringValue(redactedDataKey) }

// MarshalText gives the redacted text.
func (DataKey) MarshalText() ([]byte, error) { return []byte(redactedDataKey), nil }
