package rules

import "testing"

var emailSeeds = []string{"", "a@b.co", "A@b.co", " a@b.co", "a@b.co\t", "a@b.co\n", "a b@c.co",
	"é@b.co", "e\u0301@b.co", "a@b.co\u00a0", "\u0085a@b.co", "\x00a@b.co", "a@b.co\x0b", "a@b.co\f", "\ra@b.co",
	"\u212a@b.co", "x\"y@b.co", "bad\xff@b.co", " ", "Z", "@"}

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
