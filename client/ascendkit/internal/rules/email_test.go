package rules

import "testing"

var emailSeeds = []string{"", "a@b.co", "A@b.co", " a@b.co", "a@b.co\t", "a@b.co\n", "a b@c.co",
	"é@b.co", "e\u0301@b.co", "a@b.co\u00a0", "\u0085a@b.co", "\x00a@b.co", "a@b.co\x0b", "a@b.co\f", "\ra@b.co",
	"\u212a@b.co", "x\"y@b.co", "bad\xff@b.co", " ", "Z", "@", "a@b.co\u3000", "\u2009a@b.co",
	"max@xn--bcher-kva.de", "max@XN--bcher-kva.de", "max@xn--a.de", "xn--bcher-kva@b.co", "max@bücher.de"}

// FuzzNormEmail: the shortcut holds exactly for the ASCII addresses the
// full normalisation leaves as they are, and NormEmail with it returns
// what the full normalisation does. Plain go test runs the seeds.
func FuzzNormEmail(f *testing.F) {
	for _, e := range emailSeeds {
		f.Add(e)
	}
	f.Fuzz(checkNormEmail)
}

func checkNormEmail(t *testing.T, e string) {
	if got, want := IsNormASCIIEmail(e), isASCII(e) && normEmail(e) == e; got != want {
		t.Errorf("IsNormASCIIEmail(%q) = %v, want %v", e, got, want)
	}
	if got, want := NormEmail(e), normEmail(e); got != want {
		t.Errorf("NormEmail(%q) = %q, want %q", e, got, want)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// TestNormEmailAsImporterWrites: the spellings of one address a source
// may hold all find the one stored form (the importer writes
// emailaddr.Canonical; see importer's emailnorm tests).
func TestNormEmailAsImporterWrites(t *testing.T) {
	for in, want := range map[string]string{
		"ada@example.com\u00a0":    "ada@example.com",
		"\u3000Ada@example.com":    "ada@example.com",
		"ada@example.com\u200a":    "ada@example.com",
		"max@xn--bcher-kva.de":     "max@bücher.de",
		"MAX@XN--BCHER-KVA.DE":     "max@bücher.de",
		"max@bu\u0308cher.de":      "max@bücher.de",
		"max@bücher.de":            "max@bücher.de",
		"plain@example.com":        "plain@example.com",
		"xn--bcher-kva@example.co": "xn--bcher-kva@example.co",
	} {
		if got := NormEmail(in); got != want {
			t.Errorf("NormEmail(%+q) = %+q, want %+q", in, got, want)
		}
	}
}
