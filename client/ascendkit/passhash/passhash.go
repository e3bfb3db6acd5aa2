// Package passhash verifies passwords against digests carried over from
// Clerk: bcrypt, argon2id / argon2i PHC strings, and PBKDF2-SHA256 in
// Clerk's and Django's layouts. It never logs or returns a digest: errors
// name the hasher and what is wrong with the digest's shape, not its text.
package passhash

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Hasher names, as Clerk's password_hasher field spells them.
const (
	Bcrypt             = "bcrypt"
	Argon2id           = "argon2id"
	Argon2i            = "argon2i"
	PBKDF2SHA256       = "pbkdf2_sha256"
	PBKDF2SHA256Django = "pbkdf2_sha256_django"
)

// ErrUnsupported is returned (wrapped) for a hasher this package cannot verify.
var ErrUnsupported = errors.New("unsupported password hasher")

// ErrMalformed is returned (wrapped) for a digest that does not have its
// hasher's shape or asks for absurd work (a hostile file must not make a
// check take minutes or gigabytes).
var ErrMalformed = errors.New("malformed password digest")

// Limits on the work a digest may ask for. They are well above what any
// real deployment uses (argon2 defaults are 64 MiB, Django's PBKDF2 is
// under 1.5M iterations) and keep one check bounded.
const (
	maxArgonMemoryKiB = 1 << 20 // 1 GiB
	maxArgonTime      = 64
	maxArgonKeyLen    = 1024
	maxPBKDF2Iter     = 10_000_000
	maxPBKDF2KeyLen   = 1024
	// maxBcryptCost: Clerk hashes at 10 and hardened setups at 12–14;
	// 16 is 64 times Clerk's work, seconds per check, while the format's
	// own limit (31) is about a day.
	maxBcryptCost = 16
)

// clerkHashers are the password_hasher values Clerk's Backend API accepts
// (the enum of POST /users), the ones this package verifies included.
var clerkHashers = map[string]bool{
	"argon2i": true, "argon2id": true, "awscognito": true, "bcrypt": true, "bcrypt_peppered": true,
	"bcrypt_sha256_django": true, "hmac_sha256_utf16_b64": true, "ldap_ssha": true, "md5": true,
	"md5_phpass": true, "md5_salted": true, "pbkdf2_sha1": true, "pbkdf2_sha256": true,
	"pbkdf2_sha256_django": true, "pbkdf2_sha512": true, "phpass": true, "scrypt_firebase": true,
	"scrypt_werkzeug": true, "sha256": true, "sha256_salted": true, "sha512_symfony": true,
}

// Known reports whether hasher (normalised) is a name Clerk uses. Only such
// names are shown or stored as the hasher: a cell holding anything else
// may be a digest itself (columns swapped or shifted), and an md5 or
// sha256 hex digest survives lower-casing intact.
func Known(hasher string) bool { return clerkHashers[Normalize(hasher)] }

// Normalize maps a hasher name to its canonical spelling ("" when empty).
func Normalize(hasher string) string { return strings.ToLower(strings.TrimSpace(hasher)) }

// Supported reports whether the hasher can be verified.
func Supported(hasher string) bool {
	switch Normalize(hasher) {
	case Bcrypt, Argon2id, Argon2i, PBKDF2SHA256, PBKDF2SHA256Django:
		return true
	}
	return false
}

// Check reports whether digest is well formed for hasher, without the cost
// of a verification: the importer keeps only digests that could verify.
func Check(hasher, digest string) error {
	_, err := parse(Normalize(hasher), digest)
	return err
}

// Verify reports whether password matches digest. A mismatch is (false,
// nil); an unsupported hasher or a malformed digest is an error. The
// final comparison is constant-time.
func Verify(hasher, digest, password string) (bool, error) {
	p, err := parse(Normalize(hasher), digest)
	if err != nil {
		return false, err
	}
	return p.verify(password), nil
}

// parsed is a digest ready to verify.
type parsed interface{ verify(password string) bool }

func parse(hasher, digest string) (parsed, error) {
	// Every format here writes printable ASCII: a NUL or a control byte
	// (which PostgreSQL text cannot even hold) is a digest spoilt.
	if i := strings.IndexFunc(digest, func(r rune) bool { return r < 0x21 || r > 0x7e }); i >= 0 && Supported(hasher) {
		return nil, malformed(hasher, fmt.Sprintf("byte %d is not a printable ASCII character, which no digest holds", i+1))
	}
	switch hasher {
	case Bcrypt:
		return parseBcrypt(digest)
	case Argon2id, Argon2i:
		return parseArgon(hasher, digest)
	case PBKDF2SHA256, PBKDF2SHA256Django:
		return parsePBKDF2(hasher, digest)
	case "":
		return nil, fmt.Errorf("%w: no hasher named", ErrUnsupported)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupported, hasher)
}

func malformed(hasher, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, hasher, why)
}

type bcryptDigest []byte

