package office

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"ciphergram"
)

// Argon2id parameters of new password hashes (RFC 9106's second
// recommended option, with 64 MiB of memory). The parameters are kept in
// each hash, so they can be raised without invalidating old ones.
const (
	argonTime    = 3
	argonMemory  = 64 << 10 // KiB
	argonThreads = 2
	argonKeyLen  = 32
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// HashPassword hashes a password with argon2id and a random salt, in the
// PHC string format: $argon2id$v=19$m=65536,t=3,p=2$salt$hash.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", ciphergram.Errorf(ciphergram.EINVALID, "a password needs at least %d characters", MinPasswordLength)
	}
	if len(password) > 1024 {
		return "", ciphergram.Errorf(ciphergram.EINVALID, "a password has at most 1024 characters")
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a HashPassword hash.
func CheckPassword(hash, password string) bool {
	f := strings.Split(hash, "$")
	if len(f) != 6 || f[1] != "argon2id" || f[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<21 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(f[4])
	want, err2 := b64.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user is unknown, so that a login
// takes as long whether or not the name exists.
var dummyHash, _ = HashPassword("not a password of anyone")

// Login checks a user's password. EUNAUTHORIZED, the same for an unknown
// name, a user without a password and a wrong password.
func (s *Service) Login(ctx context.Context, name, password string) (*ciphergram.User, error) {
	u, err := s.store.User(ctx, name)
	if err != nil && ciphergram.ErrorCode(err) != ciphergram.ENOTFOUND {
		return nil, err
	}
	hash := dummyHash
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	if !CheckPassword(hash, password) || u == nil || u.PasswordHash == "" {
		_ = s.store.Record(ctx, ciphergram.Audit{Time: s.Now(), Actor: "system", Action: "login.failed", Subject: "user " + name})
		return nil, ciphergram.Errorf(ciphergram.EUNAUTHORIZED, "wrong name or password")
	}
	return u, s.store.Record(ctx, s.audit(u, "login", "user "+u.Name, ""))
}

// SetPassword sets a user's password: an admin for anyone, a user for
// themselves. Every session of that user ends.
func (s *Service) SetPassword(ctx context.Context, actor *ciphergram.User, name, password string) error {
	if actor == nil || actor.Name != name {
		if err := allow(actor, "set another user's password"); err != nil {
			return err
		}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(ctx, name, hash, s.audit(actor, "user.password_set", "user "+name, "")); err != nil {
		return err
	}
	_, err = s.store.DeleteSessions(ctx, name, time.Now().Add(time.Hour*24*365*100))
	return err
}

// NewPassword returns a random password of 20 letters and digits (119
// bits), for a first admin or a reset.
func NewPassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

func randIntn(n int) int {
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < 256-256%n {
			return int(b[0]) % n
		}
	}
}

// Session timeouts: a session ends after IdleTimeout without a request and
// AbsoluteTimeout after sign-in, whichever comes first.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
)

// StartSession signs a user in and returns the session token, which only
// the browser keeps (the store keeps its SHA-256).
func (s *Service) StartSession(ctx context.Context, u *ciphergram.User) (string, error) {
	b := make([]byte, 32)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now()
	err := s.store.CreateSession(ctx, &ciphergram.Session{ID: sessionID(token), User: u.Name, Created: now, Seen: now})
	return token, err
}

func sessionID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// SessionUser returns the user of a live session and marks it seen.
// EUNAUTHORIZED when the token is unknown or the session has timed out
// (which ends it).
func (s *Service) SessionUser(ctx context.Context, token string) (*ciphergram.User, error) {
	if token == "" || len(token) > 100 {
		return nil, ciphergram.Errorf(ciphergram.EUNAUTHORIZED, "not signed in")
	}
	id := sessionID(token)
	ss, err := s.store.Session(ctx, id)
	if ciphergram.ErrorCode(err) == ciphergram.ENOTFOUND {
		return nil, ciphergram.Errorf(ciphergram.EUNAUTHORIZED, "not signed in")
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if now.Sub(ss.Seen) > IdleTimeout || now.Sub(ss.Created) > AbsoluteTimeout {
		_ = s.store.DeleteSession(ctx, id)
		return nil, ciphergram.Errorf(ciphergram.EUNAUTHORIZED, "the session has expired: sign in again")
	}
	if now.Sub(ss.Seen) > time.Minute {
		if err := s.store.TouchSession(ctx, id, now); err != nil {
			return nil, err
		}
	}
	return s.Actor(ctx, ss.User)
}

// EndSession signs out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, sessionID(token))
}

// ExpireSessions removes sessions idle for longer than IdleTimeout.
func (s *Service) ExpireSessions(ctx context.Context) (int, error) {
	return s.store.DeleteSessions(ctx, "", time.Now().Add(-IdleTimeout))
}
