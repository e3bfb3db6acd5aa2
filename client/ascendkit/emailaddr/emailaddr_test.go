package emailaddr

import (
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"Ada@Example.COM":             "ada@example.com",
		"ada@example.com\u00a0":       "ada@example.com",
		"\u3000ada@example.com\u2002": "ada@example.com",
		"\tada@example.com\r\n":       "ada@example.com",
		"max@xn--bcher-kva.de":        "max@bücher.de",
		"Max@XN--BCHER-KVA.DE":        "max@bücher.de",
		"max@bücher.de":               "max@bücher.de",
		"max@BÜCHER.de":               "max@bücher.de",
		"max@bu\u0308cher.de":         "max@bücher.de",
		"a@mail.xn--bcher-kva.de":     "a@mail.bücher.de",
		// Not valid: left as it is, but for case and spaces.
		"a@xn--a.de":        "a@xn--a.de",
		"a@xn--bcher-kva_x": "a@xn--bcher-kva_x",
		"no-at-sign":        "no-at-sign",
		"":                  "",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%+q) = %+q, want %+q", in, got, want)
		}
		if got := Canonical(want); got != want {
			t.Errorf("Canonical(%+q) = %+q: not idempotent", want, got)
		}
	}
}

var domainCorpus = []string{
	"example.com", "a.b", "a-b.co", "ab--cd.com", "1.2.3", "x.y.z.w", strings.Repeat("a", 63) + ".co",
	strings.Repeat("a", 64) + ".co", strings.Repeat("abcdefghi.", 25) + "com", strings.Repeat("abcdefghi.", 26) + "com",
	"", ".", "com", "localhost", ".com", "a.", "a..b", "-bad-.com", "bad-.com", "-bad.com", "a.-b", "a.b-",
	"exa_mple.com", "exa mple.com", "a@b.co", "[1.2.3.4]", "Example.com", "a.b.", "-", "--.co", "a.--",
}

func TestValidDomain(t *testing.T) {
	valid := []string{"example.com", "a-b.co", "ab--cd.com", "bücher.de", "xn--bcher-kva.de", "mail.bücher.de",
		"straße.de", "例え.jp", "1.2.3", strings.Repeat("a", 63) + ".co"}
	invalid := []string{"-bad-.com", "bad-.com", "-bad.com", "exa_mple.com", "example.com\u00ad", "exam\u00adple.com",
		"example.com.", ".com", "localhost", "bücher", "a..b", "ｅｘａｍｐｌｅ.com", "BÜCHER.de", "exa\u200bmple.com",
		"bücher-.de", "-bücher.de", "xn--a.de", "xn--.de", "a@b.co", strings.Repeat("a", 64) + ".co",
		strings.Repeat("ü", 60) + ".de", // fine in Unicode, too long once in ASCII
		"exa\u00a0mple.com", "exa mple.com", "[1.2.3.4]"}
	for _, d := range valid {
		if !ValidDomain(d) {
			t.Errorf("ValidDomain(%+q) = false, want true", d)
		}
	}
	for _, d := range invalid {
		if ValidDomain(d) {
			t.Errorf("ValidDomain(%+q) = true, want false", d)
		}
	}
}

// TestLDHAgreesWithIDNA: the shortcut for plain ASCII domains answers
// what the IDNA library does, on both sides of each of its rules.
func TestLDHAgreesWithIDNA(t *testing.T) {
	taken := 0
	for _, d := range domainCorpus {
		checkLDH(t, d)
		if ldhDomain(d) {
			taken++
		}
	}
	if taken < 5 {
		t.Errorf("only %d corpus domains valid: the agreement proves little", taken)
	}
}

func FuzzLDHAgreesWithIDNA(f *testing.F) {
	for _, d := range domainCorpus {
		f.Add(d)
	}
	f.Fuzz(checkLDH)
}

func checkLDH(t *testing.T, d string) {
	if !isASCII(d) || strings.Contains(d, "xn--") {
		return
	}
	if got, want := ldhDomain(d), idnaDomain(d); got != want {
		t.Fatalf("ldhDomain(%q) = %v, idnaDomain = %v", d, got, want)
	}
}

// FuzzCanonicalIdempotent: a stored address is its own canonical form,
// so looking it up again (NormEmail on the stored value) finds it.
func FuzzCanonicalIdempotent(f *testing.F) {
	for _, s := range []string{"a@b.co", " Max@XN--BCHER-KVA.de\u00a0", "max@bu\u0308cher.de", "a@xn--a.de",
		"\u212a@xn--zca.de", "x@xn--bcher-kva.-bad.de", "\u3000"} {
		f.Add(s)
	}
	for _, d := range domainCorpus {
		f.Add("a@" + d)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Canonical(s)
		if again := Canonical(c); again != c {
			t.Fatalf("Canonical(%+q) = %+q, but Canonical of that is %+q", s, c, again)
		}
		at := strings.LastIndexByte(c, '@')
		if at < 0 || !ValidDomain(c[at+1:]) {
			return
		}
		for _, l := range strings.Split(c[at+1:], ".") {
			if strings.HasPrefix(l, "xn--") {
				t.Fatalf("Canonical(%+q) = %+q keeps an xn-- label in a valid domain", s, c)
			}
		}
	})
}
