package importer

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// referenceNormalizeEmail is normalizeEmail without its fast path, and
// referenceValidEmail is validEmail without its own (net/mail's parser
// alone): the fast paths must not change any answer.
func referenceNormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.IndexFunc(s, notAddressRune) >= 0 {
		return "", false
	}
	s = emailaddr.Canonical(s)
	return s, referenceValidEmail(s)
}

func referenceValidEmail(s string) bool {
	return parsedValidEmail(s) && emailaddr.ValidDomain(s[strings.LastIndexByte(s, '@')+1:])
}

// emailCorpus holds addresses on both sides of every rule of the fast
// paths: dots, specials, spaces, controls, case, non-ASCII, quoting,
// comments, names and domain literals.
var emailCorpus = []string{
	"", "@", "a@", "@b.co", "a@b", "a@b.", "a@.b", "a@b.co", "A@B.CO", " a@b.co ", "\ta@b.co",
	"a.b@c.d", ".a@b.co", "a.@b.co", "a..b@c.d", "a@b..co", "a@b.co.", "a@@b.co", "a@b@c.co",
	"a+tag@b.co", "o'neil@b.co", "a!#$%&'*+-/=?^_`{|}~@b.co", "a(b)@c.co", "a@b.co (comment)",
	"a<b@c.co", "Ann <a@b.co>", "<a@b.co>", "a,b@c.co", "a;b@c.co", "a:b@c.co", "a[b]@c.co",
	"a\\b@c.co", `"a b"@c.co`, `"a"@b.co`, `""@b.co`, "a@[1.2.3.4]", "a@[b.co]", "a b@c.co",
	"a@b .co", "a\x00@b.co", "a\x1f@b.co", "a\x7f@b.co", "a@b.co\r\n", "é@b.co", "É@B.CO",
	"e\u0301@b.co", "a@bü.co", "a\u200b@b.co", "a\u202e@b.co", "a\xff@b.co", "a@b.c\x80o",
	"\u212a@b.co", "ß@b.co", "a@b.co\u0085", "grp: a@b.co;", "a@b.co, c@d.co", "=?utf-8?q?a?= <a@b.co>",
	"1@2.3", "-@-.-", "a@b.co\t", "a@b.co  ", "a@-b.co", "user_123@example.com", "x@y.z.w.v",
	"a@b.co\u00a0", "\u3000a@b.co", "a\u00a0b@c.co", "a@b.co\u00ad", "a@b-.co", "a@b_c.co", "a@xn--bcher-kva.de",
	"a@XN--bcher-kva.de", "a@xn--a.de", "xn--a@b.co", "a@b\x00.co", "a b@c.co ",
}

func TestEmailFastPathsAgree(t *testing.T) {
	for _, s := range emailCorpus {
		checkEmailFastPaths(t, s)
	}
}

func FuzzEmailFastPaths(f *testing.F) {
	for _, s := range emailCorpus {
		f.Add(s)
	}
	f.Fuzz(checkEmailFastPaths)
}

func checkEmailFastPaths(t *testing.T, s string) {
	got, gotOK := normalizeEmail(s)
	want, wantOK := referenceNormalizeEmail(s)
	if got != want || gotOK != wantOK {
		t.Fatalf("normalizeEmail(%q) = %q, %v; want %q, %v", s, got, gotOK, want, wantOK)
	}
	if got, want := validEmail(s), referenceValidEmail(s); got != want {
		t.Fatalf("validEmail(%q) = %v, want %v", s, got, want)
	}
}

// TestPlainAddressTaken checks that the fast path does take the usual
// addresses (the agreement test alone would pass with it never taken).
func TestPlainAddressTaken(t *testing.T) {
	for _, s := range []string{"user_123@example.com", "a.b+c@d.e.co", "o'neil@b.co"} {
		if !plainAddress(s) {
			t.Errorf("plainAddress(%q) = false", s)
		}
	}
	for _, s := range []string{"a@b", "A <a@b.co>", "é@b.co", ".a@b.co", "a@b.co."} {
		if plainAddress(s) {
			t.Errorf("plainAddress(%q) = true", s)
		}
	}
}

func BenchmarkMapUser(b *testing.B) {
	var u clerk.User
	if err := json.Unmarshal([]byte(ada), &u); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if _, reason, _ := mapUser(&u, now, false); reason != "" {
			b.Fatal(reason)
		}
	}
}

// TestMapUserForPreview maps every user of the mapping tests both ways.
func TestMapUserForPreview(t *testing.T) {
	for _, js := range []string{ada,
		`{"id":"u","public_metadata":{"import":"theirs","a":1},"email_addresses":[{"id":"e","email_address":"x@y.co"}],"last_sign_in_at":5,"password_enabled":true}`,
		`{"id":"u","email_addresses":[{"id":"e","email_address":"not-an-email"}]}`,
		`{"id":"u","banned":true,"email_addresses":[{"id":"e","email_address":"x@y.co"}]}`,
	} {
		var u clerk.User
		if err := json.Unmarshal([]byte(js), &u); err != nil {
			t.Fatal(err)
		}
		m, reason, _ := mapUser(&u, now, false)
		checkMapUserForPreview(t, &u, m, reason)
	}
}