func parseBcrypt(digest string) (parsed, error) {
	// $2a$10$ + 53 characters of salt and hash.
	if len(digest) != 60 || digest[0] != '$' || digest[1] != '2' {
		return nil, malformed(Bcrypt, "want $2a$/$2b$/$2y$<cost>$<53 characters>")
	}
	cost, err := bcrypt.Cost([]byte(digest))
	if err != nil {
		return nil, malformed(Bcrypt, "unreadable version or cost")
	}
	if cost < bcrypt.MinCost || cost > maxBcryptCost {
		return nil, malformed(Bcrypt, fmt.Sprintf("cost %d out of range (%d to %d)", cost, bcrypt.MinCost, maxBcryptCost))
	}
	// Salt and hash are bcrypt's base64 (./A-Za-z0-9): any other byte (a
	// NUL, a character changed by hand) makes a digest no password ever
	// matches, which must read as malformed, not kept.
	if i := strings.IndexFunc(digest[7:], func(r rune) bool {
		return !(r == '.' || r == '/' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}); digest[6] != '$' || i >= 0 {
		return nil, malformed(Bcrypt, "the salt and hash hold a character that is not bcrypt's base64 (./A-Za-z0-9)")
	}
	return bcryptDigest(digest), nil
}

func (d bcryptDigest) verify(password string) bool {
	// CompareHashAndPassword compares in constant time.
	return bcrypt.CompareHashAndPassword(d, []byte(password)) == nil
}

type argonDigest struct {
	id           bool
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

// parseArgon reads a PHC string: $argon2id$v=19$m=65536,t=3,p=4$salt$hash
// (salt and hash in unpadded standard base64; padded is accepted too).
func parseArgon(hasher, digest string) (parsed, error) {
	parts := strings.Split(digest, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != hasher {
		return nil, malformed(hasher, "want $"+hasher+"$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[2] != "v=19" {
		return nil, malformed(hasher, "only version 19 (0x13) is supported")
	}
	d := argonDigest{id: hasher == Argon2id}
	var seen [3]bool
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return nil, malformed(hasher, "unreadable parameters")
		}
		switch k {
		case "m":
			d.memory, seen[0] = uint32(n), true
		case "t":
			d.time, seen[1] = uint32(n), true
		case "p":
			if n > 255 {
				return nil, malformed(hasher, "parallelism out of range")
			}
			d.threads, seen[2] = uint8(n), true
		default:
			return nil, malformed(hasher, "unknown parameter")
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return nil, malformed(hasher, "missing m, t or p")
	}
	if d.threads == 0 || d.time == 0 || d.time > maxArgonTime || d.memory < 8*uint32(d.threads) || d.memory > maxArgonMemoryKiB {
		return nil, malformed(hasher, "parameters out of range")
	}
	var err error
	if d.salt, err = b64(parts[4]); err != nil || len(d.salt) < 8 {
		return nil, malformed(hasher, "unreadable or short salt")
	}
	if d.key, err = b64(parts[5]); err != nil || len(d.key) < 4 || len(d.key) > maxArgonKeyLen {
		return nil, malformed(hasher, "unreadable hash")
	}
	return d, nil
}

func (d argonDigest) verify(password string) bool {
	f := argon2.Key
	if d.id {
		f = argon2.IDKey
	}
	got := f([]byte(password), d.salt, d.time, d.memory, d.threads, uint32(len(d.key)))
	return subtle.ConstantTimeCompare(got, d.key) == 1
}

type pbkdf2Digest struct {
	iter      int
	salt, key []byte
}

// parsePBKDF2 reads pbkdf2_sha256$<iterations>$<salt>$<hash>. The hash is
// standard base64 in both layouts; the salt is base64 in Clerk's
// pbkdf2_sha256 and used as written in Django's (pbkdf2_sha256_django).
func parsePBKDF2(hasher, digest string) (parsed, error) {
	parts := strings.Split(digest, "$")
	if len(parts) != 4 || parts[0] != PBKDF2SHA256 {
		return nil, malformed(hasher, "want pbkdf2_sha256$<iterations>$<salt>$<hash>")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > maxPBKDF2Iter {
		return nil, malformed(hasher, "iterations out of range")
	}
	d := pbkdf2Digest{iter: iter, salt: []byte(parts[2])}
	if hasher == PBKDF2SHA256 {
		if d.salt, err = b64(parts[2]); err != nil {
			return nil, malformed(hasher, "unreadable salt")
		}
	}
	if len(d.salt) == 0 {
		return nil, malformed(hasher, "empty salt")
	}
	if d.key, err = b64(parts[3]); err != nil || len(d.key) < 16 || len(d.key) > maxPBKDF2KeyLen {
		return nil, malformed(hasher, "unreadable hash")
	}
	return d, nil
}

func (d pbkdf2Digest) verify(password string) bool {
	got, err := pbkdf2.Key(sha256.New, password, d.salt, d.iter, len(d.key))
	return err == nil && subtle.ConstantTimeCompare(got, d.key) == 1
}

// b64 decodes standard base64 with or without padding.
func b64(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
