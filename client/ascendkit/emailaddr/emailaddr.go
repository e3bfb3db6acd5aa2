// Package emailaddr is the one form an email address is stored and
// compared in. The importer (which also validates addresses) and the
// environment's backends (which store and look them up) both use it, so
// that an address the importer counts as new is new to the database too.
package emailaddr

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// profile validates an internationalised domain as IDNA 2008 registers it
// (UTS 46 without its mapping): a character that would have to be mapped
// (a capital, a full-width letter) or that lookup ignores (a soft hyphen)
// makes the domain invalid rather than silently becoming another one.
// The "--" in third and fourth place that UTS 46's CheckHyphens refuses is
// legal in DNS and left alone; leading and trailing hyphens are refused by
// labelsOK.
var profile = idna.New(idna.ValidateForRegistration(), idna.CheckHyphens(false))

// Canonical is how an address is stored and compared: surrounding white
// space (Unicode's, so a no-break or ideographic space too) trimmed,
// NFC-normalised and lower-cased, and the domain's IDNA labels (xn--…)
// written in Unicode, the form users recognise, so that
// max@xn--bcher-kva.de and max@bücher.de are one address. It never fails:
// an address that is not valid is left otherwise as it is (the importer
// refuses it; a lookup by it finds nothing).
func Canonical(s string) string {
	s = strings.TrimSpace(s)
	if isASCII(s) {
		s = strings.ToLower(s)
	} else {
		// Lower-casing can undo composition in rare cases: normalise again.
		s = norm.NFC.String(strings.ToLower(norm.NFC.String(s)))
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 || !strings.Contains(s[at+1:], "xn--") {
		return s
	}
	if d, err := profile.ToUnicode(s[at+1:]); err == nil {
		return s[:at+1] + d
	}
	return s
}

// Legacy is the spelling of a Canonical address with its domain in ASCII
// (xn--…), or "" when the domain is ASCII already. Versions before
// Canonical wrote IDN domains in Unicode stored such an address as its
// export spelled it, so lookups try this spelling too: an existing user
// stays found, and is not imported a second time.
func Legacy(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 || isASCII(s[at+1:]) {
		return ""
	}
	d, err := profile.ToASCII(s[at+1:])
	if err != nil || d == s[at+1:] {
		return ""
	}
	return s[:at+1] + d
}

// ValidDomain reports whether d, an address's domain in Canonical form, is
// a host name with at least two labels: letters, digits and hyphens (any
// script's letters, as IDNA 2008 allows them), no label empty or starting
// or ending with a hyphen, at most 63 bytes a label and 253 in all once
// written in ASCII.
func ValidDomain(d string) bool {
	if isASCII(d) && !strings.Contains(d, "xn--") {
		return ldhDomain(d)
	}
	return idnaDomain(d)
}

// idnaDomain is ValidDomain by the IDNA library alone; ldhDomain must
// agree with it on ASCII domains without xn-- labels (see the tests).
func idnaDomain(d string) bool {
	if _, err := profile.ToASCII(d); err != nil {
		return false
	}
	u, err := profile.ToUnicode(d)
	return err == nil && labelsOK(u)
}

// labelsOK: at least two labels, none starting or ending with a hyphen.
func labelsOK(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	return true
}

// ldhDomain is ValidDomain for a lower-case ASCII domain without IDNA
// labels, without the IDNA tables (nearly every address takes it).
func ldhDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels, start := 1, 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			c := d[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		l := d[start:i]
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		if i < len(d) {
			labels++
		}
		start = i + 1
	}
	return labels >= 2
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
