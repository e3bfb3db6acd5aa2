package passhash

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

func bcryptDigestOf(t *testing.T, pw string, cost int) string {
	t.Helper()
	b, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func argonDigestOf(id bool, pw string) string {
	salt := []byte("saltsaltsalt1234")
	f, name := argon2.Key, Argon2i
	if id {
		f, name = argon2.IDKey, Argon2id
	}
	key := f([]byte(pw), salt, 2, 64, 1, 32)
	return fmt.Sprintf("$%s$v=19$m=64,t=2,p=1$%s$%s", name,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func pbkdf2DigestOf(t *testing.T, pw string, django bool) string {
	t.Helper()
	rawSalt := "Xk2mQ9sLr0aZ"
	key, err := pbkdf2.Key(sha256.New, pw, []byte(rawSalt), 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	salt := rawSalt
	if !django {
		// Clerk's layout: the salt is base64 of the bytes used.
		salt = base64.StdEncoding.EncodeToString([]byte(rawSalt))
	}
	return "pbkdf2_sha256$1000$" + salt + "$" + base64.StdEncoding.EncodeToString(key)
}

func TestVerifyEachHasher(t *testing.T) {
	const pw = "correct horse battery staple"
	b2y := bcryptDigestOf(t, pw, bcrypt.MinCost)
	b2y = "$2y$" + b2y[4:] // PHP's spelling of the same algorithm
	cases := []struct{ hasher, digest string }{
		{Bcrypt, bcryptDigestOf(t, pw, bcrypt.MinCost)},
		{"BCRYPT ", bcryptDigestOf(t, pw, bcrypt.MinCost)},
		{Bcrypt, b2y},
		{Argon2id, argonDigestOf(true, pw)},
		{Argon2i, argonDigestOf(false, pw)},
		{PBKDF2SHA256Django, pbkdf2DigestOf(t, pw, true)},
		{PBKDF2SHA256, pbkdf2DigestOf(t, pw, false)},
	}
	for _, c := range cases {
		if !Supported(c.hasher) {
			t.Errorf("%s: not supported", c.hasher)
		}
		if err := Check(c.hasher, c.digest); err != nil {
			t.Errorf("%s: Check: %v", c.hasher, err)
		}
		for _, try := range []struct {
			pw   string
			want bool
		}{{pw, true}, {pw + " ", false}, {"", false}, {strings.ToUpper(pw), false}} {
			ok, err := Verify(c.hasher, c.digest, try.pw)
			if err != nil || ok != try.want {
				t.Errorf("%s %q: got %v, %v; want %v", c.hasher, try.pw, ok, err, try.want)
			}
		}
	}
}

func TestArgonVariantsAreNotInterchangeable(t *testing.T) {
	d := argonDigestOf(true, "pw")
	if _, err := Verify(Argon2i, d, "pw"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("argon2id digest checked as argon2i: %v", err)
	}
}

func TestUnsupportedAndMalformed(t *testing.T) {
	good := bcryptDigestOf(t, "pw", bcrypt.MinCost)
	if _, err := Verify("md5", "5f4dcc3b5aa765d61d8327deb882cf99", "password"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("md5: %v", err)
	}
	if _, err := Verify("", good, "pw"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no hasher: %v", err)
	}
	if Supported("scrypt_firebase") || Supported("") {
		t.Error("scrypt_firebase or empty reported supported")
	}
	bad := map[string][]string{
		Bcrypt: {"", "$2a$10$short", good[:59], "$3a" + good[3:], "$2a$99" + good[6:],
			"$2a$17" + good[6:], "$2a$31" + good[6:], // a day of work for one check
			good[:58] + "\x00" + good[59:], good[:30] + "!" + good[31:]}, // no password matches these
		Argon2id: {
			"$argon2id$v=19$m=64,t=2$c2FsdHNhbHQ$aGFzaGhhc2g",               // missing p
			"$argon2id$v=16$m=64,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",      // old version
			"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g", // 4 GiB of memory
			"$argon2id$v=19$m=64,t=2,p=1$!!!$aGFzaGhhc2g",                   // bad salt
			"$argon2id$v=19$m=64,t=2,p=1,x=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",  // unknown parameter
			"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",      // zero time
			"argon2id$v=19$m=64,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",       // no leading $
		},
		PBKDF2SHA256Django: {
			"pbkdf2_sha256$0$salt$" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
			"pbkdf2_sha256$99999999999$salt$" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
			"pbkdf2_sha256$1000$salt$%%%",
			"pbkdf2_sha1$1000$salt$" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
			"pbkdf2_sha256$1000$$" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
			"pbkdf2_sha256$1000$sa\x00lt$" + base64.StdEncoding.EncodeToString(make([]byte, 32)), // PostgreSQL text holds no NUL
			"pbkdf2_sha256$1000$sa lt$" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
		},
	}
	for hasher, digests := range bad {
		for _, d := range digests {
			if err := Check(hasher, d); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s %q: Check = %v, want ErrMalformed", hasher, d, err)
			}
			ok, err := Verify(hasher, d, "pw")
			if ok || !errors.Is(err, ErrMalformed) {
				t.Errorf("%s %q: Verify = %v, %v", hasher, d, ok, err)
			}
			if err != nil && d != "" && strings.Contains(err.Error(), d) {
				t.Errorf("%s: the error repeats the digest: %v", hasher, err)
			}
		}
	}
}

// BenchmarkBcryptCost10 is the cost of one canary check with Clerk's usual
// bcrypt cost; scripts/bench-passwords.sh reports it for 1,000 checks.
func BenchmarkBcryptCost10(b *testing.B) {
	d, err := bcrypt.GenerateFromPassword([]byte("pw"), 10)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := Verify(Bcrypt, string(d), "pw"); !ok || err != nil {
			b.Fatal("no match")
		}
	}
}
