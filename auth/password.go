// Package auth hashes and checks user passwords. It imports nothing of
// Precis's own, so every floor (storage, handlers, the command line) may use
// it.
//
// Passwords are hashed with argon2id (RFC 9106) and stored in the PHC string
// form used by the reference implementation and libsodium:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// salt and hash in unpadded standard base64. The parameters travel with each
// hash, so hashes made with older, weaker parameters keep verifying after the
// defaults rise; Verify reports them as needing a rehash.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of a hash.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
}

// Current are the parameters of new hashes: OWASP's Password Storage Cheat
// Sheet minimum for argon2id (m=19 MiB, t=2, p=1). It keeps a login under
// about 30 ms on one core (see BenchmarkHash) and 19 MiB per concurrent login,
// so a burst of logins cannot exhaust a small server's memory or CPU, while
// an offline attacker still pays 19 MiB of memory-hard work per guess.
var Current = Params{Memory: 19456, Time: 2, Threads: 1}

const (
	saltLen = 16 // bytes of random salt
	keyLen  = 32 // bytes of derived hash

	// MinPasswordLen is the fewest characters a password may have.
	MinPasswordLen = 12
	// MaxPasswordBytes is the most bytes a password may have; it bounds the
	// work an attacker can ask of the hash function.
	MaxPasswordBytes = 256
)

// Limits a stored hash's parameters must respect before Verify runs argon2 on
// them, so a tampered row cannot make a login allocate gigabytes or run for
// minutes.
const (
	maxMemory  = 1 << 20 // KiB (1 GiB)
	maxTime    = 64
	maxThreads = 64
)

// ErrMalformedHash is returned (wrapped) by Verify for a string that is not a
// valid argon2id PHC hash.
var ErrMalformedHash = errors.New("malformed password hash")

// Hash returns the PHC-encoded argon2id hash of password with a fresh random
// salt and the Current parameters.
func Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: salt: %w", err)
	}
	p := Current
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return encode(p, salt, key), nil
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches the PHC-encoded hash, and whether
// the hash should be replaced by a new one (its parameters are weaker than
// Current) once the password is known to be right. A malformed hash returns
// an error wrapping ErrMalformedHash and ok=false, never a match. The
// comparison of the derived keys takes constant time.
func Verify(password, encoded string) (ok bool, needsRehash bool, err error) {
	p, salt, want, err := Decode(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	// ConstantTimeCompare also returns 0 for different lengths, without an
	// early exit of our own: the work done does not depend on the password.
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p.Weaker(Current), nil
}

// Weaker reports whether p costs less than q in memory, time or lanes.
func (p Params) Weaker(q Params) bool {
	return p.Memory < q.Memory || p.Time < q.Time || p.Threads < q.Threads
}

// Decode parses a PHC-encoded argon2id hash into its parameters, salt and
// derived key.
func Decode(encoded string) (p Params, salt, key []byte, err error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=19$m=M,t=T,p=P$SALT$HASH")
	}
	if parts[1] != "argon2id" {
		return bad(fmt.Sprintf("algorithm %q is not argon2id", parts[1]))
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad(fmt.Sprintf("version %q is not v=%d", parts[2], argon2.Version))
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("parameters must be m=M,t=T,p=P")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return bad(fmt.Sprintf("parameter %d must be %s=", i+1, name))
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 || v[0] == '0' {
			return bad(fmt.Sprintf("parameter %s=%q is not a positive integer", name, v))
		}
		vals[i] = n
	}
	p = Params{Memory: uint32(vals[0]), Time: uint32(vals[1])}
	switch {
	case vals[2] > maxThreads:
		return bad(fmt.Sprintf("p=%d exceeds %d", vals[2], maxThreads))
	case vals[1] > maxTime:
		return bad(fmt.Sprintf("t=%d exceeds %d", vals[1], maxTime))
	case vals[0] > maxMemory:
		return bad(fmt.Sprintf("m=%d exceeds %d KiB", vals[0], maxMemory))
	case vals[0] < 8*vals[2]:
		return bad("m must be at least 8*p KiB")
	}
	p.Threads = uint8(vals[2])
	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return bad("salt must be at least 8 bytes of unpadded base64")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return bad("hash must be at least 16 bytes of unpadded base64")
	}
	return p, salt, key, nil
}

// CheckPasswordPolicy returns an error with a message for the user when pw
// may not be used as a password. After NIST SP 800-63B it asks for length,
// not composition: at least MinPasswordLen characters, at most
// MaxPasswordBytes bytes, valid UTF-8, and not one character repeated.
func CheckPasswordPolicy(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		return errors.New("the password is empty")
	case !utf8.ValidString(pw):
		return errors.New("the password is not valid UTF-8 text")
	case n < MinPasswordLen:
		return fmt.Errorf("the password has %d characters; use at least %d (a few words make a good one)", n, MinPasswordLen)
	case len(pw) > MaxPasswordBytes:
		return fmt.Errorf("the password is %d bytes long; the most allowed is %d", len(pw), MaxPasswordBytes)
	}
	first, _ := utf8.DecodeRuneInString(pw)
	if strings.Trim(pw, string(first)) == "" {
		return errors.New("the password repeats one character; choose one that is not")
	}
	return nil
}
